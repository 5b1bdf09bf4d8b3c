// Junction phases: who may enter (arbitrate) and moving vehicles across stop lines (transfer).
//
// Arbitration runs per junction. For each incoming lane it walks the vehicles near the stop line
// front to back and grants entry until the first refusal (nobody overtakes a waiting vehicle).
// A grant needs:
//   - a signal that allows the movement: green; yellow only for a vehicle that cannot stop
//     comfortably; a vehicle that was granted and can no longer stop keeps its grant (commitment);
//   - room on the exit lane for the whole vehicle, counting the vehicles already in the junction
//     or granted towards that lane: nobody blocks the box;
//   - no conflict: a vehicle still in the junction on a crossing or merging connector must have
//     cleared the conflict point before we reach it; and on a permissive green (a turn across
//     protected traffic) the protected vehicles granted this step must reach the conflict point
//     only after we have cleared it, with a margin (gap acceptance).
// Protected movements are arbitrated before permissive ones so that permissive vehicles see the
// protected grants of the same step. Nothing here depends on thread scheduling: a junction writes
// only its own connectors, the grant flags of its approaching vehicles and its own scratch.
#include <algorithm>
#include <cmath>

#include "world_state.h"

namespace traffic::engine {
namespace {

constexpr double kGapAcceptanceS = 1.5;  // margin a permissive vehicle leaves to protected traffic
constexpr double kClearanceS = 1.0;      // margin behind a vehicle still crossing a conflict point

// Time to cover `distanceM` from speed `v`, accelerating at `a` up to `vmax`.
double timeToCover(double distanceM, double v, double a, double vmax) {
  if (distanceM <= 0) return 0;
  vmax = std::max(vmax, 0.5);
  if (a <= 1e-9 || v >= vmax) return distanceM / std::max(v, 0.5);
  const double tAccel = (vmax - v) / a;
  const double dAccel = (v + vmax) * 0.5 * tAccel;
  if (dAccel >= distanceM) return (-v + std::sqrt(v * v + 2 * a * distanceM)) / a;
  return tAccel + (distanceM - dAccel) / vmax;
}

// Distance before the stop line within which a vehicle asks to enter. Beyond it the stop line is
// too far to influence an IDM driver, so it is not an obstacle yet.
double requestHorizon(const VehicleType& t, double v) {
  const double interaction = 1.5 * idmDesiredGap(t, v, v) + 5.0;
  const double braking = v * v / (2.0 * t.comfortDecelMps2) + 10.0;
  return std::max({30.0, interaction, braking});
}

double trackRear(const State& s, std::uint32_t vehicle) {
  const Vehicle& v = s.vehicles[vehicle];
  return v.posM - s.type(v).lengthM;
}

// Room a lane can still take. Its vehicles move on, so what matters is the length not yet taken
// by vehicles and their minimum gaps (the lane's gross occupancy), except when the last vehicle
// stands still: then only the space behind it counts, or a vehicle could stop in the box.
double roomOnLane(const State& s, std::uint32_t laneTrack, double reservedM) {
  const auto& occ = s.occupants[laneTrack];
  if (occ.empty()) return s.tracks[laneTrack].lengthM - reservedM;
  // Speed, not the halted flag: the flags of that vehicle may be written by the junction at the
  // lane's other end during this same phase.
  if (s.vehicles[occ.back()].speedMps < kHaltingSpeedMps) return trackRear(s, occ.back()) - reservedM;
  return s.laneGrossFreeM[laneTrack] - reservedM;
}

}  // namespace

bool laneLeadsTo(const State& s, LaneId lane, RoadId toRoad) {
  for (std::uint32_t k = s.laneExitBegin[lane.index()]; k < s.laneExitBegin[lane.index() + 1]; ++k)
    if (s.laneExitRoads[k] == toRoad.value) return true;
  return false;
}

namespace {

struct JunctionArbiter {
  State& s;
  const RoadNetwork& net;
  std::vector<double>& reservedM;    // per lane track: space promised to vehicles in or into the box
  std::vector<double>& grantEtaS;    // per connector: earliest arrival at the line of this step's grants

