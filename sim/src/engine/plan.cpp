// The plan phase: each vehicle's acceleration for this step (car-following against the leader, the
// stop line or a service stop; signal-aware speed advice; cooperative merging; slowing for turns)
// and how far it may move. Per track in parallel: reads other tracks' positions, writes only its
// own vehicles' plan fields.
#include <algorithm>

#include "engine/lane_entry.h"
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
  const JunctionWork& junctionWork;
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

// Whether vehicle `u`, at `uPosM` on connector `uCon` whose zone starts at `uZoneM`, claims the
// zone before vehicle `id` at `posM` on `cid` whose zone starts at `zoneM` (see inBox).
bool claims(const PlanContext& s, std::uint32_t u, double uPosM, ConnectorId uCon, double uZoneM, std::uint32_t id, double posM,
            ConnectorId cid, double zoneM) {
  const Vehicle& foe = s.vehicles.hot[u];
  const Vehicle& me = s.vehicles.hot[id];
  const VehicleType& ft = s.view.type(foe);
  const VehicleType& mt = s.view.type(me);
  const bool foeCommitted = !canStopWithin(foe.speedMps, uZoneM - uPosM, ft.maxDecelMps2);
  const bool meCommitted = !canStopWithin(me.speedMps, zoneM - posM, mt.maxDecelMps2);
  if (meCommitted) return false;
  if (foeCommitted) return true;
  if (foe.speedMps < kHaltingSpeedMps) return false;
  if (me.speedMps < kHaltingSpeedMps) return true;  // the same rule seen from the other side
  // Right of way first: a vehicle on a protected movement does not wait for one that must yield
  // to it (a permissive turn), unless that one can no longer stop, or is a turner the map lets
  // wait inside the junction (NetworkView::insideStopM) that is inside already and whose light is
  // no longer green: it is clearing the junction, and arbitration let the other in on the
  // assumption that it drives on (arbitrate.cpp, conflictsClear).
  const RoadNetwork& net = *s.view.net;
  const SignalState mine = s.signals.movementStates[net.connector(cid).movement.index()];
  const SignalState theirs = s.signals.movementStates[net.connector(uCon).movement.index()];
  const auto clearing = [&](ConnectorId c, SignalState light, double atM) {
    return atM >= 0 && (light == SignalState::Red || light == SignalState::Yellow) && s.view.insideStopM[c] < kInfinity;
  };
  if (mine == SignalState::GreenProtected && theirs != SignalState::GreenProtected && !clearing(uCon, theirs, uPosM)) return false;
  if (theirs == SignalState::GreenProtected && mine != SignalState::GreenProtected && !clearing(cid, mine, posM)) return true;
  const double foeEta = timeToCover(uZoneM - uPosM, foe.speedMps, ft.accelMps2, s.view.desiredSpeedOn(ft, s.view.connectorTrack(uCon)));
  const double myEta = timeToCover(zoneM - posM, me.speedMps, mt.accelMps2, s.view.desiredSpeedOn(mt, s.view.connectorTrack(cid)));
  return foeEta < myEta || (foeEta == myEta && s.vehicles.tripBefore(u, id));
}

