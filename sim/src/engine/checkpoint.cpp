// World::checkpoint() and World::restore(): the engine state, subsystem by subsystem, to bytes and
// back (the format is in traffic/checkpoint.h).
//
// Every struct of state.h, signal_state.h and mobility_state.h that changes while a world runs has
// a save and a restore function below, in the order of its fields, and a static_assert on its
// size: a field added to one of them stops the build here until it is added to its functions (or
// the assert is updated with a comment that it is fixed at construction). Tables built at
// construction from the scenario alone (NetworkView, controllerOfJunction, priorityVehicles,
// runOfVehicle, lineStopBase, fleetOfVehicle, vehiclesOfFleet, dispatchers, the router) are not
// saved: the world a checkpoint is restored into builds the same ones. The per-step scratch of the
// phases is saved too, although each phase overwrites it before reading it, so that a checkpoint
// does not depend on that being true.
//
// Restoring decodes into a freshly built world and swaps it in at the end, so a refused
// checkpoint leaves the world as it was. Every count is checked against the bytes left before
// anything is allocated, every index against what it indexes, and the result against the
// engine's bookkeeping (each vehicle on the track it records, listed once).
#include "traffic/checkpoint.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "engine/state.h"
#include "io/recording/byte_io.h"
#include "traffic/errors.h"
#include "traffic/random.h"

