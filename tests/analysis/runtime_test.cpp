#include "bertology/analysis/runtime.h"

#include <gtest/gtest.h>

#include <Kokkos_Core.hpp>
#include <vector>

#include "bertology/error.h"

namespace bertology::analysis {
namespace {

// The test main already holds a scope; another one (as a library user might create) must
// neither initialise Kokkos twice nor finalise it under the outer scope.
TEST(KokkosScope, NestedScopeLeavesKokkosToTheOuterOne) {
  ASSERT_TRUE(Kokkos::is_initialized());
  { KokkosScope inner(Device{}); }
  EXPECT_TRUE(Kokkos::is_initialized());
  Kokkos::View<int*> still_usable("still_usable", 4);
  Kokkos::deep_copy(still_usable, 3);
  int sum = 0;
  Kokkos::parallel_reduce(
      "sum", 4, KOKKOS_LAMBDA(int i, int& s) { s += still_usable(i); }, sum);
  EXPECT_EQ(sum, 12);
}

TEST(CopyToHost, CopiesTheBlockItDescribes) {
  const std::vector<float> maps{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};  // 1 row, 2 heads, 2 queries, 3 keys
  std::vector<float> copy(maps.size(), -1.0f);
  copy_to_host(AttentionMaps{maps.data(), 1, 2, 3, 1, 2, {}}, copy.data());
  EXPECT_EQ(copy, maps);
  AttentionMaps on_gpu{maps.data(), 1, 2, 3, 1, 2, {DeviceKind::cuda, 0}};
  if (Kokkos::SpaceAccessibility<Kokkos::HostSpace, Kokkos::DefaultExecutionSpace::memory_space>::accessible)
    EXPECT_THROW(copy_to_host(on_gpu, copy.data()), Error);
}

}  // namespace
}  // namespace bertology::analysis
