// The engine's internal state and the phase functions that operate on it (see world.h for the
// order of phases and what each may touch).
//
// Storage layout:
//   tracks     lanes and connectors in one index space: [0, laneCount) are lanes,
//              [laneCount, laneCount + connectorCount) connectors. Vehicles drive on tracks.
//   occupants  per track, the ids of the vehicles on it ordered front to back.
//   vehicles   hot per-vehicle state, indexed by VehicleId (= trip index), 64 bytes each.
//   cold       per-vehicle trip bookkeeping, touched on events only.
// Phases that run in parallel own disjoint sets of tracks (a road owns its lanes; a junction owns
// its connectors and, in the two passes of the transfer phase, first its incoming lanes and then
// its outgoing lanes), so no locks are needed and nothing depends on thread scheduling.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/tbb/task_arena.h>

#include "traffic/fleet.h"
#include "traffic/scenario.h"
#include "traffic/signal.h"
#include "traffic/world.h"

namespace traffic::engine {

inline constexpr double kHaltingSpeedMps = 0.1;  // below this a vehicle counts as halted (as SUMO)
// A halt counts as a stop only after the vehicle has moved at least this far since its last halt,
// so that creeping forward in a queue is one stop, not one per step.
inline constexpr double kStopMinTravelM = 5.0;
// A halted transit or fleet vehicle whose front is this close to its stop's position is at it.
inline constexpr double kStopToleranceM = 3.0;
inline constexpr double kInfinity = 1e18;

// 32 bytes. Lane index and permissions are copied here from the network's Lane (a large struct
// with shapes) because lane changing asks for them for every vehicle every step.
struct Track {
  double lengthM = 0;
  double speedLimitMps = 0;
  std::uint32_t lane = UINT32_MAX;       // LaneId value when a lane
  std::uint32_t connector = UINT32_MAX;  // ConnectorId value when a connector
  std::uint16_t indexInRoad = 0;
  ClassMask allowed = ClassMask::all();
  [[nodiscard]] bool isConnector() const { return connector != UINT32_MAX; }
};

enum VehicleFlags : std::uint8_t {
  kInNetwork = 1u << 0,
  kGranted = 1u << 1,   // may cross the stop line ahead into `nextConnector`
  kHalted = 1u << 2,    // speed below kHaltingSpeedMps at the end of the last step
  kStuckReported = 1u << 3,
  kTransit = 1u << 4,   // runs a transit line: stops at its stops (stops.cpp)
  kDwelling = 1u << 5,  // standing at a stop, doors open
  kInBay = 1u << 6,     // in a stop bay or parked, off the lane's occupant list
  kFleet = 1u << 7,     // an on-demand fleet vehicle (fleet.cpp)
};

// Hot state, 64 bytes.
struct Vehicle {
  double posM = 0;      // front bumper, from the start of the track
  double speedMps = 0;
  double accelMps2 = 0;
  double limitM = 0;    // furthest it may advance this step (leader's rear or stop line)
  double distanceM = 0;
  float haltedS = 0;    // time continuously halted
  std::uint32_t track = UINT32_MAX;
  std::uint32_t nextConnector = UINT32_MAX;  // chosen connector at the end of the current lane
  std::uint32_t yieldTo = UINT32_MAX;  // a vehicle beside, ahead, that must merge in front of this one
  std::uint16_t routeIndex = 0;  // index in the route of the road driven on (or being entered)
  std::uint16_t type = 0;
  std::uint8_t flags = 0;
  std::uint8_t laneChangeCooldown = 0;  // steps before another discretionary lane change
};
static_assert(sizeof(Vehicle) == 64);

struct VehicleCold {
  double enterS = -1;
  double arriveS = -1;
  double freeFlowS = 0;
  double routeLengthM = 0;
  double lastHaltDistanceM = -1e9;  // distance driven when it last halted
  std::uint32_t stops = 0;
  bool teleported = false;
};

// The distance a passenger-carrying vehicle drove, split by its load: accrued each time the load
// is about to change, and up to now for reports.
struct RideDistances {
  double passengerMetres = 0;  // sum over passengers of the distance they rode
  double emptyMetres = 0;      // driven with nobody on board
  double lastDistanceM = 0;    // vehicle distance when the load last changed
  void accrue(double distanceM, std::size_t onBoard) {
    const double driven = distanceM - lastDistanceM;
    passengerMetres += static_cast<double>(onBoard) * driven;
    if (onBoard == 0) emptyMetres += driven;
    lastDistanceM = distanceM;
  }
  [[nodiscard]] RideDistances upTo(double distanceM, std::size_t onBoard) const {
    RideDistances d = *this;
    d.accrue(distanceM, onBoard);
    return d;
  }
};

// A vehicle running a transit line (a run), from its departure to the end of its route.
struct TransitRun {
  std::uint32_t vehicle = 0;
  std::uint32_t line = 0;
  std::uint16_t nextStop = 0;  // position in the line's stop list
  bool asksPriority = false;   // late enough to ask the signals for transit priority
  double dwellLeftS = 0;
  std::vector<std::uint32_t> onboard;  // passenger indices
  std::vector<double> arriveS;         // per stop position: arrival (-1: not yet, -2: passed without stopping)
  std::vector<double> departS;         // per stop position: doors closed
  std::uint32_t boarded = 0;
  std::uint32_t maxLoad = 0;
  RideDistances ride;
};

// A vehicle of an on-demand fleet. Its route is rebuilt at each new plan: from where it is to
// the road of its next stop, so it never reaches the end of its route without stopping there.
struct FleetVehicle {
  std::uint32_t vehicle = 0;
  std::uint32_t fleet = 0;
  std::uint32_t indexInFleet = 0;
  std::vector<PlannedStop> plan;        // stops still to make
  std::vector<std::uint32_t> onboard;   // requests on board
  std::vector<RoadId> route;            // State::routes[vehicle] views it
  double dwellLeftS = 0;
  RideDistances ride;
  double busyS = 0;                     // time with riders on board or a plan to drive
  std::uint32_t stopsMade = 0;
  std::uint32_t riders = 0;
  std::uint32_t maxLoad = 0;
};

enum class RequestStatus : std::uint8_t { Pending, Assigned, OnBoard, Delivered, Rejected };

struct RequestState {
  RequestStatus status = RequestStatus::Pending;
  std::uint32_t vehicle = UINT32_MAX;  // trip index
  double pickupS = -1;
  double dropoffS = -1;
  double plannedPickupS = -1;          // when assigned
  double directS = 0;                  // free-flow ride time, origin to destination
  std::string reason;                  // why rejected
};

struct PassengerState {
  double boardS = -1;
  double alightS = -1;
  std::uint32_t vehicle = UINT32_MAX;
};

// A virtual loop detector on a lane, and the running totals behind LaneObservation.
struct LaneSensor {
  double detectorPosM = 0;       // from the lane start
  double lastCrossS = -1e9;      // when a vehicle front last crossed it
  std::uint32_t crossings = 0;   // since the start of the run
  std::uint32_t baseline = 0;    // `crossings` when the current phase of the downstream junction turned green
  std::uint32_t crossedLastStep = 0;
  float flowVehPerH = 0;         // exponentially smoothed
};

// What the move phase saw on one track this step, summed by the account phase in track order.
struct TrackTally {
  double speedSumMps = 0;
  std::uint32_t vehicles = 0;
  bool stuck = false;  // some vehicle here has been halted for the gridlock timeout
};

struct State {
  const Scenario* scenario = nullptr;
  const RoadNetwork* net = nullptr;
  WorldOptions options;
  int threads = 1;
  std::unique_ptr<tbb::task_arena> arena;

