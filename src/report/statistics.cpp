#include <algorithm>
#include <cmath>
#include <limits>

#include "bertology/error.h"
#include "bertology/report/report.h"

namespace bertology::report {

namespace {

// Acklam's rational approximation of Φ⁻¹ for 0 < p ≤ 0.5 (relative error < 1.15e-9).
double acklam_lower_half(double p) {
  constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                          -1.328068155288572e+01};
  constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double tail_start = 0.02425;
  if (p < tail_start) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

}  // namespace

double normal_quantile(double p) {
  require(p > 0 && p < 1, "normal quantile needs 0 < p < 1, got " + std::to_string(p));
  // 1 − p is exact for p ≥ 0.5, so the symmetry loses nothing and the refinement below only
  // ever compares against a lower-tail probability, which erfc gives to full relative precision.
  if (p > 0.5) return -normal_quantile(1 - p);
  const double x = acklam_lower_half(p);
  // One Halley step on Φ(x) − p brings the 1e-9 approximation to machine precision.
  const double error = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  constexpr double sqrt_two_pi = 2.50662827463100050242;
  const double u = error * sqrt_two_pi * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

Interval wilson_interval(std::int64_t successes, std::int64_t trials, double z) {
  if (trials <= 0) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {nan, nan};
  }
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double shrink = 1 + z2 / n;
  const double center = (p + z2 / (2 * n)) / shrink;
  const double half_width = z / shrink * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  // Rounding can push the bound a hair past [0, 1] when p is 0 or 1.
  return {std::max(0.0, center - half_width), std::min(1.0, center + half_width)};
}

}  // namespace bertology::report
