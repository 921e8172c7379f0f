// CorpusReader::read_block with a cut: the first residues of every field, the block checksum
// still over the whole records, whatever the window the residues are streamed in.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "bertology/corpus/corpus_file.h"
#include "bertology/error.h"
#include "bertology/io/checksum.h"
#include "bertology/io/hdf5.h"
#include "scratch_files.h"

namespace bertology::corpus {
namespace {

using testing::contains;
using testing::ScratchDir;

constexpr std::int64_t kBlockSize = 3;

// Records of the given lengths with everything a record can carry: a source and chain, Cα and
// Cβ with some positions absent, a binary and a categorical label. Record 1 has no Cβ and no
// ss4 (they hash as absent), the others all of it.
Dataset sample(const std::vector<std::size_t>& lengths) {
  Dataset data;
  data.schemas = {ss4_schema(), binding_site_schema()};
  const std::string letters = "ACDEFGHIKLMNPQRSTVWYX";
  for (std::size_t k = 0; k < lengths.size(); ++k) {
    Record record;
    record.id = "protein_" + std::to_string(k);
    record.source = "structures/" + std::to_string(k % 2) + ".cif";
    record.chain = k % 3 == 0 ? "" : "B";
    const std::size_t n = lengths[k];
    for (std::size_t i = 0; i < n; ++i) {
      record.sequence += letters[(7 * i + k) % letters.size()];
      const double x = 0.5 * static_cast<double>(i) + static_cast<double>(k), y = -1.25 * static_cast<double>(i);
      record.ca.push_back({x, y, 3.0 + static_cast<double>(i % 11)});
      record.ca_mask.push_back((i + k) % 5 == 0 ? 0 : 1);
      if (k != 1) {
        record.cb.push_back({x + 1.5, y - 0.75, static_cast<double>(i % 7) - 2.0});
        record.cb_mask.push_back((i + 2 * k) % 7 == 0 ? 0 : 1);
      }
      record.labels["binding_site"].push_back(static_cast<std::int8_t>((i * 13 + k) % 9 == 0 ? 1 : (i % 17 ? 0 : -1)));
      if (k != 1) record.labels["ss4"].push_back(static_cast<std::int8_t>((i / 3 + k) % 5) - 1);
    }
    // Absent positions hold 0 in the file; the records read back must equal what was written.
    for (std::size_t i = 0; i < n; ++i) {
      if (!record.ca_mask[i]) record.ca[i] = {0, 0, 0};
      if (k != 1 && !record.cb_mask[i]) record.cb[i] = {0, 0, 0};
    }
    data.records.push_back(record);
  }
  return data;
}

std::string write_sample(const ScratchDir& scratch, const std::vector<std::size_t>& lengths,
                         const std::string& name = "corpus.h5") {
  const std::string path = scratch.path(name);
  write_corpus(path, sample(lengths), {}, /*force=*/true, kBlockSize);
  return path;
}

// `cut` equals the first min(n, residues) residues of `whole` in every field.
void expect_prefix(const Record& cut, const Record& whole, std::int64_t residues, const std::string& where) {
  const auto n =
      static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(whole.sequence.size()), residues));
  const auto prefix = [n](const auto& values) {
    return std::decay_t<decltype(values)>(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n));
  };
  EXPECT_EQ(cut.id, whole.id) << where;
  EXPECT_EQ(cut.source, whole.source) << where;
  EXPECT_EQ(cut.chain, whole.chain) << where;
  EXPECT_EQ(cut.sequence, whole.sequence.substr(0, n)) << where;
  EXPECT_EQ(cut.ca, whole.ca.empty() ? whole.ca : prefix(whole.ca)) << where;
  EXPECT_EQ(cut.ca_mask, whole.ca_mask.empty() ? whole.ca_mask : prefix(whole.ca_mask)) << where;
  EXPECT_EQ(cut.cb, whole.cb.empty() ? whole.cb : prefix(whole.cb)) << where;
  EXPECT_EQ(cut.cb_mask, whole.cb_mask.empty() ? whole.cb_mask : prefix(whole.cb_mask)) << where;
  ASSERT_EQ(cut.labels.size(), whole.labels.size()) << where;
  for (const auto& [name, values] : whole.labels) {
    ASSERT_TRUE(cut.labels.count(name)) << where << " " << name;
    EXPECT_EQ(cut.labels.at(name), prefix(values)) << where << " " << name;
  }
}

