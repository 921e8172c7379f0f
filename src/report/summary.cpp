#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "bertology/error.h"
#include "bertology/report/inference.h"
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
  require(options.bootstrap_resamples >= 0,
          "report: bootstrap resamples must not be negative, got " + std::to_string(options.bootstrap_resamples));
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

// A group or null slice of a flat [slices][layers][heads][thresholds] array.
std::int64_t slice_value(const std::vector<std::int64_t>& values, std::size_t slice, std::size_t row_size,
                         std::size_t i) {
  return values[slice * row_size + i];
}

// Every optional part of a result has the shape its counts imply, so that no table reads past an
// array (results come from files, and from users' own code).
void validate_shapes(const io::ResultData& data) {
  const std::size_t row = static_cast<std::size_t>(data.layers) * data.heads * data.thresholds.size();
  const auto require_size = [](const std::vector<std::int64_t>& values, std::size_t size, const std::string& what) {
    require(values.size() == size, "report: " + what + " holds " + std::to_string(values.size()) +
                                       " values, expected " + std::to_string(size));
  };
  for (const auto& [label, values] : data.known_counts) require_size(values, row, "/known/" + label);
  for (const auto& [property, label] : data.denominator_label)
    require(data.known_counts.count(label) == 1,
            "report: property '" + property + "' has the known-label denominator '" + label + "', which is missing");
  if (data.null_permutations > 0) {
    const std::size_t null_size = static_cast<std::size_t>(data.null_permutations) * row;
    for (const auto& label : data.labels) {
      require(data.null_counts.count(label) == 1, "report: the null lacks the counts of '" + label + "'");
      require_size(data.null_counts.at(label), null_size, "/null/counts/" + label);
    }
    for (const auto& [property, label] : data.denominator_label) {
      require(data.null_known_counts.count(label) == 1, "report: the null lacks the known counts of '" + label + "'");
      require_size(data.null_known_counts.at(label), null_size, "/null/known/" + label);
    }
  }
  if (data.groups > 0 && !data.group_counts.empty()) {
    const std::size_t group_size = static_cast<std::size_t>(data.groups) * row;
    for (const auto& label : data.labels) {
      require(data.group_counts.count(label) == 1, "report: the groups lack the counts of '" + label + "'");
      require_size(data.group_counts.at(label), group_size, "/groups/counts/" + label);
    }
    require(data.group_counts.count("above_threshold") == 1, "report: the groups lack the arcs above θ");
    require_size(data.group_counts.at("above_threshold"), group_size, "/groups/counts/above_threshold");
    for (const auto& [property, label] : data.denominator_label) {
      require(data.group_known_counts.count(label) == 1, "report: the groups lack the known counts of '" + label + "'");
      require_size(data.group_known_counts.at(label), group_size, "/groups/known/" + label);
    }
    for (const auto& [label, rates] : data.group_background)
      require(rates.size() == static_cast<std::size_t>(data.groups),
              "report: /groups/background/" + label + " does not have one rate per group");
  }
  const std::size_t heads = static_cast<std::size_t>(data.layers) * data.heads;
  for (const auto& cut : data.precision_cuts) {
    require(data.precision_selected.count(cut) == 1 && data.precision_contacts.count(cut) == 1,
            "report: contact precision lacks the cut '" + cut + "'");
    require_size(data.precision_selected.at(cut), heads, "/contact_precision/" + cut + "/selected");
    require_size(data.precision_contacts.at(cut), heads, "/contact_precision/" + cut + "/contacts");
  }
}

struct PropertyContext {
  const io::ResultData& data;
  int threshold;
  std::int64_t min_arcs;
  double confidence;
  int top_k;
  const BootstrapPlan* bootstrap;  // null without groups
};

std::vector<double> permutation_statistics(const io::ResultData& data, const std::string& label,
                                           const std::vector<std::size_t>& cells, int k) {
  const std::size_t row_size = data.counts.at("above_threshold").size();
  const auto& hits = data.null_counts.at(label);
  const auto known = data.denominator_label.find(label);
  std::vector<double> statistics;
  for (std::size_t i : cells) {
    // The null keeps every arc; only a label's known residues move with the permutation.
    const std::int64_t denominator = known == data.denominator_label.end()
                                         ? data.counts.at("above_threshold")[i]
                                         : slice_value(data.null_known_counts.at(known->second), k, row_size, i);
    statistics.push_back(denominator > 0
                             ? static_cast<double>(slice_value(hits, k, row_size, i)) / static_cast<double>(denominator)
                             : nan);
  }
  return statistics;
}

