#pragma once
// Integer counts of one run: what the kernels add to and what MPI reduces.
#include <cstdint>
#include <string>
#include <vector>

namespace bertology::analysis {

// All counts live in one flat int64 buffer so a reduction is one MPI call and a checkpoint
// is one write. Layout: heads_counts [property+1][layer][head][threshold] where property 0
// is "above_threshold" (the denominator), then background numerators/denominators.
struct Counts {
  int layers = 0;
  int heads = 0;
  std::vector<double> thresholds;       // ascending
  std::vector<std::string> properties;  // measured properties, without "above_threshold"
  // [1 + properties.size()][layers][heads][thresholds.size()]
  std::vector<std::int64_t> head_counts;
  // per property: number of residues (or eligible pairs) where f = 1, and how many were eligible
  std::vector<std::int64_t> background_numerator;
  std::vector<std::int64_t> background_denominator;
  std::int64_t sequences = 0;
  std::int64_t residues = 0;

  Counts() = default;
  Counts(int layers, int heads, std::vector<double> thresholds, std::vector<std::string> properties);

  std::size_t index(int property_plus_one, int layer, int head, int threshold) const {
    return ((static_cast<std::size_t>(property_plus_one) * layers + layer) * heads + head) * thresholds.size() +
           threshold;
  }
  // Adds another rank's or block's counts (same shape) into this one.
  void add(const Counts& other);
};

}  // namespace bertology::analysis
