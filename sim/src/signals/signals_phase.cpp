// The signals phase: lane sensing for the policies that observe traffic (exact, then through the
// scenario's sensing model, see sensing_models.cpp), signal-priority requests
// from emergency and transit vehicles, then every controller advances and its policy decides
// (per junction, in parallel; a controller writes only its own movements' states and its own
// incoming lanes' detector baselines).
#include <algorithm>

#include "engine/state.h"

namespace traffic::engine {

// What the updateSignals phase reads (const) and writes, by the names of the engine state's subsystems.
struct SignalsContext {
  const Executor& exec;
  const NetworkView& view;
  const SimClock& clock;
  const Vehicles& vehicles;
  const TransitState& transit;
  Signals& signals;
  Sensing& sensing;
};

namespace {

// Reads the virtual sensors of every lane (for policies that observe traffic).
void senseLanes(const SignalsContext& s) {
  const SignalSensing& settings = s.view.scenario->signalSensing;
  const double decay = std::min(1.0, s.clock.dtS / settings.flowWindowS);
  const SensingModel model = s.view.scenario->sensing.model;
  s.exec.forEach(s.view.laneCount, 64, [&](std::size_t lane) {
    LaneSensor& sensor = s.sensing.sensors[lane];
    LaneObservation& o = s.sensing.laneObs[lane];
    const double length = s.view.tracks[lane].lengthM;
    o.lane = LaneId(lane);
    o.vehicles = static_cast<std::uint16_t>(std::min<std::size_t>(s.vehicles.occupants[lane].size(), UINT16_MAX));
    std::uint32_t queue = 0, approaching = 0;
    double used = 0, waiting = 0;
    bool occupied = false;
    for (std::uint32_t id : s.vehicles.occupants[lane]) {
      const Vehicle& v = s.vehicles.hot[id];
      const VehicleType& t = s.view.type(v);
      used += t.lengthM + t.minGapM;
      if (v.speedMps < kHaltingSpeedMps) {
        ++queue;
        waiting += v.haltedS;
      }
      if (length - v.posM <= settings.approachDistanceM) ++approaching;
      occupied = occupied || (v.posM >= sensor.detectorPosM && v.posM - t.lengthM <= sensor.detectorPosM);
    }
    o.queue = static_cast<std::uint16_t>(std::min<std::uint32_t>(queue, UINT16_MAX));
    o.approaching = static_cast<std::uint16_t>(std::min<std::uint32_t>(approaching, UINT16_MAX));
    o.occupancy = static_cast<float>(used / length);
    o.waitingS = static_cast<float>(waiting);
    o.detectorOccupied = occupied;
    o.detectorGapS = static_cast<float>(s.clock.nowS - sensor.lastCrossS);
    o.detectorCount = static_cast<std::uint16_t>(std::min<std::uint32_t>(sensor.crossings - sensor.baseline, UINT16_MAX));
    sensor.flowVehPerH = static_cast<float>((1.0 - decay) * sensor.flowVehPerH +
                                            decay * sensor.crossedLastStep * 3600.0 / s.clock.dtS);
    o.flowVehPerH = sensor.flowVehPerH;
    // Any model but the oracle replaces the exact reading with what its detectors could measure.
    if (model != SensingModel::Oracle) senseLaneWithModel(s.view, s.clock, s.vehicles, s.sensing, lane, o);
  });
}

// Each vehicle whose type asks for signal priority asks every signalised junction it will reach
// within its reach along its route. Serial: such vehicles are few, and walking them in id order
// fixes the order of each junction's requests.
void collectPriorityRequests(const SignalsContext& s) {
  for (std::uint32_t c : s.signals.controllersWithRequests) s.signals.controllerRequests[c].clear();
  s.signals.controllersWithRequests.clear();
  const RoadNetwork& net = *s.view.net;
  const PriorityRules& rules = s.view.scenario->priorityRules;
  for (std::uint32_t id : s.signals.priorityVehicles) {
    const Vehicle& v = s.vehicles.hot[id];
    if (!(v.flags & kInNetwork)) continue;
    const SignalPriority kind = s.view.type(v).signalPriority;
    const bool enabled = kind == SignalPriority::Emergency ? rules.emergencyPreemption : rules.transitPriority;
    if (!enabled) continue;
    // A run of a line asks only when it is late (TransitLine::priorityWhenLateS).
    if ((v.flags & kTransit) && !s.transit.runs[s.transit.runOfVehicle[id]].asksPriority) continue;
    const double reach = kind == SignalPriority::Emergency ? rules.emergencyDistanceM : rules.transitDistanceM;
    const auto route = s.vehicles.routes[id];
    const Track& track = s.view.tracks[v.track];
    // Distance to the stop line at the end of route road k (on a connector, k is the road being
    // entered).
    std::size_t k = v.routeIndex;
    double distance = track.lengthM - v.posM + (track.isConnector() ? net.road(route[k]).lengthM : 0.0);
    for (; distance <= reach && k + 1 < route.size(); ++k, distance += net.road(route[k]).lengthM) {
      const std::int32_t c = s.signals.controllerOfJunction[net.road(route[k]).to.index()];
      if (c < 0) continue;
      const auto movement = net.movementBetween(route[k], route[k + 1]);
      if (!movement) continue;
      auto& requests = s.signals.controllerRequests[static_cast<std::size_t>(c)];
      if (requests.empty()) s.signals.controllersWithRequests.push_back(static_cast<std::uint32_t>(c));
      requests.push_back(PriorityRequest{*movement, kind, static_cast<float>(distance), id});
    }
  }
}

}  // namespace

void updateSignals(const Executor& exec, const NetworkView& view, const SimClock& clock, const Vehicles& vehicles, const TransitState& transit, Signals& signals, Sensing& sensing) {
  const SignalsContext s{exec, view, clock, vehicles, transit, signals, sensing};
  if (s.sensing.enabled) senseLanes(s);
  if (!s.signals.priorityVehicles.empty()) collectPriorityRequests(s);
  const RoadNetwork& net = *s.view.net;
  s.exec.forEach(s.signals.controllers.size(), 32, [&](std::size_t i) {
    SignalController& controller = s.signals.controllers[i];
    SignalObservation sensed;
    sensed.network = &net;
    if (s.sensing.enabled) {
      const Junction& j = net.junction(controller.junction());
      auto gather = [&](const std::vector<RoadId>& roads, std::vector<LaneObservation>& out) {
        out.clear();
        for (RoadId r : roads)
          for (LaneId l : net.road(r).lanes) out.push_back(s.sensing.laneObs[l.index()]);
      };
      gather(j.incoming, s.sensing.controllerIncoming[i]);
      gather(j.outgoing, s.sensing.controllerOutgoing[i]);
      sensed.incoming = s.sensing.controllerIncoming[i];
      sensed.outgoing = s.sensing.controllerOutgoing[i];
      sensed.allLanes = s.sensing.laneObs;
    }
    sensed.requests = s.signals.controllerRequests[i];
    controller.update(s.clock.nowS, s.clock.dtS, *s.signals.policy, s.signals.movementStates, sensed);
    if (s.sensing.enabled && controller.greenJustStarted()) {
      // Detector counts restart with each green; the junction owns its incoming lanes' sensors.
      for (RoadId r : net.junction(controller.junction()).incoming)
        for (LaneId l : net.road(r).lanes) s.sensing.sensors[l.index()].baseline = s.sensing.sensors[l.index()].crossings;
    }
  });
}

void enableSensing(const NetworkView& view, const Signals& signals, Sensing& sensing) {
  sensing.enabled = signals.policy->usesObservations();
  if (!sensing.enabled || !sensing.sensors.empty()) return;
  sensing.sensors.resize(view.laneCount);
  sensing.laneObs.resize(view.laneCount);
  const SignalSensing& settings = view.scenario->signalSensing;
  for (std::size_t l = 0; l < view.laneCount; ++l)
    sensing.sensors[l].detectorPosM = std::max(0.0, view.tracks[l].lengthM - settings.detectorDistanceM);
  for (const DetectorPlacement& d : settings.detectors)
    sensing.sensors[d.lane.index()].detectorPosM = std::max(0.0, view.tracks[d.lane.index()].lengthM - d.distanceM);
  if (view.scenario->sensing.model == SensingModel::Loops) sensing.loops.resize(view.laneCount);
}

}  // namespace traffic::engine