  ConnectorId chooseConnector(std::uint32_t vehicle, LaneId lane, RoadId next) const {
    // Prefer an exit lane from which the following turn can be made without changing lanes, then
    // the exit lane with most room; ties go to the lower connector id.
    const auto& route = s.routes[vehicle];
    const std::size_t ri = s.vehicles[vehicle].routeIndex;
    const std::optional<RoadId> afterNext = ri + 2 < route.size() ? std::optional(route[ri + 2]) : std::nullopt;
    const VehicleClass cls = s.type(s.vehicles[vehicle]).vehicleClass;
    // A transit vehicle whose next stop is on the next road heads straight for the stop's lane.
    const std::uint32_t stopLane = stopLaneAt(s, vehicle, ri + 1);
    ConnectorId best;
    int bestScore = -1;
    double bestRoom = -kInfinity;
    for (ConnectorId c : net.lane(lane).outgoing) {
      const Connector& con = net.connector(c);
      if (net.movement(con.movement).toRoad != next) continue;
      if (!net.lane(con.to).allowed.allows(cls)) continue;
      const int score = stopLane != UINT32_MAX ? (s.laneTrack(con.to) == stopLane ? 2 : 0)
                        : !afterNext || laneLeadsTo(s, con.to, *afterNext) ? 1 : 0;
      const std::uint32_t to = s.laneTrack(con.to);
      const double room = roomOnLane(s, to, reservedM[to]);
      if (score > bestScore || (score == bestScore && room > bestRoom)) {
        best = c;
        bestScore = score;
        bestRoom = room;
      }
    }
    return best;
  }

  // Whether `vehicle`, at `distM` before the stop line, may use connector `c` now.
  bool conflictsClear(std::uint32_t vehicle, double distM, const Connector& c, bool permissive) const {
    const Vehicle& me = s.vehicles[vehicle];
    const VehicleType& t = s.type(me);
    const double vmax = desiredSpeed(t, c.speedLimitMps);
    for (const Conflict& k : c.conflicts) {
      const double myArrive = timeToCover(distM + k.atM, me.speedMps, t.accelMps2, vmax);
      const double myClear = timeToCover(distM + k.atM + t.lengthM, me.speedMps, t.accelMps2, vmax);
      // Vehicles inside the junction on the foe connector that have not cleared the point.
      for (std::uint32_t u : s.occupants[s.connectorTrack(k.other)]) {
        const Vehicle& foe = s.vehicles[u];
        const double foeLen = s.type(foe).lengthM;
        if (foe.posM - foeLen >= k.otherAtM) continue;  // already past
        const double foeClear = (k.otherAtM + foeLen - foe.posM) / std::max(foe.speedMps, 1.0);
        if (myArrive < foeClear + kClearanceS) return false;
      }
      if (!permissive) continue;
      // Protected vehicles granted towards the foe connector in this step.
      const double foeAtLine = grantEtaS[k.other.index()];
      if (foeAtLine >= kInfinity) continue;
      const Connector& foeCon = net.connector(k.other);
      const double foeArrive = foeAtLine + k.otherAtM / std::max(foeCon.speedLimitMps, 1.0);
      if (foeArrive < myClear + kGapAcceptanceS) return false;
    }
    return true;
  }

  // Walks one incoming lane from `cursor`; returns the new cursor. With `protectedOnly`, pauses at
  // the first vehicle whose movement is a permissive green.
  std::size_t walkLane(LaneId lane, std::size_t cursor, bool protectedOnly) {
    const std::uint32_t track = s.laneTrack(lane);
    const auto& occ = s.occupants[track];
    const double laneLen = s.tracks[track].lengthM;
    for (; cursor < occ.size(); ++cursor) {
      const std::uint32_t id = occ[cursor];
      Vehicle& v = s.vehicles[id];
      const VehicleType& t = s.type(v);
      const double dist = laneLen - v.posM;
      if (dist > requestHorizon(t, v.speedMps)) break;
      if ((v.flags & (kTransit | kFleet)) && stopPositionAhead(s, id, track) >= 0) break;  // stops first

      if (s.onLastRoad(id)) continue;  // leaves the network at the lane end; nothing to ask
      const bool wasGranted = v.flags & kGranted;
      const RoadId next = *s.nextRoad(id);
      const ConnectorId cid = wasGranted ? ConnectorId(v.nextConnector) : chooseConnector(id, lane, next);
      if (!cid.valid()) break;  // wrong lane: must change lanes first
      const Connector& con = net.connector(cid);
      const SignalState light = s.movementStates[con.movement.index()];
      const bool committed = wasGranted && !canStopWithin(v.speedMps, dist, t.maxDecelMps2);
      if (protectedOnly && light == SignalState::GreenPermissive && !committed) return cursor;

      bool grant = committed;
      if (!grant) {
        const bool lightAllows =
            light == SignalState::GreenProtected || light == SignalState::GreenPermissive ||
            (light == SignalState::Yellow && !canStopWithin(v.speedMps, dist, t.comfortDecelMps2));
        const std::uint32_t to = s.laneTrack(con.to);
        // A lane shorter than a vehicle and its gap (SUMO maps have edges of a few metres) takes
        // one vehicle when it is free, or nobody could ever cross it.
        const double need = std::min(t.lengthM + t.minGapM, s.tracks[to].lengthM);
        grant = lightAllows && roomOnLane(s, to, reservedM[to]) >= need &&
                conflictsClear(id, dist, con, light == SignalState::GreenPermissive);
      }
      if (!grant) break;
      v.flags |= kGranted;
      v.nextConnector = cid.value;
      reservedM[s.laneTrack(con.to)] += t.lengthM + t.minGapM;
      double& eta = grantEtaS[cid.index()];
      eta = std::min(eta, dist / std::max(v.speedMps, 1.0));
    }
    // Everyone from the first refused vehicle back loses any grant from earlier steps. Grants run
    // contiguously from the front (with gaps only at vehicles leaving the network here), so the
    // first vehicle without one ends the sweep.
    for (std::size_t k = cursor; k < occ.size(); ++k) {
      Vehicle& u = s.vehicles[occ[k]];
      if (!(u.flags & kGranted) && !s.onLastRoad(occ[k])) break;
      u.flags &= ~kGranted;
    }
    return occ.size();
  }

