// `bertology info`: what a corpus.h5 or result.h5 holds.
#include <algorithm>
#include <numeric>
#include <ostream>

#include "bertology/corpus/corpus_file.h"
#include "bertology/error.h"
#include "bertology/io/hdf5.h"
#include "bertology/io/result_file.h"
#include "bertology/pipeline/commands.h"

namespace bertology::pipeline {
namespace {

void print_attributes(const io::File& file, std::ostream& out) {
  for (const auto& name : io::attribute_names(file, "/")) {
    if (io::attribute_is_string(file, "/", name)) {
      out << "  " << name << ": " << io::read_string_attribute(file, "/", name) << "\n";
    } else {
      try {
        out << "  " << name << ": " << io::read_integer_attribute(file, "/", name) << "\n";
      } catch (const Error&) {
        // Arrays (thresholds, labels) are printed by the caller.
      }
    }
  }
}

void corpus_info(const std::string& path, std::ostream& out) {
  corpus::CorpusReader reader(path);
  const corpus::CorpusMetadata index = reader.read_metadata();
  std::vector<std::int64_t> lengths = reader.read_lengths();
  std::sort(lengths.begin(), lengths.end());
  out << path << ": bertology corpus\n"
      << "  sequences: " << index.sequences
      << "\n  residues: " << std::accumulate(lengths.begin(), lengths.end(), std::int64_t{0}) << "\n";
  if (!lengths.empty())
    out << "  length min/median/max: " << lengths.front() << " / " << lengths[lengths.size() / 2] << " / "
        << lengths.back() << "\n";
  out << "  coordinates: " << (index.has_coordinates ? "Cα" : "none") << "\n  letters: " << index.letters << "\n";
  for (const auto& schema : index.schemas) {
    out << "  label " << schema.name << " (" << (schema.kind == corpus::LabelKind::binary ? "binary" : "categorical")
        << "):";
    for (const auto& c : schema.classes) out << " " << c;
    out << "\n";
  }
  print_attributes(io::File::open_read(path), out);
}

void result_info(const std::string& path, std::ostream& out) {
  const io::ResultData data = io::read_result(path);
  out << path << ": bertology result\n  layers x heads: " << data.layers << " x " << data.heads << "\n  thresholds:";
  for (double t : data.thresholds) out << " " << t;
  out << "\n  labels:";
  for (const auto& label : data.labels) out << " " << label;
  out << "\n";
  print_attributes(io::File::open_read(path), out);
}

}  // namespace

void info(const std::string& path, std::ostream& out) {
  io::File file = io::File::open_read(path);
  if (file.exists("sequences/offsets"))
    corpus_info(path, out);
  else if (file.exists("counts/above_threshold"))
    result_info(path, out);
  else
    throw Error("neither a bertology corpus nor a result file", ErrorContext{path});
}

}  // namespace bertology::pipeline
