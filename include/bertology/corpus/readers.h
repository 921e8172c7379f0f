#pragma once
// Readers from the paper's input formats to Records. Every malformed input throws
// bertology::Error naming the file and the record and/or line.
#include <string>
#include <vector>

#include "bertology/corpus/record.h"

namespace bertology::corpus {

enum class Format { fasta, proteinnet, provis, netsurfp, pdb, mmcif };

struct ReadOptions {
  // provis JSONL: the name of the per-residue label the file carries ("binding_site", "ptm").
  // Empty = guessed from the file name (binding → binding_site, modification/ptm → ptm),
  // else from the field present (`sites` → binding_site, `modifications` → ptm). Any other
  // name (letters, digits, '_', '-') gives a binary label of that name.
  std::string label;
};

struct Dataset {
  std::vector<Record> records;
  std::vector<LabelSchema> schemas;  // the labels the records carry
  // What the reader ignored, repaired or could not place, one line each, without the file
  // name (the caller prefixes it): for a person to read, never parsed.
  std::vector<std::string> notes;
};

Format parse_format(const std::string& name);  // throws on unknown names
std::string format_name(Format format);
Format guess_format(const std::string& path);  // extension, then content sniffing

// Record ids must be unique within a file (an Error otherwise).
Dataset read_fasta(const std::string& path);
// Needs [ID], [PRIMARY], [TERTIARY] and [MASK] in every record; the mask is trusted as given.
Dataset read_proteinnet(const std::string& path);
Dataset read_provis(const std::string& path, const ReadOptions& options);
// No id column in these files: ids are "<file stem>_<data row, from 0>". Label ss4 from dssp8.
Dataset read_netsurfp(const std::string& path);

// The text formats; pdb and mmcif throw (structure::read_input reads every format).
Dataset read_file(const std::string& path, Format format, const ReadOptions& options);

}  // namespace bertology::corpus
