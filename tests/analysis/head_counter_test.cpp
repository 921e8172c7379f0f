#include "bertology/analysis/head_counter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "attention_fixture.h"
#include "expect_error.h"

namespace bertology::analysis {
namespace {

using testing::Batch;
using testing::Protein;

const std::vector<double> kThresholds{0.1, 0.3, 0.5, 0.75};
constexpr int kLayers = 2;
constexpr int kHeads = 3;

std::string letters_of(const std::vector<Protein>& proteins) {
  std::string letters;
  for (const auto& protein : proteins) letters += protein.record.sequence;
  return letters;
}

PropertyPlan full_plan(const std::vector<Protein>& proteins) {
  return plan_properties({"contact", "binding_site", "ss4", "aa"}, testing::test_schemas(), true, letters_of(proteins));
}

std::vector<Batch> batches_of(const std::vector<Protein>& proteins, const std::vector<int>& sizes) {
  std::vector<Batch> batches;
  std::size_t next = 0;
  for (int size : sizes) {
    std::vector<const Protein*> members;
    for (int n = 0; n < size; ++n) members.push_back(&proteins.at(next++));
    batches.push_back(testing::make_batch(members, kLayers, kHeads));
  }
  return batches;
}

void expect_same_counts(const Counts& actual, const Counts& expected) {
  ASSERT_EQ(actual.properties, expected.properties);
  ASSERT_EQ(actual.head_counts.size(), expected.head_counts.size());
  ASSERT_EQ(actual.known_labels, expected.known_labels);
  ASSERT_EQ(actual.null_permutations, expected.null_permutations);
  for (int m = 0; m < expected.rows(); ++m) {
    for (int layer = 0; layer < expected.layers; ++layer) {
      for (int h = 0; h < expected.heads; ++h) {
        for (std::size_t k = 0; k < expected.thresholds.size(); ++k) {
          const std::size_t e = expected.index(m, layer, h, static_cast<int>(k));
          EXPECT_EQ(actual.head_counts[e], expected.head_counts[e])
              << "row " << m << " layer " << layer << " head " << h << " threshold " << expected.thresholds[k];
        }
      }
    }
  }
  EXPECT_EQ(actual.background_numerator, expected.background_numerator);
  EXPECT_EQ(actual.background_denominator, expected.background_denominator);
  EXPECT_EQ(actual.sequences, expected.sequences);
  EXPECT_EQ(actual.residues, expected.residues);
}

TEST(HeadCounter, MatchesTheTripleLoopOnRandomBatches) {
  std::mt19937 random(20210301);
  const auto proteins = testing::random_proteins(random, 12, 1, 40, kLayers, kHeads, kThresholds);
  const CounterShape shape{kLayers, kHeads, kThresholds};
  const PropertyPlan plan = full_plan(proteins);
  const auto batches = batches_of(proteins, {3, 4, 1, 4});

  const Counts expected = testing::reference_counts(shape, plan, batches);
  const Counts actual = testing::counted(shape, plan, batches);
  expect_same_counts(actual, expected);

  // The random data must exercise what is compared: contacts above every threshold, and
  // counts that fall from one threshold to the next.
  for (std::size_t k = 0; k < kThresholds.size(); ++k) {
    EXPECT_GT(expected.head_counts[expected.index(1, 0, 0, static_cast<int>(k))], 0);
  }
  EXPECT_GT(expected.head_counts[expected.index(0, 0, 0, 0)], expected.head_counts[expected.index(0, 0, 0, 1)]);
  EXPECT_GT(expected.background_numerator[0], 0);
  EXPECT_GT(expected.background_denominator[0], expected.background_numerator[0]);
}

TEST(HeadCounter, SingleThresholdAndResidueOnlyPlan) {
  std::mt19937 random(7);
  const std::vector<double> thresholds{0.3};
  const auto proteins = testing::random_proteins(random, 5, 20, 30, kLayers, kHeads, thresholds);
  const CounterShape shape{kLayers, kHeads, thresholds};
  const PropertyPlan plan = plan_properties({"ss4", "aa"}, testing::test_schemas(), true, letters_of(proteins));
  const auto batches = batches_of(proteins, {2, 3});
  expect_same_counts(testing::counted(shape, plan, batches), testing::reference_counts(shape, plan, batches));
}

TEST(HeadCounter, CountsDoNotDependOnHowSequencesAreBatched) {
  std::mt19937 random(11);
  const auto proteins = testing::random_proteins(random, 9, 10, 35, kLayers, kHeads, kThresholds);
  const CounterShape shape{kLayers, kHeads, kThresholds};
  const PropertyPlan plan = full_plan(proteins);
  const Counts together = testing::counted(shape, plan, batches_of(proteins, {9}));
  const Counts one_by_one = testing::counted(shape, plan, batches_of(proteins, {1, 1, 1, 1, 1, 1, 1, 1, 1}));
  const Counts mixed = testing::counted(shape, plan, batches_of(proteins, {2, 5, 2}));
  expect_same_counts(one_by_one, together);
  expect_same_counts(mixed, together);
}

// A model short of attention memory hands each layer out in blocks of query rows: any block
// size, one that does not divide the rows, and blocks holding only special tokens or padding.
TEST(HeadCounter, QueryBlocksCountAsTheWholeLayer) {
  std::mt19937 random(34350);
  const auto proteins = testing::random_proteins(random, 8, 1, 40, kLayers, kHeads, kThresholds);
  const CounterShape shape{kLayers, kHeads, kThresholds};
  PropertyPlan plan = full_plan(proteins);
  plan.null_permutations = 3;
  const auto batches = batches_of(proteins, {3, 4, 1});
  const Counts expected = testing::counted(shape, plan, batches);  // whole layers: the triple loop's, tested above
  EXPECT_GT(expected.head_counts[expected.index(expected.rows() - 1, 0, 0, 0)], 0) << "the last null counts";
  for (const std::int64_t block : {1, 5, 17, 1000}) {
    SCOPED_TRACE("blocks of " + std::to_string(block) + " query rows");
    expect_same_counts(testing::counted(shape, plan, batches, block), expected);
  }
}

TEST(HeadCounter, CountsForHigherThresholdsNeverExceedLowerOnes) {
  std::mt19937 random(3);
  const auto proteins = testing::random_proteins(random, 6, 15, 30, kLayers, kHeads, kThresholds);
  const CounterShape shape{kLayers, kHeads, kThresholds};
  const Counts counts = testing::counted(shape, full_plan(proteins), batches_of(proteins, {6}));
  int strict_drops = 0;
  for (std::size_t m = 0; m <= counts.properties.size(); ++m) {
    for (int layer = 0; layer < kLayers; ++layer) {
      for (int h = 0; h < kHeads; ++h) {
        for (std::size_t k = 1; k < kThresholds.size(); ++k) {
          const auto lower = counts.head_counts[counts.index(static_cast<int>(m), layer, h, static_cast<int>(k - 1))];
          const auto higher = counts.head_counts[counts.index(static_cast<int>(m), layer, h, static_cast<int>(k))];
          EXPECT_LE(higher, lower);
          strict_drops += higher < lower;
        }
      }
    }
  }
  EXPECT_GT(strict_drops, 0);
}

// One protein of 14 residues, all attention on a single key per query, with hand-placed
// coordinates: the expected counts are worked out here by hand.
struct HandMadeCase {
  Protein protein;
  Batch batch;

