// GoogleTest main shared by every test binary: MPI and Kokkos are initialised once, and
// only rank 0 prints, so the same binary runs through ctest at 1, 2 and 3 ranks.
#include <gtest/gtest.h>
#include <mpi.h>

#include "bertology/analysis/runtime.h"

#if defined(__SANITIZE_ADDRESS__)
#define BERTOLOGY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BERTOLOGY_ASAN 1
#endif
#endif

#ifdef BERTOLOGY_ASAN
// Open MPI's plugins (dlopen'ed, then anonymous to LeakSanitizer) and hwloc keep allocations
// until the process ends, by design, and cannot be told apart from ours by module: leak
// checking is off in the test binaries; AddressSanitizer's other checks and UBSan stay on.
// Also when ctest lists the tests at build time, which no environment variable reaches.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
#endif

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int status = 0;
  int skipped_only = 0;
  {
    bertology::analysis::KokkosScope kokkos(bertology::Device{});
    ::testing::InitGoogleTest(&argc, argv);
    if (rank != 0) {
      auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
      delete listeners.Release(listeners.default_result_printer());
    }
    status = RUN_ALL_TESTS() == 0 ? 0 : 1;
    // Every test that ran was skipped (GTEST_SKIP: its data is absent): ctest's SKIP_RETURN_CODE.
    const auto& unit = *::testing::UnitTest::GetInstance();
    skipped_only = unit.successful_test_count() == 0 && unit.skipped_test_count() > 0 ? 1 : 0;
  }
  // A failure on any rank fails the test on every rank; skipped only when every rank skipped.
  int worst = status;
  MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  int all_skipped = skipped_only;
  MPI_Allreduce(&skipped_only, &all_skipped, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (worst == 0 && all_skipped) worst = 77;
  MPI_Finalize();
  return worst;
}
