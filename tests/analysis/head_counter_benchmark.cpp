// Time per layer of the counter on a TapeBert-sized batch (B = 8, H = 12, 300 residues),
// against plain loops. Disabled by default; run with
//   analysis_tests --gtest_also_run_disabled_tests --gtest_filter='*Benchmark*'
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "attention_fixture.h"
#include "bertology/analysis/head_counter.h"

namespace bertology::analysis {
namespace {

constexpr int kBatch = 8;
constexpr int kHeads = 12;
constexpr int kResidues = 300;
constexpr int kTokens = kResidues + 2;
const std::vector<double> kThresholds{0.1, 0.3, 0.5};

// Softmax rows over all tokens with logits ~ N(0, σ²), σ from 0.5 (flat) to 6 (peaked) by head.
std::vector<float> softmax_attention(std::mt19937& random) {
  std::vector<float> maps(static_cast<std::size_t>(kBatch) * kHeads * kTokens * kTokens);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> logits(kTokens);
  for (int b = 0; b < kBatch; ++b) {
    for (int h = 0; h < kHeads; ++h) {
      const float sigma = 0.5f * static_cast<float>(h + 1);
      for (int i = 0; i < kTokens; ++i) {
        float sum = 0.0f;
        for (auto& logit : logits) logit = std::exp(sigma * normal(random));
        for (float value : logits) sum += value;
        float* row = &maps[((static_cast<std::size_t>(b) * kHeads + h) * kTokens + i) * kTokens];
        for (int j = 0; j < kTokens; ++j) row[j] = logits[j] / sum;
      }
    }
  }
  return maps;
}

struct BenchmarkBatch {
  std::vector<testing::Protein> proteins;
  std::vector<BatchRow> rows;
  PropertyPlan plan;
  std::vector<std::vector<float>> layers;  // distinct buffers, cycled to defeat the caches
};

BenchmarkBatch make_benchmark_batch(int buffers) {
  std::mt19937 random(5);
  BenchmarkBatch setup;
  setup.proteins = testing::random_proteins(random, kBatch, kResidues, kResidues, 0, 0, kThresholds);
  std::string letters;
  for (const auto& protein : setup.proteins) {
    setup.rows.push_back(BatchRow{&protein.record, 1, kResidues});
    letters += protein.record.sequence;
  }
  setup.plan = plan_properties({"contact", "binding_site", "ss4", "aa"}, testing::test_schemas(), true, letters);
  for (int n = 0; n < buffers; ++n) setup.layers.push_back(softmax_attention(random));
  return setup;
}

AttentionMaps maps_of(const std::vector<float>& layer) {
  return AttentionMaps{layer.data(), kBatch, kHeads, kTokens, 0, kTokens, {}};
}

// CPU time of this thread: the build machines are shared, and waiting for a core is not the
// counter's cost. The best of several repeats.
double thread_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

template <class Body>
double seconds_per_layer(int layers, Body&& body) {
  double best = 1e30;
  for (int repeat = 0; repeat < 7; ++repeat) {
    const double start = thread_seconds();
    for (int layer = 0; layer < layers; ++layer) body(layer);
    best = std::min(best, (thread_seconds() - start) / layers);
  }
  return best;
}

// The dense loop one writes first: every entry, every threshold, every property flag.
std::int64_t naive_layer(const BenchmarkBatch& setup, const std::vector<float>& maps,
                         const std::vector<std::uint8_t>& contact, const std::vector<std::uint8_t>& flags,
                         std::vector<std::int64_t>& counts) {
  const int properties = static_cast<int>(setup.plan.residues.size());
  const int thresholds = static_cast<int>(kThresholds.size());
  std::vector<float> theta;
  for (double t : kThresholds) theta.push_back(static_cast<float>(t));
  for (int b = 0; b < kBatch; ++b) {
    for (int h = 0; h < kHeads; ++h) {
      for (int i = 0; i < kResidues; ++i) {
        const float* query = &maps[((static_cast<std::size_t>(b) * kHeads + h) * kTokens + 1 + i) * kTokens + 1];
        for (int j = 0; j < kResidues; ++j) {
          for (int k = 0; k < thresholds; ++k) {
            if (!(query[j] > theta[k])) continue;
            counts[(h * (2 + properties) + 0) * thresholds + k] += 1;
            counts[(h * (2 + properties) + 1) * thresholds + k] += contact[(b * kResidues + i) * kResidues + j];
            for (int p = 0; p < properties; ++p) {
              counts[(h * (2 + properties) + 2 + p) * thresholds + k] += flags[(b * kResidues + j) * properties + p];
            }
          }
        }
      }
    }
  }
  return counts[0];
}

// The column-histogram shape: per key column a histogram over bins, then a fold over the
// per-residue flags.
std::int64_t column_histogram_layer(const BenchmarkBatch& setup, const std::vector<float>& maps,
                                    const std::vector<std::uint8_t>& contact, const std::vector<std::uint8_t>& flags,
                                    std::vector<std::int64_t>& counts) {
  const int properties = static_cast<int>(setup.plan.residues.size());
  const int bins = static_cast<int>(kThresholds.size()) + 1;
  std::vector<float> theta;
  for (double t : kThresholds) theta.push_back(static_cast<float>(t));
  std::vector<std::int32_t> columns(static_cast<std::size_t>(kResidues) * bins);
  std::vector<std::int32_t> contact_columns(columns.size());
  for (int b = 0; b < kBatch; ++b) {
    for (int h = 0; h < kHeads; ++h) {
      std::fill(columns.begin(), columns.end(), 0);
      std::fill(contact_columns.begin(), contact_columns.end(), 0);
      const float* map = &maps[((static_cast<std::size_t>(b) * kHeads + h) * kTokens + 1) * kTokens + 1];
      for (int j = 0; j < kResidues; ++j) {
        for (int i = 0; i < kResidues; ++i) {
          const float alpha = map[i * kTokens + j];
          int bin = 0;
          for (float t : theta) bin += alpha > t;
          columns[j * bins + bin] += 1;
          contact_columns[j * bins + bin] += contact[(b * kResidues + i) * kResidues + j];
        }
      }
      for (int j = 0; j < kResidues; ++j) {
        for (int bin = 1; bin < bins; ++bin) {
          counts[(h * (2 + properties) + 0) * bins + bin] += columns[j * bins + bin];
          counts[(h * (2 + properties) + 1) * bins + bin] += contact_columns[j * bins + bin];
          for (int p = 0; p < properties; ++p) {
            counts[(h * (2 + properties) + 2 + p) * bins + bin] +=
                flags[(b * kResidues + j) * properties + p] * columns[j * bins + bin];
          }
        }
      }
    }
  }
  return counts[0];
}

TEST(HeadCounterBenchmark, DISABLED_TapeBertSizedBatch) {
  constexpr int kBuffers = 4;  // 4 × 35 MB: more than the last-level cache
  const BenchmarkBatch setup = make_benchmark_batch(kBuffers);
  const int properties = static_cast<int>(setup.plan.residues.size());
  const double entries = static_cast<double>(kBatch) * kHeads * kResidues * kResidues;

  std::int64_t above_lowest = 0;
  for (const auto& layer : setup.layers) {
    for (float alpha : layer) above_lowest += alpha > static_cast<float>(kThresholds[0]);
  }

  HeadCounter counter(CounterShape{kBuffers, kHeads, kThresholds}, setup.plan);
  const double begin_time = seconds_per_layer(1, [&](int) { counter.begin_batch(setup.rows); });
  const double counting = seconds_per_layer(
      12, [&](int layer) { counter.add_layer(layer % kBuffers, maps_of(setup.layers[layer % kBuffers])); });

  std::vector<std::uint8_t> contact(static_cast<std::size_t>(kBatch) * kResidues * kResidues);
  std::vector<std::uint8_t> flags(static_cast<std::size_t>(kBatch) * kResidues * properties);
  for (int b = 0; b < kBatch; ++b) {
    const auto& record = setup.proteins[b].record;
    for (int i = 0; i < kResidues; ++i) {
      for (int j = 0; j < kResidues; ++j) {
        if (record.ca.empty() || std::abs(i - j) < 6 || !record.ca_mask[i] || !record.ca_mask[j]) continue;
        double squared = 0.0;
        for (int d = 0; d < 3; ++d)
          squared += (record.ca[i][d] - record.ca[j][d]) * (record.ca[i][d] - record.ca[j][d]);
        contact[(b * kResidues + i) * kResidues + j] = std::sqrt(squared) < 8.0;
      }
      for (int p = 0; p < properties; ++p) {
        const auto& property = setup.plan.residues[p];
        const auto label = record.labels.find(property.label);
        flags[(b * kResidues + i) * properties + p] =
            property.source == ResidueProperty::Source::amino_acid
                ? record.sequence[i] == property.letter
                : label != record.labels.end() && label->second[i] == property.value;
      }
    }
  }
  std::vector<std::int64_t> sink(static_cast<std::size_t>(kHeads) * (2 + properties) * 4);
  const double naive = seconds_per_layer(
      4, [&](int layer) { naive_layer(setup, setup.layers[layer % kBuffers], contact, flags, sink); });
  const double columns = seconds_per_layer(
      4, [&](int layer) { column_histogram_layer(setup, setup.layers[layer % kBuffers], contact, flags, sink); });
  std::int64_t checksum = 0;
  const double read = seconds_per_layer(12, [&](int layer) {
    std::int64_t above = 0;
    for (float alpha : setup.layers[layer % kBuffers]) above += alpha > 0.5f;
    checksum += above;
  });

  const auto report = [&](const char* what, double seconds) {
    std::printf("  %-46s %7.3f ms  %6.3f ns/entry  %5.1f%% of a 40 ms layer forward\n", what, 1e3 * seconds,
                1e9 * seconds / entries, 100.0 * seconds / 0.040);
  };
  std::printf("B=%d H=%d residues=%d thresholds=0.1,0.3,0.5 properties=%d (+above); %.2f%% of entries > 0.1\n", kBatch,
              kHeads, kResidues, 1 + properties,
              100.0 * static_cast<double>(above_lowest) / (kBuffers * static_cast<double>(setup.layers[0].size())));
  report("HeadCounter::add_layer, per layer", counting);
  report("HeadCounter::begin_batch, once per batch", begin_time);
  report("naive dense loop, per layer", naive);
  report("column histograms + flag fold, per layer", columns);
  report("one vectorised compare per entry, per layer", read);
  EXPECT_GT(checksum + sink[0], 0);
}

}  // namespace
}  // namespace bertology::analysis
