// provis JSONL (salesforce/provis binding-site and PTM sets): one object a line with
// `id`, `primary`, `positions` (residue number of each residue) and the site numbers in
// `sites` (binding sites) or `modifications` (PTMs). Residue i is a site iff positions[i]
// is listed; site numbers that match no residue are ignored, as in provis.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "bertology/corpus/readers.h"
#include "text_input.h"

namespace bertology::corpus {

namespace {

using nlohmann::json;

constexpr const char* kSitesField = "sites";
constexpr const char* kModificationsField = "modifications";

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The label name is used as an HDF5 dataset name (/labels/<name>) and in property names.
void check_label_name(const std::string& name, const std::string& path) {
  bool valid = !name.empty() && std::all_of(name.begin(), name.end(),
                                            [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
  require(valid, "label name '" + name + "' must be letters, digits, '_' or '-'", {path});
}

std::string label_from_file_name(const std::string& path) {
  std::string stem = lower(detail::file_stem(path));
  if (stem.find("binding") != std::string::npos) return binding_site_schema().name;
  if (stem.find("modification") != std::string::npos || stem.find("ptm") != std::string::npos) {
    return ptm_schema().name;
  }
  return {};
}

std::string label_from_field(const std::string& field) {
  return field == kSitesField ? binding_site_schema().name : ptm_schema().name;
}

LabelSchema schema_named(const std::string& name) {
  if (name == binding_site_schema().name) return binding_site_schema();
  if (name == ptm_schema().name) return ptm_schema();
  return {name, LabelKind::binary, {"no", "yes"}};
}

struct ProvisLine {
  Record record;  // without labels: the label name is decided per file
  std::vector<std::int8_t> is_site;
  std::string site_field;  // "sites" or "modifications"
};

class ProvisLineParser {
 public:
  explicit ProvisLineParser(const std::string& path) : path_(path) {}

  ProvisLine parse(const std::string& line, long line_number) {
    line_ = line_number;
    id_.clear();
    json object;
    try {
      object = json::parse(line);
    } catch (const json::exception& e) {  // parse errors, and numbers out of range (1e712)
      throw Error(std::string("invalid JSON: ") + e.what(), at());
    }
    require(object.is_object(), "expected one JSON object per line", at());

    ProvisLine parsed;
    Record& record = parsed.record;
    record.id = string_field(object, "id");
    require(!record.id.empty(), "empty 'id'", at());
    id_ = record.id;
    const std::string primary = string_field(object, "primary");
    std::size_t bad = detail::append_residues(primary, record.sequence);
    if (bad != std::string::npos) {
      throw Error("character " + detail::quoted(primary[bad]) + " at position " + std::to_string(bad + 1) +
                      " of 'primary' is not a residue letter (" + detail::residue_alphabet_hint() + ")",
                  at());
    }
    require(!record.sequence.empty(), "empty 'primary' sequence", at());

    std::vector<long long> positions = integer_list(object, "positions");
    require(positions.size() == record.sequence.size(),
            "'positions' has " + std::to_string(positions.size()) + " entries but 'primary' has " +
                std::to_string(record.sequence.size()) + " residues",
            at());
    parsed.site_field = site_field(object);
    std::vector<long long> sites = integer_list(object, parsed.site_field);
    std::sort(sites.begin(), sites.end());

    parsed.is_site.resize(positions.size());
    for (std::size_t i = 0; i < positions.size(); ++i) {
      parsed.is_site[i] = std::binary_search(sites.begin(), sites.end(), positions[i]) ? 1 : 0;
    }
    return parsed;
  }

 private:
  ErrorContext at() const { return {path_, id_, line_}; }

  std::string string_field(const json& object, const char* name) const {
    auto it = object.find(name);
    require(it != object.end(), std::string("missing field '") + name + "'", at());
    require(it->is_string(), std::string("field '") + name + "' must be a string, found " + it->type_name(), at());
    return it->get<std::string>();
  }

  std::vector<long long> integer_list(const json& object, const std::string& name) const {
    auto it = object.find(name);
    require(it != object.end(), "missing field '" + name + "'", at());
    require(it->is_array(), "field '" + name + "' must be an array of integers, found " + it->type_name(), at());
    std::vector<long long> values;
    values.reserve(it->size());
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& value = (*it)[i];
      if (!value.is_number_integer()) {
        throw Error(
            "field '" + name + "' entry " + std::to_string(i + 1) + " must be an integer, found " + value.type_name(),
            at());
      }
      values.push_back(value.get<long long>());
    }
    return values;
  }

  // Every line of a file carries the same kind of sites.
  std::string site_field(const json& object) {
    bool has_sites = object.contains(kSitesField);
    bool has_modifications = object.contains(kModificationsField);
    require(has_sites != has_modifications,
            has_sites ? "has both 'sites' and 'modifications'; a file carries one kind of site"
                      : "missing field 'sites' (binding sites) or 'modifications' (PTMs)",
            at());
    std::string field = has_sites ? kSitesField : kModificationsField;
    if (field_.empty()) field_ = field;
    require(field == field_, "field '" + field + "' where earlier lines have '" + field_ + "'", at());
    return field;
  }

  const std::string& path_;
  std::string field_;
  std::string id_;
  long line_ = 0;
};

}  // namespace

Dataset read_provis(const std::string& path, const ReadOptions& options) {
  detail::LineReader input(path);
  detail::UniqueIds ids(path);
  ProvisLineParser parser(path);
  Dataset dataset;
  if (!options.label.empty()) check_label_name(options.label, path);
  std::string label = options.label.empty() ? label_from_file_name(path) : options.label;
  while (input.next()) {
    if (detail::is_blank(input.line())) continue;
    ProvisLine parsed = parser.parse(input.line(), input.number());
    ids.add(parsed.record.id, input.number());
    if (label.empty()) label = label_from_field(parsed.site_field);
    parsed.record.labels.emplace(label, std::move(parsed.is_site));
    dataset.records.push_back(std::move(parsed.record));
  }
  require(!dataset.records.empty(), "no provis records (empty file)", {path});
  dataset.schemas.push_back(schema_named(label));
  return dataset;
}

}  // namespace bertology::corpus
