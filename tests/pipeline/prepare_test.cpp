// prepare on a directory of structures: the same corpus at any number of ranks, bad files
// skipped with a reason (or fatal with --strict), duplicates reported and dropped on request.
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "bertology/corpus/corpus_file.h"
#include "bertology/corpus/fasta_stream.h"
#include "bertology/error.h"
#include "bertology/io/hdf5.h"
#include "bertology/parallel/mpi.h"
#include "bertology/pipeline/commands.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace bertology;

namespace {

std::string shared_directory(const parallel::Communicator& comm) {
  std::string name = comm.root() ? fs::temp_directory_path() / fs::path("bertology_prepare_XXXXXX") : "";
  if (comm.root()) name = mkdtemp(name.data());
  comm.broadcast(name);
  return name;
}

std::vector<corpus::Record> read_all(const std::string& path) {
  corpus::CorpusReader reader(path);
  return reader.read_range(0, reader.read_metadata().sequences);
}

pipeline::PrepareConfig config_for(const std::string& input, const std::string& output) {
  pipeline::PrepareConfig config;
  config.inputs = {input};
  config.output = output;
  config.quiet = true;
  return config;
}

// Prepares `config` with every rank of comm and, on rank 0, alone; both corpora must match in
// records and checksum (what "the same corpus at any number of ranks" means).
void expect_same_corpus_alone_and_together(pipeline::PrepareConfig config, const parallel::Communicator& comm) {
  const std::string together = config.output, alone = config.output + ".alone.h5";
  pipeline::prepare(config, comm);
  config.output = alone;
  config.log = alone + ".log";
  if (comm.root()) pipeline::prepare(config, parallel::Communicator(MPI_COMM_SELF));
  comm.barrier();
  corpus::CorpusReader a(together), b(alone);
  const auto ma = a.read_metadata(), mb = b.read_metadata();
  EXPECT_EQ(ma.content_sha256, mb.content_sha256);
  EXPECT_EQ(ma.content_sha256.size(), 64u);
  EXPECT_EQ(ma.block_size, mb.block_size);
  EXPECT_TRUE(ma.block_size_stored);
  const auto ra = read_all(together), rb = read_all(alone);
  ASSERT_EQ(ra.size(), rb.size());
  for (std::size_t k = 0; k < ra.size(); ++k) {
    EXPECT_EQ(ra[k].id, rb[k].id);
    EXPECT_EQ(ra[k].sequence, rb[k].sequence);
    EXPECT_EQ(ra[k].labels, rb[k].labels);
    EXPECT_EQ(ra[k].ca_mask, rb[k].ca_mask);
    EXPECT_EQ(ra[k].ca, rb[k].ca);
  }
  // Every block reads back and matches its stored digest.
  for (std::int64_t block = 0; block < ma.blocks(); ++block)
    EXPECT_EQ(static_cast<std::int64_t>(a.read_block(block).size()), ma.block_end(block) - ma.block_begin(block));
}

// A FASTA file with lengths from 1 to a few thousand residues, lower case and wrapped lines,
// a repeated sequence and (with repeated_ids) a repeated id: the cases a split by byte ranges
// can get wrong.
std::string generated_fasta(int records, bool repeated_ids = true) {
  std::mt19937 random(11);
  std::lognormal_distribution<double> length(4.5, 1.0);
  const std::string letters = "ACDEFGHIKLMNPQRSTVWYacdefghiklmnpqrstvwy";
  std::string text;
  for (int r = 0; r < records; ++r) {
    text += ">seq" + std::to_string(repeated_ids && r % 97 == 5 ? 5 : r) + " record " + std::to_string(r) + "\n";
    std::string sequence;
    if (r % 13 == 0) {
      sequence = "MKTAYIAKQRQISFVKSHFSRQ";
    } else {
      const int n = 1 + std::min(5000, static_cast<int>(length(random)));
      for (int i = 0; i < n; ++i) sequence += letters[random() % letters.size()];
    }
    for (std::size_t at = 0; at < sequence.size(); at += 61) text += sequence.substr(at, 61) + "\n";
    if (r % 7 == 0) text += "\n";
  }
  return text;
}

}  // namespace

