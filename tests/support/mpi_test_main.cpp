// GoogleTest main shared by every test binary: MPI and Kokkos are initialised once, and
// only rank 0 prints, so the same binary runs through ctest at 1, 2 and 3 ranks.
#include <gtest/gtest.h>
#include <mpi.h>

#include "bertology/analysis/runtime.h"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int status = 0;
  {
    bertology::analysis::KokkosScope kokkos(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    if (rank != 0) {
      auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
      delete listeners.Release(listeners.default_result_printer());
    }
    status = RUN_ALL_TESTS();
  }
  // A failure on any rank fails the test on every rank.
  int worst = status;
  MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return worst;
}
