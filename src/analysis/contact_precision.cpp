#include "bertology/analysis/contact_precision.h"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <optional>

#include "bertology/error.h"

namespace bertology::analysis {
namespace {

constexpr int kCuts = 3;  // PrecisionCounts::cuts()
constexpr int kCutDivisors[kCuts] = {5, 2, 1};

struct ScoredPair {
  double score;
  std::int32_t i, j;
};

// Higher score first; equal scores by position, so the selection is the same on every machine.
bool ranks_before(const ScoredPair& a, const ScoredPair& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.i != b.i ? a.i < b.i : a.j < b.j;
}

}  // namespace

ApcSums apc_sums(const float* map, int n, std::int64_t stride) {
  ApcSums sums{std::vector<double>(n, 0.0), 0.0};
  for (int i = 0; i < n; ++i) {
    double row = 0;
    for (int j = 0; j < n; ++j) {
      const double a = map[i * stride + j];
      row += a;           // row i of A, column i of Aᵀ
      sums.rows[j] += a;  // column j of A, row j of Aᵀ
    }
    sums.rows[i] += row;
    sums.total += 2 * row;
  }
  return sums;
}

std::vector<double> apc_scores(const float* map, int n, std::int64_t stride) {
  const ApcSums sums = apc_sums(map, n, stride);
  std::vector<double> scores(static_cast<std::size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) scores[static_cast<std::size_t>(i) * n + j] = apc_score(map, stride, sums, i, j);
  return scores;
}

HeadPrecision head_precision(const float* map, int n, std::int64_t stride, const std::vector<std::uint8_t>& present,
                             const std::vector<std::uint8_t>& contact) {
  HeadPrecision result;
  if (n <= kLongRangeSeparation) return result;
  const ApcSums sums = apc_sums(map, n, stride);
  // Aᵀ in tiles, so that both halves of A + Aᵀ are read along rows below (a column read of A
  // is a cache miss per element, which made this pass slower than the forward of small models).
  constexpr int kTile = 32;
  thread_local std::vector<float> transposed;
  transposed.resize(static_cast<std::size_t>(n) * n);
  for (int i0 = 0; i0 < n; i0 += kTile)
    for (int j0 = 0; j0 < n; j0 += kTile)
      for (int i = i0; i < std::min(n, i0 + kTile); ++i)
        for (int j = j0; j < std::min(n, j0 + kTile); ++j)
          transposed[static_cast<std::size_t>(j) * n + i] = map[i * stride + j];

  // The best n pairs (the largest cut): candidates gather in a pool that is cut back to its best
  // n whenever it reaches 2n; a pair that does not rank before the n-th best of a cut cannot be
  // among the final n and is passed over with one comparison.
  const std::size_t keep = static_cast<std::size_t>(n);
  std::vector<ScoredPair> pool;
  pool.reserve(2 * keep);
  std::optional<ScoredPair> floor;
  const auto cut_back = [&pool, keep] {
    std::nth_element(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(keep - 1), pool.end(), ranks_before);
    pool.resize(keep);
  };
  std::vector<double> scores(n);
  const double scale = sums.total > 0 ? 1.0 / sums.total : 0.0;
  for (int i = 0; i < n; ++i) {
    if (!present[i]) continue;
    const float* row = map + i * stride;
    const float* column = transposed.data() + static_cast<std::size_t>(i) * n;
    const double correction = sums.rows[i] * scale;
    for (int j = i + kLongRangeSeparation; j < n; ++j)
      scores[j] = static_cast<double>(row[j]) + column[j] - correction * sums.rows[j];
    for (int j = i + kLongRangeSeparation; j < n; ++j) {
      if (!present[j]) continue;
      const ScoredPair pair{scores[j], i, j};
      if (floor && !ranks_before(pair, *floor)) continue;
      pool.push_back(pair);
      if (pool.size() == 2 * keep) {
        cut_back();
        floor = pool.back();
      }
    }
  }
  if (pool.size() > keep) cut_back();
  std::sort(pool.begin(), pool.end(), ranks_before);
  const std::vector<ScoredPair>& kept = pool;
  for (int c = 0; c < kCuts; ++c) {
    const std::size_t take = std::min<std::size_t>(std::max(1, n / kCutDivisors[c]), kept.size());
    result.selected[c] = static_cast<std::int64_t>(take);
    for (std::size_t p = 0; p < take; ++p)
      result.contacts[c] += contact[static_cast<std::size_t>(kept[p].i) * n + kept[p].j];
  }
  return result;
}

ContactPrecision::ContactPrecision(int layers, int heads) : counts_(layers, heads) {}

void ContactPrecision::begin_batch(const std::vector<BatchRow>& rows) {
  rows_ = rows;
  present_.assign(rows.size(), {});
  contact_.assign(rows.size(), {});
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const corpus::Record& record = *rows[r].record;
    const bool use_cb = !record.cb.empty();
    const auto& atoms = use_cb ? record.cb : record.ca;
    const auto& mask = use_cb ? record.cb_mask : record.ca_mask;
    const int n = static_cast<int>(rows[r].residues);
    auto& present = present_[r];
    auto& contact = contact_[r];
    present.assign(n, 0);
    contact.assign(static_cast<std::size_t>(n) * n, 0);
    if (atoms.empty()) continue;
    bool rankable = false;
    for (int i = 0; i < n; ++i) present[i] = mask[i];
    for (int i = 0; i < n; ++i)
      for (int j = i + kLongRangeSeparation; j < n && present[i]; ++j) {
        if (!present[j]) continue;
        rankable = true;
        double squared = 0;
        for (int d = 0; d < 3; ++d) squared += (atoms[i][d] - atoms[j][d]) * (atoms[i][d] - atoms[j][d]);
        contact[static_cast<std::size_t>(i) * n + j] = std::sqrt(squared) < kPrecisionContactAngstrom;
      }
    counts_.sequences += rankable;
  }
}

void ContactPrecision::add_layer(int layer, const AttentionMaps& maps) {
  require(maps.whole(),
          "per-head contact precision needs each layer's whole map, and this layer came in blocks of " +
              std::to_string(maps.queries) +
              " query rows; raise --attention-memory or run with --contact-precision off");
  require(maps.device.kind == DeviceKind::cpu,
          "per-head contact precision ranks pairs on the host and the attention is on a GPU; run with "
          "--contact-precision off on this device");
  require(layer >= 0 && layer < counts_.layers && maps.heads == counts_.heads &&
              maps.batch == static_cast<std::int64_t>(rows_.size()),
          "contact precision: the attention of layer " + std::to_string(layer) + " does not match the batch begun");
  const int heads = counts_.heads;
  const int tasks = static_cast<int>(rows_.size()) * heads;
  std::vector<HeadPrecision> results(tasks);
  // One task per (row, head); the counts are added afterwards in a fixed order.
  Kokkos::parallel_for(
      "bertology::contact_precision", Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>(0, tasks), [&](int task) {
        const int r = task / heads;
        const int h = task % heads;
        const std::int64_t first = rows_[r].first_token;
        const float* map =
            maps.data + ((static_cast<std::int64_t>(r) * maps.heads + h) * maps.tokens + first) * maps.tokens + first;
        results[task] = head_precision(map, static_cast<int>(rows_[r].residues), maps.tokens, present_[r], contact_[r]);
      });
  for (int task = 0; task < tasks; ++task)
    for (int c = 0; c < kCuts; ++c) {
      const std::size_t at = counts_.index(c, layer, task % heads);
      counts_.selected[at] += results[task].selected[c];
      counts_.contacts[at] += results[task].contacts[c];
    }
}

}  // namespace bertology::analysis
