// Fuzz target: provis JSONL (src/corpus/provis.cpp, read_provis), label guessed from the fields.
#include "bertology/corpus/readers.h"
#include "bertology/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = bertology::fuzz::write_input(data, size, "jsonl");
  try {
    bertology::corpus::read_provis(path, {});
  } catch (const bertology::Error&) {
  }
  return 0;
}