TEST(Prepare, FastaPlainGzipAndZstdGiveTheSameCorpusAtAnyNumberOfRanks) {
  parallel::Communicator comm;
  const std::string work = shared_directory(comm);
  if (comm.root()) {
    const std::string text = generated_fasta(600);
    std::ofstream(work + "/proteins.fasta") << text;
    gzFile gz = gzopen((work + "/proteins.fasta.gz").c_str(), "wb");
    gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    gzclose(gz);
    // Two zstd frames, cut mid-record (as `zstd` and `cat a.zst b.zst` make them), and the
    // same file cut short.
    std::string zst;
    for (const std::string& part : {text.substr(0, text.size() / 3), text.substr(text.size() / 3)}) {
      std::string frame(ZSTD_compressBound(part.size()), '\0');
      frame.resize(ZSTD_compress(frame.data(), frame.size(), part.data(), part.size(), 3));
      zst += frame;
    }
    std::ofstream(work + "/proteins.fasta.zst", std::ios::binary) << zst;
    std::ofstream(work + "/cut.fasta.zst", std::ios::binary) << zst.substr(0, zst.size() - 10);
  }
  comm.barrier();
  auto config = config_for(work + "/proteins.fasta", work + "/plain.h5");
  config.block_size = 16;
  expect_same_corpus_alone_and_together(config, comm);
  config = config_for(work + "/proteins.fasta.gz", work + "/gzip.h5");
  config.block_size = 16;
  expect_same_corpus_alone_and_together(config, comm);
  config = config_for(work + "/proteins.fasta.zst", work + "/zstd.h5");
  config.block_size = 16;
  expect_same_corpus_alone_and_together(config, comm);
  EXPECT_EQ(corpus::CorpusReader(work + "/plain.h5").read_metadata().content_sha256,
            corpus::CorpusReader(work + "/gzip.h5").read_metadata().content_sha256);
  EXPECT_EQ(corpus::CorpusReader(work + "/plain.h5").read_metadata().content_sha256,
            corpus::CorpusReader(work + "/zstd.h5").read_metadata().content_sha256);
  if (comm.root()) {
    corpus::FastaStream truncated(work + "/cut.fasta.zst");
    try {
      while (truncated.next() != corpus::FastaStream::Event::done) {
      }
      ADD_FAILURE() << "a truncated zstd file was read to its end without an error";
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find("cut.fasta.zst"), std::string::npos) << error.what();
    }
  }

  const auto records = read_all(work + "/plain.h5");
  ASSERT_EQ(records.size(), 600u);
  EXPECT_EQ(records[5].id, "seq5");
  EXPECT_EQ(records[102].id, "seq5~2");  // 102 % 97 == 5: the second use of the id
  EXPECT_EQ(records[13].sequence, "MKTAYIAKQRQISFVKSHFSRQ");
  const auto metadata = corpus::CorpusReader(work + "/plain.h5").read_metadata();
  EXPECT_EQ(metadata.block_size, 16);
  EXPECT_EQ(metadata.blocks(), 38);
  {
    const io::File file = io::File::open_read(work + "/plain.h5");
    EXPECT_EQ(io::dataset_shape(file, "blocks/sha256"), (std::vector<hsize_t>{38, 32}));
  }
  if (comm.root()) {
    std::ifstream log(work + "/plain.h5.log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("seq13 has the sequence of seq0"), std::string::npos) << text.substr(0, 2000);
    EXPECT_NE(text.find("seq5 → seq5~2"), std::string::npos);
  }

  // --dedupe keeps the first of the 47 records sharing a sequence; the default block size.
  config = config_for(work + "/proteins.fasta", work + "/dedupe.h5");
  config.dedupe = true;
  expect_same_corpus_alone_and_together(config, comm);
  const auto unique = corpus::CorpusReader(work + "/dedupe.h5").read_metadata();
  EXPECT_EQ(unique.sequences, 600 - 46);
  EXPECT_EQ(unique.block_size, 4);
  comm.barrier();
  if (comm.root()) fs::remove_all(work);
}

