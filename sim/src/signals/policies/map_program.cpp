#include "signals/policies/map_program.h"

#include "signals/policies/phase_lanes.h"

namespace traffic {

int MapProgramPolicy::decide(const SignalObservation& obs) const {
  const int n = static_cast<int>(obs.phases.size());
  if (n == 0) return obs.currentPhase;
  const SignalPhase& phase = obs.phases[static_cast<std::size_t>(obs.currentPhase)];
  const int next = (obs.currentPhase + 1) % n;
  const double t = obs.timeInPhaseS + 1e-9;
  if (!phase.actuated()) return t < phase.durationS ? obs.currentPhase : next;
  if (t < phase.minDurS) return obs.currentPhase;
  if (t >= phase.maxDurS) return next;
  // Extended while a vehicle stands on, or crossed within the maximum gap, the detector of a lane
  // the stage releases (lanes every stage serves say nothing about this one).
  bool extend = false;
  policy_detail::forEachServedLane(obs, obs.currentPhase, [&](LaneId lane, const LaneObservation& o) {
    if (extend || !(o.detectorOccupied || o.detectorGapS < m_params.maxGapS)) return;
    extend = !policy_detail::servedByEveryPhase(obs, lane);
  });
  return extend ? obs.currentPhase : next;
}

}  // namespace traffic
