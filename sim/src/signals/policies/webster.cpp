#include "signals/policies/webster.h"

#include <algorithm>

#include "signals/policies/phase_lanes.h"

namespace traffic {

double websterLostTimeS(int phaseCount, const SignalTiming& timing, const WebsterParams& params) {
  return phaseCount * (timing.yellowS + timing.allRedS) + phaseCount * params.startupLostS;
}

double websterCycleS(double totalFlowRatio, int phaseCount, const SignalTiming& timing, const WebsterParams& params) {
  const double y = std::clamp(totalFlowRatio, 0.0, kWebsterMaxTotalFlowRatio);
  const double lostS = websterLostTimeS(phaseCount, timing, params);
  return std::clamp((1.5 * lostS + 5) / (1 - y), params.minCycleS, params.maxCycleS);
}

double websterGreenS(double phaseFlowRatio, double totalFlowRatio, int phaseCount, const SignalTiming& timing,
                     const WebsterParams& params) {
  if (totalFlowRatio <= 0) return timing.minGreenS;
  const double cycleS = websterCycleS(totalFlowRatio, phaseCount, timing, params);
  // Startup lost time is part of the displayed green; only the clearance is taken out.
  const double availableS = cycleS - phaseCount * (timing.yellowS + timing.allRedS);
  return std::max(timing.minGreenS, availableS * phaseFlowRatio / totalFlowRatio);
}

std::vector<double> websterGreensS(std::span<const double> flowRatios, const SignalTiming& timing,
                                   const WebsterParams& params) {
  double total = 0;
  for (double y : flowRatios) total += y;
  std::vector<double> greens;
  greens.reserve(flowRatios.size());
  for (double y : flowRatios)
    greens.push_back(websterGreenS(y, total, static_cast<int>(flowRatios.size()), timing, params));
  return greens;
}

double websterFlowRatio(const SignalObservation& obs, int phase, double saturationFlowVehPerHPerLane) {
  double worst = 0;
  policy_detail::forEachServedLane(obs, phase, [&](LaneId, const LaneObservation& lane) {
    worst = std::max(worst, static_cast<double>(lane.flowVehPerH) / saturationFlowVehPerHPerLane);
  });
  return worst;
}

double WebsterPolicy::currentGreenS(const SignalObservation& obs) const {
  const int n = static_cast<int>(obs.phases.size());
  if (obs.currentPhase < 0 || obs.currentPhase >= n) return 0;
  double total = 0;
  for (int p = 0; p < n; ++p) total += websterFlowRatio(obs, p, m_params.saturationFlowVehPerHPerLane);
  if (total <= 0) {
    // Nothing measured yet (start of a run, or no detectors): the map's own plan, or an equal
    // split of the shortest cycle if the map gives none.
    const double programmed = obs.phases[static_cast<std::size_t>(obs.currentPhase)].durationS;
    if (programmed > 0) return programmed;
    return std::max(obs.timing.minGreenS, (m_params.minCycleS - n * (obs.timing.yellowS + obs.timing.allRedS)) / n);
  }
  const double y = websterFlowRatio(obs, obs.currentPhase, m_params.saturationFlowVehPerHPerLane);
  return websterGreenS(y, total, n, obs.timing, m_params);
}

int WebsterPolicy::decide(const SignalObservation& obs) const {
  if (obs.phases.empty()) return obs.currentPhase;
  if (obs.timeInPhaseS + 1e-9 < currentGreenS(obs)) return obs.currentPhase;
  return (obs.currentPhase + 1) % static_cast<int>(obs.phases.size());
}

}  // namespace traffic