  double nowS = 0;
  std::uint64_t steps = 0;
  double dtS = 1;

  std::vector<Track> tracks;
  std::vector<std::vector<std::uint32_t>> occupants;  // per track, front to back
  std::vector<TrackTally> tallies;                    // per track, this step
  std::vector<std::vector<std::uint32_t>> feeders;    // per lane track: connectors ending on it
  // Roads reachable from the end of each lane, flattened: lane l's are
  // laneExitRoads[laneExitBegin[l] .. laneExitBegin[l + 1]). Asked for every vehicle every step,
  // so kept flat rather than followed through connectors and movements.
  std::vector<std::uint32_t> laneExitBegin;
  std::vector<std::uint32_t> laneExitRoads;

  std::vector<Vehicle> vehicles;  // indexed by trip
  std::vector<VehicleCold> cold;
  std::vector<std::span<const RoadId>> routes;  // per vehicle, resolved once

  // Signals.
  std::unique_ptr<SignalPolicy> policy;
  std::vector<SignalController> controllers;  // one per non-boundary junction
  std::vector<SignalState> movementStates;     // by MovementId
  std::vector<std::pair<MovementId, MovementId>> conflictingMovements;  // for the invariant check
  // Sensing for policies that observe traffic (empty for fixed time).
  bool sensing = false;
  std::vector<LaneSensor> sensors;            // per lane
  std::vector<LaneObservation> laneObs;       // per lane, refreshed in the signals phase
  std::vector<std::vector<LaneObservation>> controllerIncoming;  // per controller
  std::vector<std::vector<LaneObservation>> controllerOutgoing;  // per controller
  // Signal priority: trips whose type asks for it (ascending), and this step's requests.
  std::vector<std::uint32_t> priorityVehicles;
  // Per vehicle type: the same type following a cooperative leader (CACC headway), for
  // cooperative types; a copy otherwise.
  std::vector<VehicleType> platoonTypes;
  std::vector<std::int32_t> controllerOfJunction;                // per junction, -1 if none
  std::vector<std::vector<PriorityRequest>> controllerRequests;  // per controller, this step
  std::vector<std::uint32_t> controllersWithRequests;            // to clear them next step

