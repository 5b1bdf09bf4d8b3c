// World: construction, the step sequence, accounting and the read-only views (summary, trips,
// snapshot, hash, invariants). The phases themselves live in junction.cpp, lane.cpp,
// lane_change.cpp and insertion.cpp.
#include "traffic/world.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <sstream>

#include <oneapi/tbb/info.h>

#include "log.h"
#include "traffic/errors.h"
#include "world_state.h"

namespace traffic {

using namespace engine;

struct World::Impl : State {};

namespace {

template <class F>
void timed(double& acc, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  acc += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

namespace engine {

namespace {

// Reads the virtual sensors of every lane (for policies that observe traffic).
void senseLanes(State& s) {
  const SignalSensing& sensing = s.scenario->signalSensing;
  const double decay = std::min(1.0, s.dtS / sensing.flowWindowS);
  s.forEach(s.laneCount, 64, [&](std::size_t lane) {
    LaneSensor& sensor = s.sensors[lane];
    LaneObservation& o = s.laneObs[lane];
    const double length = s.tracks[lane].lengthM;
    o.lane = LaneId(lane);
    o.vehicles = static_cast<std::uint16_t>(std::min<std::size_t>(s.occupants[lane].size(), UINT16_MAX));
    std::uint32_t queue = 0, approaching = 0;
    double used = 0, waiting = 0;
    bool occupied = false;
    for (std::uint32_t id : s.occupants[lane]) {
      const Vehicle& v = s.vehicles[id];
      const VehicleType& t = s.type(v);
      used += t.lengthM + t.minGapM;
      if (v.speedMps < kHaltingSpeedMps) {
        ++queue;
        waiting += v.haltedS;
      }
      if (length - v.posM <= sensing.approachDistanceM) ++approaching;
      occupied = occupied || (v.posM >= sensor.detectorPosM && v.posM - t.lengthM <= sensor.detectorPosM);
    }
    o.queue = static_cast<std::uint16_t>(std::min<std::uint32_t>(queue, UINT16_MAX));
    o.approaching = static_cast<std::uint16_t>(std::min<std::uint32_t>(approaching, UINT16_MAX));
    o.occupancy = static_cast<float>(used / length);
    o.waitingS = static_cast<float>(waiting);
    o.detectorOccupied = occupied;
    o.detectorGapS = static_cast<float>(s.nowS - sensor.lastCrossS);
    o.detectorCount = static_cast<std::uint16_t>(std::min<std::uint32_t>(sensor.crossings - sensor.baseline, UINT16_MAX));
    sensor.flowVehPerH = static_cast<float>((1.0 - decay) * sensor.flowVehPerH +
                                            decay * sensor.crossedLastStep * 3600.0 / s.dtS);
    o.flowVehPerH = sensor.flowVehPerH;
  });
}

// Each vehicle whose type asks for signal priority asks every signalised junction it will reach
// within its reach along its route. Serial: such vehicles are few, and walking them in id order
// fixes the order of each junction's requests.
void collectPriorityRequests(State& s) {
  for (std::uint32_t c : s.controllersWithRequests) s.controllerRequests[c].clear();
  s.controllersWithRequests.clear();
  const RoadNetwork& net = *s.net;
  const PriorityRules& rules = s.scenario->priorityRules;
  for (std::uint32_t id : s.priorityVehicles) {
    const Vehicle& v = s.vehicles[id];
    if (!(v.flags & kInNetwork)) continue;
    const SignalPriority kind = s.type(v).signalPriority;
    const bool enabled = kind == SignalPriority::Emergency ? rules.emergencyPreemption : rules.transitPriority;
    if (!enabled) continue;
    // A run of a line asks only when it is late (TransitLine::priorityWhenLateS).
    if ((v.flags & kTransit) && !s.runs[s.runOfVehicle[id]].asksPriority) continue;
    const double reach = kind == SignalPriority::Emergency ? rules.emergencyDistanceM : rules.transitDistanceM;
    const auto route = s.routes[id];
    const Track& track = s.tracks[v.track];
    // Distance to the stop line at the end of route road k (on a connector, k is the road being
    // entered).
    std::size_t k = v.routeIndex;
    double distance = track.lengthM - v.posM + (track.isConnector() ? net.road(route[k]).lengthM : 0.0);
    for (; distance <= reach && k + 1 < route.size(); ++k, distance += net.road(route[k]).lengthM) {
      const std::int32_t c = s.controllerOfJunction[net.road(route[k]).to.index()];
      if (c < 0) continue;
      const auto movement = net.movementBetween(route[k], route[k + 1]);
      if (!movement) continue;
      auto& requests = s.controllerRequests[static_cast<std::size_t>(c)];
      if (requests.empty()) s.controllersWithRequests.push_back(static_cast<std::uint32_t>(c));
      requests.push_back(PriorityRequest{*movement, kind, static_cast<float>(distance), id});
    }
  }
}

}  // namespace

void updateSignals(State& s) {
  if (s.sensing) senseLanes(s);
  if (!s.priorityVehicles.empty()) collectPriorityRequests(s);
  const RoadNetwork& net = *s.net;
  s.forEach(s.controllers.size(), 32, [&](std::size_t i) {
    SignalController& controller = s.controllers[i];
    SignalObservation sensed;
    sensed.network = &net;
    if (s.sensing) {
      const Junction& j = net.junction(controller.junction());
      auto gather = [&](const std::vector<RoadId>& roads, std::vector<LaneObservation>& out) {
        out.clear();
        for (RoadId r : roads)
          for (LaneId l : net.road(r).lanes) out.push_back(s.laneObs[l.index()]);
      };
      gather(j.incoming, s.controllerIncoming[i]);
      gather(j.outgoing, s.controllerOutgoing[i]);
      sensed.incoming = s.controllerIncoming[i];
      sensed.outgoing = s.controllerOutgoing[i];
      sensed.allLanes = s.laneObs;
    }
    sensed.requests = s.controllerRequests[i];
    controller.update(s.nowS, s.dtS, *s.policy, s.movementStates, sensed);
    if (s.sensing && controller.greenJustStarted()) {
      // Detector counts restart with each green; the junction owns its incoming lanes' sensors.
      for (RoadId r : net.junction(controller.junction()).incoming)
        for (LaneId l : net.road(r).lanes) s.sensors[l.index()].baseline = s.sensors[l.index()].crossings;
    }
  });
}

namespace {

// Move a stuck vehicle ahead along its route to the first road with room at its start; a vehicle
// on the last road of its route leaves the network. Returns false when no road ahead has room.
bool teleport(State& s, std::uint32_t id) {
  const RoadNetwork& net = *s.net;
  Vehicle& v = s.vehicles[id];
  const VehicleType& t = s.type(v);
  const auto route = s.routes[id];
  // On a connector the route index already points at the road being entered.
  std::size_t from = s.tracks[v.track].isConnector() ? v.routeIndex : v.routeIndex + 1u;
  for (std::size_t ri = from; ri < route.size(); ++ri) {
    const Road& road = net.road(route[ri]);
    for (LaneId l : road.lanes) {
      if (!net.lane(l).allowed.allows(t.vehicleClass)) continue;
      const std::uint32_t track = s.laneTrack(l);
      const auto& occ = s.occupants[track];
      const double room = occ.empty() ? s.tracks[track].lengthM
                                      : s.vehicles[occ.back()].posM - s.type(s.vehicles[occ.back()]).lengthM;
      if (room < t.lengthM + t.minGapM || s.tracks[track].lengthM < t.lengthM) continue;
      detach(s, id);
      v.posM = t.lengthM;
      v.speedMps = 0;
      v.accelMps2 = 0;
      v.haltedS = 0;
      v.routeIndex = static_cast<std::uint16_t>(ri);
      v.flags = static_cast<std::uint8_t>(kInNetwork | kHalted | (v.flags & (kTransit | kFleet)));
      v.nextConnector = UINT32_MAX;
      v.track = track;
      s.occupants[track].push_back(id);
      s.cold[id].teleported = true;
      return true;
    }
  }
  if (s.tracks[v.track].isConnector() || !s.onLastRoad(id)) return false;
  detach(s, id);
  v.flags = 0;
  v.track = UINT32_MAX;
  s.cold[id].arriveS = s.nowS + s.dtS;
  s.cold[id].teleported = true;
  ++s.counts.arrived;
  return true;
}

// Delay index at time `atS` of a vehicle on its way: (elapsed + free-flow time of the rest of its
// route) / free-flow time of the whole route.
double tripDelayIndex(const State& s, std::uint32_t id, double atS) {
  const VehicleCold& c = s.cold[id];
  if (c.freeFlowS <= 0) return 1.0;
  const double remaining = c.routeLengthM > 0 ? std::max(0.0, 1.0 - s.vehicles[id].distanceM / c.routeLengthM) : 0.0;
  const double departS = s.scenario->demand.trips[id].departS;
  return (atS - departS + remaining * c.freeFlowS) / c.freeFlowS;
}

void recordTimeseries(State& s, double atS) {
  TimeseriesRow row;
  row.timeS = atS;
  row.running = static_cast<std::uint32_t>(s.counts.entered - s.counts.arrived);
  row.waitingToEnter = static_cast<std::uint32_t>(s.counts.waitingToEnter);
  row.arrived = s.counts.arrived;
  double speed = 0, delay = 0;
  std::size_t n = 0;
  for (const auto& occ : s.occupants) {
    for (std::uint32_t id : occ) {
      ++row.runningByClass[static_cast<std::size_t>(s.type(s.vehicles[id]).vehicleClass)];
      if (s.isServiceVehicle(id)) continue;  // fleet vehicles have no trip to be delayed on
      speed += s.vehicles[id].speedMps;
      delay += tripDelayIndex(s, id, atS);
      ++n;
    }
  }
  for (std::uint32_t id : s.inBay) ++row.runningByClass[static_cast<std::size_t>(s.type(s.vehicles[id]).vehicleClass)];
  row.meanSpeedMps = n ? speed / static_cast<double>(n) : 0.0;
  row.delayIndex = n ? delay / static_cast<double>(n) : 1.0;
  for (const auto& queue : s.waiting) row.passengersWaiting += static_cast<std::uint32_t>(queue.size());
  for (const TransitRun& run : s.runs) row.passengersOnBoard += static_cast<std::uint32_t>(run.onboard.size());
  for (const FleetVehicle& fv : s.fleetVehicles) row.passengersOnBoard += static_cast<std::uint32_t>(fv.onboard.size());
  s.timeseries.push_back(row);
}

}  // namespace

void account(State& s) {
  for (std::uint32_t& a : s.arrivalsByJunction) {
    s.counts.arrived += a;
    a = 0;
  }
  for (std::uint32_t& n : s.laneChangesByRoad) {
    s.counts.laneChanges += n;
    n = 0;
  }
  // The move phase left per-track tallies; adding them in track order keeps the sums the same
  // for any thread count without a serial pass over every vehicle.
  std::vector<std::uint32_t>& stuck = s.stuckScratch;
  stuck.clear();
  std::uint64_t inNetwork = 0;
  double speedSum = 0;
  for (std::size_t t = 0; t < s.tracks.size(); ++t) {
    const TrackTally& tally = s.tallies[t];
    inNetwork += tally.vehicles;
    speedSum += tally.speedSumMps;
    if (!tally.stuck) continue;
    for (std::uint32_t id : s.occupants[t]) {
      const Vehicle& v = s.vehicles[id];
      if (v.haltedS >= s.scenario->gridlockTimeoutS && !(v.flags & kStuckReported)) stuck.push_back(id);
    }
  }
  s.vehicleUpdates += inNetwork;
  s.speedSumMps += speedSum;
  std::sort(stuck.begin(), stuck.end());
  for (std::uint32_t id : stuck) {
    Vehicle& v = s.vehicles[id];
    ++s.counts.gridlockReports;
    simLog().warn("t={:.1f}s vehicle '{}' stuck for {:.0f} s on {} {}", s.nowS + s.dtS,
                  s.scenario->demand.trips[id].id, v.haltedS, s.tracks[v.track].isConnector() ? "connector" : "road",
                  s.tracks[v.track].isConnector() ? std::to_string(s.tracks[v.track].connector)
                                                  : s.net->road(s.net->lane(LaneId(s.tracks[v.track].lane)).road).name);
    v.flags |= kStuckReported;
    if (s.scenario->gridlockAction == GridlockAction::Teleport && teleport(s, id)) ++s.counts.teleported;
  }
  s.counts.running = s.counts.entered - s.counts.arrived;
  const double end = s.nowS + s.dtS;
  while (s.nextTimeseriesS <= end + 1e-9) {
    recordTimeseries(s, end);
    s.nextTimeseriesS += s.scenario->timeseriesIntervalS;
  }
}

void enableSensing(State& s) {
  s.sensing = s.policy->usesObservations();
  if (!s.sensing || !s.sensors.empty()) return;
  s.sensors.resize(s.laneCount);
  s.laneObs.resize(s.laneCount);
  const SignalSensing& sensing = s.scenario->signalSensing;
  for (std::size_t l = 0; l < s.laneCount; ++l)
    s.sensors[l].detectorPosM = std::max(0.0, s.tracks[l].lengthM - sensing.detectorDistanceM);
  for (const DetectorPlacement& d : sensing.detectors)
    s.sensors[d.lane.index()].detectorPosM = std::max(0.0, s.tracks[d.lane.index()].lengthM - d.distanceM);
}

}  // namespace engine

World::World(const Scenario& scenario, WorldOptions options) : m(std::make_unique<Impl>()) {
  State& s = *m;
  s.scenario = &scenario;
  s.net = scenario.network.get();
  s.options = options;
  s.dtS = scenario.stepS;
  if (!s.net) throw LoadError(scenario.sourceFile.string(), "map", "scenario has no road network");
  const RoadNetwork& net = *s.net;
  s.threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
  s.arena = std::make_unique<tbb::task_arena>(s.threads);

  s.laneCount = static_cast<std::uint32_t>(net.lanes().size());
  s.tracks.resize(net.lanes().size() + net.connectors().size());
  for (std::size_t i = 0; i < net.lanes().size(); ++i) {
    const Lane& l = net.lanes()[i];
    s.tracks[i] = Track{l.lengthM, l.speedLimitMps, static_cast<std::uint32_t>(i), UINT32_MAX, l.indexInRoad, l.allowed};
  }
  s.feeders.resize(s.tracks.size());
  for (std::size_t i = 0; i < net.connectors().size(); ++i) {
    const Connector& c = net.connectors()[i];
    s.tracks[s.laneCount + i] = Track{c.lengthM, c.speedLimitMps, UINT32_MAX, static_cast<std::uint32_t>(i), 0, ClassMask::all()};
    s.feeders[s.laneTrack(c.to)].push_back(static_cast<std::uint32_t>(i));
  }
  s.laneExitBegin.reserve(net.lanes().size() + 1);
  for (const Lane& l : net.lanes()) {
    s.laneExitBegin.push_back(static_cast<std::uint32_t>(s.laneExitRoads.size()));
    for (ConnectorId c : l.outgoing) {
      const std::uint32_t road = net.movement(net.connector(c).movement).toRoad.value;
      if (std::find(s.laneExitRoads.begin() + s.laneExitBegin.back(), s.laneExitRoads.end(), road) == s.laneExitRoads.end())
        s.laneExitRoads.push_back(road);
    }
  }
  s.laneExitBegin.push_back(static_cast<std::uint32_t>(s.laneExitRoads.size()));
  s.occupants.resize(s.tracks.size());
  s.tallies.resize(s.tracks.size());
  s.reservedM.assign(s.tracks.size(), 0.0);
  s.laneGrossFreeM.assign(s.laneCount, 0.0);
  s.grantEtaS.assign(net.connectors().size(), kInfinity);
  s.junctionScratch.resize(net.junctions().size());
  s.arrivalsByJunction.assign(net.junctions().size(), 0);
  s.roadScratch.resize(net.roads().size());
  s.laneChangesByRoad.assign(net.roads().size(), 0);
  s.entryQueues.resize(net.roads().size());

  const auto& trips = scenario.demand.trips;
  s.vehicles.resize(trips.size());
  s.cold.resize(trips.size());
  s.routes.resize(trips.size());
  for (std::size_t i = 0; i < trips.size(); ++i) {
    s.routes[i] = scenario.demand.routes.route(trips[i].route);
    s.vehicles[i].type = static_cast<std::uint16_t>(trips[i].type.index());
  }

  s.policy = makeSignalPolicy(scenario.signalPolicy, scenario.sourceFile.string());
  enableSensing(s);
  s.movementStates.assign(net.movements().size(), SignalState::Red);
  for (std::size_t j = 0; j < net.junctions().size(); ++j) {
    if (net.junctions()[j].movements.empty()) continue;
    s.controllers.emplace_back(net, JunctionId(j), scenario.signalTiming, scenario.priorityRules);
    s.controllers.back().writeStates(s.movementStates);
  }
  s.controllerOfJunction.assign(net.junctions().size(), -1);
  for (std::size_t c = 0; c < s.controllers.size(); ++c)
    s.controllerOfJunction[s.controllers[c].junction().index()] = static_cast<std::int32_t>(c);
  s.controllerRequests.resize(s.controllers.size());
  for (std::size_t i = 0; i < trips.size(); ++i)
    if (scenario.vehicleTypes[trips[i].type.index()].signalPriority != SignalPriority::None)
      s.priorityVehicles.push_back(static_cast<std::uint32_t>(i));
  initTransit(s);
  initFleets(s);
  for (const VehicleType& t : scenario.vehicleTypes) {
    s.platoonTypes.push_back(t);
    if (t.cooperative) s.platoonTypes.back().headwayS = t.cooperativeHeadwayS;
  }
  for (const Junction& j : net.junctions())
    for (MovementId a : j.movements)
      for (MovementId b : j.movements) {
        if (!(a < b)) continue;
        bool conflict = false;
        for (ConnectorId ca : net.movement(a).connectors)
          for (const Conflict& k : net.connector(ca).conflicts) conflict = conflict || net.connector(k.other).movement == b;
        if (conflict) s.conflictingMovements.emplace_back(a, b);
      }
  s.controllerIncoming.resize(s.controllers.size());
  s.controllerOutgoing.resize(s.controllers.size());
}

World::~World() = default;

void World::setSignalPolicy(std::unique_ptr<SignalPolicy> policy) {
  m->policy = std::move(policy);
  enableSensing(*m);
}

void World::step() {
  State& s = *m;
  // Small worlds run on one thread: spreading a few hundred vehicles over workers costs more in
  // synchronisation than it saves (CityFlow's two threads were slower than one on every dataset
  // network we measured).
  s.parallel = s.threads > 1 && s.counts.running >= s.options.minVehiclesForParallel;
  StepProfile& p = s.profile;
  auto body = [&] {
    timed(p.spawn, [&] { releaseAndInsert(s); });
    timed(p.signals, [&] { updateSignals(s); });
    timed(p.arbitrate, [&] { arbitrateJunctions(s); });
    timed(p.laneChange, [&] { changeLanes(s); });
    timed(p.plan, [&] { planMotion(s); });
    timed(p.move, [&] { moveVehicles(s); });
    timed(p.stops, [&] {
      serveStops(s);
      serveFleets(s);
    });
    timed(p.transfer, [&] { transferAtJunctions(s); });
    timed(p.account, [&] { account(s); });
  };
  if (s.parallel) s.arena->execute(body);
  else body();
  ++s.steps;
  s.nowS = static_cast<double>(s.steps) * s.dtS;
  if (s.options.validate) {
    if (std::string err = checkInvariants(); !err.empty()) {
      simLog().critical("invariant violated at t={}s: {}", s.nowS, err);
      throw std::logic_error("invariant violated at t=" + std::to_string(s.nowS) + "s: " + err);
    }
  }
}

void World::run(const std::function<void(const World&)>& onStep) {
  while (!finished()) {
    step();
    if (onStep) onStep(*this);
  }
}

double World::timeS() const { return m->nowS; }
std::uint64_t World::stepCount() const { return m->steps; }
bool World::finished() const { return m->nowS >= m->scenario->durationS - 1e-9; }
int World::threads() const { return m->threads; }
VehicleCounts World::counts() const { return m->counts; }
std::uint64_t World::vehicleUpdates() const { return m->vehicleUpdates; }
const std::vector<TimeseriesRow>& World::timeseries() const { return m->timeseries; }
const StepProfile& World::profile() const { return m->profile; }
const Scenario& World::scenario() const { return *m->scenario; }
SignalState World::movementState(MovementId movement) const { return m->movementStates[movement.index()]; }
const State& World::state() const { return *m; }

std::vector<TripRecord> World::tripRecords() const {
  const State& s = *m;
  std::vector<TripRecord> out;
  out.reserve(s.nextTrip);
  for (std::size_t i = 0; i < s.nextTrip; ++i) {
    const VehicleCold& c = s.cold[i];
    TripRecord r;
    r.tripIndex = static_cast<std::uint32_t>(i);
    r.vehicleClass = s.type(s.vehicles[i]).vehicleClass;
    r.departS = s.scenario->demand.trips[i].departS;
    r.enterS = c.enterS;
    r.arriveS = c.arriveS;
    r.freeFlowS = c.freeFlowS;
    r.routeLengthM = c.routeLengthM;
    r.distanceM = s.vehicles[i].distanceM;
    r.stops = c.stops;
    r.teleported = c.teleported;
    out.push_back(r);
  }
  return out;
}

TransitRecords World::transitRecords() const {
  const State& s = *m;
  TransitRecords out;
  for (std::size_t p = 0; p < s.nextPassenger; ++p) {
    const PassengerState& ps = s.passengers[p];
    out.passengers.push_back(PassengerRecord{static_cast<std::uint32_t>(p), ps.boardS, ps.alightS, ps.vehicle});
  }
  for (const TransitRun& run : s.runs) {
    if (run.vehicle >= s.nextTrip) continue;  // not departed yet
    TransitRunRecord r;
    r.tripIndex = run.vehicle;
    r.line = run.line;
    r.stopArriveS = run.arriveS;
    r.stopDepartS = run.departS;
    r.boarded = run.boarded;
    r.maxLoad = run.maxLoad;
    r.onboard = static_cast<std::uint32_t>(run.onboard.size());
    // Distances up to now, including the stretch since the load last changed.
    const RideDistances ride = run.ride.upTo(s.vehicles[run.vehicle].distanceM, run.onboard.size());
    r.distanceM = s.vehicles[run.vehicle].distanceM;
    r.passengerMetres = ride.passengerMetres;
    r.emptyMetres = ride.emptyMetres;
    out.runs.push_back(std::move(r));
  }
  static constexpr const char* kStatus[] = {"waiting", "waiting", "on_board", "delivered", "rejected"};
  for (std::size_t i = 0; i < s.nextRequest; ++i) {
    const RequestState& r = s.requests[i];
    out.rides.push_back(RideRecord{static_cast<std::uint32_t>(i), kStatus[static_cast<int>(r.status)], r.reason, r.pickupS,
                                   r.dropoffS, r.plannedPickupS, r.directS, r.vehicle});
  }
  for (const FleetVehicle& fv : s.fleetVehicles) {
    if (fv.vehicle >= s.nextTrip) continue;
    const Vehicle& v = s.vehicles[fv.vehicle];
    FleetVehicleRecord r;
    r.tripIndex = fv.vehicle;
    r.fleet = fv.fleet;
    r.distanceM = v.distanceM;
    const RideDistances ride = fv.ride.upTo(v.distanceM, fv.onboard.size());
    r.passengerMetres = ride.passengerMetres;
    r.emptyMetres = ride.emptyMetres;
    r.busyS = fv.busyS;
    r.inServiceS = s.cold[fv.vehicle].enterS >= 0 ? s.nowS - s.cold[fv.vehicle].enterS : 0.0;
    r.riders = fv.riders;
    r.maxLoad = fv.maxLoad;
    r.stopsMade = fv.stopsMade;
    r.onboard = static_cast<std::uint32_t>(fv.onboard.size());
    out.fleetVehicles.push_back(r);
  }
  return out;
}

Summary World::summary(double wallSeconds) const {
  const State& s = *m;
  Summary sum;
  sum.scenario = s.scenario->name;
  sum.seed = s.scenario->seed;
  sum.threads = s.threads;
  sum.stepS = s.dtS;
  sum.simSeconds = s.nowS;
  sum.wallSeconds = wallSeconds;
  sum.vehicleUpdates = s.vehicleUpdates;
  sum.vehicleUpdatesPerSecond = wallSeconds > 0 ? static_cast<double>(s.vehicleUpdates) / wallSeconds : 0.0;
  sum.vehicles = s.counts;
  sum.signalPolicy = s.scenario->signalPolicy.name;
  // Trips: every vehicle but those of on-demand fleets, whose service is not a trip.
  double finished = 0, all = 0, delay = 0, stops = 0;
  std::size_t nFinished = 0, nTrips = 0;
  for (std::size_t i = 0; i < s.nextTrip; ++i) {
    if (s.isServiceVehicle(static_cast<std::uint32_t>(i))) continue;
    ++nTrips;
    const VehicleCold& c = s.cold[i];
    const double depart = s.scenario->demand.trips[i].departS;
    const double ff = std::max(c.freeFlowS, 1e-9);
    if (c.arriveS >= 0) {
      const double tt = c.arriveS - depart;
      finished += tt;
      all += tt;
      delay += tt / ff;
      ++nFinished;
    } else {
      const double elapsed = s.nowS - depart;
      const double remaining = c.routeLengthM > 0 ? std::max(0.0, 1.0 - s.vehicles[i].distanceM / c.routeLengthM) : 1.0;
      all += elapsed;
      delay += (elapsed + remaining * c.freeFlowS) / ff;
    }
    stops += c.stops;
  }
  double emergencyTime = 0;
  for (std::uint32_t id : s.priorityVehicles) {
    if (id >= s.nextTrip || s.type(s.vehicles[id]).signalPriority != SignalPriority::Emergency) continue;
    const VehicleCold& c = s.cold[id];
    const double depart = s.scenario->demand.trips[id].departS;
    emergencyTime += (c.arriveS >= 0 ? c.arriveS : s.nowS) - depart;
    ++sum.emergencyVehicles;
    sum.emergencyArrived += c.arriveS >= 0 ? 1 : 0;
  }
  if (sum.emergencyVehicles > 0) sum.emergencyMeanTravelTimeS = emergencyTime / static_cast<double>(sum.emergencyVehicles);
  // Per mode.
  std::array<ModeSummary, kVehicleClassCount> modes{};
  std::array<double, kVehicleClassCount> modeTime{}, modeDelay{}, modeStops{}, modeAllStops{};
  for (std::size_t i = 0; i < s.nextTrip; ++i) {
    const VehicleCold& c = s.cold[i];
    const auto k = static_cast<std::size_t>(s.type(s.vehicles[i]).vehicleClass);
    modes[k].distanceKm += s.vehicles[i].distanceM / 1000.0;
    modeAllStops[k] += c.stops;
    if (s.isServiceVehicle(static_cast<std::uint32_t>(i))) {
      ++modes[k].serviceVehicles;
      continue;
    }
    const double depart = s.scenario->demand.trips[i].departS;
    ++modes[k].trips;
    modeTime[k] += (c.arriveS >= 0 ? c.arriveS : s.nowS) - depart;
    if (c.arriveS >= 0) {
      ++modes[k].arrived;
      modeDelay[k] += c.arriveS - depart - c.freeFlowS;
    }
    modeStops[k] += c.stops;
  }
  for (std::size_t k = 0; k < modes.size(); ++k) {
    ModeSummary& mode = modes[k];
    if (mode.trips == 0 && mode.serviceVehicles == 0) continue;
    mode.vehicleClass = static_cast<VehicleClass>(k);
    if (mode.trips > 0) {
      mode.meanTravelTimeWithUnfinishedS = modeTime[k] / static_cast<double>(mode.trips);
      mode.meanDelayS = mode.arrived ? modeDelay[k] / static_cast<double>(mode.arrived) : 0.0;
      mode.stopsPerVehicle = modeStops[k] / static_cast<double>(mode.trips);
    }
    mode.stopsPerKm = mode.distanceKm > 0 ? modeAllStops[k] / mode.distanceKm : 0.0;
    sum.modes.push_back(mode);
  }
  if (!s.runs.empty() || !s.fleetVehicles.empty()) {
    const TransitRecords records = transitRecords();
    if (!s.runs.empty()) sum.lines = summarizeLines(*s.scenario, records, s.nowS);
    if (!s.fleetVehicles.empty()) sum.fleets = summarizeFleets(*s.scenario, records);
  }
  for (const SignalController& c : s.controllers) {
    sum.preemptions += c.preemptions();
    sum.transitExtensions += c.transitExtensions();
    sum.transitEarlyGreens += c.transitEarlyGreens();
  }
  const double n = static_cast<double>(nTrips);
  sum.meanTravelTimeFinishedS = nFinished ? finished / static_cast<double>(nFinished) : 0.0;
  sum.meanTravelTimeWithUnfinishedS = n > 0 ? all / n : 0.0;
  sum.delayIndex = n > 0 ? delay / n : 1.0;
  sum.stopsPerVehicle = n > 0 ? stops / n : 0.0;
  sum.meanSpeedMps = s.vehicleUpdates ? s.speedSumMps / static_cast<double>(s.vehicleUpdates) : 0.0;
  sum.throughputVehPerH = s.nowS > 0 ? static_cast<double>(s.counts.arrived) * 3600.0 / s.nowS : 0.0;
  return sum;
}

WorldSnapshot World::snapshot() const {
  const State& s = *m;
  WorldSnapshot snap;
  snap.timeS = s.nowS;
  snap.movementStates = s.movementStates;
  for (std::size_t t = 0; t < s.tracks.size(); ++t) {
    for (std::uint32_t id : s.occupants[t]) {
      const Vehicle& v = s.vehicles[id];
      VehicleView view;
      view.id = VehicleId(id);
      view.vehicleClass = s.type(v).vehicleClass;
      view.onConnector = s.tracks[t].isConnector();
      if (view.onConnector) view.connector = ConnectorId(s.tracks[t].connector);
      else view.lane = LaneId(s.tracks[t].lane);
      view.positionM = v.posM;
      view.speedMps = v.speedMps;
      view.accelMps2 = v.accelMps2;
      view.lengthM = s.type(v).lengthM;
      snap.vehicles.push_back(view);
    }
  }
  return snap;
}

Frame World::frame() const {
  const State& s = *m;
  Frame f;
  f.timeS = s.nowS;
  f.step = s.steps;
  f.movementStates = s.movementStates;
  f.signals.reserve(s.controllers.size());
  for (const SignalController& c : s.controllers)
    f.signals.push_back(FrameSignal{c.junction().value, static_cast<std::uint8_t>(std::min<int>(c.currentPhase(), 255)),
                                    static_cast<std::uint8_t>(std::min<int>(c.nextPhase(), 255)),
                                    static_cast<std::uint8_t>(c.stage()), static_cast<float>(c.timeInStageS())});
  // Passengers wait per (line, stop of the line); a stop served by several lines shows them all.
  const Transit& transit = s.scenario->transit;
  if (!transit.stops.empty()) {
    std::vector<std::size_t> waiting(transit.stops.size(), 0);
    for (std::size_t l = 0; l < transit.lines.size() && l < s.lineStopBase.size(); ++l) {
      const TransitLine& line = transit.lines[l];
      for (std::size_t k = 0; k < line.stops.size(); ++k) waiting[line.stops[k]] += s.waiting[s.lineStopBase[l] + k].size();
    }
    f.stopWaiting.reserve(waiting.size());
    for (std::size_t n : waiting) f.stopWaiting.push_back(static_cast<std::uint16_t>(std::min<std::size_t>(n, UINT16_MAX)));
  }
  f.vehicles.reserve(s.counts.running);
  double speed = 0, delay = 0;
  std::size_t counted = 0;  // vehicles on trips (not fleet service vehicles)
  auto add = [&](std::uint32_t id) {
    const Vehicle& v = s.vehicles[id];
    const Track& track = s.tracks[v.track];
    const VehicleType& type = s.type(v);
    FrameVehicle fv;
    fv.id = id;
    fv.track = track.isConnector() ? track.connector : track.lane;
    fv.positionM = static_cast<float>(v.posM);
    fv.speedMps = static_cast<float>(v.speedMps);
    fv.vehicleClass = type.vehicleClass;
    fv.flags = static_cast<std::uint8_t>((track.isConnector() ? FrameVehicle::kOnConnector : 0) |
                                         (type.signalPriority == SignalPriority::Emergency ? FrameVehicle::kEmergency : 0) |
                                         (type.signalPriority == SignalPriority::Transit ? FrameVehicle::kTransit : 0) |
                                         (v.speedMps < kHaltingSpeedMps ? FrameVehicle::kHalted : 0) |
                                         (v.flags & kDwelling ? FrameVehicle::kDwelling : 0) |
                                         (v.flags & kInBay ? FrameVehicle::kInBay : 0));
    if (v.flags & kTransit)
      fv.load = static_cast<std::uint16_t>(std::min<std::size_t>(s.runs[s.runOfVehicle[id]].onboard.size(), UINT16_MAX));
    if (v.flags & kFleet)
      fv.load = static_cast<std::uint16_t>(std::min<std::size_t>(s.fleetVehicles[s.fleetOfVehicle[id]].onboard.size(), UINT16_MAX));
    f.vehicles.push_back(fv);
    if (s.isServiceVehicle(id)) return;
    speed += v.speedMps;
    delay += tripDelayIndex(s, id, s.nowS);
    ++counted;
  };
  for (const auto& occupants : s.occupants)
    for (std::uint32_t id : occupants) add(id);
  for (std::uint32_t id : s.inBay) add(id);
  const auto n = static_cast<double>(counted);
  f.stats.running = static_cast<std::uint32_t>(f.vehicles.size());
  f.stats.waitingToEnter = static_cast<std::uint32_t>(s.counts.waitingToEnter);
  f.stats.arrived = s.counts.arrived;
  f.stats.meanSpeedMps = n > 0 ? static_cast<float>(speed / n) : 0.0f;
  f.stats.delayIndex = n > 0 ? static_cast<float>(delay / n) : 1.0f;
  return f;
}

std::uint64_t World::stateHash() const {
  const State& s = *m;
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the raw bits
  auto mix = [&h](std::uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      h ^= (x >> (8 * i)) & 0xFF;
      h *= 1099511628211ull;
    }
  };
  mix(s.steps);
  for (std::size_t t = 0; t < s.tracks.size(); ++t) {
    mix(t);
    for (std::uint32_t id : s.occupants[t]) {
      const Vehicle& v = s.vehicles[id];
      mix(id);
      mix(std::bit_cast<std::uint64_t>(v.posM));
      mix(std::bit_cast<std::uint64_t>(v.speedMps));
      mix(v.flags);
    }
  }
  for (SignalState st : s.movementStates) mix(static_cast<std::uint64_t>(st));
  mix(s.counts.arrived);
  mix(s.counts.entered);
  mix(s.counts.teleported);
  for (std::size_t i = 0; i < s.nextTrip; ++i) mix(std::bit_cast<std::uint64_t>(s.cold[i].arriveS));
  for (std::uint32_t id : s.inBay) mix(id);
  for (const TransitRun& run : s.runs) {
    mix(run.nextStop);
    for (std::uint32_t p : run.onboard) mix(p);
  }
  for (const FleetVehicle& fv : s.fleetVehicles) {
    for (const PlannedStop& stop : fv.plan) mix(stop.request);
    for (std::uint32_t r : fv.onboard) mix(r);
  }
  return h;
}

std::string World::checkInvariants() const {
  const State& s = *m;
  const RoadNetwork& net = *s.net;
  std::ostringstream err;
  // Conservation.
  const VehicleCounts& c = s.counts;
  if (c.spawned != c.arrived + c.running + c.waitingToEnter) {
    err << "conservation: spawned " << c.spawned << " != arrived " << c.arrived << " + running " << c.running
        << " + waiting " << c.waitingToEnter;
    return err.str();
  }
  std::uint64_t onTracks = 0;
  for (const auto& occ : s.occupants) onTracks += occ.size();
  if (onTracks + s.inBay.size() != c.running) {
    err << "conservation: " << onTracks << " vehicles on lanes and connectors and " << s.inBay.size()
        << " in stop bays but " << c.running << " running";
    return err.str();
  }
  // Order and no overlap within every lane and connector.
  for (std::size_t t = 0; t < s.tracks.size(); ++t) {
    const auto& occ = s.occupants[t];
    for (std::size_t k = 0; k < occ.size(); ++k) {
      const Vehicle& v = s.vehicles[occ[k]];
      if (v.track != t) {
        err << "vehicle " << occ[k] << " listed on track " << t << " but records track " << v.track;
        return err.str();
      }
      if (k > 0) {
        const Vehicle& leader = s.vehicles[occ[k - 1]];
        const double gap = leader.posM - s.type(leader).lengthM - v.posM;
        if (gap < -1e-6) {
          err << "overlap on " << (s.tracks[t].isConnector() ? "connector " : "lane ")
              << (s.tracks[t].isConnector() ? s.tracks[t].connector : s.tracks[t].lane) << ": vehicle "
              << s.scenario->demand.trips[occ[k]].id << " is " << -gap << " m into vehicle "
              << s.scenario->demand.trips[occ[k - 1]].id;
          return err.str();
        }
      }
      if (v.speedMps < 0 || v.posM < -1e-9) {
        err << "vehicle " << s.scenario->demand.trips[occ[k]].id << " has negative speed or position";
        return err.str();
      }
    }
  }
  // No two conflicting movements both protected green (a permissive one yields by construction).
  for (const auto& [a, b] : s.conflictingMovements) {
    if (s.movementStates[a.index()] == SignalState::GreenProtected &&
        s.movementStates[b.index()] == SignalState::GreenProtected) {
      err << "junction '" << net.junction(net.movement(a).junction).name << "': conflicting movements " << a.value
          << " and " << b.value << " are both protected green";
      return err.str();
    }
  }
  return {};
}

std::size_t World::vehicleStateBytes() const {
  const State& s = *m;
  std::size_t bytes = s.vehicles.capacity() * sizeof(Vehicle) + s.cold.capacity() * sizeof(VehicleCold) +
                      s.routes.capacity() * sizeof(std::span<const RoadId>);
  for (const auto& occ : s.occupants) bytes += occ.capacity() * sizeof(std::uint32_t);
  return bytes;
}

}  // namespace traffic
