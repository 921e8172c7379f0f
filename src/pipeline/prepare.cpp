// `bertology prepare`: input files and directories → one corpus.h5, written by every rank at
// once with no rank holding more than a bounded round of records.
//
//  1. The inputs are cut into pieces: the ranks share the bytes of all inputs; a plain FASTA
//     file is split at record boundaries inside it, any other file goes whole to the rank where
//     it begins. Records come out in file order, then in the file's order, at any rank count.
//  2. Pass 1 parses the rank's pieces (no file open collectively yet, so a malformed input ends
//     the job with its rank's message): FASTA is only counted and fingerprinted, other formats
//     are parsed once and their records spilled to a scratch file.
//  3. Decisions without any rank holding all records: duplicate sequences and repeated ids are
//     found by hash partitioning (MPI_Alltoallv, in rounds of bounded size); --sample keeps the
//     records with the N smallest keys hash(seed, index), found by bisection over the key.
//  4. Pass 2 writes every rank's records at offsets from a prefix sum (MPI_Exscan), collectively,
//     in bounded rounds (corpus::CorpusWriter).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "bertology/corpus/corpus_file.h"
#include "bertology/corpus/fasta_stream.h"
#include "bertology/corpus/readers.h"
#include "bertology/error.h"
#include "bertology/io/checksum.h"
#include "bertology/pipeline/commands.h"
#include "bertology/structure/structure_reader.h"
#include "progress.h"
#include "provenance.h"

namespace fs = std::filesystem;

namespace bertology::pipeline {
namespace {

// Records exchanged per rank and round while looking for duplicates: bounds the memory.
constexpr std::int64_t kExchangeRecords = 1 << 15;

bool is_structure_file(const fs::path& path) {
  std::string name = path.filename().string();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
  for (const char* extension : {".pdb", ".ent", ".cif", ".mmcif"}) {
    const std::string e(extension);
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) return true;
  }
  return false;
}

// Files named directly, and the structure files found below named directories (sorted, so
// that the corpus does not depend on the order the file system lists them in).
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    if (fs::is_directory(input)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::recursive_directory_iterator(input, fs::directory_options::follow_directory_symlink))
        if (entry.is_regular_file() && is_structure_file(entry.path())) found.push_back(entry.path().string());
      require(!found.empty(), "no PDB/mmCIF files (.pdb .ent .cif .mmcif, optionally .gz) below this directory",
              ErrorContext{input});
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      require(fs::is_regular_file(input), "no such file or directory", ErrorContext{input});
      files.push_back(input);
    }
  }
  return files;
}

struct InputFile {
  std::string path;
  std::int64_t bytes = 0;
  corpus::Format format = corpus::Format::fasta;
  bool splittable = false;  // plain FASTA: shared by byte ranges
};

// Rank 0 lists, sizes and recognises the inputs once; every rank gets the same list.
std::vector<InputFile> list_inputs(const PrepareConfig& config, const parallel::Communicator& comm) {
  std::string listing;
  if (comm.root()) {
    for (const auto& path : expand_inputs(config.inputs)) {
      const corpus::Format format =
          config.format.empty() ? corpus::guess_format(path) : corpus::parse_format(config.format);
      const bool splittable = format == corpus::Format::fasta && !corpus::is_compressed_file(path);
      listing += std::to_string(fs::file_size(path)) + "\t" + corpus::format_name(format) + "\t" +
                 (splittable ? "1" : "0") + "\t" + path + "\n";
    }
  }
  comm.broadcast(listing);
  std::vector<InputFile> files;
  std::istringstream lines(listing);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    InputFile file;
    std::string format, splittable;
    std::getline(fields, format, '\t');
    file.bytes = std::stoll(format);
    std::getline(fields, format, '\t');
    std::getline(fields, splittable, '\t');
    std::getline(fields, file.path);
    file.format = corpus::parse_format(format);
    file.splittable = splittable == "1";
    files.push_back(file);
  }
  return files;
}

// What one rank reads: a whole file, or the records of a FASTA file whose headers start in
// [begin, end).
struct Piece {
  std::size_t file = 0;
  std::int64_t begin = 0, end = -1;
};

// The inputs laid end to end are cut into equal byte ranges, one per rank. A splittable file
// is shared by the ranks its bytes fall to; any other file goes to the rank where it begins.
std::vector<Piece> pieces_of_rank(const std::vector<InputFile>& files, int rank, int ranks) {
  std::int64_t total = 0;
  for (const auto& file : files) total += file.bytes + 1;  // + 1: empty files still have a place
  const auto cut = [&](int r) { return static_cast<std::int64_t>(static_cast<long double>(total) * r / ranks); };
  const std::int64_t mine_begin = cut(rank), mine_end = cut(rank + 1);
  std::vector<Piece> pieces;
  std::int64_t start = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    const std::int64_t end = start + files[f].bytes + 1;
    if (files[f].splittable) {
      const std::int64_t begin = std::max(start, mine_begin), stop = std::min(end, mine_end);
      if (begin < stop) pieces.push_back({f, begin - start, stop >= end ? -1 : stop - start});
    } else if (start >= mine_begin && start < mine_end) {
      pieces.push_back({f, 0, -1});
    }
    start = end;
  }
  return pieces;
}

