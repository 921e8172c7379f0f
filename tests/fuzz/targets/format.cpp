// Fuzz target: format sniffing (src/corpus/format.cpp, guess_format on a name without a known
// extension, so the content decides), then the text reader it picks (read_file).
#include "bertology/corpus/readers.h"
#include "bertology/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = bertology::fuzz::write_input(data, size, "input");
  try {
    const auto format = bertology::corpus::guess_format(path);
    if (format != bertology::corpus::Format::pdb && format != bertology::corpus::Format::mmcif)
      bertology::corpus::read_file(path, format, {});
  } catch (const bertology::Error&) {
  }
  return 0;
}
