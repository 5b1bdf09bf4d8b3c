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

}  // namespace traffic