  // Demand.
  std::size_t nextTrip = 0;                                // next trip not yet released
  std::vector<std::vector<std::uint32_t>> entryQueues;     // per road, in release order
  std::vector<std::uint32_t> roadsWithQueue;               // roads whose queue is non-empty, sorted

  // Per-step scratch owned by junctions (indexed so that each junction touches only its own).
  std::vector<double> reservedM;                          // per track (exit lanes)
  std::vector<double> laneGrossFreeM;                     // per lane: length minus vehicles and gaps
  std::vector<double> grantEtaS;                          // per connector
  std::vector<std::vector<std::uint32_t>> junctionScratch;  // per junction
  std::vector<std::uint32_t> arrivalsByJunction;          // per junction, this step
  std::vector<std::vector<std::uint32_t>> roadScratch;    // per road (lane changes)
  std::vector<std::uint32_t> laneChangesByRoad;           // per road, this step
  std::vector<std::uint32_t> stuckScratch;                // account phase

  // Public transport (stops.cpp). Runs are in vehicle order; passengers wait per line and stop.
  std::vector<TransitRun> runs;
  std::vector<std::uint32_t> runOfVehicle;          // per vehicle, UINT32_MAX if none
  std::vector<PassengerState> passengers;           // per Transit::passengers entry
  std::size_t nextPassenger = 0;                    // next passenger not yet at its stop
  std::vector<std::uint32_t> lineStopBase;          // per line: first index into `waiting`
  std::vector<std::vector<std::uint32_t>> waiting;  // per (line, stop position), arrival order
  std::vector<std::uint32_t> inBay;                 // vehicles in stop bays or parked, ascending

  // On-demand fleets (fleet.cpp).
  std::vector<FleetVehicle> fleetVehicles;          // in vehicle order
  std::vector<std::uint32_t> fleetOfVehicle;        // per vehicle, index into fleetVehicles or UINT32_MAX
  std::vector<std::vector<std::uint32_t>> vehiclesOfFleet;  // per fleet, indices into fleetVehicles
  std::vector<RequestState> requests;               // per Fleets::requests entry
  std::size_t nextRequest = 0;
  std::vector<std::unique_ptr<Dispatcher>> dispatchers;  // per fleet
  std::vector<double> nextRebalanceS;               // per fleet
  std::unique_ptr<Router> router;
  std::unordered_map<std::uint64_t, double> travelCache;   // (from, to) road pair -> free-flow s, <0 unreachable
  [[nodiscard]] bool isServiceVehicle(std::uint32_t vehicle) const {
    return !fleetOfVehicle.empty() && fleetOfVehicle[vehicle] != UINT32_MAX;
  }

