#pragma once
// corpus.h5: the prepared input of `bertology run`.
//   /sequences/ids        string [N]     fixed-length UTF-8, NUL-padded, as long as the longest
//                                        id (as every string bertology writes: io/hdf5.h)
//   /sequences/sources    string [N]     file each record was read from (structures; optional)
//   /sequences/chains     string [N]     its chain name there, "" for blank (with sources)
//   /sequences/offsets    int64 [N+1]   residues of record r are [offsets[r], offsets[r+1])
//   /sequences/residues   uint8 [R]     one-letter codes (ASCII), raw
//   /coordinates/ca       float64 [R, 3] Cα in Å (optional)
//   /coordinates/mask     uint8 [R]      1 = coordinate present
//   /coordinates/cb       float64 [R, 3] Cβ in Å, Cα for glycine (optional)
//   /coordinates/cb_mask  uint8 [R]      1 = coordinate present
//   /labels/<name>        int8 [R]       -1 unknown; attributes kind, classes, description (optional)
//   /blocks/sha256        uint8 [B, 32]  SHA-256 of each block's records (see record_digest)
//   root attributes       provenance: version, command_line, created, sources, letters,
//                         block_size (records per block, the unit of work of `run`),
//                         content_sha256 (hex SHA-256 of the concatenated block digests), …
// Per-record datasets are chunked by block_size rows and per-residue ones by about a block's
// residues, all deflate-compressed, so reading one block inflates one or two chunks of each.
#include <mpi.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bertology/corpus/readers.h"
#include "bertology/corpus/record.h"

namespace bertology::corpus {

// Records per block for corpora written before blocks existed (no block_size attribute).
constexpr std::int64_t kDefaultBlockSize = 64;

// Records per block when `prepare` is not told: N/1024 clamped to [4, 256], so that a corpus
// has about a thousand blocks to share out (more when large), a block stays small enough to
// balance ranks, and large enough to batch. Depends on N only, never on the number of ranks.
std::int64_t default_block_size(std::int64_t sequences);

// Writes atomically (hidden temporary name, then rename). Refuses to overwrite unless force.
// block_size 0: default_block_size.
void write_corpus(const std::string& path, const Dataset& data, const std::map<std::string, std::string>& provenance,
                  bool force, std::int64_t block_size = 0);

// The shape of a corpus, agreed on by every rank before the file is created.
struct CorpusLayout {
  std::int64_t sequences = 0;
  std::int64_t residues = 0;
  std::int64_t block_size = 1;
  std::size_t id_bytes = 1;  // the longest id: the width of /sequences/ids
  bool has_sources = false;  // /sequences/sources and /sequences/chains
  std::size_t source_bytes = 1, chain_bytes = 1;
  bool has_coordinates = false, has_cb = false;
  std::vector<LabelSchema> schemas;  // in name order
};

using Digest = std::array<std::uint8_t, 32>;

// SHA-256 of a record's canonical serialization, what the block checksums are made of:
//   u64 id bytes, id, [sources: u64 bytes, source, u64 bytes, chain], residues, u64 residues,
//   [coordinates: Cα 3 × float64 per residue (0 where absent), mask uint8 per residue],
//   [Cβ: the same], then per label in name order: u64 bytes, name, int8 per residue.
// Integers are little-endian u64, floats IEEE little-endian (as in memory on x86-64/aarch64).
// Absent coordinates hash as 0 with mask 0 and absent labels as -1, as the file stores them.
Digest record_digest(const Record& record, const CorpusLayout& layout);
std::string hex(const Digest& digest);

// Writes one corpus from several ranks without gathering records: each rank holds the records
// [first_record, first_record + records) of the corpus, whose residues start at first_residue,
// and adds them in order; the writer buffers a bounded round and writes it collectively at
// the rank's offsets into chunked, compressed datasets (MPI-IO driver).
//
// Every call marked collective must be made by every rank of comm, the same number of times.
// Open only when no rank can fail alone any more: an error while it is open cannot unwind
// through the collective close, so callers end the job (parallel::abort_job) instead.
class CorpusWriter {
 public:
  // Collective: creates the hidden temporary `.<name>.partial` beside path and every dataset.
  CorpusWriter(const std::string& path, const CorpusLayout& layout, MPI_Comm comm, std::int64_t first_record,
               std::int64_t records, std::int64_t first_residue);
  ~CorpusWriter();
  CorpusWriter(const CorpusWriter&) = delete;
  CorpusWriter& operator=(const CorpusWriter&) = delete;

