#include "bertology/corpus/corpus_file.h"

#include <algorithm>
#include <bitset>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

#include "bertology/error.h"
#include "bertology/io/checksum.h"
#include "bertology/io/hdf5.h"
#include "bertology/version.h"

namespace bertology::corpus {
namespace {

std::string kind_name(LabelKind kind) { return kind == LabelKind::binary ? "binary" : "categorical"; }

LabelKind parse_kind(const std::string& name, const std::string& path) {
  if (name == "binary") return LabelKind::binary;
  if (name == "categorical") return LabelKind::categorical;
  throw Error("label kind '" + name + "' is neither binary nor categorical", ErrorContext{path});
}

// Rows per chunk of /blocks/sha256 (32 bytes each).
constexpr hsize_t kBlockDigestChunk = 4096;
// A write round holds at most this many records and residues per rank: the memory of
// `prepare` does not grow with the corpus.
constexpr std::size_t kRoundRecords = 1 << 16;
constexpr std::size_t kRoundResidues = 1 << 22;
constexpr std::size_t kRoundStringBytes = 1 << 22;

// Per-residue datasets are chunked by about one block's residues, bounded both ways: chunks
// too small make HDF5's chunk index large (memory and time grow with their number).
hsize_t residue_chunk(const CorpusLayout& layout) {
  const std::int64_t blocks = std::max<std::int64_t>(1, (layout.sequences + layout.block_size - 1) / layout.block_size);
  const std::int64_t per_block = (layout.residues + blocks - 1) / blocks;
  return static_cast<hsize_t>(std::clamp<std::int64_t>(per_block, 1 << 14, 1 << 18));
}

// Per-record datasets are chunked by whole blocks (a block never spans two chunks), as many as
// fit in about 64 KiB of rows, so that small blocks do not make millions of tiny chunks.
hsize_t record_chunk(const CorpusLayout& layout, std::size_t row_bytes) {
  const auto block_bytes = static_cast<std::size_t>(layout.block_size) * std::max<std::size_t>(1, row_bytes);
  const std::size_t blocks_per_chunk = std::max<std::size_t>(1, (std::size_t{1} << 16) / block_bytes);
  return static_cast<hsize_t>(blocks_per_chunk) * static_cast<hsize_t>(layout.block_size);
}

// The pieces of a record's canonical serialization (see record_digest).
void put_u64(io::Sha256& hash, std::uint64_t value) {
  unsigned char bytes[8];
  for (int k = 0; k < 8; ++k) bytes[k] = static_cast<unsigned char>(value >> (8 * k));
  hash.update(bytes, 8);
}

void put_text(io::Sha256& hash, const std::string& text) {
  put_u64(hash, text.size());
  hash.update(text.data(), text.size());
}

void put_repeated(io::Sha256& hash, unsigned char byte, std::uint64_t count) {
  static const std::vector<unsigned char> zeros(1 << 16, 0), ones(1 << 16, 0xff);
  const auto& source = byte == 0 ? zeros : ones;
  for (; count > 0;) {
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(count, source.size()));
    hash.update(source.data(), take);
    count -= take;
  }
}

void put_header(io::Sha256& hash, const CorpusLayout& layout, const std::string& id, const std::string& source,
                const std::string& chain) {
  put_text(hash, id);
  if (layout.has_sources) {
    put_text(hash, source);
    put_text(hash, chain);
  }
}

// Coordinates as stored: 0 where absent, so the digest of a record read back is the same.
void put_coordinates(io::Sha256& hash, const std::vector<std::array<double, 3>>& xyz,
                     const std::vector<std::uint8_t>& mask, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const bool present = !xyz.empty() && mask[i];
    for (int d = 0; d < 3; ++d) {
      const double value = present ? xyz[i][d] : 0.0;
      hash.update(&value, sizeof value);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char present = !xyz.empty() && mask[i] ? 1 : 0;
    hash.update(&present, 1);
  }
}

Digest digest_from_hex(const std::string& text) {
  Digest digest{};
  for (std::size_t k = 0; k < digest.size(); ++k)
    digest[k] = static_cast<std::uint8_t>(std::stoul(text.substr(2 * k, 2), nullptr, 16));
  return digest;
}

Digest digest_of(io::Sha256& hash) { return digest_from_hex(hash.hex_digest()); }

std::string partial_name(const std::string& path) {
  const std::filesystem::path target(path);
  return (target.parent_path() / ("." + target.filename().string() + ".partial")).string();
}

}  // namespace

std::int64_t default_block_size(std::int64_t sequences) { return std::clamp<std::int64_t>(sequences / 1024, 4, 256); }

std::string hex(const Digest& digest) {
  static const char* digits = "0123456789abcdef";
  std::string text;
  for (std::uint8_t byte : digest) {
    text += digits[byte >> 4];
    text += digits[byte & 0xf];
  }
  return text;
}

Digest record_digest(const Record& record, const CorpusLayout& layout) {
  io::Sha256 hash;
  put_header(hash, layout, record.id, record.source, record.chain);
  const std::size_t n = record.sequence.size();
  hash.update(record.sequence.data(), n);
  put_u64(hash, n);
  if (layout.has_coordinates) put_coordinates(hash, record.ca, record.ca_mask, n);
  if (layout.has_cb) put_coordinates(hash, record.cb, record.cb_mask, n);
  for (const auto& schema : layout.schemas) {
    put_text(hash, schema.name);
    const auto found = record.labels.find(schema.name);
    if (found == record.labels.end())
      put_repeated(hash, 0xff, n);
    else
      hash.update(found->second.data(), n);
  }
  return digest_of(hash);
}

