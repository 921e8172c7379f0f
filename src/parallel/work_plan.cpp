#include "bertology/parallel/work_plan.h"

#include <algorithm>
#include <numeric>

#include "bertology/error.h"

namespace bertology::parallel {

double CostModel::cost(const Batch& batch) const {
  const double t = static_cast<double>(batch.tokens);
  return static_cast<double>(batch.records.size()) * (linear * t + quadratic * t * t);
}

std::vector<Batch> plan_batches(const std::vector<std::int64_t>& tokens_per_record, const BatchingOptions& options) {
  require(options.max_batch_size >= 1, "--batch-size must be at least 1");
  std::vector<std::int64_t> order(tokens_per_record.size());
  std::iota(order.begin(), order.end(), 0);
  // Longest first, ties by record index: a total order, so the plan is reproducible.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::int64_t a, std::int64_t b) { return tokens_per_record[a] > tokens_per_record[b]; });
  std::vector<Batch> batches;
  for (std::int64_t record : order) {
    const std::int64_t tokens = tokens_per_record[record];
    require(options.max_tokens == 0 || tokens <= options.max_tokens,
            "--max-tokens " + std::to_string(options.max_tokens) + " is below one sequence of " +
                std::to_string(tokens) + " tokens");
    const bool fits =
        !batches.empty() && static_cast<std::int64_t>(batches.back().records.size()) < options.max_batch_size &&
        (options.max_tokens == 0 ||
         static_cast<std::int64_t>(batches.back().records.size() + 1) * batches.back().tokens <= options.max_tokens);
    if (!fits) batches.push_back(Batch{{}, tokens});  // rows only get shorter: the first row sets T
    batches.back().records.push_back(record);
  }
  return batches;
}

std::vector<std::int64_t> plan_shards(const std::vector<Batch>& batches, const CostModel& cost, int ranks) {
  require(ranks >= 1, "at least one rank is needed");
  std::vector<double> prefix(batches.size() + 1, 0.0);
  for (std::size_t b = 0; b < batches.size(); ++b) prefix[b + 1] = prefix[b] + cost.cost(batches[b]);
  const double total = prefix.back();
  std::vector<std::int64_t> begin(static_cast<std::size_t>(ranks) + 1, static_cast<std::int64_t>(batches.size()));
  begin[0] = 0;
  // Boundary r is the batch whose prefix cost is closest to r/ranks of the total.
  for (int r = 1; r < ranks; ++r) {
    const double target = total * r / ranks;
    auto it = std::lower_bound(prefix.begin(), prefix.end(), target);
    std::int64_t index = it - prefix.begin();
    if (index > 0 && target - prefix[index - 1] < prefix[index] - target) --index;
    begin[r] = std::max(begin[r - 1], std::min<std::int64_t>(index, static_cast<std::int64_t>(batches.size())));
  }
  return begin;
}

std::vector<std::int64_t> WorkPlan::serialize() const {
  std::vector<std::int64_t> flat{static_cast<std::int64_t>(batches.size())};
  for (const auto& batch : batches) {
    flat.push_back(batch.tokens);
    flat.push_back(static_cast<std::int64_t>(batch.records.size()));
    flat.insert(flat.end(), batch.records.begin(), batch.records.end());
  }
  flat.push_back(static_cast<std::int64_t>(shard_begin.size()));
  flat.insert(flat.end(), shard_begin.begin(), shard_begin.end());
  return flat;
}

WorkPlan WorkPlan::deserialize(const std::vector<std::int64_t>& flat) {
  WorkPlan plan;
  std::size_t at = 0;
  plan.batches.resize(static_cast<std::size_t>(flat.at(at++)));
  for (auto& batch : plan.batches) {
    batch.tokens = flat.at(at++);
    const auto n = static_cast<std::size_t>(flat.at(at++));
    batch.records.assign(flat.begin() + at, flat.begin() + at + n);
    at += n;
  }
  const auto n = static_cast<std::size_t>(flat.at(at++));
  plan.shard_begin.assign(flat.begin() + at, flat.begin() + at + n);
  return plan;
}

}  // namespace bertology::parallel
