#include <gtest/gtest.h>

#include <numeric>

#include "bertology/corpus/readers.h"
#include "scratch_files.h"
#include "test_paths.h"

namespace bertology::corpus {
namespace {

using testing::error_from;
using testing::ScratchDir;

long count_sites(const Record& record, const std::string& label) {
  const auto& values = record.labels.at(label);
  return std::accumulate(values.begin(), values.end(), 0L);
}

const Record& find_record(const Dataset& data, const std::string& id) {
  for (const Record& record : data.records) {
    if (record.id == id) return record;
  }
  throw std::runtime_error("no record " + id);
}

// Expected values counted with Python's json module from the same files.
TEST(Provis, ReadsTheBindingSiteValidationSet) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  Dataset data = read_provis(testing::shared_data("provis/binding_site_valid.jsonl"), {});
  ASSERT_EQ(data.records.size(), 1418u);
  ASSERT_EQ(data.schemas.size(), 1u);
  EXPECT_EQ(data.schemas[0].name, "binding_site");
  EXPECT_EQ(data.schemas[0].kind, LabelKind::binary);
  const Record& first = data.records[0];
  EXPECT_EQ(first.id, "4udx.X");
  EXPECT_EQ(first.sequence.size(), 633u);
  EXPECT_EQ(first.sequence.substr(0, 10), "QNLKSTDRAV");
  EXPECT_TRUE(first.ca.empty());
  EXPECT_EQ(count_sites(first, "binding_site"), 24);
  // positions start at 4; site 39 is residue 35, site 42 residue 38.
  const auto& sites = first.labels.at("binding_site");
  EXPECT_EQ(sites[34], 0);
  EXPECT_EQ(sites[35], 1);
  EXPECT_EQ(sites[38], 1);
  // Repeated residue numbers (insertion codes) are all sites when the number is listed.
  EXPECT_EQ(count_sites(find_record(data, "4upi.A"), "binding_site"), 5);
  // 3wjp.A lists 53 site numbers, one of which (338) matches no residue.
  EXPECT_EQ(count_sites(find_record(data, "3wjp.A"), "binding_site"), 52);
  long total_sites = 0, total_residues = 0;
  for (const Record& record : data.records) {
    total_sites += count_sites(record, "binding_site");
    total_residues += static_cast<long>(record.sequence.size());
    for (auto value : record.labels.at("binding_site")) ASSERT_TRUE(value == 0 || value == 1);
  }
  EXPECT_EQ(total_sites, 17600);
  EXPECT_EQ(total_residues, 354947);
}

TEST(Provis, ReadsTheModificationValidationSet) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  Dataset data = read_provis(testing::shared_data("provis/protein_modification_valid.jsonl"), {});
  ASSERT_EQ(data.records.size(), 1418u);
  EXPECT_EQ(data.schemas.at(0).name, "ptm");
  EXPECT_EQ(count_sites(data.records[0], "ptm"), 6);
  long total_sites = 0;
  for (const Record& record : data.records) total_sites += count_sites(record, "ptm");
  EXPECT_EQ(total_sites, 2731);
}

TEST(Provis, LabelNameFromOptionsFileNameOrField) {
  ScratchDir dir;
  const std::string sites = R"({"id": "a", "primary": "MKV", "positions": [1, 2, 3], "sites": [2]})";
  const std::string modifications = R"({"id": "a", "primary": "MKV", "positions": [1, 2, 3], "modifications": [2]})";

  Dataset by_field = read_provis(dir.write("data.jsonl", sites + "\n"), {});
  EXPECT_EQ(by_field.schemas.at(0).name, "binding_site");
  EXPECT_EQ(by_field.records.at(0).labels.at("binding_site"), (std::vector<std::int8_t>{0, 1, 0}));
  EXPECT_EQ(read_provis(dir.write("more.jsonl", modifications + "\n"), {}).schemas.at(0).name, "ptm");
  EXPECT_EQ(read_provis(dir.write("my_ptm_set.jsonl", sites + "\n"), {}).schemas.at(0).name, "ptm");

  Dataset named = read_provis(dir.write("binding.jsonl", sites + "\n"), ReadOptions{"metal_site"});
  ASSERT_EQ(named.schemas.size(), 1u);
  EXPECT_EQ(named.schemas[0].name, "metal_site");
  EXPECT_EQ(named.schemas[0].kind, LabelKind::binary);
  EXPECT_EQ(named.schemas[0].classes, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(named.records.at(0).labels.count("metal_site"), 1u);

  const std::string path = dir.write("x.jsonl", sites + "\n");
  EXPECT_ERROR_AT(error_from([&] { read_provis(path, ReadOptions{"bad/name"}); }), path, "", 0,
                  "label name 'bad/name'");
}

TEST(Provis, MalformedLines) {
  ScratchDir dir;
  const std::string good = R"({"id": "a", "primary": "MKV", "positions": [1, 2, 3], "sites": [2]})";
  struct Case {
    std::string line;
    std::string record;
    std::string fragment;
  };
  const std::vector<Case> cases{
      {R"({"id": "b", "primary": "MKV", "positions": [1, 2, 3], "sites": [2])", "", "invalid JSON"},
      {R"(["b", "MKV"])", "", "one JSON object per line"},
      {R"({"primary": "MKV", "positions": [1, 2, 3], "sites": []})", "", "missing field 'id'"},
      {R"({"id": 7, "primary": "MKV", "positions": [1, 2, 3], "sites": []})", "",
       "'id' must be a string, found number"},
      {R"({"id": "b", "primary": ["M"], "positions": [1], "sites": []})", "b",
       "'primary' must be a string, found array"},
      {R"({"id": "b", "primary": "MKV", "positions": "1 2 3", "sites": []})", "b", "'positions' must be an array"},
      {R"({"id": "b", "primary": "MKV", "positions": [1, 2.5, 3], "sites": []})", "b",
       "'positions' entry 2 must be an integer"},
      {R"({"id": "b", "primary": "MKV", "positions": [1, 2], "sites": []})", "b",
       "'positions' has 2 entries but 'primary' has 3"},
      {R"({"id": "b", "primary": "MKV", "positions": [1, 2, 3], "sites": ["2"]})", "b",
       "'sites' entry 1 must be an integer, found string"},
      {R"({"id": "b", "primary": "MKV", "positions": [1, 2, 3]})", "b",
       "missing field 'sites' (binding sites) or 'modifications'"},
      {R"({"id": "b", "primary": "MKV", "positions": [1, 2, 3], "sites": [], "modifications": []})", "b", "both"},
      {R"({"id": "b", "primary": "MKV", "positions": [1, 2, 3], "modifications": [1]})", "b",
       "where earlier lines have 'sites'"},
      {R"({"id": "b", "primary": "MK V", "positions": [1, 2, 3, 4], "sites": []})", "b", "' ' at position 3"},
      {R"({"id": "b", "primary": "", "positions": [], "sites": []})", "b", "empty 'primary'"},
      {good, "a", "duplicate record id (first seen at line 1)"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].line);
    const std::string path = dir.write("case" + std::to_string(i) + ".jsonl", good + "\n\n" + cases[i].line + "\n");
    EXPECT_ERROR_AT(error_from([&] { read_provis(path, {}); }), path, cases[i].record, 3, cases[i].fragment);
  }
  const std::string empty = dir.write("empty.jsonl", "\n");
  EXPECT_ERROR_AT(error_from([&] { read_provis(empty, {}); }), empty, "", 0, "empty file");
}

}  // namespace
}  // namespace bertology::corpus
