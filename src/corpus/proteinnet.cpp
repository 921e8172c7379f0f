// ProteinNet text records (AlQuraishi 2019): sections "[NAME]" each followed by its lines,
// records separated by blank lines and each starting with [ID].
//
// Read: [ID] (1 line), [PRIMARY] (1 line), [TERTIARY] (3 lines x, y, z with 3 atoms N, CA, C
// per residue, picometres), [MASK] (1 line of '+'/'-'). [EVOLUTIONARY] (21 lines) is checked
// for shape but not kept. [SECONDARY] and sections we do not know are skipped.
//
// [TERTIARY] and [MASK] are required: a file cut at a section boundary would otherwise pass
// as a complete, shorter record. The mask is trusted as given; ProteinNet writes 0 0 0 for
// unresolved atoms, so a '+' residue at exactly the origin is kept as resolved.
#include <array>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "bertology/corpus/readers.h"
#include "text_input.h"

namespace bertology::corpus {

namespace {

constexpr int kEvolutionaryRows = 21;  // 20 amino-acid PSSM rows + information content
constexpr int kAtomsPerResidue = 3;    // N, CA, C
constexpr int kCalphaAtom = 1;
constexpr double kPicometresPerAngstrom = 100.0;

struct Section {
  std::string name;  // with brackets, e.g. "[PRIMARY]"
  long line = 0;     // line of the header; content lines follow it without gaps
  std::vector<std::string> lines;
};

class ProteinNetRecordBuilder {
 public:
  explicit ProteinNetRecordBuilder(const std::string& path) : path_(path), ids_(path) {}

  void add(Section section, Dataset& dataset) {
    if (section.name == "[ID]") {
      finish_into(dataset);
      start(section);
      return;
    }
    require(record_.has_value(), section.name + " before [ID]: every record starts with [ID]",
            {path_, "", section.line});
    if (section.name == "[PRIMARY]") {
      read_primary(section);
    } else if (section.name == "[EVOLUTIONARY]") {
      check_evolutionary(section);
    } else if (section.name == "[TERTIARY]") {
      read_tertiary(section);
    } else if (section.name == "[MASK]") {
      read_mask(section);
    }
  }

  void finish_into(Dataset& dataset) {
    if (!record_) return;
    const ErrorContext at_id{path_, record_->id, id_line_};
    require(has_primary_, "record has no [PRIMARY] section", at_id);
    require(coordinates_line_ != 0, "record has no [TERTIARY] section (file truncated?)", at_id);
    require(!record_->ca_mask.empty(), "record has no [MASK] section (file truncated?)", at_id);
    dataset.records.push_back(std::move(*record_));
    record_.reset();
  }

 private:
  ErrorContext at(long line) const { return {path_, record_ ? record_->id : std::string(), line}; }

  void start(const Section& section) {
    require(section.lines.size() == 1,
            "[ID] must be followed by exactly one line, found " + std::to_string(section.lines.size()),
            {path_, "", section.line});
    std::string id(detail::trim(section.lines[0]));
    require(!id.empty(), "empty record id after [ID]", {path_, "", section.line + 1});
    ids_.add(id, section.line + 1);
    record_ = Record{};
    record_->id = std::move(id);
    id_line_ = section.line;
    has_primary_ = false;
    coordinates_line_ = 0;
    seen_.clear();
  }

  // Each section once per record, and the length-dependent ones after [PRIMARY].
  void expect_lines(const Section& section, std::size_t count, bool needs_length) {
    for (const std::string& seen : seen_) {
      require(seen != section.name, "second " + section.name + " section in the record", at(section.line));
    }
    seen_.push_back(section.name);
    require(!needs_length || has_primary_, section.name + " before [PRIMARY]: the sequence length must be known first",
            at(section.line));
    require(section.lines.size() == count,
            section.name + " has " + std::to_string(section.lines.size()) + " line(s), expected " +
                std::to_string(count) + " (file truncated?)",
            at(section.line));
  }

  void read_primary(const Section& section) {
    expect_lines(section, 1, false);
    std::string_view letters = detail::trim(section.lines[0]);
    std::size_t bad = detail::append_residues(letters, record_->sequence);
    if (bad != std::string_view::npos) {
      throw Error("character " + detail::quoted(letters[bad]) + " at column " + std::to_string(bad + 1) +
                      " of [PRIMARY] is not a residue letter (" + detail::residue_alphabet_hint() + ")",
                  at(section.line + 1));
    }
    require(!record_->sequence.empty(), "empty [PRIMARY] sequence", at(section.line + 1));
    has_primary_ = true;
  }

