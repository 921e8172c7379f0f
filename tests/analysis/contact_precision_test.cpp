#include "bertology/analysis/contact_precision.h"

#include <gtest/gtest.h>

#include <random>

#include "attention_fixture.h"

namespace bertology::analysis {
namespace {

TEST(ApcScores, TwoByTwoByHand) {
  // A = [[.1 .2] [.3 .4]]: s = A + Aᵀ = [[.2 .5] [.5 .8]], row sums .7 and 1.3, total 2.
  const float map[] = {0.1f, 0.2f, 0.3f, 0.4f};
  const auto scores = apc_scores(map, 2, 2);
  const double a = 0.1f, b = 0.2f, c = 0.3f, d = 0.4f;  // the float values, as the code reads them
  const double r1 = 2 * a + b + c, r2 = b + c + 2 * d, total = 2 * (a + b + c + d);
  EXPECT_NEAR(scores[1], (b + c) - r1 * r2 / total, 1e-15);  // 0.5 − 0.91 / 2 = 0.045
  EXPECT_NEAR(scores[1], 0.045, 1e-7);
  EXPECT_NEAR(scores[0], -0.045, 1e-7);  // 0.2 − 0.49 / 2
  EXPECT_DOUBLE_EQ(scores[1], scores[2]);
}

TEST(ApcScores, MatchesTheFormulaOnARandomMapInsideAWiderBuffer) {
  std::mt19937 random(4);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  const int n = 7, stride = 9;
  std::vector<float> buffer(static_cast<std::size_t>(n) * stride);
  for (auto& value : buffer) value = unit(random);
  const auto scores = apc_scores(buffer.data(), n, stride);
  // fair-esm: x = A + Aᵀ; a1 = x.sum(-1), a2 = x.sum(-2), a12 = x.sum(); x − a1·a2 / a12.
  std::vector<double> x(static_cast<std::size_t>(n) * n), rows(n, 0), columns(n, 0);
  double total = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      x[i * n + j] = static_cast<double>(buffer[i * stride + j]) + buffer[j * stride + i];
      rows[i] += x[i * n + j];
      columns[j] += x[i * n + j];
      total += x[i * n + j];
    }
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) EXPECT_NEAR(scores[i * n + j], x[i * n + j] - rows[i] * columns[j] / total, 1e-12);
}

// 30 residues, uniform attention with three planted long-range pairs; two of them are contacts.
struct PlantedMap {
  static constexpr int n = 30;
  std::vector<float> map = std::vector<float>(n * n, 0.01f);
  std::vector<std::uint8_t> present = std::vector<std::uint8_t>(n, 1);
  std::vector<std::uint8_t> contact = std::vector<std::uint8_t>(n * n, 0);
  PlantedMap() {
    map[0 * n + 29] = 0.9f;
    map[1 * n + 28] = 0.8f;
    map[2 * n + 27] = 0.7f;
    contact[0 * n + 29] = 1;
    contact[2 * n + 27] = 1;
    contact[3 * n + 5] = 1;  // short range: never ranked
  }
};

TEST(HeadPrecision, TopPairsOfAPlantedMapByHand) {
  PlantedMap planted;
  // Long-range pairs (j − i ≥ 24) among 30 residues: 6 + 5 + 4 + 3 + 2 + 1 = 21.
  const HeadPrecision result = head_precision(planted.map.data(), 30, 30, planted.present, planted.contact);
  EXPECT_EQ(result.selected[0], 6);   // L/5
  EXPECT_EQ(result.contacts[0], 2);   // the planted pairs rank first; two are contacts
  EXPECT_EQ(result.selected[1], 15);  // L/2
  EXPECT_EQ(result.contacts[1], 2);
  EXPECT_EQ(result.selected[2], 21);  // L = 30, but only 21 pairs can be ranked
  EXPECT_EQ(result.contacts[2], 2);

  // Residue 2 without a coordinate: its 4 long-range pairs leave the ranking, (2, 27) with them.
  planted.present[2] = 0;
  const HeadPrecision without = head_precision(planted.map.data(), 30, 30, planted.present, planted.contact);
  EXPECT_EQ(without.contacts[0], 1);
  EXPECT_EQ(without.selected[2], 17);
}

