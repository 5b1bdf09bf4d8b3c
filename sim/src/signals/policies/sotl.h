// Self-organising traffic lights (Gershenson, "Self-organizing traffic lights", Complex Systems
// 16, 2005; the "sotl-platoon" rules): no cycle at all; red approaches accumulate a demand
// counter and take the green when it reaches a threshold.
//
// Gershenson's counter kappa integrates, step by step, the number of vehicles approaching a red
// light. A policy here keeps no state between calls, so the counter is rebuilt from the sensors
// each time. For a phase p, over the lanes p serves and the current phase does not:
//
//   kappa_p = sum of waitingS  +  sum of approaching * timeInPhaseS        [veh s]
//
// The first term is the exact accumulated halting time of the queue; the second credits every
// vehicle within the approach distance with having been there since the conflicting green began
// (an upper bound). A queue left over from earlier cycles counts twice, once by the time it has
// already waited, which makes the policy serve starved approaches sooner.
//
// Rules, after `min_green_s` of green:
//  * switch to the phase with the largest kappa once that kappa reaches `threshold`;
//  * unless a short platoon is crossing on green: a vehicle is over a green lane's detector and at
//    most `platoon_size` vehicles approach on green lanes in all; cutting it would stop a few
//    vehicles just short of the line. A longer platoon is cut (it could hold the red side for
//    ever), and so is a short one once the red demand reaches twice the threshold, so that a
//    trickle of single vehicles on green cannot starve the red approaches either.
#pragma once

#include "traffic/signal.h"

namespace traffic {

struct SotlParams {
  double minGreenS = 10;
  double thresholdVehS = 60;
  int platoonSize = 3;
};

class SotlPolicy final : public SignalPolicy {
 public:
  explicit SotlPolicy(SotlParams params = {}) : m_params(params) {}
  [[nodiscard]] std::string_view name() const override { return "sotl"; }
  [[nodiscard]] int decide(const SignalObservation& obs) const override;
  /// Waiting times and approaching vehicles on red; detector presence for the platoon rule.
  [[nodiscard]] SensorSet sensors() const override { return kSenseWaiting | kSenseApproach | kSenseDetector; }
  /// The demand counter kappa of `phase` (0 for the current phase), in vehicle-seconds.
  [[nodiscard]] static double redDemandVehS(const SignalObservation& obs, int phase);

 private:
  SotlParams m_params;
};

}  // namespace traffic
