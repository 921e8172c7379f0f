// Fuzz target: PDB and mmCIF through our gemmi wrapper (src/structure/structure_reader.cpp,
// read_structure with its DSSP and binding sites). The first byte picks the parser (even: PDB,
// odd: mmCIF); the rest is the file.
#include <stdexcept>

#include "bertology/error.h"
#include "bertology/structure/structure_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool pdb = data[0] % 2 == 0;
  const std::string path = bertology::fuzz::write_input(data + 1, size - 1, pdb ? "pdb" : "cif");
  bertology::structure::StructureOptions options;
  options.format = pdb ? bertology::corpus::Format::pdb : bertology::corpus::Format::mmcif;
  try {
    bertology::structure::read_structure(path, options);
  } catch (const bertology::Error&) {
  }
  return 0;
}
