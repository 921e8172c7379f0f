// Fuzz target: result.h5 reader (src/io/result_file.cpp, read_result).
#include "bertology/error.h"
#include "bertology/io/result_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = bertology::fuzz::write_input(data, size, "h5");
  try {
    bertology::io::read_result(path);
  } catch (const bertology::Error&) {
  }
  return 0;
}