struct CorpusWriter::Impl {
  std::string path, temporary;
  CorpusLayout layout;
  MPI_Comm comm;
  int rank = 0, size = 1;
  std::int64_t first_record = 0, records = 0, first_residue = 0;
  std::optional<io::File> file;

  std::int64_t records_added = 0, residues_added = 0;
  std::int64_t records_written = 0, residues_written = 0;
  // One round: what has been added and not yet written.
  std::vector<std::string> ids, sources, chains;
  std::vector<std::int64_t> offsets;
  std::vector<std::uint8_t> residues, mask, cb_mask;
  std::vector<double> ca, cb;
  std::vector<std::vector<std::int8_t>> labels;  // per schema, in layout order

  // Checksums: the record being streamed, the block being hashed, the records of a block that
  // began on an earlier rank (sent to it at the end) and the digests of the blocks begun here.
  io::Sha256 record_hash;
  std::int64_t streamed_residues = 0;
  bool streaming = false;
  io::Sha256 block_hash;
  std::int64_t block_hashed_records = 0;
  std::vector<Digest> leading;
  std::vector<Digest> blocks;
  std::bitset<256> letters;

  void append_residues(std::string_view piece) {
    residues.insert(residues.end(), piece.begin(), piece.end());
    for (char c : piece) letters.set(static_cast<unsigned char>(c));
    residues_added += static_cast<std::int64_t>(piece.size());
  }

  void start_record(const std::string& id, const std::string& source, const std::string& chain) {
    require(records_added < records, "internal error: more records than the layout holds", ErrorContext{path, id});
    ids.push_back(id);
    if (layout.has_sources) {
      sources.push_back(source);
      chains.push_back(chain);
    }
    offsets.push_back(first_residue + residues_added);
  }

  void record_done(const Digest& digest) {
    const std::int64_t record = first_record + records_added++;
    const std::int64_t block = record / layout.block_size;
    if (block * layout.block_size < first_record) {
      leading.push_back(digest);
      return;
    }
    block_hash.update(digest.data(), digest.size());
    ++block_hashed_records;
    if (record + 1 == (block + 1) * layout.block_size || record + 1 == layout.sequences) close_block();
  }

  void close_block() {
    blocks.push_back(digest_of(block_hash));
    block_hash = io::Sha256();
    block_hashed_records = 0;
  }

  void exchange_block_fragments();
};

CorpusWriter::CorpusWriter(const std::string& path, const CorpusLayout& layout, MPI_Comm comm,
                           std::int64_t first_record, std::int64_t records, std::int64_t first_residue)
    : impl_(new Impl) {
  Impl& w = *impl_;
  w.path = path;
  w.temporary = partial_name(path);
  w.layout = layout;
  // Labels in name order: the order of the canonical serialization and of the file's groups.
  std::sort(w.layout.schemas.begin(), w.layout.schemas.end(),
            [](const LabelSchema& a, const LabelSchema& b) { return a.name < b.name; });
  w.comm = comm;
  MPI_Comm_rank(comm, &w.rank);
  MPI_Comm_size(comm, &w.size);
  w.first_record = first_record;
  w.records = records;
  w.first_residue = first_residue;
  w.labels.resize(layout.schemas.size());
  try {
    w.file.emplace(io::File::create(w.temporary, comm));
    const io::File& file = *w.file;
    const auto n = static_cast<hsize_t>(layout.sequences), r = static_cast<hsize_t>(layout.residues);
    const hsize_t chunk = residue_chunk(layout);
    file.create_group("sequences");
    io::create_fixed_strings(file, "sequences/ids", n, layout.id_bytes, record_chunk(layout, layout.id_bytes));
    if (layout.has_sources) {
      io::create_fixed_strings(file, "sequences/sources", n, layout.source_bytes,
                               record_chunk(layout, layout.source_bytes));
      io::create_fixed_strings(file, "sequences/chains", n, layout.chain_bytes,
                               record_chunk(layout, layout.chain_bytes));
    }
    io::create_chunked_dataset<std::int64_t>(file, "sequences/offsets", {n + 1},
                                             record_chunk(layout, sizeof(std::int64_t)));
    io::create_chunked_dataset<std::uint8_t>(file, "sequences/residues", {r}, chunk);
    if (layout.has_coordinates || layout.has_cb) file.create_group("coordinates");
    if (layout.has_coordinates) {
      io::create_chunked_dataset<double>(file, "coordinates/ca", {r, 3}, chunk);
      io::create_chunked_dataset<std::uint8_t>(file, "coordinates/mask", {r}, chunk);
    }
    if (layout.has_cb) {
      io::create_chunked_dataset<double>(file, "coordinates/cb", {r, 3}, chunk);
      io::create_chunked_dataset<std::uint8_t>(file, "coordinates/cb_mask", {r}, chunk);
    }
    if (!layout.schemas.empty()) file.create_group("labels");
    for (const auto& schema : layout.schemas)
      io::create_chunked_dataset<std::int8_t>(file, "labels/" + schema.name, {r}, chunk);
    file.create_group("blocks");
    const auto blocks = static_cast<hsize_t>((layout.sequences + layout.block_size - 1) / layout.block_size);
    io::create_chunked_dataset<std::uint8_t>(file, "blocks/sha256", {blocks, 32}, kBlockDigestChunk);
  } catch (...) {
    w.file.reset();
    std::filesystem::remove(w.temporary);
    delete impl_;
    throw;
  }
}

CorpusWriter::~CorpusWriter() {
  if (impl_->file) {
    // Not finished: an error on this path. Leave no partial file behind.
    impl_->file.reset();
    std::error_code ignored;
    std::filesystem::remove(impl_->temporary, ignored);
  }
  delete impl_;
}