TEST(Prepare, SampleIsTheSameAtAnyNumberOfRanksAndKeepsCorpusOrder) {
  parallel::Communicator comm;
  const std::string work = shared_directory(comm);
  if (comm.root()) std::ofstream(work + "/proteins.fasta") << generated_fasta(400, false);
  comm.barrier();
  auto config = config_for(work + "/proteins.fasta", work + "/sample.h5");
  config.sample = 37;
  config.seed = 5;
  expect_same_corpus_alone_and_together(config, comm);
  const auto sample = read_all(work + "/sample.h5");
  ASSERT_EQ(sample.size(), 37u);
  // In corpus order: the numbers in the ids ascend.
  for (std::size_t k = 1; k < sample.size(); ++k)
    EXPECT_LT(std::stoi(sample[k - 1].id.substr(3)), std::stoi(sample[k].id.substr(3)));
  config = config_for(work + "/proteins.fasta", work + "/other_seed.h5");
  config.sample = 37;
  config.seed = 6;
  pipeline::prepare(config, comm);
  EXPECT_NE(read_all(work + "/other_seed.h5")[0].id + read_all(work + "/other_seed.h5")[1].id,
            sample[0].id + sample[1].id);
  comm.barrier();
  if (comm.root()) fs::remove_all(work);
}

TEST(PrepareSharedData, ProteinNetGivesTheSameCorpusAtAnyNumberOfRanks) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  parallel::Communicator comm;
  const std::string work = shared_directory(comm);
  auto config = config_for(bertology::testing::shared_data("proteinnet/casp7_sample.txt"), work + "/casp7.h5");
  config.format = "proteinnet";
  config.block_size = 2;
  expect_same_corpus_alone_and_together(config, comm);
  EXPECT_TRUE(corpus::CorpusReader(work + "/casp7.h5").read_metadata().has_coordinates);
  comm.barrier();
  if (comm.root()) fs::remove_all(work);
}

TEST(Prepare, ReadBlockFindsAChangedResidue) {
  parallel::Communicator self(MPI_COMM_SELF);
  const std::string work = shared_directory(self);
  std::ofstream(work + "/proteins.fasta") << generated_fasta(50);
  auto config = config_for(work + "/proteins.fasta", work + "/corpus.h5");
  config.block_size = 8;
  pipeline::prepare(config, self);
  corpus::CorpusReader(work + "/corpus.h5").read_block(3);
  {
    // One residue of block 3 (records 24..31) changed in place, as damage would.
    const io::File file = io::File::open_update(work + "/corpus.h5");
    const auto offsets = io::read_rows<std::int64_t>(file, "sequences/offsets", {{24, 25}});
    const auto row = static_cast<hsize_t>(offsets[0]);
    auto residue = io::read_rows<std::uint8_t>(file, "sequences/residues", {{row, row + 1}});
    residue[0] = residue[0] == 'A' ? 'C' : 'A';
    io::write_rows(file, "sequences/residues", row, 1, residue.data());
  }
  corpus::CorpusReader reader(work + "/corpus.h5");
  EXPECT_NO_THROW(reader.read_block(2));
  try {
    reader.read_block(3);
    FAIL() << "the changed residue went unnoticed";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(work + "/corpus.h5"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("block 3"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("checksum mismatch"), std::string::npos) << error.what();
  }
  fs::remove_all(work);
}

TEST(PrepareSharedData, DirectoryGivesTheSameCorpusAtAnyNumberOfRanks) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  parallel::Communicator comm;
  const std::string work = shared_directory(comm);
  const std::string structures = work + "/structures";
  if (comm.root()) {
    fs::copy(bertology::testing::shared_data("structures"), structures, fs::copy_options::recursive);
    std::ofstream(structures + "/broken.pdb") << "HEADER    TRUNCATED\nATOM      1  N   ALA A   1      11.1";
    fs::copy_file(structures + "/pfam_domains/PF00013_1WVN_A.pdb", structures + "/again_PF00013_1WVN_A.pdb");
  }
  comm.barrier();
  pipeline::prepare(config_for(structures, work + "/all.h5"), comm);
  if (comm.root()) pipeline::prepare(config_for(structures, work + "/one.h5"), parallel::Communicator(MPI_COMM_SELF));
  comm.barrier();
  EXPECT_EQ(corpus::CorpusReader(work + "/all.h5").read_metadata().content_sha256,
            corpus::CorpusReader(work + "/one.h5").read_metadata().content_sha256);

  const auto all = read_all(work + "/all.h5"), one = read_all(work + "/one.h5");
  ASSERT_EQ(all.size(), one.size());
  ASSERT_GT(all.size(), 60u);
  for (std::size_t k = 0; k < all.size(); ++k) {
    EXPECT_EQ(all[k].id, one[k].id);
    EXPECT_EQ(all[k].sequence, one[k].sequence);
    EXPECT_EQ(all[k].labels, one[k].labels);
    EXPECT_EQ(all[k].ca_mask, one[k].ca_mask);
  }
  const auto metadata = corpus::CorpusReader(work + "/all.h5").read_metadata();
  std::vector<std::string> labels;
  for (const auto& schema : metadata.schemas) labels.push_back(schema.name);
  EXPECT_NE(std::find(labels.begin(), labels.end(), "ss4"), labels.end());
  EXPECT_NE(std::find(labels.begin(), labels.end(), "binding_site"), labels.end());
  EXPECT_TRUE(metadata.has_coordinates);

  if (comm.root()) {
    std::ifstream log(work + "/all.h5.log");
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find(structures + "/broken.pdb\tskipped\t"), std::string::npos) << "the bad file is not logged";
    // The copy sorts first, so the original is reported as its duplicate.
    EXPECT_NE(text.find("has the sequence of again_PF00013_1WVN_A"), std::string::npos) << "the copy is not reported";
  }
  comm.barrier();
  if (comm.root()) fs::remove_all(work);
}