// Every block read with every cut and window against read_range's whole records.
void expect_cut_reads_match(const std::string& path, const std::vector<std::int64_t>& cuts,
                            const std::vector<std::int64_t>& windows) {
  const CorpusReader reader(path);
  const CorpusMetadata metadata = reader.read_metadata();
  for (std::int64_t block = 0; block < metadata.blocks(); ++block) {
    const auto whole = reader.read_range(metadata.block_begin(block), metadata.block_end(block));
    for (std::int64_t cut : cuts)
      for (std::int64_t window : windows) {
        const std::string where =
            "block " + std::to_string(block) + ", cut " + std::to_string(cut) + ", window " + std::to_string(window);
        std::vector<Record> records;
        ASSERT_NO_THROW(records = reader.read_block(block, cut, window)) << where;
        ASSERT_EQ(records.size(), whole.size()) << where;
        for (std::size_t k = 0; k < records.size(); ++k)
          expect_prefix(records[k], whole[k], cut, where + ", record " + std::to_string(k));
      }
  }
}

TEST(CorpusReadBlock, WholeReadEqualsWhatWasWritten) {
  const ScratchDir scratch;
  const std::vector<std::size_t> lengths{12, 40, 7, 1, 60, 25, 33};
  const std::string path = write_sample(scratch, lengths);
  const Dataset written = sample(lengths);
  const CorpusReader reader(path);
  for (std::int64_t block = 0; block < reader.read_metadata().blocks(); ++block) {
    const auto records = reader.read_block(block);
    for (std::size_t k = 0; k < records.size(); ++k) {
      const Record& expected = written.records[static_cast<std::size_t>(block * kBlockSize) + k];
      Record filled = expected;  // what the file holds for what the record lacks
      if (filled.cb.empty()) {
        filled.cb.assign(filled.sequence.size(), {0, 0, 0});
        filled.cb_mask.assign(filled.sequence.size(), 0);
      }
      filled.labels.try_emplace("ss4", filled.sequence.size(), kUnknownLabel);
      expect_prefix(records[k], filled, kWholeRecords, "record " + expected.id);
    }
  }
}

TEST(CorpusReadBlock, CutKeepsThePrefixOfEveryField) {
  const ScratchDir scratch;
  // Cuts below, at and above the lengths; 0 keeps nothing.
  const std::string path = write_sample(scratch, {12, 40, 7, 1, 60, 25, 33});
  expect_cut_reads_match(path, {0, 1, 5, 7, 12, 25, 40, 59, 60, 61, 510, kWholeRecords}, {kStreamResidues});
}

TEST(CorpusReadBlock, WindowsSmallerThanRecordsHashTheWholeRecords) {
  const ScratchDir scratch;
  // Records span many windows and windows span several records; the checksum must come out as
  // the one `prepare` stored for every window size.
  const std::string path = write_sample(scratch, {150, 1, 129, 64, 65, 400, 2, 3});
  expect_cut_reads_match(path, {0, 64, 129, kWholeRecords}, {1, 2, 7, 64, 100, 4096});
}

TEST(CorpusReadBlock, WindowsAlignedToChunksOfALongRecord) {
  const ScratchDir scratch;
  // 70,000 residues: several chunks of the per-residue datasets (16,384 residues at least), read
  // in windows rounded down to whole chunks and in windows that are not.
  const std::string path = write_sample(scratch, {70000, 5, 20000, 40000});
  expect_cut_reads_match(path, {3, kWholeRecords}, {5000, 16384, 20000, 50000, kStreamResidues});
}

TEST(CorpusReadBlock, RejectsBadArguments) {
  const ScratchDir scratch;
  const CorpusReader reader(write_sample(scratch, {4, 5}));
  EXPECT_THROW(reader.read_block(0, -1), Error);
  EXPECT_THROW(reader.read_block(0, 10, 0), Error);
  EXPECT_THROW(reader.read_block(1, 10), Error);
}

// Changes one value of a per-residue dataset in place, as damage would: 0 becomes 1, anything
// else 0.
template <typename T>
void change(const std::string& path, const std::string& dataset, hsize_t row, std::size_t column = 0) {
  const io::File file = io::File::open_update(path);
  auto values = io::read_rows<T>(file, dataset, {{row, row + 1}});
  values.at(column) = static_cast<T>(values[column] == 0 ? 1 : 0);
  io::write_rows(file, dataset, row, 1, values.data());
}

