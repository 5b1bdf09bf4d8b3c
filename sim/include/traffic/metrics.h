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

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "traffic/vehicle_type.h"

namespace traffic {

struct Scenario;

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
  /// SUMO's tripinfo measures, accumulated over the steps driven so far (docs/metrics.md): time
  /// lost driving below the vehicle's own top speed on each lane, sum of dt * (1 - v / v_max);
  /// time at a speed below 0.1 m/s, and the number of such halts. Steps dwelling at a service stop
  /// count in neither. The departure delay is enterS - departS.
  double timeLossS = 0;
  double waitingS = 0;
  std::uint32_t waitingCount = 0;
};

/// What one road holds at the end of a step, summed over the steps of an interval for roads.csv
/// (docs/metrics.md): vehicles on its lanes (not those inside junctions or in stop bays), how many
/// of them are halted (below 0.1 m/s), the sum of their speeds, and how many were first seen on
/// the road at this step (entered).
struct RoadLoad {
  std::uint64_t vehicles = 0;
  std::uint64_t halted = 0;
  std::uint64_t entered = 0;
  double speedSumMps = 0;
};

/// One passenger who reached a stop during the run (see transit.h).
struct PassengerRecord {
  std::uint32_t index = 0;  ///< into Scenario::transit.passengers
  double boardS = -1;       ///< -1: still waiting
  double alightS = -1;      ///< -1: not (yet) at the destination
  std::uint32_t vehicle = UINT32_MAX;  ///< trip index of the vehicle boarded
};

/// One run of a transit line whose departure time has come.
struct TransitRunRecord {
  std::uint32_t tripIndex = 0;
  std::uint32_t line = 0;
  std::vector<double> stopArriveS;  ///< per stop of the line: -1 not reached, -2 passed without stopping
  std::vector<double> stopDepartS;  ///< per stop of the line: doors closed (-1 not yet)
  std::uint32_t boarded = 0;
  std::uint32_t maxLoad = 0;
  std::uint32_t onboard = 0;        ///< at the end of the run (or now)
  double distanceM = 0;
  double passengerMetres = 0;       ///< sum over passengers of the distance ridden
  double emptyMetres = 0;           ///< driven with nobody on board
};

/// One ride request of an on-demand fleet whose time has come.
struct RideRecord {
  std::uint32_t request = 0;   ///< into Scenario::fleets.requests
  std::string status;          ///< "waiting", "on_board", "delivered", "rejected"
  std::string reason;          ///< why rejected: "no_vehicle_in_time", "fleet_busy", "unreachable"
  double pickupS = -1;
  double dropoffS = -1;
  double plannedPickupS = -1;  ///< the dispatcher's estimate when it (last) assigned the ride
  double directS = 0;          ///< estimated direct ride from origin to destination when requested
  std::uint32_t vehicle = UINT32_MAX;  ///< trip index of the vehicle assigned
  std::uint32_t replans = 0;   ///< times moved to another vehicle or place in a plan before pickup
};

/// One vehicle of an on-demand fleet.
struct FleetVehicleRecord {
  std::uint32_t tripIndex = 0;
  std::uint32_t fleet = 0;
  double distanceM = 0;
  double passengerMetres = 0;
  double emptyMetres = 0;
  double busyS = 0;        ///< with riders on board or a plan to drive
  double occupiedS = 0;    ///< with riders on board
  double inServiceS = 0;   ///< since it entered the network
  std::uint32_t riders = 0;
  std::uint32_t maxLoad = 0;
  std::uint32_t stopsMade = 0;
  std::uint32_t onboard = 0;
};

struct TransitRecords {
  std::vector<PassengerRecord> passengers;
  std::vector<TransitRunRecord> runs;
  std::vector<RideRecord> rides;
  std::vector<FleetVehicleRecord> fleetVehicles;
};

/// Per vehicle class, over its trips whose departure time has come.
struct ModeSummary {
  VehicleClass vehicleClass = VehicleClass::Car;
  std::uint64_t trips = 0;
  std::uint64_t arrived = 0;
  double meanTravelTimeWithUnfinishedS = 0;
  double meanDelayS = 0;  ///< arrived trips
  double stopsPerVehicle = 0;
  double distanceKm = 0;  ///< driven, summed
  /// Fleet vehicles of this class: their service is not a trip, so they count in the distance
  /// and stops per kilometre but not in trips, arrivals or travel times.
  std::uint64_t serviceVehicles = 0;
  double stopsPerKm = 0;  ///< all vehicles of the class, service vehicles included
};

/// Per stop of a transit line, in the order the line serves them: what a planner reads off a load
/// profile and a stop's service.
struct LineStopSummary {
  std::string stop;
  std::uint64_t arrivals = 0;       ///< runs that stopped there
  std::uint64_t boardings = 0;
  std::uint64_t alightings = 0;     ///< passengers whose destination it is, delivered
  double meanLoad = 0;              ///< on board leaving it, averaged over runs that left it (served or passed)
  std::uint32_t maxLoad = 0;        ///< on board leaving it, the fullest run
  double meanWaitS = 0;             ///< passengers who boarded there
  double maxWaitS = 0;
  std::uint64_t leftWaiting = 0;    ///< still waiting there at the end
  double headwayCv = 0;             ///< coefficient of variation of the headways between arrivals there
  double bunchingShare = 0;         ///< headways there under half the scheduled one
};

