// Lane changes, per road: mandatory ones (the current lane has no connector onto the next road of
// the route), strategic ones (toward the lanes that lead on furthest along the route, looked ahead
// over the next roads as SUMO's LC2013 does, once the lane the vehicle is in stops leading on
// within a few seconds of driving per lane to cross, with an urgency that grows as that distance
// shrinks) and discretionary ones by MOBIL (Kesting, Treiber, Helbing 2007): change when the
// gain in own acceleration plus `politeness` times the gains of the old and new followers exceeds
// a threshold, and only if the new follower need not brake harder than is comfortable. A
// discretionary change never leaves the best lanes for one that stops leading on soon.
//
// A vehicle that stands at the stop line of a lane that cannot take it onto its next road, and
// cannot change out of it, re-routes after kMissedTurnWaitS from a turn its lane allows (serially,
// after the per-road pass) rather than blocking the lane until the gridlock handler teleports it.
//
// A change is instantaneous and keeps the position along the road (all lanes of a road have the
// same length). It is refused unless both the gap to the new leader and the gap to the new
// follower stay positive, so a lane change never creates an overlap. Vehicles of a road are
// treated in a fixed order (lane, then front to back) and each decision sees the changes made
// before it, so the result is deterministic. Mandatory changes are made even with lane changing
// switched off: without them a vehicle in the wrong lane could never leave the road.
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <optional>

#include "engine/lane_choice.h"
#include "engine/lane_entry.h"
#include "engine/state.h"
#include "mobility/service_stops.h"
#include "traffic/demand.h"

namespace traffic::engine {

// What the changeLanes phase reads (const) and writes, by the names of the engine state's subsystems.
struct LaneChangeContext {
  const Executor& exec;
  const NetworkView& view;
  const SimClock& clock;
  const ServiceStops& stops;
  const JunctionWork& junctionWork;
  Vehicles& vehicles;
  RoadWork& roadWork;
};

namespace {

constexpr double kMinSideGapM = 0.5;
constexpr double kCooldownS = 3.0;          // between two discretionary changes of one vehicle
constexpr double kNoDiscretionaryNearEndM = 30.0;
constexpr double kLookForwardS = 10.0;      // of driving per lane to cross (pressingDistanceM)
constexpr double kLookAheadSpeedMps = 8.0;
// A vehicle halted this long with its front this close to the stop line of a lane that cannot take
// it on, unable to change lanes, has missed its turn.
constexpr double kMissedTurnWaitS = 20.0;
constexpr double kAtLineM = 2.0;
constexpr double kAskToYieldUrgency = 0.5;  // a strategic change asks for a gap from this urgency on
constexpr double kSqueezeAfterS = 5.0;      // a mandatory changer standing this long takes a tight gap beside standing vehicles

struct Neighbours {
  std::ptrdiff_t leader = -1;    // index in the lane's occupant list, -1 if none
  std::ptrdiff_t follower = -1;
  std::size_t insertAt = 0;
};

// Vehicles of a lane are ordered by decreasing position. Ties put the newcomer behind.
Neighbours neighboursAt(const NetworkView& /*view*/, const Vehicles& vehicles, const std::vector<std::uint32_t>& occ, double posM) {
  auto it = std::partition_point(occ.begin(), occ.end(), [&](std::uint32_t u) { return vehicles.hot[u].posM >= posM; });
  Neighbours n;
  n.insertAt = static_cast<std::size_t>(it - occ.begin());
  n.leader = static_cast<std::ptrdiff_t>(n.insertAt) - 1;
  n.follower = it == occ.end() ? -1 : static_cast<std::ptrdiff_t>(n.insertAt);
  return n;
}

struct Evaluation {
  bool safe = false;
  double incentive = 0;
};

class RoadLaneChanger {
 public:
  RoadLaneChanger(const LaneChangeContext& s, RoadId road) : m_s(s), m_net(*s.view.net), m_roadId(road), m_road(m_net.road(road)) {}