TEST(HeadPrecision, OnlyTheTopPairsCount) {
  PlantedMap planted;
  planted.contact.assign(planted.contact.size(), 0);
  planted.contact[5 * 30 + 29] = 1;  // a contact the map does not single out
  const HeadPrecision result = head_precision(planted.map.data(), 30, 30, planted.present, planted.contact);
  EXPECT_EQ(result.contacts[0], 0);
  EXPECT_EQ(result.contacts[2], 1);  // every rankable pair is taken at L
}

TEST(HeadPrecision, SequencesTooShortForLongRangeSelectNothing) {
  const std::vector<float> map(24 * 24, 0.1f);
  const HeadPrecision result =
      head_precision(map.data(), 24, 24, std::vector<std::uint8_t>(24, 1), std::vector<std::uint8_t>(24 * 24, 1));
  EXPECT_EQ(result.selected[0] + result.selected[1] + result.selected[2], 0);
}

TEST(ContactPrecision, ReadsEachRowsResiduesOutOfThePaddedBatch) {
  // Two proteins on a straight line 3.8 Å apart per residue, bent so that the ends meet:
  // residue i at angle 2πi/n on a circle, so (0, n−1) and its neighbours are close.
  std::vector<testing::Protein> proteins(2);
  const int lengths[2] = {30, 34};
  for (int p = 0; p < 2; ++p) {
    const int n = lengths[p];
    auto& record = proteins[p].record;
    record.id = "ring" + std::to_string(p);
    record.sequence = std::string(n, 'G');
    const double radius = 3.8 * n / (2 * 3.14159265358979);
    for (int i = 0; i < n; ++i) {
      const double angle = 2 * 3.14159265358979 * i / n;
      record.cb.push_back({radius * std::cos(angle), radius * std::sin(angle), 0.0});
      record.cb_mask.push_back(1);
    }
    proteins[p].residues = n;
    std::vector<float> map(static_cast<std::size_t>(n) * n, 0.01f);
    map[0 * n + (n - 1)] = 0.9f;       // a contact across the ring's joint
    map[2 * n + (n / 2 + 12)] = 0.8f;  // across the ring: far
    proteins[p].attention.assign(1, std::vector<std::vector<float>>(1, map));
  }
  const testing::Batch batch = testing::make_batch({&proteins[0], &proteins[1]}, 1, 1);
  ContactPrecision precision(1, 1);
  precision.begin_batch(batch.rows);
  precision.add_layer(0, batch.maps(0, 1));
  const PrecisionCounts& counts = precision.counts();
  EXPECT_EQ(counts.sequences, 2);
  // Per protein the two planted pairs rank first; only the joint is a contact. At L/5 (6 pairs)
  // the joint's neighbours, also closer than 8 Å, may follow: compute what the function says
  // on the unpadded maps and require the batch path to agree.
  std::int64_t expected_contacts[3] = {0, 0, 0}, expected_selected[3] = {0, 0, 0};
  for (int p = 0; p < 2; ++p) {
    const int n = lengths[p];
    std::vector<std::uint8_t> contact(static_cast<std::size_t>(n) * n, 0);
    for (int i = 0; i < n; ++i)
      for (int j = i + 24; j < n; ++j) {
        const auto& a = proteins[p].record.cb[i];
        const auto& b = proteins[p].record.cb[j];
        contact[i * n + j] = std::hypot(a[0] - b[0], a[1] - b[1]) < 8.0;
      }
    const HeadPrecision one =
        head_precision(proteins[p].attention[0][0].data(), n, n, std::vector<std::uint8_t>(n, 1), contact);
    EXPECT_GE(one.contacts[0], 1) << p;
    for (int c = 0; c < 3; ++c) {
      expected_contacts[c] += one.contacts[c];
      expected_selected[c] += one.selected[c];
    }
  }
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(counts.contacts[counts.index(c, 0, 0)], expected_contacts[c]) << c;
    EXPECT_EQ(counts.selected[counts.index(c, 0, 0)], expected_selected[c]) << c;
  }
}

}  // namespace
}  // namespace bertology::analysis
