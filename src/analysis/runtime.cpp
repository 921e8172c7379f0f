#include "bertology/analysis/runtime.h"

#include <Kokkos_Core.hpp>

#include "bertology/error.h"
#include "execution_space.h"

namespace bertology::analysis {
namespace {

// Kokkos may be initialised only once per process; nested or repeated scopes share it,
// and only the scope that initialised it finalises it.
int live_scopes = 0;
bool initialised_here = false;

}  // namespace

KokkosScope::KokkosScope(const Device& device) {
  if (live_scopes++ > 0 || Kokkos::is_initialized()) return;
  // A host-only Kokkos ignores the device; a CUDA or HIP one computes on the rank's GPU.
  const int device_id = device.kind == DeviceKind::cuda ? device.index : -1;
#if KOKKOS_VERSION >= 30700
  Kokkos::initialize(Kokkos::InitializationSettings().set_device_id(device_id));
#else
  Kokkos::InitArguments arguments;
  arguments.device_id = device_id;
  Kokkos::initialize(arguments);
#endif
  initialised_here = true;
}

KokkosScope::~KokkosScope() {
  if (--live_scopes == 0 && initialised_here) {
    Kokkos::finalize();
    initialised_here = false;
  }
}

DeviceKind analysis_device_kind() { return kHostAnalysis ? DeviceKind::cpu : DeviceKind::cuda; }

void copy_to_host(const AttentionMaps& maps, float* destination) {
  require((maps.device.kind == DeviceKind::cpu) == kHostAnalysis,
          "attention lives on " + maps.device.str() + " but Kokkos was built for " + ExecutionSpace::name());
  const auto size = static_cast<std::size_t>(maps.batch * maps.heads * maps.queries * maps.tokens);
  using Unmanaged = Kokkos::MemoryTraits<Kokkos::Unmanaged>;
  const Kokkos::View<const float*, MemorySpace, Unmanaged> source(maps.data, size);
  Kokkos::deep_copy(Kokkos::View<float*, Kokkos::HostSpace, Unmanaged>(destination, size), source);
}

}  // namespace bertology::analysis
