#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "bertology/error.h"
#include "bertology/report/report.h"
#include "example_result.h"

namespace bertology::report {
namespace {

using testing::example_result;

std::vector<std::string> names(const PropertySummary& property) {
  std::vector<std::string> result;
  for (const auto& h : property.top_heads) result.push_back(head_name(h.layer, h.head));
  return result;
}

TEST(Summary, RanksEligibleHeadsByProportionAndMasksFewArcs) {
  const Summary summary = summarize(example_result(), {});
  EXPECT_EQ(summary.threshold_index, 1);
  EXPECT_EQ(summary.threshold, 0.3);
  // 1-2 (50 arcs) is below min_arcs and 1-3 has none; 2-2 has exactly 100 and counts.
  EXPECT_EQ(summary.eligible_heads, 4);
  ASSERT_EQ(summary.properties.size(), 2u);
  EXPECT_EQ(summary.properties[0].label, "contact");
  EXPECT_EQ(names(summary.properties[0]), (std::vector<std::string>{"2-1", "1-1", "2-2", "2-3"}));
}

TEST(Summary, BonferroniWilsonIntervalsMatchHandComputation) {
  const Summary summary = summarize(example_result(), {});
  // Four eligible heads: z = Φ⁻¹(1 − 0.05/(2·4)) = Φ⁻¹(0.99375) = 2.4977054744123728 (mpmath).
  EXPECT_NEAR(summary.z, 2.4977054744123728, 1e-14);
  // Head 2-1, 200 of 400: p̂ = 0.5, z² = 6.2385326369, z²/n = 0.0155963316;
  // centre = (0.5 + z²/2n)/(1 + z²/n) = 0.5;
  // half width = z/(1 + z²/n) · √(0.25/400 + z²/(4·400²)) = 2.4593486573 · 0.0251941999 = 0.0619613216.
  const HeadStatistic& best = summary.properties[0].top_heads[0];
  EXPECT_EQ(best.proportion, 0.5);
  EXPECT_EQ(best.arcs, 400);
  EXPECT_NEAR(best.interval.low, 0.5 - 0.061961321628441859, 1e-14);
  EXPECT_NEAR(best.interval.high, 0.5 + 0.061961321628441859, 1e-14);
  EXPECT_NEAR(best.enrichment, 0.5 / 0.015, 1e-12);
  // Head 1-1, 300 of 1000 (same z, mpmath): [0.26513585755329085, 0.33734408430326321].
  const HeadStatistic& second = summary.properties[0].top_heads[1];
  EXPECT_NEAR(second.interval.low, 0.26513585755329085, 1e-14);
  EXPECT_NEAR(second.interval.high, 0.33734408430326321, 1e-14);
  EXPECT_EQ(summary.properties[0].background.positives, 150);
  EXPECT_EQ(summary.properties[0].background.eligible, 10000);
}

TEST(Summary, TiesKeepLayerHeadOrderAndUnknownBackgroundGivesNaN) {
  const PropertySummary helix = summarize(example_result(), {}).properties[1];
  EXPECT_EQ(names(helix), (std::vector<std::string>{"2-2", "1-1", "2-1", "2-3"}));
  EXPECT_EQ(helix.background.eligible, 0);
  for (const auto& h : helix.top_heads) EXPECT_TRUE(std::isnan(h.enrichment));
}

TEST(Summary, LayerMeansUseEligibleHeadsOnly) {
  const Summary summary = summarize(example_result(), {});
  const auto& contact = summary.properties[0];
  ASSERT_EQ(contact.layer_means.size(), 2u);
  EXPECT_DOUBLE_EQ(contact.layer_means[0], 0.3);  // masked 1-2 (0.9) would make it 0.6
  EXPECT_DOUBLE_EQ(contact.layer_means[1], (0.5 + 0.1 + 0.05) / 3);
  EXPECT_EQ(contact.best_layer, 0);
  const auto& helix = summary.properties[1];
  EXPECT_DOUBLE_EQ(helix.layer_means[1], (0.1 + 0.5 + 0.1) / 3);
  EXPECT_EQ(helix.best_layer, 1);
}

TEST(Summary, HeadsWithoutArcsStayMaskedAtMinArcsZero) {
  ReportOptions options;
  options.min_arcs = 0;
  const Summary summary = summarize(example_result(), options);
  EXPECT_EQ(summary.eligible_heads, 5);  // 1-3 has no arcs, so no proportion
  EXPECT_EQ(names(summary.properties[0]), (std::vector<std::string>{"1-2", "2-1", "1-1", "2-2", "2-3"}));
  EXPECT_NEAR(summary.z, 2.5758293035489008, 1e-14);  // Φ⁻¹(1 − 0.05/10)
}

TEST(Summary, NoEligibleHeadLeavesEmptyTablesAndNaN) {
  ReportOptions options;
  options.threshold = 0.5;
  const Summary summary = summarize(example_result(), options);
  EXPECT_EQ(summary.threshold_index, 2);
  EXPECT_EQ(summary.eligible_heads, 0);
  EXPECT_TRUE(std::isnan(summary.z));
  for (const auto& property : summary.properties) {
    EXPECT_TRUE(property.top_heads.empty());
    EXPECT_EQ(property.best_layer, -1);
    for (double mean : property.layer_means) EXPECT_TRUE(std::isnan(mean));
  }
}

TEST(Summary, TopKKeepsTheBestHeads) {
  ReportOptions options;
  options.top_k = 2;
  EXPECT_EQ(names(summarize(example_result(), options).properties[0]), (std::vector<std::string>{"2-1", "1-1"}));
}

TEST(Summary, DefaultThresholdIsTheOneClosestToThePapers) {
  io::ResultData data = example_result();
  data.thresholds = {0.1, 0.25, 0.4};
  const Summary summary = summarize(data, {});
  EXPECT_EQ(summary.threshold_index, 1);
  EXPECT_EQ(summary.threshold, 0.25);
}

TEST(Summary, UnknownThresholdListsTheAvailableOnes) {
  ReportOptions options;
  options.threshold = 0.2;
  try {
    summarize(example_result(), options);
    FAIL() << "threshold 0.2 accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("available: 0.1, 0.3, 0.5"), std::string::npos) << error.what();
  }
}

TEST(Summary, RejectsInvalidOptions) {
  const io::ResultData data = example_result();
  ReportOptions options;
  options.top_k = 0;
  EXPECT_THROW(summarize(data, options), Error);
  options = {};
  options.min_arcs = -1;
  EXPECT_THROW(summarize(data, options), Error);
  for (double confidence : {0.0, 1.0, 95.0}) {
    options = {};
    options.confidence = confidence;
    EXPECT_THROW(summarize(data, options), Error) << confidence;
  }
}

TEST(Summary, RejectsInconsistentCounts) {
  io::ResultData missing = example_result();
  missing.counts.erase("helix");
  EXPECT_THROW(summarize(missing, {}), Error);

  io::ResultData short_counts = example_result();
  short_counts.counts["contact"].pop_back();
  EXPECT_THROW(summarize(short_counts, {}), Error);

  io::ResultData too_many_hits = example_result();
  too_many_hits.counts["contact"][too_many_hits.index(1, 0, 1)] = 401;  // 2-1 has 400 arcs
  try {
    summarize(too_many_hits, {});
    FAIL() << "more hits than arcs accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.context().record, "contact");
    EXPECT_NE(std::string(error.what()).find("2-1"), std::string::npos) << error.what();
  }
}

TEST(ParseFormat, KnowsTextCsvJson) {
  EXPECT_EQ(parse_format("text"), Format::text);
  EXPECT_EQ(parse_format("csv"), Format::csv);
  EXPECT_EQ(parse_format("json"), Format::json);
  EXPECT_THROW(parse_format("xml"), Error);
}

}  // namespace
}  // namespace bertology::report
