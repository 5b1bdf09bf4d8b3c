// The engine's state, as one state per subsystem, and the phases that operate on it.
//
//   NetworkView   the scenario, the network and tables built from them     (const while running)
//   SimClock      time and step count                                        (the step)
//   Vehicles      hot and cold vehicle records, routes, who is on each track (most phases)
//   Signals       controllers, movement states, priority requests            (signals phase)
//   Sensing       lane sensors for policies that observe traffic             (signals, move)
//   EntryQueues   released trips waiting to enter their first road           (spawn)
//   JunctionWork  per-step scratch of arbitration and transfer, per junction (arbitrate, transfer)
//   RoadWork      per-step scratch of lane changing, per road                (lane change)
//   TransitState  runs and passengers                                        (stops, serial)
//   FleetState    fleet vehicles, plans, ride requests                       (stops, serial)
//   Statistics    counters, time series, profile                             (account, serial)
//   Executor      threads and the arena phases run on
//
// A phase takes by const reference what it reads and by reference what it writes, so ownership is
// visible in its signature. Phases that run in parallel own disjoint parts of what they write (a
// road owns its lanes; a junction owns its connectors and, in the two passes of the transfer
// phase, first its incoming lanes and then its outgoing lanes), so no locks are needed and
// nothing depends on thread scheduling. The order of the phases is written once, in
// World::step() (world.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "engine/index_set.h"
#include "engine/network_view.h"
#include "engine/vehicles.h"
#include "mobility/mobility_state.h"
#include "mobility/service_stops.h"
#include "signals/signal_state.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic::engine {

struct SimClock {
  double nowS = 0;
  std::uint64_t steps = 0;
  double dtS = 1;
};

struct EntryQueues {
  std::size_t nextTrip = 0;                                // next trip not yet released
  std::vector<std::vector<std::uint32_t>> entryQueues;     // per road, in release order
  std::vector<std::uint32_t> roadsWithQueue;               // roads whose queue is non-empty, sorted
  std::vector<std::uint8_t> closedLanes;                   // scratch: lanes (by index in the road) held by a waiting vehicle
};

// Per-step scratch owned by junctions (indexed so that each junction touches only its own).
struct JunctionWork {
  IdVector<TrackId, double> reservedM;                    // per track (exit lanes)
  IdVector<TrackId, double> laneRoomM;               // per lane track: where an entering vehicle can still stop (arbitrate.cpp)
  IdVector<TrackId, double> mergeWaitM;              // per lane track: room held for vehicles beside that must change into it (arbitrate.cpp)
  IdVector<ConnectorId, VehicleId> firstGrant;            // per connector: its first grant of this step
  IdVector<ConnectorId, VehicleId> insideHeld;            // per connector: the vehicle that stops at its waiting position inside the box this step (arbitrate.cpp)
  std::vector<std::vector<std::uint32_t>> junctionScratch;  // per junction
  std::vector<std::uint32_t> arrivalsByJunction;          // per junction, this step (zero between steps)
  std::vector<std::uint32_t> clampsByJunction;            // per junction, this step: moves cut at the exit lane (zero between steps)
  IndexSet activeJunctions;  // the junctions the transfer phase visited this step (transfer.cpp)
  std::vector<std::uint8_t> idle;  // per junction: had no vehicle to arbitrate at its last arbitration (arbitrate.cpp)
  // The roads whose lanes' room was last computed with a vehicle on them, and the junctions not
  // idle at their last arbitration, ascending: with the ones that have vehicles now, what the
  // arbitrate phase visits (arbitrate.cpp). Until `recomputeAll` is cleared, every one.
  IndexSet roomRoads;
  IndexSet busyJunctions;
  bool recomputeAll = true;
};

// Per-step scratch owned by roads (lane changes).
struct RoadWork {
  std::vector<std::vector<std::uint32_t>> roadScratch;    // per road
  std::vector<std::uint32_t> laneChangesByRoad;           // per road, this step
  std::vector<std::vector<std::uint32_t>> missedTurns;    // per road, this step: vehicles to re-route
  std::uint64_t reroutedMissedTurns = 0;                  // this step
  IndexSet activeRoads;  // the roads the lane-change phase visited this step
  std::unique_ptr<Router> router;  // for missed turns; built at the first, a memo (not saved)
};

struct Statistics {
  VehicleCounts counts;
  std::uint64_t vehicleUpdates = 0;
  double speedSumMps = 0;  // over vehicle-steps
  std::vector<TimeseriesRow> timeseries;
  double nextTimeseriesS = 0;
  StepProfile profile;
  std::vector<std::uint32_t> stuckScratch;  // account phase
  // The first move, not cut by the safety bound, that slowed a vehicle down harder than its type's
  // emergency deceleration (an invariant --validate checks); empty while none has.
  std::string overDecel;
};

