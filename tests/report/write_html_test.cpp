#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "bertology/report/report.h"
#include "example_result.h"

namespace bertology::report {
namespace {

namespace fs = std::filesystem;
using testing::complete_result;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A directory of its own per test and process, removed when the test ends.
class WriteHtml : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    directory_ = fs::path(::testing::TempDir()) / ("bertology_" + std::string(info->test_suite_name()) + "_" +
                                                   info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }
  fs::path directory_;
};

TEST_F(WriteHtml, WritesThePageFiguresAndHeadsCsv) {
  io::ResultData data = complete_result();
  data.text_attributes["weights_note"] = "seeded random weights";
  const std::string index = write_html(data, {}, {}, directory_.string());
  EXPECT_EQ(fs::path(index), directory_ / "index.html");
  ASSERT_TRUE(fs::is_regular_file(directory_ / "index.html"));

  // One heatmap per property (amino acids included), the layer profile, the two amino-acid matrices
  // and the contact precision.
  for (const std::string figure : {"heatmap_contact", "heatmap_binding", "heatmap_aa_A", "heatmap_aa_R", "heatmap_aa_N",
                                   "layer_profile", "amino_acid_similarity", "blosum62", "contact_precision"}) {
    const fs::path path = directory_ / "figures" / (figure + ".svg");
    ASSERT_TRUE(fs::is_regular_file(path)) << path;
    EXPECT_EQ(read_text(path).rfind("<svg", 0), 0u) << path;
  }
  EXPECT_FALSE(fs::exists(directory_ / "figures" / "heatmap_contact.png"));  // no PNG unless asked
  for (const auto& entry : fs::directory_iterator(directory_))               // written in place: no partial files left
    EXPECT_EQ(entry.path().string().find(".partial"), std::string::npos) << entry.path();

  // heads.csv: a header and one row per head (2 layers × 2 heads).
  const auto csv = lines_of(read_text(directory_ / "heads.csv"));
  ASSERT_EQ(csv.size(), 1u + 2 * 2);
  const std::string& header = csv[0];
  EXPECT_EQ(header.rfind("layer,head,arcs_above_threshold,", 0), 0u) << header;
  for (const std::string property : {"contact", "binding", "aa_A", "aa_R", "aa_N"})
    for (const std::string column : {"_hits", "_denominator", "_proportion"})
      EXPECT_NE(header.find("," + property + column), std::string::npos) << property + column;
  EXPECT_NE(header.find("contacts_top_l5,selected_top_l5"), std::string::npos) << header;
  // Head 1-1: 200 arcs; binding's denominator is its 100 known residues: 30/100.
  EXPECT_NE(csv[1].find("1,1,200,40,200,0.2,30,100,0.3,"), std::string::npos) << csv[1];

  const std::string page = read_text(directory_ / "index.html");
  for (const std::string id : {"overview", "properties", "layers", "amino-acids", "amino-acid-properties",
                               "contact-precision", "contents", "provenance"})
    EXPECT_NE(page.find("id=\"" + id + "\""), std::string::npos) << id;
  // Self-contained: the only address on the page is the SVG namespace.
  const std::string svg_namespace = "http://www.w3.org/2000/svg";
  for (const std::string scheme : {"http://", "https://"})
    for (auto at = page.find(scheme); at != std::string::npos; at = page.find(scheme, at + 1))
      EXPECT_EQ(page.compare(at, svg_namespace.size(), svg_namespace), 0) << page.substr(at, 60);
  EXPECT_NE(page.find(svg_namespace), std::string::npos);
  // The weights note is a warning at the top of the page, not a provenance row.
  EXPECT_NE(page.find("class=\"warning\""), std::string::npos);
  EXPECT_NE(page.find("WEIGHTS: seeded random weights"), std::string::npos);
  // The bootstrap, the null control and the known-label denominator reach the page.
  EXPECT_NE(page.find("bootstrap CI"), std::string::npos);
  EXPECT_NE(page.find("p (max-T)"), std::string::npos);
  EXPECT_NE(page.find("denominator known/binding"), std::string::npos);
}

TEST_F(WriteHtml, NoWarningWithoutAWeightsNote) {
  write_html(complete_result(), {}, {}, directory_.string());
  const std::string page = read_text(directory_ / "index.html");
  EXPECT_EQ(page.find("class=\"warning\""), std::string::npos);
  EXPECT_EQ(page.find("WEIGHTS:"), std::string::npos);
}

}  // namespace
}  // namespace bertology::report