// Obstacles inside the junction box for vehicle `id` at `posM` along connector `cid` (negative:
// still before the stop line, granted into it), given what it already follows (`a`):
//  - a vehicle on a connector leaving the same lane whose rear has not yet left the stretch the two
//    paths share (a vehicle width apart): a leader, as on one lane (diverging followers no longer
//    drive through it);
//  - a conflict zone ahead (where a vehicle on the other connector would touch this one) that a
//    vehicle stands in, or that one about to reach it first claims: a standing obstacle at the
//    zone's start, so the vehicle yields inside the box rather than driving through the other;
//  - inside a merging zone, a vehicle on the other connector further along (both paths end on the
//    same lane): a leader, its position measured back from the common end;
//  - for the turner that waits for its gap inside the junction this step (arbitration's
//    insideHeld), its waiting position: it stops with its front there, as at a stop line.
// A vehicle that can no longer stop before a zone even at its emergency deceleration goes on, and
// the others yield to it; a protected movement goes before a permissive one; otherwise the first
// to arrive (own kinematics) claims the zone, ties to the lower trip number. A halted vehicle
// claims nothing against a moving one: it may be waiting itself, and two waiting vehicles would
// otherwise wait for each other. Both sides apply the same rules to the same positions and
// speeds, so they always agree on who goes. Only positions and
// speeds of other vehicles are read (their plans are written concurrently).
Ahead inBox(const PlanContext& s, std::uint32_t id, ConnectorId cid, double posM, Ahead a) {
  const Vehicle& v = s.vehicles.hot[id];
  const RoadNetwork& net = *s.view.net;
  auto consider = [&a](double gapM, double speedMps) {
    if (gapM < a.gapM) a = {gapM, speedMps, true};
  };
  for (const SharedStart& sh : s.view.box->sharedStarts[cid.index()]) {
    const auto& occ = s.vehicles.occupants[s.view.connectorTrack(sh.other)];
    for (std::size_t k = occ.size(); k-- > 0;) {  // back to front: nearest the start first
      const Vehicle& u = s.vehicles.hot[occ[k]];
      if (u.posM <= posM) continue;  // level or behind: it follows this one
      const double rear = s.view.rearOf(u);
      if (rear < sh.otherSharedM) consider(rear - posM, u.speedMps);
      break;
    }
  }
  const Connector& c = net.connector(cid);
  for (const ConflictZone& z : s.view.box->zones[cid.index()]) {
    const ConflictZone& k = z;  // the other connector and whether the two merge
    const TrackId foeTrack = s.view.connectorTrack(k.other);
    const auto& foes = s.vehicles.occupants[foeTrack];
    if (posM < z.fromM) {
      const double gap = z.fromM - posM;
      if (gap >= a.gapM) continue;  // something nearer already bounds the move
      bool yield = false;
      bool seen = false;  // a vehicle on the foe connector has not yet left the zone
      for (std::uint32_t u : foes) {
        const Vehicle& foe = s.vehicles.hot[u];
        if (s.view.rearOf(foe) >= z.otherToM) continue;  // past the zone
        seen = true;
        if (foe.posM > z.otherFromM) {
          // In it. Into a merge, one already further along is followed like a leader on one lane.
          const double mappedRear = foe.posM - s.view.type(foe).lengthM + c.lengthM - net.connector(k.other).lengthM;
          if (k.merging && mappedRear >= z.fromM) consider(mappedRear - posM, foe.speedMps);
          else yield = true;
          break;
        }
        yield = claims(s, u, foe.posM, k.other, z.otherFromM, id, posM, cid, z.fromM);
        break;  // the ones behind it come later still
      }
      // The front vehicle of the foe's lane, granted into it and about to cross its stop line (when
      // every vehicle on the foe connector has left the zone, it is the next to reach it).
      if (!seen) {
        const TrackId foeLane = s.view.laneTrack(net.connector(k.other).from);
        const auto& queue = s.vehicles.occupants[foeLane];
        if (!queue.empty()) {
          const std::uint32_t u = queue.front();
          const Vehicle& foe = s.vehicles.hot[u];
          if ((foe.flags & kGranted) && foe.nextConnector == k.other)
            yield = claims(s, u, foe.posM - s.view.tracks[foeLane].lengthM, k.other, z.otherFromM, id, posM, cid, z.fromM);
        }
      }
      if (yield) consider(gap, 0.0);
    } else if (k.merging && s.view.rearOf(v) < z.toM) {
      const double shift = c.lengthM - net.connector(k.other).lengthM;  // the other's positions, from the common end
      for (std::uint32_t u : foes) {
        const Vehicle& foe = s.vehicles.hot[u];
        if (foe.posM < z.otherFromM) break;
        const double mapped = foe.posM + shift;
        if (mapped > posM) consider(mapped - s.view.type(foe).lengthM - posM, foe.speedMps);
      }
    }
  }
  if (const double stopM = s.view.insideStopM[cid]; stopM < kInfinity && posM <= stopM && s.junctionWork.insideHeld[cid] == VehicleId(id)) {
    const double gap = stopM - posM + s.view.type(v).minGapM;  // the obstacle one jam distance beyond, as at the line
    if (gap < a.gapM) a = {gap, 0.0, true, stopM - posM};
    else a.limitM = std::min(a.limitM, stopM - posM);
  }
  return a;
}