// 64-bit mixing (splitmix64's finaliser): a bijection, so distinct inputs give distinct keys.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A 128-bit fingerprint of a sequence fed in pieces (two independent 64-bit lanes and the
// length): equal sequences have equal fingerprints; distinct ones collide with negligible
// probability (~N²/2^129).
class SequenceFingerprint {
 public:
  void add(std::string_view residues) {
    for (unsigned char c : residues) {
      fnv_ = (fnv_ ^ c) * 0x100000001b3ULL;
      poly_ = poly_ * 0x9e3779b97f4a7c15ULL + c + 1;
    }
    length_ += residues.size();
  }
  std::uint64_t high() const { return mix(fnv_ ^ length_); }
  std::uint64_t low() const { return mix(poly_ + 0x632be59bd9b4e019ULL * length_); }
  std::int64_t length() const { return static_cast<std::int64_t>(length_); }

 private:
  std::uint64_t fnv_ = 0xcbf29ce484222325ULL, poly_ = 0;
  std::uint64_t length_ = 0;
};

std::uint64_t text_hash(const std::string& text) {
  SequenceFingerprint fingerprint;
  fingerprint.add(text);
  return fingerprint.high();
}

// Plain bytes in and out of scratch files and MPI messages.
class Packer {
 public:
  template <typename T>
  void put(const T& value) {
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void put(const std::string& text) {
    put(static_cast<std::uint64_t>(text.size()));
    bytes_ += text;
  }
  template <typename T>
  void put(const std::vector<T>& values) {
    put(static_cast<std::uint64_t>(values.size()));
    bytes_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

class Unpacker {
 public:
  Unpacker(const char* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return at_ == size_; }
  template <typename T>
  void get(T& value) {
    std::memcpy(&value, take(sizeof value), sizeof value);
  }
  void get(std::string& text) {
    std::uint64_t n = 0;
    get(n);
    text.assign(take(n), n);
  }
  template <typename T>
  void get(std::vector<T>& values) {
    std::uint64_t n = 0;
    get(n);
    values.resize(n);
    if (n) std::memcpy(values.data(), take(n * sizeof(T)), n * sizeof(T));
  }

 private:
  const char* take(std::size_t n) {
    require(at_ + n <= size_, "internal error: truncated scratch data");
    const char* p = data_ + at_;
    at_ += n;
    return p;
  }
  const char* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

void pack(Packer& out, const corpus::Record& r) {
  out.put(r.id);
  out.put(r.source);
  out.put(r.chain);
  out.put(r.sequence);
  out.put(r.ca);
  out.put(r.ca_mask);
  out.put(r.cb);
  out.put(r.cb_mask);
  out.put(static_cast<std::uint64_t>(r.labels.size()));
  for (const auto& [name, values] : r.labels) {
    out.put(name);
    out.put(values);
  }
}

corpus::Record unpack_record(Unpacker& in) {
  corpus::Record r;
  in.get(r.id);
  in.get(r.source);
  in.get(r.chain);
  in.get(r.sequence);
  in.get(r.ca);
  in.get(r.ca_mask);
  in.get(r.cb);
  in.get(r.cb_mask);
  std::uint64_t labels = 0;
  in.get(labels);
  for (std::uint64_t l = 0; l < labels; ++l) {
    std::string name;
    in.get(name);
    in.get(r.labels[name]);
  }
  return r;
}

// A private scratch directory per rank (node-local temporary space), removed on every path a
// process survives. Ranks killed by MPI_Abort cannot clean up: the next prepare on the node
// removes the scratch of processes that no longer exist.
class Scratch {
 public:
  explicit Scratch(int rank) {
    remove_abandoned();
    path_ =
        fs::temp_directory_path() / ("bertology-prepare-" + std::to_string(::getpid()) + "-" + std::to_string(rank));
    fs::create_directories(path_);
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static void remove_abandoned() {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), error)) {
      const std::string name = entry.path().filename().string();
      const std::string prefix = "bertology-prepare-";
      if (name.rfind(prefix, 0) != 0) continue;
      const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
        std::error_code ignored;
        fs::remove_all(entry.path(), ignored);
      }
    }
  }
  fs::path path_;
};

// Length-prefixed blobs appended to a file and read back in order.
class BlobWriter {
 public:
  explicit BlobWriter(const std::string& path) : out_(path, std::ios::binary), path_(path) {
    require(static_cast<bool>(out_), "cannot write a scratch file", ErrorContext{path});
  }
  void write(const std::string& blob) {
    const std::uint64_t size = blob.size();
    out_.write(reinterpret_cast<const char*>(&size), sizeof size);
    out_.write(blob.data(), static_cast<std::streamsize>(blob.size()));
  }
  void close() {
    out_.close();
    require(!out_.fail(), "cannot write a scratch file (disk full?)", ErrorContext{path_});
  }

 private:
  std::ofstream out_;
  std::string path_;
};

class BlobReader {
 public:
  explicit BlobReader(const std::string& path) : in_(path, std::ios::binary), path_(path) {
    require(static_cast<bool>(in_), "cannot read a scratch file", ErrorContext{path});
  }
  bool next() {
    std::uint64_t size = 0;
    if (!in_.read(reinterpret_cast<char*>(&size), sizeof size)) return false;
    blob_.resize(size);
    require(static_cast<bool>(in_.read(blob_.data(), static_cast<std::streamsize>(size))), "scratch file cut short",
            ErrorContext{path_});
    return true;
  }
  Unpacker unpacker() const { return Unpacker(blob_.data(), blob_.size()); }
  const std::string& blob() const { return blob_; }