void add_null(const io::ResultData& data, const std::string& label, const std::vector<std::size_t>& cells,
              std::vector<HeadStatistic>& heads, double confidence, PropertySummary& summary) {
  if (data.null_permutations <= 0 || data.null_counts.count(label) == 0) return;
  std::vector<double> observed;
  for (const auto& h : heads) observed.push_back(h.proportion);
  std::vector<std::vector<double>> null;
  for (int k = 0; k < data.null_permutations; ++k) null.push_back(permutation_statistics(data, label, cells, k));
  const PermutationTest test = permutation_test(observed, null);
  for (std::size_t m = 0; m < heads.size(); ++m) {
    double sum = 0;
    int used = 0;
    for (const auto& permutation : null)
      if (!std::isnan(permutation[m])) sum += permutation[m], ++used;
    heads[m].null_proportion = used > 0 ? sum / used : nan;
    heads[m].null_p = test.raw[m];
    heads[m].null_p_family = test.family_wise[m];
    if (test.family_wise[m] <= (1 - confidence) * (1 + 1e-9))  // 1 − 0.9 is 0.0999…98 in doubles, below 1/10
      summary.beats_null.push_back(heads[m].layer * data.heads + heads[m].head);
  }
}

void add_bootstrap(const PropertyContext& context, const std::string& label, double alpha, HeadStatistic& head) {
  const io::ResultData& data = context.data;
  if (context.bootstrap == nullptr || data.group_counts.count(label) == 0) return;
  const std::size_t row_size = data.counts.at("above_threshold").size();
  const std::size_t i = data.index(head.layer, head.head, context.threshold);
  const auto& hits = data.group_counts.at(label);
  const auto& denominators = data.group_denominator(label);
  std::vector<std::int64_t> group_hits, group_arcs, positives, eligible;
  for (std::int64_t g = 0; g < data.groups; ++g) {
    group_hits.push_back(slice_value(hits, g, row_size, i));
    group_arcs.push_back(slice_value(denominators, g, row_size, i));
  }
  head.bootstrap = bootstrap_ratio_interval(*context.bootstrap, group_hits, group_arcs, alpha);
  const auto background = data.group_background.find(label);
  if (background == data.group_background.end() || std::isnan(head.enrichment)) return;
  for (const auto& rate : background->second) {
    positives.push_back(rate.positives);
    eligible.push_back(rate.eligible);
  }
  head.enrichment_bootstrap =
      bootstrap_enrichment_interval(*context.bootstrap, group_hits, group_arcs, positives, eligible, alpha);
}

