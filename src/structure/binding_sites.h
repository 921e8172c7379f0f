#pragma once
// Binding-site evidence in a gemmi model: the residues near ligands, the residues the file's
// site annotation lists. Private to the structure module.
#include <gemmi/cifdoc.hpp>
#include <gemmi/model.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace bertology::structure::detail {

// A residue as site annotations name it: author chain, author number, insertion code.
struct ResidueKey {
  std::string chain;
  int number = 0;
  char insertion = ' ';
  bool operator<(const ResidueKey& other) const;
};

ResidueKey residue_key(const gemmi::Chain& chain, const gemmi::Residue& residue);

// Every residue the annotation lists (waters and ligands too); nullopt when there is none.
std::optional<std::set<ResidueKey>> pdb_site_residues(const std::string& pdb_text);
std::optional<std::set<ResidueKey>> mmcif_site_residues(gemmi::cif::Block& block);

// The residues of `protein` with a heavy atom within `distance` Å (inclusive) of a heavy atom
// of a ligand (het_groups.h) anywhere in `model`. Ligands are the residues outside `protein`
// that are neither polymer nor water. `left_out` counts, by "CODE (kind)", the het groups that
// were not taken as ligands.
std::set<const gemmi::Residue*> residues_near_ligands(gemmi::Model& model,
                                                      const std::set<const gemmi::Residue*>& protein, double distance,
                                                      bool include_ions, std::map<std::string, int>& left_out);

}  // namespace bertology::structure::detail