 private:
  std::ifstream in_;
  std::string path_;
  std::string blob_;
};

// One record as the decisions see it (the "fingerprints" scratch file, in record order).
struct Fingerprint {
  std::uint32_t file = 0;
  std::int64_t length = 0;
  std::uint64_t high = 0, low = 0;
  std::string id;
};

void pack(Packer& out, const Fingerprint& f) {
  out.put(f.file);
  out.put(f.length);
  out.put(f.high);
  out.put(f.low);
  out.put(f.id);
}

Fingerprint unpack_fingerprint(Unpacker& in) {
  Fingerprint f;
  in.get(f.file);
  in.get(f.length);
  in.get(f.high);
  in.get(f.low);
  in.get(f.id);
  return f;
}

std::string schemas_text(const std::vector<corpus::LabelSchema>& schemas) {
  std::string text;
  for (const auto& s : schemas) {
    text += s.name + "\t" + (s.kind == corpus::LabelKind::binary ? "binary" : "categorical") + "\t" + s.description;
    for (const auto& c : s.classes) text += "\t" + c;
    text += "\n";
  }
  return text;
}

std::vector<corpus::LabelSchema> parse_schemas(const std::string& text) {
  std::vector<corpus::LabelSchema> schemas;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::istringstream stream(line);
    for (std::string field; std::getline(stream, field, '\t');) fields.push_back(field);
    corpus::LabelSchema schema;
    schema.name = fields.at(0);
    schema.kind = fields.at(1) == "binary" ? corpus::LabelKind::binary : corpus::LabelKind::categorical;
    schema.description = fields.size() > 2 ? fields[2] : "";
    schema.classes.assign(fields.begin() + std::min<std::size_t>(3, fields.size()), fields.end());
    schemas.push_back(schema);
  }
  return schemas;
}

void merge_schemas(std::vector<corpus::LabelSchema>& all, const std::vector<corpus::LabelSchema>& part,
                   const std::string& where) {
  for (const auto& schema : part) {
    auto same =
        std::find_if(all.begin(), all.end(), [&](const corpus::LabelSchema& s) { return s.name == schema.name; });
    if (same == all.end())
      all.push_back(schema);
    else
      require(same->kind == schema.kind && same->classes == schema.classes,
              "label " + schema.name + " has other classes than in an earlier input", ErrorContext{where});
  }
}

std::int64_t sum(const parallel::Communicator& comm, std::int64_t value) {
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_SUM, comm.get());
  return value;
}

std::int64_t maximum(const parallel::Communicator& comm, std::int64_t value) {
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_MAX, comm.get());
  return value;
}

std::int64_t exclusive_prefix(const parallel::Communicator& comm, std::int64_t value) {
  std::int64_t before = 0;
  MPI_Exscan(&value, &before, 1, MPI_INT64_T, MPI_SUM, comm.get());
  return comm.rank() == 0 ? 0 : before;
}

// Sends each rank its bytes and returns what every rank sent here, by source rank.
std::vector<std::string> all_to_all(const parallel::Communicator& comm, const std::vector<std::string>& outgoing) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  std::vector<int> send_counts(ranks), receive_counts(ranks), send_at(ranks), receive_at(ranks);
  std::string send;
  for (std::size_t r = 0; r < ranks; ++r) {
    require(outgoing[r].size() < (1u << 31) && send.size() + outgoing[r].size() < (1u << 31),
            "internal error: exchange round too large");
    send_at[r] = static_cast<int>(send.size());
    send_counts[r] = static_cast<int>(outgoing[r].size());
    send += outgoing[r];
  }
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, comm.get());
  std::int64_t total = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    receive_at[r] = static_cast<int>(total);
    total += receive_counts[r];
  }
  require(total < (1LL << 31), "internal error: exchange round too large");
  std::string receive(static_cast<std::size_t>(total), '\0');
  MPI_Alltoallv(send.data(), send_counts.data(), send_at.data(), MPI_CHAR, receive.data(), receive_counts.data(),
                receive_at.data(), MPI_CHAR, comm.get());
  std::vector<std::string> incoming(ranks);
  for (std::size_t r = 0; r < ranks; ++r)
    incoming[r] = receive.substr(static_cast<std::size_t>(receive_at[r]), static_cast<std::size_t>(receive_counts[r]));
  return incoming;
}

// What the decisions say about this rank's records, by global record index (before any is
// dropped). Only the exceptions are kept: duplicates and renamed ids are rare.
struct Decisions {
  std::vector<std::int64_t> dropped;            // sorted (--dedupe)
  std::map<std::int64_t, std::string> renamed;  // new id
  bool sampling = false;
  std::uint64_t seed_key = 0;
  std::uint64_t threshold = 0;  // with sampling: kept when key ≤ threshold

  std::uint64_t key(std::int64_t record) const { return mix(static_cast<std::uint64_t>(record) ^ seed_key); }
  bool kept(std::int64_t record) const {
    if (std::binary_search(dropped.begin(), dropped.end(), record)) return false;
    return !sampling || key(record) <= threshold;
  }
};