  void run(std::vector<std::uint32_t>& order) {
    order.clear();
    for (LaneId l : m_road.lanes)
      for (std::uint32_t id : m_s.vehicles.occupants[m_s.view.laneTrack(l)]) {
        order.push_back(id);
        m_s.vehicles.hot[id].yieldTo = {};
        m_s.vehicles.prefetchRoute(id);  // read by consider() below, which waits on one vehicle at a time
      }
    for (std::uint32_t id : order) consider(id);
  }

 private:
  const LaneChangeContext& m_s;
  const RoadNetwork& m_net;
  RoadId m_roadId;
  const Road& m_road;

  // Room taken this step by changes into each lane of the road (the first kPlannedLanes lanes).
  std::array<double, kPlannedLanes> m_takenM{};
  [[nodiscard]] double takenM(TrackId lane) const {
    const std::size_t k = m_s.view.tracks[lane].indexInRoad;
    return k < kPlannedLanes ? m_takenM[k] : 0.0;
  }

  [[nodiscard]] int laneIndexOf(const Vehicle& v) const { return m_s.view.tracks[v.track].indexInRoad; }

  [[nodiscard]] bool usable(int laneIndex, std::uint32_t id) const {
    if (laneIndex < 0 || laneIndex >= static_cast<int>(m_road.lanes.size())) return false;
    const LaneId l = m_road.lanes[static_cast<std::size_t>(laneIndex)];
    if (!m_s.view.tracks[m_s.view.laneTrack(l)].allowed.allows(m_s.view.type(m_s.vehicles.hot[id]).vehicleClass)) return false;
    // A transit vehicle heading for a stop on this road keeps to the stop's lane.
    if (const TrackId stopLane = m_s.stops.requiredLaneOnRoad(id); stopLane.valid()) return m_s.view.laneTrack(l) == stopLane;
    const auto next = m_s.vehicles.nextRoad(id);
    return !next || m_s.view.laneLeadsTo(l, *next);
  }

  [[nodiscard]] double accelBehind(std::uint32_t follower, std::ptrdiff_t leaderIdx, const std::vector<std::uint32_t>& occ,
                                   TrackId track, double followerPos) const {
    const Vehicle& f = m_s.vehicles.hot[follower];
    const VehicleType& t = m_s.view.type(f);
    const double v0 = m_s.view.desiredSpeedOn(f, track);
    if (leaderIdx < 0) return idmFreeAccel(t, v0, f.speedMps);
    const Vehicle& l = m_s.vehicles.hot[occ[static_cast<std::size_t>(leaderIdx)]];
    return idmAccel(t, v0, f.speedMps, l.posM - m_s.view.type(l).lengthM - followerPos, l.speedMps);
  }

  [[nodiscard]] double accelBehindVehicle(std::uint32_t follower, std::uint32_t leader, TrackId track) const {
    const Vehicle& f = m_s.vehicles.hot[follower];
    const Vehicle& l = m_s.vehicles.hot[leader];
    const VehicleType& t = m_s.view.type(f);
    return idmAccel(t, m_s.view.desiredSpeedOn(f, track), f.speedMps, l.posM - m_s.view.type(l).lengthM - f.posM, l.speedMps);
  }

