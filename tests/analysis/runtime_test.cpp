#include "bertology/analysis/runtime.h"

#include <gtest/gtest.h>

#include <Kokkos_Core.hpp>

namespace bertology::analysis {
namespace {

// The test main already holds a scope; another one (as a library user might create) must
// neither initialise Kokkos twice nor finalise it under the outer scope.
TEST(KokkosScope, NestedScopeLeavesKokkosToTheOuterOne) {
  ASSERT_TRUE(Kokkos::is_initialized());
  int argc = 1;
  char name[] = "analysis_tests";
  char* argv[] = {name, nullptr};
  { KokkosScope inner(argc, argv); }
  EXPECT_TRUE(Kokkos::is_initialized());
  Kokkos::View<int*> still_usable("still_usable", 4);
  Kokkos::deep_copy(still_usable, 3);
  int sum = 0;
  Kokkos::parallel_reduce(
      "sum", 4, KOKKOS_LAMBDA(int i, int& s) { s += still_usable(i); }, sum);
  EXPECT_EQ(sum, 12);
}

}  // namespace
}  // namespace bertology::analysis
