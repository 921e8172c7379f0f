#include "bertology/analysis/runtime.h"

#include <Kokkos_Core.hpp>

namespace bertology::analysis {
namespace {

// Kokkos may be initialised only once per process; nested or repeated scopes share it,
// and only the scope that initialised it finalises it.
int live_scopes = 0;
bool initialised_here = false;

}  // namespace

KokkosScope::KokkosScope(int& argc, char** argv) {
  if (live_scopes++ == 0 && !Kokkos::is_initialized()) {
    Kokkos::initialize(argc, argv);
    initialised_here = true;
  }
}

KokkosScope::~KokkosScope() {
  if (--live_scopes == 0 && initialised_here) {
    Kokkos::finalize();
    initialised_here = false;
  }
}

}  // namespace bertology::analysis
