// What a run measured: one record per vehicle trip, a time series, and the run summary.
//
// Definitions (see docs/metrics.md):
// - travel time is measured from the scheduled departure, so time spent waiting to enter a full
//   road counts; `departDelayS` says how much of it was spent outside the network.
// - free-flow time is the time to drive the route alone at the allowed speed (lanes and
//   connectors, limited by the vehicle's own top speed).
// - delay index of a trip (the City Brain measure) = actual / free-flow travel time. For a vehicle
//   still on its way it is (elapsed time + free-flow time of the rest of its route) / free-flow time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traffic/vehicle_type.h"

namespace traffic {

struct TripRecord {
  std::uint32_t tripIndex = 0;   ///< index into Scenario::demand.trips
  VehicleClass vehicleClass = VehicleClass::Car;
  double departS = 0;            ///< scheduled departure
  double enterS = -1;            ///< entered the network (-1: still waiting)
  double arriveS = -1;           ///< reached the end of its route (-1: not yet)
  double freeFlowS = 0;
  double routeLengthM = 0;
  double distanceM = 0;          ///< driven so far
  std::uint32_t stops = 0;
  bool teleported = false;
};

struct TimeseriesRow {
  double timeS = 0;
  std::uint32_t running = 0;
  std::uint32_t waitingToEnter = 0;
  std::uint64_t arrived = 0;  ///< cumulative
  double meanSpeedMps = 0;    ///< over vehicles in the network at that instant
  double delayIndex = 0;      ///< over vehicles in the network at that instant (1 when empty)
};

struct VehicleCounts {
  std::uint64_t spawned = 0;  ///< departure time reached (entered or waiting to enter)
  std::uint64_t entered = 0;
  std::uint64_t arrived = 0;
  std::uint64_t running = 0;
  std::uint64_t waitingToEnter = 0;
  std::uint64_t teleported = 0;      ///< teleport events
  std::uint64_t gridlockReports = 0; ///< vehicles reported stuck (whatever the action)
  std::uint64_t laneChanges = 0;
};

struct Summary {
  std::string scenario;
  std::uint64_t seed = 0;
  int threads = 1;
  double stepS = 1;
  double simSeconds = 0;
  double wallSeconds = 0;
  std::uint64_t vehicleUpdates = 0;
  double vehicleUpdatesPerSecond = 0;
  VehicleCounts vehicles;
  double meanTravelTimeFinishedS = 0;
  double meanTravelTimeWithUnfinishedS = 0;
  double delayIndex = 1;
  double meanSpeedMps = 0;
  double stopsPerVehicle = 0;
  double throughputVehPerH = 0;
  std::string signalPolicy;
  /// Vehicles whose type pre-empts signals (signal_priority = "emergency") and whose departure
  /// time has come; their mean travel time counts unfinished ones by time elapsed so far.
  std::uint64_t emergencyVehicles = 0;
  std::uint64_t emergencyArrived = 0;
  double emergencyMeanTravelTimeS = 0;  ///< 0 when there are none
  /// Phase changes forced by emergency vehicles; greens extended and started early for transit.
  std::uint64_t preemptions = 0;
  std::uint64_t transitExtensions = 0;
  std::uint64_t transitEarlyGreens = 0;
};

}  // namespace traffic