PropertySummary summarize_property(const PropertyContext& context, const std::string& label) {
  const io::ResultData& data = context.data;
  const int threshold = context.threshold;
  const auto& positives = counts_of(data, label);
  const auto& denominators = data.denominator(label);
  PropertySummary summary;
  summary.label = label;
  const auto known = data.denominator_label.find(label);
  summary.denominator = known == data.denominator_label.end() ? "above_threshold" : "known/" + known->second;
  if (const auto found = data.background.find(label); found != data.background.end())
    summary.background = found->second;
  const double background_rate = summary.background.rate();

  std::vector<std::size_t> cells;
  for (int layer = 0; layer < data.layers; ++layer)
    for (int head = 0; head < data.heads; ++head) {
      const std::size_t i = data.index(layer, head, threshold);
      if (denominators[i] >= context.min_arcs) cells.push_back(i);
    }
  summary.eligible_heads = static_cast<int>(cells.size());
  const double alpha = cells.empty() ? nan : (1 - context.confidence) / static_cast<double>(cells.size());
  summary.z = cells.empty() ? nan : -normal_quantile(alpha / 2);

  std::vector<HeadStatistic> heads;
  summary.proportions.assign(static_cast<std::size_t>(data.layers) * data.heads, nan);
  std::vector<double> layer_sum(data.layers, 0.0);
  std::vector<int> layer_heads(data.layers, 0);
  std::vector<std::int64_t> layer_hits(data.layers, 0), layer_arcs(data.layers, 0);
  for (std::size_t i : cells) {
    const int flat = static_cast<int>(i / data.thresholds.size());
    const int layer = flat / data.heads;
    const int head = flat % data.heads;
    const std::int64_t hits = positives[i];
    require(hits >= 0 && hits <= denominators[i],
            "report: head " + head_name(layer, head) + " has " + std::to_string(hits) +
                " arcs on the property but its denominator is " + std::to_string(denominators[i]),
            {"", label});
    HeadStatistic statistic;
    statistic.layer = layer;
    statistic.head = head;
    statistic.hits = hits;
    statistic.arcs = denominators[i];
    statistic.proportion = static_cast<double>(hits) / static_cast<double>(denominators[i]);
    statistic.interval = wilson_interval(hits, denominators[i], summary.z);
    statistic.bootstrap = {nan, nan};
    statistic.enrichment = background_rate > 0 ? statistic.proportion / background_rate : nan;
    statistic.enrichment_interval = background_rate > 0 ? Interval{statistic.interval.low / background_rate,
                                                                   statistic.interval.high / background_rate}
                                                        : Interval{nan, nan};
    statistic.enrichment_bootstrap = {nan, nan};
    statistic.null_proportion = statistic.null_p = statistic.null_p_family = nan;
    heads.push_back(statistic);
    summary.proportions[flat] = statistic.proportion;
    layer_sum[layer] += statistic.proportion;
    ++layer_heads[layer];
    layer_hits[layer] += hits;
    layer_arcs[layer] += denominators[i];
  }
  add_null(data, label, cells, heads, context.confidence, summary);

  // Eligible heads come in (layer, head) order, so a stable sort breaks ties by position.
  std::stable_sort(heads.begin(), heads.end(),
                   [](const HeadStatistic& a, const HeadStatistic& b) { return a.proportion > b.proportion; });
  if (static_cast<int>(heads.size()) > context.top_k) heads.resize(context.top_k);
  for (auto& head : heads) add_bootstrap(context, label, alpha, head);
  summary.top_heads = std::move(heads);

  summary.layer_means.resize(data.layers);
  summary.layer_share.resize(data.layers);
  double weighted = 0, weights = 0;
  for (int layer = 0; layer < data.layers; ++layer) {
    summary.layer_means[layer] = layer_heads[layer] > 0 ? layer_sum[layer] / layer_heads[layer] : nan;
    summary.layer_share[layer] =
        layer_arcs[layer] > 0 ? static_cast<double>(layer_hits[layer]) / static_cast<double>(layer_arcs[layer]) : nan;
    if (layer_arcs[layer] > 0) {
      weighted += (layer + 1) * summary.layer_share[layer];
      weights += summary.layer_share[layer];
    }
    if (layer_heads[layer] > 0 &&
        (summary.best_layer < 0 || summary.layer_means[layer] > summary.layer_means[summary.best_layer]))
      summary.best_layer = layer;
  }
  summary.centre_of_gravity = weights > 0 ? weighted / weights : nan;
  return summary;
}

std::optional<PrecisionSummary> summarize_precision(const io::ResultData& data, int top_k) {
  if (data.precision_cuts.empty()) return std::nullopt;
  PrecisionSummary summary;
  summary.cuts = data.precision_cuts;
  for (const auto& cut : summary.cuts)
    summary.cut_labels.push_back(cut == "top_l5" ? "L/5" : cut == "top_l2" ? "L/2" : cut == "top_l" ? "L" : cut);
  summary.sequences = data.precision_sequences;
  if (const auto found = data.text_attributes.find("contact_precision_definition"); found != data.text_attributes.end())
    summary.definition = found->second;
  for (int layer = 0; layer < data.layers; ++layer)
    for (int head = 0; head < data.heads; ++head) {
      PrecisionHead entry{layer, head, {}, {}, {}};
      const std::size_t i = static_cast<std::size_t>(layer) * data.heads + head;
      for (const auto& cut : summary.cuts) {
        const std::int64_t selected = data.precision_selected.at(cut)[i];
        const std::int64_t contacts = data.precision_contacts.at(cut)[i];
        require(contacts >= 0 && contacts <= selected,
                "report: contact precision of head " + head_name(layer, head) + " counts more contacts than pairs");
        entry.selected.push_back(selected);
        entry.contacts.push_back(contacts);
        entry.precision.push_back(selected > 0 ? static_cast<double>(contacts) / static_cast<double>(selected) : nan);
      }
      summary.heads.push_back(entry);
    }
  for (const auto& head : summary.heads)
    if (!head.selected.empty() && head.selected.front() > 0) summary.top_heads.push_back(head);
  std::stable_sort(summary.top_heads.begin(), summary.top_heads.end(),
                   [](const PrecisionHead& a, const PrecisionHead& b) {
                     if (a.precision.front() != b.precision.front()) return a.precision.front() > b.precision.front();
                     return a.precision.back() > b.precision.back();
                   });
  if (static_cast<int>(summary.top_heads.size()) > top_k) summary.top_heads.resize(top_k);
  return summary;
}

