#include "bertology/report/merge.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bertology/error.h"
#include "bertology/io/checksum.h"
#include "bertology/io/hdf5.h"
#include "bertology/io/result_file.h"
#include "example_result.h"

namespace bertology::report {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        records.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        records.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      records.back().emplace_back();
    } else if (c == '\n') {
      records.emplace_back(1);
    } else {
      records.back().back() += c;
    }
  }
  if (records.back() == std::vector<std::string>(1)) records.pop_back();  // after the last line break
  return records;
}

// write_result stores a background for every property: "unknown" is 0 of 0.
void unknown_backgrounds(io::ResultData& data) {
  for (const auto& label : data.labels) data.background.emplace(label, io::BackgroundRate{0, 0});
}

// Member A: complete_result() (2 × 2 heads, θ = 0.3, two groups of sequences, a null of 4
// permutations) from a model folder whose name holds a comma (CSV quoting) and a trailing slash.
io::ResultData member_a() {
  io::ResultData data = testing::complete_result();
  data.text_attributes["model"] = "/models/prot,bert/";
  data.text_attributes["corpus_sha256"] = "c0ffee";
  data.text_attributes["weights_sha256"] = "a11ce";
  data.text_attributes["command_line"] = "bertology run --model /models/prot,bert/ --groups 2 --null 4";
  unknown_backgrounds(data);
  return data;
}

// Member B: example_result() (2 × 3 heads, θ = 0.1, 0.3, 0.5; no groups, no null).
io::ResultData member_b() {
  io::ResultData data = testing::example_result();
  data.text_attributes["model"] = "/models/tape_bert";
  data.text_attributes["weights_sha256"] = "b0b";
  unknown_backgrounds(data);
  return data;
}

// A directory of its own per test and process, removed when the test ends.
class Merge : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    directory_ = fs::path(::testing::TempDir()) /
                 ("bertology_merge_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(directory_);
    fs::create_directories(directory_);
    a_ = write("a.h5", member_a());
    b_ = write("b.h5", member_b());
  }
  void TearDown() override { fs::remove_all(directory_); }

  std::string write(const std::string& name, const io::ResultData& data) const {
    const std::string path = (directory_ / name).string();
    io::write_result(path, data, MPI_COMM_NULL);
    return path;
  }
  std::string path(const std::string& name) const { return (directory_ / name).string(); }

  fs::path directory_;
  std::string a_, b_;
};

const ComparisonRow& row_of(const Sweep& sweep, int member, double threshold, const std::string& property) {
  for (const auto& row : sweep.rows)
    if (row.member == member && row.threshold == threshold && row.property == property) return row;
  throw Error("no row for member " + std::to_string(member) + " " + property);
}

