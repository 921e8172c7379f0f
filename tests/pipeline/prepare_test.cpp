// prepare on a directory of structures: the same corpus at any number of ranks, bad files
// skipped with a reason (or fatal with --strict), duplicates reported and dropped on request.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "bertology/corpus/corpus_file.h"
#include "bertology/error.h"
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
  std::vector<std::int64_t> all(static_cast<std::size_t>(reader.read_metadata().sequences));
  for (std::size_t k = 0; k < all.size(); ++k) all[k] = static_cast<std::int64_t>(k);
  return reader.read_records(all);
}

pipeline::PrepareConfig config_for(const std::string& input, const std::string& output) {
  pipeline::PrepareConfig config;
  config.inputs = {input};
  config.output = output;
  config.quiet = true;
  return config;
}

}  // namespace

TEST(Prepare, DirectoryGivesTheSameCorpusAtAnyNumberOfRanks) {
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

TEST(Prepare, DedupeDropsRepeatedSequencesAndStrictFailsOnABadFile) {
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
