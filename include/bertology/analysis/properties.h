#pragma once
// Which properties a run measures, resolved against the labels the corpus carries.
#include <cstdint>
#include <string>
#include <vector>

#include "bertology/corpus/record.h"

namespace bertology::analysis {

// A property of the key residue j ("attention TO residue j").
struct ResidueProperty {
  enum class Source { label, amino_acid };
  std::string name;  // result name: "binding_site", "ss4_helix", "aa_A"
  Source source = Source::label;
  std::string label;      // Source::label: which corpus label
  std::int8_t value = 1;  // Source::label: the class index that makes f = 1
  char letter = 0;        // Source::amino_acid: the raw residue letter
};

struct PropertyPlan {
  bool contact = false;                    // pair property: Cα < 8 Å, |i-j| >= 6
  std::vector<ResidueProperty> residues;   // per-residue properties in output order
  std::vector<std::string> names() const;  // "contact" (if any) then residues[].name
};

// Expands a request like {"contact", "binding_site", "ss4", "aa"} against the corpus:
// "ss4" → one property per class, "aa" → one per letter present in `letters_present`.
// Throws bertology::Error for a property the corpus cannot provide (no coordinates for
// contact, no such label).
PropertyPlan plan_properties(const std::vector<std::string>& requested, const std::vector<corpus::LabelSchema>& schemas,
                             bool corpus_has_coordinates, const std::string& letters_present);

}  // namespace bertology::analysis
