#include "rank_state.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <set>

#include "bertology/error.h"
#include "bertology/io/hdf5.h"

namespace fs = std::filesystem;

namespace bertology::pipeline {
namespace {

// The counts as flat int64 arrays in a checkpoint; thresholds and properties are part of the
// fingerprint, so the shape is known on reading.
void write_counts(const io::File& file, const std::string& prefix, const std::vector<const analysis::Counts*>& all) {
  std::vector<std::int64_t> heads, numerator, denominator, totals, precision;
  for (const analysis::Counts* counts : all) {
    const analysis::PrecisionCounts& p = counts->precision;
    precision.insert(precision.end(), p.selected.begin(), p.selected.end());
    precision.insert(precision.end(), p.contacts.begin(), p.contacts.end());
    if (p.layers > 0) precision.push_back(p.sequences);
    heads.insert(heads.end(), counts->head_counts.begin(), counts->head_counts.end());
    numerator.insert(numerator.end(), counts->background_numerator.begin(), counts->background_numerator.end());
    denominator.insert(denominator.end(), counts->background_denominator.begin(), counts->background_denominator.end());
    totals.push_back(counts->sequences);
    totals.push_back(counts->residues);
  }
  io::write_dataset(file, prefix + "head_counts", {heads.size()}, heads.data());
  io::write_dataset(file, prefix + "background_numerator", {numerator.size()}, numerator.data());
  io::write_dataset(file, prefix + "background_denominator", {denominator.size()}, denominator.data());
  io::write_dataset(file, prefix + "sequences_residues", {totals.size()}, totals.data());
  if (!precision.empty()) io::write_dataset(file, prefix + "contact_precision", {precision.size()}, precision.data());
}

void read_counts(const io::File& file, const std::string& prefix, const std::vector<analysis::Counts*>& all) {
  const auto heads = io::read_dataset<std::int64_t>(file, prefix + "head_counts");
  const auto numerator = io::read_dataset<std::int64_t>(file, prefix + "background_numerator");
  const auto denominator = io::read_dataset<std::int64_t>(file, prefix + "background_denominator");
  const auto totals = io::read_dataset<std::int64_t>(file, prefix + "sequences_residues");
  const bool has_precision = !all.empty() && all.front()->precision.layers > 0;
  const auto precision =
      has_precision ? io::read_dataset<std::int64_t>(file, prefix + "contact_precision") : std::vector<std::int64_t>{};
  std::size_t at_heads = 0, at_background = 0, at_precision = 0;
  for (std::size_t k = 0; k < all.size(); ++k) {
    analysis::Counts& counts = *all[k];
    const std::size_t n = counts.head_counts.size(), p = counts.background_numerator.size();
    require(heads.size() >= at_heads + n && numerator.size() >= at_background + p &&
                denominator.size() >= at_background + p && totals.size() >= 2 * k + 2,
            "checkpoint counts have the wrong size", ErrorContext{file.path()});
    std::copy_n(heads.begin() + at_heads, n, counts.head_counts.begin());
    std::copy_n(numerator.begin() + at_background, p, counts.background_numerator.begin());
    std::copy_n(denominator.begin() + at_background, p, counts.background_denominator.begin());
    counts.sequences = totals[2 * k];
    counts.residues = totals[2 * k + 1];
    at_heads += n;
    at_background += p;
    if (has_precision) {
      analysis::PrecisionCounts& pc = counts.precision;
      const std::size_t q = pc.selected.size();
      require(precision.size() >= at_precision + 2 * q + 1, "checkpoint contact precision has the wrong size",
              ErrorContext{file.path()});
      std::copy_n(precision.begin() + at_precision, q, pc.selected.begin());
      std::copy_n(precision.begin() + at_precision + q, q, pc.contacts.begin());
      pc.sequences = precision[at_precision + 2 * q];
      at_precision += 2 * q + 1;
    }
  }
  require(precision.size() == at_precision, "checkpoint contact precision has the wrong size",
          ErrorContext{file.path()});
  require(heads.size() == at_heads && totals.size() == 2 * all.size(), "checkpoint counts have the wrong size",
          ErrorContext{file.path()});
}

RankState read_state(const std::string& path, const RankState& empty, const RunFingerprint& fingerprint) {
  io::File file = io::File::open_read(path);
  for (const auto& [name, expected] : fingerprint) {
    require(io::has_attribute(file, "/", name), "checkpoint lacks the setting " + name, ErrorContext{path});
    const std::string found = io::read_string_attribute(file, "/", name);
    require(found == expected,
            "checkpoint was made with " + name + " = " + found + ", this run has " + expected +
                " (resume with the same settings, or start over with --force)",
            ErrorContext{path});
  }
  RankState state = empty;
  state.blocks_done = io::read_dataset<std::int64_t>(file, "blocks_done");
  state.block_seconds = io::read_dataset<double>(file, "block_seconds");
  require(state.blocks_done.size() == state.block_seconds.size(), "checkpoint block lists differ in length",
          ErrorContext{path});
  read_counts(file, "totals_", {&state.totals});
  std::vector<analysis::Counts*> groups;
  for (auto& group : state.groups) groups.push_back(&group);
  if (!groups.empty()) read_counts(file, "groups_", groups);
  return state;
}

// attempt-NNNN.rank-NNNNN.h5, or its .previous copy (used when a kill fell between the two
// renames of a save, so that the final name is missing).
const std::regex kStateName(R"(attempt-(\d+)\.rank-(\d+)\.h5(\.previous)?)");

// Per attempt, per rank: the file to read.
std::map<int, std::map<int, std::string>> list_states(const std::string& directory) {
  std::map<int, std::map<int, std::string>> states;
  if (!fs::exists(directory)) return states;
  for (const auto& entry : fs::directory_iterator(directory)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, match, kStateName)) continue;
    std::string& chosen = states[std::stoi(match[1])][std::stoi(match[2])];
    if (chosen.empty() || !match[3].matched) chosen = entry.path().string();
  }
  return states;
}

}  // namespace

