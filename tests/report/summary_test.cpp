#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "bertology/error.h"
#include "bertology/report/report.h"
#include "example_result.h"

namespace bertology::report {
namespace {

using testing::add_property;
using testing::example_result;
using testing::one_threshold_result;

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

// ---- Per-property denominators -------------------------------------------------------------------

// 1 layer × 3 heads. Arcs above θ 200, 150, 400; "binding" is a share of the arcs whose key residue's
// binding label is known: 100, 80, 200 of them (about half).
io::ResultData known_label_result() {
  io::ResultData data = one_threshold_result(1, 3, {200, 150, 400});
  add_property(data, "contact", {20, 30, 40});
  add_property(data, "binding", {30, 40, 20});
  data.denominator_label["binding"] = "binding";
  data.known_counts["binding"] = {100, 80, 200};
  return data;
}

TEST(Summary, KnownLabelPropertyIsAShareOfTheKnownArcs) {
  const Summary summary = summarize(known_label_result(), {});
  EXPECT_EQ(summary.eligible_heads, 3);  // by arcs above θ: 200, 150, 400 ≥ 100
  const PropertySummary& contact = summary.properties[0];
  const PropertySummary& binding = summary.properties[1];
  EXPECT_EQ(contact.denominator, "above_threshold");
  EXPECT_EQ(binding.denominator, "known/binding");

  // contact: all three heads (200, 150, 400 arcs), so z = Φ⁻¹(1 − 0.05/(2·3)) (mpmath).
  EXPECT_EQ(contact.eligible_heads, 3);
  EXPECT_NEAR(contact.z, 2.3939797998185095, 1e-14);
  EXPECT_EQ(summary.z, contact.z);
  // binding: 1-2 has 150 arcs but only 80 known < min_arcs 100, so 2 heads and
  // z = Φ⁻¹(1 − 0.05/(2·2)) = Φ⁻¹(0.9875) (mpmath).
  EXPECT_EQ(binding.eligible_heads, 2);
  EXPECT_NEAR(binding.z, 2.2414027276049454, 1e-14);
  EXPECT_TRUE(std::isnan(binding.proportions[1]));
  EXPECT_EQ(names(binding), (std::vector<std::string>{"1-1", "1-3"}));

  // 1-1: 30 of 100 known (not of 200 arcs, which would give 0.15).
  const HeadStatistic& best = binding.top_heads[0];
  EXPECT_EQ(best.hits, 30);
  EXPECT_EQ(best.arcs, 100);
  EXPECT_EQ(best.proportion, 0.3);
  // Wilson, n = 100, z = 2.2414027276: z² = 5.0238861873, z²/n = 0.0502388619;
  // centre = (0.3 + z²/200)/(1 + z²/n) = 0.3251194309/1.0502388619 = 0.3095671306;
  // half = z/(1 + z²/n)·√(0.3·0.7/100 + z²/(4·100²)) = 2.1341837643·0.0471762351 = 0.1006827549.
  EXPECT_NEAR(best.interval.low, 0.30956713062084669 - 0.10068275492955765, 1e-12);
  EXPECT_NEAR(best.interval.high, 0.30956713062084669 + 0.10068275492955765, 1e-12);
  // 1-3: 20 of 200 known = 0.1; z²/n = 0.0251194309; centre = 0.1125597155/1.0251194309 = 0.1098015627;
  // half = 2.1864796042·√(0.1·0.9/200 + z²/(4·200²)) = 2.1864796042·0.0219408133 = 0.0479731408.
  const HeadStatistic& second = binding.top_heads[1];
  EXPECT_EQ(second.proportion, 0.1);
  EXPECT_EQ(second.arcs, 200);
  EXPECT_NEAR(second.interval.low, 0.10980156269738238 - 0.047973140800053445, 1e-12);
  EXPECT_NEAR(second.interval.high, 0.10980156269738238 + 0.047973140800053445, 1e-12);

  // contact's 1-2: 30 of its 150 arcs = 0.2, at contact's own z = 2.3939797998: z²/n = 0.0382075952;
  // centre = (0.2 + z²/300)/(1 + z²/n) = 0.2191037976/1.0382075952 = 0.2110404495;
  // half = 2.3058777559·√(0.2·0.8/150 + z²/(4·150²)) = 2.3058777559·0.0336206186 = 0.0775250365.
  EXPECT_EQ(names(contact), (std::vector<std::string>{"1-2", "1-1", "1-3"}));
  const HeadStatistic& contact_best = contact.top_heads[0];
  EXPECT_EQ(contact_best.arcs, 150);
  EXPECT_EQ(contact_best.proportion, 0.2);
  EXPECT_NEAR(contact_best.interval.low, 0.21104044953699971 - 0.077525036465941426, 1e-12);
  EXPECT_NEAR(contact_best.interval.high, 0.21104044953699971 + 0.077525036465941426, 1e-12);
}

TEST(Summary, KnownLabelWithoutItsKnownCountsIsAnError) {
  io::ResultData data = known_label_result();
  data.known_counts.clear();
  EXPECT_THROW(summarize(data, {}), Error);
}

// ---- Bootstrap over groups ------------------------------------------------------------------------

// 1 layer × 2 heads, 2 groups of 100 arcs per head. Head 1-1 has 10 hits in group 0 and 30 in group 1,
// head 1-2 has 20 in each. Background of contact: 5 of 100 residues in each group (rate 0.05 in every
// resample).
io::ResultData two_group_result() {
  io::ResultData data = one_threshold_result(1, 2, {200, 200});
  add_property(data, "contact", {40, 40});
  data.background["contact"] = {10, 200};
  data.groups = 2;
  data.group_sequences = {5, 5};
  // [group][layer][head]: group 0 first.
  data.group_counts["above_threshold"] = {100, 100, 100, 100};
  data.group_counts["contact"] = {10, 20, 30, 20};
  data.group_background["contact"] = {{5, 100}, {5, 100}};
  return data;
}

TEST(Summary, BootstrapOverTwoGroupsSpansTheirRatios) {
  const Summary summary = summarize(two_group_result(), {});
  // Two eligible heads: alpha = 0.05/2 = 0.025 per head, at least 2/alpha = 80 resamples, so the
  // default's floor of 1000.
  EXPECT_EQ(summary.groups, 2);
  EXPECT_EQ(summary.bootstrap_resamples, 1000);
  const PropertySummary& contact = summary.properties[0];
  ASSERT_EQ(names(contact), (std::vector<std::string>{"1-1", "1-2"}));  // tie at 0.2, layer-head order

  // Head 1-1: a resample draws 2 groups with replacement: {0, 0} with probability 1/4 gives
  // 20/200 = 0.1, {0, 1} or {1, 0} (1/2) gives 40/200 = 0.2, {1, 1} (1/4) gives 60/200 = 0.3.
  // Type 7 at p = alpha/2 = 0.0125: h = 999·0.0125 = 12.4875, interpolating v_12 and v_13, both
  // 0.1 when at least 14 of the 1000 resamples are {0, 0}; at 1 − alpha/2, h = 986.5125 needs v_986
  // and v_987 at 0.3, i.e. at least 14 resamples {1, 1}. Each count is Binomial(1000, 1/4), mean 250,
  // sd 13.7: falling to 13 is 17 sd away, so the interval is exactly the extremes [0.1, 0.3].
  const HeadStatistic& varied = contact.top_heads[0];
  EXPECT_EQ(varied.bootstrap.low, 0.1);
  EXPECT_EQ(varied.bootstrap.high, 0.3);
  // Head 1-2 has 20 of 100 in both groups: every resample gives 0.2 (a wrong group slice would not).
  const HeadStatistic& constant = contact.top_heads[1];
  EXPECT_EQ(constant.bootstrap.low, 0.2);
  EXPECT_EQ(constant.bootstrap.high, 0.2);

  // The background is 5/100 in each group, so every resample's rate is 0.05 and the enrichment
  // interval is the ratio interval / 0.05 = [2, 6].
  EXPECT_NEAR(varied.enrichment, 0.2 / 0.05, 1e-12);
  EXPECT_NEAR(varied.enrichment_bootstrap.low, varied.bootstrap.low / 0.05, 1e-12);
  EXPECT_NEAR(varied.enrichment_bootstrap.high, varied.bootstrap.high / 0.05, 1e-12);
  EXPECT_NEAR(varied.enrichment_bootstrap.low, 2, 1e-12);
  EXPECT_NEAR(varied.enrichment_bootstrap.high, 6, 1e-12);
  EXPECT_NEAR(constant.enrichment_bootstrap.low, 4, 1e-12);
  EXPECT_NEAR(constant.enrichment_bootstrap.high, 4, 1e-12);

  EXPECT_EQ(summary.interval_basis.rfind("bootstrap over 2 groups of sequences (1000 resamples", 0), 0u)
      << summary.interval_basis;
  EXPECT_NE(summary.interval_basis.find("coarse"), std::string::npos) << summary.interval_basis;  // 2 < 20 groups
}

TEST(Summary, BootstrapResamplesOptionIsUsed) {
  ReportOptions options;
  options.bootstrap_resamples = 1234;
  EXPECT_EQ(summarize(two_group_result(), options).bootstrap_resamples, 1234);
}

void expect_no_bootstrap(const Summary& summary) {
  EXPECT_EQ(summary.groups, 0);
  EXPECT_EQ(summary.bootstrap_resamples, 0);
  for (const auto& property : summary.properties)
    for (const auto& head : property.top_heads) {
      EXPECT_TRUE(std::isnan(head.bootstrap.low));
      EXPECT_TRUE(std::isnan(head.bootstrap.high));
      EXPECT_TRUE(std::isnan(head.enrichment_bootstrap.low));
      EXPECT_TRUE(std::isnan(head.enrichment_bootstrap.high));
      EXPECT_FALSE(std::isnan(head.interval.low));  // the Wilson interval is always there
    }
  EXPECT_EQ(summary.interval_basis.rfind("Wilson score", 0), 0u) << summary.interval_basis;
}

TEST(Summary, NoBootstrapWithOneGroupOrWithoutGroupCounts) {
  io::ResultData one_group = two_group_result();
  one_group.groups = 1;
  one_group.group_counts["above_threshold"] = {200, 200};
  one_group.group_counts["contact"] = {40, 40};
  one_group.group_background["contact"] = {{10, 200}};
  expect_no_bootstrap(summarize(one_group, {}));

  io::ResultData no_counts = two_group_result();
  no_counts.group_counts.clear();
  expect_no_bootstrap(summarize(no_counts, {}));
}

// ---- Null control ------------------------------------------------------------------------------

// 1 layer × 4 heads; 1-4 has 50 arcs (not eligible) and a null proportion of 0.9 that must stay out
// of the family's maximum. K = 4 permutations.
//   contact, denominator the arcs (100, 100, 100): observed 0.1, 0.5, 0.3
//     null k0: 0.05 0.20 0.10 | 0.9   max over 1-1..1-3: 0.20
//          k1: 0.15 0.35 0.30 | 0.9                       0.35
//          k2: 0.10 0.10 0.20 | 0.9                       0.20
//          k3: 0.05 0.45 0.25 | 0.9                       0.45
//   binding, denominator its known residues (100, 100, 100, 40), whose count moves in the null:
//     observed 0.1, 0.4, 0.2
//     null k0:  10/50 = 0.2   10/50 = 0.2   5/50 = 0.1     max 0.2
//          k1:   5/50 = 0.1   40/80 = 0.5  10/50 = 0.2         0.5
//          k2:   5/50 = 0.1    5/50 = 0.1  30/100 = 0.3        0.3
//          k3:   5/25 = 0.2   10/50 = 0.2   5/50 = 0.1         0.2
io::ResultData null_result() {
  io::ResultData data = one_threshold_result(1, 4, {100, 100, 100, 50});
  add_property(data, "contact", {10, 50, 30, 40});
  add_property(data, "binding", {10, 40, 20, 0});
  data.denominator_label["binding"] = "binding";
  data.known_counts["binding"] = {100, 100, 100, 40};
  data.null_permutations = 4;
  data.null_seed = 3;
  data.null_counts["contact"] = {5, 20, 10, 45, 15, 35, 30, 45, 10, 10, 20, 45, 5, 45, 25, 45};
  data.null_counts["binding"] = {10, 10, 5, 40, 5, 40, 10, 40, 5, 5, 30, 40, 5, 10, 5, 40};
  data.null_known_counts["binding"] = {50, 50, 50, 40, 50, 80, 50, 40, 50, 50, 100, 40, 25, 50, 50, 40};
  return data;
}

TEST(Summary, NullControlGivesRawAndMaxTPermutationPValues) {
  ReportOptions options;
  options.confidence = 0.75;  // a head beats the null at p ≤ 0.25; the smallest p is 1/(K + 1) = 0.2
  const Summary summary = summarize(null_result(), options);
  EXPECT_EQ(summary.null_permutations, 4);
  const PropertySummary& contact = summary.properties[0];
  ASSERT_EQ(names(contact), (std::vector<std::string>{"1-2", "1-3", "1-1"}));
  const HeadStatistic& h12 = contact.top_heads[0];  // observed 0.5
  const HeadStatistic& h13 = contact.top_heads[1];  // observed 0.3
  const HeadStatistic& h11 = contact.top_heads[2];  // observed 0.1
  // raw: 1-2, no null ≥ 0.5 → (1 + 0)/5; 1-3, k1's 0.30 ties → (1 + 1)/5; 1-1, k1 0.15 and k2 0.10 → (1 + 2)/5.
  EXPECT_DOUBLE_EQ(h12.null_p, 0.2);
  EXPECT_DOUBLE_EQ(h13.null_p, 0.4);
  EXPECT_DOUBLE_EQ(h11.null_p, 0.6);
  // max-T, maxima 0.20 0.35 0.20 0.45: ≥ 0.5 none → 1/5; ≥ 0.3: 0.35, 0.45 → 3/5; ≥ 0.1: all → 5/5.
  // (1-4's 0.9 in the maxima would make every one 1.)
  EXPECT_DOUBLE_EQ(h12.null_p_family, 0.2);
  EXPECT_DOUBLE_EQ(h13.null_p_family, 0.6);
  EXPECT_DOUBLE_EQ(h11.null_p_family, 1.0);
  // Means of the null proportions: (0.20 + 0.35 + 0.10 + 0.45)/4 = 0.275, (0.10 + 0.30 + 0.20 + 0.25)/4
  // = 0.2125, (0.05 + 0.15 + 0.10 + 0.05)/4 = 0.0875.
  EXPECT_NEAR(h12.null_proportion, 0.275, 1e-15);
  EXPECT_NEAR(h13.null_proportion, 0.2125, 1e-15);
  EXPECT_NEAR(h11.null_proportion, 0.0875, 1e-15);
  // Only 1-2 (head index 0·4 + 1) has p_family 0.2 ≤ 1 − 0.75.
  EXPECT_EQ(contact.beats_null, (std::vector<int>{1}));

  const PropertySummary& binding = summary.properties[1];
  ASSERT_EQ(names(binding), (std::vector<std::string>{"1-2", "1-3", "1-1"}));
  const HeadStatistic& b12 = binding.top_heads[0];  // observed 0.4
  const HeadStatistic& b13 = binding.top_heads[1];  // observed 0.2
  const HeadStatistic& b11 = binding.top_heads[2];  // observed 0.1
  // raw: 1-2 (nulls 0.2 0.5 0.1 0.2), k1's 0.5 → 2/5; 1-3 (nulls 0.1 0.2 0.3 0.1), k1's 0.2 ties and
  // k2's 0.3 → 3/5; 1-1 (nulls 0.2 0.1 0.1 0.2), all four ≥ 0.1 → 5/5.
  EXPECT_DOUBLE_EQ(b12.null_p, 0.4);
  EXPECT_DOUBLE_EQ(b13.null_p, 0.6);
  EXPECT_DOUBLE_EQ(b11.null_p, 1.0);
  // max-T, maxima 0.2 0.5 0.3 0.2: ≥ 0.4: k1 → 2/5; ≥ 0.2: all → 1; ≥ 0.1: all → 1.
  EXPECT_DOUBLE_EQ(b12.null_p_family, 0.4);
  EXPECT_DOUBLE_EQ(b13.null_p_family, 1.0);
  EXPECT_DOUBLE_EQ(b11.null_p_family, 1.0);
  // Means over the null's own known counts: 1-2 (0.2 + 0.5 + 0.1 + 0.2)/4 = 0.25 (over the observed
  // known 100 it would be (0.1 + 0.4 + 0.05 + 0.1)/4 = 0.1625); 1-3 (0.1 + 0.2 + 0.3 + 0.1)/4 = 0.175;
  // 1-1 (0.2 + 0.1 + 0.1 + 0.2)/4 = 0.15.
  EXPECT_NEAR(b12.null_proportion, 0.25, 1e-15);
  EXPECT_NEAR(b13.null_proportion, 0.175, 1e-15);
  EXPECT_NEAR(b11.null_proportion, 0.15, 1e-15);
  EXPECT_TRUE(binding.beats_null.empty());  // best p_family 0.4 > 0.25
}

TEST(Summary, BeatingTheNullNeedsPFamilyAtMostOneMinusConfidence) {
  // At the default 0.95 the threshold 0.05 is below the smallest p of K = 4, 1/5 = 0.2.
  const Summary summary = summarize(null_result(), {});
  for (const auto& property : summary.properties) EXPECT_TRUE(property.beats_null.empty()) << property.label;
  EXPECT_DOUBLE_EQ(summary.properties[0].top_heads[0].null_p_family, 0.2);
}

TEST(Summary, WithoutANullThePValuesAreNaN) {
  io::ResultData data = null_result();
  data.null_permutations = 0;
  data.null_counts.clear();
  data.null_known_counts.clear();
  const Summary summary = summarize(data, {});
  EXPECT_EQ(summary.null_permutations, 0);
  for (const auto& property : summary.properties) {
    EXPECT_TRUE(property.beats_null.empty());
    for (const auto& head : property.top_heads) {
      EXPECT_TRUE(std::isnan(head.null_p));
      EXPECT_TRUE(std::isnan(head.null_p_family));
      EXPECT_TRUE(std::isnan(head.null_proportion));
    }
  }
}

// One eligible head with 50 of 100 arcs on the property and K permutations that never reach it: its
// p-values are the smallest attainable, 1/(K + 1).
io::ResultData unbeaten_null_result(int permutations) {
  io::ResultData data = one_threshold_result(1, 1, {100});
  add_property(data, "contact", {50});
  data.null_permutations = permutations;
  data.null_counts["contact"] = std::vector<std::int64_t>(static_cast<std::size_t>(permutations), 10);
  return data;
}

TEST(Summary, SmallestAttainablePBeatsTheNullAtTheMatchingConfidence) {
  // K = 19: p = 1/20 = 0.05 ≤ 1 − 0.95 (which is 0.050000000000000044 in doubles).
  const Summary k19 = summarize(unbeaten_null_result(19), {});
  EXPECT_DOUBLE_EQ(k19.properties[0].top_heads[0].null_p_family, 0.05);
  EXPECT_EQ(k19.properties[0].beats_null, (std::vector<int>{0}));
  // K = 9: p = 1/10 = 0.1 is "at most 1 − 0.9" as well, although 1 − 0.9 is 0.09999999999999998 in
  // doubles: the comparison must not depend on how 1 − confidence rounds.
  ReportOptions options;
  options.confidence = 0.9;
  const Summary k9 = summarize(unbeaten_null_result(9), options);
  EXPECT_DOUBLE_EQ(k9.properties[0].top_heads[0].null_p_family, 0.1);
  EXPECT_EQ(k9.properties[0].beats_null, (std::vector<int>{0}));
}

// ---- Layer share and centre of gravity -----------------------------------------------------------

TEST(Summary, LayerShareIsPooledOverEligibleHeadsAndCentreOfGravityWeighsLayers) {
  // 3 layers × 2 heads; 2-2 has 50 arcs (not eligible).
  io::ResultData data = one_threshold_result(3, 2, {100, 300, 200, 50, 100, 100});
  add_property(data, "contact", {10, 50, 60, 50, 30, 10});
  // helix: a share of residues with a known secondary structure; layer 3 has only 50 known per head.
  add_property(data, "helix", {50, 30, 20, 10, 20, 20});
  data.denominator_label["helix"] = "ss";
  data.known_counts["ss"] = {100, 100, 200, 50, 50, 50};
  const Summary summary = summarize(data, {});

  const PropertySummary& contact = summary.properties[0];
  ASSERT_EQ(contact.layer_share.size(), 3u);
  // Layer 1: (10 + 50)/(100 + 300) = 0.15 (the mean of heads would be (0.1 + 1/6)/2 = 0.1333).
  // Layer 2: 60/200 = 0.3, without 2-2 (with it, 110/250 = 0.44). Layer 3: (30 + 10)/(100 + 100) = 0.2.
  EXPECT_DOUBLE_EQ(contact.layer_share[0], 0.15);
  EXPECT_DOUBLE_EQ(contact.layer_share[1], 0.3);
  EXPECT_DOUBLE_EQ(contact.layer_share[2], 0.2);
  // (1·0.15 + 2·0.3 + 3·0.2)/(0.15 + 0.3 + 0.2) = 1.35/0.65 = 2.0769230769.
  EXPECT_NEAR(contact.centre_of_gravity, 1.35 / 0.65, 1e-12);
  EXPECT_DOUBLE_EQ(contact.layer_means[0], (0.1 + 50.0 / 300) / 2);

  const PropertySummary& helix = summary.properties[1];
  // Layer 1: (50 + 30)/(100 + 100) = 0.4; layer 2: 20/200 = 0.1 (2-2's 50 known are too few);
  // layer 3: no head with 100 known, NaN and left out of the centre of gravity.
  EXPECT_DOUBLE_EQ(helix.layer_share[0], 0.4);
  EXPECT_DOUBLE_EQ(helix.layer_share[1], 0.1);
  EXPECT_TRUE(std::isnan(helix.layer_share[2]));
  // (1·0.4 + 2·0.1)/(0.4 + 0.1) = 0.6/0.5 = 1.2.
  EXPECT_NEAR(helix.centre_of_gravity, 1.2, 1e-12);
}

TEST(Summary, CentreOfGravityIsNaNWithoutEligibleHeads) {
  io::ResultData data = one_threshold_result(2, 1, {10, 20});
  add_property(data, "contact", {1, 2});
  const PropertySummary contact = summarize(data, {}).properties[0];
  EXPECT_TRUE(std::isnan(contact.layer_share[0]));
  EXPECT_TRUE(std::isnan(contact.layer_share[1]));
  EXPECT_TRUE(std::isnan(contact.centre_of_gravity));
}

// ---- Contact precision ---------------------------------------------------------------------------

// 2 layers × 2 heads, three cuts ([layer][head] per cut):
//   selected  L/5: 10 10 0 10   L/2: 20 20 0 20   L: 50 50 0 50
//   contacts  L/5:  5  8 0  5   L/2: 18 12 0  2   L: 25 30 0 35
//   precision 1-1: 0.5 0.9 0.5   1-2: 0.8 0.6 0.6   2-1: none   2-2: 0.5 0.1 0.7
io::ResultData precision_result() {
  io::ResultData data = one_threshold_result(2, 2, {100, 100, 100, 100});
  data.precision_cuts = {"top_l5", "top_l2", "top_l"};
  data.precision_selected = {{"top_l5", {10, 10, 0, 10}}, {"top_l2", {20, 20, 0, 20}}, {"top_l", {50, 50, 0, 50}}};
  data.precision_contacts = {{"top_l5", {5, 8, 0, 5}}, {"top_l2", {18, 12, 0, 2}}, {"top_l", {25, 30, 0, 35}}};
  data.precision_sequences = 7;
  data.text_attributes["contact_precision_definition"] = "long-range pairs";
  return data;
}

std::vector<std::string> names(const std::vector<PrecisionHead>& heads) {
  std::vector<std::string> result;
  for (const auto& h : heads) result.push_back(head_name(h.layer, h.head));
  return result;
}

TEST(Summary, ContactPrecisionPerHeadRankedByFirstCutThenLast) {
  const Summary summary = summarize(precision_result(), {});
  ASSERT_TRUE(summary.precision.has_value());
  const PrecisionSummary& precision = *summary.precision;
  EXPECT_EQ(precision.cut_labels, (std::vector<std::string>{"L/5", "L/2", "L"}));
  EXPECT_EQ(precision.sequences, 7);
  EXPECT_EQ(precision.definition, "long-range pairs");
  ASSERT_EQ(precision.heads.size(), 4u);
  EXPECT_EQ(names(precision.heads), (std::vector<std::string>{"1-1", "1-2", "2-1", "2-2"}));
  // 1-2: 8/10, 12/20, 30/50.
  EXPECT_EQ(precision.heads[1].precision, (std::vector<double>{0.8, 0.6, 0.6}));
  EXPECT_EQ(precision.heads[1].contacts, (std::vector<std::int64_t>{8, 12, 30}));
  EXPECT_EQ(precision.heads[1].selected, (std::vector<std::int64_t>{10, 20, 50}));
  for (double p : precision.heads[2].precision) EXPECT_TRUE(std::isnan(p));  // 2-1 selected nothing
  // 1-2 first (0.8 at L/5); 1-1 and 2-2 tie at 0.5, and the last cut L (0.7 > 0.5) puts 2-2 ahead
  // (the middle cut L/2, 0.1 < 0.9, would not); 2-1 with nothing selected is left out.
  EXPECT_EQ(names(precision.top_heads), (std::vector<std::string>{"1-2", "2-2", "1-1"}));

  ReportOptions options;
  options.top_k = 2;
  EXPECT_EQ(names(summarize(precision_result(), options).precision->top_heads),
            (std::vector<std::string>{"1-2", "2-2"}));
}

TEST(Summary, ContactPrecisionAbsentWithoutCutsAndRejectsMoreContactsThanPairs) {
  EXPECT_FALSE(summarize(one_threshold_result(2, 2, {100, 100, 100, 100}), {}).precision.has_value());
  io::ResultData data = precision_result();
  data.precision_contacts["top_l2"][3] = 21;  // 2-2 selected 20 pairs at L/2
  EXPECT_THROW(summarize(data, {}), Error);
}

// ---- Amino acids ---------------------------------------------------------------------------------

// 1 layer × 5 heads, 1-5 with 50 arcs (not eligible). Per eligible head (100 arcs each):
//   A 0.1 0.2 0.3 0.4   R 0.2 0.1 0.4 0.3   N 0.4 0.3 0.2 0.1
// 1-5's shares (1, 0, 0) would change every correlation if it were let in.
io::ResultData amino_acid_result() {
  io::ResultData data = one_threshold_result(1, 5, {100, 100, 100, 100, 50});
  add_property(data, "aa_A", {10, 20, 30, 40, 50});
  add_property(data, "aa_R", {20, 10, 40, 30, 0});
  add_property(data, "aa_N", {40, 30, 20, 10, 0});
  return data;
}

TEST(Summary, AminoAcidSimilarityOverEligibleHeadsCorrelatesWithBlosum62) {
  const Summary summary = summarize(amino_acid_result(), {});
  ASSERT_TRUE(summary.amino_acids.has_value());
  const AminoAcidSummary& aa = *summary.amino_acids;
  EXPECT_EQ(aa.letters, "ARN");  // BLOSUM order
  EXPECT_EQ(aa.heads, 4);
  ASSERT_EQ(aa.similarity.size(), 9u);
  // In units of 0.1, centred (means 2.5): A −1.5 −0.5 0.5 1.5, R −0.5 −1.5 1.5 0.5, N 1.5 0.5 −0.5 −1.5;
  // every sum of squares is 5. A·R = 0.75 + 0.75 + 0.75 + 0.75 = 3 → r = 3/5 = 0.6; A·N = −5 → −1;
  // R·N = −0.75·4 = −3 → −0.6.
  EXPECT_NEAR(aa.similarity[0 * 3 + 1], 0.6, 1e-12);
  EXPECT_NEAR(aa.similarity[0 * 3 + 2], -1.0, 1e-12);
  EXPECT_NEAR(aa.similarity[1 * 3 + 2], -0.6, 1e-12);
  EXPECT_NEAR(aa.similarity[1 * 3 + 0], 0.6, 1e-12);  // symmetric
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::isnan(aa.similarity[i * 3 + i]));
    EXPECT_TRUE(std::isnan(aa.blosum[i * 3 + i]));
  }
  EXPECT_EQ(aa.blosum[0 * 3 + 1], -1);  // A-R
  EXPECT_EQ(aa.blosum[0 * 3 + 2], -2);  // A-N
  EXPECT_EQ(aa.blosum[1 * 3 + 2], 0);   // R-N
  // Pearson of (0.6, −1, −0.6) with (−1, −2, 0): means −1/3 and −1; centred (14, −10, −4)/15 and
  // (0, −1, 1); Sxy = (10 − 4)/15 = 0.4, Sxx = (196 + 100 + 16)/225 = 312/225, Syy = 2;
  // r = 0.4/√(624/225) = 6/√624 = 3/(2√39) = 0.2401922307.
  EXPECT_NEAR(aa.correlation, 0.24019223070763070, 1e-12);
}

