#include "binding_sites.h"

#include <gemmi/neighbor.hpp>
#include <gemmi/resinfo.hpp>
#include <tuple>

#include "bertology/structure/het_groups.h"

namespace bertology::structure::detail {

bool ResidueKey::operator<(const ResidueKey& other) const {
  return std::tie(chain, number, insertion) < std::tie(other.chain, other.number, other.insertion);
}

ResidueKey residue_key(const gemmi::Chain& chain, const gemmi::Residue& residue) {
  return {chain.name, residue.seqid.num.value, residue.seqid.icode == '\0' ? ' ' : residue.seqid.icode};
}

namespace {

std::string trimmed(const std::string& text) {
  std::size_t begin = text.find_first_not_of(' ');
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(' ') - begin + 1);
}

std::optional<int> parse_number(const std::string& text) {
  std::string digits = trimmed(text);
  if (digits.empty()) return std::nullopt;
  std::size_t used = 0;
  try {
    int value = std::stoi(digits, &used);
    if (used == digits.size()) return value;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

// SITE records (PDB format v3.3): up to four residues a line, each in 11 columns from column
// 19: name (3), blank, chain (1), number (4), insertion code (1).
std::optional<std::set<ResidueKey>> pdb_site_residues(const std::string& pdb_text) {
  std::optional<std::set<ResidueKey>> residues;
  std::size_t start = 0;
  while (start < pdb_text.size()) {
    std::size_t end = pdb_text.find('\n', start);
    if (end == std::string::npos) end = pdb_text.size();
    std::string line = pdb_text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.compare(0, 6, "SITE  ") != 0) continue;
    if (!residues) residues.emplace();
    for (std::size_t column = 18; column + 9 <= line.size(); column += 11) {
      if (trimmed(line.substr(column, 3)).empty()) continue;
      std::optional<int> number = parse_number(line.substr(column + 5, 4));
      if (!number) continue;
      const char insertion = column + 9 < line.size() ? line[column + 9] : ' ';
      residues->insert({trimmed(line.substr(column + 4, 1)), *number, insertion});
    }
  }
  return residues;
}

std::optional<std::set<ResidueKey>> mmcif_site_residues(gemmi::cif::Block& block) {
  // site_id is mandatory in the dictionary, and gemmi needs one tag that is not optional.
  gemmi::cif::Table table = block.find("_struct_site_gen.", {"site_id", "?auth_asym_id", "?label_asym_id",
                                                             "?auth_seq_id", "?label_seq_id", "?pdbx_PDB_ins_code"});
  if (!table.ok() || table.length() == 0) return std::nullopt;
  std::set<ResidueKey> residues;
  for (gemmi::cif::Table::Row row : table) {
    const std::string& chain = row.one_of(1, 2);
    const std::string& number = row.one_of(3, 4);
    if (gemmi::cif::is_null(chain) || gemmi::cif::is_null(number)) continue;
    std::optional<int> value = parse_number(gemmi::cif::as_string(number));
    if (!value) continue;
    const char insertion = row.has2(5) ? gemmi::cif::as_char(row[5], ' ') : ' ';
    residues.insert({gemmi::cif::as_string(chain), *value, insertion});
  }
  return residues;
}

namespace {

bool is_heavy(const gemmi::Atom& atom) { return !atom.is_hydrogen(); }

bool is_halogen(gemmi::El element) {
  return element == gemmi::El::F || element == gemmi::El::Cl || element == gemmi::El::Br || element == gemmi::El::I;
}

// Listed kind, or an ion when an unlisted group is one heavy atom of a metal or a halogen.
HetGroup het_group_of(const gemmi::Residue& residue) {
  HetGroup group = classify_het_group(residue.name);
  if (group != HetGroup::ligand) return group;
  const gemmi::Atom* only = nullptr;
  int heavy = 0;
  for (const gemmi::Atom& atom : residue.atoms) {
    if (!is_heavy(atom)) continue;
    only = &atom;
    ++heavy;
  }
  if (heavy == 1 && (only->element.is_metal() || is_halogen(only->element.elem))) return HetGroup::ion;
  return HetGroup::ligand;
}

// A residue that belongs to a polymer or the solvent, never a ligand: marked so by the file
// (mmCIF entities, PDB TER records), or a nucleotide in an ATOM record.
bool polymer_or_water(const gemmi::Residue& residue) {
  if (residue.entity_type == gemmi::EntityType::Polymer || residue.entity_type == gemmi::EntityType::Water) return true;
  if (residue.is_water()) return true;
  return residue.het_flag == 'A' && gemmi::find_tabulated_residue(residue.name).is_nucleic_acid();
}

}  // namespace

std::set<const gemmi::Residue*> residues_near_ligands(gemmi::Model& model,
                                                      const std::set<const gemmi::Residue*>& protein, double distance,
                                                      bool include_ions, std::map<std::string, int>& left_out) {
  // The grid holds the protein's heavy atoms; each ligand atom asks for its neighbours. The
  // search runs in single precision, so it looks a little farther and the cut is made here.
  const double search_margin = 1e-3;
  gemmi::NeighborSearch search(model, gemmi::UnitCell(), distance + search_margin);
  for (int c = 0; c < static_cast<int>(model.chains.size()); ++c) {
    const gemmi::Chain& chain = model.chains[c];
    for (int r = 0; r < static_cast<int>(chain.residues.size()); ++r) {
      if (!protein.count(&chain.residues[r])) continue;
      const gemmi::Residue& residue = chain.residues[r];
      for (int a = 0; a < static_cast<int>(residue.atoms.size()); ++a) {
        if (is_heavy(residue.atoms[a])) search.add_atom(residue.atoms[a], c, r, a);
      }
    }
  }

  std::set<const gemmi::Residue*> near;
  const double distance_squared = distance * distance;
  for (const gemmi::Chain& chain : model.chains) {
    for (const gemmi::Residue& residue : chain.residues) {
      if (protein.count(&residue) || polymer_or_water(residue)) continue;
      const HetGroup group = het_group_of(residue);
      if (group != HetGroup::ligand && !(group == HetGroup::ion && include_ions)) {
        if (group != HetGroup::water) ++left_out[residue.name + " (" + het_group_name(group) + ")"];
        continue;
      }
      for (const gemmi::Atom& atom : residue.atoms) {
        if (!is_heavy(atom)) continue;
        search.for_each(atom.pos, '\0', static_cast<float>(distance + search_margin),
                        [&](gemmi::NeighborSearch::Mark& mark, float) {
                          const gemmi::CRA hit = mark.to_cra(model);
                          if (hit.atom->pos.dist_sq(atom.pos) <= distance_squared) near.insert(hit.residue);
                        });
      }
    }
  }
  return near;
}

}  // namespace bertology::structure::detail
