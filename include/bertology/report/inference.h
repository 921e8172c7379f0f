#pragma once
// Inference that the per-head Wilson interval cannot give: a bootstrap over groups of sequences
// (arcs of one protein are correlated, so the unit of resampling is the group, not the arc), a
// permutation null with family-wise p-values, and the amino-acid similarity of Vig et al. §4.3
// compared with BLOSUM62. Everything here is a pure, deterministic function of its arguments.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bertology/report/report.h"

namespace bertology::report {

// ---- Bootstrap over groups -------------------------------------------------------------------

// Which groups each resample drew. A plain struct so that a test (or a caller with its own
// generator) can write one by hand.
struct BootstrapPlan {
  std::int64_t groups = 0;
  std::vector<std::vector<std::int64_t>> multiplicities;  // [resample][group]: times group was drawn
};

// `resamples` resamples, each drawing `groups` groups with replacement. The same (groups,
// resamples, seed) gives the same plan on every compiler and platform: std::mt19937_64's output
// is fixed by the standard and the bounded draw is our own (std::uniform_int_distribution is not).
BootstrapPlan bootstrap_plan(std::int64_t groups, int resamples, std::uint64_t seed);

// Percentile interval at level 1 − alpha of Σ m_g·numerator_g / Σ m_g·denominator_g over the
// plan's resamples. Resamples whose denominator is 0 are dropped; the interval is NaN when none is
// left. Bounds are the alpha/2 and 1 − alpha/2 quantiles of the resampled ratios, interpolated
// linearly between order statistics (Hyndman–Fan type 7, R's and NumPy's default): for sorted
// values v_0 ≤ … ≤ v_{n−1}, q(p) = v_⌊h⌋ + (h − ⌊h⌋)(v_⌊h⌋+1 − v_⌊h⌋) with h = (n − 1)p.
// `alpha` is the caller's, already corrected for the number of heads.
Interval bootstrap_ratio_interval(const BootstrapPlan& plan, const std::vector<std::int64_t>& numerators,
                                  const std::vector<std::int64_t>& denominators, double alpha);

// The same for the enrichment (Σ hits / Σ arcs) / (Σ background_positives / Σ background_eligible),
// the background resampled with the same groups. Resamples with no arcs or a zero background are
// dropped.
Interval bootstrap_enrichment_interval(const BootstrapPlan& plan, const std::vector<std::int64_t>& hits,
                                       const std::vector<std::int64_t>& arcs,
                                       const std::vector<std::int64_t>& background_positives,
                                       const std::vector<std::int64_t>& background_eligible, double alpha);

// With fewer than 2/alpha resamples the alpha/2 quantile falls below the second-smallest resample,
// so the "interval" is just the sample extremes and says nothing about the level. The smallest B
// with B·alpha/2 ≥ 1 (e.g. 40 for 0.05, 5760 for 0.05/144), and whether `resamples` reaches it.
std::int64_t minimum_bootstrap_resamples(double alpha);
bool bootstrap_resolves(std::int64_t resamples, double alpha);

// ---- Permutation null ------------------------------------------------------------------------

struct PermutationTest {
  std::vector<double> raw;          // per head: (1 + #{k : null[k][m] ≥ observed[m]}) / (K + 1)
  std::vector<double> family_wise;  // per head: (1 + #{k : max_m' null[k][m'] ≥ observed[m]}) / (K + 1)
};

// observed[m] for the M heads of the family, null[k][m] for K ≥ 1 permutations of the labels.
// family_wise is the Westfall–Young single-step max-T adjustment: it controls the family-wise error
// with few permutations, where Bonferroni on raw p cannot (the smallest raw p is 1/(K + 1)).
// A NaN observed statistic (a head without arcs) gets NaN p-values and is left out of the family's
// maximum; a NaN null statistic never counts as reaching the observed one.
PermutationTest permutation_test(const std::vector<double>& observed, const std::vector<std::vector<double>>& null);

// ---- Amino-acid similarity and BLOSUM62 ------------------------------------------------------

// "ARNDCQEGHILKMFPSTWYV": the 20 standard amino acids in BLOSUM's order.
const std::string& standard_amino_acids();

// BLOSUM62 score (NCBI matrix, half-bit units) of two standard amino acids, upper case; throws
// bertology::Error for any other letter.
int blosum62(char a, char b);

// Pearson correlation over the pairs where neither value is NaN; NaN when fewer than two pairs are
// left or either side is constant. Throws when the sizes differ.
double pearson(const std::vector<double>& x, const std::vector<double>& y);

struct AminoAcidSimilarity {
  std::string letters;                   // the standard amino acids compared, in standard_amino_acids() order
  std::vector<double> similarity;        // [n×n] row-major: Pearson between per-head vectors; diagonal NaN
  std::vector<double> blosum;            // [n×n] row-major: BLOSUM62; diagonal NaN (not compared)
  double correlation_with_blosum62 = 0;  // Pearson over the n(n−1)/2 pairs i < j
};

// per_head_proportions[aa][h]: proportion of head h's high-confidence attention that goes to amino
// acid aa, over the same eligible heads (all layers × heads) for every letter. Letters that are not
// standard amino acids (X, B, U, ...) are left out, as in the paper's code. Throws when the vectors'
// lengths differ.
AminoAcidSimilarity amino_acid_similarity(const std::map<char, std::vector<double>>& per_head_proportions);

}  // namespace bertology::report