const std::string& CorpusWriter::temporary_path() const { return impl_->temporary; }

void CorpusWriter::add(const Record& record) {
  Impl& w = *impl_;
  const std::size_t n = record.sequence.size();
  const ErrorContext here{w.path, record.id};
  require(record.ca.empty() || (record.ca.size() == n && record.ca_mask.size() == n),
          "coordinates do not match the sequence length", here);
  require(record.cb.empty() || (record.cb.size() == n && record.cb_mask.size() == n),
          "C-beta coordinates do not match the sequence length", here);
  w.start_record(record.id, record.source, record.chain);
  w.append_residues(record.sequence);
  const auto store = [n](const std::vector<std::array<double, 3>>& xyz, const std::vector<std::uint8_t>& present,
                         std::vector<double>& values, std::vector<std::uint8_t>& mask) {
    for (std::size_t i = 0; i < n; ++i) {
      const bool here = !xyz.empty() && present[i];
      for (int d = 0; d < 3; ++d) values.push_back(here ? xyz[i][d] : 0.0);
      mask.push_back(here ? 1 : 0);
    }
  };
  if (w.layout.has_coordinates) store(record.ca, record.ca_mask, w.ca, w.mask);
  if (w.layout.has_cb) store(record.cb, record.cb_mask, w.cb, w.cb_mask);
  for (std::size_t k = 0; k < w.layout.schemas.size(); ++k) {
    const auto found = record.labels.find(w.layout.schemas[k].name);
    if (found == record.labels.end()) {
      w.labels[k].insert(w.labels[k].end(), n, kUnknownLabel);
    } else {
      require(found->second.size() == n, "label " + found->first + " does not match the sequence length", here);
      w.labels[k].insert(w.labels[k].end(), found->second.begin(), found->second.end());
    }
  }
  w.record_done(record_digest(record, w.layout));
}

void CorpusWriter::begin(const std::string& id, const std::string& source, const std::string& chain) {
  Impl& w = *impl_;
  w.start_record(id, source, chain);
  w.record_hash = io::Sha256();
  put_header(w.record_hash, w.layout, id, source, chain);
  w.streamed_residues = 0;
  w.streaming = true;
}

void CorpusWriter::add_residues(std::string_view residues) {
  Impl& w = *impl_;
  w.append_residues(residues);
  w.record_hash.update(residues.data(), residues.size());
  w.streamed_residues += static_cast<std::int64_t>(residues.size());
  const std::size_t n = residues.size();
  if (w.layout.has_coordinates) {
    w.ca.insert(w.ca.end(), 3 * n, 0.0);
    w.mask.insert(w.mask.end(), n, 0);
  }
  if (w.layout.has_cb) {
    w.cb.insert(w.cb.end(), 3 * n, 0.0);
    w.cb_mask.insert(w.cb_mask.end(), n, 0);
  }
  for (auto& values : w.labels) values.insert(values.end(), n, kUnknownLabel);
}

void CorpusWriter::end() {
  Impl& w = *impl_;
  const auto n = static_cast<std::uint64_t>(w.streamed_residues);
  put_u64(w.record_hash, n);
  for (bool present : {w.layout.has_coordinates, w.layout.has_cb}) {
    if (!present) continue;
    put_repeated(w.record_hash, 0, 3 * sizeof(double) * n);
    put_repeated(w.record_hash, 0, n);
  }
  for (const auto& schema : w.layout.schemas) {
    put_text(w.record_hash, schema.name);
    put_repeated(w.record_hash, 0xff, n);
  }
  w.streaming = false;
  w.record_done(digest_of(w.record_hash));
}

bool CorpusWriter::round_full() const {
  const Impl& w = *impl_;
  // Fixed-length strings cost their full width per record: long ids (UniProt headers with GO
  // terms reach kilobytes) shorten the round.
  const std::size_t string_bytes =
      w.layout.id_bytes + (w.layout.has_sources ? w.layout.source_bytes + w.layout.chain_bytes : 0);
  return w.ids.size() >= kRoundRecords || w.ids.size() * string_bytes >= kRoundStringBytes ||
         w.residues.size() >= kRoundResidues;
}

bool CorpusWriter::write_round(bool this_rank_done) {
  Impl& w = *impl_;
  const io::File& file = *w.file;
  const auto first = static_cast<hsize_t>(w.first_record + w.records_written);
  const auto count = static_cast<hsize_t>(w.offsets.size());
  io::write_fixed_string_rows(file, "sequences/ids", first, w.ids);
  if (w.layout.has_sources) {
    io::write_fixed_string_rows(file, "sequences/sources", first, w.sources);
    io::write_fixed_string_rows(file, "sequences/chains", first, w.chains);
  }
  io::write_rows(file, "sequences/offsets", first, count, w.offsets.data());
  const auto residue = static_cast<hsize_t>(w.first_residue + w.residues_written);
  const auto residues = static_cast<hsize_t>(w.residues.size());
  io::write_rows(file, "sequences/residues", residue, residues, w.residues.data());
  if (w.layout.has_coordinates) {
    io::write_rows(file, "coordinates/ca", residue, residues, w.ca.data());
    io::write_rows(file, "coordinates/mask", residue, residues, w.mask.data());
  }
  if (w.layout.has_cb) {
    io::write_rows(file, "coordinates/cb", residue, residues, w.cb.data());
    io::write_rows(file, "coordinates/cb_mask", residue, residues, w.cb_mask.data());
  }
  for (std::size_t k = 0; k < w.layout.schemas.size(); ++k)
    io::write_rows(file, "labels/" + w.layout.schemas[k].name, residue, residues, w.labels[k].data());
  w.records_written += static_cast<std::int64_t>(count);
  w.residues_written += static_cast<std::int64_t>(residues);
  for (auto* strings : {&w.ids, &w.sources, &w.chains}) strings->clear();
  w.offsets.clear();
  w.residues.clear();
  w.mask.clear();
  w.cb_mask.clear();
  w.ca.clear();
  w.cb.clear();
  for (auto& values : w.labels) values.clear();
  int more = this_rank_done ? 0 : 1;
  MPI_Allreduce(MPI_IN_PLACE, &more, 1, MPI_INT, MPI_MAX, w.comm);
  return more != 0;
}

