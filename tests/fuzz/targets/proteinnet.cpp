// Fuzz target: ProteinNet text (src/corpus/proteinnet.cpp, read_proteinnet).
#include "bertology/corpus/readers.h"
#include "bertology/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = bertology::fuzz::write_input(data, size, "txt");
  try {
    bertology::corpus::read_proteinnet(path);
  } catch (const bertology::Error&) {
  }
  return 0;
}
