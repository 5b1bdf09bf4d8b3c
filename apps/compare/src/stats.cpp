#include "traffic/compare/stats.h"

#include <array>
#include <algorithm>
#include <cmath>
#include <vector>
#include <limits>

namespace traffic::compare {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// t(0.975, df) for df = 1..30, to 9 decimals (computed by numerical integration of the t density
// and checked against published tables).
constexpr std::array<double, 30> kT975{
    12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252, 2.306004135,
    2.262157163,  2.228138852, 2.200985160, 2.178812830, 2.160368656, 2.144786688, 2.131449546, 2.119905299,
    2.109815578,  2.100922040, 2.093024054, 2.085963447, 2.079613845, 2.073873068, 2.068657610, 2.063898562,
    2.059538553,  2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456,
};

constexpr double kZ975 = 1.959963984540054;  // the normal quantile

}  // namespace

double studentT975(int degreesOfFreedom) {
  if (degreesOfFreedom < 1) return kNaN;
  if (degreesOfFreedom <= static_cast<int>(kT975.size())) return kT975[static_cast<std::size_t>(degreesOfFreedom - 1)];
  // Beyond the table the plain normal quantile would still be 4% short at df = 31; the first three
  // terms of the Cornish–Fisher expansion in 1/df are accurate to about 1e-6 there.
  const double z = kZ975;
  const double n = degreesOfFreedom;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
}

double mean(std::span<const double> values) { return meanInterval95(values).mean; }

MeanInterval meanInterval95(std::span<const double> values) {
  MeanInterval r;
  double sum = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    sum += v;
    ++r.n;
  }
  if (r.n == 0) return {0, kNaN, kNaN, kNaN};
  r.mean = sum / static_cast<double>(r.n);
  if (r.n < 2) {
    r.stdDev = r.halfWidth = kNaN;
    return r;
  }
  // Two passes (mean first, then squared deviations) to avoid the cancellation of sum-of-squares.
  double squares = 0;
  for (double v : values)
    if (std::isfinite(v)) squares += (v - r.mean) * (v - r.mean);
  r.stdDev = std::sqrt(squares / static_cast<double>(r.n - 1));
  r.halfWidth = studentT975(static_cast<int>(r.n) - 1) * r.stdDev / std::sqrt(static_cast<double>(r.n));
  return r;
}

MeanInterval pairedDifference95(std::span<const double> values, std::span<const double> baseline) {
  std::vector<double> differences;
  const std::size_t n = std::min(values.size(), baseline.size());
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(values[i]) && std::isfinite(baseline[i])) differences.push_back(values[i] - baseline[i]);
  return meanInterval95(differences);
}

}  // namespace traffic::compare
