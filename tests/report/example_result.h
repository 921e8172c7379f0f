#pragma once
// A 2-layer × 3-head result with counts chosen so that every rule of the report shows.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

// A result with one threshold (0.3, index 0) and layers × heads heads. With one threshold a
// per-head array [layers][heads][thresholds] is just [layers][heads] row-major, and a [groups] or
// [permutations] array is such rows one after another, so tests can write them out literally.
inline io::ResultData one_threshold_result(int layers, int heads, std::vector<std::int64_t> arcs) {
  io::ResultData data;
  data.layers = layers;
  data.heads = heads;
  data.thresholds = {0.3};
  data.counts["above_threshold"] = std::move(arcs);
  return data;
}

inline void add_property(io::ResultData& data, const std::string& label, std::vector<std::int64_t> hits) {
  data.labels.push_back(label);
  data.counts[label] = std::move(hits);
}

// [groups][...]: every count split into its first third (rounded down) and the rest, so that the
// groups sum to the totals and a group never has more hits than its denominator.
inline std::vector<std::int64_t> split_in_two_groups(const std::vector<std::int64_t>& totals) {
  std::vector<std::int64_t> groups;
  for (std::int64_t total : totals) groups.push_back(total / 3);
  for (std::int64_t total : totals) groups.push_back(total - total / 3);
  return groups;
}

// [K][...]: the same per-head row for each of K permutations.
inline std::vector<std::int64_t> repeated(const std::vector<std::int64_t>& row, int times) {
  std::vector<std::int64_t> result;
  for (int k = 0; k < times; ++k) result.insert(result.end(), row.begin(), row.end());
  return result;
}

// 2 layers × 2 heads (2-2 has 50 arcs, below min_arcs) with every optional part of a result: a
// corpus-label property with known-label denominators ("binding"), two groups, a null control of
// K = 4, three amino-acid letters, contact precision at three cuts and a weights note.
inline io::ResultData complete_result() {
  io::ResultData data = one_threshold_result(2, 2, {200, 200, 200, 50});
  add_property(data, "contact", {40, 20, 60, 10});
  add_property(data, "binding", {30, 12, 15, 2});
  add_property(data, "aa_A", {20, 40, 60, 5});
  add_property(data, "aa_R", {40, 20, 50, 5});
  add_property(data, "aa_N", {60, 30, 20, 5});
  data.denominator_label["binding"] = "binding";
  data.known_counts["binding"] = {100, 120, 150, 20};
  data.background["contact"] = {10, 100};
  data.background["binding"] = {5, 100};

  data.groups = 2;
  data.group_sequences = {1, 2};
  for (const auto& [name, counts] : data.counts) data.group_counts[name] = split_in_two_groups(counts);
  data.group_known_counts["binding"] = split_in_two_groups(data.known_counts["binding"]);
  data.group_background["contact"] = {{3, 33}, {7, 67}};
  data.group_background["binding"] = {{1, 33}, {4, 67}};

  data.null_permutations = 4;
  data.null_seed = 7;
  data.null_counts["contact"] = repeated({20, 10, 30, 5}, 4);
  data.null_counts["binding"] = repeated({10, 6, 8, 1}, 4);
  data.null_known_counts["binding"] = repeated({100, 120, 150, 20}, 4);
  for (const char* letter : {"aa_A", "aa_R", "aa_N"}) data.null_counts[letter] = repeated({30, 30, 30, 5}, 4);

  data.precision_cuts = {"top_l5", "top_l2", "top_l"};
  data.precision_selected = {{"top_l5", {10, 10, 10, 0}}, {"top_l2", {20, 20, 20, 0}}, {"top_l", {50, 50, 50, 0}}};
  data.precision_contacts = {{"top_l5", {5, 8, 2, 0}}, {"top_l2", {8, 12, 4, 0}}, {"top_l", {15, 20, 10, 0}}};
  data.precision_sequences = 3;

  data.text_attributes = {{"model", "ProtBert"},
                          {"architecture", "bert"},
                          {"contact_precision_definition", "long-range pairs (|i - j| >= 24)"}};
  data.integer_attributes = {{"n_sequences", 3}};
  return data;
}

}  // namespace bertology::report::testing
