#pragma once
// The global work plan: length-sorted, padded batches for the whole corpus, planned once,
// then cut into contiguous shards of whole batches with about equal cost, one per rank.
// Every sequence is computed in the same batch with the same shape whatever the number of
// ranks, so counts are bit-identical at 1, 2 or N ranks.
#include <cstdint>
#include <vector>

namespace bertology::parallel {

struct BatchingOptions {
  std::int64_t max_batch_size = 8;  // sequences per batch
  std::int64_t max_tokens = 0;      // padded tokens per batch (batch × longest); 0 = no limit
};

struct Batch {
  std::vector<std::int64_t> records;  // corpus record indices, longest first
  std::int64_t tokens = 0;            // padded length (longest row, special tokens included)
};

// Cost of a batch in seconds: batch × (linear · T + quadratic · T²), measured on the model.
struct CostModel {
  double linear = 1.0;
  double quadratic = 0.0;
  double cost(const Batch& batch) const;
};

struct WorkPlan {
  std::vector<Batch> batches;
  std::vector<std::int64_t> shard_begin;  // ranks + 1 boundaries into batches

  // Flat form for one broadcast, and back.
  std::vector<std::int64_t> serialize() const;
  static WorkPlan deserialize(const std::vector<std::int64_t>& flat);
};

// tokens_per_record[r] = tokens the model sees for record r (special tokens included, after the cut).
std::vector<Batch> plan_batches(const std::vector<std::int64_t>& tokens_per_record, const BatchingOptions& options);

// Contiguous shards of about equal total cost.
std::vector<std::int64_t> plan_shards(const std::vector<Batch>& batches, const CostModel& cost, int ranks);

}  // namespace bertology::parallel