// Partitions items by a 64-bit hash: in round k, the items whose hash falls in slice k go to
// rank hash mod ranks, which groups equal keys and answers the senders. `items(visit)` calls
// visit(hash, payload) for each of this rank's items (once: they are sorted into one scratch
// file per slice, so memory holds one round); `decide(entries)` gets a round's items at
// their owner as (source rank, payload) and returns the replies per source rank;
// `apply(reply)` takes them back at the sender.
template <class Items, class Decide, class Apply>
void hash_partition(const parallel::Communicator& comm, const Scratch& scratch, std::int64_t total_items, Items items,
                    Decide decide, Apply apply) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  const std::int64_t rounds =
      std::max<std::int64_t>(1, (total_items + kExchangeRecords * comm.size() - 1) / (kExchangeRecords * comm.size()));
  const auto slice_of = [rounds](std::uint64_t hash) {
    return static_cast<std::size_t>((static_cast<unsigned __int128>(hash >> 32) * rounds) >> 32);
  };
  {
    std::vector<std::unique_ptr<BlobWriter>> slices;
    for (std::int64_t round = 0; round < rounds; ++round)
      slices.push_back(std::make_unique<BlobWriter>(scratch.file("slice" + std::to_string(round))));
    items([&](std::uint64_t hash, const std::string& payload) {
      std::string blob(reinterpret_cast<const char*>(&hash), sizeof hash);
      slices[slice_of(hash)]->write(blob + payload);
    });
    for (auto& slice : slices) slice->close();
  }
  for (std::int64_t round = 0; round < rounds; ++round) {
    std::vector<std::string> outgoing(ranks);
    {
      const std::string name = scratch.file("slice" + std::to_string(round));
      BlobReader slice(name);
      while (slice.next()) {
        const std::string& blob = slice.blob();
        std::uint64_t hash = 0;
        std::memcpy(&hash, blob.data(), sizeof hash);
        std::string& out = outgoing[(hash & 0xffffffffULL) % ranks];
        const std::uint64_t size = blob.size() - sizeof hash;
        out.append(reinterpret_cast<const char*>(&size), sizeof size);
        out.append(blob, sizeof hash, std::string::npos);
      }
      fs::remove(name);
    }
    const std::vector<std::string> incoming = all_to_all(comm, outgoing);
    outgoing = {};
    std::vector<std::pair<int, std::string>> entries;
    for (std::size_t r = 0; r < ranks; ++r) {
      Unpacker in(incoming[r].data(), incoming[r].size());
      while (!in.done()) {
        std::string payload;
        in.get(payload);
        entries.emplace_back(static_cast<int>(r), std::move(payload));
      }
    }
    const std::vector<std::string> replies = all_to_all(comm, decide(entries));
    for (const auto& reply : replies) {
      Unpacker in(reply.data(), reply.size());
      while (!in.done()) apply(in);
    }
  }
}

// Counters of the log's events on this rank ("read", "skipped", …).
using Events = std::map<std::string, std::int64_t>;

class RankLog {
 public:
  explicit RankLog(const std::string& path) : out_(path, std::ios::binary) {
    require(static_cast<bool>(out_), "cannot write a scratch file", ErrorContext{path});
  }
  void add(const std::string& file, const std::string& event, const std::string& detail) {
    out_ << file << '\t' << event << '\t' << detail << '\n';
    if (event == "skipped" && first_skip_.empty()) first_skip_ = detail;
    ++events_[event];
  }
  Events& events() { return events_; }
  // Why this rank's first skipped file was skipped (file, line and reason); empty if none was.
  const std::string& first_skip() const { return first_skip_; }
  void close() { out_.close(); }

 private:
  std::ofstream out_;
  Events events_;
  std::string first_skip_;
};

// Each rank appends its scratch text to `target` in rank order (a token passed along), so the
// log never sits in one process's memory. Rank 0 starts the file with `header`.
void append_in_rank_order(const parallel::Communicator& comm, const std::string& target, const std::string& part,
                          const std::string& header, bool truncate) {
  int token = 0;
  if (comm.rank() > 0) MPI_Recv(&token, 1, MPI_INT, comm.rank() - 1, 1, comm.get(), MPI_STATUS_IGNORE);
  {
    std::ofstream out(target, std::ios::binary | (truncate && comm.root() ? std::ios::trunc : std::ios::app));
    require(static_cast<bool>(out), "cannot write the log", ErrorContext{target});
    if (comm.root()) out << header;
    std::ifstream in(part, std::ios::binary);
    if (in && in.peek() != std::ifstream::traits_type::eof()) out << in.rdbuf();
    require(static_cast<bool>(out), "cannot write the log", ErrorContext{target});
  }
  if (comm.rank() + 1 < comm.size()) MPI_Send(&token, 1, MPI_INT, comm.rank() + 1, 1, comm.get());
  comm.barrier();
}

struct PassOne {
  std::int64_t records = 0;           // kept after --min-residues, before decisions
  std::vector<std::int64_t> spilled;  // per piece: records in the scratch file (non-FASTA pieces)
  std::vector<corpus::LabelSchema> schemas;
  bool has_sources = false, has_coordinates = false, has_cb = false;
  std::int64_t source_bytes = 1, chain_bytes = 1;
};

