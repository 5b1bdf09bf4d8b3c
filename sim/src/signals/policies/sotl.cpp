#include "signals/policies/sotl.h"

#include "signals/policies/phase_lanes.h"

namespace traffic {

using policy_detail::forEachServedLane;
using policy_detail::phaseServesLane;

double SotlPolicy::redDemandVehS(const SignalObservation& obs, int phase) {
  if (phase == obs.currentPhase) return 0;
  double kappa = 0;
  forEachServedLane(obs, phase, [&](LaneId lane, const LaneObservation& o) {
    if (phaseServesLane(obs, obs.currentPhase, lane)) return;  // moving already
    kappa += static_cast<double>(o.waitingS) + o.approaching * obs.timeInPhaseS;
  });
  return kappa;
}

int SotlPolicy::decide(const SignalObservation& obs) const {
  const int n = static_cast<int>(obs.phases.size());
  if (n <= 1 || obs.timeInPhaseS + 1e-9 < m_params.minGreenS) return obs.currentPhase;

  // The most demanding red phase; ties go to the one that comes first after the current phase.
  int best = obs.currentPhase;
  double bestKappa = -1;
  for (int k = 1; k < n; ++k) {
    const int p = (obs.currentPhase + k) % n;
    const double kappa = redDemandVehS(obs, p);
    if (kappa > bestKappa) {
      best = p;
      bestKappa = kappa;
    }
  }
  if (bestKappa + 1e-9 < m_params.thresholdVehS) return obs.currentPhase;

  // A short platoon about to cross on green finishes first.
  if (m_params.platoonSize > 0 && bestKappa + 1e-9 < 2 * m_params.thresholdVehS) {
    bool crossing = false;
    int onGreen = 0;
    forEachServedLane(obs, obs.currentPhase, [&](LaneId, const LaneObservation& o) {
      crossing = crossing || o.detectorOccupied;
      onGreen += o.approaching;
    });
    if (crossing && onGreen <= m_params.platoonSize) return obs.currentPhase;
  }
  return best;
}

}  // namespace traffic
