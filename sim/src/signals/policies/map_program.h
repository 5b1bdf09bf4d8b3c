// The map's own programs, run as the map defines them: each stage for its programmed time, except
// the stages of an actuated program (SUMO's type="actuated" lights, whose phases give minDur and
// maxDur), which run between those bounds and end once no vehicle has crossed their lanes' loop
// detectors for the maximum gap, as SUMO's actuated lights do (its `max-gap`, 3 s by default).
// Stages follow one another in program order, none skipped.
//
// On a map without actuated programs (CityFlow, City Brain, generated grids, SUMO's static
// lights) this is fixed_time with the programmed durations. It is the default of SUMO
// configurations, so that a .sumocfg runs its lights as SUMO runs them.
#pragma once

#include "traffic/signal.h"

namespace traffic {

struct MapProgramParams {
  double maxGapS = 3.0;  ///< SUMO's default max-gap
};

class MapProgramPolicy final : public SignalPolicy {
 public:
  explicit MapProgramPolicy(MapProgramParams params = {}) : m_params(params) {}
  [[nodiscard]] std::string_view name() const override { return "map_program"; }
  [[nodiscard]] int decide(const SignalObservation& obs) const override;
  /// Its loop detectors (gap, presence), read only at actuated stages.
  [[nodiscard]] SensorSet sensors() const override { return kSenseDetector; }

 private:
  MapProgramParams m_params;
};

}  // namespace traffic
