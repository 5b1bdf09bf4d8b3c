// Coordinated fixed time along arterials (a "green wave"): every junction runs the same cycle,
// shifted by the time a vehicle at the design speed needs to reach it, so that a platoon released
// by one green meets the next junction's green.
//
// Rule for the offsets, simple enough to predict by hand:
//  * the coordinated phase is phase 0; its first straight movement gives the arterial's axis,
//    x when it runs east-west, y when it runs north-south (the axis its approach road is closer
//    to, judged from the road's end junctions);
//  * the junction's offset is its coordinate on that axis divided by the design speed (plus the
//    map's own program offset), taken modulo the common cycle, and phase 0 turns green at it.
// So along a straight arterial, neighbours' offsets differ by distance / design speed: the wave
// runs in the direction of increasing coordinate (eastbound, northbound). The opposite direction
// progresses too when the travel time between junctions is a multiple of half the cycle; with one
// offset per junction no rule can do better for both directions at any spacing.
//
// Timeline of one cycle from the offset: green of phase 0, clearance (yellow + all-red), green of
// phase 1, clearance, ... The common cycle is the sum of the greens (the map's durations or the
// `green_s` parameter) and of the clearances. The policy asks to leave a phase when its green slot
// ends, and otherwise for the phase whose slot it is now, so a junction that starts out of step
// (or was held by the minimum green) falls into step within one cycle.
#pragma once

#include <optional>
#include <span>

#include "traffic/signal.h"

namespace traffic {

struct GreenWaveParams {
  double designSpeedMps = 11;
  std::optional<double> greenS;  ///< replaces every phase's programmed green
};

/// Coordinate of `junction` along the axis of the through movement of `phases[0]` (its first
/// straight movement, else its first movement), in metres; the x coordinate when there is none.
double greenWaveAxisPositionM(const RoadNetwork& net, JunctionId junction, std::span<const SignalPhase> phases);

class GreenWavePolicy final : public SignalPolicy {
 public:
  explicit GreenWavePolicy(GreenWaveParams params = {}) : m_params(params) {}
  [[nodiscard]] std::string_view name() const override { return "green_wave"; }
  [[nodiscard]] int decide(const SignalObservation& obs) const override;
  /// Offsets come from the junction positions alone; no lane is measured.
  [[nodiscard]] bool usesObservations() const override { return false; }

  /// The common cycle: greens plus one clearance per phase.
  [[nodiscard]] double cycleS(const SignalObservation& obs) const;
  /// When, modulo the cycle, phase 0 turns green at this junction; in [0, cycle).
  [[nodiscard]] double offsetS(const SignalObservation& obs) const;

 private:
  [[nodiscard]] double greenOf(const SignalObservation& obs, std::size_t phase) const;
  GreenWaveParams m_params;
};

}  // namespace traffic
