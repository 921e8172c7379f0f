#include "bertology/corpus/record.h"

namespace bertology::corpus {

LabelSchema binding_site_schema() { return {"binding_site", LabelKind::binary, {"no", "yes"}}; }

LabelSchema ptm_schema() { return {"ptm", LabelKind::binary, {"no", "yes"}}; }

LabelSchema ss4_schema() { return {"ss4", LabelKind::categorical, {"helix", "strand", "turn_bend", "coil"}}; }

std::int8_t ss4_class_from_dssp(char state) {
  switch (state) {
    case 'H':
    case 'G':
    case 'I':
      return 0;  // helix: α, 3₁₀, π
    case 'E':
    case 'B':
      return 1;  // strand: ladder, isolated bridge
    case 'T':
    case 'S':
      return 2;  // turn, bend
    default:
      return 3;  // coil: 'C', '-', ' ', 'P' (PPII in DSSP 4) …
  }
}

bool is_residue_letter(char c) {
  switch (c) {
    case 'A':
    case 'C':
    case 'D':
    case 'E':
    case 'F':
    case 'G':
    case 'H':
    case 'I':
    case 'K':
    case 'L':
    case 'M':
    case 'N':
    case 'P':
    case 'Q':
    case 'R':
    case 'S':
    case 'T':
    case 'V':
    case 'W':
    case 'Y':
    case 'X':
    case 'U':
    case 'O':
    case 'B':
    case 'Z':
    case 'J':
      return true;
    default:
      return false;
  }
}

}  // namespace bertology::corpus
