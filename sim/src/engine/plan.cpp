// The plan phase: each vehicle's acceleration for this step (car-following against the leader, the
// stop line or a service stop; signal-aware speed advice; cooperative merging; slowing for turns)
// and how far it may move. Per track in parallel: reads other tracks' positions, writes only its
// own vehicles' plan fields.
#include <algorithm>

#include "engine/state.h"
#include "mobility/service_stops.h"

namespace traffic::engine {

// What the planMotion phase reads (const) and writes, by the names of the engine state's subsystems.
struct PlanContext {
  const Executor& exec;
  const NetworkView& view;
  const Signals& signals;
  const ServiceStops& stops;
  Vehicles& vehicles;
};

namespace {

struct Ahead {
  double gapM = kInfinity;  // bumper to bumper, to a vehicle or an obstacle
  double speedMps = 0;
  bool found = false;
};

Ahead lastVehicleOn(const PlanContext& s, TrackId track, double offsetM) {
  const auto& occ = s.vehicles.occupants[track];
  if (occ.empty()) return {};
  const Vehicle& u = s.vehicles.hot[occ.back()];
  return {offsetM + u.posM - s.view.type(u).lengthM, u.speedMps, true};
}

// The first vehicle ahead of the front vehicle of a track, looking across the junction.
Ahead acrossJunction(const PlanContext& s, std::uint32_t id) {
  const Vehicle& v = s.vehicles.hot[id];
  const Track& here = s.view.tracks[v.track];
  const double toEnd = here.lengthM - v.posM;
  if (here.isConnector()) return lastVehicleOn(s, s.view.laneTrack(s.view.net->connector(here.connector).to), toEnd);
  if (s.vehicles.onLastRoad(id)) return {};
  if (!(v.flags & kGranted)) {
    // Stop at the line (an obstacle standing there) unless far enough not to care yet.
    return {toEnd, 0.0, true};
  }
  const ConnectorId c = v.nextConnector;
  const TrackId conTrack = s.view.connectorTrack(c);
  Ahead a = lastVehicleOn(s, conTrack, toEnd);
  if (a.found) return a;
  return lastVehicleOn(s, s.view.laneTrack(s.view.net->connector(c).to), toEnd + s.view.tracks[conTrack].lengthM);
}

// Green light optimal speed advisory: the speed at which a vehicle `distM` before a red stop line
// arrives as the signal's forecast turns green. Above the desired speed (green soon) or too slow to
// be worth it (green far off) it gives no advice (infinity), and the vehicle approaches as usual.
double greenArrivalSpeed(const PlanContext& s, std::uint32_t id, double distM) {
  constexpr double kSlowestAdviceMps = 3.0;
  const Vehicle& v = s.vehicles.hot[id];
  const auto route = s.vehicles.routes[id];
  if (v.routeIndex + 1u >= route.size() || distM < 5.0) return kInfinity;
  const RoadId road = route[v.routeIndex];
  const std::int32_t c = s.signals.controllerOfJunction[s.view.net->road(road).to.index()];
  if (c < 0) return kInfinity;
  const auto movement = s.view.net->movementBetween(road, route[v.routeIndex + 1]);
  if (!movement) return kInfinity;
  const double wait = s.signals.controllers[static_cast<std::size_t>(c)].timeUntilGreen(*movement);
  if (wait <= 0) return kInfinity;
  const double advice = distM / wait;
  return advice >= kSlowestAdviceMps ? advice : kInfinity;
}

}  // namespace

void planMotion(const Executor& exec, const NetworkView& view, const Signals& signals, const ServiceStops& stops, Vehicles& vehicles) {
  const PlanContext s{exec, view, signals, stops, vehicles};
  s.exec.forEach(s.view.tracks.size(), 64, [&](std::size_t track) {
    const auto& occ = s.vehicles.occupants[track];
    for (std::size_t k = 0; k < occ.size(); ++k) {
      Vehicle& v = s.vehicles.hot[occ[k]];
      const VehicleType& t = s.view.type(v);
      // The car-following model in use: the type's own, or its cooperative (CACC) headway behind
      // another cooperative vehicle.
      const VehicleType* model = &t;
      const double v0 = s.view.desiredSpeedOn(v, TrackId(track));
      double advice = kInfinity;  // signal-aware vehicles: the speed to arrive on green
      Ahead a;
      if (k > 0) {
        const Vehicle& leader = s.vehicles.hot[occ[k - 1]];
        a = {leader.posM - s.view.type(leader).lengthM - v.posM, leader.speedMps, true};
        if (t.cooperative && s.view.type(leader).cooperative) model = &s.view.platoonTypes[v.type];
      } else {
        a = acrossJunction(s, occ[k]);
        if (t.signalAware && a.found && !(v.flags & kGranted) && track < s.view.laneCount)
          advice = greenArrivalSpeed(s, occ[k], a.gapM);
      }
      if (ServiceStops::serves(v)) {
        if (v.flags & kDwelling) {
          v.accelMps2 = -t.maxDecelMps2;
          v.limitM = 0;
          continue;
        }
        // Halt with the front at the stop: the obstacle stands one jam distance beyond it.
        if (const double stopM = s.stops.haltPositionAhead(occ[k], TrackId(track)); stopM >= 0) {
          const double gap = std::max(0.0, stopM + t.minGapM - v.posM);
          if (!a.found || gap < a.gapM) a = {gap, 0.0, true};
        }
      }
      if (a.found) {
        v.accelMps2 = idmAccel(*model, v0, v.speedMps, a.gapM, a.speedMps);
        v.limitM = std::max(0.0, a.gapM);
        if (advice < v0) {
          // Follow the advice by easing off gently, never by braking harder than the stop line asks.
          const double advised = idmAccel(*model, advice, v.speedMps, a.gapM, a.speedMps);
          v.accelMps2 = std::min(v.accelMps2, std::max(advised, -0.5 * t.comfortDecelMps2));
        }
      } else {
        v.accelMps2 = idmFreeAccel(*model, v0, v.speedMps);
        v.limitM = kInfinity;
      }
      // Make room for a vehicle beside that must merge into this lane (cooperative merging).
      if (v.yieldTo.valid()) {
        const Vehicle& m = s.vehicles.hot[v.yieldTo];
        const double gap = m.posM - s.view.type(m).lengthM - v.posM;
        if (gap > 0 && (m.flags & kInNetwork)) v.accelMps2 = std::min(v.accelMps2, idmAccel(t, v0, v.speedMps, gap, m.speedMps));
      }
      // Slow down for a slower connector ahead (a turn) before reaching it.
      if (k == 0 && !s.view.tracks[track].isConnector() && (v.flags & kGranted)) {
        const double vTurn = s.view.desiredSpeedOn(v, s.view.connectorTrack(v.nextConnector));
        const double toEnd = s.view.tracks[track].lengthM - v.posM;
        if (vTurn < v.speedMps) {
          const double needed = (vTurn * vTurn - v.speedMps * v.speedMps) / (2.0 * std::max(toEnd, 1.0));
          v.accelMps2 = std::min(v.accelMps2, std::max(needed, -t.comfortDecelMps2));
        }
      }
    }
  });
}

}  // namespace traffic::engine