TEST_F(Merge, CopiesEveryMemberWholeWithItsSource) {
  MergeOptions options;
  options.command_line = "bertology merge a.h5 b.h5 -o sweep.h5";
  options.created = "2026-01-02T03:04:05Z";
  const std::string output = path("sweep.h5");
  write_sweep(output, load_sweep({a_, b_}, options), false);

  const io::File file = io::File::open_read(output);
  EXPECT_EQ(file.members("members"), (std::vector<std::string>{"000", "001"}));
  // Datasets and attributes of each member read back equal, optional parts included.
  const io::ResultData a = member_a(), b = member_b();
  EXPECT_EQ(io::read_dataset<std::int64_t>(file, "members/000/counts/contact"), a.counts.at("contact"));
  EXPECT_EQ(io::read_dataset<std::int64_t>(file, "members/000/known/binding"), a.known_counts.at("binding"));
  EXPECT_EQ(io::read_dataset<std::int64_t>(file, "members/000/groups/sequences"), a.group_sequences);
  EXPECT_EQ(io::read_integer_attribute(file, "members/000/null", "permutations"), 4);
  EXPECT_EQ(io::read_string_attribute(file, "members/000", "model"), "/models/prot,bert/");
  EXPECT_EQ(io::read_dataset<double>(file, "members/001/thresholds"), b.thresholds);
  EXPECT_EQ(io::read_dataset<std::int64_t>(file, "members/001/counts/helix"), b.counts.at("helix"));
  EXPECT_EQ(io::read_string_attribute(file, "members/001", "weights_sha256"), "b0b");
  EXPECT_EQ(io::read_integer_attribute(file, "members/001", "n_sequences"), 42);
  // The copy's root attributes (labels, every provenance attribute) are all there.
  EXPECT_EQ(io::attribute_names(file, "members/001").size(),
            io::attribute_names(io::File::open_read(b_), "/").size() + 2);

  // Each member says where it came from.
  EXPECT_EQ(io::read_string_attribute(file, "members/000", "source"), fs::absolute(a_).string());
  EXPECT_EQ(io::read_string_attribute(file, "members/001", "source"), fs::absolute(b_).string());
  EXPECT_EQ(io::read_string_attribute(file, "members/000", "source_sha256"), io::sha256_file(a_));
  EXPECT_EQ(io::read_string_attribute(file, "members/001", "source_sha256"), io::sha256_file(b_));
  EXPECT_NE(io::sha256_file(a_), io::sha256_file(b_));

  EXPECT_EQ(io::read_string_attribute(file, "/", "kind"), "bertology sweep");
  EXPECT_EQ(io::read_integer_attribute(file, "/", "members"), 2);
  EXPECT_EQ(io::read_string_attribute(file, "/", "corpus_sha256"), "c0ffee");
  EXPECT_EQ(io::read_string_attribute(file, "/", "command_line"), options.command_line);
  EXPECT_EQ(io::read_string_attribute(file, "/", "created"), options.created);
  EXPECT_FALSE(io::read_string_attribute(file, "/", "version").empty());
  EXPECT_FALSE(fs::exists(io::partial_path(output)));
}

