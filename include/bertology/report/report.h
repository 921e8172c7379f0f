#pragma once
// `bertology report`: the top heads of every property with Bonferroni-corrected intervals (the
// paper's Wilson interval and a bootstrap over groups of sequences), enrichment, the null
// control's permutation p-values, layer profiles, the amino-acid similarity against BLOSUM62,
// per-head contact precision and the run's provenance, as text, CSV, JSON or an HTML page.
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
  int bootstrap_resamples = 0;      // 0 = enough for the corrected percentiles, at least 1000
  std::uint64_t seed = 1;           // of the bootstrap
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
  Interval interval;              // Wilson, Bonferroni over the property's eligible heads (the paper's)
  Interval bootstrap;             // percentile bootstrap over groups of sequences, same level; NaN without groups
  std::int64_t hits = 0;          // arcs on the property
  std::int64_t arcs = 0;          // the proportion's denominator: arcs above θ (to residues with a known label)
  double enrichment = 0;          // proportion / background rate, NaN when the background is 0 or unknown
  Interval enrichment_interval;   // the Wilson interval over the background rate
  Interval enrichment_bootstrap;  // bootstrap of the ratio; NaN without groups
  double null_proportion = 0;     // mean over the null permutations; NaN without a null
  double null_p = 0;              // permutation p-value; NaN without a null
  double null_p_family = 0;       // max-T adjusted over the eligible heads; NaN without a null
};

struct PropertySummary {
  std::string label;
  std::string denominator;  // "above_threshold" or "known/<label>"
  io::BackgroundRate background;
  int eligible_heads = 0;                // heads whose denominator has ≥ min_arcs: this property's Bonferroni family
  double z = 0;                          // its critical value; NaN when no head is eligible
  std::vector<HeadStatistic> top_heads;  // best first, at most top_k
  std::vector<double> proportions;       // every head [layer][head], NaN where not eligible
  std::vector<double> layer_means;       // mean proportion of the layer's eligible heads, NaN if none
  int best_layer = -1;                   // 0-based argmax of layer_means, -1 when no head is eligible
  // Share of the layer's attention on the property, pooled over its eligible heads (Σ hits /
  // Σ denominator), and the centre of gravity Σ ℓ·share_ℓ / Σ share_ℓ (1-based layers).
  std::vector<double> layer_share;
  double centre_of_gravity = 0;
  std::vector<int> beats_null;  // heads (layer·heads + head) with null_p_family ≤ 1 − confidence
};

struct PrecisionHead {
  int layer = 0, head = 0;
  std::vector<double> precision;  // per cut
  std::vector<std::int64_t> contacts, selected;
};

struct PrecisionSummary {
  std::vector<std::string> cuts;        // "top_l5", ...
  std::vector<std::string> cut_labels;  // "L/5", ...
  std::int64_t sequences = 0;
  std::string definition;
  std::vector<PrecisionHead> heads;      // every head, [layer][head] order
  std::vector<PrecisionHead> top_heads;  // by precision at the first cut, then the last; at most top_k
};

struct AminoAcidSummary {
  std::string letters;             // standard amino acids compared
  std::vector<double> similarity;  // n×n Pearson of per-head attention-share vectors; diagonal NaN
  std::vector<double> blosum;      // n×n BLOSUM62; diagonal NaN
  double correlation = 0;          // Pearson over pairs i < j
  int heads = 0;                   // heads in the vectors (the eligible ones)
};

struct Summary {
  int threshold_index = 0;
  double threshold = 0;
  int eligible_heads = 0;  // heads with ≥ min_arcs (and ≥ 1) arcs above θ
  double z = 0;            // two-sided critical value for (1 − confidence) / eligible_heads; NaN if none
  std::vector<PropertySummary> properties;
  std::int64_t groups = 0;      // of sequences, for the bootstrap (run --groups)
  int bootstrap_resamples = 0;  // 0 when there is no bootstrap
  int null_permutations = 0;    // 0 when the run had no null control
  std::string interval_basis;   // which interval the conclusions rest on, and why
  std::optional<PrecisionSummary> precision;
  std::optional<AminoAcidSummary> amino_acids;
};

// Throws bertology::Error on invalid options (e.g. a threshold the result lacks, listing the
// available ones) and on counts whose shape or values are inconsistent.
Summary summarize(const io::ResultData& data, const ReportOptions& options);

void write_report(const io::ResultData& data, const ReportOptions& options, Format format, std::ostream& out);

struct HtmlOptions {
  bool png = false;  // also convert every figure to PNG (needs rsvg-convert, Debian's librsvg2-bin)
};
// DIR/index.html (one self-contained page: every figure inline, the tables, the provenance),
// DIR/figures/*.svg (and .png), DIR/heads.csv (every head: its counts, proportions and contact
// precision, for fitting one's own models). Returns the page's path.
std::string write_html(const io::ResultData& data, const ReportOptions& options, const HtmlOptions& html,
                       const std::string& directory);

}  // namespace bertology::report
