// The signals subsystem's state: one controller per signalised junction, the state of every
// movement, the priority requests of this step, and the lane sensors of the policies that observe
// traffic. Written by the signals phase (per controller) and, for detector crossings, by the move
// phase (per lane); read by arbitration and by signal-aware driving.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "traffic/signal.h"

namespace traffic::engine {

// A virtual loop detector on a lane, and the running totals behind LaneObservation.
struct LaneSensor {
  double detectorPosM = 0;       // from the lane start
  double lastCrossS = -1e9;      // when a vehicle front last crossed it
  std::uint32_t crossings = 0;   // since the start of the run
  std::uint32_t baseline = 0;    // `crossings` when the current phase of the downstream junction turned green
  std::uint32_t crossedLastStep = 0;
  float flowVehPerH = 0;         // exponentially smoothed
};

// What the loops sensing model remembers per lane between steps (sensing_models.cpp).
struct LoopState {
  double stopbarOccupiedSinceS = -1;  // start of the current continuous presence on the stop-bar loop
  float advanceOccupancy = 0;         // time occupancy of the advance loop, smoothed
};

struct Sensing {
  bool enabled = false;                       // the policy observes traffic
  std::vector<LoopState> loops;               // per lane, for the loops model only
  std::vector<LaneSensor> sensors;            // per lane
  std::vector<LaneObservation> laneObs;       // per lane, refreshed in the signals phase
  std::vector<std::vector<LaneObservation>> controllerIncoming;  // per controller
  std::vector<std::vector<LaneObservation>> controllerOutgoing;  // per controller
};

struct Signals {
  std::unique_ptr<SignalPolicy> policy;
  std::vector<SignalController> controllers;  // one per non-boundary junction
  std::vector<SignalState> movementStates;     // by MovementId
  std::vector<std::int32_t> controllerOfJunction;  // per junction, -1 if none
  // Signal priority: trips whose type asks for it (ascending), and this step's requests.
  std::vector<std::uint32_t> priorityVehicles;
  std::vector<std::vector<PriorityRequest>> controllerRequests;  // per controller, this step
  std::vector<std::uint32_t> controllersWithRequests;            // to clear them next step
};

}  // namespace traffic::engine
