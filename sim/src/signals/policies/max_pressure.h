// Max-pressure control (Varaiya, "Max pressure control of a network of signalized intersections",
// Transportation Research C 36, 2013): serve the phase whose movements would relieve the most
// queue, i.e. the largest difference between the queues they draw from and the queues they feed.
//
// Pressure of a phase = sum over the distinct (from lane, to lane) pairs of its green connectors
// of queue(from) - queue(to), with queue the number of halting vehicles. This is the lane-level
// form used by the CityFlow / PressLight benchmarks; it needs no saturation flows or turning
// ratios, and it looks at the lanes downstream, so a phase feeding a blocked exit loses pressure
// before it spills back. Each phase is held for at least `min_phase_s` (10 s in the common
// benchmarks) so that the policy does not thrash between nearly equal pressures.
#pragma once

#include "traffic/signal.h"

namespace traffic {

class MaxPressurePolicy final : public SignalPolicy {
 public:
  explicit MaxPressurePolicy(double minPhaseS = 10) : m_minPhaseS(minPhaseS) {}
  [[nodiscard]] std::string_view name() const override { return "max_pressure"; }
  [[nodiscard]] int decide(const SignalObservation& obs) const override;
  /// Queues on its incoming and outgoing lanes.
  [[nodiscard]] SensorSet sensors() const override { return kSenseQueue; }
  /// Pressure of `phase`, in vehicles (may be negative).
  [[nodiscard]] static double pressure(const SignalObservation& obs, int phase);

 private:
  double m_minPhaseS;
};

}  // namespace traffic
