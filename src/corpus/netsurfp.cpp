// NetSurfP-2.0 CSV (CB513_HHblits.csv, TS115, CASP12): header `input, dssp3, dssp8, disorder,
// cb513_mask`, then one protein a row; every field is a space-separated list with one token
// per residue. Columns are found by name, so their order does not matter.
//
// The files carry no id column: record ids are "<file stem>_<row>", row counted from 0 over the
// data rows (CB513_HHblits_0 is the first protein). Labels: ss4 from dssp8 (H G I helix, E B
// strand, T S turn/bend, everything else coil, as provis does); other columns are only checked
// for their length.
#include <algorithm>

#include "bertology/corpus/readers.h"
#include "text_input.h"

namespace bertology::corpus {

namespace {

std::vector<std::string_view> split_commas(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

struct Columns {
  std::vector<std::string> names;
  std::size_t input = 0;
  std::size_t dssp8 = 0;
};

Columns read_header(detail::LineReader& input) {
  const std::string& path = input.path();
  bool found = false;
  while (!found && input.next()) found = !detail::is_blank(input.line());
  require(found, "no NetSurfP header (empty file)", {path});
  Columns columns;
  for (auto field : split_commas(input.line())) columns.names.emplace_back(detail::trim(field));
  auto find = [&](const std::string& name) {
    auto it = std::find(columns.names.begin(), columns.names.end(), name);
    require(it != columns.names.end(),
            "header has no '" + name + "' column (expected 'input, dssp3, dssp8, disorder, cb513_mask')",
            {path, "", input.number()});
    return static_cast<std::size_t>(it - columns.names.begin());
  };
  columns.input = find("input");
  columns.dssp8 = find("dssp8");
  return columns;
}

}  // namespace

Dataset read_netsurfp(const std::string& path) {
  detail::LineReader input(path);
  const Columns columns = read_header(input);
  const std::string stem = detail::file_stem(path);
  Dataset dataset;
  while (input.next()) {
    const std::string& line = input.line();
    if (detail::is_blank(line)) continue;
    const std::string id = stem + "_" + std::to_string(dataset.records.size());
    const ErrorContext here{path, id, input.number()};

    std::vector<std::string_view> fields = split_commas(line);
    require(
        fields.size() == columns.names.size(),
        "row has " + std::to_string(fields.size()) + " fields, the header has " + std::to_string(columns.names.size()),
        here);

    Record record;
    record.id = id;
    for (auto token : detail::split_whitespace(fields[columns.input])) {
      char residue = static_cast<char>(std::toupper(static_cast<unsigned char>(token[0])));
      if (token.size() != 1 || !is_residue_letter(residue)) {
        throw Error("input token '" + std::string(token) + "' is not a residue letter (" +
                        detail::residue_alphabet_hint() + ")",
                    here);
      }
      record.sequence.push_back(residue);
    }
    require(!record.sequence.empty(), "empty 'input' sequence", here);

    for (std::size_t column = 0; column < fields.size(); ++column) {
      std::size_t tokens = detail::count_whitespace_tokens(fields[column]);
      require(tokens == record.sequence.size(),
              "column '" + columns.names[column] + "' has " + std::to_string(tokens) + " tokens, 'input' has " +
                  std::to_string(record.sequence.size()) + " residues",
              here);
    }

    std::vector<std::int8_t> ss4;
    ss4.reserve(record.sequence.size());
    for (auto state : detail::split_whitespace(fields[columns.dssp8])) {
      if (state.size() != 1) {
        throw Error("dssp8 token '" + std::string(state) + "' is not a one-letter DSSP state", here);
      }
      ss4.push_back(ss4_class_from_dssp(state[0]));
    }
    record.labels.emplace(ss4_schema().name, std::move(ss4));
    dataset.records.push_back(std::move(record));
  }
  require(!dataset.records.empty(), "no NetSurfP rows after the header", {path});
  dataset.schemas.push_back(ss4_schema());
  return dataset;
}

}  // namespace bertology::corpus