// A block that begins on one rank and ends on later ones: the later ranks send the digests of
// their records in it to the rank where it begins, which finishes its digest.
void CorpusWriter::Impl::exchange_block_fragments() {
  std::vector<std::int64_t> ranges(2 * static_cast<std::size_t>(size));
  const std::int64_t mine[2] = {first_record, records};
  MPI_Allgather(mine, 2, MPI_INT64_T, ranges.data(), 2, MPI_INT64_T, comm);
  const auto first_of = [&](int r) { return ranges[2 * static_cast<std::size_t>(r)]; };
  const auto count_of = [&](int r) { return ranges[2 * static_cast<std::size_t>(r) + 1]; };
  MPI_Request request = MPI_REQUEST_NULL;
  if (!leading.empty()) {
    const std::int64_t start = first_record / layout.block_size * layout.block_size;
    int owner = 0;
    for (int r = 0; r < size; ++r)
      if (count_of(r) > 0 && first_of(r) <= start && start < first_of(r) + count_of(r)) owner = r;
    MPI_Isend(leading.data(), static_cast<int>(leading.size() * sizeof(Digest)), MPI_BYTE, owner, 0, comm, &request);
  }
  if (block_hashed_records > 0) {
    const std::int64_t last = first_record + records - 1;
    const std::int64_t end = std::min(layout.sequences, (last / layout.block_size + 1) * layout.block_size);
    for (int r = rank + 1; r < size && first_of(r) < end; ++r) {
      if (count_of(r) == 0) continue;
      const std::int64_t in_block = std::min(end, first_of(r) + count_of(r)) - first_of(r);
      std::vector<Digest> part(static_cast<std::size_t>(in_block));
      MPI_Recv(part.data(), static_cast<int>(part.size() * sizeof(Digest)), MPI_BYTE, r, 0, comm, MPI_STATUS_IGNORE);
      for (const auto& digest : part) block_hash.update(digest.data(), digest.size());
      block_hashed_records += in_block;
    }
    close_block();
  }
  MPI_Wait(&request, MPI_STATUS_IGNORE);
}

void CorpusWriter::finish(const std::map<std::string, std::string>& provenance) {
  Impl& w = *impl_;
  require(w.records_added == w.records && w.records_written == w.records,
          "internal error: the corpus writer was finished before every record was written", ErrorContext{w.path});
  const io::File& file = *w.file;
  // The last offset (the number of residues) belongs to the rank holding the last record.
  const bool last = w.records > 0 && w.first_record + w.records == w.layout.sequences;
  io::write_rows(file, "sequences/offsets", static_cast<hsize_t>(w.layout.sequences), last ? 1 : 0, &w.layout.residues);
  w.exchange_block_fragments();
  const auto first_block = static_cast<hsize_t>((w.first_record + w.layout.block_size - 1) / w.layout.block_size);
  io::write_rows(file, "blocks/sha256", first_block, w.blocks.size(), w.blocks.empty() ? nullptr : w.blocks[0].data());
  std::array<unsigned char, 256> letters{};
  for (std::size_t c = 0; c < letters.size(); ++c) letters[c] = w.letters[c];
  MPI_Allreduce(MPI_IN_PLACE, letters.data(), 256, MPI_UNSIGNED_CHAR, MPI_BOR, w.comm);
  w.file.reset();  // collective close

  if (w.rank == 0) {
    try {
      io::File update = io::File::open_update(w.temporary);
      // The corpus checksum: SHA-256 over the block digests in order, read back in pieces.
      io::Sha256 content;
      const auto blocks = io::dataset_shape(update, "blocks/sha256").at(0);
      for (hsize_t begin = 0; begin < blocks; begin += kBlockDigestChunk) {
        const auto digests = io::read_rows<std::uint8_t>(update, "blocks/sha256",
                                                         {{begin, std::min(blocks, begin + kBlockDigestChunk)}});
        content.update(digests.data(), digests.size());
      }
      std::string present;
      for (std::size_t c = 0; c < letters.size(); ++c)
        if (letters[c]) present += static_cast<char>(c);
      io::write_attribute(update, "sequences/residues", "encoding", std::string("ASCII one-letter codes, raw"));
      if (w.layout.has_coordinates) io::write_attribute(update, "coordinates/ca", "units", std::string("angstrom"));
      if (w.layout.has_cb) {
        io::write_attribute(update, "coordinates/cb", "units", std::string("angstrom"));
        io::write_attribute(update, "coordinates/cb", "definition", std::string("C-beta; C-alpha for glycine"));
      }
      for (const auto& schema : w.layout.schemas) {
        io::write_attribute(update, "labels/" + schema.name, "kind", kind_name(schema.kind));
        io::write_attribute(update, "labels/" + schema.name, "classes", schema.classes);
        if (!schema.description.empty())
          io::write_attribute(update, "labels/" + schema.name, "description", schema.description);
      }
      io::write_attribute(update, "blocks/sha256", "definition",
                          std::string("SHA-256 of the concatenated SHA-256 digests of the block's records "
                                      "(canonical serialization: include/bertology/corpus/corpus_file.h)"));
      io::write_attribute(update, "/", "format", std::string("bertology corpus 2"));
      io::write_attribute(update, "/", "version", std::string(kVersion));
      io::write_attribute(update, "/", "letters", present);
      io::write_attribute(update, "/", "n_sequences", w.layout.sequences);
      io::write_attribute(update, "/", "n_residues", w.layout.residues);
      io::write_attribute(update, "/", "block_size", w.layout.block_size);
      io::write_attribute(update, "/", "content_sha256", content.hex_digest());
      for (const auto& [name, value] : provenance) io::write_attribute(update, "/", name, value);
    } catch (...) {
      std::filesystem::remove(w.temporary);
      throw;
    }
    std::filesystem::rename(w.temporary, w.path);
  }
  MPI_Barrier(w.comm);
}

