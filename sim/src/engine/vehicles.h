// The vehicles and where they are: hot per-vehicle state (64 bytes, touched every step), cold trip
// bookkeeping (touched on events), each vehicle's route, and per track the vehicles on it front to
// back. There is a vehicle record for every trip, so nothing is allocated when vehicles enter or
// leave; the records of the vehicles in the network are renumbered now and then so that each
// track's vehicles lie side by side in memory (Vehicles::tripOf, renumber.cpp).
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "engine/engine_ids.h"
#include "traffic/demand.h"
#include "traffic/ids.h"

namespace traffic::engine {

inline constexpr double kHaltingSpeedMps = 0.1;  // below this a vehicle counts as halted (as SUMO)
// A halt counts as a stop only after the vehicle has moved at least this far since its last halt,
// so that creeping forward in a queue is one stop, not one per step.
inline constexpr double kStopMinTravelM = 5.0;
// A halted transit or fleet vehicle whose front is this close to its stop's position is at it.
inline constexpr double kStopToleranceM = 3.0;
inline constexpr double kInfinity = 1e18;

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
  TrackId track;               // none when not in the network
  ConnectorId nextConnector;   // chosen connector at the end of the current lane
  VehicleId yieldTo;           // a vehicle beside, ahead, that must merge in front of this one
  std::uint16_t routeIndex = 0;  // index in the route of the road driven on (or being entered)
  std::uint16_t type = 0;
  std::uint8_t flags = 0;
  std::uint8_t laneChangeCooldown = 0;  // steps before another discretionary lane change
  // The number of roads in its route (Vehicles::routes, which sets it), so that asking whether it
  // is on its last road does not read the route: the phases ask that of nearly every vehicle they
  // look at, and the route lies elsewhere in memory. Every route has at most kMaxRouteRoads roads
  // (the readers and the routers see to it), so this and routeIndex fit 16 bits.
  std::uint16_t routeRoads = 0;
};
static_assert(sizeof(Vehicle) == 64);
static_assert(kMaxRouteRoads <= std::numeric_limits<decltype(Vehicle::routeRoads)>::max());

struct VehicleCold {
  double enterS = -1;
  double arriveS = -1;
  double freeFlowS = 0;
  double routeLengthM = 0;
  double lastHaltDistanceM = -1e9;  // distance driven when it last halted
  std::uint32_t stops = 0;
  float atLineS = 0;  // time spent at an all-way stop's line, waiting for its turn (arbitrate.cpp); 0 once granted
  bool teleported = false;
};

// What a trip accumulates on every step it drives, for its record: SUMO's tripinfo measures
// (docs/metrics.md). Apart from the cold record so that the move phase touches 16 bytes a vehicle.
struct TripMeasures {
  double timeLossS = 0;            // sum of dt * (1 - v / v_max), v_max its own top speed on the track
  float waitingS = 0;              // time at a speed below kHaltingSpeedMps
  std::uint32_t waitingCount = 0;  // times it came to such a halt
};

// Adds one step of a vehicle's move to its trip measures: SUMO's MSVehicle::updateTimeLoss and
// tripinfo waiting time. `flagsBefore` are the vehicle's flags at the start of the step, `speedMps`
// its speed at the end, `vmaxMps` its own top speed on the track it moved along. Steps dwelling at
// a service stop count in neither, as SUMO leaves out stops.
inline void addTripStep(TripMeasures& m, std::uint8_t flagsBefore, double speedMps, double dtS, double vmaxMps) {
  if (flagsBefore & kDwelling) return;
  if (vmaxMps > 0) m.timeLossS += dtS * (1.0 - speedMps / vmaxMps);
  if (speedMps < kHaltingSpeedMps) {
    if (!(flagsBefore & kHalted) || m.waitingS == 0) ++m.waitingCount;  // moving before, or its first halt
    m.waitingS += static_cast<float>(dtS);
  }
}

