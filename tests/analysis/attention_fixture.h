#pragma once
// Random proteins and attention for the counter tests, and the measurement written as the
// plainest possible loop over every batch row, layer, head, query and key.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bertology/analysis/counts.h"
#include "bertology/analysis/head_counter.h"
#include "bertology/analysis/properties.h"
#include "bertology/corpus/record.h"

namespace bertology::analysis::testing {

// Junk written where the counter must not look (special tokens, padding): above every
// threshold, so reading it changes the counts.
inline constexpr float kJunk = 0.99f;

struct Protein {
  corpus::Record record;
  std::int64_t residues = 0;  // analysed, after the cut at the model's maximum
  // attention[layer][head] is residues × residues, row-major [query][key]
  std::vector<std::vector<std::vector<float>>> attention;
};

struct Batch {
  std::vector<BatchRow> rows;
  std::int64_t tokens = 0;
  std::vector<std::vector<float>> layers;  // per layer [rows, heads, tokens, tokens]

  AttentionMaps maps(int layer, int heads) const;
  // Query rows [first, first + count) of a layer, copied into `block` (which the maps point to).
  AttentionMaps block(int layer, int heads, std::int64_t first, std::int64_t count, std::vector<float>& block) const;
};

std::vector<corpus::LabelSchema> test_schemas();  // binding_site (binary) and ss4 (categorical)

// Random sequences (with X and U), Cα on a compact random walk with some coordinates missing
// (one protein without any), labels with unknowns (one protein without binding_site), and
// attention mixing small values, exact float thresholds and their neighbouring floats.
std::vector<Protein> random_proteins(std::mt19937& random, int count, int min_length, int max_length, int layers,
                                     int heads, const std::vector<double>& thresholds);

// Lays the proteins out as one padded batch; rows alternate between one leading special
// token (BERT) and none (XLNet's trailing pair), and every other cell holds kJunk.
Batch make_batch(const std::vector<const Protein*>& proteins, int layers, int heads);

// The measurement as a triple loop, straight from the definition.
Counts reference_counts(const CounterShape& shape, const PropertyPlan& plan, const std::vector<Batch>& batches);

// Runs the counter over the batches, each layer whole or (query_block > 0) handed out in
// blocks of that many query rows, as a model does under its attention memory.
Counts counted(const CounterShape& shape, const PropertyPlan& plan, const std::vector<Batch>& batches,
               std::int64_t query_block = 0);

}  // namespace bertology::analysis::testing
