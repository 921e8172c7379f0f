#include <gtest/gtest.h>

#include <cmath>

#include "bertology/error.h"
#include "bertology/report/report.h"

namespace bertology::report {
namespace {

TEST(NormalQuantile, MatchesHighPrecisionReference) {
  // Reference: mpmath at 50 digits, sqrt(2)·erfinv(2p − 1), or for tiny p a root of
  // log(erfc(−x/√2)/2) = log p.
  struct Case {
    double p;
    double quantile;
  };
  const Case cases[] = {{0.975, 1.9599639845400542},
                        {0.025, -1.9599639845400542},
                        {0.995, 2.5758293035489008},
                        {0.05, -1.6448536269514727},
                        {0.5, 0.0},
                        {0.3, -0.52440051270804078},
                        {0.02425, -1.9729610513118849},
                        {0.99375, 2.4977054744123728},
                        {1e-10, -6.3613409024040562},
                        {1e-20, -9.2623400897984076},
                        {1e-300, -37.047096299361199}};
  for (const auto& c : cases)
    EXPECT_NEAR(normal_quantile(c.p), c.quantile, 1e-14 * std::max(1.0, std::abs(c.quantile))) << "p = " << c.p;
}

TEST(NormalQuantile, RejectsProbabilitiesOutsideTheOpenInterval) {
  EXPECT_THROW(normal_quantile(0.0), Error);
  EXPECT_THROW(normal_quantile(1.0), Error);
  EXPECT_THROW(normal_quantile(-0.1), Error);
  EXPECT_THROW(normal_quantile(std::nan("")), Error);
}

TEST(WilsonInterval, MatchesHandComputation) {
  // 200 of 400 at z = 1.959963984540054: p̂ = 0.5, z² = 3.841458820694124, z²/n = 0.00960364705;
  // centre = (0.5 + z²/2n)/(1 + z²/n) = 0.5 exactly;
  // half width = z/(1 + z²/n) · √(0.25/400 + z²/(4·400²)) = 1.941318 · √0.000631002 = 0.0487655.
  const Interval even = wilson_interval(200, 400, 1.959963984540054);
  EXPECT_NEAR(even.low, 0.45123450416970902, 1e-14);
  EXPECT_NEAR(even.high, 0.54876549583029098, 1e-14);
  // 100 of 2000 is asymmetric around p̂ = 0.05: the centre moves towards 1/2.
  const Interval skewed = wilson_interval(100, 2000, 1.959963984540054);
  EXPECT_NEAR(skewed.low, 0.041281233618731743, 1e-14);
  EXPECT_NEAR(skewed.high, 0.060444108934395898, 1e-14);
}

TEST(WilsonInterval, NoSuccessesStartAtZero) {
  // 0 of 50: low = 0 and high = (z²/n)/(1 + z²/n) = 0.0768291764/1.0768291764 = 0.0713475991.
  const Interval none = wilson_interval(0, 50, 1.959963984540054);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_NEAR(none.high, 0.07134759913335873, 1e-14);
  const Interval all = wilson_interval(50, 50, 1.959963984540054);
  EXPECT_NEAR(all.low, 1 - 0.07134759913335873, 1e-14);
  EXPECT_EQ(all.high, 1.0);
}

TEST(WilsonInterval, NoTrialsGiveNaN) {
  const Interval empty = wilson_interval(0, 0, 1.96);
  EXPECT_TRUE(std::isnan(empty.low));
  EXPECT_TRUE(std::isnan(empty.high));
}

TEST(HeadName, UsesPaperNumbering) {
  EXPECT_EQ(head_name(11, 3), "12-4");
  EXPECT_EQ(head_name(0, 0), "1-1");
}

}  // namespace
}  // namespace bertology::report
