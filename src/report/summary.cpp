#include <algorithm>
#include <cmath>
#include <limits>

#include "bertology/error.h"
#include "bertology/report/report.h"
#include "number_format.h"

namespace bertology::report {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double paper_threshold = 0.3;

void validate(const ReportOptions& options) {
  require(options.top_k >= 1, "report: top_k must be at least 1, got " + std::to_string(options.top_k));
  require(options.min_arcs >= 0, "report: min_arcs must not be negative, got " + std::to_string(options.min_arcs));
  require(options.confidence > 0 && options.confidence < 1,
          "report: confidence must lie strictly between 0 and 1, got " + shortest(options.confidence));
}

int select_threshold(const std::vector<double>& thresholds, const std::optional<double>& wanted) {
  require(!thresholds.empty(), "report: the result holds no thresholds");
  const double target = wanted.value_or(paper_threshold);
  int closest = 0;
  for (int t = 1; t < static_cast<int>(thresholds.size()); ++t)
    if (std::abs(thresholds[t] - target) < std::abs(thresholds[closest] - target)) closest = t;
  if (!wanted) return closest;
  // A threshold typed on the command line parses to the same double as the one stored; the
  // tolerance only forgives a value that went through another printer.
  if (std::abs(thresholds[closest] - target) <= 1e-9 * std::max(1.0, std::abs(target))) return closest;
  std::string available;
  for (double t : thresholds) available += (available.empty() ? "" : ", ") + shortest(t);
  throw Error("report: threshold " + shortest(target) + " is not in the result; available: " + available);
}

const std::vector<std::int64_t>& counts_of(const io::ResultData& data, const std::string& name) {
  const auto found = data.counts.find(name);
  require(found != data.counts.end(), "report: the result has no counts for '" + name + "'", {"", name});
  const std::size_t expected = static_cast<std::size_t>(data.layers) * data.heads * data.thresholds.size();
  require(found->second.size() == expected,
          "report: counts for '" + name + "' hold " + std::to_string(found->second.size()) +
              " values, expected layers × heads × thresholds = " + std::to_string(expected),
          {"", name});
  return found->second;
}

PropertySummary summarize_property(const io::ResultData& data, const std::string& label, int threshold,
                                   const std::vector<int>& eligible, double z, int top_k) {
  const auto& arcs = counts_of(data, "above_threshold");
  const auto& positives = counts_of(data, label);
  PropertySummary summary;
  summary.label = label;
  if (const auto found = data.background.find(label); found != data.background.end())
    summary.background = found->second;
  const double background_rate = summary.background.rate();

  std::vector<HeadStatistic> heads;
  std::vector<double> layer_sum(data.layers, 0.0);
  std::vector<int> layer_heads(data.layers, 0);
  for (int flat : eligible) {
    const int layer = flat / data.heads;
    const int head = flat % data.heads;
    const std::size_t i = data.index(layer, head, threshold);
    const std::int64_t hits = positives[i];
    require(hits >= 0 && hits <= arcs[i],
            "report: head " + head_name(layer, head) + " has " + std::to_string(hits) + " arcs on the property but " +
                std::to_string(arcs[i]) + " arcs above the threshold",
            {"", label});
    HeadStatistic statistic;
    statistic.layer = layer;
    statistic.head = head;
    statistic.arcs = arcs[i];
    statistic.proportion = static_cast<double>(hits) / static_cast<double>(arcs[i]);
    statistic.interval = wilson_interval(hits, arcs[i], z);
    statistic.enrichment = background_rate > 0 ? statistic.proportion / background_rate : nan;
    heads.push_back(statistic);
    layer_sum[layer] += statistic.proportion;
    ++layer_heads[layer];
  }

  // Eligible heads come in (layer, head) order, so a stable sort breaks ties by position.
  std::stable_sort(heads.begin(), heads.end(),
                   [](const HeadStatistic& a, const HeadStatistic& b) { return a.proportion > b.proportion; });
  if (static_cast<int>(heads.size()) > top_k) heads.resize(top_k);
  summary.top_heads = std::move(heads);

  summary.layer_means.resize(data.layers);
  for (int layer = 0; layer < data.layers; ++layer) {
    summary.layer_means[layer] = layer_heads[layer] > 0 ? layer_sum[layer] / layer_heads[layer] : nan;
    if (layer_heads[layer] > 0 &&
        (summary.best_layer < 0 || summary.layer_means[layer] > summary.layer_means[summary.best_layer]))
      summary.best_layer = layer;
  }
  return summary;
}

}  // namespace

std::string head_name(int layer, int head) { return std::to_string(layer + 1) + "-" + std::to_string(head + 1); }

Format parse_format(const std::string& name) {
  if (name == "text") return Format::text;
  if (name == "csv") return Format::csv;
  if (name == "json") return Format::json;
  throw Error("report: unknown format '" + name + "'; available: text, csv, json");
}

Summary summarize(const io::ResultData& data, const ReportOptions& options) {
  validate(options);
  require(data.layers > 0 && data.heads > 0, "report: the result has no heads");
  Summary summary;
  summary.threshold_index = select_threshold(data.thresholds, options.threshold);
  summary.threshold = data.thresholds[summary.threshold_index];

  // A head with no arcs above θ has no proportion at all, so it is masked even at min_arcs = 0.
  const std::int64_t min_arcs = std::max<std::int64_t>(options.min_arcs, 1);
  const auto& arcs = counts_of(data, "above_threshold");
  std::vector<int> eligible;
  for (int layer = 0; layer < data.layers; ++layer)
    for (int head = 0; head < data.heads; ++head)
      if (arcs[data.index(layer, head, summary.threshold_index)] >= min_arcs)
        eligible.push_back(layer * data.heads + head);
  summary.eligible_heads = static_cast<int>(eligible.size());
  // Bonferroni: each interval is two-sided at (1 − confidence) / m, taken from the lower tail
  // so that a tiny α/2m keeps its precision.
  summary.z = eligible.empty() ? nan : -normal_quantile((1 - options.confidence) / (2.0 * eligible.size()));

  for (const auto& label : data.labels)
    summary.properties.push_back(
        summarize_property(data, label, summary.threshold_index, eligible, summary.z, options.top_k));
  return summary;
}

}  // namespace bertology::report
