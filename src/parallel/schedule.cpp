#include "bertology/parallel/schedule.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <numeric>
#include <queue>

#include "bertology/error.h"

namespace bertology::parallel {

std::vector<Batch> plan_batches(const std::vector<std::int64_t>& tokens_per_record, const BatchingOptions& options) {
  require(options.max_batch_size >= 1, "--batch-size must be at least 1");
  std::vector<std::int64_t> order(tokens_per_record.size());
  std::iota(order.begin(), order.end(), 0);
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

double CostModel::cost(const Batch& batch) const {
  const double t = static_cast<double>(batch.tokens);
  return static_cast<double>(batch.records.size()) * t * (6.0 * hidden + t);
}

double CostModel::cost(const std::vector<Batch>& batches) const {
  double total = 0;
  for (const auto& batch : batches) total += cost(batch);
  return total;
}

std::vector<std::int64_t> expensive_first(const std::vector<double>& block_costs) {
  std::vector<std::int64_t> order(block_costs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::int64_t a, std::int64_t b) { return block_costs[a] > block_costs[b]; });
  return order;
}

ScheduleEstimate simulate_schedule(const std::vector<double>& block_seconds, const std::vector<std::int64_t>& order,
                                   int ranks) {
  require(ranks >= 1, "at least one rank is needed");
  // Each rank's busy time; the one that is free first takes the next block.
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (int r = 0; r < ranks; ++r) free_at.push(0.0);
  for (std::int64_t block : order) {
    const double at = free_at.top();
    free_at.pop();
    free_at.push(at + block_seconds.at(static_cast<std::size_t>(block)));
  }
  ScheduleEstimate estimate;
  double total = 0;
  while (!free_at.empty()) {
    estimate.max_busy = std::max(estimate.max_busy, free_at.top());
    total += free_at.top();
    free_at.pop();
  }
  estimate.makespan = estimate.max_busy;
  estimate.mean_busy = total / ranks;
  return estimate;
}

SharedCounter::SharedCounter(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  const MPI_Aint bytes = rank == 0 ? static_cast<MPI_Aint>(sizeof(std::int64_t)) : 0;
  MPI_Win_allocate(bytes, sizeof(std::int64_t), MPI_INFO_NULL, comm, &memory_, &window_);
  if (rank == 0) *memory_ = 0;
  // Nobody may increment before rank 0 has set the counter to zero.
  MPI_Win_fence(0, window_);
  MPI_Win_lock_all(MPI_MODE_NOCHECK, window_);
}

SharedCounter::~SharedCounter() {
  if (window_ == MPI_WIN_NULL || std::uncaught_exceptions() > 0) return;
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
}

std::int64_t SharedCounter::fetch_and_add(std::int64_t value) {
  std::int64_t previous = 0;
  MPI_Fetch_and_op(&value, &previous, MPI_INT64_T, 0, 0, MPI_SUM, window_);
  MPI_Win_flush(0, window_);
  return previous;
}

std::int64_t SharedCounter::next() { return fetch_and_add(1); }

void SharedCounter::exhaust(std::int64_t end) { fetch_and_add(end); }

}  // namespace bertology::parallel
