#pragma once
// A protein record as every reader produces it and the corpus file stores it.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bertology::corpus {

// How a per-residue label turns into measured properties.
//  binary:      values 0/1; one property named after the label (residue is a site).
//  categorical: values 0..k-1; one property "<label>_<class>" per class.
enum class LabelKind { binary, categorical };

struct LabelSchema {
  std::string name;  // e.g. "binding_site", "ptm", "ss4"
  LabelKind kind = LabelKind::binary;
  std::vector<std::string> classes;  // binary: {"no", "yes"}; ss4: {"helix","strand","turn_bend","coil"}
  // Where the values come from, for people reading the corpus (attribute "description");
  // empty when the name says it all. `= {}` keeps three-member aggregate initialisation quiet.
  std::string description = {};
};

inline constexpr std::int8_t kUnknownLabel = -1;

struct Record {
  std::string id;
  std::string sequence;  // one-letter residues, upper case, raw (no U/Z/O/B mapping)
  // Cα coordinates in Å, one per residue, or empty when the source has none.
  std::vector<std::array<double, 3>> ca;
  std::vector<std::uint8_t> ca_mask;  // 1 = coordinate present; same size as ca
  // Cβ coordinates (Cα for glycine), for the Cβ contact definition; empty when the source has
  // none. Same layout as ca.
  std::vector<std::array<double, 3>> cb;
  std::vector<std::uint8_t> cb_mask;
  // Per-residue labels, each the size of the sequence, kUnknownLabel where unknown.
  std::map<std::string, std::vector<std::int8_t>> labels;
  // Structures only (empty otherwise): the file the record came from, as it was named to the
  // reader, and the chain name in that file ("" for a blank chain id).
  std::string source = {};
  std::string chain = {};
};

// The standard schemas, so every reader names its labels the same way.
LabelSchema binding_site_schema();
LabelSchema ptm_schema();
LabelSchema ss4_schema();

// DSSP 8-state letter (H G I E B T S, anything else coil) → ss4 class index.
std::int8_t ss4_class_from_dssp(char state);

// Residue letters accepted in a sequence: the 20 standard amino acids plus
// X (unknown), U (selenocysteine), O (pyrrolysine), B (D/N), Z (E/Q), J (I/L).
bool is_residue_letter(char c);

}  // namespace bertology::corpus