  // Safety of moving `id` into lane track `to`, braking no harder than `urgency` allows
  // (acceptedDecelMps2), and the parts of the MOBIL incentive that depend on the target lane:
  // the vehicle's own acceleration there and its new follower's gain.
  struct Target {
    bool safe = false;
    double myNew = 0;
    double newFollowerGain = 0;
  };
  static constexpr double kDiscretionary = -1.0;  // as urgency: a MOBIL change, braking no harder than comfortable
  Target evaluate(std::uint32_t id, TrackId to, double urgency) const {
    auto accepted = [urgency](const VehicleType& type) {
      return urgency == kDiscretionary ? type.comfortDecelMps2 : acceptedDecelMps2(type, urgency);
    };
    const Vehicle& me = m_s.vehicles.hot[id];
    const VehicleType& t = m_s.view.type(me);
    const auto& target = m_s.vehicles.occupants[to];
    const Neighbours n = neighboursAt(m_s.view, m_s.vehicles, target, me.posM);
    Target e;
    // A change that must happen, by a vehicle that has stood waiting for it for kSqueezeAfterS
    // (see the kinematics below).
    const bool squeeze = urgency >= 1 && me.speedMps < kHaltingSpeedMps && me.haltedS >= kSqueezeAfterS;
    // Geometry: no overlap with either neighbour, and a margin of kMinSideGapM. Beside a neighbour
    // that stands, a squeezing vehicle takes any gap free of overlap: the vehicle that held back
    // for it (plan.cpp, braking no harder than comfortable) can come to stand closer than the
    // margin to its rear, and both would then stand for good (a 12 m truck at the end of the
    // ramp game's acceleration lane and the car it asked to yield, 0.3 m apart).
    auto sideGapOk = [&](double gapM, const Vehicle& other) {
      if (gapM >= kMinSideGapM) return true;
      return squeeze && other.speedMps < kHaltingSpeedMps && gapM > 0;
    };
    if (n.leader >= 0) {
      const Vehicle& l = m_s.vehicles.hot[target[static_cast<std::size_t>(n.leader)]];
      if (!sideGapOk(l.posM - m_s.view.type(l).lengthM - me.posM, l)) return e;
    }
    if (n.follower >= 0) {
      const Vehicle& f = m_s.vehicles.hot[target[static_cast<std::size_t>(n.follower)]];
      if (!sideGapOk(me.posM - t.lengthM - f.posM, f)) return e;
      // A strategic change (not yet mandatory) does not cut in front of a vehicle granted its
      // connector: that one would lose its grant and could be granted another, tighter turn too
      // close to the line to slow down for it.
      if (urgency >= 0 && urgency < 1 && (f.flags & kGranted)) return e;
    } else if (me.posM - t.lengthM < m_s.junctionWork.reservedM[to]) {
      // Behind the last vehicle, the space at the lane's start is promised to vehicles in the
      // junction box or granted into it (arbitrate.cpp): taking it would leave one of them
      // standing in the box.
      return e;
    }
    // Anywhere in the lane, the change lengthens its queue by the vehicle: not when that leaves
    // less room than is promised to vehicles in or into the box (arbitrate.cpp's laneRoomM, less
    // what the changes made on this road in this step took).
    if (const double promised = m_s.junctionWork.reservedM[to]; promised > 0) {
      const double share = entryShareM(m_s.view, t);
      if (m_s.junctionWork.laneRoomM[to] - takenM(to) - share < promised) return e;
    }
    // A change toward the next road (not a discretionary one) into a lane from whose end the turn
    // onto that road is slower than the vehicle: only while it can still slow to the turn's speed
    // before the lane ends, braking at most at its emergency deceleration from the next step on.
    // A driver does not cut across to an exit at speed a few metres before its nose; it misses
    // the exit and re-routes (changeLanes()). On A10KW a car crossed three motorway lanes in
    // 1.5 s and entered the exit's connector above the speed of its curve.
    if (urgency >= 0 && me.speedMps > 0) {
      if (const auto next = m_s.vehicles.nextRoad(id)) {
        double vTurn = -1;
        for (ConnectorId c : m_net.lane(m_s.view.tracks[to].lane).outgoing)
          if (m_net.lane(m_net.connector(c).to).road == *next) vTurn = std::max(vTurn, m_s.view.desiredSpeedOn(t, m_s.view.connectorTrack(c)));
        if (vTurn >= 0 && vTurn < me.speedMps) {
          const double roomM = m_s.view.tracks[to].lengthM - me.posM - me.speedMps * m_s.clock.dtS;
          if (roomM <= 0 || me.speedMps * me.speedMps - vTurn * vTurn > 2.0 * t.maxDecelMps2 * roomM) return e;
        }
      }
    }
    // Kinematics: neither I nor my new follower must brake harder than allowed. Except, for a
    // change that must happen, once the vehicle has stood waiting for it for kSqueezeAfterS: next
    // to a queue that stands, a standing vehicle brakes no more however close the other is (the
    // gaps above are kept), and the change may go into a gap shorter than the car-following
    // model's jam distance (SUMO's drivers likewise accept smaller gaps as they grow impatient).
    // Without it a follower that held back for the merger, and came to stand closer than that
    // distance, would hold it, and itself, for ever.
    e.myNew = accelBehind(id, n.leader, target, to, me.posM);
    if (e.myNew < -accepted(t) && !squeeze) return e;
    if (n.follower >= 0) {
      const std::uint32_t f = target[static_cast<std::size_t>(n.follower)];
      const double after = accelBehindVehicle(f, id, to);
      if (after < -accepted(m_s.view.type(m_s.vehicles.hot[f])) && !(squeeze && m_s.vehicles.hot[f].speedMps < kHaltingSpeedMps)) return e;
      e.newFollowerGain = after - accelBehind(f, n.leader, target, to, m_s.vehicles.hot[f].posM);
    }
    e.safe = true;
    return e;
  }

