#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bertology/report/report.h"
#include "example_result.h"

namespace bertology::report {
namespace {

using testing::example_result;

std::string report(const io::ResultData& data, Format format, const ReportOptions& options = {}) {
  std::ostringstream out;
  write_report(data, options, format, out);
  return out.str();
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
  return parts;
}

TEST(WriteReport, CsvHasOneRowPerPropertyAndRank) {
  io::ResultData data = example_result();
  data.text_attributes["weights_note"] = "seeded random weights";
  const auto lines = split(report(data, Format::csv), '\n');
  ASSERT_EQ(lines.size(), 1u + 4 + 4);  // header, 4 eligible heads for each of 2 properties
  EXPECT_EQ(lines[0],
            "property,threshold,rank,head,layer,head_index,proportion,ci_low,ci_high,arcs,background,enrichment,"
            "hits,denominator,bootstrap_low,bootstrap_high,enrichment_low,enrichment_high,null_proportion,null_p,"
            "null_p_family,weights_note");
  const auto first = split(lines[1], ',');
  ASSERT_EQ(first.size(), 22u);
  EXPECT_EQ(first[0], "contact");
  EXPECT_EQ(first[1], "0.3");
  EXPECT_EQ(first[2], "1");
  EXPECT_EQ(first[3], "2-1");
  EXPECT_EQ(first[4], "2");
  EXPECT_EQ(first[5], "1");
  EXPECT_EQ(first[6], "0.5");
  EXPECT_NEAR(std::stod(first[7]), 0.43803867837155814, 1e-15);  // shortest round-trip text
  EXPECT_EQ(first[9], "400");
  EXPECT_EQ(first[10], "0.015");
  EXPECT_NEAR(std::stod(first[11]), 0.5 / 0.015, 1e-12);
  EXPECT_EQ(first[12], "200");
  EXPECT_EQ(first[13], "above_threshold");
  EXPECT_EQ(first[14], "NaN");                                           // no groups, no bootstrap
  EXPECT_NEAR(std::stod(first[16]), std::stod(first[7]) / 0.015, 1e-9);  // Wilson bound over the background
  EXPECT_EQ(first[19], "NaN");                                           // no null
  EXPECT_EQ(first[21], "seeded random weights");
  const auto helix = split(lines[5], ',');
  EXPECT_EQ(helix[0], "helix");
  EXPECT_EQ(helix[10], "NaN");
  EXPECT_EQ(helix[11], "NaN");
}

TEST(WriteReport, CsvQuotesFieldsWithSeparators) {
  io::ResultData data = example_result();
  data.text_attributes["weights_note"] = "seeded, \"random\" weights";
  const auto lines = split(report(data, Format::csv), '\n');
  const std::string quoted = ",\"seeded, \"\"random\"\" weights\"";
  EXPECT_EQ(lines[1].substr(lines[1].size() - quoted.size()), quoted);
}

TEST(WriteReport, JsonParsesBackWithProvenanceAndTopHeads) {
  io::ResultData data = example_result();
  data.text_attributes["weights_note"] = "seeded random weights";
  const auto json = nlohmann::json::parse(report(data, Format::json));
  EXPECT_EQ(json.at("weights_note"), "seeded random weights");
  const auto& provenance = json.at("provenance");
  EXPECT_EQ(provenance.at("model"), "ProtBert");
  EXPECT_EQ(provenance.at("n_sequences"), 42);
  EXPECT_EQ(provenance.at("thresholds"), (std::vector<double>{0.1, 0.3, 0.5}));
  EXPECT_FALSE(provenance.contains("weights_note"));
  EXPECT_EQ(json.at("threshold"), 0.3);
  EXPECT_EQ(json.at("eligible_heads"), 4);
  EXPECT_EQ(json.at("min_arcs"), 100);
  EXPECT_NEAR(json.at("z").get<double>(), 2.4977054744123728, 1e-14);

  const auto& properties = json.at("properties");
  ASSERT_EQ(properties.size(), 2u);
  const auto& contact = properties[0];
  EXPECT_EQ(contact.at("label"), "contact");
  EXPECT_EQ(contact.at("background").at("rate"), 0.015);
  EXPECT_EQ(contact.at("best_layer"), 1);
  ASSERT_EQ(contact.at("top_heads").size(), 4u);
  const auto& best = contact.at("top_heads")[0];
  EXPECT_EQ(best.at("rank"), 1);
  EXPECT_EQ(best.at("head"), "2-1");
  EXPECT_EQ(best.at("layer"), 2);
  EXPECT_EQ(best.at("head_index"), 1);
  EXPECT_EQ(best.at("proportion"), 0.5);
  EXPECT_EQ(best.at("arcs"), 400);
  EXPECT_NEAR(best.at("ci_low").get<double>(), 0.43803867837155814, 1e-15);
  EXPECT_NEAR(best.at("ci_high").get<double>(), 0.56196132162844186, 1e-15);
  EXPECT_NEAR(best.at("enrichment").get<double>(), 0.5 / 0.015, 1e-12);

  const auto& helix = properties[1];
  EXPECT_TRUE(helix.at("background").at("rate").is_null());
  EXPECT_TRUE(helix.at("top_heads")[0].at("enrichment").is_null());
}

TEST(WriteReport, JsonMarksMissingValuesNull) {
  ReportOptions options;
  options.threshold = 0.5;  // no eligible head
  const auto json = nlohmann::json::parse(report(example_result(), Format::json, options));
  EXPECT_TRUE(json.at("weights_note").is_null());
  EXPECT_TRUE(json.at("z").is_null());
  EXPECT_TRUE(json.at("properties")[0].at("best_layer").is_null());
  EXPECT_TRUE(json.at("properties")[0].at("top_heads").empty());
  EXPECT_TRUE(json.at("properties")[0].at("layer_means")[0].is_null());
}

TEST(WriteReport, TextWarnsAboutRandomWeightsBeforeAnythingElse) {
  io::ResultData data = example_result();
  data.text_attributes["weights_note"] = "seeded random weights";
  const std::string text = report(data, Format::text);
  const auto warning = text.find("WEIGHTS: seeded random weights");
  ASSERT_NE(warning, std::string::npos) << text;
  EXPECT_LT(warning, text.find("bertology report"));
  EXPECT_NE(text.find("command_line"), std::string::npos);
  EXPECT_NE(text.find("2-1"), std::string::npos);
  EXPECT_NE(text.find("best layer 1"), std::string::npos) << text;
  EXPECT_EQ(report(example_result(), Format::text).find("WEIGHTS"), std::string::npos);
}

TEST(WriteReport, TextSaysWhenNoHeadIsEligible) {
  ReportOptions options;
  options.threshold = 0.5;
  const std::string text = report(example_result(), Format::text, options);
  EXPECT_NE(text.find("0 of 6 heads"), std::string::npos) << text;
  EXPECT_NE(text.find("no eligible head"), std::string::npos) << text;
}

}  // namespace
}  // namespace bertology::report
