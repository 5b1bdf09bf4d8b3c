#include "signals/policies/fixed_time.h"

namespace traffic {

int FixedTimePolicy::decide(const SignalObservation& obs) const {
  if (obs.phases.empty()) return obs.currentPhase;
  const double green = m_greenS.value_or(obs.phases[static_cast<std::size_t>(obs.currentPhase)].durationS);
  if (obs.timeInPhaseS + 1e-9 < green) return obs.currentPhase;
  return (obs.currentPhase + 1) % static_cast<int>(obs.phases.size());
}

}  // namespace traffic
