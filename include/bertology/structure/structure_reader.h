#pragma once
// PDB and mmCIF files (plain or gzipped) to labelled Records, through gemmi.
#include <optional>
#include <string>
#include <vector>

#include "bertology/corpus/readers.h"

namespace bertology::structure {

// Where the binding-site labels come from. Two labels, because they answer two questions:
//  binding_site            a residue with a heavy atom within `ligand_distance` of a heavy atom
//                          of a ligand in this file (het_groups.h says what is a ligand); known
//                          (0/1) for every observed residue, also in files without ligands.
//  binding_site_annotated  a residue listed in the file's own site annotation (PDB SITE
//                          records, mmCIF _struct_site_gen): the depositors' sites, ligands
//                          that het_groups.h excludes (sulfate, ions) included. Unknown (−1)
//                          for every residue of a file without such annotation.
// Residues without coordinates are −1 in both.
enum class BindingSiteSource { none, ligands, annotated, both };

inline constexpr const char* kLigandSiteLabel = "binding_site";
inline constexpr const char* kAnnotatedSiteLabel = "binding_site_annotated";

BindingSiteSource parse_binding_site_source(const std::string& name);  // none|ligands|annotated|both
std::string binding_site_source_name(BindingSiteSource source);

struct StructureOptions {
  // corpus::Format::pdb or ::mmcif to force the parser; unset = from the extension
  // (.pdb .ent .cif .mmcif, each optionally .gz), else from the content.
  std::optional<corpus::Format> format;
  // Chain names as the file writes them (author chain ids; "" for a blank one). Empty = every
  // protein chain. Names the file lacks are reported in the notes; none found is an Error.
  std::vector<std::string> chains;
  BindingSiteSource binding_sites = BindingSiteSource::both;
  double ligand_distance = 4.0;  // Å, heavy atom to heavy atom, inclusive
  bool include_ions = false;     // metal and halide ions count as ligands
};

// One Record per protein chain of the first model (a chain with more amino acids than
// nucleotides), id "<file stem>_<chain>" (just the stem when the chain name is blank). The file
// stem, not the PDB entry id, because domain files cut from one entry (SCOP, CATH, Pfam) share
// the entry id and chain. Parts of one chain that other chains split are joined in file order.
//
// Residues: at each position the alternative location (and, where two residue types share a
// number, the residue) with the highest occupancy; one-letter codes, modified residues as their
// parent (MSE → M, from gemmi's residue table), unknown ones as X.
//
// Sequence: when the file has the full polymer sequence (SEQRES, mmCIF entity_poly_seq), that
// sequence, with the observed residues placed in it (mmCIF label_seq_id, else an alignment
// that opens gaps at chain breaks); residues without coordinates keep their place with
// ca_mask 0 and labels −1, as in ProteinNet. Where an observed residue type differs from the
// full sequence, the observed one is kept. Without a full sequence, or when it does not hold
// the observed residues, the observed residues are the sequence, and jumps in their numbering
// are reported in the notes.
//
// Coordinates: Cα (ca), and Cβ (cb; the Cα for glycine); mask 0 where the atom is missing.
// Labels: ss4 from our DSSP (dssp.h) run on every protein chain of the model together, −1 for
// residues without the four backbone atoms N, CA, C, O (DSSP leaves them out); the
// binding-site labels of `options.binding_sites`. The schemas carry a description.
//
// Notes list what was ignored or repaired: non-element text in columns 77-80, models after
// the first, split chains, residue types dropped at a shared number, requested chains that
// are absent, full sequences that could not be used, numbering jumps, het groups left out of
// the ligand set. Throws Error naming the file when it cannot be read or parsed, holds no
// coordinates, or no (selected) protein chain.
corpus::Dataset read_structure(const std::string& path, const StructureOptions& options = {});

// Our DSSP of every protein chain of the first model, as `bertology dssp FILE` prints it to
// compare with mkdssp: per chain, the observed residues and one 8-state character each
// (H G I E B T S, ' ' for coil and for residues whose backbone is incomplete), with the
// author residue numbers (number + insertion code).
struct ChainSecondaryStructure {
  std::string chain;
  std::string residues;              // one-letter codes of the observed residues
  std::string states;                // same length
  std::vector<std::string> numbers;  // same length, e.g. "209A"
};
std::vector<ChainSecondaryStructure> read_secondary_structure(const std::string& path,
                                                              const StructureOptions& options = {});

// Any input format: PDB/mmCIF here (with `structure`, its format replaced by `format`), the
// text formats through corpus::read_file.
corpus::Dataset read_input(const std::string& path, corpus::Format format, const corpus::ReadOptions& options,
                           StructureOptions structure = {});

}  // namespace bertology::structure
