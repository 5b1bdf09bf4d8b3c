// The signals phase: lane sensing for the policies that observe traffic, signal-priority requests
// from emergency and transit vehicles, then every controller advances and its policy decides
// (per junction, in parallel; a controller writes only its own movements' states and its own
// incoming lanes' detector baselines).
#include <algorithm>

#include "engine/state.h"

namespace traffic::engine {
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

}  // namespace traffic::engine
