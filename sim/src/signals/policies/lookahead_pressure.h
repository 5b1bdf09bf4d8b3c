// Look-ahead pressure: max pressure made cooperative and looking ahead. This project's own heuristic
// (called city_brain until issue 12; that name stays accepted as a deprecated alias, see registry.cpp),
// in the spirit of Hangzhou's city-scale signal control but not Alibaba's City Brain or any method
// derived from it. Each junction still decides
// alone (one call, one junction, no memory), but it reads the lanes it shares with its neighbours,
// and optionally those one junction back, through the shared observation: it counts the traffic
// about to reach its stop lines, stops feeding roads that are about to spill back, keeps the green
// for a platoon arriving on it, and never lets a queue starve.
//
// For a lane pair (incoming lane l -> outgoing lane d) of a green connector:
//
//   moving(l)    = approaching(l) - queue(l), at least 0   (moving within the approach distance)
//   demand(l)    = queue(l)
//                + (approach_weight + platoon_weight if the current phase serves l) * moving(l)
//                + upstream_weight * sum over lanes u one junction back with connectors onto l of
//                                    queue(u) * (connectors u -> l) / (connectors leaving u)
//   weight(l, d) = demand(l) - queue(d)            if occupancy(d) < spillback_occupancy
//                = min(0, demand(l) - queue(d))    otherwise (feeding a nearly full lane)
//
// A phase's weight is the sum over its distinct lane pairs, leaving out movements green in every
// phase (they add the same to all). With the look-ahead weights at zero and no spill-back
// threshold this is max_pressure's lane-level pressure without those movements.
//
// Why these terms: a vehicle moving towards a red light will have joined the queue by the time a
// switch takes effect, so it counts like a queued one (approach_weight 1). On green it passes
// without stopping if the green is kept, which saves a stop and a start-up; the platoon bonus
// keeps the green for it (coordination with the junction that released it). Vehicles further back
// on the lane and queues one junction upstream arrive only after the next decision or two;
// measured on the CityFlow scenarios, weighting them made travel times worse, so the first are
// left out and the second are off by default (`upstream_weight` turns them on).
//
// Decision, with t the time the current phase has been green:
//  * the current phase can serve nobody (its lanes are empty or feed only nearly full lanes) and
//    another phase can: leave at once, even before min_phase_s (the controller's own minimum green
//    still applies);
//  * t < min_phase_s: hold;
//  * a red queue has waited max_wait_s on average (waitingS / queue): serve it, the longest
//    waiting first, whatever the weights (fairness; without it light approaches next to a busy
//    arterial starve until the gridlock timeout teleports them);
//  * t >= max_phase_s: switch to the heaviest other phase that can serve someone;
//  * otherwise switch to the heaviest phase only if its weight is positive and beats the current
//    one's by more than hysteresis_veh: close weights keep the flow that is moving.
// Ties go to the lowest phase index. The answer is a pure function of the observation; per-call
// scratch lives in fixed arrays on the stack, so decide() allocates nothing.
#pragma once

#include "traffic/signal.h"

namespace traffic {

struct LookaheadPressureParams {
  double minPhaseS = 10;
  double maxPhaseS = 60;
  double approachWeight = 1;         ///< per moving vehicle within the approach distance
  double platoonWeight = 1;          ///< extra per such vehicle on a lane the current phase serves
  double upstreamWeight = 0;         ///< per vehicle queued one junction back (its share towards us)
  double spillbackOccupancy = 0.85;  ///< outgoing lane occupancy from which a lane counts as full
  double hysteresisVeh = 2;          ///< margin a challenger needs over the current phase
  double maxWaitS = 120;             ///< mean halting time of a red queue that claims the green
};

class LookaheadPressurePolicy final : public SignalPolicy {
 public:
  explicit LookaheadPressurePolicy(LookaheadPressureParams params = {}) : m_params(params) {}
  [[nodiscard]] std::string_view name() const override { return "lookahead_pressure"; }
  [[nodiscard]] int decide(const SignalObservation& obs) const override;
  /// Queues, vehicles approaching, waiting times; outgoing lanes' occupancy for spill-back.
  [[nodiscard]] SensorSet sensors() const override {
    return kSenseQueue | kSenseApproach | kSenseOccupancy | kSenseWaiting;
  }

  /// Look-ahead demand of incoming lane `lane`, in vehicles (see the header comment).
  [[nodiscard]] double laneDemand(const SignalObservation& obs, LaneId lane) const;
  /// Weight of `phase`: the sum of its lane-pair weights, in vehicles (may be negative).
  [[nodiscard]] double weight(const SignalObservation& obs, int phase) const;
  /// Whether `phase` has an incoming lane with demand and a connector from it to an outgoing lane
  /// that is not nearly full (movements green in every phase left out).
  [[nodiscard]] bool canServe(const SignalObservation& obs, int phase) const;

 private:
  struct Scratch;
  struct PhaseValue {
    double weight = 0;
    bool canServe = false;
    double starvedWaitS = 0;  ///< waiting time of its red lanes whose queue waited maxWaitS on average
  };
  void evaluate(const SignalObservation& obs, Scratch& scratch) const;
  [[nodiscard]] double laneDemand(const SignalObservation& obs, LaneId lane, bool green) const;
  [[nodiscard]] PhaseValue phaseValue(const SignalObservation& obs, int phase, const Scratch& scratch) const;
  LookaheadPressureParams m_params;
};

}  // namespace traffic
