// Statistics of the compare report: Student t quantiles, means and 95% confidence intervals over
// seeds, checked against published values and, for the interval as a whole, by its coverage.
#include "traffic/compare/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "traffic/random.h"

namespace traffic::compare {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(StudentT, MatchesPublishedTableValues) {
  // Two-sided 95% critical values as printed in any statistics table.
  EXPECT_NEAR(studentT975(1), 12.706, 5e-4);
  EXPECT_NEAR(studentT975(2), 4.303, 5e-4);
  EXPECT_NEAR(studentT975(4), 2.776, 5e-4);
  EXPECT_NEAR(studentT975(9), 2.262, 5e-4);
  EXPECT_NEAR(studentT975(19), 2.093, 5e-4);
  EXPECT_NEAR(studentT975(30), 2.042, 5e-4);
}

TEST(StudentT, BeyondTheTableStaysAccurateAndTendsToTheNormalQuantile) {
  // Exact values (numerical integration of the t density): the plain normal quantile would be off
  // by 0.08 at df = 31.
  EXPECT_NEAR(studentT975(31), 2.039513, 1e-5);
  EXPECT_NEAR(studentT975(40), 2.021075, 1e-5);
  EXPECT_NEAR(studentT975(60), 2.000298, 1e-5);
  EXPECT_NEAR(studentT975(100), 1.983972, 1e-5);
  EXPECT_NEAR(studentT975(1000000), 1.959964, 1e-5);
}

TEST(StudentT, DecreasesWithTheDegreesOfFreedomWithoutAJumpAtTheTableEnd) {
  for (int df = 1; df < 500; ++df) {
    SCOPED_TRACE(df);
    EXPECT_GT(studentT975(df), studentT975(df + 1));
    EXPECT_GT(studentT975(df), 1.959963984540054);
  }
  EXPECT_TRUE(std::isnan(studentT975(0)));
  EXPECT_TRUE(std::isnan(studentT975(-3)));
}

TEST(MeanInterval, KnownSmallSamples) {
  // 10, 12, 14: mean 12, s = 2, half-width = t(2) * 2 / sqrt(3).
  const std::vector<double> a{10, 12, 14};
  const MeanInterval ia = meanInterval95(a);
  EXPECT_EQ(ia.n, 3u);
  EXPECT_DOUBLE_EQ(ia.mean, 12);
  EXPECT_NEAR(ia.stdDev, 2, 1e-12);
  EXPECT_NEAR(ia.halfWidth, 4.968275, 1e-6);
  EXPECT_NEAR(ia.low(), 12 - 4.968275, 1e-6);
  EXPECT_NEAR(ia.high(), 12 + 4.968275, 1e-6);

  // 1..5: mean 3, s = sqrt(2.5), half-width = 2.776445 * 1.581139 / sqrt(5) = 1.963243.
  const std::vector<double> b{1, 2, 3, 4, 5};
  const MeanInterval ib = meanInterval95(b);
  EXPECT_DOUBLE_EQ(ib.mean, 3);
  EXPECT_NEAR(ib.stdDev, std::sqrt(2.5), 1e-12);
  EXPECT_NEAR(ib.halfWidth, 1.963243, 1e-6);
  EXPECT_DOUBLE_EQ(mean(b), 3);
}

TEST(MeanInterval, IdenticalValuesGiveAZeroWidthInterval) {
  const std::vector<double> v{145.822, 145.822, 145.822, 145.822};
  const MeanInterval i = meanInterval95(v);
  EXPECT_DOUBLE_EQ(i.mean, 145.822);
  EXPECT_DOUBLE_EQ(i.halfWidth, 0);
}

TEST(MeanInterval, SkipsUndefinedValuesAndSaysHowManyWereUsed) {
  // A run where no vehicle arrived has no mean travel time; it must not drag the mean to zero.
  const std::vector<double> v{kNaN, 1, 3, std::numeric_limits<double>::infinity()};
  const MeanInterval i = meanInterval95(v);
  EXPECT_EQ(i.n, 2u);
  EXPECT_DOUBLE_EQ(i.mean, 2);
  EXPECT_NEAR(i.halfWidth, 12.706204736 * std::sqrt(2.0) / std::sqrt(2.0), 1e-9);
}

TEST(MeanInterval, OneValueHasAMeanButNoInterval) {
  const std::vector<double> one{7.5};
  const MeanInterval i = meanInterval95(one);
  EXPECT_EQ(i.n, 1u);
  EXPECT_DOUBLE_EQ(i.mean, 7.5);
  EXPECT_TRUE(std::isnan(i.halfWidth));
  EXPECT_TRUE(std::isnan(i.stdDev));

  const MeanInterval none = meanInterval95(std::vector<double>{});
  EXPECT_EQ(none.n, 0u);
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_TRUE(std::isnan(mean(std::vector<double>{kNaN})));
}

TEST(MeanInterval, CoversTheTrueMeanNinetyFivePercentOfTheTimeWithFiveSamples) {
  // Normal samples from a deterministic Box-Muller on counter-based draws. With the normal
  // quantile instead of Student's t, five samples would cover only about 88% of the time.
  constexpr int kTrials = 4000;
  constexpr int kSamples = 5;
  constexpr double kTrueMean = 100, kSigma = 15;
  int covered = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<double> x;
    for (int k = 0; k < kSamples; ++k) {
      const double u1 = 1 - uniform01(42, static_cast<std::uint64_t>(trial), 2 * static_cast<std::uint64_t>(k));
      const double u2 = uniform01(42, static_cast<std::uint64_t>(trial), 2 * static_cast<std::uint64_t>(k) + 1);
      x.push_back(kTrueMean + kSigma * std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2));
    }
    const MeanInterval i = meanInterval95(x);
    covered += i.low() <= kTrueMean && kTrueMean <= i.high() ? 1 : 0;
  }
  const double coverage = static_cast<double>(covered) / kTrials;
  // Binomial standard error at 95% over 4000 trials is 0.0034; allow about three of them.
  EXPECT_NEAR(coverage, 0.95, 0.011);
}

