#pragma once
// `bertology report`: the top heads of every property with Bonferroni-corrected intervals,
// background rates, layer profiles and the run's provenance, as text, CSV or JSON.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "bertology/io/result_data.h"

namespace bertology::report {

enum class Format { text, csv, json };
Format parse_format(const std::string& name);  // "text" | "csv" | "json"

struct ReportOptions {
  int top_k = 10;
  std::optional<double> threshold;  // must be one of the result's; default: the one closest to 0.3
  std::int64_t min_arcs = 100;      // heads with fewer arcs above θ are masked (as in the paper)
  double confidence = 0.95;         // family-wise, over the eligible heads
};

// Φ⁻¹(p) for 0 < p < 1, accurate to ~1e-15.
double normal_quantile(double p);

struct Interval {
  double low = 0;
  double high = 0;
};
// Wilson score interval for `successes` out of `trials` at critical value z.
Interval wilson_interval(std::int64_t successes, std::int64_t trials, double z);

// Paper numbering: 1-based "layer-head", e.g. "12-4" for layer index 11, head index 3.
std::string head_name(int layer, int head);

struct HeadStatistic {
  int layer = 0;  // 0-based
  int head = 0;   // 0-based
  double proportion = 0;
  Interval interval;
  std::int64_t arcs = 0;  // attention arcs above θ: the proportion's denominator
  double enrichment = 0;  // proportion / background rate, NaN when the background is 0 or unknown
};

struct PropertySummary {
  std::string label;
  io::BackgroundRate background;
  std::vector<HeadStatistic> top_heads;  // best first, at most top_k
  std::vector<double> layer_means;       // mean proportion of the layer's eligible heads, NaN if none
  int best_layer = -1;                   // 0-based argmax of layer_means, -1 when no head is eligible
};

struct Summary {
  int threshold_index = 0;
  double threshold = 0;
  int eligible_heads = 0;  // heads with ≥ min_arcs (and ≥ 1) arcs above θ: the Bonferroni family
  double z = 0;            // two-sided critical value for (1 − confidence) / eligible_heads; NaN if none
  std::vector<PropertySummary> properties;
};

// Throws bertology::Error on invalid options (e.g. a threshold the result lacks, listing the
// available ones) and on counts whose shape or values are inconsistent.
Summary summarize(const io::ResultData& data, const ReportOptions& options);

void write_report(const io::ResultData& data, const ReportOptions& options, Format format, std::ostream& out);

}  // namespace bertology::report
