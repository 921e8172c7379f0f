#include "bertology/report/inference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "bertology/error.h"

namespace bertology::report {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Uniform on [0, bound) without modulo bias: reject the 2^64 mod bound lowest outputs so that
// what is left is a whole number of copies of [0, bound). Portable (no 128-bit multiply as in
// Lemire's method) and rejects with probability < bound / 2^64, i.e. practically never.
std::uint64_t bounded_draw(std::mt19937_64& engine, std::uint64_t bound) {
  const std::uint64_t threshold = (std::uint64_t{0} - bound) % bound;  // = 2^64 mod bound, in unsigned arithmetic
  for (;;) {
    const std::uint64_t x = engine();
    if (x >= threshold) return x % bound;
  }
}

// Hyndman–Fan type 7 on sorted values (see the header).
double quantile_type7(const std::vector<double>& sorted, double p) {
  const double h = static_cast<double>(sorted.size() - 1) * p;
  const auto below = static_cast<std::size_t>(std::floor(h));
  if (below + 1 >= sorted.size()) return sorted.back();
  return sorted[below] + (h - static_cast<double>(below)) * (sorted[below + 1] - sorted[below]);
}

Interval percentile_interval(std::vector<double> values, double alpha) {
  if (values.empty()) return {nan, nan};
  std::sort(values.begin(), values.end());
  return {quantile_type7(values, alpha / 2), quantile_type7(values, 1 - alpha / 2)};
}

void check_alpha(double alpha) {
  require(alpha > 0 && alpha < 1, "bootstrap alpha must be in (0, 1), got " + std::to_string(alpha));
}

void check_plan(const BootstrapPlan& plan) {
  require(plan.groups >= 1, "bootstrap plan has no groups");
  require(!plan.multiplicities.empty(), "bootstrap plan has no resamples");
  for (const auto& resample : plan.multiplicities) {
    require(static_cast<std::int64_t>(resample.size()) == plan.groups,
            "bootstrap resample has " + std::to_string(resample.size()) + " multiplicities for " +
                std::to_string(plan.groups) + " groups");
    for (const std::int64_t m : resample) require(m >= 0, "bootstrap multiplicity is negative");
  }
}

void check_counts(const BootstrapPlan& plan, const std::vector<std::int64_t>& counts, const char* what) {
  require(static_cast<std::int64_t>(counts.size()) == plan.groups,
          std::string(what) + " has " + std::to_string(counts.size()) + " groups, the bootstrap plan " +
              std::to_string(plan.groups));
  for (const std::int64_t c : counts) require(c >= 0, std::string(what) + " has a negative count");
}

// Σ_g m_g·counts_g in integers: exact, and counts are far below the range where it could overflow.
std::int64_t weighted_sum(const std::vector<std::int64_t>& multiplicity, const std::vector<std::int64_t>& counts) {
  std::int64_t sum = 0;
  for (std::size_t g = 0; g < counts.size(); ++g) sum += multiplicity[g] * counts[g];
  return sum;
}

}  // namespace

BootstrapPlan bootstrap_plan(std::int64_t groups, int resamples, std::uint64_t seed) {
  require(groups >= 1, "bootstrap needs at least one group, got " + std::to_string(groups));
  require(resamples >= 1, "bootstrap needs at least one resample, got " + std::to_string(resamples));
  std::mt19937_64 engine(seed);
  BootstrapPlan plan;
  plan.groups = groups;
  plan.multiplicities.assign(static_cast<std::size_t>(resamples),
                             std::vector<std::int64_t>(static_cast<std::size_t>(groups), 0));
  for (auto& resample : plan.multiplicities)
    for (std::int64_t draw = 0; draw < groups; ++draw)
      ++resample[bounded_draw(engine, static_cast<std::uint64_t>(groups))];
  return plan;
}

