#pragma once
// Integer counts of one run: what the kernels add to and what MPI reduces.
#include <cstdint>
#include <string>
#include <vector>

namespace bertology::analysis {

struct PropertyPlan;

// Per-head contact precision of attention (see contact_precision.h), pooled over sequences.
struct PrecisionCounts {
  int layers = 0;
  int heads = 0;
  // Top pairs per sequence of length L: L/5, L/2 and L (each at least 1).
  static const std::vector<std::string>& cuts();        // "top_l5", "top_l2", "top_l"
  static const std::vector<std::string>& cut_labels();  // "L/5", "L/2", "L"
  // [cut][layer][head]: pairs selected, and contacts among them.
  std::vector<std::int64_t> selected;
  std::vector<std::int64_t> contacts;
  std::int64_t sequences = 0;  // with at least one rankable long-range pair

  PrecisionCounts() = default;
  PrecisionCounts(int layers, int heads);
  std::size_t index(int cut, int layer, int head) const {
    return (static_cast<std::size_t>(cut) * layers + layer) * heads + head;
  }
  void add(const PrecisionCounts& other);
};

// All counts live in one flat int64 buffer so a reduction is one MPI call and a checkpoint
// is one write. Rows of head_counts, each [layer][head][threshold]:
//   0                         above_threshold (all arcs above θ: provis's denominator)
//   1 .. P                    the measured properties
//   P+1 .. P+D                per known label: arcs whose key residue's label is known
//   then, per null permutation k, the P property rows and D known rows again, counted with
//   the labels permuted (see PropertyPlan::null_permutations).
struct Counts {
  int layers = 0;
  int heads = 0;
  std::vector<double> thresholds;         // ascending
  std::vector<std::string> properties;    // measured properties, without "above_threshold"
  std::vector<std::string> known_labels;  // labels with their own denominator
  std::vector<int> denominators;          // per property: index into known_labels, -1 = above_threshold
  int null_permutations = 0;
  std::vector<std::int64_t> head_counts;
  // per property: number of residues (or eligible pairs) where f = 1, and how many were eligible
  std::vector<std::int64_t> background_numerator;
  std::vector<std::int64_t> background_denominator;
  std::int64_t sequences = 0;
  std::int64_t residues = 0;
  PrecisionCounts precision;  // layers = 0 when not measured

  Counts() = default;
  // Every property's denominator is all arcs above θ; no null.
  Counts(int layers, int heads, std::vector<double> thresholds, std::vector<std::string> properties);
  // The rows of a plan: its properties, known labels and null permutations.
  Counts(int layers, int heads, std::vector<double> thresholds, const PropertyPlan& plan);

  int rows() const { return 1 + observed_rows() * (1 + null_permutations); }
  int property_row(int property) const { return 1 + property; }
  int known_row(int label) const { return 1 + static_cast<int>(properties.size()) + label; }
  // The row of `observed_row` (a property_row or known_row) in null permutation k.
  int null_row(int k, int observed_row) const { return observed_row + observed_rows() * (1 + k); }
  // The row holding the denominator of a property: its known label's, or above_threshold.
  int denominator_row(int property) const {
    return denominators.empty() || denominators[property] < 0 ? 0 : known_row(denominators[property]);
  }

  std::size_t index(int row, int layer, int head, int threshold) const {
    return ((static_cast<std::size_t>(row) * layers + layer) * heads + head) * thresholds.size() + threshold;
  }
  std::size_t row_size() const { return static_cast<std::size_t>(layers) * heads * thresholds.size(); }
  // Adds another rank's or block's counts (same shape) into this one.
  void add(const Counts& other);

 private:
  int observed_rows() const { return static_cast<int>(properties.size() + known_labels.size()); }
};

}  // namespace bertology::analysis
