// `bertology prepare`: input files and directories → one corpus.h5. Under MPI the ranks share
// the files (contiguous blocks of the sorted list, balanced by size) and the corpus comes out
// the same whatever the number of ranks: records in file order, then in the file's order.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "bertology/corpus/corpus_file.h"
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

// Contiguous blocks of files with about equal bytes per rank.
std::vector<std::size_t> split_by_size(const std::vector<std::string>& files, int ranks) {
  std::vector<double> prefix{0.0};
  for (const auto& file : files) prefix.push_back(prefix.back() + static_cast<double>(fs::file_size(file)) + 1.0);
  std::vector<std::size_t> begin(static_cast<std::size_t>(ranks) + 1, files.size());
  begin[0] = 0;
  for (int r = 1; r < ranks; ++r) {
    const double target = prefix.back() * r / ranks;
    begin[r] = std::max(begin[r - 1], static_cast<std::size_t>(std::lower_bound(prefix.begin(), prefix.end(), target) -
                                                               prefix.begin()));
    begin[r] = std::min(begin[r], files.size());
  }
  return begin;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

void merge_schemas(std::vector<corpus::LabelSchema>& all, const std::vector<corpus::LabelSchema>& part,
                   const std::string& path) {
  for (const auto& schema : part) {
    auto same =
        std::find_if(all.begin(), all.end(), [&](const corpus::LabelSchema& s) { return s.name == schema.name; });
    if (same == all.end())
      all.push_back(schema);
    else
      require(same->kind == schema.kind && same->classes == schema.classes,
              "label " + schema.name + " has other classes than in an earlier input", ErrorContext{path});
  }
}

// What one rank read: its records (in file order) and one log line per event.
struct Share {
  corpus::Dataset data;
  std::string log;       // "path\tevent\tdetail" lines
  std::string manifest;  // "sha256  path" lines
};

Share read_share(const std::vector<std::string>& files, std::size_t begin, std::size_t end, const PrepareConfig& config,
                 bool talk) {
  Share share;
  corpus::ReadOptions options;
  options.label = config.label;
  structure::StructureOptions structure;
  structure.chains = config.chains;
  structure.binding_sites = structure::parse_binding_site_source(config.binding_sites);
  structure.ligand_distance = config.ligand_distance;
  structure.include_ions = config.include_ions;
  Progress progress("prepare (rank 0 share, files)", static_cast<std::int64_t>(end - begin), talk);
  for (std::size_t f = begin; f < end; ++f) {
    const std::string& path = files[f];
    corpus::Dataset part;
    const corpus::Format format =
        config.format.empty() ? corpus::guess_format(path) : corpus::parse_format(config.format);
    try {
      part = structure::read_input(path, format, options, structure);
    } catch (const Error& error) {
      // Structure collections always hold some files that break the rules: those are skipped
      // with the reason. A malformed sequence or label file is a mistake to fix: fatal.
      const bool structure_file = format == corpus::Format::pdb || format == corpus::Format::mmcif;
      if (config.strict || !structure_file) throw;
      share.log += path + "\tskipped\t" + error.what() + "\n";
      progress.advance(1);
      continue;
    }
    share.manifest += io::sha256_file(path) + "  " + path + "\n";
    for (const auto& note : part.notes) share.log += path + "\tnote\t" + note + "\n";
    merge_schemas(share.data.schemas, part.schemas, path);
    std::size_t kept = 0;
    for (auto& record : part.records) {
      if (static_cast<std::int64_t>(record.sequence.size()) < config.min_residues) {
        share.log += path + "\tskipped record\t" + record.id + ": " + std::to_string(record.sequence.size()) +
                     " residues, fewer than --min-residues " + std::to_string(config.min_residues) + "\n";
        continue;
      }
      share.data.records.push_back(std::move(record));
      ++kept;
    }
    if (kept == 0 && !part.records.empty() && config.strict)
      throw Error("no record of at least --min-residues residues", ErrorContext{path});
    share.log += path + "\tread\t" + std::to_string(kept) + " record(s)\n";
    progress.advance(1);
  }
  progress.finish();
  return share;
}

// Records travel to rank 0 as bytes (gathered with the logs), so no rank writes files but
// the output.
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
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

class Unpacker {
 public:
  explicit Unpacker(const std::string& bytes) : bytes_(bytes) {}
  bool done() const { return at_ == bytes_.size(); }
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
    require(at_ + n <= bytes_.size(), "internal error: truncated record transfer");
    const char* p = bytes_.data() + at_;
    at_ += n;
    return p;
  }
  const std::string& bytes_;
  std::size_t at_ = 0;
};