std::int64_t offset_of(const std::string& path, hsize_t record) {
  const io::File file = io::File::open_read(path);
  return io::read_rows<std::int64_t>(file, "sequences/offsets", {{record, record + 1}}).at(0);
}

TEST(CorpusReadBlock, FindsDamageBeyondTheCutInEveryField) {
  const ScratchDir scratch;
  const std::vector<std::size_t> lengths{20, 5, 30, 900, 8};
  // Record 3 (block 1) is 900 residues long; its residue 703 (Cα and Cβ present) is far beyond
  // a cut of 10.
  struct Damage {
    std::string dataset;
    bool coordinates;
  };
  for (const Damage& damage :
       {Damage{"sequences/residues", false}, Damage{"coordinates/ca", true}, Damage{"coordinates/mask", false},
        Damage{"coordinates/cb", true}, Damage{"coordinates/cb_mask", false}, Damage{"labels/binding_site", false},
        Damage{"labels/ss4", false}}) {
    const std::string path = write_sample(scratch, lengths);
    const auto row = static_cast<hsize_t>(offset_of(path, 3) + 703);
    if (damage.coordinates)
      change<double>(path, damage.dataset, row, 1);
    else if (damage.dataset.rfind("labels/", 0) == 0)
      change<std::int8_t>(path, damage.dataset, row);
    else
      change<std::uint8_t>(path, damage.dataset, row);
    const CorpusReader reader(path);
    EXPECT_NO_THROW(reader.read_block(0, 10)) << damage.dataset;
    for (const std::int64_t window : {std::int64_t{16}, kStreamResidues}) {
      const Error error = testing::error_from([&] { reader.read_block(1, 10, window); });
      EXPECT_EQ(error.context().file, path) << damage.dataset;
      EXPECT_EQ(error.context().record, "block 1") << damage.dataset;
      EXPECT_TRUE(contains(error.what(), "checksum mismatch")) << damage.dataset << ": " << error.what();
    }
    EXPECT_THROW(reader.read_block(1), Error) << damage.dataset;
  }
}

TEST(CorpusReadBlock, HashesAsRecordDigestWhereTheFileHoldsOddValues) {
  const ScratchDir scratch;
  const std::string path = write_sample(scratch, {50, 40, 30});
  // A mask of 2 (present) and a coordinate under an absent mask: record_digest reads them as
  // present and 0, so the stored checksum still holds; the cut read agrees and keeps the values.
  const auto first = static_cast<hsize_t>(offset_of(path, 0));
  {
    const io::File file = io::File::open_update(path);
    auto mask = io::read_rows<std::uint8_t>(file, "coordinates/mask", {{first, first + 50}});
    ASSERT_EQ(mask[1], 1);
    ASSERT_EQ(mask[45], 0);
    mask[1] = 2;
    io::write_rows(file, "coordinates/mask", first, 50, mask.data());
    const std::vector<double> moved{7.5, -1, 2};
    io::write_rows(file, "coordinates/ca", first + 45, 1, moved.data());
  }
  const CorpusReader reader(path);
  const auto whole = reader.read_range(0, 3);
  io::Sha256 hash;
  for (const auto& record : whole) {
    const Digest digest = record_digest(record, reader.layout());
    hash.update(digest.data(), digest.size());
  }
  const io::File file = io::File::open_read(path);
  const auto stored = io::read_rows<std::uint8_t>(file, "blocks/sha256", {{0, 1}});
  Digest expected{};
  std::copy(stored.begin(), stored.end(), expected.begin());
  ASSERT_EQ(hash.hex_digest(), hex(expected));
  std::vector<Record> records;
  ASSERT_NO_THROW(records = reader.read_block(0, 48, 7));
  expect_prefix(records[0], whole[0], 48, "record 0");
  EXPECT_EQ(records[0].ca_mask[1], 2);
  EXPECT_EQ(records[0].ca[45][0], 7.5);
}

TEST(CorpusReadBlock, WithoutChecksumsCutsAlike) {
  const ScratchDir scratch;
  const std::string path = write_sample(scratch, {12, 40, 7, 1, 60, 25, 33});
  {
    // As in corpora written before block checksums.
    const io::File file = io::File::open_update(path);
    ASSERT_GE(H5Ldelete(file.id(), "blocks/sha256", H5P_DEFAULT), 0);
  }
  expect_cut_reads_match(path, {0, 1, 7, 30, 60, kWholeRecords}, {kStreamResidues});
}

}  // namespace
}  // namespace bertology::corpus