TEST(PrepareSharedData, DedupeDropsRepeatedSequencesAndStrictFailsOnABadFile) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  parallel::Communicator self(MPI_COMM_SELF);
  const std::string work = shared_directory(self);
  const std::string source = bertology::testing::shared_data("structures/pfam_domains/PF00013_1WVN_A.pdb");
  fs::copy_file(source, work + "/a.pdb");
  fs::copy_file(source, work + "/b.pdb");
  auto config = config_for(work, work + "/dedupe.h5");
  config.dedupe = true;
  pipeline::prepare(config, self);
  EXPECT_EQ(read_all(work + "/dedupe.h5").size(), 1u);

  std::ofstream(work + "/c.pdb") << "not a structure\n";
  config = config_for(work, work + "/strict.h5");
  config.strict = true;
  try {
    pipeline::prepare(config, self);
    FAIL() << "--strict accepted a bad file";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("c.pdb"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(fs::exists(work + "/strict.h5"));
  fs::remove_all(work);
}

// A structure with a number gemmi would make up (issue 12: x coordinate "abc.def"): in a
// directory the file is skipped with the reason, file and line in the log, and the good one
// kept; alone it fails the run (the reason in the log, or in the error with --strict).
TEST(Prepare, AStructureWithAnUnparsableNumberIsSkippedWithTheReason) {
  parallel::Communicator self(MPI_COMM_SELF);
  const std::string work = shared_directory(self);
  const std::string structures = work + "/structures";
  fs::create_directories(structures);
  std::ifstream in(bertology::testing::test_data("structure/tripeptide.pdb"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(structures + "/good.pdb") << text;
  std::size_t at = 0;  // line 9, columns 31-38: the x of the O of GLY 2
  for (int line = 1; line < 9; ++line) at = text.find('\n', at) + 1;
  text.replace(at + 30, 8, " abc.def");
  const std::string bad = structures + "/bad.pdb";
  std::ofstream(bad) << text;
  const std::string reason = bad + ":9: x coordinate \"abc.def\" is not a number";
  auto log_of = [](const std::string& path) {
    std::ifstream log(path);
    return std::string((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  };

  pipeline::prepare(config_for(structures, work + "/dir.h5"), self);
  const auto records = read_all(work + "/dir.h5");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].id, "good_A");
  EXPECT_EQ(records[0].sequence, "MGS");
  EXPECT_NE(log_of(work + "/dir.h5.log").find(bad + "\tskipped\t" + reason), std::string::npos)
      << log_of(work + "/dir.h5.log");

  try {
    pipeline::prepare(config_for(bad, work + "/alone.h5"), self);
    ADD_FAILURE() << "a lone file with a bad number was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("every input was skipped; the first because " + reason), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(fs::exists(work + "/alone.h5"));
  EXPECT_NE(log_of(work + "/alone.h5.log").find(bad + "\tskipped\t" + reason), std::string::npos);

  auto strict = config_for(bad, work + "/strict.h5");
  strict.strict = true;
  try {
    pipeline::prepare(strict, self);
    ADD_FAILURE() << "--strict accepted a file with a bad number";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()), reason);
  }
  fs::remove_all(work);
}