// Parses this rank's pieces: fingerprints of every record, whole records of non-FASTA inputs
// spilled for pass 2, log lines, the manifest of source files.
PassOne read_pieces(const std::vector<InputFile>& files, const std::vector<Piece>& pieces, const PrepareConfig& config,
                    const Scratch& scratch, RankLog& log, bool talk) {
  PassOne result;
  BlobWriter fingerprints(scratch.file("fingerprints")), spill(scratch.file("records"));
  std::ofstream manifest(scratch.file("manifest"), std::ios::binary);
  corpus::ReadOptions options;
  options.label = config.label;
  structure::StructureOptions structure;
  structure.chains = config.chains;
  structure.binding_sites = structure::parse_binding_site_source(config.binding_sites);
  structure.ligand_distance = config.ligand_distance;
  structure.include_ions = config.include_ions;
  std::int64_t bytes = 0;
  for (const auto& piece : pieces)
    bytes += piece.end < 0 ? files[piece.file].bytes - piece.begin : piece.end - piece.begin;
  Progress progress("prepare: reading (rank 0's share, MB)", bytes >> 20, talk);
  const auto too_short = [&](const std::string& path, const std::string& id, std::int64_t length) {
    if (length >= config.min_residues) return false;
    log.add(path, "skipped record",
            id + ": " + std::to_string(length) + " residues, fewer than --min-residues " +
                std::to_string(config.min_residues));
    return true;
  };
  for (const auto& piece : pieces) {
    const InputFile& input = files[piece.file];
    const std::string& path = input.path;
    std::int64_t kept = 0;
    if (input.format == corpus::Format::fasta) {
      corpus::FastaStream stream(path, piece.begin, piece.end);
      Fingerprint current;
      SequenceFingerprint sequence;
      bool open = false;
      const auto close_record = [&] {
        if (!open || too_short(path, current.id, sequence.length())) return;
        current.length = sequence.length();
        current.high = sequence.high();
        current.low = sequence.low();
        Packer out;
        pack(out, current);
        fingerprints.write(out.bytes());
        ++kept;
      };
      std::int64_t progress_bytes = 0;
      for (auto event = stream.next(); event != corpus::FastaStream::Event::done; event = stream.next()) {
        if (event == corpus::FastaStream::Event::header) {
          close_record();
          current = Fingerprint{static_cast<std::uint32_t>(piece.file), 0, 0, 0, stream.id()};
          sequence = SequenceFingerprint();
          open = true;
        } else {
          sequence.add(stream.residues());
          progress_bytes += static_cast<std::int64_t>(stream.residues().size());
          if (progress_bytes >= (1 << 20)) {
            progress.advance(progress_bytes >> 20);
            progress_bytes &= (1 << 20) - 1;
          }
        }
      }
      close_record();
      result.spilled.push_back(0);
      if (piece.begin == 0) manifest << io::sha256_file(path) << "  " << path << "\n";
      log.add(path, "read",
              std::to_string(kept) + " record(s)" +
                  (files[piece.file].splittable && (piece.begin > 0 || piece.end >= 0)
                       ? " from bytes " + std::to_string(piece.begin) + "-" +
                             (piece.end < 0 ? std::string("end") : std::to_string(piece.end))
                       : ""));
    } else {
      corpus::Dataset part;
      try {
        part = structure::read_input(path, input.format, options, structure);
      } catch (const Error& error) {
        // Structure collections always hold some files that break the rules: those are skipped
        // with the reason. A malformed sequence or label file is a mistake to fix: fatal.
        const bool structure_file = input.format == corpus::Format::pdb || input.format == corpus::Format::mmcif;
        if (config.strict || !structure_file) throw;
        log.add(path, "skipped", error.what());
        result.spilled.push_back(0);
        progress.advance((input.bytes + 1) >> 20);
        continue;
      }
      manifest << io::sha256_file(path) << "  " << path << "\n";
      for (const auto& note : part.notes) log.add(path, "note", note);
      merge_schemas(result.schemas, part.schemas, path);
      for (const auto& record : part.records) {
        if (too_short(path, record.id, static_cast<std::int64_t>(record.sequence.size()))) continue;
        SequenceFingerprint sequence;
        sequence.add(record.sequence);
        Packer fingerprint;
        pack(fingerprint, Fingerprint{static_cast<std::uint32_t>(piece.file), sequence.length(), sequence.high(),
                                      sequence.low(), record.id});
        fingerprints.write(fingerprint.bytes());
        Packer whole;
        pack(whole, record);
        spill.write(whole.bytes());
        result.has_sources = result.has_sources || !record.source.empty();
        result.has_coordinates = result.has_coordinates || !record.ca.empty();
        result.has_cb = result.has_cb || !record.cb.empty();
        result.source_bytes =
            std::max<std::int64_t>(result.source_bytes, static_cast<std::int64_t>(record.source.size()));
        result.chain_bytes = std::max<std::int64_t>(result.chain_bytes, static_cast<std::int64_t>(record.chain.size()));
        ++kept;
      }
      if (kept == 0 && !part.records.empty() && config.strict)
        throw Error("no record of at least --min-residues residues", ErrorContext{path});
      log.add(path, "read", std::to_string(kept) + " record(s)");
      result.spilled.push_back(kept);
      progress.advance((input.bytes + 1) >> 20);
    }
    result.records += kept;
  }
  fingerprints.close();
  spill.close();
  manifest.close();
  progress.finish();
  return result;
}

// Calls visit(record index, fingerprint) for each of this rank's records in order.
template <class Visit>
void for_each_fingerprint(const Scratch& scratch, std::int64_t first_record, Visit visit) {
  BlobReader reader(scratch.file("fingerprints"));
  for (std::int64_t record = first_record; reader.next(); ++record) {
    Unpacker in = reader.unpacker();
    visit(record, unpack_fingerprint(in));
  }
}

