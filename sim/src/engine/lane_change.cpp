// Lane changes, per road: mandatory ones (the current lane has no connector onto the next road of
// the route) and discretionary ones by MOBIL (Kesting, Treiber, Helbing 2007): change when the
// gain in own acceleration plus `politeness` times the gains of the old and new followers exceeds
// a threshold, and only if the new follower need not brake harder than is comfortable.
//
// A change is instantaneous and keeps the position along the road (all lanes of a road have the
// same length). It is refused unless both the gap to the new leader and the gap to the new
// follower stay positive, so a lane change never creates an overlap. Vehicles of a road are
// treated in a fixed order (lane, then front to back) and each decision sees the changes made
// before it, so the result is deterministic. Mandatory changes are made even with lane changing
// switched off: without them a vehicle in the wrong lane could never leave the road.
#include <algorithm>
#include <cmath>

#include "engine/state.h"
#include "mobility/service_stops.h"

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
      }
    for (std::uint32_t id : order) consider(id);
  }

 private:
  const LaneChangeContext& m_s;
  const RoadNetwork& m_net;
  RoadId m_roadId;
  const Road& m_road;

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

  // Safety and MOBIL incentive of moving `id` (at index `idx` of `from`) into lane track `to`.
  Evaluation evaluate(std::uint32_t id, std::size_t idx, TrackId from, TrackId to, bool mandatory) const {
    const Vehicle& me = m_s.vehicles.hot[id];
    const VehicleType& t = m_s.view.type(me);
    const auto& target = m_s.vehicles.occupants[to];
    const Neighbours n = neighboursAt(m_s.view, m_s.vehicles, target, me.posM);
    Evaluation e;
    // Geometry: no overlap with either neighbour.
    if (n.leader >= 0) {
      const Vehicle& l = m_s.vehicles.hot[target[static_cast<std::size_t>(n.leader)]];
      if (l.posM - m_s.view.type(l).lengthM - me.posM < kMinSideGapM) return e;
    }
    if (n.follower >= 0) {
      const Vehicle& f = m_s.vehicles.hot[target[static_cast<std::size_t>(n.follower)]];
      if (me.posM - t.lengthM - f.posM < kMinSideGapM) return e;
    } else if (me.posM - t.lengthM < m_s.junctionWork.reservedM[to]) {
      // Behind the last vehicle, the space at the lane's start is promised to vehicles in the
      // junction box or granted into it (arbitrate.cpp): taking it would leave one of them
      // standing in the box.
      return e;
    }
    // Kinematics: neither I nor my new follower must brake harder than allowed.
    const double bSafe = mandatory ? t.maxDecelMps2 * 0.5 : t.comfortDecelMps2;
    const double myNew = accelBehind(id, n.leader, target, to, me.posM);
    if (myNew < -bSafe) return e;
    double newFollowerGain = 0;
    if (n.follower >= 0) {
      const std::uint32_t f = target[static_cast<std::size_t>(n.follower)];
      const double after = accelBehindVehicle(f, id, to);
      const VehicleType& ft = m_s.view.type(m_s.vehicles.hot[f]);
      if (after < -(mandatory ? ft.maxDecelMps2 * 0.5 : ft.comfortDecelMps2)) return e;
      newFollowerGain = after - accelBehind(f, n.leader, target, to, m_s.vehicles.hot[f].posM);
    }
    e.safe = true;
    if (mandatory) return e;
    const auto& current = m_s.vehicles.occupants[from];
    const std::ptrdiff_t myLeader = static_cast<std::ptrdiff_t>(idx) - 1;
    const double myOld = accelBehind(id, myLeader, current, from, me.posM);
    double oldFollowerGain = 0;
    if (idx + 1 < current.size()) {
      const std::uint32_t o = current[idx + 1];
      oldFollowerGain = accelBehind(o, myLeader, current, from, m_s.vehicles.hot[o].posM) - accelBehindVehicle(o, id, from);
    }
    e.incentive = myNew - myOld + t.politeness * (newFollowerGain + oldFollowerGain) - t.laneChangeThresholdMps2;
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

  void consider(std::uint32_t id) {
    Vehicle& v = m_s.vehicles.hot[id];
    if (v.flags & (kGranted | kDwelling)) return;  // committed to its connector, or doors open
    const TrackId from = v.track;
    const int laneIdx = laneIndexOf(v);
    const auto& current = m_s.vehicles.occupants[from];
    const bool mandatory = !usable(laneIdx, id) && (m_s.vehicles.nextRoad(id) || m_s.stops.requiredLaneOnRoad(id).valid());
    // Most vehicles have no discretionary change to consider: decide that before searching for
    // the vehicle's place in its lane (this phase runs for every vehicle on a multi-lane road).
    if (!mandatory) {
      if (!m_s.view.scenario->laneChanging || current.front() == id) return;  // the front vehicle of a lane is not impeded
      if (v.laneChangeCooldown > 0) return;
      if (m_s.view.tracks[from].lengthM - v.posM < kNoDiscretionaryNearEndM) return;
    }
    // Lanes are sorted by position: search, then step over equal positions to this vehicle.
    std::size_t idx = neighboursAt(m_s.view, m_s.vehicles, current, v.posM + 1e-9).insertAt;
    while (idx < current.size() && current[idx] != id) ++idx;

    int target = -1;
    if (mandatory) {
      // Head for the nearest lane that leads on, one lane at a time.
      int best = -1;
      for (int k = 0; k < static_cast<int>(m_road.lanes.size()); ++k)
        if (usable(k, id) && (best < 0 || std::abs(k - laneIdx) < std::abs(best - laneIdx))) best = k;
      if (best < 0) return;  // no lane leads on; the gridlock handler deals with it
      target = laneIdx + (best > laneIdx ? 1 : -1);
      if (!m_net.lane(m_road.lanes[static_cast<std::size_t>(target)]).allowed.allows(m_s.view.type(v).vehicleClass)) return;
      const TrackId to = m_s.view.laneTrack(m_road.lanes[static_cast<std::size_t>(target)]);
      if (!evaluate(id, idx, from, to, true).safe) {
        askToYield(id, to);
        return;
      }
    } else {
      double bestIncentive = 0;
      for (int k : {laneIdx - 1, laneIdx + 1}) {
        if (!usable(k, id)) continue;
        const Evaluation e = evaluate(id, idx, from, m_s.view.laneTrack(m_road.lanes[static_cast<std::size_t>(k)]), false);
        if (e.safe && e.incentive > bestIncentive) {
          bestIncentive = e.incentive;
          target = k;
        }
      }
      if (target < 0) return;
    }
    const TrackId to = m_s.view.laneTrack(m_road.lanes[static_cast<std::size_t>(target)]);
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

}  // namespace

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
  s.exec.forEach(net.roads().size(), 16, [&](std::size_t r) {
    if (net.roads()[r].lanes.size() < 2) return;
    RoadLaneChanger changer(s, RoadId(r));
    changer.run(s.roadWork.roadScratch[r]);
  });
}

}  // namespace traffic::engine