// Hand computation, min_arcs 100 (tests/report/example_result.h has the counts):
//   A (prot,bert), θ 0.3, arcs 1-1: 200, 1-2: 200, 2-1: 200, 2-2: 50 (masked): 3 eligible heads.
//     contact 40, 20, 60 of 200 → best 2-1, 0.3; background 10/100 → enrichment 3.
//     binding 30/100, 12/120, 15/150 (known denominators; 2-2 has 20) → best 1-1, 0.3; background
//       5/100 → enrichment 6.
//     aa_N 60, 30, 20 of 200 → best 1-1, 0.3 (no background: enrichment NaN).
//     null: every permutation as high as 1/2 of each head, p = 1/5 > 0.05 → 0 heads beat it.
//   B (tape_bert), no null (-1), Wilson; z for m eligible heads = Φ⁻¹(1 − 0.05/2m) (mpmath):
//     θ 0.1: 6 heads of 5000 arcs; contact 4000 at 1-1 → 0.8, helix 4000 at 2-3 → 0.8;
//       z = 2.6382572734767499, Wilson(4000, 5000) = [0.78466326678164767, 0.81450264616157636].
//     θ 0.3: 4 eligible (1-2 has 50 arcs, 1-3 none); contact 0.3, 0.5, 0.1, 0.05 → 2-1, 200/400,
//       enrichment 0.5/0.015; helix 0.1, 0.1, 0.5, 0.1 → 2-2, 50/100, no background;
//       z = 2.4977054744123728: Wilson(200, 400) = [0.43803867837155814, 0.56196132162844186],
//       Wilson(50, 100) = [0.37883694969460414, 0.62116305030539586].
//     θ 0.5: 10 arcs per head, none eligible.
TEST_F(Merge, ComparisonRowsAreTheBestEligibleHeads) {
  const Sweep sweep = load_sweep({a_, b_}, {});
  // A: 5 properties at one θ; B: 2 properties at three.
  ASSERT_EQ(sweep.rows.size(), 5u + 2 * 3);
  EXPECT_EQ(sweep.members[0].model, "prot,bert");
  EXPECT_EQ(sweep.members[1].model, "tape_bert");

  const ComparisonRow& contact_a = row_of(sweep, 0, 0.3, "contact");
  EXPECT_EQ(head_name(contact_a.layer, contact_a.head), "2-1");
  EXPECT_EQ(contact_a.proportion, 0.3);
  EXPECT_EQ(contact_a.arcs, 200);
  EXPECT_EQ(contact_a.eligible_heads, 3);
  EXPECT_NEAR(contact_a.enrichment, 3.0, 1e-12);
  EXPECT_EQ(contact_a.heads_beating_null, 0);
  const ComparisonRow& binding_a = row_of(sweep, 0, 0.3, "binding");
  EXPECT_EQ(head_name(binding_a.layer, binding_a.head), "1-1");
  EXPECT_EQ(binding_a.proportion, 0.3);
  EXPECT_EQ(binding_a.arcs, 100);
  EXPECT_NEAR(binding_a.enrichment, 6.0, 1e-12);
  const ComparisonRow& aa_n = row_of(sweep, 0, 0.3, "aa_N");
  EXPECT_EQ(head_name(aa_n.layer, aa_n.head), "1-1");
  EXPECT_EQ(aa_n.proportion, 0.3);
  EXPECT_TRUE(std::isnan(aa_n.enrichment));

  const ComparisonRow& contact_01 = row_of(sweep, 1, 0.1, "contact");
  EXPECT_EQ(head_name(contact_01.layer, contact_01.head), "1-1");
  EXPECT_EQ(contact_01.proportion, 0.8);
  EXPECT_EQ(contact_01.eligible_heads, 6);
  EXPECT_NEAR(contact_01.interval.low, 0.78466326678164767, 1e-13);
  EXPECT_NEAR(contact_01.interval.high, 0.81450264616157636, 1e-13);
  EXPECT_EQ(contact_01.heads_beating_null, -1);
  const ComparisonRow& helix_01 = row_of(sweep, 1, 0.1, "helix");
  EXPECT_EQ(head_name(helix_01.layer, helix_01.head), "2-3");
  const ComparisonRow& contact_03 = row_of(sweep, 1, 0.3, "contact");
  EXPECT_EQ(head_name(contact_03.layer, contact_03.head), "2-1");
  EXPECT_EQ(contact_03.proportion, 0.5);
  EXPECT_EQ(contact_03.arcs, 400);
  EXPECT_NEAR(contact_03.interval.low, 0.43803867837155814, 1e-13);
  EXPECT_NEAR(contact_03.interval.high, 0.56196132162844186, 1e-13);
  EXPECT_NEAR(contact_03.enrichment, 0.5 / 0.015, 1e-12);
  const ComparisonRow& helix_03 = row_of(sweep, 1, 0.3, "helix");
  EXPECT_EQ(head_name(helix_03.layer, helix_03.head), "2-2");
  EXPECT_EQ(helix_03.arcs, 100);
  EXPECT_NEAR(helix_03.interval.low, 0.37883694969460414, 1e-13);
  EXPECT_NEAR(helix_03.interval.high, 0.62116305030539586, 1e-13);
  EXPECT_TRUE(std::isnan(helix_03.enrichment));
  const ComparisonRow& contact_05 = row_of(sweep, 1, 0.5, "contact");
  EXPECT_EQ(contact_05.layer, -1);
  EXPECT_EQ(contact_05.eligible_heads, 0);
  EXPECT_TRUE(std::isnan(contact_05.proportion));

  // The same table in sweep.h5, row for row.
  const std::string output = path("sweep.h5");
  write_sweep(output, sweep, false);
  const io::File file = io::File::open_read(output);
  const auto best = io::read_strings(file, "comparison/best_head");
  const auto layer = io::read_dataset<std::int64_t>(file, "comparison/layer");
  const auto proportion = io::read_dataset<double>(file, "comparison/proportion");
  const auto property = io::read_strings(file, "comparison/property");
  const auto threshold = io::read_dataset<double>(file, "comparison/threshold");
  const auto beating = io::read_dataset<std::int64_t>(file, "comparison/heads_beating_null");
  ASSERT_EQ(best.size(), sweep.rows.size());
  for (const std::string column :
       {"member", "model", "head", "ci_low", "ci_high", "interval", "enrichment", "arcs", "eligible_heads"})
    EXPECT_EQ(io::dataset_shape(file, "comparison/" + column), std::vector<hsize_t>{sweep.rows.size()}) << column;
  for (std::size_t r = 0; r < best.size(); ++r) {
    if (property[r] == "contact" && threshold[r] == 0.3 && beating[r] == -1) {  // B at θ 0.3
      EXPECT_EQ(best[r], "2-1");
      EXPECT_EQ(layer[r], 2);
      EXPECT_EQ(proportion[r], 0.5);
    }
    if (threshold[r] == 0.5) {
      EXPECT_EQ(best[r], "");
      EXPECT_EQ(layer[r], 0);
      EXPECT_TRUE(std::isnan(proportion[r]));
    }
  }
  EXPECT_EQ(io::read_strings(file, "comparison/model").front(), "prot,bert");
}

