#pragma once
// corpus.h5: the prepared input of `bertology run`.
//   /sequences/ids        string [N]
//   /sequences/sources    string [N]     file each record was read from (structures; optional)
//   /sequences/chains     string [N]     its chain name there, "" for blank (with sources)
//   /sequences/offsets    int64 [N+1]   residues of record r are [offsets[r], offsets[r+1])
//   /sequences/residues   uint8 [R]     one-letter codes (ASCII), raw
//   /coordinates/ca       float64 [R, 3] Cα in Å (optional)
//   /coordinates/mask     uint8 [R]      1 = coordinate present
//   /coordinates/cb       float64 [R, 3] Cβ in Å, Cα for glycine (optional)
//   /coordinates/cb_mask  uint8 [R]      1 = coordinate present
//   /labels/<name>        int8 [R]       -1 unknown; attributes kind, classes, description (optional)
//   root attributes       provenance: version, command_line, created, sources, letters, …
#include <mpi.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bertology/corpus/readers.h"
#include "bertology/corpus/record.h"

namespace bertology::corpus {

// Writes atomically (hidden temporary name, then rename). Refuses to overwrite unless force.
void write_corpus(const std::string& path, const Dataset& data, const std::map<std::string, std::string>& provenance,
                  bool force);

// What a run needs to know about a corpus before reading records (cheap: no per-record data).
struct CorpusMetadata {
  std::int64_t sequences = 0;
  std::vector<LabelSchema> schemas;
  bool has_coordinates = false;
  bool has_cb = false;  // /coordinates/cb: Cβ (Cα for glycine)
  std::string letters;  // residue letters present, sorted
};

// Reads a corpus file; with a communicator the file is opened collectively through MPI-IO
// and each rank reads only the records it asks for.
class CorpusReader {
 public:
  CorpusReader(const std::string& path, MPI_Comm comm = MPI_COMM_NULL);
  ~CorpusReader();
  CorpusReader(const CorpusReader&) = delete;
  CorpusReader& operator=(const CorpusReader&) = delete;

  const std::string& path() const { return path_; }
  CorpusMetadata read_metadata() const;
  // Residues of every record: what rank 0 plans the work from (8 bytes per record).
  std::vector<std::int64_t> read_lengths() const;
  // Records by index (any order, duplicates not allowed), returned in the order asked. Reads
  // only what these records need: their offsets, residues, coordinates and labels.
  std::vector<Record> read_records(const std::vector<std::int64_t>& records) const;

 private:
  struct Impl;
  std::string path_;
  Impl* impl_;
};

}  // namespace bertology::corpus