// The paper's amino-acid similarity: per head, the share of its attention on each amino acid;
// letters compared by the Pearson correlation of these vectors over the eligible heads.
std::optional<AminoAcidSummary> summarize_amino_acids(const io::ResultData& data, int threshold,
                                                      std::int64_t min_arcs) {
  const auto& arcs = counts_of(data, "above_threshold");
  std::map<char, std::vector<double>> per_head;
  for (char letter : standard_amino_acids()) {
    const auto found = data.counts.find(std::string("aa_") + letter);
    if (found == data.counts.end()) continue;
    auto& vector = per_head[letter];
    for (int layer = 0; layer < data.layers; ++layer)
      for (int head = 0; head < data.heads; ++head) {
        const std::size_t i = data.index(layer, head, threshold);
        if (arcs[i] >= min_arcs) vector.push_back(static_cast<double>(found->second[i]) / static_cast<double>(arcs[i]));
      }
  }
  if (per_head.size() < 3 || per_head.begin()->second.size() < 3) return std::nullopt;
  const AminoAcidSimilarity similarity = amino_acid_similarity(per_head);
  return AminoAcidSummary{similarity.letters, similarity.similarity, similarity.blosum,
                          similarity.correlation_with_blosum62, static_cast<int>(per_head.begin()->second.size())};
}

std::string interval_basis(const Summary& summary) {
  if (summary.bootstrap_resamples > 0) {
    std::string basis = "bootstrap over " + std::to_string(summary.groups) + " groups of sequences (" +
                        std::to_string(summary.bootstrap_resamples) +
                        " resamples, percentile, Bonferroni over each property's eligible heads), because the arcs of "
                        "one protein are correlated; the Wilson interval treats every arc as independent and is "
                        "shown for comparison with the paper";
    if (summary.groups < 20)
      basis += ". With only " + std::to_string(summary.groups) +
               " groups the bootstrap is coarse: run with --groups 50 or more";
    return basis;
  }
  return "Wilson score, Bonferroni over each property's eligible heads (the paper's): it treats every arc as "
         "independent and is too narrow when the arcs of a protein are correlated; run with --groups 50 for a "
         "bootstrap over sequences";
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
  validate_shapes(data);
  Summary summary;
  summary.threshold_index = select_threshold(data.thresholds, options.threshold);
  summary.threshold = data.thresholds[summary.threshold_index];

  // A head with no arcs above θ has no proportion at all, so it is masked even at min_arcs = 0.
  const std::int64_t min_arcs = std::max<std::int64_t>(options.min_arcs, 1);
  const auto& arcs = counts_of(data, "above_threshold");
  int eligible = 0;
  for (int layer = 0; layer < data.layers; ++layer)
    for (int head = 0; head < data.heads; ++head)
      eligible += arcs[data.index(layer, head, summary.threshold_index)] >= min_arcs;
  summary.eligible_heads = eligible;
  // Bonferroni: each interval is two-sided at (1 − confidence) / m, taken from the lower tail
  // so that a tiny α/2m keeps its precision.
  summary.z = eligible == 0 ? nan : -normal_quantile((1 - options.confidence) / (2.0 * eligible));

  // One resampling plan for every head and property, so their intervals are comparable.
  std::optional<BootstrapPlan> plan;
  if (data.groups >= 2 && data.group_counts.count("above_threshold") && eligible > 0) {
    summary.groups = data.groups;
    summary.bootstrap_resamples = options.bootstrap_resamples > 0
                                      ? options.bootstrap_resamples
                                      : static_cast<int>(std::max<std::int64_t>(
                                            1000, minimum_bootstrap_resamples((1 - options.confidence) / eligible)));
    plan = bootstrap_plan(data.groups, summary.bootstrap_resamples, options.seed);
  }
  summary.null_permutations = data.null_permutations;
  const PropertyContext context{data,          summary.threshold_index, min_arcs, options.confidence,
                                options.top_k, plan ? &*plan : nullptr};
  for (const auto& label : data.labels) summary.properties.push_back(summarize_property(context, label));
  summary.interval_basis = interval_basis(summary);
  summary.precision = summarize_precision(data, options.top_k);
  summary.amino_acids = summarize_amino_acids(data, summary.threshold_index, min_arcs);
  return summary;
}

}  // namespace bertology::report