TEST_F(Merge, BootstrapForMembersWithGroupsElseWilson) {
  const Sweep sweep = load_sweep({a_, b_}, {});
  for (const auto& row : sweep.rows) EXPECT_EQ(row.interval_kind, row.member == 0 ? "bootstrap" : "wilson");
  // A's interval is the bootstrap's, not Wilson's: the report's numbers for the same head.
  ReportOptions options;
  options.top_k = 1;
  const Summary summary = summarize(member_a(), options);
  const HeadStatistic& best = summary.properties[0].top_heads[0];
  const ComparisonRow& contact = row_of(sweep, 0, 0.3, "contact");
  EXPECT_EQ(contact.interval.low, best.bootstrap.low);
  EXPECT_EQ(contact.interval.high, best.bootstrap.high);
  EXPECT_NE(contact.interval.low, best.interval.low);

  const io::File file = io::File::open_read((write_sweep(path("sweep.h5"), sweep, false), path("sweep.h5")));
  const auto intervals = io::read_strings(file, "comparison/interval");
  const auto members = io::read_dataset<std::int64_t>(file, "comparison/member");
  for (std::size_t r = 0; r < intervals.size(); ++r) EXPECT_EQ(intervals[r], members[r] == 0 ? "bootstrap" : "wilson");
}

TEST_F(Merge, RefusesDifferentCorporaUnlessAllowed) {
  io::ResultData other = member_b();
  other.text_attributes["corpus_sha256"] = "beef";
  const std::string c = write("c.h5", other);
  try {
    load_sweep({a_, b_, c}, {});
    FAIL() << "merged results of different corpora";
  } catch (const Error& error) {
    const std::string message = error.what();
    for (const std::string& part : {a_, c, std::string("c0ffee"), std::string("beef")})
      EXPECT_NE(message.find(part), std::string::npos) << message;
  }
  io::ResultData unknown = member_b();
  unknown.text_attributes.erase("corpus_sha256");
  const std::string d = write("d.h5", unknown);
  EXPECT_THROW(load_sweep({a_, d}, {}), Error);

  MergeOptions allow;
  allow.allow_different_corpora = true;
  const Sweep sweep = load_sweep({a_, b_, c}, allow);
  EXPECT_EQ(sweep.corpus_sha256, "several");
  ASSERT_EQ(sweep.members.size(), 3u);
  // B and C come from one model folder: their rows keep apart.
  EXPECT_EQ(sweep.members[1].model, "tape_bert#001");
  EXPECT_EQ(sweep.members[2].model, "tape_bert#002");
  write_sweep(path("sweep.h5"), sweep, false);
  EXPECT_EQ(io::read_string_attribute(io::File::open_read(path("sweep.h5")), "/", "corpus_sha256"), "several");
  EXPECT_EQ(load_sweep({a_, b_}, allow).corpus_sha256, "c0ffee");  // the flag allows, it does not mark
}