RankState::RankState(const analysis::Counts& empty, std::int64_t group_count)
    : totals(empty), groups(static_cast<std::size_t>(group_count), empty) {}

void RankState::add_block(std::int64_t block, std::int64_t group, const analysis::Counts& counts, double seconds) {
  totals.add(counts);
  if (!groups.empty()) groups.at(static_cast<std::size_t>(group)).add(counts);
  blocks_done.push_back(block);
  block_seconds.push_back(seconds);
}

void RankState::merge(const RankState& other, const std::string& source) {
  std::set<std::int64_t> done(blocks_done.begin(), blocks_done.end());
  for (std::int64_t block : other.blocks_done)
    require(done.insert(block).second, "block " + std::to_string(block) + " is in two checkpoints",
            ErrorContext{source});
  totals.add(other.totals);
  require(groups.size() == other.groups.size(), "checkpoints differ in their number of groups", ErrorContext{source});
  for (std::size_t g = 0; g < groups.size(); ++g) groups[g].add(other.groups[g]);
  blocks_done.insert(blocks_done.end(), other.blocks_done.begin(), other.blocks_done.end());
  block_seconds.insert(block_seconds.end(), other.block_seconds.begin(), other.block_seconds.end());
}

std::string CheckpointStore::path(int attempt, int rank) const {
  char name[64];
  std::snprintf(name, sizeof name, "attempt-%04d.rank-%05d.h5", attempt, rank);
  return (fs::path(directory_) / name).string();
}

bool CheckpointStore::empty() const { return list_states(directory_).empty(); }

int CheckpointStore::latest_attempt() const {
  int latest = -1;
  for (const auto& [attempt, ranks] : list_states(directory_))
    if (attempt == 0 || ranks.count(0)) latest = std::max(latest, attempt);
  return latest;
}

RankState CheckpointStore::load(int attempt, const RankState& empty, const RunFingerprint& fingerprint) const {
  RankState merged = empty;
  const auto states = list_states(directory_);
  for (const auto& [rank, path] : states.at(attempt)) merged.merge(read_state(path, empty, fingerprint), path);
  return merged;
}

void CheckpointStore::save(int attempt, int rank, const RankState& state, const RunFingerprint& fingerprint) const {
  const std::string final_path = path(attempt, rank);
  const std::string temporary = final_path + ".writing";
  fs::create_directories(directory_);
  try {
    io::File file = io::File::create(temporary);
    for (const auto& [name, value] : fingerprint) io::write_attribute(file, "/", name, value);
    io::write_dataset(file, "blocks_done", {state.blocks_done.size()}, state.blocks_done.data());
    io::write_dataset(file, "block_seconds", {state.block_seconds.size()}, state.block_seconds.data());
    write_counts(file, "totals_", {&state.totals});
    std::vector<const analysis::Counts*> groups;
    for (const auto& group : state.groups) groups.push_back(&group);
    if (!groups.empty()) write_counts(file, "groups_", groups);
    file.flush();  // a full disk must not put a truncated state in place of the previous one
  } catch (...) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw;
  }
  std::error_code error;
  if (fs::exists(final_path)) fs::rename(final_path, final_path + ".previous", error);
  if (!error) fs::rename(temporary, final_path, error);
  if (error) throw Error("cannot move the checkpoint into place: " + error.message(), ErrorContext{final_path});
}

void CheckpointStore::remove_attempts_before(int attempt) const {
  const std::regex any_state(R"(attempt-(\d+)\.rank-\d+\.h5.*)");
  for (const auto& entry : fs::directory_iterator(directory_)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, match, any_state) && std::stoi(match[1]) < attempt) fs::remove(entry.path());
  }
}

void CheckpointStore::remove_all() const { fs::remove_all(directory_); }

}  // namespace bertology::pipeline
