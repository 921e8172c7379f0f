#include "bertology/parallel/schedule.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
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

TEST(Batches, BatchesAreLengthSortedAndCoverEveryRecordOnce) {
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

TEST(Batches, TokenBudgetLimitsPaddedTokens) {
  const auto tokens = random_lengths(300, 3);
  for (const auto& batch : plan_batches(tokens, {64, 1024}))
    EXPECT_LE(static_cast<std::int64_t>(batch.records.size()) * batch.tokens, 1024);
  EXPECT_THROW(plan_batches({2000}, {8, 1024}), bertology::Error);
  EXPECT_THROW(plan_batches({10}, {0, 0}), bertology::Error);
}

TEST(Schedule, ExpensiveFirstIsADecreasingTotalOrder) {
  const std::vector<double> costs{3, 9, 1, 9, 0.5, 3};
  EXPECT_EQ(expensive_first(costs), (std::vector<std::int64_t>{1, 3, 0, 5, 2, 4}));
}

TEST(Schedule, CostGrowsWithRowsAndQuadraticallyWithLength) {
  const CostModel cost{100};
  const Batch one{{0}, 10}, two{{0, 1}, 10}, longer{{0}, 1000};
  EXPECT_DOUBLE_EQ(cost.cost(two), 2 * cost.cost(one));
  EXPECT_DOUBLE_EQ(cost.cost(one), 10.0 * (600 + 10));
  EXPECT_DOUBLE_EQ(cost.cost(longer), 1000.0 * (600 + 1000));
}

TEST(Schedule, SimulationOfADynamicScheduleIsBalanced) {
  // 2000 blocks of random cost on 16 ranks: the slowest rank is within one (small) block of
  // the mean (LPT: at most one block over), and within 1% with many small blocks.
  std::mt19937 generator(3);
  std::lognormal_distribution<double> seconds(0.0, 0.6);
  std::vector<double> blocks(2000);
  for (auto& b : blocks) b = seconds(generator);
  const auto estimate = simulate_schedule(blocks, expensive_first(blocks), 16);
  const double total = std::accumulate(blocks.begin(), blocks.end(), 0.0);
  EXPECT_NEAR(estimate.mean_busy, total / 16, 1e-9 * total);
  EXPECT_LE(estimate.max_busy, estimate.mean_busy + *std::max_element(blocks.begin(), blocks.end()) + 1e-9);
  EXPECT_LT(estimate.imbalance(), 0.01);
  // One rank does everything.
  EXPECT_NEAR(simulate_schedule(blocks, expensive_first(blocks), 1).makespan, total, 1e-9 * total);
}

TEST(Schedule, SharedCounterHandsOutEveryPositionOnceAcrossRanks) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  constexpr std::int64_t kPositions = 1000;
  std::vector<std::int64_t> taken(kPositions, 0);
  {
    SharedCounter counter(MPI_COMM_WORLD);
    for (std::int64_t k = counter.next(); k < kPositions; k = counter.next()) ++taken[static_cast<std::size_t>(k)];
  }
  MPI_Allreduce(MPI_IN_PLACE, taken.data(), kPositions, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  for (std::int64_t k = 0; k < kPositions; ++k) ASSERT_EQ(taken[static_cast<std::size_t>(k)], 1) << k;
}

TEST(Schedule, ExhaustedCounterStopsEveryRank) {
  SharedCounter counter(MPI_COMM_WORLD);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) counter.exhaust(50);
  MPI_Barrier(MPI_COMM_WORLD);
  EXPECT_GE(counter.next(), 50);
}

TEST(Batches, BatchesDoNotDependOnTheNumberOfRanks) {
  const auto tokens = random_lengths(777, 5);
  const auto a = plan_batches(tokens, {8, 0});
  const auto b = plan_batches(tokens, {8, 0});
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].records, b[i].records);
}