TEST_F(Merge, RefusesDuplicatesAndNonResults) {
  EXPECT_THROW(load_sweep({a_, b_, a_}, {}), Error);
  // The same file by another name.
  const std::string dotted = (directory_ / "." / "a.h5").string();
  try {
    load_sweep({a_, dotted}, {});
    FAIL() << "merged one file twice";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("given twice"), std::string::npos) << error.what();
  }
  {
    const io::File not_a_result = io::File::create(path("corpus.h5"));
    not_a_result.create_group("sequences");
  }
  EXPECT_THROW(load_sweep({a_, path("corpus.h5")}, {}), Error);
  EXPECT_THROW(load_sweep({a_, path("missing.h5")}, {}), Error);
  EXPECT_THROW(load_sweep({}, {}), Error);
}

TEST_F(Merge, RefusesAnExistingOutputWithoutForce) {
  const std::string output = path("sweep.h5");
  std::ofstream(output) << "precious";
  const Sweep sweep = load_sweep({a_, b_}, {});
  EXPECT_THROW(write_sweep(output, sweep, false), Error);
  EXPECT_EQ(read_text(output), "precious");
  write_sweep(output, sweep, true);
  EXPECT_EQ(io::read_string_attribute(io::File::open_read(output), "/", "kind"), "bertology sweep");
  // Never over one of its inputs, even with force.
  EXPECT_THROW(write_sweep(a_, sweep, true), Error);
  EXPECT_EQ(io::sha256_file(a_), sweep.members[0].source_sha256);
}

TEST_F(Merge, LeavesNoTemporaryFileAfterAFailure) {
  const Sweep sweep = load_sweep({a_, b_}, {});
  fs::remove(b_);  // gone between reading and copying: the copy of member 001 fails
  const std::string output = path("sweep.h5");
  EXPECT_THROW(write_sweep(output, sweep, false), Error);
  EXPECT_FALSE(fs::exists(output));
  EXPECT_FALSE(fs::exists(io::partial_path(output)));
  for (const auto& entry : fs::directory_iterator(directory_))
    EXPECT_EQ(entry.path().filename().string().find("partial"), std::string::npos) << entry.path();
}

