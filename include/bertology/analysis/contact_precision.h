#pragma once
// Per-head contact precision of attention, as fair-esm's contact head reads attention but one
// head at a time: the head's map over the residues (special tokens dropped) is symmetrised,
// corrected by the average product (APC), and its top long-range pairs are checked against
// contacts. Pooled over the corpus as integer counts, so ranks and blocks sum exactly.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bertology/analysis/head_counter.h"

namespace bertology::analysis {

// Contact-prediction conventions (CASP, Rao et al. 2020): Cβ (Cα for glycine) closer than 8 Å,
// long range |i − j| ≥ 24, pairs with a missing coordinate left out of the ranking.
inline constexpr double kPrecisionContactAngstrom = 8.0;
inline constexpr int kLongRangeSeparation = 24;

// One head's map: n × n attention among residues, row-major with `stride` floats per row.
// For each cut, how many of the top pairs (APC score descending, ties by (i, j) ascending) among
// long-range pairs with both positions present are contacts. `contact(i, j)` for i < j.
struct HeadPrecision {
  std::int64_t selected[3] = {0, 0, 0};
  std::int64_t contacts[3] = {0, 0, 0};
};
HeadPrecision head_precision(const float* map, int n, std::int64_t stride, const std::vector<std::uint8_t>& present,
                             const std::vector<std::uint8_t>& contact);

// The average product correction of the symmetrised map s = A + Aᵀ (fair-esm's `apc`):
// score_ij = s_ij − (Σ_k s_ik)(Σ_k s_kj) / Σ_kl s_kl. The row sums of s (equal to its column
// sums) and their total, from one pass over the n × n map (row-major, stride floats per row).
struct ApcSums {
  std::vector<double> rows;
  double total = 0;
};
ApcSums apc_sums(const float* map, int n, std::int64_t stride);
inline double apc_score(const float* map, std::int64_t stride, const ApcSums& sums, int i, int j) {
  const double symmetric = static_cast<double>(map[i * stride + j]) + map[j * stride + i];
  return symmetric - (sums.total > 0 ? sums.rows[i] * sums.rows[j] / sums.total : 0.0);
}
// Every score, n × n: for tests and for users who want the corrected map itself.
std::vector<double> apc_scores(const float* map, int n, std::int64_t stride);

class ContactPrecision {
 public:
  ContactPrecision(int layers, int heads);
  // Cβ coordinates where the record has them (Cα for glycine), else Cα.
  void begin_batch(const std::vector<BatchRow>& rows);
  // Needs each layer's whole map (AttentionMaps::whole, since the correction reads every row and
  // column) in host memory (the per-head ranking runs on the host).
  void add_layer(int layer, const AttentionMaps& maps);
  const PrecisionCounts& counts() const { return counts_; }

 private:
  PrecisionCounts counts_;
  std::vector<BatchRow> rows_;
  // Per batch row: which residues have a coordinate, and the contact map [n × n] (i < j used).
  std::vector<std::vector<std::uint8_t>> present_;
  std::vector<std::vector<std::uint8_t>> contact_;
};

}  // namespace bertology::analysis
