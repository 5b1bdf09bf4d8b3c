// Actuated control by gap-out and max-out, as SUMO's "actuated" traffic lights: a phase is
// extended while vehicles keep crossing its loop detectors at short headways (or still stand
// queued on its lanes, between detector and stop line), and ended when the gap since the last
// vehicle grows beyond the maximum gap or when its maximum green is reached.
//
// Unlike a fixed cycle, phases nobody is waiting for are skipped: the next phase is the first one,
// in program order after the current one, with demand, i.e. a vehicle approaching (or standing on
// the detector of) a lane the phase serves and the current phase does not. Without such demand the
// current phase simply stays green, even past max-out, since ending it would serve nobody.
//
// Lanes that every phase serves (never-stopped right turns, slip lanes) are left out of the
// extension test: otherwise a steady right-turn stream would hold every phase to max-out.
#pragma once

#include <optional>

#include "traffic/signal.h"

namespace traffic {

struct ActuatedParams {
  std::optional<double> minGreenS;  ///< default: the controller's minimum green (SignalTiming::minGreenS)
  double maxGapS = 3.0;
  double maxGreenS = 60;
};

class ActuatedPolicy final : public SignalPolicy {
 public:
  explicit ActuatedPolicy(ActuatedParams params = {}) : m_params(params) {}
  [[nodiscard]] std::string_view name() const override { return "actuated"; }
  [[nodiscard]] int decide(const SignalObservation& obs) const override;
  /// Its loop detectors (gap, presence), plus approaching vehicles and queues for demand.
  [[nodiscard]] SensorSet sensors() const override { return kSenseDetector | kSenseApproach | kSenseQueue; }

 private:
  ActuatedParams m_params;
};

}  // namespace traffic