  void run(JunctionId jid, std::vector<std::uint32_t>& cursors) {
    const Junction& j = net.junction(jid);
    if (j.connectors.empty()) return;
    for (RoadId r : j.outgoing)
      for (LaneId l : net.road(r).lanes) reservedM[s.laneTrack(l)] = 0;
    for (ConnectorId c : j.connectors) {
      grantEtaS[c.index()] = kInfinity;
      const std::uint32_t to = s.laneTrack(net.connector(c).to);
      for (std::uint32_t u : s.occupants[s.connectorTrack(c)]) {
        const VehicleType& t = s.type(s.vehicles[u]);
        reservedM[to] += t.lengthM + t.minGapM;
      }
    }
    cursors.clear();
    for (RoadId r : j.incoming)
      for (LaneId l : net.road(r).lanes) cursors.push_back(static_cast<std::uint32_t>(walkLane(l, 0, true)));
    std::size_t k = 0;
    for (RoadId r : j.incoming)
      for (LaneId l : net.road(r).lanes) walkLane(l, cursors[k++], false);
  }
};

}  // namespace

void arbitrateJunctions(State& s) {
  const RoadNetwork& net = *s.net;
  // Gross free length of every lane, computed once per step.
  s.forEach(s.laneCount, 64, [&](std::size_t lane) {
    double used = 0;
    for (std::uint32_t id : s.occupants[lane]) {
      const VehicleType& t = s.type(s.vehicles[id]);
      used += t.lengthM + t.minGapM;
    }
    s.laneGrossFreeM[lane] = s.tracks[lane].lengthM - used;
  });
  s.forEach(net.junctions().size(), 8, [&](std::size_t i) {
    thread_local std::vector<std::uint32_t> cursors;
    JunctionArbiter arbiter{s, net, s.reservedM, s.grantEtaS};
    arbiter.run(JunctionId(i), cursors);
  });
}

// Two passes with a barrier between them. A lane is the front of one junction's incoming road and
// the back of another's outgoing road, and both ends change the same occupant list, so the ends
// cannot be handled at once: pass 1 takes vehicles off the front of incoming lanes (into the
// junction's connectors, or out of the network), pass 2 moves them from connectors onto the back
// of exit lanes. Within a pass every list has exactly one writer.
void transferAtJunctions(State& s) {
  const RoadNetwork& net = *s.net;
  const double arriveAt = s.nowS + s.dtS;
  s.forEach(net.junctions().size(), 8, [&](std::size_t i) {
    const Junction& j = net.junction(JunctionId(i));
    std::uint32_t arrivals = 0;
    // 1. Incoming lanes: arrivals at the end of a route, or entry into the chosen connector.
    for (RoadId r : j.incoming) {
      for (LaneId l : net.road(r).lanes) {
        const std::uint32_t track = s.laneTrack(l);
        auto& occ = s.occupants[track];
        const double laneLen = s.tracks[track].lengthM;
        std::size_t leaving = 0;
        while (leaving < occ.size()) {
          const std::uint32_t id = occ[leaving];
          Vehicle& v = s.vehicles[id];
          if (v.posM <= laneLen) break;
          if (s.onLastRoad(id)) {
            v.flags &= ~(kInNetwork | kGranted);
            v.track = UINT32_MAX;
            s.cold[id].arriveS = arriveAt;
            ++arrivals;
          } else if ((v.flags & kGranted) && v.nextConnector != UINT32_MAX) {
            v.posM -= laneLen;
            v.track = s.connectorTrack(ConnectorId(v.nextConnector));
            v.flags &= ~kGranted;
            v.nextConnector = UINT32_MAX;
            ++v.routeIndex;
            s.occupants[v.track].push_back(id);
          } else {
            // The move phase never lets an ungranted vehicle past the line; stay defensive.
            v.posM = laneLen;
            break;
          }
          ++leaving;
        }
        occ.erase(occ.begin(), occ.begin() + static_cast<std::ptrdiff_t>(leaving));
      }
    }
    s.arrivalsByJunction[i] = arrivals;
  });
  s.forEach(net.junctions().size(), 8, [&](std::size_t i) {
    const Junction& j = net.junction(JunctionId(i));
    // 2. Connectors: vehicles reaching the exit lane. Several connectors may feed one lane in the
    //    same step; they are appended furthest first and never overlap the lane's last vehicle. A
    //    vehicle that does not fit (the last vehicle has not cleared the lane start, as when two
    //    merge at once) stays at the end of its connector, with everyone behind it there.
    auto& entering = s.junctionScratch[i];
    entering.clear();
    for (ConnectorId c : j.connectors) {
      const std::uint32_t track = s.connectorTrack(c);
      auto& occ = s.occupants[track];
      const double len = s.tracks[track].lengthM;
      std::size_t leaving = 0;
      while (leaving < occ.size() && s.vehicles[occ[leaving]].posM > len) {
        Vehicle& v = s.vehicles[occ[leaving]];
        v.posM -= len;
        v.track = s.laneTrack(net.connector(c).to);
        v.nextConnector = c.value;  // where it came from, until it has entered
        entering.push_back(occ[leaving]);
        ++leaving;
      }
      occ.erase(occ.begin(), occ.begin() + static_cast<std::ptrdiff_t>(leaving));
    }
    std::sort(entering.begin(), entering.end(), [&](std::uint32_t a, std::uint32_t b) {
      const Vehicle& va = s.vehicles[a];
      const Vehicle& vb = s.vehicles[b];
      if (va.track != vb.track) return va.track < vb.track;
      if (va.posM != vb.posM) return va.posM > vb.posM;
      return a < b;
    });
    thread_local std::vector<std::uint32_t> heldBack;  // in connector order, front first
    heldBack.clear();
    for (std::uint32_t id : entering) {
      Vehicle& v = s.vehicles[id];
      const ConnectorId from(v.nextConnector);
      v.nextConnector = UINT32_MAX;
      auto& occ = s.occupants[v.track];
      double bound = s.tracks[v.track].lengthM;
      double leaderSpeed = v.speedMps;
      if (!occ.empty()) {
        bound = std::min(bound, trackRear(s, occ.back()));
        leaderSpeed = s.vehicles[occ.back()].speedMps;
      }
      const bool queueHeld = std::any_of(heldBack.begin(), heldBack.end(), [&](std::uint32_t u) {
        return s.vehicles[u].track == s.connectorTrack(from);
      });
      if (bound < 0 || queueHeld) {
        // Back to the connector: at its end, or just behind the one held before it there. Both are
        // at or ahead of where it was before this step, so nobody behind it is overtaken.
        const std::uint32_t conTrack = s.connectorTrack(from);
        double pos = s.tracks[conTrack].lengthM;
        for (std::uint32_t u : heldBack)
          if (s.vehicles[u].track == conTrack) pos = s.vehicles[u].posM - s.type(s.vehicles[u]).lengthM;
        v.track = conTrack;
        v.posM = pos;
        v.speedMps = std::min(v.speedMps, std::max(0.0, leaderSpeed));
        heldBack.push_back(id);
        continue;
      }
      if (v.posM > bound) {
        v.posM = bound;
        v.speedMps = std::min(v.speedMps, leaderSpeed);
      }
      occ.push_back(id);
    }
    // Held-back vehicles go back to the front of their connectors, in order.
    for (std::size_t k = heldBack.size(); k-- > 0;) {
      auto& occ = s.occupants[s.vehicles[heldBack[k]].track];
      occ.insert(occ.begin(), heldBack[k]);
    }
  });
}

}  // namespace traffic::engine