  // A whole record (coordinates and labels where it has them).
  void add(const Record& record);
  // A record streamed in pieces (FASTA): begin, residues as they come, end. Its coordinates
  // are absent and its labels unknown.
  void begin(const std::string& id, const std::string& source = {}, const std::string& chain = {});
  void add_residues(std::string_view residues);
  void end();

  bool round_full() const;  // time to write_round
  // Collective: writes what is buffered. Returns whether any rank has more to write
  // (this_rank_done: this rank has added all its records).
  bool write_round(bool this_rank_done);
  // Collective: block checksums, closes the file; rank 0 adds the attributes (provenance,
  // content_sha256, …) and renames the file to path.
  void finish(const std::map<std::string, std::string>& provenance);

  const std::string& temporary_path() const;

 private:
  struct Impl;
  Impl* impl_;
};

// What a run needs to know about a corpus before reading records (cheap: no per-record data).
struct CorpusMetadata {
  std::int64_t sequences = 0;
  std::int64_t residues = 0;
  // A block is block_size consecutive records: the unit `run` hands out, reads, batches and
  // checkpoints. Fixed by the corpus, never by the number of ranks.
  std::int64_t block_size = kDefaultBlockSize;
  bool block_size_stored = false;  // false: an older corpus, kDefaultBlockSize applies
  std::string content_sha256;      // checksum stored by `prepare`; empty in older corpora
  std::vector<LabelSchema> schemas;
  bool has_coordinates = false;
  bool has_cb = false;  // /coordinates/cb: Cβ (Cα for glycine)
  std::string letters;  // residue letters present, sorted

  std::int64_t blocks() const { return (sequences + block_size - 1) / block_size; }
  std::int64_t block_begin(std::int64_t block) const { return block * block_size; }
  std::int64_t block_end(std::int64_t block) const { return std::min(sequences, (block + 1) * block_size); }
};

// read_block's max_residues for whole records.
constexpr std::int64_t kWholeRecords = std::numeric_limits<std::int64_t>::max();
// Residues of one dataset read_block holds at a time while it checks a block: 2 Mi, 48 MiB of
// Cα or Cβ coordinates (24 bytes a residue).
constexpr std::int64_t kStreamResidues = std::int64_t{1} << 21;

// Reads a corpus file. Every rank opens its own read-only handle: no collective call is
// involved, so a rank that fails can abort the job instead of hanging its peers in a close.
class CorpusReader {
 public:
  explicit CorpusReader(const std::string& path);
  ~CorpusReader();
  CorpusReader(const CorpusReader&) = delete;
  CorpusReader& operator=(const CorpusReader&) = delete;

  const std::string& path() const { return path_; }
  CorpusMetadata read_metadata() const;
  // Residues of records [begin, end): one contiguous read of the offsets.
  std::vector<std::int64_t> read_lengths(std::int64_t begin, std::int64_t end) const;
  // Records [begin, end): one contiguous hyperslab per dataset.
  std::vector<Record> read_range(std::int64_t begin, std::int64_t end) const;
  // Records of block b (metadata.block_begin(b) … block_end(b)), whole or each cut to its first
  // max_residues residues: sequence, Cα and Cβ with their masks, and every label alike (the full
  // lengths: read_lengths). They are checked against the block's SHA-256 in /blocks/sha256
  // when the corpus has one, always over the whole records: the residues of every field are
  // streamed through the checksum stream_residues at a time, so memory is bounded by the cut
  // and stream_residues, never by the longest record. A mismatch throws an Error naming the
  // file and the block.
  std::vector<Record> read_block(std::int64_t block, std::int64_t max_residues = kWholeRecords,
                                 std::int64_t stream_residues = kStreamResidues) const;
  // The layout read_block hashes records with (from the file's datasets).
  CorpusLayout layout() const;

 private:
  struct Impl;
  std::string path_;
  Impl* impl_;
};

}  // namespace bertology::corpus
