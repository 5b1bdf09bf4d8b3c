#include "signals/policies/max_pressure.h"

#include "signals/policies/phase_lanes.h"

namespace traffic {

double MaxPressurePolicy::pressure(const SignalObservation& obs, int phase) {
  double total = 0;
  policy_detail::forEachLanePair(obs, phase, [&](MovementId, LaneId from, LaneId to) {
    total += static_cast<double>(policy_detail::laneObservation(obs, from).queue) -
             static_cast<double>(policy_detail::laneObservation(obs, to).queue);
  });
  return total;
}

int MaxPressurePolicy::decide(const SignalObservation& obs) const {
  const int n = static_cast<int>(obs.phases.size());
  if (n <= 1 || obs.timeInPhaseS + 1e-9 < m_minPhaseS) return obs.currentPhase;
  // Keep the current phase when it is among the best; otherwise the lowest-numbered best phase.
  const double current = pressure(obs, obs.currentPhase);
  int best = obs.currentPhase;
  double bestPressure = current;
  for (int p = 0; p < n; ++p) {
    if (p == obs.currentPhase) continue;
    const double value = pressure(obs, p);
    if (value > bestPressure) {  // strictly: a tie keeps the current phase or the lower index
      best = p;
      bestPressure = value;
    }
  }
  return best;
}

}  // namespace traffic
