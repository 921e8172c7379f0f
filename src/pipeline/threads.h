#pragma once
#include <cstdlib>

namespace bertology::pipeline {

// Threads per rank (LibTorch and OpenBLAS): the request, else SLURM's --cpus-per-task, else 1.
// Never derived from the number of ranks: the float summation order of a forward depends on
// the thread count, and counts must be bit-identical whatever the number of ranks. So on CPUs
// run one rank per core (or per --cpus-per-task), as ranks × threads must not exceed the cores.
inline int threads_per_rank(int requested) {
  if (requested > 0) return requested;
  if (const char* slurm = std::getenv("SLURM_CPUS_PER_TASK")) {
    const int value = std::atoi(slurm);
    if (value > 0) return value;
  }
  return 1;
}

}  // namespace bertology::pipeline
