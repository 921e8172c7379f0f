#pragma once
// What one rank of `run` has done: the blocks it finished and their counts. The same struct is
// saved as the rank's checkpoint, merged on resume and reduced over ranks at the end, so the
// three can never disagree on what "done" means.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bertology/analysis/counts.h"

namespace bertology::pipeline {

struct RankState {
  analysis::Counts totals;
  std::vector<analysis::Counts> groups;  // per group of blocks (run --groups); empty without
  std::vector<std::int64_t> blocks_done;
  std::vector<double> block_seconds;  // parallel to blocks_done: read + forward + analysis, measured

  RankState() = default;
  RankState(const analysis::Counts& empty, std::int64_t group_count);

  // A finished block: its counts go to the totals and to its group.
  void add_block(std::int64_t block, std::int64_t group, const analysis::Counts& counts, double seconds);
  // Another state of the same run (a previous attempt's rank); its blocks must be new here.
  void merge(const RankState& other, const std::string& source);
};

// Settings a checkpoint belongs to: a resume with any other value would mix two measurements.
using RunFingerprint = std::map<std::string, std::string>;

// Checkpoints of one output: <directory>/attempt-NNNN.rank-NNNNN.h5. Every attempt (start or
// resume) has a number. A resumed attempt's rank 0 first saves the merged state of all earlier
// attempts, before any other rank of it can save: so the newest attempt that is 0 or has a
// rank-0 file holds everything done before it, and older files can be deleted.
class CheckpointStore {
 public:
  explicit CheckpointStore(std::string directory) : directory_(std::move(directory)) {}
  const std::string& directory() const { return directory_; }
  bool empty() const;
  // Newest complete attempt (0, or one whose rank 0 saved its state); -1 when there is none.
  int latest_attempt() const;
  // Every state of that attempt merged; throws on a fingerprint mismatch or a block done twice.
  RankState load(int attempt, const RankState& empty, const RunFingerprint& fingerprint) const;
  // Atomically: written under a temporary name, the previous file kept as .previous, renamed.
  void save(int attempt, int rank, const RankState& state, const RunFingerprint& fingerprint) const;
  void remove_attempts_before(int attempt) const;
  void remove_all() const;

 private:
  std::string path(int attempt, int rank) const;
  std::string directory_;
};

}  // namespace bertology::pipeline
