// Fuzz target: NetSurfP CSV (src/corpus/netsurfp.cpp, read_netsurfp).
#include "bertology/corpus/readers.h"
#include "bertology/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = bertology::fuzz::write_input(data, size, "csv");
  try {
    bertology::corpus::read_netsurfp(path);
  } catch (const bertology::Error&) {
  }
  return 0;
}
