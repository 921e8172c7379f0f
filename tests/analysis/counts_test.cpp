#include "bertology/analysis/counts.h"

#include <gtest/gtest.h>

#include "expect_error.h"

namespace bertology::analysis {
namespace {

TEST(Counts, LaysOutPropertyLayerHeadThreshold) {
  const Counts counts(2, 3, {0.1, 0.3}, {"contact", "aa_A"});
  EXPECT_EQ(counts.head_counts.size(), 3u * 2 * 3 * 2);
  EXPECT_EQ(counts.background_numerator.size(), 2u);
  EXPECT_EQ(counts.index(0, 0, 0, 1), 1u);
  EXPECT_EQ(counts.index(0, 0, 1, 0), 2u);
  EXPECT_EQ(counts.index(0, 1, 0, 0), 6u);
  EXPECT_EQ(counts.index(2, 1, 2, 1), counts.head_counts.size() - 1);
}

TEST(Counts, AddSumsEveryNumber) {
  Counts total(1, 2, {0.3}, {"contact"});
  Counts part(1, 2, {0.3}, {"contact"});
  for (std::size_t e = 0; e < part.head_counts.size(); ++e) part.head_counts[e] = static_cast<std::int64_t>(e + 1);
  part.background_numerator = {5};
  part.background_denominator = {7};
  part.sequences = 2;
  part.residues = 11;
  total.add(part);
  total.add(part);
  EXPECT_EQ(total.head_counts, (std::vector<std::int64_t>{2, 4, 6, 8}));
  EXPECT_EQ(total.background_numerator, std::vector<std::int64_t>{10});
  EXPECT_EQ(total.background_denominator, std::vector<std::int64_t>{14});
  EXPECT_EQ(total.sequences, 4);
  EXPECT_EQ(total.residues, 22);
}

TEST(Counts, AddRefusesAnotherShape) {
  Counts counts(1, 2, {0.3}, {"contact"});
  EXPECT_ERROR_CONTAINING(counts.add(Counts(1, 2, {0.5}, {"contact"})), "different shape");
  EXPECT_ERROR_CONTAINING(counts.add(Counts(1, 2, {0.3}, {"aa_A"})), "different shape");
  EXPECT_ERROR_CONTAINING(counts.add(Counts(2, 2, {0.3}, {"contact"})), "different shape");
}

}  // namespace
}  // namespace bertology::analysis