void write_corpus(const std::string& path, const Dataset& data, const std::map<std::string, std::string>& provenance,
                  bool force, std::int64_t block_size) {
  require(force || !std::filesystem::exists(path), "output exists; use --force to overwrite it", ErrorContext{path});
  require(!data.records.empty(), "no records to write", ErrorContext{path});
  CorpusLayout layout;
  layout.sequences = static_cast<std::int64_t>(data.records.size());
  layout.block_size = block_size > 0 ? block_size : default_block_size(layout.sequences);
  std::set<std::string> seen;
  for (const auto& record : data.records) {
    require(seen.insert(record.id).second, "duplicate record id", ErrorContext{path, record.id});
    layout.residues += static_cast<std::int64_t>(record.sequence.size());
    layout.id_bytes = std::max(layout.id_bytes, record.id.size());
    layout.has_sources = layout.has_sources || !record.source.empty();
    layout.source_bytes = std::max(layout.source_bytes, record.source.size());
    layout.chain_bytes = std::max(layout.chain_bytes, record.chain.size());
    layout.has_coordinates = layout.has_coordinates || !record.ca.empty();
    layout.has_cb = layout.has_cb || !record.cb.empty();
  }
  layout.schemas = data.schemas;
  std::sort(layout.schemas.begin(), layout.schemas.end(),
            [](const LabelSchema& a, const LabelSchema& b) { return a.name < b.name; });
  CorpusWriter writer(path, layout, MPI_COMM_SELF, 0, layout.sequences, 0);
  for (const auto& record : data.records) {
    writer.add(record);
    if (writer.round_full()) writer.write_round(false);
  }
  writer.write_round(true);
  writer.finish(provenance);
}

namespace {

// Everything a reader needs before records; read once, when the reader opens the file.
CorpusMetadata load_metadata(const io::File& file, const std::string& path) {
  CorpusMetadata metadata;
  const auto offsets = io::dataset_shape(file, "sequences/offsets");
  const auto residues = io::dataset_shape(file, "sequences/residues");
  require(offsets.size() == 1 && offsets[0] >= 1, "/sequences/offsets must be a 1-D array of N+1 values",
          ErrorContext{path});
  require(residues.size() == 1, "/sequences/residues must be a 1-D array", ErrorContext{path});
  metadata.sequences = static_cast<std::int64_t>(offsets[0]) - 1;
  metadata.residues = static_cast<std::int64_t>(residues[0]);
  if (io::has_attribute(file, "/", "block_size")) {
    metadata.block_size = io::read_integer_attribute(file, "/", "block_size");
    metadata.block_size_stored = true;
    require(metadata.block_size >= 1, "block_size attribute must be at least 1", ErrorContext{path});
  }
  if (io::has_attribute(file, "/", "content_sha256"))
    metadata.content_sha256 = io::read_string_attribute(file, "/", "content_sha256");
  metadata.has_coordinates = file.exists("coordinates/ca");
  metadata.has_cb = file.exists("coordinates/cb");
  for (const auto& name : file.members("labels")) {
    LabelSchema schema;
    schema.name = name;
    schema.kind = parse_kind(io::read_string_attribute(file, "labels/" + name, "kind"), path);
    schema.classes = io::read_strings_attribute(file, "labels/" + name, "classes");
    if (io::has_attribute(file, "labels/" + name, "description"))
      schema.description = io::read_string_attribute(file, "labels/" + name, "description");
    metadata.schemas.push_back(schema);
  }
  metadata.letters = io::has_attribute(file, "/", "letters") ? io::read_string_attribute(file, "/", "letters") : "";
  return metadata;
}

}  // namespace

struct CorpusReader::Impl {
  io::File file;
  CorpusMetadata metadata;
  CorpusLayout layout;
};

CorpusReader::CorpusReader(const std::string& path) : path_(path), impl_(new Impl{io::File::open_read(path), {}, {}}) {
  try {
    require(impl_->file.exists("sequences/offsets") && impl_->file.exists("sequences/residues"),
            "not a bertology corpus (no /sequences/offsets); make one with `bertology prepare`", ErrorContext{path});
    impl_->metadata = load_metadata(impl_->file, path);
    CorpusLayout& layout = impl_->layout;
    layout.sequences = impl_->metadata.sequences;
    layout.residues = impl_->metadata.residues;
    layout.block_size = impl_->metadata.block_size;
    layout.has_sources = impl_->file.exists("sequences/sources");
    layout.has_coordinates = impl_->metadata.has_coordinates;
    layout.has_cb = impl_->metadata.has_cb;
    layout.schemas = impl_->metadata.schemas;
  } catch (...) {
    delete impl_;
    throw;
  }
}

CorpusReader::~CorpusReader() { delete impl_; }