namespace traffic {

using namespace engine;
using recording_detail::ByteReader;
using recording_detail::ByteWriter;
using recording_detail::DecodeError;

namespace {

constexpr char kMagic[8] = {'T', 'S', 'C', 'K', 'P', 'T', '\r', '\n'};
constexpr std::size_t kHeaderBytes = 8 + 4 + 8 + 8 + 8 + 8 + 8;

std::uint64_t fnv1a(std::span<const std::uint8_t> bytes) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (std::uint8_t b : bytes) {
    h ^= b;
    h *= 0x100000001B3ull;
  }
  return h;
}

// ---- helpers --------------------------------------------------------------------------------

// An optional id as value + 1 (0: none), so that "none" takes one byte.
template <class Tag>
void optId(ByteWriter& w, Id<Tag> id) {
  w.varint(id.valid() ? std::uint64_t{id.value} + 1 : 0);
}
template <class IdT>
IdT optId(ByteReader& r, std::size_t limit, const char* what) {
  const std::uint64_t v = r.varint();
  if (v == 0) return IdT();
  if (v - 1 >= limit)
    throw DecodeError(std::string(what) + " " + std::to_string(v - 1) + " does not exist (there are " +
                      std::to_string(limit) + ")");
  return IdT(static_cast<std::uint32_t>(v - 1));
}
// A trip index or UINT32_MAX, the same way.
void optIndex(ByteWriter& w, std::uint32_t v) { w.varint(v == UINT32_MAX ? 0 : std::uint64_t{v} + 1); }
std::uint32_t optIndex(ByteReader& r, std::size_t limit, const char* what) {
  const std::uint64_t v = r.varint();
  if (v == 0) return UINT32_MAX;
  if (v - 1 >= limit)
    throw DecodeError(std::string(what) + " " + std::to_string(v - 1) + " does not exist (there are " +
                      std::to_string(limit) + ")");
  return static_cast<std::uint32_t>(v - 1);
}

void indices(ByteWriter& w, const std::vector<std::uint32_t>& v) {
  w.varint(v.size());
  for (std::uint32_t x : v) w.varint(x);
}
void indices(ByteReader& r, std::vector<std::uint32_t>& v, std::size_t limit, const char* what) {
  v.resize(r.count(1, what));
  for (std::uint32_t& x : v) x = r.index(limit, what);
}
void counts32(ByteWriter& w, const std::vector<std::uint32_t>& v) { indices(w, v); }
void counts32(ByteReader& r, std::vector<std::uint32_t>& v, const char* what) {
  v.resize(r.count(1, what));
  for (std::uint32_t& x : v) {
    const std::uint64_t n = r.varint();
    if (n > UINT32_MAX) throw DecodeError(std::string(what) + " out of range");
    x = static_cast<std::uint32_t>(n);
  }
}
void doubles(ByteWriter& w, const std::vector<double>& v) {
  w.varint(v.size());
  for (double x : v) w.f64(x);
}
void doubles(ByteReader& r, std::vector<double>& v, const char* what) {
  v.resize(r.count(8, what));
  for (double& x : v) x = r.f64();
}
std::uint32_t u32(ByteReader& r, const char* what) {
  const std::uint64_t n = r.varint();
  if (n > UINT32_MAX) throw DecodeError(std::string(what) + " out of range");
  return static_cast<std::uint32_t>(n);
}
std::uint16_t u16(ByteReader& r, const char* what) {
  const std::uint64_t n = r.varint();
  if (n > UINT16_MAX) throw DecodeError(std::string(what) + " out of range");
  return static_cast<std::uint16_t>(n);
}
bool flag(ByteReader& r, const char* what) {
  const std::uint8_t b = r.u8();
  if (b > 1) throw DecodeError(std::string(what) + " is neither 0 nor 1");
  return b != 0;
}
/// A route kept with a vehicle (after it re-routed, or a fleet vehicle's): roads of the network, no
/// more than kMaxRouteRoads of them, the bound on every route the engine drives.
std::vector<RoadId> route(ByteReader& r, std::size_t roads) {
  std::vector<RoadId> out = r.ids<RoadId>(roads, "road");
  if (out.size() > kMaxRouteRoads)
    throw DecodeError("a route of " + std::to_string(out.size()) + " roads, more than the " + std::to_string(kMaxRouteRoads) +
                      " a vehicle can drive");
  return out;
}
/// A count that must equal what the world built from the scenario has.
void expectCount(ByteReader& r, std::size_t n, const char* what) {
  const std::uint64_t got = r.varint();
  if (got != n)
    throw DecodeError("the checkpoint has " + std::to_string(got) + " " + what + ", the scenario " + std::to_string(n));
}

// Section tags, so that a reader out of step says where.
enum Section : std::uint8_t { kClock = 1, kVehicles, kSignals, kSensing, kEntry, kJunctionWork, kRoadWork, kTransit, kFleets, kStatistics, kEnd };
void section(ByteReader& r, Section s, const char* name) {
  if (r.u8() != s) throw DecodeError(std::string("the ") + name + " section is missing or out of place");
}

// ---- the clock --------------------------------------------------------------------------------

static_assert(sizeof(SimClock) == 24, "a field was added to SimClock: checkpoint it below");
void encode(ByteWriter& w, const SimClock& c) {
  w.u8(kClock);
  w.u64(c.steps);
  w.f64(c.nowS);
  w.f64(c.dtS);
}
void decode(ByteReader& r, SimClock& c) {
  section(r, kClock, "clock");
  c.steps = r.u64();
  c.nowS = r.f64();
  if (r.f64() != c.dtS) throw DecodeError("the checkpoint was taken with another step length");
}

// ---- vehicles ---------------------------------------------------------------------------------

static_assert(sizeof(Vehicle) == 64, "a field was added to Vehicle: checkpoint it below");
static_assert(sizeof(VehicleCold) == 56, "a field was added to VehicleCold: checkpoint it below");
static_assert(sizeof(TripMeasures) == 16, "a field was added to TripMeasures: checkpoint it below");
// 13 vectors: lanePlans and nextLaneReach are a cache of the routes (LanePlan), recomputed by a
// restored world; recordOf follows from tripOf;
// activeTracks and tallies are scratch of a step (rebuilt by each step; the tallies zero between steps).
static_assert(sizeof(Vehicles) == 13 * 24, "a member was added to Vehicles: checkpoint it below");

void encode(ByteWriter& w, const Vehicles& v) {
  w.u8(kVehicles);
  w.varint(v.hot.size());
  indices(w, v.tripOf);
  for (const Vehicle& x : v.hot) {
    w.f64(x.posM);
    w.f64(x.speedMps);
    w.f64(x.accelMps2);
    w.f64(x.limitM);
    w.f64(x.distanceM);
    w.f32(x.haltedS);
    optId(w, x.track);
    optId(w, x.nextConnector);
    optId(w, x.yieldTo);
    w.varint(x.routeIndex);
    w.varint(x.type);
    w.u8(x.flags);
    w.u8(x.laneChangeCooldown);
  }
  for (const VehicleCold& x : v.cold) {
    w.f64(x.enterS);
    w.f64(x.arriveS);
    w.f64(x.freeFlowS);
    w.f64(x.routeLengthM);
    w.f64(x.lastHaltDistanceM);
    w.varint(x.stops);
    w.f32(x.atLineS);
    w.u8(x.teleported ? 1 : 0);
  }
  for (const TripMeasures& x : v.measures) {
    w.f64(x.timeLossS);
    w.f32(x.waitingS);
    w.varint(x.waitingCount);
  }
  // routes: fixed by the scenario, except a fleet vehicle's (saved with the fleets) and a route
  // after a missed turn (saved here; restoring points the route at it).
  for (const auto& route : v.rerouted) w.ids(route);
  w.varint(v.occupants.size());
  for (const auto& occ : v.occupants) indices(w, occ);
  // The per-track tallies are zero between steps (account.cpp): nothing to save.
  indices(w, v.inBay);
}

void decode(ByteReader& r, const NetworkView& view, Vehicles& v) {
  section(r, kVehicles, "vehicles");
  const std::size_t trips = v.hot.size();
  const std::size_t connectors = view.tracks.size() - view.laneCount;
  expectCount(r, trips, "vehicles");
  // The trip each record holds: a permutation of the trips.
  indices(r, v.tripOf, trips, "trip of a vehicle record");
  if (v.tripOf.size() != trips) throw DecodeError("the checkpoint has another number of vehicle records");
  v.recordOf.assign(trips, UINT32_MAX);
  for (std::size_t i = 0; i < trips; ++i) {
    if (v.recordOf[v.tripOf[i]] != UINT32_MAX) throw DecodeError("two vehicle records hold one trip");
    v.recordOf[v.tripOf[i]] = static_cast<std::uint32_t>(i);
  }
  for (Vehicle& x : v.hot) {
    x.posM = r.f64();
    x.speedMps = r.f64();
    x.accelMps2 = r.f64();
    x.limitM = r.f64();
    x.distanceM = r.f64();
    x.haltedS = r.f32();
    x.track = optId<TrackId>(r, view.tracks.size(), "track");
    x.nextConnector = optId<ConnectorId>(r, connectors, "connector");
    x.yieldTo = optId<VehicleId>(r, trips, "vehicle");
    x.routeIndex = u16(r, "route index");
    x.type = static_cast<std::uint16_t>(r.index(view.scenario->vehicleTypes.size(), "vehicle type"));
    x.flags = r.u8();
    x.laneChangeCooldown = r.u8();
  }
  for (VehicleCold& x : v.cold) {
    x.enterS = r.f64();
    x.arriveS = r.f64();
    x.freeFlowS = r.f64();
    x.routeLengthM = r.f64();
    x.lastHaltDistanceM = r.f64();
    x.stops = u32(r, "stops");
    x.atLineS = r.f32();
    x.teleported = flag(r, "teleported");
  }
  for (TripMeasures& x : v.measures) {
    x.timeLossS = r.f64();
    x.waitingS = r.f32();
    x.waitingCount = u32(r, "waiting count");
  }
  // Records renumbered away from their trip's number take that trip's route (the world was built
  // with every record on the route of its own number), unless it was re-routed.
  const Demand& demand = view.scenario->demand;
  for (std::size_t i = 0; i < trips; ++i) {
    if (v.tripOf[i] != i) v.pointRoute(static_cast<std::uint32_t>(i), demand.routes.route(demand.trips[v.tripOf[i]].route));
    v.rerouted[i] = route(r, view.net->roads().size());
    if (!v.rerouted[i].empty()) v.setRoute(static_cast<std::uint32_t>(i), v.rerouted[i]);
  }
  expectCount(r, v.occupants.size(), "lanes and connectors");
  for (auto& occ : v.occupants) indices(r, occ, trips, "vehicle");
  indices(r, v.inBay, trips, "vehicle in a bay");
}

// ---- signals and sensing ----------------------------------------------------------------------

static_assert(sizeof(SignalController::Dynamic) == 56, "a field was added to SignalController::Dynamic: checkpoint it below");
static_assert(sizeof(PriorityRequest) == 16, "a field was added to PriorityRequest: checkpoint it below");
static_assert(sizeof(Signals) == 8 + 6 * 24, "a member was added to Signals: checkpoint it below");

void encode(ByteWriter& w, const Signals& s) {
  w.u8(kSignals);
  w.str(s.policy->name());
  const std::vector<std::uint8_t> policyState = s.policy->saveState();
  w.varint(policyState.size());
  w.bytes.insert(w.bytes.end(), policyState.begin(), policyState.end());
  w.varint(s.controllers.size());
  for (const SignalController& c : s.controllers) {
    const SignalController::Dynamic d = c.dynamicState();
    w.u8(static_cast<std::uint8_t>(d.stage));
    w.varint(static_cast<std::uint32_t>(d.phase));
    w.varint(static_cast<std::uint32_t>(d.next));
    w.f64(d.timeInStage);
    w.u8(d.started ? 1 : 0);
    w.u8(d.preempted ? 1 : 0);
    w.f64(d.extendedS);
    optIndex(w, d.earlyGreenFor);
    w.varint(d.preemptions);
    w.varint(d.transitExtensions);
    w.varint(d.transitEarlyGreens);
  }
  w.varint(s.movementStates.size());
  for (SignalState st : s.movementStates) w.u8(static_cast<std::uint8_t>(st));
  for (const auto& requests : s.controllerRequests) {
    w.varint(requests.size());
    for (const PriorityRequest& q : requests) {
      w.id(q.movement);
      w.u8(static_cast<std::uint8_t>(q.kind));
      w.f32(q.distanceM);
      w.varint(q.vehicle);
    }
  }
  indices(w, s.controllersWithRequests);
}

/// The policy's bytes are returned rather than restored: they go into the policy last, when
/// everything else has been read (see World::restore).
std::vector<std::uint8_t> decode(ByteReader& r, const NetworkView& view, std::size_t trips, Signals& s) {
  section(r, kSignals, "signals");
  const std::string policy = r.str("policy name");
  if (policy != s.policy->name())
    throw DecodeError("the checkpoint was taken under signal policy '" + policy + "', this world runs '" +
                      std::string(s.policy->name()) + "'");
  std::vector<std::uint8_t> policyState(r.count(1, "bytes of policy state"));
  for (std::uint8_t& b : policyState) b = r.u8();
  expectCount(r, s.controllers.size(), "signal controllers");
  for (SignalController& c : s.controllers) {
    SignalController::Dynamic d;
    const std::uint8_t stage = r.u8();
    if (stage > static_cast<std::uint8_t>(SignalController::Stage::AllRed)) throw DecodeError("unknown signal stage");
    d.stage = static_cast<SignalController::Stage>(stage);
    d.phase = static_cast<int>(u16(r, "phase"));
    d.next = static_cast<int>(u16(r, "phase"));
    d.timeInStage = r.f64();
    d.started = flag(r, "started");
    d.preempted = flag(r, "preempted");
    d.extendedS = r.f64();
    d.earlyGreenFor = optIndex(r, trips, "vehicle");
    d.preemptions = u32(r, "pre-emptions");
    d.transitExtensions = u32(r, "transit extensions");
    d.transitEarlyGreens = u32(r, "transit early greens");
    try {
      c.restoreDynamicState(d);
    } catch (const std::invalid_argument& e) {
      throw DecodeError("junction '" + view.net->junction(c.junction()).name + "': " + e.what());
    }
  }
  expectCount(r, s.movementStates.size(), "movements");
  for (SignalState& st : s.movementStates) {
    const std::uint8_t v = r.u8();
    if (v > static_cast<std::uint8_t>(SignalState::GreenProtected)) throw DecodeError("unknown signal state");
    st = static_cast<SignalState>(v);
  }
  for (auto& requests : s.controllerRequests) {
    requests.resize(r.count(4, "priority requests"));
    for (PriorityRequest& q : requests) {
      q.movement = r.id<MovementId>(view.net->movements().size(), "movement");
      const std::uint8_t kind = r.u8();
      if (kind > static_cast<std::uint8_t>(SignalPriority::Emergency)) throw DecodeError("unknown priority kind");
      q.kind = static_cast<SignalPriority>(kind);
      q.distanceM = r.f32();
      q.vehicle = r.index(trips, "vehicle");
    }
  }
  indices(r, s.controllersWithRequests, s.controllers.size(), "signal controller");
  return policyState;
}

static_assert(sizeof(LaneSensor) == 32, "a field was added to LaneSensor: checkpoint it below");
static_assert(sizeof(LaneObservation) == 36, "a field was added to LaneObservation: checkpoint it below");
static_assert(sizeof(LoopState) == 16, "a field was added to LoopState: checkpoint it below");
static_assert(sizeof(Sensing) == 8 + 5 * 24, "a member was added to Sensing: checkpoint it below");

void encode(ByteWriter& w, const LaneObservation& o) {
  optId(w, o.lane);
  w.varint(o.vehicles);
  w.varint(o.queue);
  w.varint(o.approaching);
  w.f32(o.occupancy);
  w.f32(o.waitingS);
  w.u8(o.detectorOccupied ? 1 : 0);
  w.f32(o.detectorGapS);
  w.varint(o.detectorCount);
  w.f32(o.flowVehPerH);
}
void decode(ByteReader& r, std::size_t lanes, LaneObservation& o) {
  o.lane = optId<LaneId>(r, lanes, "lane");
  o.vehicles = u16(r, "lane count");
  o.queue = u16(r, "lane count");
  o.approaching = u16(r, "lane count");
  o.occupancy = r.f32();
  o.waitingS = r.f32();
  o.detectorOccupied = flag(r, "detector occupied");
  o.detectorGapS = r.f32();
  o.detectorCount = u16(r, "detector count");
  o.flowVehPerH = r.f32();
}
void encodeObservations(ByteWriter& w, const std::vector<LaneObservation>& v) {
  w.varint(v.size());
  for (const LaneObservation& o : v) encode(w, o);
}
void decodeObservations(ByteReader& r, std::size_t lanes, std::vector<LaneObservation>& v) {
  v.resize(r.count(10, "lane observations"));
  for (LaneObservation& o : v) decode(r, lanes, o);
}

void encode(ByteWriter& w, const Sensing& s) {
  w.u8(kSensing);
  w.u8(s.enabled ? 1 : 0);
  w.varint(s.sensors.size());
  for (const LaneSensor& x : s.sensors) {
    w.f64(x.detectorPosM);
    w.f64(x.lastCrossS);
    w.varint(x.crossings);
    w.varint(x.baseline);
    w.varint(x.crossedLastStep);
    w.f32(x.flowVehPerH);
  }
  w.varint(s.loops.size());
  for (const LoopState& l : s.loops) {
    w.f64(l.stopbarOccupiedSinceS);
    w.f32(l.advanceOccupancy);
  }
  encodeObservations(w, s.laneObs);
  w.varint(s.controllerIncoming.size());
  for (const auto& v : s.controllerIncoming) encodeObservations(w, v);
  w.varint(s.controllerOutgoing.size());
  for (const auto& v : s.controllerOutgoing) encodeObservations(w, v);
}
void decode(ByteReader& r, const NetworkView& view, Sensing& s) {
  section(r, kSensing, "sensing");
  s.enabled = flag(r, "sensing enabled");
  const std::size_t sensors = r.count(20, "lane sensors");
  if (sensors != 0 && sensors != view.laneCount) throw DecodeError("the checkpoint has sensors for another number of lanes");
  s.sensors.resize(sensors);
  for (LaneSensor& x : s.sensors) {
    x.detectorPosM = r.f64();
    x.lastCrossS = r.f64();
    x.crossings = u32(r, "crossings");
    x.baseline = u32(r, "crossings");
    x.crossedLastStep = u32(r, "crossings");
    x.flowVehPerH = r.f32();
  }
  if (s.enabled && sensors == 0) throw DecodeError("sensing is on but the checkpoint has no sensors");
  const std::size_t loops = r.count(12, "loop states");
  if (loops != 0 && loops != view.laneCount) throw DecodeError("the checkpoint has loops for another number of lanes");
  s.loops.resize(loops);
  for (LoopState& l : s.loops) {
    l.stopbarOccupiedSinceS = r.f64();
    l.advanceOccupancy = r.f32();
  }
  decodeObservations(r, view.laneCount, s.laneObs);
  if (!s.laneObs.empty() && s.laneObs.size() != view.laneCount) throw DecodeError("lane observations for another network");
  expectCount(r, s.controllerIncoming.size(), "signal controllers");
  for (auto& v : s.controllerIncoming) decodeObservations(r, view.laneCount, v);
  expectCount(r, s.controllerOutgoing.size(), "signal controllers");
  for (auto& v : s.controllerOutgoing) decodeObservations(r, view.laneCount, v);
}

// ---- entry queues and the phases' scratch ------------------------------------------------------

// closedLanes is scratch of one road's walk in the insertion phase, not state between steps.
static_assert(sizeof(EntryQueues) == 8 + 3 * 24, "a member was added to EntryQueues: checkpoint it below");
void encode(ByteWriter& w, const EntryQueues& e) {
  w.u8(kEntry);
  w.varint(e.nextTrip);
  w.varint(e.entryQueues.size());
  for (const auto& q : e.entryQueues) indices(w, q);
  indices(w, e.roadsWithQueue);
}
void decode(ByteReader& r, std::size_t trips, std::size_t roads, EntryQueues& e) {
  section(r, kEntry, "entry queues");
  e.nextTrip = r.varint();
  if (e.nextTrip > trips) throw DecodeError("the next trip to release is past the last trip");
  expectCount(r, e.entryQueues.size(), "roads");
  for (auto& q : e.entryQueues) indices(r, q, trips, "vehicle");
  indices(r, e.roadsWithQueue, roads, "road");
}

// firstGrant and insideHeld are reset by each junction before it arbitrates (and insideHeld is
// read only by the plan phase of the same step), mergeWaitM is computed in the
// arbitrate phase before any junction reads it, and activeJunctions is built by the transfer phase
// for the account phase: scratch within one step. `idle`, roomRoads and busyJunctions only spare
// idle junctions and empty roads a visit; a restored world starts with none idle and visits them
// all (recomputeAll).
static_assert(sizeof(JunctionWork) == 9 * 24 + 3 * sizeof(IndexSet) + 8, "a member was added to JunctionWork: checkpoint it below");
void encode(ByteWriter& w, const JunctionWork& j) {
  w.u8(kJunctionWork);
  doubles(w, j.reservedM);
  doubles(w, j.laneRoomM);
  w.varint(j.junctionScratch.size());
  for (const auto& v : j.junctionScratch) counts32(w, v);
  counts32(w, j.arrivalsByJunction);
  counts32(w, j.clampsByJunction);
}
void decode(ByteReader& r, JunctionWork& j) {
  section(r, kJunctionWork, "junction scratch");
  auto sized = [&r](auto& v, const char* what) {
    const std::size_t n = v.size();
    if constexpr (std::is_same_v<typename std::decay_t<decltype(v)>::value_type, double>) doubles(r, v, what);
    else counts32(r, v, what);
    if (v.size() != n) throw DecodeError(std::string("the checkpoint has another number of ") + what);
  };
  sized(j.reservedM, "tracks");
  sized(j.laneRoomM, "lanes");
  expectCount(r, j.junctionScratch.size(), "junctions");
  for (auto& v : j.junctionScratch) counts32(r, v, "junction scratch");
  sized(j.arrivalsByJunction, "junctions");
  sized(j.clampsByJunction, "junctions");
  std::fill(j.idle.begin(), j.idle.end(), std::uint8_t{0});  // the restored room is arbitrated afresh
  j.recomputeAll = true;
}

// 4 vectors, a counter and the router for missed turns (a memo, built again when needed);
// activeRoads is scratch of a step (the lane-change phase's roads, for the account phase).
static_assert(sizeof(RoadWork) == 3 * 24 + sizeof(IndexSet) + 8 + 8, "a member was added to RoadWork: checkpoint it below");
void encode(ByteWriter& w, const RoadWork& rw) {
  w.u8(kRoadWork);
  w.varint(rw.roadScratch.size());
  for (const auto& v : rw.roadScratch) counts32(w, v);
  counts32(w, rw.laneChangesByRoad);
  for (const auto& v : rw.missedTurns) counts32(w, v);
  w.varint(rw.reroutedMissedTurns);
}
void decode(ByteReader& r, RoadWork& rw) {
  section(r, kRoadWork, "road scratch");
  expectCount(r, rw.roadScratch.size(), "roads");
  for (auto& v : rw.roadScratch) counts32(r, v, "road scratch");
  const std::size_t n = rw.laneChangesByRoad.size();
  counts32(r, rw.laneChangesByRoad, "lane changes");
  if (rw.laneChangesByRoad.size() != n) throw DecodeError("the checkpoint has another number of roads");
  for (auto& v : rw.missedTurns) counts32(r, v, "missed turns");
  rw.reroutedMissedTurns = r.varint();
}

// ---- transit and fleets -------------------------------------------------------------------------

static_assert(sizeof(RideDistances) == 24, "a field was added to RideDistances: checkpoint it below");
void encode(ByteWriter& w, const RideDistances& d) {
  w.f64(d.passengerMetres);
  w.f64(d.emptyMetres);
  w.f64(d.lastDistanceM);
}
void decode(ByteReader& r, RideDistances& d) {
  d.passengerMetres = r.f64();
  d.emptyMetres = r.f64();
  d.lastDistanceM = r.f64();
}

static_assert(sizeof(TransitRun) == 144, "a field was added to TransitRun: checkpoint it below");
static_assert(sizeof(PassengerState) == 24, "a field was added to PassengerState: checkpoint it below");
static_assert(sizeof(TransitState) == 5 * 24 + 8, "a member was added to TransitState: checkpoint it below");
void encode(ByteWriter& w, const TransitState& t) {
  w.u8(kTransit);
  w.varint(t.runs.size());
  for (const TransitRun& run : t.runs) {
    w.varint(run.nextStop);
    w.u8(run.asksPriority ? 1 : 0);
    w.varint(run.alightedHere);
    w.varint(run.boardedHere);
    w.f64(run.dwellLeftS);
    w.f64(run.holdUntilS);
    indices(w, run.onboard);
    doubles(w, run.arriveS);
    doubles(w, run.departS);
    w.varint(run.boarded);
    w.varint(run.maxLoad);
    encode(w, run.ride);
  }
  w.varint(t.passengers.size());
  for (const PassengerState& p : t.passengers) {
    w.f64(p.boardS);
    w.f64(p.alightS);
    optIndex(w, p.vehicle);
  }
  w.varint(t.nextPassenger);
  w.varint(t.waiting.size());
  for (const auto& q : t.waiting) indices(w, q);
}
void decode(ByteReader& r, const NetworkView& view, std::size_t trips, TransitState& t) {
  section(r, kTransit, "transit");
  expectCount(r, t.runs.size(), "transit runs");
  const std::size_t passengers = t.passengers.size();
  for (TransitRun& run : t.runs) {
    run.nextStop = u16(r, "next stop");
    if (run.nextStop > view.scenario->transit.lines[run.line].stops.size()) throw DecodeError("next stop out of range");
    run.asksPriority = flag(r, "asks priority");
    run.alightedHere = u32(r, "alighted");
    run.boardedHere = u32(r, "boarded");
    run.dwellLeftS = r.f64();
    run.holdUntilS = r.f64();
    indices(r, run.onboard, passengers, "passenger");
    const std::size_t stops = run.arriveS.size();
    doubles(r, run.arriveS, "stop times");
    doubles(r, run.departS, "stop times");
    if (run.arriveS.size() != stops || run.departS.size() != stops) throw DecodeError("a run with another number of stops");
    run.boarded = u32(r, "boarded");
    run.maxLoad = u32(r, "load");
    decode(r, run.ride);
  }
  expectCount(r, passengers, "passengers");
  for (PassengerState& p : t.passengers) {
    p.boardS = r.f64();
    p.alightS = r.f64();
    p.vehicle = optIndex(r, trips, "vehicle");
  }
  t.nextPassenger = r.varint();
  if (t.nextPassenger > passengers) throw DecodeError("the next passenger is past the last one");
  expectCount(r, t.waiting.size(), "transit stop queues");
  for (auto& q : t.waiting) indices(r, q, passengers, "passenger");
}

static_assert(sizeof(FleetVehicle) == 152, "a field was added to FleetVehicle: checkpoint it below");
static_assert(sizeof(PlannedStop) == 12, "a field was added to PlannedStop: checkpoint it below");
static_assert(sizeof(RequestState) == 80, "a field was added to RequestState: checkpoint it below");
void encode(ByteWriter& w, const FleetState& f) {
  w.u8(kFleets);
  w.varint(f.fleetVehicles.size());
  for (const FleetVehicle& fv : f.fleetVehicles) {
    w.varint(fv.plan.size());
    for (const PlannedStop& p : fv.plan) {
      w.id(p.road);
      optIndex(w, p.request);  // none for a stop without a rider (rebalancing, parking)
      w.u8(p.pickup ? 1 : 0);
    }
    indices(w, fv.onboard);
    w.ids(fv.route);
    w.f64(fv.dwellLeftS);
    encode(w, fv.ride);
    w.f64(fv.busyS);
    w.f64(fv.occupiedS);
    w.varint(fv.stopsMade);
    w.varint(fv.riders);
    w.varint(fv.maxLoad);
  }
  w.varint(f.requests.size());
  for (const RequestState& q : f.requests) {
    w.u8(static_cast<std::uint8_t>(q.status));
    optIndex(w, q.vehicle);
    w.f64(q.pickupS);
    w.f64(q.dropoffS);
    w.f64(q.plannedPickupS);
    w.f64(q.directS);
    w.varint(q.replans);
    w.str(q.reason);
  }
  w.varint(f.nextRequest);
  doubles(w, f.nextRebalanceS);
  // Travel times from current conditions. waysTo, travelCache and kerbTravelCache are memos, cleared
  // whenever roadTimeS and exitDelayS are refreshed, so recomputing them from the saved estimates
  // gives the same values; roadFreeS, usableMovements and movementsInto come from the scenario.
  doubles(w, f.roadSpeedSum);
  doubles(w, f.roadVehicleS);
  doubles(w, f.movementDelaySum);
  doubles(w, f.movementExits);
  doubles(w, f.movementSeenS);
  doubles(w, f.crossedLineS);
  w.varint(f.crossedInto.size());
  for (std::uint32_t road : f.crossedInto) optIndex(w, road);
  w.f64(f.nextEstimateS);
  w.f64(f.nextReplanS);
  w.varint(f.roadTimeS.size());
  for (const auto& times : f.roadTimeS) doubles(w, times);
  doubles(w, f.exitDelayS);
}
void decode(ByteReader& r, const NetworkView& view, std::size_t trips, FleetState& f) {
  section(r, kFleets, "fleets");
  expectCount(r, f.fleetVehicles.size(), "fleet vehicles");
  const std::size_t requests = f.requests.size();
  const std::size_t roads = view.net->roads().size();
  for (FleetVehicle& fv : f.fleetVehicles) {
    fv.plan.resize(r.count(3, "planned stops"));
    for (PlannedStop& p : fv.plan) {
      p.road = r.id<RoadId>(roads, "road");
      p.request = optIndex(r, requests, "ride request");
      p.pickup = flag(r, "pickup");
    }
    indices(r, fv.onboard, requests, "ride request");
    fv.route = route(r, roads);
    fv.dwellLeftS = r.f64();
    decode(r, fv.ride);
    fv.busyS = r.f64();
    fv.occupiedS = r.f64();
    fv.stopsMade = u32(r, "stops");
    fv.riders = u32(r, "riders");
    fv.maxLoad = u32(r, "load");
  }
  expectCount(r, requests, "ride requests");
  for (RequestState& q : f.requests) {
    const std::uint8_t status = r.u8();
    if (status > static_cast<std::uint8_t>(RequestStatus::Rejected)) throw DecodeError("unknown request status");
    q.status = static_cast<RequestStatus>(status);
    q.vehicle = optIndex(r, trips, "vehicle");
    q.pickupS = r.f64();
    q.dropoffS = r.f64();
    q.plannedPickupS = r.f64();
    q.directS = r.f64();
    q.replans = u32(r, "re-plans");
    q.reason = r.str("reason");
  }
  f.nextRequest = r.varint();
  if (f.nextRequest > requests) throw DecodeError("the next ride request is past the last one");
  const std::size_t fleets = f.nextRebalanceS.size();
  doubles(r, f.nextRebalanceS, "fleets");
  if (f.nextRebalanceS.size() != fleets) throw DecodeError("the checkpoint has another number of fleets");
  const std::size_t speedRoads = f.roadSpeedSum.size();
  doubles(r, f.roadSpeedSum, "roads");
  doubles(r, f.roadVehicleS, "roads");
  if (f.roadSpeedSum.size() != speedRoads || f.roadVehicleS.size() != speedRoads)
    throw DecodeError("the checkpoint has road speeds for another network");
  const std::size_t movements = f.movementDelaySum.size();
  doubles(r, f.movementDelaySum, "movements");
  doubles(r, f.movementExits, "movements");
  doubles(r, f.movementSeenS, "movements");
  if (f.movementDelaySum.size() != movements || f.movementExits.size() != movements || f.movementSeenS.size() != movements)
    throw DecodeError("the checkpoint has movement delays for another network");
  const std::size_t vehicles = f.crossedLineS.size();
  doubles(r, f.crossedLineS, "vehicles");
  if (f.crossedLineS.size() != vehicles) throw DecodeError("the checkpoint has stop-line crossings for another number of vehicles");
  expectCount(r, f.crossedInto.size(), "vehicles");
  for (std::uint32_t& road : f.crossedInto) road = optIndex(r, roads, "road");
  f.nextEstimateS = r.f64();
  f.nextReplanS = r.f64();
  expectCount(r, f.roadTimeS.size(), "fleets");
  for (auto& times : f.roadTimeS) {
    const std::size_t n = times.size();
    doubles(r, times, "roads");
    if (times.size() != n) throw DecodeError("the checkpoint has road times for another network");
  }
  doubles(r, f.exitDelayS, "movements");
  if (f.exitDelayS.size() != movements) throw DecodeError("the checkpoint has movement delays for another network");
  for (auto& memo : f.waysTo) memo.clear();
  for (auto& cache : f.travelCache) cache.clear();
  for (auto& cache : f.kerbTravelCache) cache.clear();
}

// ---- statistics ----------------------------------------------------------------------------------

static_assert(sizeof(VehicleCounts) == 12 * 8, "a counter was added to VehicleCounts: checkpoint it below");
static_assert(sizeof(TimeseriesRow) == 48 + 4 * kVehicleClassCount + (kVehicleClassCount % 2 == 0 ? 0 : 4),
              "a field was added to TimeseriesRow: checkpoint it below");
void encode(ByteWriter& w, const Statistics& s) {
  w.u8(kStatistics);
  const VehicleCounts& c = s.counts;
  for (std::uint64_t x : {c.spawned, c.entered, c.arrived, c.running, c.waitingToEnter, c.teleported, c.gridlockReports,
                          c.laneChanges, c.hardBrakes, c.clampedMoves, c.reroutedMissedTurns, c.haltedInBox})
    w.varint(x);
  w.varint(s.vehicleUpdates);
  w.f64(s.speedSumMps);
  w.varint(s.timeseries.size());
  for (const TimeseriesRow& row : s.timeseries) {
    w.f64(row.timeS);
    w.varint(row.running);
    w.varint(row.waitingToEnter);
    w.varint(row.arrived);
    w.f64(row.meanSpeedMps);
    w.f64(row.delayIndex);
    for (std::uint32_t n : row.runningByClass) w.varint(n);
    w.varint(row.passengersWaiting);
    w.varint(row.passengersOnBoard);
  }
  w.f64(s.nextTimeseriesS);
  // profile: wall time, not state.
  counts32(w, s.stuckScratch);
  w.str(s.overDecel);
}
void decode(ByteReader& r, Statistics& s) {
  section(r, kStatistics, "statistics");
  VehicleCounts& c = s.counts;
  for (std::uint64_t* x : {&c.spawned, &c.entered, &c.arrived, &c.running, &c.waitingToEnter, &c.teleported,
                           &c.gridlockReports, &c.laneChanges, &c.hardBrakes, &c.clampedMoves, &c.reroutedMissedTurns,
                           &c.haltedInBox})
    *x = r.varint();
  s.vehicleUpdates = r.varint();
  s.speedSumMps = r.f64();
  s.timeseries.resize(r.count(24, "time series rows"));
  for (TimeseriesRow& row : s.timeseries) {
    row.timeS = r.f64();
    row.running = u32(r, "count");
    row.waitingToEnter = u32(r, "count");
    row.arrived = r.varint();
    row.meanSpeedMps = r.f64();
    row.delayIndex = r.f64();
    for (std::uint32_t& n : row.runningByClass) n = u32(r, "count");
    row.passengersWaiting = u32(r, "count");
    row.passengersOnBoard = u32(r, "count");
  }
  s.nextTimeseriesS = r.f64();
  counts32(r, s.stuckScratch, "stuck scratch");
  s.overDecel = r.str("deceleration report");
}

// The engine's bookkeeping, checked after decoding: every listed vehicle records the track it is
// listed on and is listed once; vehicles in bays are off every list; running vehicles are on
// routes long enough for their route index. (Everything else a phase indexes was range-checked.)
void checkConsistent(const State& s) {
  std::vector<std::uint8_t> seen(s.vehicles.hot.size(), 0);
  for (std::size_t t = 0; t < s.vehicles.occupants.size(); ++t)
    for (std::uint32_t id : s.vehicles.occupants[t]) {
      if (seen[id]++) throw DecodeError("vehicle " + std::to_string(id) + " is listed twice");
      if (s.vehicles.hot[id].track != TrackId(t))
        throw DecodeError("vehicle " + std::to_string(id) + " is listed on track " + std::to_string(t) +
                          " but records another");
    }
  for (std::uint32_t id : s.vehicles.inBay)
    if (seen[id]++) throw DecodeError("vehicle " + std::to_string(id) + " is both in a bay and on a lane");
  const auto& trips = s.view.scenario->demand.trips;
  for (std::size_t i = 0; i < s.vehicles.hot.size(); ++i) {
    const Vehicle& v = s.vehicles.hot[i];
    if ((v.flags & kInNetwork) && !seen[i]) throw DecodeError("vehicle " + std::to_string(i) + " is nowhere");
    if ((v.flags & kInNetwork) && v.routeIndex >= s.vehicles.routes[i].size())
      throw DecodeError("vehicle " + std::to_string(i) + " is past the end of its route");
    // A record serves a transit line or a fleet (its stops, bays and dispatcher, which index their
    // own tables by it) exactly when its trip is a transit run's or a fleet vehicle's.
    const std::uint32_t tripIndex = s.vehicles.tripOf[i];
    const Trip& trip = trips[tripIndex];
    if (((v.flags & engine::kTransit) != 0) != (trip.line != UINT32_MAX) || ((v.flags & engine::kFleet) != 0) != (trip.fleet != UINT32_MAX))
      throw DecodeError("vehicle " + std::to_string(i) + " is marked as serving transit or a fleet against its trip");
    // Only ordinary vehicles that have departed trade records (renumber.cpp); the transit runs, the
    // fleets, the signals' priority list and the entry queues index the others by trip.
    if (tripIndex != i && (i >= s.entry.nextTrip || tripIndex >= s.entry.nextTrip ||
                           (v.flags & (engine::kTransit | engine::kFleet)) ||
                           s.view.type(v).signalPriority != SignalPriority::None || trip.type.index() != v.type))
      throw DecodeError("vehicle record " + std::to_string(i) + " holds a trip it cannot hold");
  }
  for (std::size_t t = 0; t < s.transit.runs.size(); ++t)
    for (std::uint32_t p : s.transit.runs[t].onboard)
      if (p >= s.transit.passengers.size()) throw DecodeError("passenger out of range");
}

void putU32(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void putU64(std::vector<std::uint8_t>& out, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

// ---- the scenario's fingerprint -----------------------------------------------------------------

std::uint64_t scenarioFingerprint(const Scenario& sc) {
  std::uint64_t h = hashName("trafficsim checkpoint");
  auto num = [&h](std::uint64_t x) { h = mix(h, x); };
  auto real = [&](double x) { num(std::bit_cast<std::uint64_t>(x)); };
  auto text = [&](std::string_view s) { num(hashName(s)); };
  text(sc.name);
  num(sc.seed);
  real(sc.stepS);
  real(sc.durationS);
  text(sc.signalPolicy.name);
  for (const auto& [key, value] : sc.signalPolicy.params) {
    text(key);
    real(value);
  }
  for (double x : {sc.signalTiming.yellowS, sc.signalTiming.allRedS, sc.signalTiming.minGreenS,
                   sc.signalSensing.approachDistanceM, sc.signalSensing.detectorDistanceM, sc.signalSensing.flowWindowS,
                   sc.priorityRules.emergencyDistanceM, sc.priorityRules.transitDistanceM,
                   sc.priorityRules.transitMaxExtensionS, sc.gridlockTimeoutS, sc.timeseriesIntervalS})
    real(x);
  num(sc.signalSensing.detectors.size());
  if (sc.signalTiming.mapClearance) num(hashName("map clearance"));  // (absent before it existed: old fingerprints hold)
  num((sc.priorityRules.emergencyPreemption ? 1u : 0u) | (sc.priorityRules.transitPriority ? 2u : 0u) |
      (sc.laneChanging ? 4u : 0u) | (static_cast<unsigned>(sc.gridlockAction) << 3));
  const RoadNetwork& net = *sc.network;
  num(net.junctions().size());
  num(net.roads().size());
  num(net.movements().size());
  num(net.connectors().size());
  for (const Lane& l : net.lanes()) {
    real(l.lengthM);
    real(l.speedLimitMps);
  }
  for (const Junction& j : net.junctions()) {
    num(j.program ? j.program->phases.size() : 0);
    if (sc.signalTiming.mapClearance && j.program)
      for (const SignalPhase& p : j.program->phases) {
        real(p.yellowAfterS);
        real(p.allRedAfterS);
      }
  }
  for (const VehicleType& t : sc.vehicleTypes) {
    text(t.name);
    for (double x : {t.lengthM, t.maxSpeedMps, t.accelMps2, t.comfortDecelMps2, t.minGapM, t.headwayS, t.speedFactor})
      real(x);
  }
  num(sc.demand.trips.size());
  for (const Trip& t : sc.demand.trips) {
    text(t.id);
    num(t.type.value);
    real(t.departS);
    for (RoadId r : sc.demand.routes.route(t.route)) num(r.value);
  }
  num(sc.transit.lines.size());
  for (const TransitLine& l : sc.transit.lines) {  // the rules a resumed run must keep
    num(static_cast<unsigned>(l.holding) | (static_cast<unsigned>(l.fare) << 2) | (unsigned{l.doors} << 4));
    real(l.holdingHeadwayRatio);
    for (double stand : l.standS) real(stand);  // none for lines of a scenario file
  }
  num(sc.transit.passengers.size());
  for (const Passenger& p : sc.transit.passengers) real(p.arriveS);
  num(sc.fleets.fleets.size());
  num(sc.fleets.requests.size());
  for (const RideRequest& q : sc.fleets.requests) real(q.timeS);
  return h;
}

CheckpointHeader readCheckpointHeader(std::span<const std::uint8_t> bytes, const std::string& source) {
  auto fail = [&source](const std::string& reason) { return LoadError(source, "checkpoint", reason); };
  if (bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw fail(bytes.size() < kHeaderBytes && bytes.size() >= sizeof kMagic &&
                       std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0
                   ? "the file ends inside its header (truncated)"
                   : "not a trafficsim checkpoint (it does not start with the checkpoint signature)");
  ByteReader r(bytes.subspan(sizeof kMagic));
  CheckpointHeader h;
  h.version = r.u32();
  if (h.version != kCheckpointVersion)
    throw fail("written in checkpoint format " + std::to_string(h.version) + ", this trafficsim reads format " +
               std::to_string(kCheckpointVersion) + "; take the checkpoint again with this version");
  h.fingerprint = r.u64();
  h.steps = r.u64();
  h.timeS = r.f64();
  const std::uint64_t length = r.u64();
  const std::uint64_t checksum = r.u64();
  if (length != bytes.size() - kHeaderBytes)
    throw fail("the payload should be " + std::to_string(length) + " bytes but " +
               std::to_string(bytes.size() - kHeaderBytes) + " follow the header (truncated or appended to)");
  if (fnv1a(bytes.subspan(kHeaderBytes)) != checksum) throw fail("the checksum does not match: the file is corrupted");
  return h;
}

// ---- World ---------------------------------------------------------------------------------------

std::vector<std::uint8_t> World::checkpoint() const {
  const State& s = *m;
  ByteWriter w;
  w.bytes.assign(kHeaderBytes, 0);
  encode(w, s.clock);
  encode(w, s.vehicles);
  encode(w, s.signals);
  encode(w, s.sensing);
  encode(w, s.entry);
  encode(w, s.junctionWork);
  encode(w, s.roadWork);
  encode(w, s.transit);
  encode(w, s.fleets);
  encode(w, s.stats);
  w.u8(kEnd);
  std::vector<std::uint8_t> out = std::move(w.bytes);
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  putU32(out, 8, kCheckpointVersion);
  putU64(out, 12, scenarioFingerprint(*s.view.scenario));
  putU64(out, 20, s.clock.steps);
  putU64(out, 28, std::bit_cast<std::uint64_t>(s.clock.nowS));
  putU64(out, 36, out.size() - kHeaderBytes);
  putU64(out, 44, fnv1a(std::span<const std::uint8_t>(out).subspan(kHeaderBytes)));
  return out;
}

void World::restore(std::span<const std::uint8_t> bytes, const std::string& source) {
  const Scenario& scenario = *m->view.scenario;
  const CheckpointHeader header = readCheckpointHeader(bytes, source);
  if (header.fingerprint != scenarioFingerprint(scenario))
    throw LoadError(source, "checkpoint",
                    "taken from another scenario than '" + scenario.name +
                        "' (or the same one with another seed, duration, policy or override); restore it into a "
                        "run of the scenario it was taken from");
  // Decode into a fresh world of the same scenario, which builds the tables that are not saved,
  // and give it this world's policy object (set with setSignalPolicy, perhaps, and referred to
  // from outside). The policy goes back if anything is refused.
  World fresh(scenario, m->exec.options);
  State& s = *fresh.m;
  std::swap(s.signals.policy, m->signals.policy);
  try {
    enableSensing(s.view, s.signals, s.sensing);
    ByteReader r(bytes.subspan(kHeaderBytes));
    const std::size_t trips = s.vehicles.hot.size();
    decode(r, s.clock);
    decode(r, s.view, s.vehicles);
    std::vector<std::uint8_t> policyState = decode(r, s.view, trips, s.signals);
    decode(r, s.view, s.sensing);
    decode(r, trips, s.view.net->roads().size(), s.entry);
    decode(r, s.junctionWork);
    decode(r, s.roadWork);
    decode(r, s.view, trips, s.transit);
    decode(r, s.view, trips, s.fleets);
    decode(r, s.stats);
    if (r.u8() != kEnd || !r.atEnd()) throw DecodeError("the data goes on after the last section");
    for (FleetVehicle& fv : s.fleets.fleetVehicles) s.vehicles.pointRoute(fv.vehicle, fv.route);
    if (s.clock.steps != header.steps) throw DecodeError("the header and the clock disagree on the step");
    checkConsistent(s);
    try {
      s.signals.policy->restoreState(policyState);
    } catch (const std::invalid_argument& e) {
      throw DecodeError(e.what());
    }
  } catch (const DecodeError& e) {
    std::swap(s.signals.policy, m->signals.policy);
    throw LoadError(source, "checkpoint", e.what());
  } catch (...) {
    std::swap(s.signals.policy, m->signals.policy);
    throw;
  }
  std::swap(m, fresh.m);
}

}  // namespace traffic