namespace {

// The percentile interval of a statistic of the resampled counts; `statistic` returns NaN for a
// resample where it is undefined (a zero denominator), which is dropped.
template <typename Statistic>
Interval resampled_interval(const BootstrapPlan& plan, double alpha, Statistic statistic) {
  std::vector<double> values;
  values.reserve(plan.multiplicities.size());
  for (const auto& m : plan.multiplicities) {
    const double value = statistic(m);
    if (!std::isnan(value)) values.push_back(value);
  }
  return percentile_interval(std::move(values), alpha);
}

double ratio(std::int64_t numerator, std::int64_t denominator) {
  return denominator == 0 ? std::numeric_limits<double>::quiet_NaN()
                          : static_cast<double>(numerator) / static_cast<double>(denominator);
}

}  // namespace

Interval bootstrap_ratio_interval(const BootstrapPlan& plan, const std::vector<std::int64_t>& numerators,
                                  const std::vector<std::int64_t>& denominators, double alpha) {
  check_alpha(alpha);
  check_plan(plan);
  check_counts(plan, numerators, "bootstrap numerator");
  check_counts(plan, denominators, "bootstrap denominator");
  return resampled_interval(plan, alpha, [&](const std::vector<std::int64_t>& m) {
    return ratio(weighted_sum(m, numerators), weighted_sum(m, denominators));
  });
}

Interval bootstrap_enrichment_interval(const BootstrapPlan& plan, const std::vector<std::int64_t>& hits,
                                       const std::vector<std::int64_t>& arcs,
                                       const std::vector<std::int64_t>& background_positives,
                                       const std::vector<std::int64_t>& background_eligible, double alpha) {
  check_alpha(alpha);
  check_plan(plan);
  check_counts(plan, hits, "bootstrap hits");
  check_counts(plan, arcs, "bootstrap arcs");
  check_counts(plan, background_positives, "bootstrap background positives");
  check_counts(plan, background_eligible, "bootstrap background eligible");
  // A resample without arcs, background positives or eligible residues has no enrichment.
  return resampled_interval(plan, alpha, [&](const std::vector<std::int64_t>& m) {
    const double background = ratio(weighted_sum(m, background_positives), weighted_sum(m, background_eligible));
    return background > 0 ? ratio(weighted_sum(m, hits), weighted_sum(m, arcs)) / background
                          : std::numeric_limits<double>::quiet_NaN();
  });
}

bool bootstrap_resolves(std::int64_t resamples, double alpha) {
  check_alpha(alpha);
  // The relative slack keeps B = 2/alpha itself on the right side when alpha/2·B rounds to 1 − ε.
  return static_cast<double>(resamples) * alpha / 2 >= 1 - 1e-12;
}

std::int64_t minimum_bootstrap_resamples(double alpha) {
  check_alpha(alpha);
  auto b = static_cast<std::int64_t>(std::floor(2 / alpha));
  while (b > 1 && bootstrap_resolves(b - 1, alpha)) --b;
  while (!bootstrap_resolves(b, alpha)) ++b;
  return b;
}

