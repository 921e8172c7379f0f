#include "bertology/corpus/corpus_file.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <set>

#include "bertology/error.h"
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

}  // namespace

void write_corpus(const std::string& path, const Dataset& data, const std::map<std::string, std::string>& provenance,
                  bool force) {
  require(force || !std::filesystem::exists(path), "output exists; use --force to overwrite it", ErrorContext{path});
  require(!data.records.empty(), "no records to write", ErrorContext{path});

  std::vector<std::string> ids, sources, chains;
  std::vector<std::int64_t> offsets{0};
  std::vector<std::uint8_t> residues;
  std::vector<double> ca;
  std::vector<std::uint8_t> mask;
  std::vector<double> cb;
  std::vector<std::uint8_t> cb_mask;
  std::set<char> letters;
  bool has_coordinates = false, has_cb = false, has_sources = false;
  for (const auto& record : data.records) {
    has_coordinates = has_coordinates || !record.ca.empty();
    has_cb = has_cb || !record.cb.empty();
    has_sources = has_sources || !record.source.empty();
  }
  std::map<std::string, std::vector<std::int8_t>> labels;
  for (const auto& schema : data.schemas) labels[schema.name];

  std::set<std::string> seen;
  for (const auto& record : data.records) {
    require(seen.insert(record.id).second, "duplicate record id", ErrorContext{path, record.id});
    const std::size_t n = record.sequence.size();
    ids.push_back(record.id);
    sources.push_back(record.source);
    chains.push_back(record.chain);
    offsets.push_back(offsets.back() + static_cast<std::int64_t>(n));
    residues.insert(residues.end(), record.sequence.begin(), record.sequence.end());
    letters.insert(record.sequence.begin(), record.sequence.end());
    if (has_coordinates) {
      require(record.ca.empty() || (record.ca.size() == n && record.ca_mask.size() == n),
              "coordinates do not match the sequence length", ErrorContext{path, record.id});
      for (std::size_t i = 0; i < n; ++i) {
        const bool present = !record.ca.empty() && record.ca_mask[i];
        for (int d = 0; d < 3; ++d) ca.push_back(present ? record.ca[i][d] : 0.0);
        mask.push_back(present ? 1 : 0);
      }
    }
    if (has_cb) {
      require(record.cb.empty() || (record.cb.size() == n && record.cb_mask.size() == n),
              "C-beta coordinates do not match the sequence length", ErrorContext{path, record.id});
      for (std::size_t i = 0; i < n; ++i) {
        const bool present = !record.cb.empty() && record.cb_mask[i];
        for (int d = 0; d < 3; ++d) cb.push_back(present ? record.cb[i][d] : 0.0);
        cb_mask.push_back(present ? 1 : 0);
      }
    }
    for (auto& [name, values] : labels) {
      auto found = record.labels.find(name);
      if (found == record.labels.end()) {
        values.insert(values.end(), n, kUnknownLabel);
      } else {
        require(found->second.size() == n, "label " + name + " does not match the sequence length",
                ErrorContext{path, record.id});
        values.insert(values.end(), found->second.begin(), found->second.end());
      }
    }
  }

  const std::string temporary =
      (std::filesystem::path(path).parent_path() / ("." + std::filesystem::path(path).filename().string() + ".partial"))
          .string();
  try {
    io::File file = io::File::create(temporary);
    file.create_group("sequences");
    io::write_strings(file, "sequences/ids", ids);
    if (has_sources) {
      io::write_strings(file, "sequences/sources", sources);
      io::write_strings(file, "sequences/chains", chains);
    }
    io::write_dataset(file, "sequences/offsets", {offsets.size()}, offsets.data(), true, true);
    io::write_dataset(file, "sequences/residues", {residues.size()}, residues.data(), true, true);
    io::write_attribute(file, "sequences/residues", "encoding", std::string("ASCII one-letter codes, raw"));
    if (has_coordinates || has_cb) file.create_group("coordinates");
    if (has_coordinates) {
      io::write_dataset(file, "coordinates/ca", {mask.size(), 3}, ca.data(), true, true);
      io::write_attribute(file, "coordinates/ca", "units", std::string("angstrom"));
      io::write_dataset(file, "coordinates/mask", {mask.size()}, mask.data(), true, true);
    }
    if (has_cb) {
      io::write_dataset(file, "coordinates/cb", {cb_mask.size(), 3}, cb.data(), true, true);
      io::write_attribute(file, "coordinates/cb", "units", std::string("angstrom"));
      io::write_attribute(file, "coordinates/cb", "definition", std::string("C-beta; C-alpha for glycine"));
      io::write_dataset(file, "coordinates/cb_mask", {cb_mask.size()}, cb_mask.data(), true, true);
    }
    if (!data.schemas.empty()) file.create_group("labels");
    for (const auto& schema : data.schemas) {
      const auto& values = labels.at(schema.name);
      io::write_dataset(file, "labels/" + schema.name, {values.size()}, values.data(), true, true);
      io::write_attribute(file, "labels/" + schema.name, "kind", kind_name(schema.kind));
      io::write_attribute(file, "labels/" + schema.name, "classes", schema.classes);
      if (!schema.description.empty())
        io::write_attribute(file, "labels/" + schema.name, "description", schema.description);
    }
    io::write_attribute(file, "/", "format", std::string("bertology corpus 1"));
    io::write_attribute(file, "/", "version", std::string(kVersion));
    io::write_attribute(file, "/", "letters", std::string(letters.begin(), letters.end()));
    io::write_attribute(file, "/", "n_sequences", static_cast<std::int64_t>(ids.size()));
    io::write_attribute(file, "/", "n_residues", static_cast<std::int64_t>(residues.size()));
    for (const auto& [name, value] : provenance) io::write_attribute(file, "/", name, value);
  } catch (...) {
    std::filesystem::remove(temporary);
    throw;
  }
  std::filesystem::rename(temporary, path);
}

