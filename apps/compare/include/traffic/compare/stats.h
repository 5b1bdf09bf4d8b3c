// Summary statistics over repeated runs (seeds): mean, sample standard deviation and the 95%
// confidence interval of the mean.
//
// The interval is the textbook one for a handful of independent replications, mean ± t·s/√n with
// Student's t at n−1 degrees of freedom: with the 3 to 10 seeds a benchmark can afford, the normal
// quantile (1.96) would understate the interval by 13% (10 seeds) to 54% (3 seeds). Values that
// are not finite (a mean travel time when no vehicle arrived) are left out rather than poisoning
// the mean; `n` says how many values were used. Pure functions, no state; safe anywhere.
#pragma once

#include <cstddef>
#include <span>

namespace traffic::compare {

/// The 0.975 quantile of Student's t distribution with `degreesOfFreedom` (≥ 1), i.e. the factor
/// of a two-sided 95% interval. Exact to 9 digits for 1..30 (table); beyond, a Cornish–Fisher
/// expansion around the normal quantile, within 2e-6 of the exact value and tending to 1.959964.
/// Returns NaN for degreesOfFreedom < 1.
double studentT975(int degreesOfFreedom);

struct MeanInterval {
  std::size_t n = 0;   ///< finite values used
  double mean = 0;     ///< NaN when n == 0
  double stdDev = 0;   ///< sample standard deviation (n − 1 in the denominator); NaN when n < 2
  double halfWidth = 0;  ///< of the 95% confidence interval of the mean; NaN when n < 2
  [[nodiscard]] double low() const { return mean - halfWidth; }
  [[nodiscard]] double high() const { return mean + halfWidth; }
};

/// Mean of the finite values; NaN when there are none.
double mean(std::span<const double> values);
/// Mean, sample standard deviation and 95% confidence half-width (Student t, n − 1 degrees of
/// freedom) of the finite values.
MeanInterval meanInterval95(std::span<const double> values);
/// The paired comparison of `values` with `baseline`, element by element (element i of both comes
/// from the same seed, so demand and drivers are the same and only the policy differs): mean and
/// 95% interval (Student t) of the differences values[i] − baseline[i], over the pairs where both
/// are finite. Pairing removes the variation the seeds share, so the interval is usually far
/// narrower than the difference of two independent intervals; it excludes 0 when the difference
/// is significant at the 5% level (paired t test). Extra elements of the longer span are ignored.
MeanInterval pairedDifference95(std::span<const double> values, std::span<const double> baseline);

}  // namespace traffic::compare
