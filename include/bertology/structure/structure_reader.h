#pragma once
// PDB and mmCIF files (plain or gzipped) to Records, through gemmi.
#include <optional>
#include <string>

#include "bertology/corpus/readers.h"

namespace bertology::structure {

struct StructureOptions {
  // corpus::Format::pdb or ::mmcif to force the parser; unset = from the extension
  // (.pdb .ent .cif .mmcif, each optionally .gz), else from the content.
  std::optional<corpus::Format> format;
};

// One Record per protein chain of the first model, id "<file stem>_<chain>" (just the stem
// when the chain name is blank). The file stem, not the PDB entry id, because domain files
// cut from one entry (SCOP, CATH, Pfam) share the entry id and chain. The sequence is the
// observed residues of the chain's polymer in order, one-letter, modified residues as their
// parent (gemmi's residue table) and unknown ones as X; Cα in Å with ca_mask 0 where a residue
// has no CA. No labels. Throws Error naming the file if it cannot be read or parsed, or holds
// no protein chain.
corpus::Dataset read_structure(const std::string& path, const StructureOptions& options = {});

// Any input format: PDB/mmCIF here, the text formats through corpus::read_file.
corpus::Dataset read_input(const std::string& path, corpus::Format format, const corpus::ReadOptions& options);

}  // namespace bertology::structure
