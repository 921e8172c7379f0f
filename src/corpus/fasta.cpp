// FASTA: '>' header lines (id = first word), sequence on one or more lines after it.
// Accepted beyond the strict format, because real files do it: lower-case residues
// (upper-cased), a terminal '*' (stop), blank lines, spaces and tabs inside sequence lines.
#include "bertology/corpus/readers.h"
#include "text_input.h"

namespace bertology::corpus {

namespace {

class FastaRecordBuilder {
 public:
  explicit FastaRecordBuilder(const std::string& path) : path_(path) {}

  void start(std::string id, long header_line) {
    id_ = std::move(id);
    header_line_ = header_line;
    stop_line_ = 0;
    sequence_.clear();
  }

  // Runs of residue letters are appended whole; anything else is whitespace, the final '*', or
  // an error.
  void add_sequence_line(const std::string& line, long line_number) {
    std::string_view rest = line;
    std::size_t column = 0;
    while (!rest.empty()) {
      std::size_t bad = stop_line_ == 0 ? detail::append_residues(rest, sequence_) : 0;
      if (bad == std::string_view::npos) return;
      if (!detail::is_space(rest[bad])) reject(rest[bad], column + bad, line_number);
      rest.remove_prefix(bad + 1);
      column += bad + 1;
    }
  }

  Record finish() {
    require(!sequence_.empty(), "empty sequence", {path_, id_, header_line_});
    Record record;
    record.id = std::move(id_);
    record.sequence = sequence_;  // an exact-size copy; the buffer keeps its capacity for the next record
    return record;
  }

 private:
  // Only '*' ending the sequence gets past here.
  void reject(char c, std::size_t column, long line_number) {
    const ErrorContext here{path_, id_, line_number};
    if (stop_line_ != 0) {
      throw Error(detail::quoted(c) + " after the '*' (stop) of line " + std::to_string(stop_line_) +
                      "; '*' may only end a sequence",
                  here);
    }
    require(c == '*',
            "character " + detail::quoted(c) + " at column " + std::to_string(column + 1) +
                " is not a residue letter (" + detail::residue_alphabet_hint() + ")",
            here);
    stop_line_ = line_number;
  }

  const std::string& path_;
  std::string id_;
  std::string sequence_;
  long header_line_ = 0;
  long stop_line_ = 0;
};

std::string header_id(const std::string& line, const std::string& path, long line_number) {
  std::string_view rest = detail::trim(std::string_view(line).substr(1));
  std::size_t end = 0;
  while (end < rest.size() && !detail::is_space(rest[end])) ++end;
  require(end > 0, "header line '>' without an id", {path, "", line_number});
  return std::string(rest.substr(0, end));
}

}  // namespace

Dataset read_fasta(const std::string& path) {
  detail::LineReader input(path);
  detail::UniqueIds ids(path);
  FastaRecordBuilder builder(path);
  Dataset dataset;
  bool in_record = false;
  while (input.next()) {
    const std::string& line = input.line();
    if (detail::is_blank(line)) continue;
    if (line[0] == '>') {
      if (in_record) dataset.records.push_back(builder.finish());
      std::string id = header_id(line, path, input.number());
      ids.add(id, input.number());
      builder.start(std::move(id), input.number());
      in_record = true;
      continue;
    }
    require(in_record, "sequence data before the first '>' header (is this a FASTA file?)", {path, "", input.number()});
    builder.add_sequence_line(line, input.number());
  }
  if (in_record) dataset.records.push_back(builder.finish());
  require(!dataset.records.empty(), "no FASTA records (empty file)", {path});
  return dataset;
}

}  // namespace bertology::corpus