  void check_evolutionary(const Section& section) {
    expect_lines(section, kEvolutionaryRows, true);
    for (std::size_t row = 0; row < section.lines.size(); ++row) {
      std::size_t values = detail::count_whitespace_tokens(section.lines[row]);
      require(values == record_->sequence.size(),
              "[EVOLUTIONARY] row " + std::to_string(row + 1) + " has " + std::to_string(values) +
                  " values, expected one per residue (" + std::to_string(record_->sequence.size()) + ")",
              at(section.line + 1 + static_cast<long>(row)));
    }
  }

  void read_tertiary(const Section& section) {
    expect_lines(section, 3, true);
    const std::size_t residues = record_->sequence.size();
    const std::size_t expected = kAtomsPerResidue * residues;
    record_->ca.assign(residues, {0.0, 0.0, 0.0});
    for (std::size_t axis = 0; axis < 3; ++axis) {
      const long line = section.line + 1 + static_cast<long>(axis);
      const std::string& text = section.lines[axis];
      std::size_t count = 0;
      for (auto token : detail::split_whitespace(text)) {
        char* end = nullptr;
        const char* start = token.data();
        double value = std::strtod(start, &end);
        if (end != start + token.size() || !std::isfinite(value)) {
          throw Error("[TERTIARY] value " + std::to_string(count + 1) + " '" + std::string(token) + "' is not a number",
                      at(line));
        }
        if (count < expected && count % kAtomsPerResidue == kCalphaAtom) {
          record_->ca[count / kAtomsPerResidue][axis] = value / kPicometresPerAngstrom;
        }
        ++count;
      }
      require(count == expected,
              "[TERTIARY] line " + std::to_string(axis + 1) + " has " + std::to_string(count) + " values, expected " +
                  std::to_string(expected) + " (3 atoms × " + std::to_string(residues) + " residues)",
              at(line));
    }
    coordinates_line_ = section.line;
  }

  void read_mask(const Section& section) {
    expect_lines(section, 1, true);
    std::string_view mask = detail::trim(section.lines[0]);
    const long line = section.line + 1;
    require(mask.size() == record_->sequence.size(),
            "[MASK] has " + std::to_string(mask.size()) + " entries, expected one per residue (" +
                std::to_string(record_->sequence.size()) + ")",
            at(line));
    record_->ca_mask.resize(mask.size());
    for (std::size_t i = 0; i < mask.size(); ++i) {
      if (mask[i] != '+' && mask[i] != '-') {
        throw Error(
            "[MASK] entry " + std::to_string(i + 1) + " is " + detail::quoted(mask[i]) + ", expected '+' or '-'",
            at(line));
      }
      record_->ca_mask[i] = mask[i] == '+' ? 1 : 0;
    }
  }

  const std::string& path_;
  detail::UniqueIds ids_;
  std::optional<Record> record_;
  long id_line_ = 0;
  bool has_primary_ = false;
  long coordinates_line_ = 0;
  std::vector<std::string> seen_;
};

bool is_section_header(std::string_view line) {
  std::string_view text = detail::trim(line);
  return text.size() >= 2 && text.front() == '[' && text.back() == ']';
}

}  // namespace

Dataset read_proteinnet(const std::string& path) {
  detail::LineReader input(path);
  ProteinNetRecordBuilder builder(path);
  Dataset dataset;
  std::optional<Section> open;  // the section whose lines are being collected
  auto close = [&] {
    if (open) builder.add(std::move(*open), dataset);
    open.reset();
  };
  while (input.next()) {
    const std::string& line = input.line();
    if (is_section_header(line)) {
      close();
      open = Section{std::string(detail::trim(line)), input.number(), {}};
    } else if (detail::is_blank(line)) {
      close();
    } else {
      require(open.has_value(), "text outside a section (expected a header such as [ID])", {path, "", input.number()});
      open->lines.push_back(line);
    }
  }
  close();
  builder.finish_into(dataset);
  require(!dataset.records.empty(), "no ProteinNet records (empty file)", {path});
  return dataset;
}

}  // namespace bertology::corpus