CorpusMetadata CorpusReader::read_metadata() const { return impl_->metadata; }

namespace {

// Offsets of records [begin, end] (end + 1 values), checked against each other and the residues.
std::vector<std::int64_t> read_offsets(const io::File& file, const CorpusMetadata& metadata, std::int64_t begin,
                                       std::int64_t end, const std::string& path) {
  require(begin >= 0 && begin <= end && end <= metadata.sequences,
          "records [" + std::to_string(begin) + ", " + std::to_string(end) + ") do not exist", ErrorContext{path});
  const auto offsets = io::read_rows<std::int64_t>(file, "sequences/offsets",
                                                   {{static_cast<hsize_t>(begin), static_cast<hsize_t>(end) + 1}});
  if (begin == 0) require(offsets.front() == 0, "/sequences/offsets must start at 0", ErrorContext{path});
  for (std::size_t k = 0; k + 1 < offsets.size(); ++k)
    require(offsets[k] <= offsets[k + 1] && offsets[k] >= 0, "/sequences/offsets decrease",
            ErrorContext{path, "record " + std::to_string(begin + static_cast<std::int64_t>(k))});
  require(offsets.back() <= metadata.residues, "/sequences/offsets point past /sequences/residues", ErrorContext{path});
  return offsets;
}

}  // namespace

std::vector<std::int64_t> CorpusReader::read_lengths(std::int64_t begin, std::int64_t end) const {
  const auto offsets = read_offsets(impl_->file, impl_->metadata, begin, end, path_);
  std::vector<std::int64_t> lengths(offsets.size() - 1);
  for (std::size_t r = 0; r < lengths.size(); ++r) lengths[r] = offsets[r + 1] - offsets[r];
  return lengths;
}

std::vector<Record> CorpusReader::read_range(std::int64_t begin, std::int64_t end) const {
  const io::File& file = impl_->file;
  const CorpusMetadata& metadata = impl_->metadata;
  const auto offsets = read_offsets(file, metadata, begin, end, path_);
  const std::vector<std::pair<hsize_t, hsize_t>> residue_range{
      {static_cast<hsize_t>(offsets.front()), static_cast<hsize_t>(offsets.back())}};
  std::vector<hsize_t> rows;
  for (std::int64_t r = begin; r < end; ++r) rows.push_back(static_cast<hsize_t>(r));
  const auto residues = io::read_rows<std::uint8_t>(file, "sequences/residues", residue_range);
  const auto ids = io::read_string_rows(file, "sequences/ids", rows);
  const bool has_sources = file.exists("sequences/sources");
  std::vector<std::string> sources, chains;
  if (has_sources) {
    sources = io::read_string_rows(file, "sequences/sources", rows);
    chains = io::read_string_rows(file, "sequences/chains", rows);
  }
  std::vector<double> ca, cb;
  std::vector<std::uint8_t> mask, cb_mask;
  if (metadata.has_coordinates) {
    ca = io::read_rows<double>(file, "coordinates/ca", residue_range);
    mask = io::read_rows<std::uint8_t>(file, "coordinates/mask", residue_range);
  }
  if (metadata.has_cb) {
    cb = io::read_rows<double>(file, "coordinates/cb", residue_range);
    cb_mask = io::read_rows<std::uint8_t>(file, "coordinates/cb_mask", residue_range);
  }
  std::map<std::string, std::vector<std::int8_t>> labels;
  for (const auto& schema : metadata.schemas)
    labels[schema.name] = io::read_rows<std::int8_t>(file, "labels/" + schema.name, residue_range);

  std::vector<Record> records(rows.size());
  for (std::size_t k = 0; k < records.size(); ++k) {
    const auto position = static_cast<std::size_t>(offsets[k] - offsets.front());
    const auto n = static_cast<std::size_t>(offsets[k + 1] - offsets[k]);
    Record& record = records[k];
    record.id = ids[k];
    if (has_sources) {
      record.source = sources[k];
      record.chain = chains[k];
    }
    record.sequence.assign(residues.begin() + position, residues.begin() + position + n);
    if (metadata.has_coordinates) {
      record.ca.resize(n);
      for (std::size_t i = 0; i < n; ++i)
        for (int d = 0; d < 3; ++d) record.ca[i][d] = ca[3 * (position + i) + d];
      record.ca_mask.assign(mask.begin() + position, mask.begin() + position + n);
    }
    if (metadata.has_cb) {
      record.cb.resize(n);
      for (std::size_t i = 0; i < n; ++i)
        for (int d = 0; d < 3; ++d) record.cb[i][d] = cb[3 * (position + i) + d];
      record.cb_mask.assign(cb_mask.begin() + position, cb_mask.begin() + position + n);
    }
    for (const auto& [name, values] : labels)
      record.labels[name].assign(values.begin() + position, values.begin() + position + n);
  }
  return records;
}

}  // namespace bertology::corpus