std::string pack(const std::vector<corpus::Record>& records) {
  Packer out;
  for (const auto& r : records) {
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
  return out.bytes();
}

void unpack(const std::string& bytes, std::vector<corpus::Record>& records) {
  Unpacker in(bytes);
  while (!in.done()) {
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
    records.push_back(std::move(r));
  }
}

std::string pack(const std::vector<corpus::LabelSchema>& schemas) {
  std::string text;
  for (const auto& s : schemas) {
    text += s.name + "\t" + (s.kind == corpus::LabelKind::binary ? "binary" : "categorical") + "\t" + s.description;
    for (const auto& c : s.classes) text += "\t" + c;
    text += "\n";
  }
  return text;
}

std::vector<corpus::LabelSchema> unpack_schemas(const std::string& text) {
  std::vector<corpus::LabelSchema> schemas;
  for (const auto& line : split_lines(text)) {
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

// Renames repeated ids (same file stem in two directories) and, with --dedupe, drops repeated
// sequences; both are logged.
void make_unique(corpus::Dataset& data, bool dedupe, std::string& log, std::int64_t& duplicates) {
  std::map<std::string, std::string> first_with_sequence;
  std::map<std::string, int> id_uses;
  std::vector<corpus::Record> kept;
  for (auto& record : data.records) {
    auto [seen, fresh] = first_with_sequence.emplace(record.sequence, record.id);
    if (!fresh) {
      ++duplicates;
      log += record.source + "\tduplicate\t" + record.id + " has the sequence of " + seen->second +
             (dedupe ? " (dropped: --dedupe)" : "") + "\n";
      if (dedupe) continue;
    }
    if (int uses = ++id_uses[record.id]; uses > 1) {
      const std::string renamed = record.id + "~" + std::to_string(uses);
      log += record.source + "\trenamed\t" + record.id + " → " + renamed + " (id already used)\n";
      record.id = renamed;
    }
    kept.push_back(std::move(record));
  }
  data.records = std::move(kept);
}

}  // namespace

void prepare(const PrepareConfig& config, const parallel::Communicator& comm) {
  const bool talk = comm.root() && !config.quiet;
  std::string listing;
  if (comm.root()) {
    require(!config.inputs.empty(), "no input files given");
    require(!config.output.empty(), "no output file given (-o)");
    require(config.force || !fs::exists(config.output), "output exists; use --force to overwrite it",
            ErrorContext{config.output});
    for (const auto& file : expand_inputs(config.inputs)) listing += file + "\n";
  }
  comm.broadcast(listing);
  const std::vector<std::string> files = split_lines(listing);
  const std::vector<std::size_t> begin = split_by_size(files, comm.size());
  if (talk) std::fprintf(stderr, "prepare: %zu file(s) on %d rank(s)\n", files.size(), comm.size());

  Share share = read_share(files, begin[comm.rank()], begin[comm.rank() + 1], config, talk);
  // Rank 0 joins every rank's records in rank order, which is file order.
  const std::vector<std::string> records = comm.gather(pack(share.data.records));
  const std::vector<std::string> schemas = comm.gather(pack(share.data.schemas));
  const std::vector<std::string> logs = comm.gather(share.log);
  const std::vector<std::string> manifests = comm.gather(share.manifest);
  if (!comm.root()) {
    comm.barrier();
    return;
  }
  corpus::Dataset all;
  for (int r = 0; r < comm.size(); ++r) {
    merge_schemas(all.schemas, unpack_schemas(schemas[r]), "rank " + std::to_string(r));
    unpack(records[r], all.records);
  }

  std::string log;
  for (const auto& text : logs) log += text;
  std::int64_t duplicates = 0;
  make_unique(all, config.dedupe, log, duplicates);
  std::string manifest;
  for (const auto& text : manifests) manifest += text;
  io::Sha256 manifest_hash;
  manifest_hash.update(manifest.data(), manifest.size());

  std::map<std::string, std::int64_t> events;  // the second field of each log line
  for (const auto& line : split_lines(log)) {
    const auto first = line.find('\t'), second = line.find('\t', first + 1);
    if (first != std::string::npos) ++events[line.substr(first + 1, second - first - 1)];
  }
  if (all.records.empty()) {
    std::string reasons;
    for (const auto& line : split_lines(log))
      if (line.find("\tskipped") != std::string::npos && reasons.size() < 2000) reasons += "\n  " + line;
    throw Error("no records to write: every input was skipped" + reasons, ErrorContext{config.output});
  }

  const std::string log_path = config.log.empty() ? config.output + ".log" : config.log;
  {
    std::ofstream out(log_path);
    require(static_cast<bool>(out), "cannot write the log", ErrorContext{log_path});
    out << "# bertology prepare log: file<TAB>event<TAB>detail\n" << log;
    out << "# source files: sha256  path\n" << manifest;
  }
  std::int64_t residues = 0;
  for (const auto& record : all.records) residues += static_cast<std::int64_t>(record.sequence.size());
  corpus::write_corpus(config.output, all,
                       {{"sources", join(config.inputs, ",")},
                        {"n_source_files", std::to_string(files.size())},
                        {"source_manifest_sha256", manifest_hash.hex_digest()},
                        {"command_line", config.command_line},
                        {"created", utc_now()},
                        {"log", log_path}},
                       config.force);
  if (!config.quiet) {
    std::string labels;
    for (const auto& schema : all.schemas) labels += " " + schema.name;
    std::fprintf(stderr,
                 "prepare: %zu file(s): %lld read, %lld skipped; %lld record(s) skipped as too short; %lld "
                 "duplicate sequence(s)%s; %lld note(s)\n",
                 files.size(), static_cast<long long>(events["read"]), static_cast<long long>(events["skipped"]),
                 static_cast<long long>(events["skipped record"]), static_cast<long long>(duplicates),
                 config.dedupe ? " dropped" : " kept (--dedupe drops them)", static_cast<long long>(events["note"]));
    std::fprintf(stderr, "prepare: wrote %s (%zu sequences, %lld residues, labels:%s); log in %s\n",
                 config.output.c_str(), all.records.size(), static_cast<long long>(residues),
                 labels.empty() ? " none" : labels.c_str(), log_path.c_str());
  }
  comm.barrier();
}

}  // namespace bertology::pipeline