// What the move phase saw on one track this step, summed by the account phase in track order.
struct TrackTally {
  double speedSumMps = 0;
  std::uint32_t vehicles = 0;
  std::uint32_t hardBrakes = 0;    // moves that slowed down harder than the type's comfortable deceleration
  std::uint32_t clampedMoves = 0;  // moves cut short at the leader's rear or the stop line
  std::uint32_t boxHalts = 0;      // moves that ended halted inside a junction box (on a connector)
  // The first vehicle here (front first) whose move, not cut by the safety bound, slowed it down
  // harder than its type's emergency deceleration, and by how much; none when every move did not.
  VehicleId overDecelVehicle;
  float overDecelMps2 = 0;
  bool stuck = false;  // some vehicle here has been halted for the gridlock timeout
};

// Strategic lanes of a vehicle on its current road (lane_change.cpp): for each lane, how far from
// the road's start the vehicle can follow its route staying in that lane and the lanes its
// connectors lead to, looked ahead over the next roads (as SUMO's "best lanes"). A function of the
// route and the route index alone, computed when the vehicle first needs it on a road: a cache,
// not state (a restored world recomputes it).
inline constexpr std::size_t kPlannedLanes = 8;  // roads with more lanes keep the one-road look-ahead
inline constexpr std::uint16_t kNoLanePlan = 0xFFFF;
static_assert(kMaxRouteRoads - 1 < kNoLanePlan, "no place on a route is taken for 'no plan'");
struct LanePlan {
  std::uint16_t routeIndex = kNoLanePlan;  // the route position it was computed for
  std::uint8_t lanes = 0;                  // lanes of that road covered (0: no plan, too many lanes)
  std::uint8_t leadsOn = 0;                // bit k: lane k allows the class and leads onto the next road
  std::array<float, kPlannedLanes> reachM{};
  // Per lane: the lane to head for from it (the nearest of the usable lanes that reach furthest,
  // if they reach further than it), -1 for none.
  std::array<std::int8_t, kPlannedLanes> towards{};
};
// The rest of a lane plan, kept apart because only arbitration reads it, for vehicles near the
// stop line: per lane of the route's next road (by index in that road), how far from that road's
// start the vehicle can follow its route from it without changing lanes, as LanePlan::reachM;
// kReachBeyondM for lanes past kPlannedLanes and on the last road. Which lane to take through the
// junction ahead.
using NextLaneReach = std::array<float, kPlannedLanes>;

struct Vehicles {
  // Every array here and every vehicle id in the engine's state is indexed by vehicle record. A
  // record holds one trip for the whole run, but not always the trip of its own number: the
  // records of ordinary vehicles in the network are renumbered every so often, junction by junction
  // and lane by lane (renumberVehicles, renumber.cpp), so that the phases, which visit the vehicles
  // that way, read memory in order rather than one scattered record after another.
  // A trip not yet in the network still has the record of its own number (only records of
  // vehicles in the network trade places), and so do transit, fleet and priority vehicles, which
  // keep theirs throughout. Nothing the engine computes depends on the numbering: where the order
  // of vehicles matters (ties, sums over vehicles, what it reports) it is their trips' order.
  std::vector<std::uint32_t> tripOf;    // per record: the trip (index in the scenario's demand)
  std::vector<std::uint32_t> recordOf;  // per trip: its record
  IdVector<VehicleId, Vehicle> hot;
  IdVector<VehicleId, VehicleCold> cold;
  IdVector<VehicleId, TripMeasures> measures;  // written by the move phase only
  std::vector<std::span<const RoadId>> routes;        // per vehicle, resolved once
  // Per vehicle: its route since it last re-routed after missing a turn (lane_change.cpp), which
  // `routes` then points into; empty for a vehicle that never did.
  std::vector<std::vector<RoadId>> rerouted;
  std::vector<LanePlan> lanePlans;                    // per vehicle, a cache (see LanePlan)
  std::vector<NextLaneReach> nextLaneReach;           // per vehicle, with its lane plan
  IdVector<TrackId, std::vector<std::uint32_t>> occupants;  // per track, front to back
  // The tracks with vehicles on them, ascending. Found by the plan phase (after lane changes) for
  // the plan, move, transfer and account phases, and by the arbitrate phase (after insertions) for
  // it and the lane-change phase unless the last ones found were many (denselyOccupied): each
  // visits only these, or the roads and junctions they belong to. Most tracks of a network
  // (connectors above all) are empty at any one step. Scratch, not saved.
  std::vector<TrackId> activeTracks;
  // Per track, what the move phase saw this step (written for the active tracks only); the
  // account phase adds them up and sets them back to zero, so between steps every tally is zero.
  IdVector<TrackId, TrackTally> tallies;
  std::vector<std::uint32_t> inBay;                   // vehicles in stop bays or parked, ascending

