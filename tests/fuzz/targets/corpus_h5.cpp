// Fuzz target: corpus.h5 reader (src/corpus/corpus_file.cpp, CorpusReader): metadata,
// layout, lengths and every block (at most 64) with its checksum, read whole and, as `run` reads
// it, cut to a few residues with the rest streamed through the checksum in small windows.
#include <algorithm>

#include "bertology/corpus/corpus_file.h"
#include "bertology/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = bertology::fuzz::write_input(data, size, "h5");
  try {
    bertology::corpus::CorpusReader reader(path);
    (void)reader.layout();
    const auto metadata = reader.read_metadata();
    if (metadata.sequences > 0) (void)reader.read_lengths(0, std::min<std::int64_t>(metadata.sequences, 4096));
    for (std::int64_t block = 0; block < std::min<std::int64_t>(metadata.blocks(), 64); ++block) {
      (void)reader.read_block(block);
      (void)reader.read_block(block, 3, 5);
    }
  } catch (const bertology::Error&) {
  }
  return 0;
}