/// Per transit line. Headway and schedule figures are over stops actually served.
struct LineSummary {
  std::string line;
  std::uint64_t runs = 0;           ///< departed
  std::uint64_t passengers = 0;     ///< reached a stop of the line
  std::uint64_t boarded = 0;
  std::uint64_t delivered = 0;      ///< reached their destination stop
  std::uint64_t leftWaiting = 0;    ///< still at a stop at the end
  double meanWaitS = 0;             ///< stop arrival to boarding, boarded passengers
  double meanInVehicleS = 0;        ///< boarding to alighting, delivered passengers
  double meanLoad = 0;              ///< passenger-km / vehicle-km
  std::uint32_t maxLoad = 0;
  double meanRunTimeS = 0;          ///< departure to end of route, finished runs
  double headwayCv = 0;             ///< coefficient of variation of headways between arrivals at a stop
  double bunchingShare = 0;         ///< headways under half the scheduled one, over all stops
  double meanLatenessS = 0;         ///< arrival at a stop minus its scheduled time
  double onTimeShare = 0;           ///< arrivals from 1 min early to 5 min late
  std::vector<LineStopSummary> stops;
};

/// Per on-demand fleet.
struct FleetSummary {
  std::string fleet;
  std::uint64_t vehicles = 0;
  std::uint64_t requests = 0;
  std::uint64_t delivered = 0;
  std::uint64_t rejected = 0;
  std::vector<std::pair<std::string, std::uint64_t>> rejectedBy;  ///< reason, count
  double meanWaitS = 0;       ///< request to pickup, picked-up riders
  double meanRideS = 0;       ///< pickup to drop-off, delivered riders
  double meanDetour = 0;      ///< ride time / direct free-flow ride time, delivered riders
  double occupancy = 0;       ///< passenger-km / vehicle-km
  double utilisation = 0;     ///< busy time / time in service
  double emptyShare = 0;      ///< empty km / km
  /// Promises: a rider's wait is kept when picked up within max_wait_s of the request, broken when
  /// picked up later or still waiting longer than that; a ride is kept when it lasts at most
  /// max_detour x direct + detour_slack_s, broken when longer or still on board longer than that.
  std::uint64_t waitsKept = 0;
  std::uint64_t waitsBroken = 0;
  double maxWaitOverS = 0;    ///< most by which a wait limit was exceeded
  double meanWaitOverS = 0;   ///< mean excess over broken waits
  std::uint64_t ridesKept = 0;
  std::uint64_t ridesBroken = 0;
  double maxRideOverS = 0;
  double meanRideOverS = 0;
  std::uint64_t replans = 0;  ///< riders moved to another vehicle or place in a plan before pickup
  double occupiedH = 0;       ///< vehicle-hours with riders on board
  double emptyH = 0;          ///< vehicle-hours driving with nobody on board (to a pickup, rebalancing)
  double idleH = 0;           ///< vehicle-hours in service with nothing to do
};

/// Fleet figures from the run's records, at time `nowS` (riders still waiting or riding count
/// against their limits up to then).
std::vector<FleetSummary> summarizeFleets(const Scenario& scenario, const TransitRecords& records, double nowS);

struct TimeseriesRow {
  double timeS = 0;
  std::uint32_t running = 0;
  std::uint32_t waitingToEnter = 0;
  std::uint64_t arrived = 0;  ///< cumulative
  double meanSpeedMps = 0;    ///< over vehicles in the network at that instant
  double delayIndex = 0;      ///< over vehicles in the network at that instant (1 when empty)
  std::array<std::uint32_t, kVehicleClassCount> runningByClass{};
  std::uint32_t passengersWaiting = 0;  ///< at transit stops
  std::uint32_t passengersOnBoard = 0;
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
  /// Vehicle-steps whose move slowed the vehicle down harder than its type's comfortable
  /// deceleration (docs/metrics.md).
  std::uint64_t hardBrakes = 0;
  /// Moves cut short by the kinematic safety bound: at the leader's rear or the stop line in the
  /// move phase, or behind the exit lane's last vehicle when leaving a junction (docs/metrics.md).
  std::uint64_t clampedMoves = 0;
  /// Vehicles that stood at the stop line of a lane that could not take them onto their next
  /// road, could not change lanes, and re-routed from a turn their lane allows (docs/metrics.md).
  std::uint64_t reroutedMissedTurns = 0;
  /// Vehicle-steps that ended with the vehicle halted inside a junction box, on a connector
  /// (docs/metrics.md).
  std::uint64_t haltedInBox = 0;
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
  std::vector<ModeSummary> modes;  ///< classes with at least one trip, in class order
  std::vector<LineSummary> lines;  ///< transit lines, in scenario order
  std::vector<FleetSummary> fleets;  ///< on-demand fleets, in scenario order
};

/// Line figures from the run's transit records at simulated time `nowS`.
std::vector<LineSummary> summarizeLines(const Scenario& scenario, const TransitRecords& records, double nowS);

}  // namespace traffic
