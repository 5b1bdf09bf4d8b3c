// Webster's method on measured flows: a fixed-time plan (cycle length and green split) computed
// from the detectors' smoothed flows, served in program order.
//
// Classic Webster recomputes the plan every so many minutes from counted flows. Here the plan is a
// pure function of the flows the junction sees now, so it follows them continuously; the flows are
// exponentially smoothed with SignalSensing::flowWindowS, which therefore plays the part of the
// re-optimisation horizon (a long window gives a steady plan, a short one a nervous plan). Keeping
// no state of its own is what lets the policy run on worker threads without locks.
//
//   y_p = max over lanes served by phase p of flow / saturation flow      (critical flow ratio)
//   Y   = sum of y_p, capped at kMaxTotalFlowRatio for the cycle formula
//   L   = n (yellow + all-red) + n * startup lost time
//   C0  = (1.5 L + 5) / (1 - Y), clamped to [min cycle, max cycle]
//   g_p = (C0 - n (yellow + all-red)) * y_p / Y, at least the minimum green
//
// The green shares use the uncapped Y so that they always add up to the available green.
#pragma once

#include <span>
#include <vector>

#include "traffic/signal.h"

namespace traffic {

struct WebsterParams {
  double saturationFlowVehPerHPerLane = 1800;
  double startupLostS = 2;  ///< per phase, on top of yellow and all-red
  double minCycleS = 40;
  double maxCycleS = 180;
};

/// Y above this would give an unbounded cycle; oversaturated junctions get the longest cycle.
inline constexpr double kWebsterMaxTotalFlowRatio = 0.95;

/// Lost time per cycle L, in seconds, for `phaseCount` phases.
double websterLostTimeS(int phaseCount, const SignalTiming& timing, const WebsterParams& params);
/// Optimal cycle C0 for the total critical flow ratio Y, clamped to the parameters' cycle range.
double websterCycleS(double totalFlowRatio, int phaseCount, const SignalTiming& timing, const WebsterParams& params);
/// Green of one phase with critical flow ratio `phaseFlowRatio` out of total `totalFlowRatio` (> 0),
/// at least timing.minGreenS.
double websterGreenS(double phaseFlowRatio, double totalFlowRatio, int phaseCount, const SignalTiming& timing,
                     const WebsterParams& params);
/// Greens of all phases for critical flow ratios `flowRatios` (one per phase, all > 0 sum).
std::vector<double> websterGreensS(std::span<const double> flowRatios, const SignalTiming& timing,
                                   const WebsterParams& params);
/// Critical flow ratio y_p of `phase` from the observation's smoothed detector flows.
double websterFlowRatio(const SignalObservation& obs, int phase, double saturationFlowVehPerHPerLane);

class WebsterPolicy final : public SignalPolicy {
 public:
  explicit WebsterPolicy(WebsterParams params = {}) : m_params(params) {}
  [[nodiscard]] std::string_view name() const override { return "webster"; }
  [[nodiscard]] int decide(const SignalObservation& obs) const override;
  /// The smoothed detector flows only.
  [[nodiscard]] SensorSet sensors() const override { return kSenseFlow; }
  /// Green time the plan gives the current phase now.
  [[nodiscard]] double currentGreenS(const SignalObservation& obs) const;

 private:
  WebsterParams m_params;
};

}  // namespace traffic
