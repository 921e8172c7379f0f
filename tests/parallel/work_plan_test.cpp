#include "bertology/parallel/work_plan.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <set>

#include "bertology/error.h"

using namespace bertology::parallel;

namespace {
std::vector<std::int64_t> random_lengths(std::size_t n, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<std::int64_t> length(3, 512);
  std::vector<std::int64_t> lengths(n);
  for (auto& l : lengths) l = length(generator);
  return lengths;
}
}  // namespace

TEST(WorkPlan, BatchesAreLengthSortedAndCoverEveryRecordOnce) {
  const auto tokens = random_lengths(1001, 7);
  const auto batches = plan_batches(tokens, {8, 0});
  std::set<std::int64_t> seen;
  std::int64_t previous = std::numeric_limits<std::int64_t>::max();
  for (const auto& batch : batches) {
    ASSERT_LE(batch.records.size(), 8u);
    EXPECT_EQ(batch.tokens, tokens[batch.records.front()]);
    for (auto r : batch.records) {
      EXPECT_LE(tokens[r], previous);
      EXPECT_LE(tokens[r], batch.tokens);
      previous = tokens[r];
      EXPECT_TRUE(seen.insert(r).second);
    }
  }
  EXPECT_EQ(seen.size(), tokens.size());
  EXPECT_EQ(batches.size(), (tokens.size() + 7) / 8);
}

TEST(WorkPlan, TokenBudgetLimitsPaddedTokens) {
  const auto tokens = random_lengths(300, 3);
  for (const auto& batch : plan_batches(tokens, {64, 1024}))
    EXPECT_LE(static_cast<std::int64_t>(batch.records.size()) * batch.tokens, 1024);
  EXPECT_THROW(plan_batches({2000}, {8, 1024}), bertology::Error);
  EXPECT_THROW(plan_batches({10}, {0, 0}), bertology::Error);
}

TEST(WorkPlan, ShardsAreContiguousAndBalanced) {
  const auto batches = plan_batches(random_lengths(5000, 11), {8, 0});
  const CostModel cost{1e-6, 1e-8};
  for (int ranks : {1, 2, 3, 7, 64}) {
    const auto begin = plan_shards(batches, cost, ranks);
    ASSERT_EQ(begin.size(), static_cast<std::size_t>(ranks) + 1);
    EXPECT_EQ(begin.front(), 0);
    EXPECT_EQ(begin.back(), static_cast<std::int64_t>(batches.size()));
    double total = 0, worst = 0, largest_batch = 0;
    for (const auto& b : batches) {
      total += cost.cost(b);
      largest_batch = std::max(largest_batch, cost.cost(b));
    }
    for (int r = 0; r < ranks; ++r) {
      ASSERT_LE(begin[r], begin[r + 1]);
      double shard = 0;
      for (auto b = begin[r]; b < begin[r + 1]; ++b) shard += cost.cost(batches[b]);
      worst = std::max(worst, shard);
    }
    // Contiguous shards of whole batches: the worst shard is at most one batch over the mean.
    EXPECT_LE(worst, total / ranks + largest_batch) << ranks << " ranks";
  }
}

TEST(WorkPlan, BatchesDoNotDependOnTheNumberOfRanks) {
  const auto tokens = random_lengths(777, 5);
  const auto a = plan_batches(tokens, {8, 0});
  const auto b = plan_batches(tokens, {8, 0});
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].records, b[i].records);
}

TEST(WorkPlan, SerializeRoundTrip) {
  WorkPlan plan;
  plan.batches = plan_batches(random_lengths(50, 9), {4, 0});
  plan.shard_begin = plan_shards(plan.batches, {1, 0}, 3);
  const WorkPlan copy = WorkPlan::deserialize(plan.serialize());
  ASSERT_EQ(copy.batches.size(), plan.batches.size());
  for (std::size_t i = 0; i < plan.batches.size(); ++i) {
    EXPECT_EQ(copy.batches[i].records, plan.batches[i].records);
    EXPECT_EQ(copy.batches[i].tokens, plan.batches[i].tokens);
  }
  EXPECT_EQ(copy.shard_begin, plan.shard_begin);
}
