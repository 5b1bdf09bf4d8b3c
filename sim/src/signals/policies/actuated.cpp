#include "signals/policies/actuated.h"

#include "signals/policies/phase_lanes.h"

namespace traffic {
namespace {

using policy_detail::forEachServedLane;
using policy_detail::phaseServesLane;
using policy_detail::servedByEveryPhase;

// A vehicle approaches, or stands on the detector of, a lane that `phase` would release.
bool hasDemand(const SignalObservation& obs, int phase) {
  bool demand = false;
  forEachServedLane(obs, phase, [&](LaneId lane, const LaneObservation& o) {
    if (demand || (o.approaching == 0 && !o.detectorOccupied)) return;
    demand = !phaseServesLane(obs, obs.currentPhase, lane);
  });
  return demand;
}

// Vehicles still cross the current phase's detectors at short headways, or still stand in the
// queue (the ones stored between the detector and the stop line never cross it).
bool gapStillShort(const SignalObservation& obs, double maxGapS) {
  bool extend = false;
  forEachServedLane(obs, obs.currentPhase, [&](LaneId lane, const LaneObservation& o) {
    if (extend || !(o.detectorOccupied || o.detectorGapS < maxGapS || o.queue > 0)) return;
    extend = !servedByEveryPhase(obs, lane);
  });
  return extend;
}

}  // namespace

int ActuatedPolicy::decide(const SignalObservation& obs) const {
  const int n = static_cast<int>(obs.phases.size());
  if (n <= 1) return obs.currentPhase;
  const double minGreenS = m_params.minGreenS.value_or(obs.timing.minGreenS);
  if (obs.timeInPhaseS + 1e-9 < minGreenS) return obs.currentPhase;
  const bool maxedOut = obs.timeInPhaseS + 1e-9 >= m_params.maxGreenS;
  if (!maxedOut && gapStillShort(obs, m_params.maxGapS)) return obs.currentPhase;
  // Gapped out or maxed out: the next phase in cyclic order that someone is waiting for.
  for (int k = 1; k < n; ++k) {
    const int p = (obs.currentPhase + k) % n;
    if (hasDemand(obs, p)) return p;
  }
  return obs.currentPhase;
}

}  // namespace traffic
