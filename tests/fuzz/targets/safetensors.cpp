// Fuzz target: safetensors header and data (src/model/safetensors.cpp, SafetensorsReader),
// then every tensor of at most 2^20 elements read as float32.
#include <vector>

#include "bertology/error.h"
#include "fuzz_support.h"
#include "safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = bertology::fuzz::write_input(data, size, "safetensors");
  try {
    bertology::model::SafetensorsReader reader(path);
    for (const auto& [name, entry] : reader.tensors()) {
      if (entry.elements() > (1 << 20)) continue;
      std::vector<float> values = reader.read_float32(name);
      (void)values;
    }
  } catch (const bertology::Error&) {
  }
  return 0;
}
