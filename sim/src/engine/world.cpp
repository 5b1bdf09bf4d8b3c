// World: construction and the step. The phases live in one file each (insertion.cpp,
// signals/signals_phase.cpp, arbitrate.cpp, lane_change.cpp, plan.cpp, move.cpp,
// mobility/stops.cpp and fleet.cpp, transfer.cpp, account.cpp); what the world reports about
// itself in reports.cpp (summary, trips, transit records), views.cpp (snapshot, frame) and
// checks.cpp (state hash, invariants, memory).
#include "traffic/world.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <sstream>

#include <oneapi/tbb/info.h>

#include "base/log.h"
#include "traffic/errors.h"
#include "engine/state.h"
#include "traffic/sensing.h"

namespace traffic {

using namespace engine;

namespace {

template <class F>
void timed(double& acc, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  acc += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

World::World(const Scenario& scenario, WorldOptions options) : m(std::make_unique<Impl>()) {
  State& s = *m;
  s.view.scenario = &scenario;
  s.view.net = scenario.network.get();
  s.exec.options = options;
  s.clock.dtS = scenario.stepS;
  if (!s.view.net) throw LoadError(scenario.sourceFile.string(), "map", "scenario has no road network");
  const RoadNetwork& net = *s.view.net;
  s.exec.threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
  s.exec.arena = std::make_unique<tbb::task_arena>(s.exec.threads);

  s.view.laneCount = static_cast<std::uint32_t>(net.lanes().size());
  s.view.tracks.resize(net.lanes().size() + net.connectors().size());
  for (std::size_t i = 0; i < net.lanes().size(); ++i) {
    const Lane& l = net.lanes()[i];
    s.view.tracks[i] = Track{l.lengthM, l.speedLimitMps, LaneId(i), ConnectorId(), l.indexInRoad, l.allowed};
  }
  s.view.feeders.resize(s.view.tracks.size());
  s.view.endJunction.resize(s.view.tracks.size());
  s.view.connectorExit.resize(net.connectors().size());
  s.view.connectorToRoad.resize(net.connectors().size());
  for (std::size_t i = 0; i < net.lanes().size(); ++i) s.view.endJunction[TrackId(i)] = net.road(net.lanes()[i].road).to;
  for (std::size_t i = 0; i < net.connectors().size(); ++i) {
    const Connector& c = net.connectors()[i];
    s.view.tracks[s.view.laneCount + i] = Track{c.lengthM, c.speedLimitMps, LaneId(), ConnectorId(i), 0, ClassMask::all(), curveRadiusOf(c)};
    s.view.feeders[s.view.laneTrack(c.to)].push_back(ConnectorId(i));
    s.view.endJunction[s.view.connectorTrack(ConnectorId(i))] = c.junction;
    s.view.connectorExit[ConnectorId(i)] = s.view.laneTrack(c.to);
    s.view.connectorToRoad[ConnectorId(i)] = net.movement(c.movement).toRoad;
  }
  s.view.laneConnectorBegin.reserve(net.lanes().size() + 1);
  for (const Lane& l : net.lanes()) {
    s.view.laneConnectorBegin.push_back(static_cast<std::uint32_t>(s.view.laneConnectors.size()));
    s.view.laneConnectors.insert(s.view.laneConnectors.end(), l.outgoing.begin(), l.outgoing.end());
  }
  s.view.laneConnectorBegin.push_back(static_cast<std::uint32_t>(s.view.laneConnectors.size()));
  const auto flattenLanes = [&](auto roadsOf, std::vector<std::uint32_t>& begin, std::vector<LaneId>& lanes) {
    begin.reserve(net.junctions().size() + 1);
    for (const Junction& j : net.junctions()) {
      begin.push_back(static_cast<std::uint32_t>(lanes.size()));
      for (RoadId r : roadsOf(j)) lanes.insert(lanes.end(), net.road(r).lanes.begin(), net.road(r).lanes.end());
    }
    begin.push_back(static_cast<std::uint32_t>(lanes.size()));
  };
  flattenLanes([](const Junction& j) -> const std::vector<RoadId>& { return j.incoming; }, s.view.junctionInBegin, s.view.junctionInLanes);
  flattenLanes([](const Junction& j) -> const std::vector<RoadId>& { return j.outgoing; }, s.view.junctionOutBegin, s.view.junctionOutLanes);
  s.view.laneExitBegin.reserve(net.lanes().size() + 1);
  for (const Lane& l : net.lanes()) {
    s.view.laneExitBegin.push_back(static_cast<std::uint32_t>(s.view.laneExitRoads.size()));
    for (ConnectorId c : l.outgoing) {
      const std::uint32_t road = s.view.connectorToRoad[c].value;
      if (std::find(s.view.laneExitRoads.begin() + s.view.laneExitBegin.back(), s.view.laneExitRoads.end(), road) == s.view.laneExitRoads.end())
        s.view.laneExitRoads.push_back(road);
    }
  }
  s.view.laneExitBegin.push_back(static_cast<std::uint32_t>(s.view.laneExitRoads.size()));
  s.vehicles.occupants.resize(s.view.tracks.size());
  s.vehicles.tallies.resize(s.view.tracks.size());
  s.junctionWork.reservedM.assign(s.view.tracks.size(), 0.0);
  s.junctionWork.laneRoomM.assign(s.view.laneCount, 0.0);
  s.junctionWork.mergeWaitM.assign(s.view.laneCount, 0.0);
  s.junctionWork.firstGrant.assign(net.connectors().size(), VehicleId{});
  s.junctionWork.insideHeld.assign(net.connectors().size(), VehicleId{});
  s.junctionWork.junctionScratch.resize(net.junctions().size());
  s.junctionWork.arrivalsByJunction.assign(net.junctions().size(), 0);
  s.junctionWork.clampsByJunction.assign(net.junctions().size(), 0);
  s.junctionWork.idle.assign(net.junctions().size(), 0);
  s.junctionWork.activeJunctions.reset(net.junctions().size());
  s.junctionWork.busyJunctions.reset(net.junctions().size());
  s.junctionWork.roomRoads.reset(net.roads().size());
  s.roadWork.activeRoads.reset(net.roads().size());
  s.roadWork.roadScratch.resize(net.roads().size());
  s.roadWork.laneChangesByRoad.assign(net.roads().size(), 0);
  s.roadWork.missedTurns.resize(net.roads().size());
  s.entry.entryQueues.resize(net.roads().size());

  const auto& trips = scenario.demand.trips;
  s.vehicles.hot.resize(trips.size());
  s.vehicles.cold.resize(trips.size());
  s.vehicles.measures.resize(trips.size());
  s.vehicles.routes.resize(trips.size());
  s.vehicles.rerouted.resize(trips.size());
  s.vehicles.lanePlans.resize(trips.size());
  s.vehicles.nextLaneReach.resize(trips.size());
  s.vehicles.tripOf.resize(trips.size());
  s.vehicles.recordOf.resize(trips.size());
  for (std::size_t i = 0; i < trips.size(); ++i) s.vehicles.tripOf[i] = s.vehicles.recordOf[i] = static_cast<std::uint32_t>(i);
  for (std::size_t i = 0; i < trips.size(); ++i) {
    s.vehicles.pointRoute(static_cast<std::uint32_t>(i), scenario.demand.routes.route(trips[i].route));
    s.vehicles.hot[i].type = static_cast<std::uint16_t>(trips[i].type.index());
  }

  s.signals.policy = makeSignalPolicy(scenario.signalPolicy, scenario.sourceFile.string());
  // Loaded scenarios were checked already; this catches scenarios assembled in code.
  checkSensingFeedsPolicy(scenario.sensing, scenario.signalSensing, *s.signals.policy, scenario.sourceFile.string());
  enableSensing(s.view, s.signals, s.sensing);
  s.signals.movementStates.assign(net.movements().size(), SignalState::Red);
  for (std::size_t j = 0; j < net.junctions().size(); ++j) {
    if (net.junctions()[j].movements.empty()) continue;
    s.signals.controllers.emplace_back(net, JunctionId(j), scenario.signalTiming, scenario.priorityRules);
    s.signals.controllers.back().writeStates(s.signals.movementStates);
  }
  s.signals.controllerOfJunction.assign(net.junctions().size(), -1);
  for (std::size_t c = 0; c < s.signals.controllers.size(); ++c)
    s.signals.controllerOfJunction[s.signals.controllers[c].junction().index()] = static_cast<std::int32_t>(c);
  s.signals.controllerRequests.resize(s.signals.controllers.size());
  for (std::size_t i = 0; i < trips.size(); ++i)
    if (scenario.vehicleTypes[trips[i].type.index()].signalPriority != SignalPriority::None)
      s.signals.priorityVehicles.push_back(static_cast<std::uint32_t>(i));
  initTransit(s.view, s.vehicles, s.transit);
  initFleets(s.view, s.vehicles, s.fleets);
  for (const VehicleType& t : scenario.vehicleTypes) {
    s.view.platoonTypes.push_back(t);
    if (t.cooperative) s.view.platoonTypes.back().headwayS = t.cooperativeHeadwayS;
  }
  for (const Junction& j : net.junctions()) {
    // Where the map gives right of way it also says which conflicting movements both have it
    // (SUMO links that are no foes of each other, although their drawn paths touch): the conflict
    // points keep their vehicles apart, and the check below is for the turn-type rule.
    if (j.rightOfWay != RightOfWay::ByTurn) continue;
    for (MovementId a : j.movements)
      for (MovementId b : j.movements) {
        if (!(a < b)) continue;
        bool conflict = false;
        for (ConnectorId ca : net.movement(a).connectors)
          for (const Conflict& k : net.connector(ca).conflicts) conflict = conflict || net.connector(k.other).movement == b;
        if (conflict) s.view.conflictingMovements.emplace_back(a, b);
      }
  }
  s.view.box = &boxGeometryOf(net);
  s.view.insideStopM.assign(net.connectors().size(), kInfinity);
  s.view.insideStopsAt.assign(net.junctions().size(), 0);
  for (std::size_t i = 0; i < net.connectors().size(); ++i) {
    const Connector& c = net.connectors()[i];
    const Junction& j = net.junction(c.junction);
    if (!c.waitsInside || !j.program || j.rightOfWay == RightOfWay::ByTurn || net.movement(c.movement).turn == TurnType::UTurn) continue;
    const auto& zones = s.view.box->zones[i];
    for (std::size_t k = 0; k < c.conflicts.size(); ++k)
      if (c.conflicts[k].yields) s.view.insideStopM[ConnectorId(i)] = std::min(s.view.insideStopM[ConnectorId(i)], std::max(0.0, zones[k].fromM - kInsideStopShortM));
    if (s.view.insideStopM[ConnectorId(i)] < kInfinity) s.view.insideStopsAt[c.junction.index()] = 1;
  }
  s.sensing.controllerIncoming.resize(s.signals.controllers.size());
  s.sensing.controllerOutgoing.resize(s.signals.controllers.size());
}

World::~World() = default;

void World::setSignalPolicy(std::unique_ptr<SignalPolicy> policy) {
  checkSensingFeedsPolicy(m->view.scenario->sensing, m->view.scenario->signalSensing, *policy,
                          m->view.scenario->sourceFile.string());
  m->signals.policy = std::move(policy);
  enableSensing(m->view, m->signals, m->sensing);
}

void World::step() {
  State& s = *m;
  // Small worlds run on one thread: spreading a few hundred vehicles over workers costs more in
  // synchronisation than it saves (CityFlow's two threads were slower than one on every dataset
  // network we measured).
  s.exec.parallel = s.exec.threads > 1 && s.stats.counts.running >= s.exec.options.minVehiclesForParallel;
  StepProfile& p = s.stats.profile;
  // The phases, in order: the one place this order is written. Each names what it reads (const)
  // and what it writes; see docs/architecture.md for what each does and how it is parallel.
  const NetworkView& view = s.view;
  const Executor& exec = s.exec;
  const SimClock& clock = s.clock;
  const ServiceStops stops(view, s.vehicles, s.transit, s.fleets);
  auto body = [&] {
    timed(p.signals, [&] { updateSignals(exec, view, clock, s.vehicles, s.transit, s.signals, s.sensing); });
    timed(p.spawn, [&] { releaseAndInsert(view, clock, stops, s.entry, s.vehicles, s.stats); });
    timed(p.arbitrate, [&] { arbitrateJunctions(exec, view, s.signals, stops, s.vehicles, s.junctionWork); });
    timed(p.laneChange, [&] { changeLanes(exec, view, clock, stops, s.junctionWork, s.vehicles, s.roadWork); });
    timed(p.plan, [&] { planMotion(exec, view, clock, s.signals, stops, s.junctionWork, s.vehicles); });
    timed(p.move, [&] { moveVehicles(exec, view, clock, stops, s.vehicles, s.sensing); });
    timed(p.stops, [&] {
      serveStops(view, clock, s.vehicles, s.transit);
      serveFleets(view, clock, s.signals, s.vehicles, s.fleets);
    });
    timed(p.transfer, [&] { transferAtJunctions(exec, view, clock, s.vehicles, s.junctionWork); });
    timed(p.account, [&] {
      account(view, clock, s.transit, s.fleets, s.vehicles, s.junctionWork, s.roadWork, s.stats);
      renumberVehicles(exec, view, clock, s.stats.counts.running, s.vehicles, s.junctionWork, s.fleets);
    });
  };
  if (s.exec.parallel) s.exec.arena->execute(body);
  else body();
  ++s.clock.steps;
  s.clock.nowS = static_cast<double>(s.clock.steps) * s.clock.dtS;
  if (s.exec.options.validate) {
    if (std::string err = checkInvariants(); !err.empty()) {
      simLog().critical("invariant violated at t={}s: {}", s.clock.nowS, err);
      throw std::logic_error("invariant violated at t=" + std::to_string(s.clock.nowS) + "s: " + err);
    }
  }
}

void World::run(const std::function<void(const World&)>& onStep) {
  while (!finished()) {
    step();
    if (onStep) onStep(*this);
  }
}

double World::timeS() const { return m->clock.nowS; }
std::uint64_t World::stepCount() const { return m->clock.steps; }
bool World::finished() const { return m->clock.nowS >= m->view.scenario->durationS - 1e-9; }
int World::threads() const { return m->exec.threads; }
VehicleCounts World::counts() const { return m->stats.counts; }
std::uint64_t World::vehicleUpdates() const { return m->stats.vehicleUpdates; }
const std::vector<TimeseriesRow>& World::timeseries() const { return m->stats.timeseries; }
const StepProfile& World::profile() const { return m->stats.profile; }
const Scenario& World::scenario() const { return *m->view.scenario; }
const State& World::state() const { return *m; }
SignalState World::movementState(MovementId movement) const { return m->signals.movementStates[movement.index()]; }

}  // namespace traffic