struct State {
  NetworkView view;
  SimClock clock;
  Vehicles vehicles;
  Signals signals;
  Sensing sensing;
  EntryQueues entry;
  JunctionWork junctionWork;
  RoadWork roadWork;
  TransitState transit;
  FleetState fleets;
  Statistics stats;
  Executor exec;
};

// The phases (World::step() runs them, in the order written there). Each takes by const
// reference the subsystems it reads and by reference those it writes.
void releaseAndInsert(const NetworkView& view, const SimClock& clock, const ServiceStops& stops, EntryQueues& entry,
                      Vehicles& vehicles, Statistics& stats);
void updateSignals(const Executor& exec, const NetworkView& view, const SimClock& clock, const Vehicles& vehicles, const TransitState& transit, Signals& signals, Sensing& sensing);
void arbitrateJunctions(const Executor& exec, const NetworkView& view, const Signals& signals, const ServiceStops& stops, Vehicles& vehicles, JunctionWork& junctionWork);
void changeLanes(const Executor& exec, const NetworkView& view, const SimClock& clock, const ServiceStops& stops, const JunctionWork& junctionWork, Vehicles& vehicles, RoadWork& roadWork);
void planMotion(const Executor& exec, const NetworkView& view, const SimClock& clock, const Signals& signals, const ServiceStops& stops,
                const JunctionWork& junctionWork, Vehicles& vehicles);
void moveVehicles(const Executor& exec, const NetworkView& view, const SimClock& clock, const ServiceStops& stops, Vehicles& vehicles, Sensing& sensing);
void serveStops(const NetworkView& view, const SimClock& clock, Vehicles& vehicles, TransitState& transit);
void serveFleets(const NetworkView& view, const SimClock& clock, const Signals& signals, Vehicles& vehicles,
                 FleetState& fleets);
void transferAtJunctions(const Executor& exec, const NetworkView& view, const SimClock& clock, Vehicles& vehicles, JunctionWork& junctionWork);
void account(const NetworkView& view, const SimClock& clock, const TransitState& transit, const FleetState& fleets, Vehicles& vehicles, JunctionWork& junctionWork, RoadWork& roadWork, Statistics& stats);
/// Every so often, renumbers the records of the vehicles in the network junction by junction,
/// lane by lane (renumber.cpp), at the end of a step, when there are at least
/// WorldOptions::minVehiclesForRenumbering of them (`running`).
void renumberVehicles(const Executor& exec, const NetworkView& view, const SimClock& clock, std::uint64_t running,
                      Vehicles& vehicles, JunctionWork& junctionWork, FleetState& fleets);

// Set-up, at construction.
/// Allocates the lane sensors when the policy observes traffic.
void enableSensing(const NetworkView& view, const Signals& signals, Sensing& sensing);
// Replaces the exact reading `o` of `lane` (filled by the signals phase) with what the scenario's
// sensing model measures (sensing_models.cpp). Per lane; touches only the lane's own LoopState.
void senseLaneWithModel(const NetworkView& view, const SimClock& clock, const Vehicles& vehicles, Sensing& sensing,
                        std::size_t lane, LaneObservation& o);
/// Sets up the transit runs and passenger queues.
void initTransit(const NetworkView& view, Vehicles& vehicles, TransitState& transit);
/// Sets up the fleet vehicles, dispatchers and the router for plans.
void initFleets(const NetworkView& view, Vehicles& vehicles, FleetState& fleets);

// Shared helpers.
/// Free-flow time and length of a route for a vehicle type.
void routeFreeFlow(const NetworkView& view, std::span<const RoadId> route, const VehicleType& t, double& timeS,
                   double& lengthM);
/// Delay index at time `atS` of a vehicle on its way: (elapsed + free-flow time of the rest of its
/// route) / free-flow time of the whole route.
double tripDelayIndex(const NetworkView& view, const Vehicles& vehicles, std::uint32_t vehicle, double atS);
/// Remove a vehicle from its track's occupant list.
void detach(Vehicles& vehicles, std::uint32_t vehicle);
/// Insert a vehicle into a track's occupant list at the place its position dictates.
void attachByPosition(const NetworkView& view, Vehicles& vehicles, std::uint32_t vehicle, TrackId track);
/// Takes a halted vehicle off its lane into a bay or parking place beside it (position kept).
void enterBay(Vehicles& vehicles, std::uint32_t vehicle);
/// Merges a vehicle from a bay back into its lane if the vehicles around leave room.
bool leaveBay(const NetworkView& view, Vehicles& vehicles, std::uint32_t vehicle);

}  // namespace traffic::engine

namespace traffic::engine {
/// How the library's own read-only views (observation.cpp) reach a world's state.
struct StateAccess {
  static const State& of(const World& world) { return world.state(); }
};
}  // namespace traffic::engine

namespace traffic {
/// The world's private part is the engine state (world.cpp, reports.cpp, views.cpp, checks.cpp).
struct World::Impl : engine::State {};
}  // namespace traffic