TEST(Summary, NoAminoAcidSummaryWithFewerThanThreeLetters) {
  io::ResultData data = amino_acid_result();
  data.counts.erase("aa_N");
  data.labels.pop_back();
  EXPECT_FALSE(summarize(data, {}).amino_acids.has_value());
  EXPECT_FALSE(summarize(example_result(), {}).amino_acids.has_value());  // no letters at all
}

TEST(Summary, RejectsOptionalPartsOfTheWrongShape) {
  const io::ResultData complete = testing::complete_result();
  EXPECT_NO_THROW(summarize(complete, {}));
  auto short_null = complete;
  short_null.null_counts["contact"].pop_back();
  EXPECT_THROW(summarize(short_null, {}), Error);
  auto missing_null = complete;
  missing_null.null_counts.erase("aa_A");
  EXPECT_THROW(summarize(missing_null, {}), Error);
  auto missing_known = complete;
  missing_known.known_counts.erase("binding");
  EXPECT_THROW(summarize(missing_known, {}), Error);
  auto short_group = complete;
  short_group.group_counts["binding"].resize(3);
  EXPECT_THROW(summarize(short_group, {}), Error);
  auto missing_cut = complete;
  missing_cut.precision_contacts.erase("top_l2");
  EXPECT_THROW(summarize(missing_cut, {}), Error);
  auto short_precision = complete;
  short_precision.precision_selected["top_l"].pop_back();
  EXPECT_THROW(summarize(short_precision, {}), Error);
}

}  // namespace
}  // namespace bertology::report
