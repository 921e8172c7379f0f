#include <gtest/gtest.h>

#include <array>

#include "bertology/corpus/readers.h"
#include "scratch_files.h"
#include "test_paths.h"

namespace bertology::corpus {
namespace {

using testing::error_from;
using testing::ScratchDir;

std::array<int, 4> class_counts(const Record& record) {
  std::array<int, 4> counts{};
  for (auto value : record.labels.at("ss4")) ++counts.at(static_cast<std::size_t>(value));
  return counts;
}

// Expected values counted with Python from the CSV's dssp8 column (H G I / E B / T S / rest).
TEST(NetSurfP, ReadsCB513) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  Dataset data = read_netsurfp(testing::shared_data("netsurfp/CB513_HHblits.csv"));
  ASSERT_EQ(data.records.size(), 511u);
  ASSERT_EQ(data.schemas.size(), 1u);
  EXPECT_EQ(data.schemas[0].name, "ss4");
  EXPECT_EQ(data.schemas[0].kind, LabelKind::categorical);

  const Record& first = data.records.front();
  EXPECT_EQ(first.id, "CB513_HHblits_0");
  EXPECT_EQ(first.sequence.size(), 185u);
  EXPECT_EQ(first.sequence.substr(0, 10), "RTDCYGNVNR");
  // dssp8 starts "C C C T T C C G G G S C C C C B": coil ×3, turn ×2, coil ×2, helix ×3, bend …
  const auto& ss4 = first.labels.at("ss4");
  EXPECT_EQ((std::vector<std::int8_t>(ss4.begin(), ss4.begin() + 16)),
            (std::vector<std::int8_t>{3, 3, 3, 2, 2, 3, 3, 0, 0, 0, 2, 3, 3, 3, 3, 1}));
  EXPECT_EQ(class_counts(first), (std::array<int, 4>{103, 8, 45, 29}));

  const Record& last = data.records.back();
  EXPECT_EQ(last.id, "CB513_HHblits_510");
  EXPECT_EQ(last.sequence.size(), 171u);
  EXPECT_EQ(class_counts(last), (std::array<int, 4>{41, 28, 52, 50}));

  std::size_t residues = 0;
  for (const Record& record : data.records) residues += record.sequence.size();
  EXPECT_EQ(residues, 144011u);
}

TEST(NetSurfP, ColumnsFoundByName) {
  ScratchDir dir;
  const std::string path = dir.write("reordered.csv", "dssp8 ,input\nH E T C,m k v l\n");
  Dataset data = read_netsurfp(path);
  ASSERT_EQ(data.records.size(), 1u);
  EXPECT_EQ(data.records[0].id, "reordered_0");
  EXPECT_EQ(data.records[0].sequence, "MKVL");
  EXPECT_EQ(data.records[0].labels.at("ss4"), (std::vector<std::int8_t>{0, 1, 2, 3}));
}

TEST(NetSurfP, MalformedRows) {
  ScratchDir dir;
  const std::string header = "input, dssp3, dssp8, disorder, cb513_mask\n";
  const std::string good = "M K V,C H H,C H G,1.0 1.0 1.0,1.0 1.0 1.0\n";

  const std::string short_labels = dir.write("short.csv", header + good + "M K V,C H H,C H,1.0 1.0 1.0,1.0 1.0 1.0\n");
  EXPECT_ERROR_AT(error_from([&] { read_netsurfp(short_labels); }), short_labels, "short_1", 3,
                  "column 'dssp8' has 2 tokens, 'input' has 3 residues");

  const std::string short_mask = dir.write("mask.csv", header + "M K V,C H H,C H G,1.0 1.0 1.0,1.0 1.0\n");
  EXPECT_ERROR_AT(error_from([&] { read_netsurfp(short_mask); }), short_mask, "mask_0", 2, "column 'cb513_mask'");

  const std::string fields = dir.write("fields.csv", header + "M K V,C H H,C H G\n");
  EXPECT_ERROR_AT(error_from([&] { read_netsurfp(fields); }), fields, "fields_0", 2,
                  "row has 3 fields, the header has 5");

  const std::string residue = dir.write("residue.csv", header + "M KV V,C H H,C H G,1 1 1,1 1 1\n");
  EXPECT_ERROR_AT(error_from([&] { read_netsurfp(residue); }), residue, "residue_0", 2, "input token 'KV'");

  const std::string state = dir.write("state.csv", header + "M K V,C H H,C HH G,1 1 1,1 1 1\n");
  EXPECT_ERROR_AT(error_from([&] { read_netsurfp(state); }), state, "state_0", 2, "dssp8 token 'HH'");

  const std::string no_dssp8 = dir.write("nodssp8.csv", "input, dssp3\nM K,C C\n");
  EXPECT_ERROR_AT(error_from([&] { read_netsurfp(no_dssp8); }), no_dssp8, "", 1, "no 'dssp8' column");

  const std::string only_header = dir.write("header.csv", header);
  EXPECT_ERROR_AT(error_from([&] { read_netsurfp(only_header); }), only_header, "", 0, "no NetSurfP rows");

  const std::string empty = dir.write("empty.csv", "");
  EXPECT_ERROR_AT(error_from([&] { read_netsurfp(empty); }), empty, "", 0, "empty file");
}

}  // namespace
}  // namespace bertology::corpus
