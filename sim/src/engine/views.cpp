// Pictures of the world at an instant: the snapshot (every vehicle) and the frame a viewer draws
// and a recording stores.
#include "traffic/world.h"

#include <algorithm>
#include <array>

#include "engine/state.h"
#include "mobility/service_stops.h"

namespace traffic {

using namespace engine;

WorldSnapshot World::snapshot() const {
  const State& s = *m;
  WorldSnapshot snap;
  snap.timeS = s.clock.nowS;
  snap.movementStates = s.signals.movementStates;
  for (std::size_t t = 0; t < s.view.tracks.size(); ++t) {
    for (std::uint32_t id : s.vehicles.occupants[t]) {
      const Vehicle& v = s.vehicles.hot[id];
      VehicleView view;
      view.id = VehicleId(s.vehicles.tripOf[id]);
      view.vehicleClass = s.view.type(v).vehicleClass;
      view.onConnector = s.view.tracks[t].isConnector();
      if (view.onConnector) view.connector = s.view.tracks[t].connector;
      else view.lane = s.view.tracks[t].lane;
      view.positionM = v.posM;
      view.speedMps = v.speedMps;
      view.accelMps2 = v.accelMps2;
      view.lengthM = s.view.type(v).lengthM;
      snap.vehicles.push_back(view);
    }
  }
  return snap;
}

std::vector<UpcomingStop> World::upcomingStops(std::uint32_t trip) const {
  const State& s = *m;
  std::vector<UpcomingStop> out;
  if (trip >= s.vehicles.recordOf.size()) return out;
  const std::uint32_t id = s.vehicles.recordOf[trip];
  if (!(s.vehicles.hot[id].flags & kInNetwork)) return out;
  if (id < s.transit.runOfVehicle.size() && s.transit.runOfVehicle[id] != UINT32_MAX) {
    const TransitRun& run = s.transit.runs[s.transit.runOfVehicle[id]];
    const TransitLine& line = lineOf(s.view, run);
    for (std::size_t k = run.nextStop; k < line.stops.size(); ++k) {
      const TransitStop& stop = s.view.scenario->transit.stops[line.stops[k]];
      out.push_back({UpcomingStop::Kind::TransitStop, stop.id, stop.lane, stop.positionM});
    }
  } else if (id < s.fleets.fleetOfVehicle.size() && s.fleets.fleetOfVehicle[id] != UINT32_MAX) {
    const FleetVehicle& fv = s.fleets.fleetVehicles[s.fleets.fleetOfVehicle[id]];
    const VehicleClass cls = s.view.type(s.vehicles.hot[id]).vehicleClass;
    for (const PlannedStop& p : fv.plan) {
      if (p.request == UINT32_MAX) continue;  // driving to park where demand is: no rider's stop
      out.push_back({p.pickup ? UpcomingStop::Kind::Pickup : UpcomingStop::Kind::Dropoff,
                     s.view.scenario->fleets.requests[p.request].id, fleetStopLaneOn(s.view, p.road, cls),
                     fleetStopPositionOn(s.view, p.road)});
    }
  }
  return out;
}

std::vector<std::pair<RoadId, std::uint32_t>> World::entryQueueLengths() const {
  const State& s = *m;
  std::vector<std::pair<RoadId, std::uint32_t>> out;
  for (std::size_t r = 0; r < s.entry.entryQueues.size(); ++r)
    if (!s.entry.entryQueues[r].empty())
      out.emplace_back(RoadId(r), static_cast<std::uint32_t>(s.entry.entryQueues[r].size()));
  return out;
}

Frame World::frame() const {
  const State& s = *m;
  Frame f;
  f.timeS = s.clock.nowS;
  f.step = s.clock.steps;
  f.movementStates = s.signals.movementStates;
  f.signals.reserve(s.signals.controllers.size());
  for (const SignalController& c : s.signals.controllers)
    f.signals.push_back(FrameSignal{c.junction().value, static_cast<std::uint8_t>(std::min<int>(c.currentPhase(), 255)),
                                    static_cast<std::uint8_t>(std::min<int>(c.nextPhase(), 255)),
                                    static_cast<std::uint8_t>(c.stage()), static_cast<float>(c.timeInStageS())});
  // Passengers wait per (line, stop of the line); a stop served by several lines shows them all.
  const Transit& lines = s.view.scenario->transit;
  if (!lines.stops.empty()) {
    std::vector<std::size_t> waiting(lines.stops.size(), 0);
    for (std::size_t l = 0; l < lines.lines.size() && l < s.transit.lineStopBase.size(); ++l) {
      const TransitLine& line = lines.lines[l];
      for (std::size_t k = 0; k < line.stops.size(); ++k) waiting[line.stops[k]] += s.transit.waiting[s.transit.lineStopBase[l] + k].size();
    }
    f.stopWaiting.reserve(waiting.size());
    for (std::size_t n : waiting) f.stopWaiting.push_back(static_cast<std::uint16_t>(std::min<std::size_t>(n, UINT16_MAX)));
  }
  f.vehicles.reserve(s.stats.counts.running);
  double speed = 0, delay = 0;
  std::size_t counted = 0;  // vehicles on trips (not fleet service vehicles)
  auto add = [&](std::uint32_t id) {
    const Vehicle& v = s.vehicles.hot[id];
    const Track& track = s.view.tracks[v.track];
    const VehicleType& type = s.view.type(v);
    FrameVehicle fv;
    fv.id = s.vehicles.tripOf[id];
    fv.track = track.isConnector() ? track.connector.value : track.lane.value;
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
      fv.load = static_cast<std::uint16_t>(std::min<std::size_t>(s.transit.runs[s.transit.runOfVehicle[id]].onboard.size(), UINT16_MAX));
    if (v.flags & kFleet)
      fv.load = static_cast<std::uint16_t>(std::min<std::size_t>(s.fleets.fleetVehicles[s.fleets.fleetOfVehicle[id]].onboard.size(), UINT16_MAX));
    f.vehicles.push_back(fv);
    if (s.fleets.isServiceVehicle(id)) return;
    speed += v.speedMps;
    delay += tripDelayIndex(s.view, s.vehicles, id, s.clock.nowS);
    ++counted;
  };
  for (const auto& occupants : s.vehicles.occupants)
    for (std::uint32_t id : occupants) add(id);
  for (std::uint32_t id : s.vehicles.inBay) add(id);
  const auto n = static_cast<double>(counted);
  f.stats.running = static_cast<std::uint32_t>(f.vehicles.size());
  f.stats.waitingToEnter = static_cast<std::uint32_t>(s.stats.counts.waitingToEnter);
  f.stats.arrived = s.stats.counts.arrived;
  f.stats.meanSpeedMps = n > 0 ? static_cast<float>(speed / n) : 0.0f;
  f.stats.delayIndex = n > 0 ? static_cast<float>(delay / n) : 1.0f;
  return f;
}

}  // namespace traffic