  // A blocked mandatory change: the vehicle that would follow in the target lane holds back, so
  // that a gap opens (without it a full queue never lets anyone in and the road deadlocks).
  void askToYield(std::uint32_t id, TrackId targetTrack) {
    const auto& target = m_s.vehicles.occupants[targetTrack];
    const Neighbours n = neighboursAt(m_s.view, m_s.vehicles, target, m_s.vehicles.hot[id].posM);
    if (n.follower < 0) return;
    Vehicle& f = m_s.vehicles.hot[target[static_cast<std::size_t>(n.follower)]];
    if (!f.yieldTo.valid()) f.yieldTo = VehicleId(id);
  }

  // The vehicle's lane plan on this road, computed on its first look at the road.
  const LanePlan& planOf(std::uint32_t id) const { return lanePlanOf(m_s.view, m_s.vehicles, id); }

  // Whether `id` stands at the stop line of its lane, which cannot take it on, long enough to
  // count as having missed its turn (it then re-routes; see changeLanes()).
  [[nodiscard]] bool missedTurn(std::uint32_t id, TrackId from) const {
    const Vehicle& v = m_s.vehicles.hot[id];
    if (v.flags & (kTransit | kFleet)) return false;  // their routes are the stops' and the dispatcher's
    if (v.haltedS < kMissedTurnWaitS || m_s.vehicles.occupants[from].front() != id) return false;
    if (m_s.view.tracks[from].lengthM - v.posM > kAtLineM) return false;
    const std::size_t l = m_s.view.tracks[from].lane.index();
    return m_s.view.laneExitBegin[l] < m_s.view.laneExitBegin[l + 1];  // some turn to take instead
  }