// Duplicate sequences: the first record (lowest index) of each sequence stays; the others are
// logged and, with --dedupe, dropped.
void find_duplicate_sequences(const parallel::Communicator& comm, const Scratch& scratch,
                              const std::vector<InputFile>& files, std::int64_t first_record, std::int64_t total,
                              bool dedupe, Decisions& decisions, RankLog& log) {
  hash_partition(
      comm, scratch, total,
      [&](auto visit) {
        for_each_fingerprint(scratch, first_record, [&](std::int64_t record, const Fingerprint& f) {
          Packer out;
          out.put(f.high);
          out.put(f.low);
          out.put(record);
          out.put(f.file);
          out.put(f.id);
          visit(f.high, out.bytes());
        });
      },
      [&](const std::vector<std::pair<int, std::string>>& entries) {
        struct Entry {
          std::uint64_t high, low;
          std::int64_t record;
          std::uint32_t file;
          std::string id;
          int rank;
        };
        std::vector<Entry> all;
        for (const auto& [rank, payload] : entries) {
          Unpacker in(payload.data(), payload.size());
          Entry e{};
          in.get(e.high);
          in.get(e.low);
          in.get(e.record);
          in.get(e.file);
          in.get(e.id);
          e.rank = rank;
          all.push_back(std::move(e));
        }
        std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
          return std::tie(a.high, a.low, a.record) < std::tie(b.high, b.low, b.record);
        });
        std::vector<std::string> replies(static_cast<std::size_t>(comm.size()));
        for (std::size_t k = 1; k < all.size(); ++k) {
          std::size_t first = k - 1;
          while (first > 0 && all[first].high == all[k].high && all[first].low == all[k].low) --first;
          if (all[first].high != all[k].high || all[first].low != all[k].low) ++first;
          if (first == k) continue;
          Packer out;
          out.put(all[k].record);
          out.put(all[k].file);
          out.put(all[k].id);
          out.put(all[first].id);
          replies[static_cast<std::size_t>(all[k].rank)] += out.bytes();
        }
        return replies;
      },
      [&](Unpacker& in) {
        std::int64_t record = 0;
        std::uint32_t file = 0;
        std::string id, first_id;
        in.get(record);
        in.get(file);
        in.get(id);
        in.get(first_id);
        log.add(files[file].path, "duplicate",
                id + " has the sequence of " + first_id + (dedupe ? " (dropped: --dedupe)" : ""));
        if (dedupe) decisions.dropped.push_back(record);
      });
  std::sort(decisions.dropped.begin(), decisions.dropped.end());
}

// --sample: the records (not dropped) with the N smallest keys, N exactly (the keys of
// distinct indices differ), found by bisection over the key with global counts.
void choose_sample(const parallel::Communicator& comm, std::int64_t first_record, std::int64_t records,
                   std::int64_t wanted, std::uint64_t seed, Decisions& decisions) {
  decisions.seed_key = mix(seed ^ 0x5851f42d4c957f2dULL);
  std::uint64_t low = 0, high = ~std::uint64_t{0};  // the answer lies in [low, high]
  while (low < high) {
    const std::uint64_t middle = low + (high - low) / 2;
    std::int64_t count = 0;
    for (std::int64_t record = first_record; record < first_record + records; ++record)
      count += decisions.key(record) <= middle && decisions.kept(record);
    if (sum(comm, count) >= wanted)
      high = middle;
    else
      low = middle + 1;
  }
  decisions.sampling = true;
  decisions.threshold = low;
}

// Repeated ids among the kept records: the first keeps its id, the k-th becomes "id~k".
void rename_repeated_ids(const parallel::Communicator& comm, const Scratch& scratch,
                         const std::vector<InputFile>& files, std::int64_t first_record, std::int64_t total,
                         Decisions& decisions, RankLog& log) {
  hash_partition(
      comm, scratch, total,
      [&](auto visit) {
        for_each_fingerprint(scratch, first_record, [&](std::int64_t record, const Fingerprint& f) {
          if (!decisions.kept(record)) return;
          Packer out;
          out.put(record);
          out.put(f.file);
          out.put(f.id);
          visit(text_hash(f.id), out.bytes());
        });
      },
      [&](const std::vector<std::pair<int, std::string>>& entries) {
        struct Entry {
          std::string id;
          std::int64_t record;
          std::uint32_t file;
          int rank;
        };
        std::vector<Entry> all;
        for (const auto& [rank, payload] : entries) {
          Unpacker in(payload.data(), payload.size());
          Entry e{};
          in.get(e.record);
          in.get(e.file);
          in.get(e.id);
          e.rank = rank;
          all.push_back(std::move(e));
        }
        std::sort(all.begin(), all.end(),
                  [](const Entry& a, const Entry& b) { return std::tie(a.id, a.record) < std::tie(b.id, b.record); });
        std::vector<std::string> replies(static_cast<std::size_t>(comm.size()));
        std::int64_t uses = 0;
        for (std::size_t k = 0; k < all.size(); ++k) {
          uses = k > 0 && all[k].id == all[k - 1].id ? uses + 1 : 1;
          if (uses == 1) continue;
          Packer out;
          out.put(all[k].record);
          out.put(all[k].file);
          out.put(all[k].id);
          out.put(all[k].id + "~" + std::to_string(uses));
          replies[static_cast<std::size_t>(all[k].rank)] += out.bytes();
        }
        return replies;
      },
      [&](Unpacker& in) {
        std::int64_t record = 0;
        std::uint32_t file = 0;
        std::string id, renamed;
        in.get(record);
        in.get(file);
        in.get(id);
        in.get(renamed);
        log.add(files[file].path, "renamed", id + " → " + renamed + " (id already used)");
        decisions.renamed[record] = renamed;
      });
}