struct CorpusReader::Impl {
  io::File file;
};

CorpusReader::CorpusReader(const std::string& path, MPI_Comm comm)
    : path_(path), impl_(new Impl{io::File::open_read(path, comm)}) {
  if (!impl_->file.exists("sequences/offsets") || !impl_->file.exists("sequences/residues")) {
    delete impl_;
    throw Error("not a bertology corpus (no /sequences/offsets); make one with `bertology prepare`",
                ErrorContext{path});
  }
}

CorpusReader::~CorpusReader() { delete impl_; }

CorpusMetadata CorpusReader::read_metadata() const {
  const io::File& file = impl_->file;
  CorpusMetadata metadata;
  const auto offsets = io::dataset_shape(file, "sequences/offsets");
  require(offsets.size() == 1 && offsets[0] >= 1, "/sequences/offsets must be a 1-D array of N+1 values",
          ErrorContext{path_});
  metadata.sequences = static_cast<std::int64_t>(offsets[0]) - 1;
  metadata.has_coordinates = file.exists("coordinates/ca");
  metadata.has_cb = file.exists("coordinates/cb");
  for (const auto& name : file.members("labels")) {
    LabelSchema schema;
    schema.name = name;
    schema.kind = parse_kind(io::read_string_attribute(file, "labels/" + name, "kind"), path_);
    schema.classes = io::read_strings_attribute(file, "labels/" + name, "classes");
    if (io::has_attribute(file, "labels/" + name, "description"))
      schema.description = io::read_string_attribute(file, "labels/" + name, "description");
    metadata.schemas.push_back(schema);
  }
  metadata.letters = io::has_attribute(file, "/", "letters") ? io::read_string_attribute(file, "/", "letters") : "";
  return metadata;
}

std::vector<std::int64_t> CorpusReader::read_lengths() const {
  const auto offsets = io::read_dataset<std::int64_t>(impl_->file, "sequences/offsets");
  const auto residues = io::dataset_shape(impl_->file, "sequences/residues");
  require(!offsets.empty() && offsets.front() == 0 && residues.size() == 1 &&
              static_cast<std::uint64_t>(offsets.back()) == residues[0],
          "/sequences/offsets do not match /sequences/residues", ErrorContext{path_});
  std::vector<std::int64_t> lengths(offsets.size() - 1);
  for (std::size_t r = 0; r < lengths.size(); ++r) {
    lengths[r] = offsets[r + 1] - offsets[r];
    require(lengths[r] >= 0, "/sequences/offsets decrease", ErrorContext{path_, std::to_string(r)});
  }
  return lengths;
}

