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
  // Per corpus label with unknown residues (−1): the arcs above θ whose key residue's label is
  // known, int64 [layers][heads][thresholds]. A property listed in denominator_label is a share
  // of these (unknown residues are neither hits nor misses); every other property, of
  // counts["above_threshold"].
  std::map<std::string, std::vector<std::int64_t>> known_counts;
  std::map<std::string, std::string> denominator_label;  // property → label
  // Null control (run --null K): the same counts with the labels permuted within each sequence
  // and the coordinates' order shifted, int64 [K][layers][heads][thresholds] per property and
  // per known label.
  int null_permutations = 0;
  std::uint64_t null_seed = 0;
  std::map<std::string, std::vector<std::int64_t>> null_counts;
  std::map<std::string, std::vector<std::int64_t>> null_known_counts;
  // Per-head contact precision of the symmetrised, APC-corrected attention (run's contact
  // precision pass): for each cut ("L/5", "L/2", "L") the long-range pairs selected and how many
  // were contacts, int64 [layers][heads], summed over sequences.
  std::vector<std::string> precision_cuts;
  std::map<std::string, std::vector<std::int64_t>> precision_selected;
  std::map<std::string, std::vector<std::int64_t>> precision_contacts;
  std::int64_t precision_sequences = 0;
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
  std::map<std::string, std::vector<std::int64_t>> group_known_counts;
  // Measured seconds of every block (read + forward + analysis): what `bertology plan` replays.
  std::vector<double> block_seconds;
  // One entry per rank, in rank order.
  std::vector<std::string> rank_hostnames;
  std::vector<std::string> rank_devices;
  std::vector<double> rank_busy_seconds;
  std::vector<std::int64_t> rank_blocks;

  // The denominator of a property: its label's known_counts, or counts["above_threshold"].
  const std::vector<std::int64_t>& denominator(const std::string& property) const;
  // The same per group [groups][layers][heads][thresholds].
  const std::vector<std::int64_t>& group_denominator(const std::string& property) const;
  // proportion = counts[property] / denominator(property), NaN where the denominator is 0.
  std::vector<double> proportions(const std::string& property) const;
  std::size_t index(int layer, int head, int threshold) const {
    return (static_cast<std::size_t>(layer) * heads + head) * thresholds.size() + threshold;
  }
};

}  // namespace bertology::io