// Pass 2: the kept records of this rank's pieces, in order, into the writer, one bounded round
// at a time (every rank takes part in every round).
void write_pieces(const std::vector<InputFile>& files, const std::vector<Piece>& pieces,
                  const std::vector<std::int64_t>& spilled, const PrepareConfig& config, const Scratch& scratch,
                  std::int64_t first_record, const Decisions& decisions, std::int64_t kept_records,
                  corpus::CorpusWriter& writer, bool talk) {
  Progress progress("prepare: writing (rank 0's share, records)", kept_records, talk);
  BlobReader spill(scratch.file("records"));
  std::int64_t record = first_record;
  const auto id_of = [&](const std::string& id) {
    const auto found = decisions.renamed.find(record);
    return found == decisions.renamed.end() ? id : found->second;
  };
  const auto flush_when_full = [&] {
    if (writer.round_full()) writer.write_round(false);
  };
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    const Piece& piece = pieces[p];
    const InputFile& input = files[piece.file];
    if (input.format != corpus::Format::fasta) {
      for (std::int64_t k = 0; k < spilled[p]; ++k, ++record) {
        require(spill.next(), "internal error: scratch file cut short");
        Unpacker in = spill.unpacker();
        corpus::Record whole = unpack_record(in);
        if (!decisions.kept(record)) continue;
        whole.id = id_of(whole.id);
        writer.add(whole);
        progress.advance(1);
        flush_when_full();
      }
      continue;
    }
    // A record shorter than --min-residues (skipped in pass 1, so it has no index) is only
    // known once read: residues are held until the record reaches the minimum, then streamed.
    corpus::FastaStream stream(input.path, piece.begin, piece.end);
    std::string id, held;
    bool open = false, started = false, keep = false;
    const auto start = [&] {
      started = true;
      if (keep) {
        writer.begin(id_of(id));
        writer.add_residues(held);
        flush_when_full();
      }
      held.clear();
    };
    const auto close_record = [&] {
      if (!open) return;
      if (!started && static_cast<std::int64_t>(held.size()) < config.min_residues) return;
      if (!started) start();
      if (keep) {
        writer.end();
        progress.advance(1);
        flush_when_full();
      }
      ++record;
    };
    for (auto event = stream.next(); event != corpus::FastaStream::Event::done; event = stream.next()) {
      if (event == corpus::FastaStream::Event::header) {
        close_record();
        id = stream.id();
        held.clear();
        open = true;
        started = false;
        keep = decisions.kept(record);
      } else if (started) {
        if (keep) {
          writer.add_residues(stream.residues());
          flush_when_full();
        }
      } else {
        held.append(stream.residues());
        if (static_cast<std::int64_t>(held.size()) >= config.min_residues) start();
      }
    }
    close_record();
  }
  progress.finish();
}

}  // namespace

