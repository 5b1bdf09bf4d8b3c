// A frame: what a viewer or a recording needs of one instant of a run, as compact plain data.
//
// World::frame() makes one; a recording stores frames bit for bit, so a replay shows exactly what
// the live view showed, and a viewer draws the same type whether the frames come from a running
// world or from a file. Positions and speeds are floats: a tenth of a millimetre on an 8 km lane is
// far below what anyone draws, and half the bytes of a double.
#pragma once

#include <cstdint>
#include <vector>

#include "traffic/signal.h"
#include "traffic/vehicle_type.h"

namespace traffic {

struct FrameVehicle {
  enum Flags : std::uint8_t {
    kOnConnector = 1u << 0,  ///< `track` is a ConnectorId (inside a junction), else a LaneId
    kEmergency = 1u << 1,    ///< the vehicle's type pre-empts signals
    kTransit = 1u << 2,      ///< the vehicle's type asks for transit priority
    kHalted = 1u << 3,       ///< below the halting speed (0.1 m/s)
    kDwelling = 1u << 4,     ///< a transit vehicle standing at a stop with its doors open
    kInBay = 1u << 5,        ///< ... in a stop bay beside the lane `track`
  };
  std::uint32_t id = 0;     ///< VehicleId: index of the trip in the scenario's demand
  std::uint32_t track = 0;  ///< LaneId or ConnectorId value, see kOnConnector
  float positionM = 0;      ///< front bumper, from the start of the lane or connector
  float speedMps = 0;
  VehicleClass vehicleClass = VehicleClass::Car;
  std::uint8_t flags = 0;
  std::uint16_t load = 0;  ///< passengers on board (transit vehicles)
  [[nodiscard]] bool onConnector() const { return (flags & kOnConnector) != 0; }
  bool operator==(const FrameVehicle&) const = default;
};

/// A signal controller at the frame's instant: what its policy chose and where it stands.
struct FrameSignal {
  enum Stage : std::uint8_t { kGreen, kYellow, kAllRed };
  std::uint32_t junction = 0;  ///< JunctionId value
  std::uint8_t phase = 0;      ///< program stage green now (or being cleared)
  std::uint8_t next = 0;       ///< the policy's choice: the stage that comes after the clearance
  std::uint8_t stage = kGreen;
  float timeInStageS = 0;      ///< since the current green, yellow or all-red began
  bool operator==(const FrameSignal&) const = default;
};

/// Network-wide figures at the frame's instant, for a heads-up display.
struct FrameStats {
  std::uint32_t running = 0;         ///< vehicles in the network
  std::uint32_t waitingToEnter = 0;  ///< departed but not yet able to enter
  std::uint64_t arrived = 0;         ///< cumulative
  float meanSpeedMps = 0;            ///< over vehicles in the network (0 when empty)
  float delayIndex = 1;              ///< over vehicles in the network, as in timeseries.csv (1 when empty)
  bool operator==(const FrameStats&) const = default;
};

struct Frame {
  double timeS = 0;
  std::uint64_t step = 0;
  std::vector<FrameVehicle> vehicles;       ///< ordered by track, front to back on each; then those in stop bays
  std::vector<SignalState> movementStates;  ///< indexed by MovementId
  std::vector<FrameSignal> signals;         ///< one per junction with a controller, in junction order
  /// Per Scenario::transit.stops entry: passengers waiting there, all lines together (empty when
  /// the scenario has no stops).
  std::vector<std::uint16_t> stopWaiting;
  FrameStats stats;
  bool operator==(const Frame&) const = default;
};

}  // namespace traffic