// Issue 12: the paired interval is the one-sample interval of the differences, pairs with a
// missing value are dropped, and pairing removes what the seeds share.
TEST(PairedDifference, IsTheIntervalOfThePerSeedDifferences) {
  // Differences 2, 3, 1: mean 2, standard deviation 1, half-width t(2) / √3 = 2.484.
  const MeanInterval d = pairedDifference95(std::vector<double>{10, 12, 14}, std::vector<double>{8, 9, 13});
  EXPECT_EQ(d.n, 3u);
  EXPECT_DOUBLE_EQ(d.mean, 2);
  EXPECT_NEAR(d.stdDev, 1, 1e-12);
  EXPECT_NEAR(d.halfWidth, 4.302652730 / std::sqrt(3.0), 1e-8);

  const double nan = std::numeric_limits<double>::quiet_NaN();
  const MeanInterval partial =
      pairedDifference95(std::vector<double>{10, nan, 14, 20}, std::vector<double>{8, 9, nan, 15});
  EXPECT_EQ(partial.n, 2u);  // (10, 8) and (20, 15)
  EXPECT_DOUBLE_EQ(partial.mean, 3.5);

  // Seeds that move both policies together (a busy seed is busy for both): the unpaired intervals
  // overlap, the paired one shows a clear, constant gain of 5.
  const std::vector<double> base{100, 200, 300}, better{95, 195, 295};
  const MeanInterval a = meanInterval95(base), b = meanInterval95(better);
  EXPECT_GT(b.high(), a.low()) << "unpaired, the difference is lost in the spread between seeds";
  const MeanInterval paired = pairedDifference95(better, base);
  EXPECT_DOUBLE_EQ(paired.mean, -5);
  EXPECT_NEAR(paired.halfWidth, 0, 1e-12);

  EXPECT_EQ(pairedDifference95(std::vector<double>{}, std::vector<double>{}).n, 0u);
  EXPECT_TRUE(std::isnan(pairedDifference95(std::vector<double>{1}, std::vector<double>{2}).halfWidth));
}

}  // namespace
}  // namespace traffic::compare