void prepare(const PrepareConfig& config, const parallel::Communicator& comm) {
  const bool talk = comm.root() && !config.quiet;
  if (comm.root()) {
    require(!config.inputs.empty(), "no input files given");
    require(!config.output.empty(), "no output file given (-o)");
    require(config.force || !fs::exists(config.output), "output exists; use --force to overwrite it",
            ErrorContext{config.output});
    require(config.block_size >= 0, "--block-size must be at least 1 (0: chosen from the number of records)");
    require(config.sample >= 0, "--sample must not be negative");
  }
  const std::vector<InputFile> files = list_inputs(config, comm);
  const std::vector<Piece> pieces = pieces_of_rank(files, comm.rank(), comm.size());
  if (talk) std::fprintf(stderr, "prepare: %zu file(s) on %d rank(s)\n", files.size(), comm.size());
  const Scratch scratch(comm.rank());
  RankLog log(scratch.file("log"));
  const PassOne parsed = read_pieces(files, pieces, config, scratch, log, talk);

  // Every rank has parsed its share without error: from here on, the ranks agree.
  const std::int64_t first_parsed = exclusive_prefix(comm, parsed.records);
  const std::int64_t total_parsed = sum(comm, parsed.records);
  std::string schemas;
  if (const auto parts = comm.gather(schemas_text(parsed.schemas)); comm.root()) {
    std::vector<corpus::LabelSchema> all;
    for (std::size_t r = 0; r < parts.size(); ++r)
      merge_schemas(all, parse_schemas(parts[r]), "rank " + std::to_string(r) + "'s inputs");
    schemas = schemas_text(all);
  }
  comm.broadcast(schemas);

  Decisions decisions;
  find_duplicate_sequences(comm, scratch, files, first_parsed, total_parsed, config.dedupe, decisions, log);
  const std::int64_t available = total_parsed - sum(comm, static_cast<std::int64_t>(decisions.dropped.size()));
  if (config.sample > 0 && config.sample < available)
    choose_sample(comm, first_parsed, parsed.records, config.sample, config.seed, decisions);
  rename_repeated_ids(comm, scratch, files, first_parsed, total_parsed, decisions, log);
  std::int64_t kept_records = 0, kept_residues = 0, id_bytes = 1;
  for_each_fingerprint(scratch, first_parsed, [&](std::int64_t record, const Fingerprint& f) {
    if (!decisions.kept(record)) return;
    ++kept_records;
    kept_residues += f.length;
    const auto renamed = decisions.renamed.find(record);
    id_bytes = std::max<std::int64_t>(
        id_bytes, static_cast<std::int64_t>(renamed == decisions.renamed.end() ? f.id.size() : renamed->second.size()));
  });

  // The log and the manifest of source files, appended rank after rank.
  log.close();
  const std::string log_path = config.log.empty() ? config.output + ".log" : config.log;
  append_in_rank_order(comm, log_path, scratch.file("log"), "# bertology prepare log: file<TAB>event<TAB>detail\n",
                       true);
  const std::int64_t manifest_start = comm.root() ? static_cast<std::int64_t>(fs::file_size(log_path)) : 0;
  const std::string manifest_header = "# source files: sha256  path\n";
  append_in_rank_order(comm, log_path, scratch.file("manifest"), manifest_header, false);
  std::string manifest_sha256;
  if (comm.root()) {
    std::ifstream in(log_path, std::ios::binary);
    in.seekg(manifest_start + static_cast<std::int64_t>(manifest_header.size()));
    io::Sha256 hash;
    std::vector<char> chunk(1 << 20);
    while (in) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      hash.update(chunk.data(), static_cast<std::size_t>(in.gcount()));
    }
    manifest_sha256 = hash.hex_digest();
  }
  Events events;
  for (const char* event : {"read", "skipped", "skipped record", "note", "duplicate", "renamed"})
    events[event] = sum(comm, log.events()[event]);

  corpus::CorpusLayout layout;
  layout.sequences = sum(comm, kept_records);
  layout.residues = sum(comm, kept_residues);
  if (layout.sequences == 0) {
    // One bad file given alone must name its own line, not only point at the log.
    std::string first_skip;
    for (const auto& reason : comm.gather(log.first_skip()))
      if (first_skip.empty()) first_skip = reason;
    comm.broadcast(first_skip);
    throw Error("no records to write: every input was skipped" +
                    (first_skip.empty() ? std::string() : "; the first because " + first_skip) + " (every reason in " +
                    log_path + ")",
                ErrorContext{config.output});
  }
  layout.block_size = config.block_size > 0 ? config.block_size : corpus::default_block_size(layout.sequences);
  layout.id_bytes = static_cast<std::size_t>(maximum(comm, id_bytes));
  layout.has_sources = maximum(comm, parsed.has_sources) != 0;
  layout.source_bytes = static_cast<std::size_t>(maximum(comm, parsed.source_bytes));
  layout.chain_bytes = static_cast<std::size_t>(maximum(comm, parsed.chain_bytes));
  layout.has_coordinates = maximum(comm, parsed.has_coordinates) != 0;
  layout.has_cb = maximum(comm, parsed.has_cb) != 0;
  layout.schemas = parse_schemas(schemas);
  const std::int64_t first_record = exclusive_prefix(comm, kept_records);
  const std::int64_t first_residue = exclusive_prefix(comm, kept_residues);

  std::map<std::string, std::string> provenance{{"sources", join(config.inputs, ",")},
                                                {"n_source_files", std::to_string(files.size())},
                                                {"source_manifest_sha256", manifest_sha256},
                                                {"command_line", config.command_line},
                                                {"created", utc_now()},
                                                {"log", log_path}};
  if (decisions.sampling)
    provenance["sample"] = std::to_string(config.sample) + " of " + std::to_string(available) + " records, seed " +
                           std::to_string(config.seed);
  {
    corpus::CorpusWriter writer(config.output, layout, comm.get(), first_record, kept_records, first_residue);
    try {
      write_pieces(files, pieces, parsed.spilled, config, scratch, first_parsed, decisions, kept_records, writer, talk);
      while (writer.write_round(true)) {
      }
      writer.finish(provenance);
    } catch (const std::exception& error) {
      // Pass 1 read these inputs without error, so this is an I/O failure. With the file open
      // collectively, unwinding would hang the other ranks in its close: end the job here.
      if (comm.size() == 1) throw;
      std::fprintf(stderr, "bertology: rank %d: %s\n", comm.rank(), error.what());
      std::error_code ignored;
      fs::remove(writer.temporary_path(), ignored);
      parallel::abort_job(1);
    }
  }
  if (!config.quiet && comm.root()) {
    std::string labels;
    for (const auto& schema : layout.schemas) labels += " " + schema.name;
    std::fprintf(stderr,
                 "prepare: %zu file(s): %lld read, %lld skipped; %lld record(s) skipped as too short; %lld "
                 "duplicate sequence(s)%s; %lld id(s) renamed; %lld note(s)\n",
                 files.size(), static_cast<long long>(events["read"]), static_cast<long long>(events["skipped"]),
                 static_cast<long long>(events["skipped record"]), static_cast<long long>(events["duplicate"]),
                 config.dedupe ? " dropped" : " kept (--dedupe drops them)", static_cast<long long>(events["renamed"]),
                 static_cast<long long>(events["note"]));
    std::fprintf(
        stderr, "prepare: wrote %s (%lld sequences, %lld residues, %lld blocks of %lld, labels:%s); log in %s\n",
        config.output.c_str(), static_cast<long long>(layout.sequences), static_cast<long long>(layout.residues),
        static_cast<long long>((layout.sequences + layout.block_size - 1) / layout.block_size),
        static_cast<long long>(layout.block_size), labels.empty() ? " none" : labels.c_str(), log_path.c_str());
  }
}

}  // namespace bertology::pipeline
