#pragma once
// A 2-layer × 3-head result with counts chosen so that every rule of the report shows.
#include <cstdint>
#include <string>

#include "bertology/io/result_data.h"

namespace bertology::report::testing {

inline void set_counts(io::ResultData& data, const std::string& name, int threshold,
                       const std::int64_t (&by_head)[2][3]) {
  auto& counts = data.counts[name];
  counts.resize(static_cast<std::size_t>(data.layers) * data.heads * data.thresholds.size());
  for (int layer = 0; layer < data.layers; ++layer)
    for (int head = 0; head < data.heads; ++head) counts[data.index(layer, head, threshold)] = by_head[layer][head];
}

// At θ = 0.3 (index 1), heads "layer-head":
//   arcs     1-1: 1000  1-2: 50 (masked)  1-3: 0 (no proportion)  2-1: 400  2-2: 100  2-3: 2000
//   contact  0.3        0.9               —                       0.5       0.1       0.05
//   helix    0.1        0.0               —                       0.1       0.5       0.1
// θ = 0.1 has other proportions (a wrong threshold index shows); at θ = 0.5 every head has
// 10 arcs, so none is eligible.
inline io::ResultData example_result() {
  io::ResultData data;
  data.layers = 2;
  data.heads = 3;
  data.thresholds = {0.1, 0.3, 0.5};
  data.labels = {"contact", "helix"};
  set_counts(data, "above_threshold", 0, {{5000, 5000, 5000}, {5000, 5000, 5000}});
  set_counts(data, "contact", 0, {{4000, 0, 0}, {0, 0, 0}});
  set_counts(data, "helix", 0, {{0, 0, 0}, {0, 0, 4000}});
  set_counts(data, "above_threshold", 1, {{1000, 50, 0}, {400, 100, 2000}});
  set_counts(data, "contact", 1, {{300, 45, 0}, {200, 10, 100}});
  set_counts(data, "helix", 1, {{100, 0, 0}, {40, 50, 200}});
  set_counts(data, "above_threshold", 2, {{10, 10, 10}, {10, 10, 10}});
  set_counts(data, "contact", 2, {{10, 10, 10}, {10, 10, 10}});
  set_counts(data, "helix", 2, {{0, 0, 0}, {0, 0, 0}});
  data.background["contact"] = {150, 10000};  // rate 0.015; helix has no background
  data.text_attributes = {{"model", "ProtBert"},
                          {"architecture", "bert"},
                          {"command_line", "bertology run --model prot_bert corpus.h5"},
                          {"corpus_sha256", "c0ffee"}};
  data.integer_attributes = {{"n_sequences", 42}, {"ranks", 3}};
  return data;
}

}  // namespace bertology::report::testing
