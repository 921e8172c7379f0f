// Fuzz target: FASTA, both readers: read_fasta (src/corpus/fasta.cpp) and the streaming
// FastaStream (src/corpus/fasta_stream.cpp; gzip and zstd inputs are detected from the first
// bytes), the latter also over two byte ranges split in the middle of the file.
#include "bertology/corpus/fasta_stream.h"
#include "bertology/corpus/readers.h"
#include "bertology/error.h"
#include "fuzz_support.h"

namespace {

void stream(const std::string& path, std::int64_t begin, std::int64_t end) {
  bertology::corpus::FastaStream fasta(path, begin, end);
  std::size_t residues = 0;
  for (auto event = fasta.next(); event != bertology::corpus::FastaStream::Event::done; event = fasta.next()) {
    if (event == bertology::corpus::FastaStream::Event::residues) residues += fasta.residues().size();
    else (void)fasta.header_line();
  }
  (void)residues;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = bertology::fuzz::write_input(data, size, "fasta");
  try {
    bertology::corpus::read_fasta(path);
  } catch (const bertology::Error&) {
  }
  try {
    stream(path, 0, -1);
  } catch (const bertology::Error&) {
  }
  try {
    if (!bertology::corpus::is_compressed_file(path)) {
      const auto middle = static_cast<std::int64_t>(size / 2);
      stream(path, 0, middle);
      stream(path, middle, -1);
    }
  } catch (const bertology::Error&) {
  }
  return 0;
}