PermutationTest permutation_test(const std::vector<double>& observed, const std::vector<std::vector<double>>& null) {
  require(!null.empty(), "permutation test needs at least one permutation");
  const std::size_t heads = observed.size();
  for (std::size_t k = 0; k < null.size(); ++k)
    require(null[k].size() == heads, "permutation " + std::to_string(k) + " has " + std::to_string(null[k].size()) +
                                         " statistics for " + std::to_string(heads) + " heads");

  // The family is the heads actually tested: an untested head's null must not raise the maximum.
  std::vector<double> maxima(null.size(), -std::numeric_limits<double>::infinity());
  for (std::size_t k = 0; k < null.size(); ++k)
    for (std::size_t m = 0; m < heads; ++m)
      if (!std::isnan(observed[m]) && !std::isnan(null[k][m])) maxima[k] = std::max(maxima[k], null[k][m]);

  // Ties count as reaching the observed value: the +1 and ≥ keep the p-value valid (never below
  // the true permutation p) even when statistics repeat exactly, as proportions of counts do.
  const double denominator = static_cast<double>(null.size() + 1);
  PermutationTest test{std::vector<double>(heads, nan), std::vector<double>(heads, nan)};
  for (std::size_t m = 0; m < heads; ++m) {
    if (std::isnan(observed[m])) continue;
    std::size_t reach_raw = 0;
    std::size_t reach_max = 0;
    for (std::size_t k = 0; k < null.size(); ++k) {
      reach_raw += null[k][m] >= observed[m];  // false for NaN
      reach_max += maxima[k] >= observed[m];
    }
    test.raw[m] = static_cast<double>(1 + reach_raw) / denominator;
    test.family_wise[m] = static_cast<double>(1 + reach_max) / denominator;
  }
  return test;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  require(x.size() == y.size(), "pearson: " + std::to_string(x.size()) + " values against " + std::to_string(y.size()));
  // Two passes (means first) rather than the one-pass sum-of-products formula, which cancels
  // catastrophically for proportions that differ only in their later digits.
  double sum_x = 0;
  double sum_y = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) continue;
    sum_x += x[i];
    sum_y += y[i];
    ++n;
  }
  if (n < 2) return nan;
  const double mean_x = sum_x / static_cast<double>(n);
  const double mean_y = sum_y / static_cast<double>(n);
  double sxx = 0;
  double syy = 0;
  double sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) continue;
    const double dx = x[i] - mean_x;
    const double dy = y[i] - mean_y;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx == 0 || syy == 0) return nan;
  return sxy / std::sqrt(sxx * syy);
}

// What the paper's code does (salesforce/provis, protein_attention/attention_analysis/
// report_aa_correlations.py, create_figures; the inputs come from compute_edge_features.py with
// the `aa` feature, scripts/compute_aa_features.sh, --min-attn 0.1):
//   * per amino acid aa, a vector over all layers × heads (flattened) of the proportion of
//     attention above 0.1 that lands on aa (attention-weighted sum of [to-token is aa] divided by
//     the head's total attention above 0.1); heads whose total is below min_total = 100 are
//     dropped from every vector (the same mask for all letters);
//   * letters: those with a vector that BLOSUM62 (Biopython's MatrixInfo) also has, sorted;
//   * similarity[i][j] = scipy pearsonr(vector_i, vector_j) for i ≠ j; the diagonal is set to
//     None (NaN), and so is BLOSUM's diagonal in the companion matrix;
//   * the reported number is pearsonr over the strict lower triangle (for i, for j < i) of the two
//     matrices: each unordered pair once, diagonal excluded. Both matrices are symmetric, so this
//     equals our upper triangle i < j.
// We follow it, with two differences that do not change its results on complete data: letters in
// BLOSUM order rather than alphabetical (the correlation does not depend on the order), and NaN
// similarities (a constant vector) are skipped in the final correlation where scipy would give NaN.
AminoAcidSimilarity amino_acid_similarity(const std::map<char, std::vector<double>>& per_head_proportions) {
  AminoAcidSimilarity result;
  std::vector<const std::vector<double>*> vectors;
  for (const char aa : standard_amino_acids()) {
    const auto found = per_head_proportions.find(aa);
    if (found == per_head_proportions.end()) continue;
    if (!vectors.empty())
      require(found->second.size() == vectors.front()->size(),
              std::string("amino-acid vectors differ in length: ") + result.letters.front() + " has " +
                  std::to_string(vectors.front()->size()) + " heads, " + aa + " has " +
                  std::to_string(found->second.size()));
    result.letters += aa;
    vectors.push_back(&found->second);
  }
  const std::size_t n = result.letters.size();
  result.similarity.assign(n * n, nan);
  result.blosum.assign(n * n, nan);
  std::vector<double> similarities;
  std::vector<double> scores;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double r = pearson(*vectors[i], *vectors[j]);
      const double score = blosum62(result.letters[i], result.letters[j]);
      result.similarity[i * n + j] = result.similarity[j * n + i] = r;
      result.blosum[i * n + j] = result.blosum[j * n + i] = score;
      similarities.push_back(r);
      scores.push_back(score);
    }
  result.correlation_with_blosum62 = pearson(similarities, scores);
  return result;
}

}  // namespace bertology::report
