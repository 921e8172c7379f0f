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
  // else from the field present (`sites` → binding_site, `modifications` → ptm).
  std::string label;
};

struct Dataset {
  std::vector<Record> records;
  std::vector<LabelSchema> schemas;  // the labels the records carry
};

Format parse_format(const std::string& name);          // throws on unknown names
std::string format_name(Format format);
Format guess_format(const std::string& path);          // extension, then content sniffing

Dataset read_fasta(const std::string& path);
Dataset read_proteinnet(const std::string& path);
Dataset read_provis(const std::string& path, const ReadOptions& options);
Dataset read_netsurfp(const std::string& path);

Dataset read_file(const std::string& path, Format format, const ReadOptions& options);

}  // namespace bertology::corpus
