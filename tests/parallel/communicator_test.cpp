#include <gtest/gtest.h>

#include "bertology/parallel/mpi.h"

using bertology::parallel::Communicator;

TEST(Communicator, SumOfIntegersIsExact) {
  Communicator comm;
  // Values near 2^62 would lose bits in a floating-point reduction.
  std::vector<std::int64_t> values{(std::int64_t{1} << 60) + comm.rank(), comm.rank() + 1, -3};
  comm.sum(values);
  const std::int64_t n = comm.size();
  EXPECT_EQ(values[0], n * (std::int64_t{1} << 60) + n * (n - 1) / 2);
  EXPECT_EQ(values[1], n * (n + 1) / 2);
  EXPECT_EQ(values[2], -3 * n);
}

TEST(Communicator, BroadcastCarriesRootData) {
  Communicator comm;
  std::vector<std::int64_t> plan;
  std::string text;
  if (comm.root()) {
    plan = {5, 4, 3, 2, 1};
    text = "from root";
  }
  comm.broadcast(plan);
  comm.broadcast(text);
  EXPECT_EQ(plan, (std::vector<std::int64_t>{5, 4, 3, 2, 1}));
  EXPECT_EQ(text, "from root");
}

TEST(Communicator, NodeLocalRanksAreDistinct) {
  Communicator comm;
  // Every test rank runs on this node: local ranks are 0..size-1 and the node holds them all.
  std::vector<std::int64_t> seen(static_cast<std::size_t>(comm.size()), 0);
  seen[static_cast<std::size_t>(comm.node_local_rank())] = 1;
  comm.sum(seen);
  for (auto s : seen) EXPECT_EQ(s, 1);
}

TEST(Communicator, GatherCollectsOneStringPerRank) {
  Communicator comm;
  const auto all = comm.gather("rank" + std::to_string(comm.rank()));
  if (comm.root()) {
    ASSERT_EQ(all.size(), static_cast<std::size_t>(comm.size()));
    for (int r = 0; r < comm.size(); ++r) EXPECT_EQ(all[r], "rank" + std::to_string(r));
  } else {
    EXPECT_TRUE(all.empty());
  }
}