namespace bertology::corpus {

CorpusLayout CorpusReader::layout() const { return impl_->layout; }

namespace {

// The rows `ranges` of a per-residue dataset, concatenated, `width` values per residue (3 for
// coordinates): a dataset of another shape is an error naming the file.
template <typename T>
std::vector<T> read_residues(const io::File& file, const std::string& name,
                             const std::vector<std::pair<hsize_t, hsize_t>>& ranges, std::size_t width,
                             const std::string& path) {
  std::vector<T> values = io::read_rows<T>(file, name, ranges);
  std::size_t rows = 0;
  for (const auto& [begin, end] : ranges) rows += static_cast<std::size_t>(end - begin);
  require(values.size() == rows * width, "/" + name + " must hold " + std::to_string(width) + " value(s) per residue",
          ErrorContext{path});
  return values;
}

// The residues of records [0, offsets.size() - 1) of a block, one dataset at a time, in windows
// of at most `window` residues that end at multiples of `window` (multiples of the datasets'
// chunks: no chunk is inflated twice). read(begin, end) loads a window; visit(record, at, from,
// count) gets each record's part of it: residues [at, at + count) of the record, at [from,
// from + count) in the window. Records and their parts come in order.
template <class Read, class Visit>
void for_each_window(const std::vector<std::int64_t>& offsets, std::int64_t window, Read&& read, Visit&& visit) {
  const std::int64_t last = offsets.back();
  std::size_t record = 0;
  for (std::int64_t begin = offsets.front(); begin < last;) {
    const std::int64_t end = std::min(last, (begin / window + 1) * window);
    read(begin, end);
    while (offsets[record + 1] <= begin) ++record;
    for (std::size_t r = record; r + 1 < offsets.size() && offsets[r] < end; ++r) {
      const std::int64_t from = std::max(offsets[r], begin), to = std::min(offsets[r + 1], end);
      if (from < to) visit(r, from - offsets[r], from - begin, to - from);
    }
    begin = end;
  }
}

void append(std::string& to, const std::uint8_t* values, std::size_t n) {
  to.append(reinterpret_cast<const char*>(values), n);
}

template <typename T>
void append(std::vector<T>& to, const T* values, std::size_t n) {
  to.insert(to.end(), values, values + n);
}

void append(std::vector<std::array<double, 3>>& to, const double* values, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) to.push_back({values[3 * i], values[3 * i + 1], values[3 * i + 2]});
}

}  // namespace