  /// Gives a vehicle a new route (its storage must outlive the vehicle's use of it) and drops
  /// what was derived from the old one.
  void setRoute(std::uint32_t vehicle, std::span<const RoadId> route) {
    pointRoute(vehicle, route);
    lanePlans[vehicle].routeIndex = kNoLanePlan;
  }
  /// Points a vehicle's route at `route`: its first setting, or the same roads moved elsewhere.
  /// The route has at most kMaxRouteRoads roads: the readers refuse longer ones and the routers
  /// do not make them.
  void pointRoute(std::uint32_t vehicle, std::span<const RoadId> route) {
    assert(route.size() <= kMaxRouteRoads && "a route longer than kMaxRouteRoads reached the engine");
    routes[vehicle] = route;
    hot[vehicle].routeRoads = static_cast<std::uint16_t>(route.size());
  }
  /// Asks the memory system now for what a phase is about to read of `ids`, the vehicles of a
  /// track it will visit one after another: their hot records and, `withMeasures`, their trip
  /// measures. Between renumberings (renumber.cpp) a track's records drift apart as vehicles
  /// change tracks, and each visit would otherwise wait on its own cache misses; asked for a track
  /// ahead, the misses overlap with the work on the track before.
  void prefetch(std::span<const std::uint32_t> ids, bool withMeasures = false) const {
    for (std::uint32_t id : ids) {
      __builtin_prefetch(&hot[id]);
      if (withMeasures) __builtin_prefetch(&measures[id]);
    }
  }
  /// The same for a vehicle's route and lane plan.
  void prefetchRoute(std::uint32_t vehicle) const {
    __builtin_prefetch(&routes[vehicle]);
    __builtin_prefetch(&lanePlans[vehicle]);
  }
  /// Finds activeTracks: every track with a vehicle on it, ascending.
  void findActiveTracks() {
    // Written without a branch or a capacity check per track: every track is a candidate, and
    // only the ones with vehicles advance the end.
    activeTracks.resize(occupants.size());
    std::size_t n = 0;
    for (std::size_t t = 0; t < occupants.size(); ++t) {
      activeTracks[n] = TrackId(t);
      n += occupants[t].empty() ? 0 : 1;
    }
    activeTracks.resize(n);
  }
  /// Whether vehicles are on many of the tracks (an eighth or more, as found last): then the
  /// phases visit every road and junction rather than find the ones to visit. Finding them costs a
  /// pass over every track and some work per track with vehicles. Measured with callgrind: with a
  /// quarter as the bound, finding them cost more than visiting them all on hangzhou_real (up to
  /// 569 vehicles on 816 tracks); with a sixteenth, visiting all cost more on singapore_av.
  [[nodiscard]] bool denselyOccupied() const { return activeTracks.size() * 8 >= occupants.size(); }
  /// The road after the current one, if any.
  [[nodiscard]] std::optional<RoadId> nextRoad(std::uint32_t vehicle) const {
    const auto& route = routes[vehicle];
    const std::size_t i = hot[vehicle].routeIndex;
    if (i + 1 < route.size()) return route[i + 1];
    return std::nullopt;
  }
  /// Whether vehicle record `a` holds an earlier trip than record `b`: the engine's order of
  /// vehicles wherever one must come first (ties at junctions, the order of reports), which the
  /// renumbering of records leaves alone.
  [[nodiscard]] bool tripBefore(std::uint32_t a, std::uint32_t b) const { return tripOf[a] < tripOf[b]; }
  [[nodiscard]] bool onLastRoad(std::uint32_t vehicle) const {
    return hot[vehicle].routeIndex + 1 >= hot[vehicle].routeRoads;
  }
};

}  // namespace traffic::engine