  HandMadeCase() {
    corpus::Record& record = protein.record;
    record.id = "hand";
    record.sequence = "ACDEFGHIKLMNPQ";
    const std::int64_t n = 14;
    for (std::int64_t i = 0; i < n; ++i) {
      record.ca.push_back({100.0 + 20.0 * static_cast<double>(i), 0.0, 0.0});  // far apart
      record.ca_mask.push_back(1);
    }
    record.ca[0] = {0.0, 0.0, 0.0};
    record.ca[6] = {8.0, 0.0, 0.0};    // exactly 8 Å from residue 0: not a contact
    record.ca[7] = {0.0, 7.999, 0.0};  // contact with 0
    record.ca[2] = {0.0, 0.0, 1.0};    // 1 Å from 0 but only two apart in sequence
    record.ca[13] = {0.0, 0.0, -3.0};  // 3 Å from 0, but its coordinate is missing
    record.ca_mask[13] = 0;
    record.labels["binding_site"] = std::vector<std::int8_t>(n, 0);
    record.labels["binding_site"][7] = 1;
    record.labels["binding_site"][6] = corpus::kUnknownLabel;
    protein.residues = n;
    protein.attention.assign(1, std::vector<std::vector<float>>(1, std::vector<float>(n * n, 0.0f)));
    auto& alpha = protein.attention[0][0];
    alpha[0 * n + 6] = 0.9f;                        // above both, not a contact
    alpha[0 * n + 7] = 0.3f;                        // contact; equal to θ = 0.3 in float32
    alpha[7 * n + 0] = std::nextafter(0.3f, 1.0f);  // contact, one ulp above θ = 0.3
    alpha[1 * n + 7] = std::nextafter(0.1f, 1.0f);  // binding site, one ulp above θ = 0.1
    alpha[2 * n + 0] = 0.1f;                        // equal to θ = 0.1 in float32
    alpha[0 * n + 2] = 0.5f;                        // close in sequence: not a contact
    alpha[13 * n + 0] = 0.95f;                      // missing coordinate: not a contact
    alpha[5 * n + 5] = 0.6f;                        // the diagonal counts
    batch = testing::make_batch({&protein}, 1, 1);
  }
};

TEST(HeadCounter, HandMadeCaseCountsStrictlyAboveFloatThresholds) {
  const HandMadeCase hand;
  const CounterShape shape{1, 1, {0.1, 0.3}};
  const PropertyPlan plan = plan_properties({"contact", "binding_site"}, testing::test_schemas(), true, "A");
  const Counts counts = testing::counted(shape, plan, {hand.batch});

  ASSERT_EQ(counts.properties, (std::vector<std::string>{"contact", "binding_site"}));
  EXPECT_EQ(counts.head_counts[counts.index(0, 0, 0, 0)], 7);  // all but 0.1f itself
  EXPECT_EQ(counts.head_counts[counts.index(0, 0, 0, 1)], 5);  // 0.9, 0.3f+ulp, 0.5, 0.95, 0.6
  EXPECT_EQ(counts.head_counts[counts.index(1, 0, 0, 0)], 2);  // (0, 7) and (7, 0)
  EXPECT_EQ(counts.head_counts[counts.index(1, 0, 0, 1)], 1);  // (7, 0) only: (0, 7) is 0.3f
  EXPECT_EQ(counts.head_counts[counts.index(2, 0, 0, 0)], 2);  // key 7: 0.3f and 0.1f+ulp
  EXPECT_EQ(counts.head_counts[counts.index(2, 0, 0, 1)], 0);

  // Contact background: 13 residues with coordinates; ordered pairs at least 6 apart among
  // residues 0..12, and the two ordered pairs (0, 7), (7, 0) closer than 8 Å.
  std::int64_t eligible = 0;
  for (int i = 0; i < 13; ++i) {
    for (int j = 0; j < 13; ++j) eligible += std::abs(i - j) >= 6;
  }
  EXPECT_EQ(counts.background_denominator[0], eligible);
  EXPECT_EQ(counts.background_numerator[0], 2);
  EXPECT_EQ(counts.background_denominator[1], 13);  // residue 6 unknown
  EXPECT_EQ(counts.background_numerator[1], 1);
  EXPECT_EQ(counts.sequences, 1);
  EXPECT_EQ(counts.residues, 14);
}

TEST(HeadCounter, RejectsThresholdsThatAreNotAscendingInZeroOne) {
  EXPECT_ERROR_CONTAINING(validate_thresholds({}), "no attention threshold");
  EXPECT_ERROR_CONTAINING(validate_thresholds({0.3, 0.3}), "0.3 is given twice");
  EXPECT_ERROR_CONTAINING(validate_thresholds({0.5, 0.3}), "0.3 follows 0.5");
  EXPECT_ERROR_CONTAINING(validate_thresholds({0.0, 0.3}), "threshold 0 is outside");
  EXPECT_ERROR_CONTAINING(validate_thresholds({0.3, 1.0}), "threshold 1 is outside");
  EXPECT_ERROR_CONTAINING(validate_thresholds({-0.2}), "-0.2 is outside");
  EXPECT_ERROR_CONTAINING(validate_thresholds({1.5}), "1.5 is outside");
  EXPECT_ERROR_CONTAINING(validate_thresholds({std::numeric_limits<double>::quiet_NaN()}), "nan is outside");
  EXPECT_ERROR_CONTAINING(validate_thresholds({0.3, 0.30000000001}), "same number in float32");
  // Legal in double, but 1 and 0 in float32, where attention is compared.
  EXPECT_ERROR_CONTAINING(validate_thresholds({0.99999999}), "0.99999999 is 1 in float32");
  EXPECT_ERROR_CONTAINING(validate_thresholds({1e-50}), "is 0 in float32");
  EXPECT_NO_THROW(validate_thresholds({0.1, 0.3, 0.5}));
  EXPECT_NO_THROW(validate_thresholds({1e-30, 0.9999999}));  // 0.9999999 is the float just below 1
  EXPECT_ERROR_CONTAINING(HeadCounter(CounterShape{1, 1, {0.5, 0.3}}, PropertyPlan{}), "0.3 follows 0.5");
}

TEST(HeadCounter, RejectsBatchesAndMapsThatDoNotFit) {
  const HandMadeCase hand;
  HeadCounter counter(CounterShape{1, 1, {0.3}}, PropertyPlan{});
  AttentionMaps maps = hand.batch.maps(0, 1);
  EXPECT_ERROR_CONTAINING(counter.add_layer(0, maps), "batch begun has 0");

  counter.begin_batch(hand.batch.rows);
  EXPECT_ERROR_CONTAINING(counter.add_layer(1, maps), "layer 1 is outside");
  maps.heads = 2;
  EXPECT_ERROR_CONTAINING(counter.add_layer(0, maps), "has 2 heads, expected 1");
  maps = hand.batch.maps(0, 1);
  maps.tokens = maps.queries = 14;
  EXPECT_ERROR_CONTAINING(counter.add_layer(0, maps), "record hand: residues up to token 15");
  maps = hand.batch.maps(0, 1);
  maps.first_query = 10;
  EXPECT_ERROR_CONTAINING(counter.add_layer(0, maps), "holds query rows [10, 26) of 16 tokens");
  maps.first_query = 0;
  maps.queries = 0;
  EXPECT_ERROR_CONTAINING(counter.add_layer(0, maps), "holds query rows [0, 0)");
  maps = hand.batch.maps(0, 1);
  maps.device.kind = DeviceKind::cuda;
  EXPECT_ERROR_CONTAINING(counter.add_layer(0, maps), "attention lives on cuda:0");

  BatchRow too_long = hand.batch.rows[0];
  too_long.residues = 15;
  EXPECT_ERROR_CONTAINING(counter.begin_batch({too_long}), "but the sequence has 14");
  corpus::Record broken = hand.protein.record;
  broken.ca.pop_back();
  EXPECT_ERROR_CONTAINING(counter.begin_batch({BatchRow{&broken, 1, 14}}), "coordinates do not match");
  broken = hand.protein.record;
  broken.labels["ss4"] = {0, 1};
  EXPECT_ERROR_CONTAINING(counter.begin_batch({BatchRow{&broken, 1, 14}}), "label \"ss4\" does not match");
  EXPECT_ERROR_CONTAINING(counter.begin_batch({BatchRow{nullptr, 1, 0}}), "without a record");

  // A rejected batch leaves the counts untouched.
  EXPECT_EQ(counter.counts().sequences, 1);
}

TEST(HeadCounter, NullPermutationsMatchTheTripleLoopOnPermutedRecords) {
  std::mt19937 random(20211);
  const auto proteins = testing::random_proteins(random, 8, 1, 40, kLayers, kHeads, kThresholds);
  const CounterShape shape{kLayers, kHeads, kThresholds};
  PropertyPlan plan = full_plan(proteins);
  plan.null_permutations = 3;
  plan.null_seed = 99;
  const auto batches = batches_of(proteins, {3, 1, 4});
  const Counts expected = testing::reference_counts(shape, plan, batches);
  expect_same_counts(testing::counted(shape, plan, batches), expected);
  // The null rows differ from the observed ones (the permutation did something) but keep the
  // known-label denominators' totals over layers and heads only up to the permutation.
  int differing = 0;
  for (int layer = 0; layer < kLayers; ++layer)
    for (int h = 0; h < kHeads; ++h)
      differing += expected.head_counts[expected.index(expected.property_row(1), layer, h, 0)] !=
                   expected.head_counts[expected.index(expected.null_row(0, expected.property_row(1)), layer, h, 0)];
  EXPECT_GT(differing, 0);
}

TEST(HeadCounter, NullPermutationIsReproduciblePerRecordAndKeepsTheLabelRate) {
  corpus::Record record;
  record.id = "P1";
  record.sequence = std::string(40, 'A');
  const NullPermutation first = null_permutation(5, record, 0, 40);
  EXPECT_EQ(null_permutation(5, record, 0, 40).permutation, first.permutation);
  EXPECT_NE(null_permutation(5, record, 1, 40).permutation, first.permutation);
  EXPECT_NE(null_permutation(6, record, 0, 40).permutation, first.permutation);
  corpus::Record other = record;
  other.id = "P2";
  EXPECT_NE(null_permutation(5, other, 0, 40).permutation, first.permutation);
  std::vector<int> sorted = first.permutation;
  std::sort(sorted.begin(), sorted.end());
  for (int j = 0; j < 40; ++j) EXPECT_EQ(sorted[j], j);  // a permutation: every label kept once
  for (int k = 0; k < 50; ++k) {
    const int shift = null_permutation(5, record, k, 40).shift;
    EXPECT_GE(shift, 6);
    EXPECT_LE(shift, 34);
  }
}

// run reads records cut to the residues analysed; a null must not depend on what lies beyond.
TEST(HeadCounter, NullPermutationDependsOnlyOnTheResiduesAnalysed) {
  corpus::Record whole;
  whole.id = "P1";
  whole.sequence = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQIHFVHSQELLSRYPDLDAKGRERAIAKDLGAVFLVGIGGKLSDGHRHDVRAPDYDDWSTPSELGHAGLNGDILVWNPVLEDAFELSSMGIRVDADTLKHQLALTGDEDRLELEWHQALLRGEMPQTIGGGIGQSRLTMLLLQLPHIGQVQAGVWPAACRERVPELRGLRD";
  corpus::Record cut = whole;
  cut.sequence.resize(100);
  for (int k = 0; k < 3; ++k) {
    const NullPermutation expected = null_permutation(7, whole, k, 100);
    const NullPermutation from_cut = null_permutation(7, cut, k, 100);
    EXPECT_EQ(from_cut.permutation, expected.permutation) << k;
    EXPECT_EQ(from_cut.shift, expected.shift) << k;
  }
  corpus::Record changed = cut;
  changed.sequence[50] = 'W';  // inside the residues analysed: another null
  EXPECT_NE(null_permutation(7, changed, 0, 100).permutation, null_permutation(7, cut, 0, 100).permutation);
}

// Half the corpus has no ss4 labels at all: with the known-label denominator the share of
// attention on helices is that of the labelled half; over all arcs it would be halved.
TEST(HeadCounter, UnknownLabelsAreNeitherHitsNorMisses) {
  const std::int64_t n = 10;
  corpus::Record labelled, unlabelled;
  labelled.id = "labelled";
  unlabelled.id = "unlabelled";
  labelled.sequence = unlabelled.sequence = std::string(n, 'A');
  labelled.labels["ss4"].assign(n, 1);                                    // strand
  for (std::int64_t j = 0; j < n; j += 2) labelled.labels["ss4"][j] = 0;  // helix at even positions
  unlabelled.labels["ss4"].assign(n, corpus::kUnknownLabel);
  Protein first, second;
  first.record = labelled;
  second.record = unlabelled;
  for (Protein* protein : {&first, &second}) {
    protein->residues = n;
    // Every query attends with 0.5 to key 0 (helix) and key 1 (strand): above θ = 0.3 twice.
    std::vector<float> map(static_cast<std::size_t>(n * n), 0.0f);
    for (std::int64_t i = 0; i < n; ++i) map[i * n] = map[i * n + 1] = 0.5f;
    protein->attention.assign(1, std::vector<std::vector<float>>(1, map));
  }
  const CounterShape shape{1, 1, {0.3}};
  const PropertyPlan plan = plan_properties({"ss4"}, testing::test_schemas(), false, "A");
  const Batch batch = testing::make_batch({&first, &second}, 1, 1);
  const Counts counts = testing::counted(shape, plan, {batch});
  const int helix = 0;
  ASSERT_EQ(counts.properties[helix], "ss4_helix");
  ASSERT_EQ(counts.known_labels, std::vector<std::string>{"ss4"});
  EXPECT_EQ(counts.head_counts[counts.index(0, 0, 0, 0)], 40);  // 2 proteins × 10 queries × 2 keys
  EXPECT_EQ(counts.head_counts[counts.index(counts.property_row(helix), 0, 0, 0)], 10);
  EXPECT_EQ(counts.denominator_row(helix), counts.known_row(0));
  EXPECT_EQ(counts.head_counts[counts.index(counts.denominator_row(helix), 0, 0, 0)], 20);  // labelled half only
  EXPECT_EQ(counts.background_numerator[helix], 5);
  EXPECT_EQ(counts.background_denominator[helix], 10);
}

}  // namespace
}  // namespace bertology::analysis
