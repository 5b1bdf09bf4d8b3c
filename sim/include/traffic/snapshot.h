// Plain-data pictures of the world, for tests, outputs and (later) the viewer. They hold ids and
// values, never pointers into live state, so a reader on another thread can keep one while the
// simulation moves on.
#pragma once

#include <cstdint>
#include <vector>

#include "traffic/ids.h"
#include "traffic/signal.h"
#include "traffic/vehicle_type.h"

namespace traffic {

struct VehicleView {
  VehicleId id;               ///< index of the trip in the scenario's demand
  VehicleClass vehicleClass = VehicleClass::Car;
  bool onConnector = false;   ///< inside a junction
  LaneId lane;                ///< when !onConnector
  ConnectorId connector;      ///< when onConnector
  double positionM = 0;       ///< front bumper, from the start of the lane or connector
  double speedMps = 0;
  double accelMps2 = 0;
  double lengthM = 0;
};

struct WorldSnapshot {
  double timeS = 0;
  std::vector<VehicleView> vehicles;        ///< ordered by lane / connector, front to back
  std::vector<SignalState> movementStates;  ///< indexed by MovementId
};

}  // namespace traffic