namespace {

// Consecutive runs of sorted, distinct row numbers as [begin, end) ranges.
std::vector<std::pair<hsize_t, hsize_t>> as_ranges(const std::vector<hsize_t>& rows) {
  std::vector<std::pair<hsize_t, hsize_t>> ranges;
  for (hsize_t row : rows) {
    if (!ranges.empty() && ranges.back().second == row)
      ++ranges.back().second;
    else
      ranges.emplace_back(row, row + 1);
  }
  return ranges;
}

}  // namespace

std::vector<Record> CorpusReader::read_records(const std::vector<std::int64_t>& wanted) const {
  const io::File& file = impl_->file;
  const CorpusMetadata metadata = read_metadata();
  // Read in file order with one union-of-hyperslabs selection per dataset, then reorder.
  std::vector<std::size_t> order(wanted.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return wanted[a] < wanted[b]; });
  std::vector<hsize_t> rows, offset_rows;
  for (std::size_t k : order) {
    const std::int64_t r = wanted[k];
    require(r >= 0 && r < metadata.sequences, "record " + std::to_string(r) + " does not exist", ErrorContext{path_});
    require(rows.empty() || rows.back() != static_cast<hsize_t>(r), "record asked twice", ErrorContext{path_});
    rows.push_back(static_cast<hsize_t>(r));
    if (offset_rows.empty() || offset_rows.back() != static_cast<hsize_t>(r)) offset_rows.push_back(r);
    offset_rows.push_back(r + 1);
  }
  const auto offset_values = io::read_rows<std::int64_t>(file, "sequences/offsets", as_ranges(offset_rows));
  std::vector<std::pair<hsize_t, hsize_t>> ranges;
  for (hsize_t row : rows) {
    const auto at =
        static_cast<std::size_t>(std::lower_bound(offset_rows.begin(), offset_rows.end(), row) - offset_rows.begin());
    const auto begin = static_cast<hsize_t>(offset_values[at]), end = static_cast<hsize_t>(offset_values[at + 1]);
    require(end >= begin, "/sequences/offsets decrease", ErrorContext{path_, std::to_string(row)});
    if (!ranges.empty() && ranges.back().second == begin)
      ranges.back().second = end;
    else
      ranges.emplace_back(begin, end);
  }
  const auto residues = io::read_rows<std::uint8_t>(file, "sequences/residues", ranges);
  const auto ids = io::read_string_rows(file, "sequences/ids", rows);
  const bool has_sources = file.exists("sequences/sources");
  std::vector<std::string> sources, chains;
  if (has_sources) {
    sources = io::read_string_rows(file, "sequences/sources", rows);
    chains = io::read_string_rows(file, "sequences/chains", rows);
  }
  std::vector<double> ca;
  std::vector<std::uint8_t> mask;
  if (metadata.has_coordinates) {
    ca = io::read_rows<double>(file, "coordinates/ca", ranges);
    mask = io::read_rows<std::uint8_t>(file, "coordinates/mask", ranges);
  }
  std::vector<double> cb;
  std::vector<std::uint8_t> cb_mask;
  if (metadata.has_cb) {
    cb = io::read_rows<double>(file, "coordinates/cb", ranges);
    cb_mask = io::read_rows<std::uint8_t>(file, "coordinates/cb_mask", ranges);
  }
  std::map<std::string, std::vector<std::int8_t>> labels;
  for (const auto& schema : metadata.schemas)
    labels[schema.name] = io::read_rows<std::int8_t>(file, "labels/" + schema.name, ranges);

  std::vector<Record> records(wanted.size());
  std::size_t position = 0;
  for (std::size_t s = 0; s < order.size(); ++s) {
    const auto at = static_cast<std::size_t>(std::lower_bound(offset_rows.begin(), offset_rows.end(), rows[s]) -
                                             offset_rows.begin());
    const auto n = static_cast<std::size_t>(offset_values[at + 1] - offset_values[at]);
    Record& record = records[order[s]];
    record.id = ids[s];
    if (has_sources) {
      record.source = sources[s];
      record.chain = chains[s];
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
    position += n;
  }
  return records;
}

}  // namespace bertology::corpus
