#pragma once
// Secondary structure from backbone coordinates: our own DSSP (Kabsch & Sander 1983
// H-bond energy; the 8 states H G I E B T S and blank as mkdssp 4 assigns them, including
// π-helix priority). No gemmi types here: callers hand over plain backbone atoms.
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace bertology::structure {

using Point = std::array<double, 3>;

// One amino-acid residue of a model, in chain order; all chains of the model together,
// since β-sheets and H-bonds cross chains.
struct BackboneResidue {
  std::string chain;        // chain name; a change of chain is a break
  int sequence_number = 0;  // author residue number (for reports)
  char insertion_code = ' ';
  char amino_acid = 'X';             // one-letter code (proline has no N–H donor)
  std::optional<Point> n, ca, c, o;  // a residue missing any of them is left out, ' ' (as by mkdssp)
};

// One character per residue: 'H' 'G' 'I' 'E' 'B' 'T' 'S' or ' ' (coil/unassigned). The chain
// breaks where its name changes and where the C–N link between consecutive residues kept is
// longer than 2.5 Å (so also at a residue left out); helices, turns, bridges and bends do not
// cross a break. mkdssp 4's PPII state 'P' is not assigned (those residues are ' ').
std::string assign_secondary_structure(const std::vector<BackboneResidue>& residues);

}  // namespace bertology::structure
