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
    if (name == "thresholds") continue;  // floating point: printed by the caller
    if (io::attribute_is_string(file, "/", name)) {
      std::string text;
      try {
        text = io::read_string_attribute(file, "/", name);
      } catch (const Error&) {  // a list of strings (labels, cuts)
        for (const auto& item : io::read_strings_attribute(file, "/", name)) text += (text.empty() ? "" : " ") + item;
      }
      out << "  " << name << ": " << text << "\n";
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
  // Lengths are read in pieces so that a corpus of billions of records needs bounded memory.
  constexpr std::int64_t kPiece = 1 << 20;
  std::int64_t shortest = 0, longest = 0;
  for (std::int64_t begin = 0; begin < index.sequences; begin += kPiece) {
    const auto lengths = reader.read_lengths(begin, std::min(index.sequences, begin + kPiece));
    const auto [low, high] = std::minmax_element(lengths.begin(), lengths.end());
    shortest = begin == 0 ? *low : std::min(shortest, *low);
    longest = std::max(longest, *high);
  }
  out << path << ": bertology corpus\n"
      << "  sequences: " << index.sequences << "\n  residues: " << index.residues << "\n"
      << "  length min/mean/max: " << shortest << " / "
      << (index.sequences ? static_cast<double>(index.residues) / static_cast<double>(index.sequences) : 0.0) << " / "
      << longest << "\n"
      << "  blocks: " << index.blocks() << " of " << index.block_size << " records"
      << (index.block_size_stored ? "" : " (default: the corpus predates blocks)") << "\n";
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

void sweep_info(const std::string& path, std::ostream& out) {
  const io::File file = io::File::open_read(path);
  out << path << ": bertology sweep\n";
  for (const auto& member : file.members("members")) {
    const std::string group = "members/" + member;
    const auto text = [&](const std::string& name) {
      return io::has_attribute(file, group, name) ? io::read_string_attribute(file, group, name) : std::string("?");
    };
    out << "  member " << member << ": " << text("architecture") << " " << text("model") << " (from " << text("source")
        << ")\n";
  }
  if (file.exists("comparison/property"))
    out << "  comparison rows: " << io::dataset_shape(file, "comparison/property").at(0) << "\n";
  print_attributes(file, out);
}

}  // namespace

void info(const std::string& path, std::ostream& out) {
  io::File file = io::File::open_read(path);
  if (file.exists("sequences/offsets"))
    corpus_info(path, out);
  else if (file.exists("counts/above_threshold"))
    result_info(path, out);
  else if (file.exists("members"))
    sweep_info(path, out);
  else
    throw Error("neither a bertology corpus, result nor sweep file", ErrorContext{path});
}

}  // namespace bertology::pipeline