// The first vehicle ahead of the front vehicle of a track, looking across the junction.
Ahead acrossJunction(const PlanContext& s, std::uint32_t id) {
  const Vehicle& v = s.vehicles.hot[id];
  const Track& here = s.view.tracks[v.track];
  const double toEnd = here.lengthM - v.posM;
  if (here.isConnector())
    return inBox(s, id, here.connector, v.posM, lastVehicleOn(s, s.view.laneTrack(s.view.net->connector(here.connector).to), toEnd));
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
  if (!a.found) a = lastVehicleOn(s, s.view.laneTrack(s.view.net->connector(c).to), toEnd + s.view.tracks[conTrack].lengthM);
  return inBox(s, id, c, -toEnd, a);
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

// Krauss' dawdling draw for a vehicle in this step: a hash of the scenario's seed, the vehicle's
// trip and the step (splitmix64), so that it depends on neither threads nor the order of planning.
double dawdleDraw(const PlanContext& s, std::uint32_t id) {
  std::uint64_t x = s.view.scenario->seed ^ (static_cast<std::uint64_t>(s.vehicles.tripOf[id]) << 32) ^ (s.clock.steps * 0x9E3779B97F4A7C15ull);
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

// Whether a vehicle merging into lane track `track` would take room promised to vehicles in or
// granted into the junction box behind (arbitrate.cpp), so that its lane change is refused.
bool mergeRoomPromised(const PlanContext& s, TrackId track, const Vehicle& merger) {
  if (!s.view.isLaneTrack(track)) return false;
  const double promised = s.junctionWork.reservedM[track];
  if (promised <= 0) return false;
  return s.junctionWork.laneRoomM[track] - entryShareM(s.view, s.view.type(merger)) < promised;
}

// The track a vehicle drives onto when it passes the end of its current one, if known: the granted
// connector from a lane, the exit lane from a connector.
TrackId nextTrackOf(const PlanContext& s, const Vehicle& v, std::size_t track) {
  const Track& here = s.view.tracks[TrackId(track)];
  if (here.isConnector()) return s.view.laneTrack(s.view.net->connector(here.connector).to);
  if ((v.flags & kGranted) && v.nextConnector.valid()) return s.view.connectorTrack(v.nextConnector);
  return {};
}

// The distance to the end of the lane after the vehicle's connector (the granted one, or the one
// it is on) and the lowest desired speed of the connectors from that road onto the route's next road, when
// that lane is shorter than the vehicle needs to slow down to that speed comfortably; an infinite
// speed otherwise.
std::pair<double, double> shortLaneTurnAhead(const PlanContext& s, const Vehicle& v, std::uint32_t id, std::size_t track) {
  constexpr std::pair<double, double> none{kInfinity, kInfinity};
  const Track& here = s.view.tracks[TrackId(track)];
  const RoadNetwork& net = *s.view.net;
  ConnectorId con;
  double distM = here.lengthM - v.posM;
  std::size_t turnIndex = v.routeIndex;  // the route index of the road the turn leads onto, minus one
  if (here.isConnector()) {
    con = here.connector;
  } else {
    if (!(v.flags & kGranted) || !v.nextConnector.valid()) return none;
    con = v.nextConnector;
    distM += s.view.tracks[s.view.connectorTrack(con)].lengthM;
    ++turnIndex;
  }
  if (turnIndex + 1u >= v.routeRoads) return none;
  const LaneId lane = net.connector(con).to;
  const double laneM = s.view.tracks[s.view.laneTrack(lane)].lengthM;
  const VehicleType& t = s.view.type(v);
  if (laneM * 2.0 * t.comfortDecelMps2 >= v.speedMps * v.speedMps) return none;  // room to stop on it, whatever the turn
  // The turn may start from another lane of that road (the vehicle changes lanes on it to reach
  // the turn), so every lane's connectors onto the next road count.
  const auto route = s.vehicles.routes[id];
  double vTurn = kInfinity;
  for (LaneId l : net.road(net.lane(lane).road).lanes)
    for (ConnectorId c : s.view.outgoing(l))
      if (s.view.connectorToRoad[c] == route[turnIndex + 1])
        vTurn = std::min(vTurn, s.view.desiredSpeedOn(t, s.view.connectorTrack(c)));
  if (vTurn >= v.speedMps || laneM >= (v.speedMps * v.speedMps - vTurn * vTurn) / (2.0 * t.comfortDecelMps2)) return none;
  return {distM + laneM, vTurn};
}

}  // namespace

void planMotion(const Executor& exec, const NetworkView& view, const SimClock& clock, const Signals& signals, const ServiceStops& stops,
                const JunctionWork& junctionWork, Vehicles& vehicles) {
  const PlanContext s{exec, view, clock, signals, stops, junctionWork, vehicles};
  const double dt = s.clock.dtS;
  s.vehicles.findActiveTracks();  // lane changes may have filled lanes or emptied them
  const std::vector<TrackId>& active = s.vehicles.activeTracks;
  s.exec.forEach(active.size(), 64, [&](std::size_t i) {
    const std::size_t track = active[i].index();
    const auto& occ = s.vehicles.occupants[track];
    if (i + 1 < active.size()) s.vehicles.prefetch(s.vehicles.occupants[active[i + 1]]);  // the next track's
    // What stays the same along the track, read once: the loop's stores to the vehicles' doubles
    // would otherwise make the compiler read the track's again for every vehicle.
    const Track& here = s.view.tracks[TrackId(track)];
    const double trackLengthM = here.lengthM;
    const bool onConnector = here.isConnector();
    // The desired speed here, by type: a track's vehicles are mostly of one type.
    std::uint32_t v0Type = ~0u;
    double v0OfType = 0;
    for (std::size_t k = 0; k < occ.size(); ++k) {
      Vehicle& v = s.vehicles.hot[occ[k]];
      const VehicleType& t = s.view.type(v);
      // The parameters in use: the type's own, or with its cooperative headway behind another
      // cooperative vehicle (the IDM family; the CACC model uses that headway itself).
      const VehicleType* model = &t;
      if (v.type != v0Type) {
        v0Type = v.type;
        v0OfType = s.view.desiredSpeedOn(t, TrackId(track));
      }
      const double v0 = v0OfType;
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
        if (onConnector) {
          const Ahead box = inBox(s, occ[k], here.connector, v.posM, a);
          if (box.gapM < a.gapM) {  // something in the box is nearer than the leader
            a = box;
            leaderCooperative = false;
            model = &t;
          }
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
      // Positions compare only on one road: a vehicle that has since left it (or this one, onto a
      // connector) is no longer beside. Not before the whole vehicle is on the lane, nor by the
      // lane's last vehicle while others drive into the lane through the junction behind it: they
      // were let in on the room behind it, and would stop in the box. Nor while the merger may not
      // come in because the lane's room is promised to vehicles in or into the box (lane_change.cpp
      // refuses the change then): holding back for it would only stop the lane, and them in the box.
      if (v.yieldTo.valid() && v.posM >= t.lengthM &&
          !(k + 1 == occ.size() && s.view.isLaneTrack(TrackId(track)) && enteredFromJunction(s.view, s.vehicles, TrackId(track))) &&
          !mergeRoomPromised(s, TrackId(track), s.vehicles.hot[v.yieldTo])) {
        const Vehicle& m = s.vehicles.hot[v.yieldTo];
        const double gap = m.posM - s.view.type(m).lengthM - v.posM;
        const bool beside = (m.flags & kInNetwork) && track < s.view.laneCount && s.view.isLaneTrack(m.track) &&
                            s.view.roadOfLane(m.track) == s.view.roadOfLane(TrackId(track));
        // Easing off, not braking harder than comfortable: a driver letting another in does not
        // stop dead in the lane (the ones let into the lane through the junction behind would
        // then stand in the box).
        if (gap > 0 && beside)
          v.accelMps2 = std::min(v.accelMps2, std::max(idmAccel(t, v0, v.speedMps, gap, m.speedMps), -t.comfortDecelMps2));
      }
      // Slow down before reaching a slower track ahead (a turn, a lower speed limit), braking
      // comfortably, or harder (up to the emergency deceleration) when the track ahead became
      // known too late for that (a short lane, a late grant); if the step ends past its start, the
      // desired speed there bounds the step.
      double v0Step = v0;
      if (const TrackId next = nextTrackOf(s, v, track); next.valid()) {
        if (const double vNext = s.view.desiredSpeedOn(v, next); vNext < v0) {
          const double toEnd = trackLengthM - v.posM;
          if (vNext < v.speedMps) {
            const double needed = (vNext * vNext - v.speedMps * v.speedMps) / (2.0 * std::max(toEnd, 1.0));
            v.accelMps2 = std::min(v.accelMps2, std::max(needed, -t.maxDecelMps2));
          }
          if (integrate(v.speedMps, v.accelMps2, dt).advanceM >= toEnd) v0Step = vNext;
        }
      }
      // And for the turn at the end of a lane after the connector, when that lane is too short to
      // slow down on comfortably (SUMO maps have edges of a few metres between close junctions):
      // the slowest connector of the route's turn there bounds the speed at its start.
      if (const auto [turnM, vTurn] = shortLaneTurnAhead(s, v, occ[k], track); vTurn < v.speedMps) {
        const double needed = (vTurn * vTurn - v.speedMps * v.speedMps) / (2.0 * std::max(turnM, 1.0));
        v.accelMps2 = std::min(v.accelMps2, std::max(needed, -t.maxDecelMps2));
      }
      // Whatever the model asked, the step must end within its bound (the leader's rear, an obstacle,
      // the stop line): brake harder when needed, up to the emergency deceleration stepAccel allows.
      // Models whose speed update is not ballistic (CityFlow's stops in exactly one step, v dt / 2
      // further) would otherwise overrun a bound shorter than that.
      if (v.limitM < kInfinity) v.accelMps2 = std::min(v.accelMps2, accelToStayWithin(v.speedMps, v.limitM, dt));
      v.accelMps2 = stepAccel(t, v0Step, v.speedMps, v.accelMps2, dt);
    }
  });
}

}  // namespace traffic::engine
