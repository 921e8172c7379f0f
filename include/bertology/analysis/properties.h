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
  // The corpus labels the residue properties come from, each once, in order of first use.
  // Attention to a residue whose label is unknown is neither a hit nor a miss for it, so each
  // of these labels has its own denominator: the arcs above θ whose key residue's label is known.
  std::vector<std::string> known_labels() const;
  // Per entry of names(): the index into known_labels() of its denominator, or -1 for all arcs
  // above θ (contacts, whose missing coordinates stay in the denominator, and amino acids).
  std::vector<int> denominators() const;

  // Null control: besides the observed counts, count again with every per-residue label
  // permuted within each sequence and the coordinates' order shifted circularly, this many
  // times (0 = no null). Permutations depend only on the seed, the record and k.
  int null_permutations = 0;
  std::uint64_t null_seed = 1;
};

// Expands a request like {"contact", "binding_site", "ss4", "aa"} against the corpus:
// "ss4" → one property per class, "aa" → one per letter present in `letters_present`.
// Throws bertology::Error for a property the corpus cannot provide (no coordinates for
// contact, no such label).
PropertyPlan plan_properties(const std::vector<std::string>& requested, const std::vector<corpus::LabelSchema>& schemas,
                             bool corpus_has_coordinates, const std::string& letters_present);

}  // namespace bertology::analysis
