#pragma once
// How `run` cuts the work. The unit is a block of consecutive corpus records (its size fixed
// by the corpus). Inside a block, records are length-sorted and batched by a token budget, so a
// sequence meets the same batch shape whatever the number of ranks and whatever the order in
// which blocks are done: counts are bit-identical at 1, 2 or N ranks and after a resume.
// Ranks take blocks dynamically, most expensive first, from a counter one rank holds.
#include <mpi.h>

#include <cstdint>
#include <vector>

namespace bertology::parallel {

struct BatchingOptions {
  std::int64_t max_batch_size = 1;  // sequences per batch
  std::int64_t max_tokens = 0;      // padded tokens per batch (batch × longest); 0 = no limit
};

struct Batch {
  std::vector<std::int64_t> records;  // indices into the block (or corpus), longest first
  std::int64_t tokens = 0;            // padded length (longest row, special tokens included)
};

// tokens_per_record[r] = tokens the model sees for record r (special tokens included, after the
// cut). Longest first, ties by index: a pure function of the lengths and the options.
std::vector<Batch> plan_batches(const std::vector<std::int64_t>& tokens_per_record, const BatchingOptions& options);

// Relative cost of a batch: rows × T × (6·hidden + T), the shape of a transformer layer's
// floating-point work (24·T·d² in the projections and feed-forward, 4·T²·d in attention).
// Only the order of blocks and `plan`'s estimate use it; nothing is measured to plan.
struct CostModel {
  double hidden = 768;
  double cost(const Batch& batch) const;
  double cost(const std::vector<Batch>& batches) const;
};

// Block indices by decreasing cost, ties by index: the order ranks take them in, so that the
// last blocks handed out are the cheapest and the ranks finish together.
std::vector<std::int64_t> expensive_first(const std::vector<double>& block_costs);

// What a dynamic schedule of blocks (taken in `order`, each by the first rank to be free)
// would give on `ranks` ranks, from each block's seconds.
struct ScheduleEstimate {
  double makespan = 0;  // seconds until the last rank is done
  double mean_busy = 0;
  double max_busy = 0;
  double imbalance() const { return mean_busy > 0 ? max_busy / mean_busy - 1.0 : 0.0; }
};
ScheduleEstimate simulate_schedule(const std::vector<double>& block_seconds, const std::vector<std::int64_t>& order,
                                   int ranks);

// A counter in rank 0's memory that every rank increments with MPI_Fetch_and_op (one-sided:
// rank 0 does not take part), handing out positions 0, 1, 2, … exactly once over all ranks.
// Creation is collective; on destruction the window is freed collectively, except while an
// exception unwinds (then the job is about to be aborted and a collective call would hang).
class SharedCounter {
 public:
  explicit SharedCounter(MPI_Comm comm);
  ~SharedCounter();
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;
  std::int64_t next();
  // Moves the counter past `end` so that every rank's next() from now on is >= end.
  void exhaust(std::int64_t end);

 private:
  std::int64_t fetch_and_add(std::int64_t value);
  MPI_Win window_ = MPI_WIN_NULL;
  std::int64_t* memory_ = nullptr;
};

}  // namespace bertology::parallel
