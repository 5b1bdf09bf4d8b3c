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
  const SimClock& clock;
  const Signals& signals;
  const ServiceStops& stops;
  Vehicles& vehicles;
};

namespace {

struct Ahead {
  double gapM = kInfinity;  // bumper to bumper, to a vehicle or an obstacle
  double speedMps = 0;
  bool found = false;
  double limitM = kInfinity;  // how far the vehicle may move this step, when less than the gap
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
    // Stop with the front at the line, as drivers do (and CityFlow and SUMO): the obstacle the
    // model follows stands one jam distance beyond it, and the move may not pass the line. An
    // obstacle at the line itself left the queue leader one jam distance (2.5 m) short of it, and
    // every discharge started with that distance to cover.
    return {toEnd + s.view.type(v).minGapM, 0.0, true, toEnd};
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

// Krauss' dawdling draw for a vehicle in this step: a hash of the scenario's seed, the vehicle
// and the step (splitmix64), so that it depends on neither threads nor the order of planning.
double dawdleDraw(const PlanContext& s, std::uint32_t id) {
  std::uint64_t x = s.view.scenario->seed ^ (static_cast<std::uint64_t>(id) << 32) ^ (s.clock.steps * 0x9E3779B97F4A7C15ull);
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

// The track a vehicle drives onto when it passes the end of its current one, if known: the granted
// connector from a lane, the exit lane from a connector.
TrackId nextTrackOf(const PlanContext& s, const Vehicle& v, std::size_t track) {
  const Track& here = s.view.tracks[TrackId(track)];
  if (here.isConnector()) return s.view.laneTrack(s.view.net->connector(here.connector).to);
  if ((v.flags & kGranted) && v.nextConnector.valid()) return s.view.connectorTrack(v.nextConnector);
  return {};
}

}  // namespace

void planMotion(const Executor& exec, const NetworkView& view, const SimClock& clock, const Signals& signals, const ServiceStops& stops,
                Vehicles& vehicles) {
  const PlanContext s{exec, view, clock, signals, stops, vehicles};
  const double dt = s.clock.dtS;
  s.exec.forEach(s.view.tracks.size(), 64, [&](std::size_t track) {
    const auto& occ = s.vehicles.occupants[track];
    for (std::size_t k = 0; k < occ.size(); ++k) {
      Vehicle& v = s.vehicles.hot[occ[k]];
      const VehicleType& t = s.view.type(v);
      // The parameters in use: the type's own, or with its cooperative headway behind another
      // cooperative vehicle (the IDM family; the CACC model uses that headway itself).
      const VehicleType* model = &t;
      const double v0 = s.view.desiredSpeedOn(v, TrackId(track));
      double advice = kInfinity;  // signal-aware vehicles: the speed to arrive on green
      Ahead a;
      // A cooperative leader's acceleration reaches its follower by radio. Only a leader on the
      // same track is read: it was planned earlier in this loop (front to back), while a vehicle on
      // another track may be planned concurrently by another thread.
      bool leaderCooperative = false;
      double leaderAccel = 0;
      if (k > 0) {
        const Vehicle& leader = s.vehicles.hot[occ[k - 1]];
        a = {leader.posM - s.view.type(leader).lengthM - v.posM, leader.speedMps, true};
        if (t.cooperative && s.view.type(leader).cooperative) {
          leaderCooperative = true;
          leaderAccel = leader.accelMps2;
          if (t.carFollowing != CarFollowingModel::Cacc) model = &s.view.platoonTypes[v.type];
        }
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
          if (!a.found || gap < a.gapM) {
            a = {gap, 0.0, true};
            leaderCooperative = false;
            model = &t;
          }
        }
      }
      FollowingInput in{.v0Mps = v0, .speedMps = v.speedMps, .dtS = dt};
      if (model->carFollowing == CarFollowingModel::Krauss) in.random01 = dawdleDraw(s, occ[k]);
      if (a.found) {
        in.gapM = a.gapM;
        in.leaderSpeedMps = a.speedMps;
        in.leaderAccelMps2 = leaderAccel;
        in.leaderCooperative = leaderCooperative;
        v.accelMps2 = followingAccel(*model, in);
        v.limitM = std::max(0.0, std::min(a.gapM, a.limitM));
        // The model follows an obstacle beyond the line; the step itself must end at the line.
        if (a.limitM < a.gapM) v.accelMps2 = std::min(v.accelMps2, accelToStayWithin(v.speedMps, a.limitM, dt));
        if (advice < v0) {
          // Follow the advice by easing off gently, never by braking harder than the stop line asks.
          const double advised = idmAccel(*model, advice, v.speedMps, a.gapM, a.speedMps);
          v.accelMps2 = std::min(v.accelMps2, std::max(advised, -0.5 * t.comfortDecelMps2));
        }
      } else {
        v.accelMps2 = followingAccel(*model, in);
        v.limitM = kInfinity;
      }
      // Make room for a vehicle beside that must merge into this lane (cooperative merging).
      if (v.yieldTo.valid()) {
        const Vehicle& m = s.vehicles.hot[v.yieldTo];
        const double gap = m.posM - s.view.type(m).lengthM - v.posM;
        if (gap > 0 && (m.flags & kInNetwork)) v.accelMps2 = std::min(v.accelMps2, idmAccel(t, v0, v.speedMps, gap, m.speedMps));
      }
      // Slow down before reaching a slower track ahead (a turn, a lower speed limit), braking
      // comfortably, or harder (up to the emergency deceleration) when the track ahead became
      // known too late for that (a short lane, a late grant); if the step ends past its start, the
      // desired speed there bounds the step.
      double v0Step = v0;
      if (const TrackId next = nextTrackOf(s, v, track); next.valid()) {
        if (const double vNext = s.view.desiredSpeedOn(v, next); vNext < v0) {
          const double toEnd = s.view.tracks[track].lengthM - v.posM;
          if (vNext < v.speedMps) {
            const double needed = (vNext * vNext - v.speedMps * v.speedMps) / (2.0 * std::max(toEnd, 1.0));
            v.accelMps2 = std::min(v.accelMps2, std::max(needed, -t.maxDecelMps2));
          }
          if (integrate(v.speedMps, v.accelMps2, dt).advanceM >= toEnd) v0Step = vNext;
        }
      }
      v.accelMps2 = stepAccel(t, v0Step, v.speedMps, v.accelMps2, dt);
    }
  });
}

}  // namespace traffic::engine
