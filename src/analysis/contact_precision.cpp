#include "bertology/analysis/contact_precision.h"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>

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

std::vector<double> apc_scores(const float* map, int n, std::int64_t stride) {
  std::vector<double> sums(n, 0.0);
  double total = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double a = map[i * stride + j];
      sums[i] += a;  // row i of A and column i of Aᵀ
      sums[j] += a;  // column j of A, row j of Aᵀ
      total += 2 * a;
    }
  std::vector<double> scores(static_cast<std::size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double symmetric = static_cast<double>(map[i * stride + j]) + map[j * stride + i];
      scores[static_cast<std::size_t>(i) * n + j] = symmetric - (total > 0 ? sums[i] * sums[j] / total : 0.0);
    }
  return scores;
}

HeadPrecision head_precision(const float* map, int n, std::int64_t stride, const std::vector<std::uint8_t>& present,
                             const std::vector<std::uint8_t>& contact) {
  HeadPrecision result;
  if (n <= kLongRangeSeparation) return result;
  const std::vector<double> scores = apc_scores(map, n, stride);
  // The best n pairs (the largest cut) in a heap whose top is the worst kept pair.
  const auto worse_on_top = [](const ScoredPair& a, const ScoredPair& b) { return ranks_before(a, b); };
  std::vector<ScoredPair> kept;
  kept.reserve(static_cast<std::size_t>(n) + 1);
  for (int i = 0; i < n; ++i) {
    if (!present[i]) continue;
    for (int j = i + kLongRangeSeparation; j < n; ++j) {
      if (!present[j]) continue;
      const ScoredPair pair{scores[static_cast<std::size_t>(i) * n + j], i, j};
      if (static_cast<int>(kept.size()) == n) {
        if (!ranks_before(pair, kept.front())) continue;
        std::pop_heap(kept.begin(), kept.end(), worse_on_top);
        kept.back() = pair;
      } else {
        kept.push_back(pair);
      }
      std::push_heap(kept.begin(), kept.end(), worse_on_top);
    }
  }
  std::sort(kept.begin(), kept.end(), ranks_before);
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

void ContactPrecision::add_layer(int layer, const model::AttentionMaps& maps) {
  require(maps.device.kind == model::DeviceKind::cpu,
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
