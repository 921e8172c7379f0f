#pragma once
// Kokkos is initialised once per process, by main, through this scope guard, on the device
// the rank computes on: the same one LibTorch was given (model::choose_device).
#include "bertology/attention_maps.h"

namespace bertology::analysis {

class KokkosScope {
 public:
  explicit KokkosScope(const Device& device);
  ~KokkosScope();
  KokkosScope(const KokkosScope&) = delete;
  KokkosScope& operator=(const KokkosScope&) = delete;
};

// The device kinds this build's Kokkos counts on: its default execution space's memory.
DeviceKind analysis_device_kind();

// Copies one block of attention maps (AttentionMaps::data, batch × heads × queries × tokens
// floats) into host memory, from wherever the model left it.
void copy_to_host(const AttentionMaps& maps, float* destination);

}  // namespace bertology::analysis
