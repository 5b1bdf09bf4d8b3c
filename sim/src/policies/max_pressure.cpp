#include "policies/max_pressure.h"

#include "policies/phase_lanes.h"

namespace traffic {

double MaxPressurePolicy::pressure(const SignalObservation& obs, int phase) {
  if (obs.network == nullptr || phase < 0 || static_cast<std::size_t>(phase) >= obs.phases.size()) return 0;
  const RoadNetwork& net = *obs.network;
  const auto& green = obs.phases[static_cast<std::size_t>(phase)].green;
  double total = 0;
  for (std::size_t i = 0; i < green.size(); ++i) {
    const auto& connectors = net.movement(green[i]).connectors;
    for (std::size_t k = 0; k < connectors.size(); ++k) {
      const Connector& c = net.connector(connectors[k]);
      // Count a lane pair once even if two green connectors join it (quadratic, but tiny).
      bool seen = false;
      for (std::size_t i2 = 0; i2 <= i && !seen; ++i2) {
        const auto& earlier = net.movement(green[i2]).connectors;
        const std::size_t end = i2 == i ? k : earlier.size();
        for (std::size_t k2 = 0; k2 < end && !seen; ++k2) {
          const Connector& e = net.connector(earlier[k2]);
          seen = e.from == c.from && e.to == c.to;
        }
      }
      if (seen) continue;
      total += static_cast<double>(policy_detail::laneObservation(obs, c.from).queue) -
               static_cast<double>(policy_detail::laneObservation(obs, c.to).queue);
    }
  }
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