  // Counters and outputs.
  VehicleCounts counts;
  std::uint64_t vehicleUpdates = 0;
  double speedSumMps = 0;  // over vehicle-steps
  std::vector<TimeseriesRow> timeseries;
  double nextTimeseriesS = 0;
  StepProfile profile;

  std::uint32_t laneCount = 0;
  [[nodiscard]] std::uint32_t laneTrack(LaneId l) const { return l.value; }
  [[nodiscard]] std::uint32_t connectorTrack(ConnectorId c) const { return laneCount + c.value; }
  [[nodiscard]] const VehicleType& type(const Vehicle& v) const { return scenario->vehicleTypes[v.type]; }
  [[nodiscard]] double desiredSpeedOn(const Vehicle& v, std::uint32_t track) const;
  /// The road after the current one, if any.
  [[nodiscard]] std::optional<RoadId> nextRoad(std::uint32_t vehicle) const;
  [[nodiscard]] bool onLastRoad(std::uint32_t vehicle) const;

  /// Runs body(i) for i in [0, n), in parallel when the world is large enough to gain from it.
  template <class Body>
  void forEach(std::size_t n, std::size_t grain, const Body& body);
  bool parallel = false;
};

// Phases, in step order.
void updateSignals(State& s);
void arbitrateJunctions(State& s);
void changeLanes(State& s);
void planMotion(State& s);
void moveVehicles(State& s);
void transferAtJunctions(State& s);
void releaseAndInsert(State& s);
void serveStops(State& s);
void account(State& s);
void serveFleets(State& s);
/// Takes a halted vehicle off its lane into a bay or parking place beside it (position kept).
void enterBay(State& s, std::uint32_t vehicle);
/// Merges a vehicle from a bay back into its lane if the vehicles around leave room.
bool leaveBay(State& s, std::uint32_t vehicle);
void initFleets(State& s);
/// Where a transit or fleet vehicle will halt ahead of it on the road of `track` (its next stop),
/// or a negative value when it has none there.
double stopPositionAhead(const State& s, std::uint32_t vehicle, std::uint32_t track);
/// Free-flow time from the end of road `from` to the end of road `to`, negative when unreachable.
double fleetTravelS(State& s, RoadId from, RoadId to);
/// Sets up the transit runs and passenger queues (at construction).
void initTransit(State& s);
/// The next stop of a transit vehicle if it will halt there, ahead of it on the road of `track`
/// (in another lane than the stop's it halts beside the stop until it can change lanes), else null.
const TransitStop* stopAhead(const State& s, std::uint32_t vehicle, std::uint32_t track);
/// The lane (as a track) a transit vehicle must be in on its current road to reach its next stop,
/// or UINT32_MAX when its next stop is not (or no longer) ahead on this road.
std::uint32_t stopLaneOnRoad(const State& s, std::uint32_t vehicle);
/// The lane (as a track) of a transit vehicle's next stop if that stop is on route road
/// `routeIndex`, else UINT32_MAX.
std::uint32_t stopLaneAt(const State& s, std::uint32_t vehicle, std::size_t routeIndex);
/// Allocates the lane sensors when the policy observes traffic.
void enableSensing(State& s);
/// Delay index at time `atS` of a vehicle on its way: (elapsed + free-flow time of the rest of its
/// route) / free-flow time of the whole route.
double tripDelayIndex(const State& s, std::uint32_t vehicle, double atS);

// Shared helpers.
/// Whether a connector from `lane` leads onto `toRoad` (a lookup in State::laneExitRoads).
bool laneLeadsTo(const State& s, LaneId lane, RoadId toRoad);
/// Free-flow time and length of a route for a vehicle type.
void routeFreeFlow(const State& s, std::span<const RoadId> route, const VehicleType& t, double& timeS, double& lengthM);
/// Remove a vehicle from its track's occupant list.
void detach(State& s, std::uint32_t vehicle);
/// Insert a vehicle into a track's occupant list at the place its position dictates.
void attachByPosition(State& s, std::uint32_t vehicle, std::uint32_t track);

}  // namespace traffic::engine

namespace traffic {
/// The world's private part is the engine state (world.cpp, reports.cpp, views.cpp, checks.cpp).
struct World::Impl : engine::State {};
}  // namespace traffic

#include "engine/state_inl.h"
