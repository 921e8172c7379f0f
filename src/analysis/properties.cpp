#include "bertology/analysis/properties.h"

#include <algorithm>
#include <set>

#include "bertology/error.h"

namespace bertology::analysis {
namespace {

// What a request may name for this corpus, for the error message of a name it cannot provide.
std::string offered(const std::vector<corpus::LabelSchema>& schemas, bool corpus_has_coordinates,
                    const std::string& letters_present) {
  std::string list;
  const auto add = [&list](const std::string& name) { list += (list.empty() ? "" : ", ") + name; };
  if (corpus_has_coordinates) add("contact");
  if (!letters_present.empty()) add("aa");
  for (const auto& schema : schemas) add(schema.name);
  return list.empty() ? "nothing" : list;
}

}  // namespace

std::vector<std::string> PropertyPlan::names() const {
  std::vector<std::string> names;
  if (contact) names.push_back("contact");
  for (const auto& property : residues) names.push_back(property.name);
  return names;
}

std::vector<std::string> PropertyPlan::known_labels() const {
  std::vector<std::string> labels;
  for (const auto& property : residues)
    if (property.source == ResidueProperty::Source::label &&
        std::find(labels.begin(), labels.end(), property.label) == labels.end())
      labels.push_back(property.label);
  return labels;
}

std::vector<int> PropertyPlan::denominators() const {
  const std::vector<std::string> labels = known_labels();
  std::vector<int> denominators;
  if (contact) denominators.push_back(-1);
  for (const auto& property : residues) {
    const auto found = std::find(labels.begin(), labels.end(), property.label);
    denominators.push_back(property.source == ResidueProperty::Source::label ? static_cast<int>(found - labels.begin())
                                                                             : -1);
  }
  return denominators;
}

PropertyPlan plan_properties(const std::vector<std::string>& requested, const std::vector<corpus::LabelSchema>& schemas,
                             bool corpus_has_coordinates, const std::string& letters_present) {
  PropertyPlan plan;
  std::set<std::string> seen;
  for (const auto& name : requested) {
    require(seen.insert(name).second, "property \"" + name + "\" is requested twice");
    if (name == "contact") {
      require(corpus_has_coordinates,
              "property \"contact\" needs C-alpha coordinates and this corpus has none; it offers: " +
                  offered(schemas, corpus_has_coordinates, letters_present));
      plan.contact = true;
      continue;
    }
    if (name == "aa" && !letters_present.empty()) {
      const std::set<char> letters(letters_present.begin(), letters_present.end());
      for (char letter : letters) {
        ResidueProperty property;
        property.name = std::string("aa_") + letter;
        property.source = ResidueProperty::Source::amino_acid;
        property.letter = letter;
        plan.residues.push_back(property);
      }
      continue;
    }
    const auto schema =
        std::find_if(schemas.begin(), schemas.end(), [&name](const corpus::LabelSchema& s) { return s.name == name; });
    require(schema != schemas.end(), "unknown property \"" + name + "\"; this corpus offers: " +
                                         offered(schemas, corpus_has_coordinates, letters_present));
    if (schema->kind == corpus::LabelKind::binary) {
      plan.residues.push_back(ResidueProperty{name, ResidueProperty::Source::label, name, 1, 0});
      continue;
    }
    require(!schema->classes.empty() && schema->classes.size() <= 127,
            "label \"" + name + "\" has " + std::to_string(schema->classes.size()) +
                " classes; a categorical label needs 1 to 127");
    for (std::size_t c = 0; c < schema->classes.size(); ++c) {
      plan.residues.push_back(ResidueProperty{name + "_" + schema->classes[c], ResidueProperty::Source::label, name,
                                              static_cast<std::int8_t>(c), 0});
    }
  }
  return plan;
}

}  // namespace bertology::analysis
