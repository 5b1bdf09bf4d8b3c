// Releasing trips at their departure time and inserting vehicles at the start of their first
// road. A vehicle that finds no room waits in its road's entry queue, in departure order: it is
// counted as waiting to enter, never dropped.
//
// The queue is per road but served per lane: a waiting vehicle holds back only the vehicles
// behind it that could use one of the same lanes (its lanes are closed to them for this step), so
// a straight-ahead vehicle waiting for room in its full lane does not keep a right-turner out of
// an empty turning lane. Serving the road's queue strictly in order (as before) held 329 right-
// and 102 left-turners at the entry of one Hangzhou road (hangzhou_peak, road_5_4_2) at the end
// of the hour, behind 703 straight-ahead vehicles; now 2 and 0. One queue per lane instead would
// have to guess a lane for vehicles that can use several; release order over the lanes each
// vehicle can use gives the same order with no guess.
#include <algorithm>
#include <cmath>
#include <optional>

#include "engine/lane_entry.h"
#include "engine/state.h"
#include "mobility/service_stops.h"

namespace traffic::engine {

// What the releaseAndInsert phase reads (const) and writes, by the names of the engine state's subsystems.
struct SpawnContext {
  const NetworkView& view;
  const SimClock& clock;
  const ServiceStops& stops;
  EntryQueues& entry;
  Vehicles& vehicles;
  Statistics& stats;
};

void routeFreeFlow(const NetworkView& view, std::span<const RoadId> route, const VehicleType& t, double& timeS, double& lengthM) {
  const RoadNetwork& net = *view.net;
  timeS = 0;
  lengthM = 0;
  for (std::size_t i = 0; i < route.size(); ++i) {
    const Road& road = net.road(route[i]);
    const Lane& lane = net.lane(road.lanes.front());
    timeS += road.lengthM / desiredSpeed(t, lane.speedLimitMps);
    lengthM += road.lengthM;
    if (i + 1 < route.size()) {
      if (auto m = net.movementBetween(route[i], route[i + 1]); m && !net.movement(*m).connectors.empty()) {
        const ConnectorId id = net.movement(*m).connectors.front();
        const Connector& c = net.connector(id);
        timeS += c.lengthM / view.desiredSpeedOn(t, view.connectorTrack(id));
        lengthM += c.lengthM;
      }
    }
  }
}

namespace {

// Whether a vehicle may enter `lane` of its first road at all: its class is allowed there, and
// the route goes on from it (a vehicle put into a lane that does not lead on would have to merge
// across a queue straight away; better to wait for room in one that does).
bool usableLane(const SpawnContext& s, std::uint32_t id, LaneId l) {
  const Lane& lane = s.view.net->lane(l);
  if (!lane.allowed.allows(s.view.type(s.vehicles.hot[id]).vehicleClass)) return false;
  const auto next = s.vehicles.nextRoad(id);
  return !next || s.view.laneLeadsTo(l, *next);
}

// The trip's departure attributes (SUMO's departLane, departPos, departSpeed); Auto for every trip
// of other formats.
const DepartSpec& departOf(const SpawnContext& s, std::uint32_t id) {
  return s.view.scenario->demand.trips[s.vehicles.tripOf[id]].depart;
}

// Whether a vehicle may enter lane `i` of its first road, as its departLane says: the lanes that
// lead on (Auto, best), the lanes its class may use (free), one of them (first, a number, random).
bool candidateLane(const SpawnContext& s, std::uint32_t id, std::size_t i) {
  const DepartSpec& d = departOf(s, id);
  const RoadNetwork& net = *s.view.net;
  const Road& road = net.road(s.vehicles.routes[id][0]);
  if (d.lane == DepartSpec::Lane::Auto || d.lane == DepartSpec::Lane::Best) return usableLane(s, id, road.lanes[i]);
  const VehicleClass cls = s.view.type(s.vehicles.hot[id]).vehicleClass;
  if (!net.lane(road.lanes[i]).allowed.allows(cls)) return false;
  switch (d.lane) {
    case DepartSpec::Lane::Index: return i == d.laneIndex;
    case DepartSpec::Lane::Free: return true;
    case DepartSpec::Lane::First:
      // The rightmost the class may use: no lane to the right of it allows the class.
      for (std::size_t k = i + 1; k < road.lanes.size(); ++k)
        if (net.lane(road.lanes[k]).allowed.allows(cls)) return false;
      return true;
    case DepartSpec::Lane::Random: {
      std::size_t allowed = 0, mine = 0;
      for (std::size_t k = 0; k < road.lanes.size(); ++k) {
        if (!net.lane(road.lanes[k]).allowed.allows(cls)) continue;
        if (k < i) ++mine;
        ++allowed;
      }
      return mine == std::min(allowed - 1, static_cast<std::size_t>(d.drawLane * static_cast<double>(allowed)));
    }
    default: return false;
  }
}

// The lane to insert into and the room at its start; an invalid lane when none has room. Lanes
// marked in `closed` (by their index in the road) are held by vehicles released earlier.
std::pair<LaneId, double> insertionLane(const SpawnContext& s, std::uint32_t id, const std::vector<std::uint8_t>& closed) {
  const RoadNetwork& net = *s.view.net;
  const Vehicle& v = s.vehicles.hot[id];
  const VehicleType& t = s.view.type(v);
  const Road& road = net.road(s.vehicles.routes[id][0]);
  LaneId best;
  double bestRoom = -1;
  for (std::size_t i = 0; i < road.lanes.size(); ++i) {
    const LaneId l = road.lanes[i];
    if (closed[i] || !usableLane(s, id, l)) continue;
    const Lane& lane = net.lane(l);
    const TrackId track = s.view.laneTrack(l);
    // Vehicles coming through the upstream junction into this lane, or granted entry towards it,
    // have the right of way.
    if (enteringFromJunction(s.view, s.vehicles, track)) continue;
    const auto& occ = s.vehicles.occupants[track];
    const double room = occ.empty() ? kInfinity : s.vehicles.hot[occ.back()].posM - s.view.type(s.vehicles.hot[occ.back()]).lengthM;
    if (room < std::min(t.lengthM, lane.lengthM) + t.minGapM) continue;
    if (room > bestRoom) {
      best = l;
      bestRoom = room;
    }
  }
  return {best, bestRoom};
}

// Where a vehicle given departure attributes enters one lane: the position of its front, the index
// in the lane's occupants (front to back) it takes, and the gap to the vehicle ahead.
struct Placement {
  double posM = 0;
  std::size_t index = 0;
  double gapM = kInfinity;  ///< from its front to the rear of the vehicle ahead
  double leaderSpeedMps = 0;
};

// Whether a vehicle of type `t` fits with its front at `posM` on `track`: its minimum gap to the
// vehicle ahead, and the vehicle behind able to keep its own gap at its speed. Near the lane's
// start, vehicles coming through the junction into the lane, or granted entry towards it, have
// the room first.
std::optional<Placement> fitAt(const SpawnContext& s, TrackId track, const VehicleType& t, double posM) {
  const auto& occ = s.vehicles.occupants[track];
  std::size_t k = 0;
  while (k < occ.size() && s.vehicles.hot[occ[k]].posM >= posM) ++k;
  Placement p{.posM = posM, .index = k, .gapM = kInfinity, .leaderSpeedMps = 0};
  if (k > 0) {
    const Vehicle& leader = s.vehicles.hot[occ[k - 1]];
    p.gapM = s.view.rearOf(leader) - posM;
    p.leaderSpeedMps = leader.speedMps;
    if (p.gapM < t.minGapM) return std::nullopt;
  }
  const double rear = posM - t.lengthM;
  if (k < occ.size()) {
    const Vehicle& follower = s.vehicles.hot[occ[k]];
    const VehicleType& ft = s.view.type(follower);
    if (rear - follower.posM < ft.minGapM + follower.speedMps * ft.headwayS) return std::nullopt;
  } else if (enteringFromJunction(s.view, s.vehicles, track)) {
    return std::nullopt;
  }
  return p;
}

// The middle of the largest stretch of `track` where a vehicle of type `t` fits.
std::optional<Placement> freePlacement(const SpawnContext& s, TrackId track, const VehicleType& t) {
  const auto& occ = s.vehicles.occupants[track];
  const double laneM = s.view.tracks[track].lengthM;
  const double shortest = std::min(t.lengthM, laneM);
  // Stretches from a vehicle's front (or the lane's start) to the rear of the one ahead (or the lane's end).
  double bestLen = -1, bestFrom = 0;
  double upper = laneM;  // the downstream end of the current stretch
  for (std::size_t k = 0; k <= occ.size(); ++k) {
    const double lower = k < occ.size() ? s.vehicles.hot[occ[k]].posM : 0.0;
    if (upper - lower > bestLen) {
      bestLen = upper - lower;
      bestFrom = lower;
    }
    if (k < occ.size()) upper = s.view.rearOf(s.vehicles.hot[occ[k]]);
  }
  if (bestLen < 0) return std::nullopt;
  const double posM = std::clamp(bestFrom + (bestLen + t.lengthM) / 2, shortest, laneM);
  return fitAt(s, track, t, posM);
}

// Where on `track` the vehicle's departPos puts it, if it fits there now.
std::optional<Placement> placementOn(const SpawnContext& s, std::uint32_t id, TrackId track) {
  const DepartSpec& d = departOf(s, id);
  const VehicleType& t = s.view.type(s.vehicles.hot[id]);
  const double laneM = s.view.tracks[track].lengthM;
  const double base = std::min(t.lengthM, laneM);
  const auto& occ = s.vehicles.occupants[track];
  switch (d.pos) {
    case DepartSpec::Pos::Auto: return fitAt(s, track, t, base);
    case DepartSpec::Pos::Given:
      return fitAt(s, track, t, std::clamp(d.posM >= 0 ? d.posM : laneM + d.posM, base, laneM));
    case DepartSpec::Pos::Random: return fitAt(s, track, t, base + d.drawPos * (laneM - base));
    case DepartSpec::Pos::Free: return freePlacement(s, track, t);
    case DepartSpec::Pos::RandomFree:
      if (auto p = fitAt(s, track, t, base + d.drawPos * (laneM - base))) return p;
      return freePlacement(s, track, t);
    case DepartSpec::Pos::Last:
      // SUMO's last: behind the lane's last vehicle, or at the lane's end when it has none.
      if (occ.empty()) return fitAt(s, track, t, laneM);
      return fitAt(s, track, t, std::max(base, s.view.rearOf(s.vehicles.hot[occ.back()]) - t.minGapM));
  }
  return std::nullopt;
}

// Insertion of a vehicle with departure attributes (DepartSpec other than Auto): the lane its
// departLane allows with the most room ahead of the place its departPos gives, at the speed its
// departSpeed asks for. A speed that would not leave the gap to stop behind the vehicle ahead
// (braking comfortably, as it) waits for a later step, except `max` and `random`, which enter
// slower instead.
bool tryInsertAsSpecified(const SpawnContext& s, std::uint32_t id, const std::vector<std::uint8_t>& closed) {
  const RoadNetwork& net = *s.view.net;
  Vehicle& v = s.vehicles.hot[id];
  const VehicleType& t = s.view.type(v);
  const DepartSpec& d = departOf(s, id);
  const Road& road = net.road(s.vehicles.routes[id][0]);
  LaneId lane;
  Placement at;
  for (std::size_t i = 0; i < road.lanes.size(); ++i) {
    if (closed[i] || !candidateLane(s, id, i)) continue;
    const auto p = placementOn(s, id, s.view.laneTrack(road.lanes[i]));
    if (!p || (lane.valid() && p->gapM <= at.gapM)) continue;
    lane = road.lanes[i];
    at = *p;
  }
  if (!lane.valid()) return false;
  const TrackId track = s.view.laneTrack(lane);
  const double v0 = s.view.desiredSpeedOn(v, track);
  // Never faster than the turn at the lane's end or a first stop allow braking comfortably for.
  double cap = kInfinity;
  if (const auto next = s.vehicles.nextRoad(id)) {
    for (ConnectorId c : s.view.outgoing(lane)) {
      if (s.view.connectorToRoad[c] != *next) continue;
      const double vTurn = s.view.desiredSpeedOn(t, s.view.connectorTrack(c));
      const double room = std::max(0.0, s.view.tracks[track].lengthM - at.posM);
      cap = std::min(cap, std::sqrt(vTurn * vTurn + 2.0 * t.comfortDecelMps2 * room));
    }
  }
  if (const double stopM = s.stops.haltPositionAhead(id, track); stopM >= 0)
    cap = std::min(cap, std::sqrt(2.0 * t.comfortDecelMps2 * std::max(0.0, stopM - at.posM)));
  // The fastest from which it can still stop behind the vehicle ahead if that one brakes as hard.
  const double safe = std::isfinite(at.gapM)
                          ? std::sqrt(at.leaderSpeedMps * at.leaderSpeedMps + 2.0 * t.comfortDecelMps2 * std::max(0.0, at.gapM - t.minGapM))
                          : kInfinity;
  double speed = 0;
  bool waitForGap = true;
  switch (d.speed) {
    case DepartSpec::Speed::Given: speed = d.speedMps; break;
    case DepartSpec::Speed::Desired: speed = v0; break;
    case DepartSpec::Speed::SpeedLimit: speed = std::min(net.lane(lane).speedLimitMps, t.maxSpeedMps); break;
    case DepartSpec::Speed::Random: speed = d.drawSpeed * v0, waitForGap = false; break;
    case DepartSpec::Speed::Auto:
    case DepartSpec::Speed::Max: speed = v0, waitForGap = false; break;
  }
  speed = std::min(speed, cap);
  if (speed > safe) {
    if (waitForGap) return false;
    speed = safe;
  }
  v.posM = at.posM;
  v.speedMps = speed;
  v.accelMps2 = 0;
  v.track = track;
  v.flags = static_cast<std::uint8_t>(kInNetwork | (v.flags & (kTransit | kFleet)) | (speed < kHaltingSpeedMps ? kHalted : 0));
  auto& occ = s.vehicles.occupants[track];
  occ.insert(occ.begin() + static_cast<std::ptrdiff_t>(at.index), id);
  s.vehicles.cold[id].enterS = s.clock.nowS;
  ++s.stats.counts.entered;
  --s.stats.counts.waitingToEnter;
  return true;
}

bool tryInsert(const SpawnContext& s, std::uint32_t id, const std::vector<std::uint8_t>& closed) {
  if (!departOf(s, id).isAuto()) return tryInsertAsSpecified(s, id, closed);
  auto [lane, room] = insertionLane(s, id, closed);
  if (!lane.valid()) return false;
  Vehicle& v = s.vehicles.hot[id];
  const VehicleType& t = s.view.type(v);
  const TrackId track = s.view.laneTrack(lane);
  const double v0 = s.view.desiredSpeedOn(v, track);
  v.posM = std::min(t.lengthM, s.view.tracks[track].lengthM);
  double speed = v0;
  // On a lane too short to brake comfortably for the turn at its end (SUMO maps have edges of a
  // few metres), enter no faster than braking at b leaves room for.
  if (const auto next = s.vehicles.nextRoad(id)) {
    for (ConnectorId c : s.view.net->lane(lane).outgoing) {
      if (s.view.net->movement(s.view.net->connector(c).movement).toRoad != *next) continue;
      const double vTurn = s.view.desiredSpeedOn(t, s.view.connectorTrack(c));
      const double room = std::max(0.0, s.view.tracks[track].lengthM - v.posM);
      speed = std::min(speed, std::sqrt(vTurn * vTurn + 2.0 * t.comfortDecelMps2 * room));
    }
  }
  // A transit or fleet vehicle whose first stop is close ahead enters no faster than it can halt
  // there braking comfortably.
  if (const double stopM = s.stops.haltPositionAhead(id, track); stopM >= 0)
    speed = std::min(speed, std::sqrt(2.0 * t.comfortDecelMps2 * std::max(0.0, stopM - v.posM)));
  const auto& occ = s.vehicles.occupants[track];
  if (!occ.empty()) {
    // Enter at the leader's speed when the gap allows the desired headway at that speed; behind a
    // moving leader, wait for such a gap rather than enter crawling, which would hold back every
    // vehicle behind (entry capacity is then what the car-following model allows).
    const Vehicle& leader = s.vehicles.hot[occ.back()];
    const double gap = room - v.posM;
    const double target = std::min(v0, leader.speedMps);
    const double fits = std::max(0.0, (gap - t.minGapM) / std::max(t.headwayS, 0.1));
    if (fits < target * 0.9 && leader.speedMps >= kHaltingSpeedMps) return false;
    speed = std::min(target, fits);
  }
  v.speedMps = speed;
  v.accelMps2 = 0;
  v.track = track;
  v.flags = static_cast<std::uint8_t>(kInNetwork | (v.flags & (kTransit | kFleet)) | (speed < kHaltingSpeedMps ? kHalted : 0));
  s.vehicles.occupants[track].push_back(id);
  s.vehicles.cold[id].enterS = s.clock.nowS;
  ++s.stats.counts.entered;
  --s.stats.counts.waitingToEnter;
  return true;
}

}  // namespace

void releaseAndInsert(const NetworkView& view, const SimClock& clock, const ServiceStops& stops, EntryQueues& entry,
                      Vehicles& vehicles, Statistics& stats) {
  const SpawnContext s{view, clock, stops, entry, vehicles, stats};
  const auto& trips = s.view.scenario->demand.trips;
  while (s.entry.nextTrip < trips.size() && trips[s.entry.nextTrip].departS <= s.clock.nowS + 1e-9) {
    // (A trip not yet in the network still has the record of its own number: see Vehicles.)
    const std::uint32_t id = s.vehicles.recordOf[s.entry.nextTrip++];
    double ff = 0, len = 0;
    routeFreeFlow(s.view, s.vehicles.routes[id], s.view.type(s.vehicles.hot[id]), ff, len);
    s.vehicles.cold[id].freeFlowS = ff;
    s.vehicles.cold[id].routeLengthM = len;
    const std::uint32_t road = s.vehicles.routes[id][0].value;
    if (s.entry.entryQueues[road].empty()) {
      auto it = std::lower_bound(s.entry.roadsWithQueue.begin(), s.entry.roadsWithQueue.end(), road);
      s.entry.roadsWithQueue.insert(it, road);
    }
    auto& queue = s.entry.entryQueues[road];
    if (s.view.type(s.vehicles.hot[id]).signalPriority == SignalPriority::Emergency) {
      // An emergency vehicle passes the vehicles waiting to enter (behind earlier emergency ones).
      auto after = std::find_if(queue.begin(), queue.end(), [&](std::uint32_t other) {
        return s.view.type(s.vehicles.hot[other]).signalPriority != SignalPriority::Emergency;
      });
      queue.insert(after, id);
    } else {
      queue.push_back(id);
    }
    ++s.stats.counts.spawned;
    ++s.stats.counts.waitingToEnter;
  }
  // Serial over roads in index order: cheap, and the order is fixed. Each road's queue is walked
  // in release order; a vehicle that cannot enter closes the lanes it could use to everyone
  // behind it, and the walk ends when every lane is closed.
  auto& closed = s.entry.closedLanes;
  std::erase_if(s.entry.roadsWithQueue, [&](std::uint32_t road) {
    auto& queue = s.entry.entryQueues[road];
    const auto& lanes = s.view.net->road(RoadId(road)).lanes;
    closed.assign(lanes.size(), 0);
    std::size_t open = lanes.size();
    std::size_t kept = 0;
    std::size_t k = 0;
    for (; k < queue.size() && open > 0; ++k) {
      const std::uint32_t id = queue[k];
      if (tryInsert(s, id, closed)) continue;
      queue[kept++] = id;
      for (std::size_t i = 0; i < lanes.size(); ++i) {
        if (closed[i] || !candidateLane(s, id, i)) continue;
        closed[i] = 1;
        --open;
      }
    }
    for (; k < queue.size(); ++k) queue[kept++] = queue[k];
    queue.resize(kept);
    return queue.empty();
  });
}

}  // namespace traffic::engine
