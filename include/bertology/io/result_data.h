#pragma once
// The content of result.h5 (a public interface users read with h5py), as plain data.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bertology::io {

struct BackgroundRate {
  std::int64_t positives = 0;  // residues (or eligible pairs) with the property
  std::int64_t eligible = 0;   // residues (or pairs) it was measured over
  double rate() const;         // positives / eligible, NaN when nothing was eligible
};

struct ResultData {
  int layers = 0;
  int heads = 0;
  std::vector<double> thresholds;   // ascending
  std::vector<std::string> labels;  // measured properties, in output order
  // "above_threshold" and every label: int64 [layers][heads][thresholds], row-major
  std::map<std::string, std::vector<std::int64_t>> counts;
  std::map<std::string, BackgroundRate> background;
  // Provenance: model, architecture, weights_sha256, corpus_sha256, version, command_line,
  // start_time, end_time, hostname, ... (strings) and n_sequences, n_residues, ranks (integers).
  std::map<std::string, std::string> text_attributes;
  std::map<std::string, std::int64_t> integer_attributes;

  // Per group of blocks (run --groups G), for bootstrap intervals over sequences: the same
  // counts as above, int64 [groups][layers][heads][thresholds], summing to the totals.
  std::int64_t groups = 0;
  std::map<std::string, std::vector<std::int64_t>> group_counts;
  std::vector<std::int64_t> group_sequences;
  std::map<std::string, std::vector<BackgroundRate>> group_background;
  // Measured seconds of every block (read + forward + analysis): what `bertology plan` replays.
  std::vector<double> block_seconds;
  // One entry per rank, in rank order.
  std::vector<std::string> rank_hostnames;
  std::vector<std::string> rank_devices;
  std::vector<double> rank_busy_seconds;
  std::vector<std::int64_t> rank_blocks;

  // proportion = counts[label] / counts["above_threshold"], NaN where the denominator is 0.
  std::vector<double> proportions(const std::string& label) const;
  std::size_t index(int layer, int head, int threshold) const {
    return (static_cast<std::size_t>(layer) * heads + head) * thresholds.size() + threshold;
  }
};

}  // namespace bertology::io
