// The engine's state, as one state per subsystem, and the phases that operate on it.
//
//   NetworkView   the scenario, the network and tables built from them     (const while running)
//   SimClock      time and step count                                        (the step)
//   Traffic       vehicles (hot, cold, routes) and per track who is on it    (most phases)
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
#include <span>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "engine/network_view.h"
#include "engine/traffic.h"
#include "mobility/mobility_state.h"
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
};

// Per-step scratch owned by junctions (indexed so that each junction touches only its own).
struct JunctionWork {
  std::vector<double> reservedM;                          // per track (exit lanes)
  std::vector<double> laneGrossFreeM;                     // per lane: length minus vehicles and gaps
  std::vector<double> grantEtaS;                          // per connector
  std::vector<std::vector<std::uint32_t>> junctionScratch;  // per junction
  std::vector<std::uint32_t> arrivalsByJunction;          // per junction, this step
};

// Per-step scratch owned by roads (lane changes).
struct RoadWork {
  std::vector<std::vector<std::uint32_t>> roadScratch;    // per road
  std::vector<std::uint32_t> laneChangesByRoad;           // per road, this step
};

struct Statistics {
  VehicleCounts counts;
  std::uint64_t vehicleUpdates = 0;
  double speedSumMps = 0;  // over vehicle-steps
  std::vector<TimeseriesRow> timeseries;
  double nextTimeseriesS = 0;
  StepProfile profile;
  std::vector<std::uint32_t> stuckScratch;  // account phase
};

struct State {
  NetworkView view;
  SimClock clock;
  Traffic traffic;
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