TEST_F(Merge, TextCsvAndJsonParse) {
  const Sweep sweep = load_sweep({a_, b_}, {});

  std::ostringstream text;
  write_comparison(sweep, Format::text, text);
  std::vector<std::string> lines;
  std::istringstream in(text.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  // One block per property, corpus properties before the amino acids.
  std::vector<std::string> blocks;
  for (const auto& line : lines)
    if (!line.empty() && line[0] != ' ' && line.rfind("bertology", 0) != 0 && line.rfind("best head", 0) != 0)
      blocks.push_back(line);
  EXPECT_EQ(blocks, (std::vector<std::string>{"contact", "binding", "helix", "aa_A", "aa_R", "aa_N"}));
  const auto line_with = [&](const std::string& start) {
    for (const auto& line : lines)
      if (line.rfind(start, 0) == 0) return line;
    return std::string();
  };
  // Each member says which intervals its rows carry.
  EXPECT_NE(line_with("  000  prot,bert").find("bootstrap over 2 groups"), std::string::npos) << text.str();
  EXPECT_NE(line_with("  001  tape_bert").find("Wilson intervals"), std::string::npos) << text.str();
  const std::string b_contact = line_with("  tape_bert@0.3 ");
  EXPECT_NE(b_contact.find("2-1"), std::string::npos) << b_contact;
  EXPECT_NE(b_contact.find("0.5000"), std::string::npos) << b_contact;
  EXPECT_NE(b_contact.find("[0.4380, 0.5620]"), std::string::npos) << b_contact;
  EXPECT_NE(b_contact.find("wilson"), std::string::npos) << b_contact;
  EXPECT_NE(b_contact.find("33.33"), std::string::npos) << b_contact;
  EXPECT_NE(line_with("  tape_bert@0.5 ").find("no eligible head"), std::string::npos);
  const std::string a_contact = line_with("  prot,bert@0.3 ");
  EXPECT_NE(a_contact.find("bootstrap"), std::string::npos) << a_contact;
  EXPECT_NE(a_contact.find("0 of 3"), std::string::npos) << a_contact;
  // Columns line up: every row of a block starts its head where the header says.
  const std::string header = lines[std::find(lines.begin(), lines.end(), "contact") - lines.begin() + 1];
  EXPECT_EQ(b_contact.find("2-1"), header.find("head") - 1) << header << "\n" << b_contact;

  std::ostringstream csv;
  write_comparison(sweep, Format::csv, csv);
  const auto records = parse_csv(csv.str());
  ASSERT_EQ(records.size(), 1 + sweep.rows.size());
  for (const auto& record : records) EXPECT_EQ(record.size(), 15u) << csv.str();
  EXPECT_EQ(records[0][4], "best_head");
  EXPECT_EQ(records[1][1], "prot,bert");  // quoted, and read back whole
  EXPECT_EQ(records[1][3], "contact");
  EXPECT_EQ(records[1][4], "2-1");
  EXPECT_EQ(records[1][10], "bootstrap");

  std::ostringstream json_text;
  write_comparison(sweep, Format::json, json_text);
  const nlohmann::json json = nlohmann::json::parse(json_text.str());
  EXPECT_EQ(json["kind"], "bertology sweep");
  ASSERT_EQ(json["members"].size(), 2u);
  EXPECT_EQ(json["members"][1]["provenance"]["weights_sha256"], "b0b");
  EXPECT_EQ(json["members"][0]["source_sha256"], io::sha256_file(a_));
  ASSERT_EQ(json["rows"].size(), sweep.rows.size());
  const nlohmann::json& last = json["rows"].back();  // B, θ 0.5, helix: no eligible head
  EXPECT_EQ(last["property"], "helix");
  EXPECT_TRUE(last["best_head"].is_null());
  EXPECT_TRUE(last["proportion"].is_null());
  EXPECT_TRUE(last["heads_beating_null"].is_null());
  EXPECT_EQ(json["rows"][0]["heads_beating_null"], 0);
}

TEST_F(Merge, HtmlPageIsSelfContained) {
  io::ResultData seeded = member_b();
  seeded.text_attributes["weights_note"] = "seeded random weights";
  const std::string c = write("c.h5", seeded);
  const Sweep sweep = load_sweep({a_, c}, {});
  const fs::path html = directory_ / "html";
  EXPECT_EQ(fs::path(write_sweep_html(sweep, html.string())), html / "index.html");
  for (const std::string file :
       {"index.html", "figures/best_proportion.svg", "figures/best_enrichment.svg", "comparison.csv"})
    EXPECT_TRUE(fs::is_regular_file(html / file)) << file;

  // Rows A@0.3, B@0.1, B@0.3, B@0.5; columns contact, binding, helix (no amino acid): 12 cells,
  // masked where a member lacks the property (A helix, B binding ×3) or no head is eligible (B@0.5).
  const std::string figure = read_text(html / "figures" / "best_proportion.svg");
  EXPECT_EQ(figure.rfind("<svg", 0), 0u);
  EXPECT_EQ(count_of(figure, "class=\"cell\""), 6u);
  EXPECT_EQ(count_of(figure, "class=\"cell masked\""), 6u);
  EXPECT_NE(figure.find("1 contact, 2 binding, 3 helix"), std::string::npos);

  const std::string page = read_text(html / "index.html");
  const std::string svg_namespace = "http://www.w3.org/2000/svg";
  for (const std::string scheme : {"http://", "https://", "//cdn", "src=\"http"})
    for (auto at = page.find(scheme); at != std::string::npos; at = page.find(scheme, at + 1))
      EXPECT_EQ(page.compare(at, svg_namespace.size(), svg_namespace), 0) << page.substr(at, 60);
  EXPECT_EQ(count_of(page, "<svg"), 2u);
  for (const std::string part :
       {std::string("id=\"comparison\""), std::string("id=\"members\""), fs::absolute(a_).string(),
        std::string("a11ce"), std::string("c0ffee"), std::string("WEIGHTS: tape_bert")})
    EXPECT_NE(page.find(part), std::string::npos) << part;
  EXPECT_EQ(parse_csv(read_text(html / "comparison.csv")).size(), 1 + sweep.rows.size());
}

}  // namespace
}  // namespace bertology::report