std::vector<Record> CorpusReader::read_block(std::int64_t block, std::int64_t max_residues,
                                             std::int64_t stream_residues) const {
  const io::File& file = impl_->file;
  const CorpusMetadata& metadata = impl_->metadata;
  const CorpusLayout& layout = impl_->layout;
  require(block >= 0 && block < metadata.blocks(),
          "block " + std::to_string(block) + " does not exist (" + std::to_string(metadata.blocks()) + " blocks)",
          ErrorContext{path_});
  require(max_residues >= 0, "cannot keep a negative number of residues", ErrorContext{path_});
  require(stream_residues >= 1, "read_block must stream at least one residue at a time", ErrorContext{path_});
  const std::int64_t begin = metadata.block_begin(block), end = metadata.block_end(block);
  const auto offsets = read_offsets(file, metadata, begin, end, path_);
  std::vector<hsize_t> rows;
  for (std::int64_t r = begin; r < end; ++r) rows.push_back(static_cast<hsize_t>(r));
  const auto ids = io::read_string_rows(file, "sequences/ids", rows);
  std::vector<std::string> sources, chains;
  if (layout.has_sources) {
    sources = io::read_string_rows(file, "sequences/sources", rows);
    chains = io::read_string_rows(file, "sequences/chains", rows);
  }

  // What is kept of each record: its first `keep` residues, in every field.
  std::vector<Record> records(rows.size());
  std::vector<std::int64_t> keep(rows.size());
  std::vector<std::pair<hsize_t, hsize_t>> kept;  // the kept residues, as rows of the datasets
  for (std::size_t k = 0; k < records.size(); ++k) {
    Record& record = records[k];
    record.id = ids[k];
    if (layout.has_sources) {
      record.source = sources[k];
      record.chain = chains[k];
    }
    keep[k] = std::min(offsets[k + 1] - offsets[k], max_residues);
    const auto n = static_cast<std::size_t>(keep[k]);
    record.sequence.reserve(n);
    if (layout.has_coordinates) {
      record.ca.reserve(n);
      record.ca_mask.reserve(n);
    }
    if (layout.has_cb) {
      record.cb.reserve(n);
      record.cb_mask.reserve(n);
    }
    for (const auto& schema : layout.schemas) record.labels[schema.name].reserve(n);
    if (n > 0) kept.emplace_back(static_cast<hsize_t>(offsets[k]), static_cast<hsize_t>(offsets[k] + keep[k]));
  }
  const bool checked = file.exists("blocks/sha256");

  if (!checked) {
    // Nothing to verify: only the kept residues are read, one selection per dataset.
    const auto distribute = [&](const auto& values, std::size_t width, auto&& into) {
      std::size_t at = 0;
      for (std::size_t k = 0; k < records.size(); ++k) {
        into(records[k], values.data() + at, static_cast<std::size_t>(keep[k]));
        at += width * static_cast<std::size_t>(keep[k]);
      }
    };
    distribute(read_residues<std::uint8_t>(file, "sequences/residues", kept, 1, path_), 1,
               [](Record& r, const std::uint8_t* v, std::size_t n) { append(r.sequence, v, n); });
    if (layout.has_coordinates) {
      distribute(read_residues<double>(file, "coordinates/ca", kept, 3, path_), 3,
                 [](Record& r, const double* v, std::size_t n) { append(r.ca, v, n); });
      distribute(read_residues<std::uint8_t>(file, "coordinates/mask", kept, 1, path_), 1,
                 [](Record& r, const std::uint8_t* v, std::size_t n) { append(r.ca_mask, v, n); });
    }
    if (layout.has_cb) {
      distribute(read_residues<double>(file, "coordinates/cb", kept, 3, path_), 3,
                 [](Record& r, const double* v, std::size_t n) { append(r.cb, v, n); });
      distribute(read_residues<std::uint8_t>(file, "coordinates/cb_mask", kept, 1, path_), 1,
                 [](Record& r, const std::uint8_t* v, std::size_t n) { append(r.cb_mask, v, n); });
    }
    for (const auto& schema : layout.schemas)
      distribute(read_residues<std::int8_t>(file, "labels/" + schema.name, kept, 1, path_), 1,
                 [&](Record& r, const std::int8_t* v, std::size_t n) { append(r.labels[schema.name], v, n); });
    return records;
  }

  // Every residue of every field passes through its record's hash, field after field in the
  // order of record_digest, so each record's digest is the one `prepare` stored; the kept
  // residues are copied on the way. Windows end at multiples of the per-residue chunk.
  const auto row = static_cast<hsize_t>(block);
  const auto stored = io::read_rows<std::uint8_t>(file, "blocks/sha256", {{row, row + 1}});
  require(stored.size() == 32, "/blocks/sha256 must have 32 bytes per block", ErrorContext{path_});
  const auto chunk = static_cast<std::int64_t>(residue_chunk(layout));
  const std::int64_t window = stream_residues >= chunk ? stream_residues / chunk * chunk : stream_residues;
  std::vector<io::Sha256> hashes(records.size());
  for (std::size_t k = 0; k < records.size(); ++k)
    put_header(hashes[k], layout, records[k].id, records[k].source, records[k].chain);
  // One pass over a dataset of `width` values per residue: `kept_part` gets what is kept of each
  // window, `hashed` hashes the record's part of the window (after kept_part).
  const auto pass = [&](const std::string& name, std::size_t width, auto tag, auto&& kept_part, auto&& hashed) {
    using T = decltype(tag);
    std::vector<T> values;
    for_each_window(
        offsets, window,
        [&](std::int64_t from, std::int64_t to) {
          values = read_residues<T>(file, name, {{static_cast<hsize_t>(from), static_cast<hsize_t>(to)}}, width, path_);
        },
        [&](std::size_t k, std::int64_t at, std::int64_t from, std::int64_t count) {
          T* part = values.data() + width * static_cast<std::size_t>(from);
          if (at < keep[k]) kept_part(records[k], part, static_cast<std::size_t>(std::min(count, keep[k] - at)));
          hashed(hashes[k], part, static_cast<std::size_t>(count));
        });
  };
  const auto hash_bytes = [](io::Sha256& hash, const auto* part, std::size_t n) { hash.update(part, n); };
  pass(
      "sequences/residues", 1, std::uint8_t{},
      [](Record& r, const std::uint8_t* v, std::size_t n) { append(r.sequence, v, n); }, hash_bytes);
  for (std::size_t k = 0; k < records.size(); ++k)
    put_u64(hashes[k], static_cast<std::uint64_t>(offsets[k + 1] - offsets[k]));
  // Cα or Cβ as put_coordinates hashes them: the positions, 0 where the mask says absent, then
  // the mask as 0/1 (a second pass over it). What is kept is what the file stores.
  const auto coordinates = [&](const std::string& xyz_name, const std::string& mask_name,
                               std::vector<std::array<double, 3>> Record::*xyz,
                               std::vector<std::uint8_t> Record::*mask) {
    std::vector<double> values;
    std::vector<std::uint8_t> present;
    for_each_window(
        offsets, window,
        [&](std::int64_t from, std::int64_t to) {
          const std::vector<std::pair<hsize_t, hsize_t>> range{{static_cast<hsize_t>(from), static_cast<hsize_t>(to)}};
          values = read_residues<double>(file, xyz_name, range, 3, path_);
          present = read_residues<std::uint8_t>(file, mask_name, range, 1, path_);
        },
        [&](std::size_t k, std::int64_t at, std::int64_t from, std::int64_t count) {
          double* part = values.data() + 3 * from;
          const auto n = static_cast<std::size_t>(count);
          if (at < keep[k]) append(records[k].*xyz, part, static_cast<std::size_t>(std::min(count, keep[k] - at)));
          for (std::size_t i = 0; i < n; ++i)
            if (!present[static_cast<std::size_t>(from) + i]) std::fill_n(part + 3 * i, 3, 0.0);
          hashes[k].update(part, 3 * n * sizeof(double));
        });
    pass(
        mask_name, 1, std::uint8_t{}, [&](Record& r, const std::uint8_t* v, std::size_t n) { append(r.*mask, v, n); },
        [](io::Sha256& hash, std::uint8_t* part, std::size_t n) {
          for (std::size_t i = 0; i < n; ++i) part[i] = part[i] ? 1 : 0;
          hash.update(part, n);
        });
  };
  if (layout.has_coordinates) coordinates("coordinates/ca", "coordinates/mask", &Record::ca, &Record::ca_mask);
  if (layout.has_cb) coordinates("coordinates/cb", "coordinates/cb_mask", &Record::cb, &Record::cb_mask);
  // Labels: the name, then one int8 per residue.
  for (const auto& schema : layout.schemas) {
    for (auto& hash : hashes) put_text(hash, schema.name);
    pass(
        "labels/" + schema.name, 1, std::int8_t{},
        [&](Record& r, const std::int8_t* v, std::size_t n) { append(r.labels[schema.name], v, n); }, hash_bytes);
  }
  io::Sha256 hash;
  for (auto& record_hash : hashes) {
    const Digest digest = digest_of(record_hash);
    hash.update(digest.data(), digest.size());
  }
  const std::string computed = hash.hex_digest();
  Digest expected{};
  std::copy(stored.begin(), stored.end(), expected.begin());
  require(computed == hex(expected),
          "checksum mismatch (stored " + hex(expected) + ", read " + computed +
              "): the file is damaged or was changed after `bertology prepare`",
          ErrorContext{path_, "block " + std::to_string(block)});
  return records;
}

}  // namespace bertology::corpus
