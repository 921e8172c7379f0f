#pragma once
// Where this build's Kokkos counts: the one definition the analysis' translation units share.
#include <Kokkos_Core.hpp>

namespace bertology::analysis {

using ExecutionSpace = Kokkos::DefaultExecutionSpace;
using MemorySpace = ExecutionSpace::memory_space;
// True for host backends (Serial, OpenMP, Threads): the maps must then be in host memory.
inline constexpr bool kHostAnalysis = Kokkos::SpaceAccessibility<Kokkos::HostSpace, MemorySpace>::accessible;

}  // namespace bertology::analysis