  void consider(std::uint32_t id) {
    Vehicle& v = m_s.vehicles.hot[id];
    if (v.flags & (kGranted | kDwelling)) return;  // committed to its connector, or doors open
    const TrackId from = v.track;
    const int laneIdx = laneIndexOf(v);
    const auto& current = m_s.vehicles.occupants[from];
    const bool stopLane = m_s.stops.requiredLaneOnRoad(id).valid();
    const bool hasNext = !m_s.vehicles.onLastRoad(id);
    // The lane plan (a transit vehicle heading for a stop keeps to the stop's lane instead, and
    // roads with more than kPlannedLanes lanes keep the one-road rule). It also answers usable()
    // for this vehicle's lanes, without a search of each lane's exits.
    const LanePlan* plan = nullptr;
    if (!stopLane) {
      plan = &planOf(id);
      if (plan->lanes == 0) plan = nullptr;
    }
    auto usableHere = [&](int k) {
      if (!plan) return usable(k, id);
      return k >= 0 && k < static_cast<int>(plan->lanes) && ((plan->leadsOn >> k) & 1u) != 0;
    };
    const bool mandatory = !usableHere(laneIdx) && (hasNext || stopLane);
    int best = -1;  // the lane to head for, one lane at a time, when a change is mandatory or pressing
    double urgency = 0;
    if (mandatory) {
      // Head for the nearest lane that leads on (of those, the one that leads furthest).
      for (int k = 0; k < static_cast<int>(m_road.lanes.size()); ++k) {
        if (!usableHere(k)) continue;
        const int d = std::abs(k - laneIdx), bd = std::abs(best - laneIdx);
        if (best < 0 || d < bd || (d == bd && plan && plan->reachM[static_cast<std::size_t>(k)] > plan->reachM[static_cast<std::size_t>(best)]))
          best = k;
      }
      if (best < 0) {  // no lane leads on
        if (hasNext && missedTurn(id, from)) m_s.roadWork.missedTurns[m_roadId.index()].push_back(id);
        return;
      }
      urgency = 1.0;
    } else if (plan) {
      // Strategic: the nearest of the lanes that lead on furthest, once this one stops leading on
      // within the pressing distance.
      best = plan->towards[static_cast<std::size_t>(laneIdx)];
      if (best >= 0) {
        urgency = laneChangeUrgency(plan->reachM[static_cast<std::size_t>(laneIdx)] - v.posM, std::abs(best - laneIdx), v.speedMps);
        if (urgency <= 0) best = -1;
      }
    }
    // Most vehicles have no discretionary change to consider: decide that before searching for
    // the vehicle's place in its lane (this phase runs for every vehicle on a multi-lane road).
    if (best < 0) {
      if (!m_s.view.scenario->laneChanging || current.front() == id) return;  // the front vehicle of a lane is not impeded
      if (v.laneChangeCooldown > 0) return;
      if (m_s.view.tracks[from].lengthM - v.posM < kNoDiscretionaryNearEndM) return;
    }

    int target = -1;
    if (best >= 0) {
      target = laneIdx + (best > laneIdx ? 1 : -1);
      const TrackId to = m_s.view.laneTrack(m_road.lanes[static_cast<std::size_t>(target)]);
      const bool open = m_net.lane(m_road.lanes[static_cast<std::size_t>(target)]).allowed.allows(m_s.view.type(v).vehicleClass);
      if (!open || !evaluate(id, to, urgency).safe) {
        // Only a change that must happen soon asks the vehicle behind to hold back.
        if (open && urgency >= kAskToYieldUrgency) askToYield(id, to);
        if (mandatory && missedTurn(id, from)) m_s.roadWork.missedTurns[m_roadId.index()].push_back(id);
        return;
      }
    } else {
      // The sides worth evaluating: lanes that lead on and, with a plan, not out of the lanes that
      // lead on furthest into one that soon stops leading on. On roads whose lanes each serve one
      // turn there is often none, and the vehicle's place in its lane need not be searched for.
      int sides[2];
      int nSides = 0;
      for (int k : {laneIdx - 1, laneIdx + 1}) {
        if (!usableHere(k)) continue;
        if (plan) {
          const float r = plan->reachM[static_cast<std::size_t>(k)];
          if (r < plan->reachM[static_cast<std::size_t>(laneIdx)] && r - v.posM < pressingDistanceM(1, v.speedMps)) continue;
        }
        sides[nSides++] = k;
      }
      if (nSides == 0) return;
      // Lanes are sorted by position: search, then step over equal positions to this vehicle.
      std::size_t idx = neighboursAt(m_s.view, m_s.vehicles, current, v.posM + 1e-9).insertAt;
      while (idx < current.size() && current[idx] != id) ++idx;
      const VehicleType& t = m_s.view.type(v);
      // What staying costs and gives, the same for either side: computed once, when a side is safe.
      bool haveOld = false;
      double myOld = 0, oldFollowerGain = 0;
      double bestIncentive = 0;
      for (int side = 0; side < nSides; ++side) {
        const int k = sides[side];
        const TrackId to = m_s.view.laneTrack(m_road.lanes[static_cast<std::size_t>(k)]);
        const Target e = evaluate(id, to, kDiscretionary);
        if (!e.safe) continue;
        if (!haveOld) {
          const std::ptrdiff_t myLeader = static_cast<std::ptrdiff_t>(idx) - 1;
          myOld = accelBehind(id, myLeader, current, from, v.posM);
          if (idx + 1 < current.size()) {
            const std::uint32_t o = current[idx + 1];
            oldFollowerGain = accelBehind(o, myLeader, current, from, m_s.vehicles.hot[o].posM) - accelBehindVehicle(o, id, from);
          }
          haveOld = true;
        }
        const double incentive = e.myNew - myOld + t.politeness * (e.newFollowerGain + oldFollowerGain) - t.laneChangeThresholdMps2;
        if (incentive > bestIncentive) {
          bestIncentive = incentive;
          target = k;
        }
      }
      if (target < 0) return;
    }
    const TrackId to = m_s.view.laneTrack(m_road.lanes[static_cast<std::size_t>(target)]);
    if (static_cast<std::size_t>(target) < kPlannedLanes) {
      m_takenM[static_cast<std::size_t>(target)] += entryShareM(m_s.view, m_s.view.type(v));
    }
    detach(m_s.vehicles, id);
    attachByPosition(m_s.view, m_s.vehicles, id, to);
    // Grants run contiguously from the front of a lane (junction.cpp relies on it); vehicles now
    // behind this ungranted one give theirs up and ask again.
    const auto& lane = m_s.vehicles.occupants[to];
    for (std::size_t k = neighboursAt(m_s.view, m_s.vehicles, lane, v.posM).insertAt; k < lane.size(); ++k) {
      Vehicle& u = m_s.vehicles.hot[lane[k]];
      if (lane[k] == id) continue;
      if (!(u.flags & kGranted)) break;
      u.flags &= ~kGranted;
    }
    v.laneChangeCooldown = static_cast<std::uint8_t>(std::min(255.0, std::ceil(kCooldownS / m_s.clock.dtS)));
    ++m_s.roadWork.laneChangesByRoad[m_roadId.index()];
  }
};

// Whether `route` comes back onto road `here`, shorter than `shortM` (two vehicles with their
// gaps: no room to change lanes on it), only into lanes from which it cannot go on: by a loop that
// ends in the same missed turn. (On a longer road the vehicle may still change lanes the next time
// round.)
bool loopsBackToAMissedTurn(const NetworkView& view, const std::vector<RoadId>& route, RoadId here, double shortM) {
  const RoadNetwork& net = *view.net;
  if (net.road(here).lengthM >= shortM) return false;
  for (std::size_t i = 1; i + 1 < route.size(); ++i) {
    if (route[i] != here) continue;
    for (LaneId l : net.road(route[i - 1]).lanes)
      for (ConnectorId c : view.outgoing(l))
        if (view.connectorToRoad[c] == here && view.laneLeadsTo(view.tracks[view.connectorExit[c]].lane, route[i + 1])) return false;
    return true;
  }
  return false;
}

// Re-routes a vehicle that missed its turn: of the roads its lane leads onto, the one from which
// the rest of the way to its destination is shortest in free-flow time (the first of equals, in
// the order of the lane's connectors). A way that comes back onto the short road the vehicle is
// on, in lanes from which it could again not go on, is no way out (on cologne3, a U-turn at the
// light into the 10 m `-200818108#1` and another back into the left lane of the 9.7 m
// `200818108#0`, which leads only where the vehicle did not want to go: two vehicles that took
// it stood for good at the front of those two lanes, each waiting for the lane the other held).
// Returns false when no other way reaches the destination; the vehicle then waits for its lane
// change, as SUMO's drivers always do.
bool rerouteFromLane(const NetworkView& view, Vehicles& vehicles, Router& router, std::uint32_t id) {
  Vehicle& v = vehicles.hot[id];
  const auto route = vehicles.routes[id];
  const RoadId here = route[v.routeIndex];
  const RoadId destination = route.back();
  const std::size_t l = view.tracks[v.track].lane.index();
  std::optional<std::vector<RoadId>> best;
  double bestS = 0;
  for (std::uint32_t k = view.laneExitBegin[l]; k < view.laneExitBegin[l + 1]; ++k) {
    auto rest = router.shortestRoute(RoadId(view.laneExitRoads[k]), destination);
    if (!rest || loopsBackToAMissedTurn(view, *rest, here, 2.0 * entryShareM(view, view.type(v)))) continue;
    double timeS = 0, lengthM = 0;
    routeFreeFlow(view, *rest, view.type(v), timeS, lengthM);
    if (!best || timeS < bestS) {
      best = std::move(rest);
      bestS = timeS;
    }
  }
  if (!best) return false;
  std::vector<RoadId>& owned = vehicles.rerouted[id];
  owned.clear();
  owned.push_back(here);
  owned.insert(owned.end(), best->begin(), best->end());
  vehicles.setRoute(id, owned);
  v.routeIndex = 0;
  return true;
}

}  // namespace

void planLanes(const NetworkView& view, std::span<const RoadId> route, std::size_t routeIndex, VehicleClass cls,
               LanePlan& plan, NextLaneReach& nextReachM) {
  const RoadNetwork& net = *view.net;
  plan.routeIndex = static_cast<std::uint16_t>(routeIndex);
  const Road& road = net.road(route[routeIndex]);
  nextReachM.fill(kReachBeyondM);
  if (road.lanes.size() > kPlannedLanes) {
    plan.lanes = 0;
    return;
  }
  plan.lanes = static_cast<std::uint8_t>(road.lanes.size());
  // The last road looked at: every lane of it leads beyond the look-ahead.
  std::size_t last = routeIndex;
  for (double aheadM = 0; last + 1 < route.size() && last - routeIndex < kLookAheadRoads && aheadM < kLookAheadM;) {
    ++last;
    aheadM += net.road(route[last]).lengthM;
  }
  std::array<float, kPlannedLanes> onward;
  onward.fill(kReachBeyondM);
  for (std::size_t j = last; j-- > routeIndex;) {
    if (j == routeIndex) nextReachM = onward;
    const Road& r = net.road(route[j]);
    const RoadId to = route[j + 1];
    const float lengthM = static_cast<float>(r.lengthM);
    std::array<float, kPlannedLanes> reach{};
    for (std::size_t k = 0; k < std::min(r.lanes.size(), kPlannedLanes); ++k) {
      const Lane& lane = net.lane(r.lanes[k]);
      if (!lane.allowed.allows(cls)) continue;  // 0: not to be driven in
      float best = lengthM;                     // left before its end
      for (ConnectorId c : view.outgoing(r.lanes[k])) {
        if (view.connectorToRoad[c] != to) continue;
        const std::size_t m = view.tracks[view.connectorExit[c]].indexInRoad;
        const float after = m < kPlannedLanes ? onward[m] : kReachBeyondM;
        best = std::max(best, after >= kReachBeyondM ? kReachBeyondM : lengthM + after);
      }
      reach[k] = best;
    }
    onward = reach;
  }
  plan.reachM = onward;
  // On the route's last road, or a lane the class may not use there.
  plan.leadsOn = 0;
  for (std::size_t k = 0; k < plan.lanes; ++k) {
    if (!net.lane(road.lanes[k]).allowed.allows(cls)) {
      plan.reachM[k] = 0;
      continue;
    }
    if (routeIndex + 1 >= route.size() || view.laneLeadsTo(road.lanes[k], route[routeIndex + 1]))
      plan.leadsOn = static_cast<std::uint8_t>(plan.leadsOn | (1u << k));
  }
  for (int k = 0; k < plan.lanes; ++k) {
    int best = -1;
    const float own = plan.reachM[static_cast<std::size_t>(k)];
    for (int b = 0; b < plan.lanes; ++b) {
      const float r = plan.reachM[static_cast<std::size_t>(b)];
      if (r <= own || !((plan.leadsOn >> b) & 1u)) continue;
      if (best < 0 || r > plan.reachM[static_cast<std::size_t>(best)] ||
          (r == plan.reachM[static_cast<std::size_t>(best)] && std::abs(b - k) < std::abs(best - k)))
        best = b;
    }
    plan.towards[static_cast<std::size_t>(k)] = static_cast<std::int8_t>(best);
  }
}

double pressingDistanceM(int changes, double speedMps) {
  return changes * std::max(speedMps, kLookAheadSpeedMps) * kLookForwardS;
}

double laneChangeUrgency(double distanceLeftM, int changes, double speedMps) {
  const double pressing = pressingDistanceM(changes, speedMps);
  if (pressing <= 0) return 0;
  return std::clamp(1.0 - distanceLeftM / pressing, 0.0, 1.0);
}

double acceptedDecelMps2(const VehicleType& t, double urgency) {
  const double gentle = 0.5 * t.comfortDecelMps2, firm = 0.5 * t.maxDecelMps2;
  return gentle + std::clamp(urgency, 0.0, 1.0) * (firm - gentle);
}

void detach(Vehicles& vehicles, std::uint32_t vehicle) {
  auto& occ = vehicles.occupants[vehicles.hot[vehicle].track];
  occ.erase(std::find(occ.begin(), occ.end(), vehicle));
}

void attachByPosition(const NetworkView& view, Vehicles& vehicles, std::uint32_t vehicle, TrackId track) {
  auto& occ = vehicles.occupants[track];
  const Neighbours n = neighboursAt(view, vehicles, occ, vehicles.hot[vehicle].posM);
  occ.insert(occ.begin() + static_cast<std::ptrdiff_t>(n.insertAt), vehicle);
  vehicles.hot[vehicle].track = track;
}

void changeLanes(const Executor& exec, const NetworkView& view, const SimClock& clock, const ServiceStops& stops,
                 const JunctionWork& junctionWork, Vehicles& vehicles, RoadWork& roadWork) {
  const LaneChangeContext s{exec, view, clock, stops, junctionWork, vehicles, roadWork};
  const RoadNetwork& net = *s.view.net;
  // The roads of two lanes or more with a vehicle on them (the arbitrate phase found the tracks
  // with vehicles; nothing has moved since), or every road where vehicles are on many tracks.
  IndexSet& roads = s.roadWork.activeRoads;
  roads.clear();
  if (s.vehicles.denselyOccupied()) {
    roads.insertAll();
  } else {
    for (const TrackId t : s.vehicles.activeTracks) {
      if (s.view.tracks[t].isConnector()) continue;
      const RoadId road = net.lane(s.view.tracks[t].lane).road;
      if (net.road(road).lanes.size() >= 2) roads.insert(road.value);
    }
    roads.sort();
  }
  s.exec.forEach(roads.size(), 16, [&](std::size_t a) {
    if (net.roads()[roads[a]].lanes.size() < 2) return;
    RoadLaneChanger changer(s, RoadId(roads[a]));
    changer.run(s.roadWork.roadScratch[roads[a]]);
  });
  // Missed turns re-route serially, road by road (the router is not shared between threads).
  for (std::size_t k = 0; k < roads.size(); ++k) {
    auto& missed = s.roadWork.missedTurns[roads[k]];
    for (std::uint32_t id : missed) {
      if (!s.roadWork.router) s.roadWork.router = std::make_unique<Router>(net);
      if (rerouteFromLane(s.view, s.vehicles, *s.roadWork.router, id)) ++s.roadWork.reroutedMissedTurns;
    }
    missed.clear();
  }
}

}  // namespace traffic::engine
