// Fuzz target: config.json (src/model/checkpoint.cpp): read_config_file, then
// read_model_config for every architecture, and the checkpoint parameters its sizes imply
// when they are small.
#include "bertology/error.h"
#include "checkpoint.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bertology::model;
  const std::string path = bertology::fuzz::write_input(data, size, "json");
  ConfigFile file;
  try {
    file = read_config_file(path);
  } catch (const bertology::Error&) {
    return 0;
  }
  for (const auto architecture : {Architecture::tape_bert, Architecture::prot_bert, Architecture::prot_albert,
                                  Architecture::prot_xlnet, Architecture::esm2}) {
    try {
      const ModelConfig config = read_model_config(file, architecture);
      if (config.layers <= 64 && config.hidden <= 4096) (void)checkpoint_parameters(architecture, config);
    } catch (const bertology::Error&) {
    }
  }
  return 0;
}
