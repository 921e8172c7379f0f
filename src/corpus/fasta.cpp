// FASTA into a Dataset: the whole file through FastaStream (one parser for every FASTA input),
// with ids required to be unique within the file.
#include "bertology/corpus/fasta_stream.h"
#include "bertology/corpus/readers.h"
#include "text_input.h"

namespace bertology::corpus {

Dataset read_fasta(const std::string& path) {
  FastaStream stream(path);
  detail::UniqueIds ids(path);
  Dataset dataset;
  for (auto event = stream.next(); event != FastaStream::Event::done; event = stream.next()) {
    if (event == FastaStream::Event::header) {
      ids.add(stream.id(), stream.header_line());
      dataset.records.emplace_back();
      dataset.records.back().id = stream.id();
    } else {
      dataset.records.back().sequence.append(stream.residues());
    }
  }
  return dataset;
}

}  // namespace bertology::corpus
