// Checks of a world: the state hash (bit-exact, for determinism tests), the invariants behind
// --validate, and the memory held per vehicle.
#include "traffic/world.h"

#include <algorithm>
#include <bit>
#include <sstream>
#include <string>

#include "engine/lane_entry.h"
#include "engine/state.h"

namespace traffic {

using namespace engine;

namespace {
// Speeds come out of a ballistic update in doubles; anything beyond this is a real excess.
constexpr double kSpeedToleranceMps = 1e-6;
// Bodies that overlap by less than this (in 2-D, inside a junction) are rounding of the shapes.
constexpr double kOverlapToleranceM = 0.05;

// The part of a vehicle's body inside a junction: rectangles on the chords between points along its
// connector from its rear to its front, both cut to the connector (the part still on the lane or
// already on the exit lane is checked there, in one dimension), `halfWidthM` to either side. One
// rectangle per kBodyPieceM at most: a single chord would cut across the inside of a tight turn
// (a 12 m bus on an 11.5 m left turn), where the vehicle never is.
struct Body {
  Vec2 rear;
  Vec2 front;
  double halfWidthM = 1;
};
constexpr double kBodyPieceM = 2.5;

std::vector<Body> bodyOf(const NetworkView& view, const Connector& c, const Vehicle& v) {
  const VehicleType& t = view.type(v);
  const double len = c.shape.length();
  const double front = std::clamp(v.posM, 0.0, len);
  const double rear = std::clamp(v.posM - t.lengthM, 0.0, len);
  // A body cut to a sliver keeps a direction: the connector's there.
  if (front - rear < 1e-3) {
    const Vec2 p = c.shape.pointAt(front);
    return {{p - c.shape.directionAt(front) * 1e-3, p, t.widthM / 2}};
  }
  const int pieces = std::max(1, static_cast<int>(std::ceil((front - rear) / kBodyPieceM)));
  std::vector<Body> body;
  Vec2 from = c.shape.pointAt(rear);
  for (int k = 1; k <= pieces; ++k) {
    const Vec2 to = c.shape.pointAt(rear + (front - rear) * k / pieces);
    body.push_back({from, to, t.widthM / 2});
    from = to;
  }
  return body;
}

// Whether two bodies overlap by more than the tolerance (separating axes of two rectangles).
bool overlap(const Body& a, const Body& b) {
  auto corners = [](const Body& x, Vec2 out[4]) {
    const Vec2 d = normalized(x.front - x.rear);
    const Vec2 n = leftNormal(d) * x.halfWidthM;
    out[0] = x.rear + n;
    out[1] = x.rear - n;
    out[2] = x.front + n;
    out[3] = x.front - n;
  };
  Vec2 ca[4], cb[4];
  corners(a, ca);
  corners(b, cb);
  const Vec2 da = normalized(a.front - a.rear), db = normalized(b.front - b.rear);
  const Vec2 axes[4] = {da, leftNormal(da), db, leftNormal(db)};
  for (const Vec2& axis : axes) {
    double loA = 1e300, hiA = -1e300, loB = 1e300, hiB = -1e300;
    for (int i = 0; i < 4; ++i) {
      const double pa = ca[i].x * axis.x + ca[i].y * axis.y;
      const double pb = cb[i].x * axis.x + cb[i].y * axis.y;
      loA = std::min(loA, pa), hiA = std::max(hiA, pa), loB = std::min(loB, pb), hiB = std::max(hiB, pb);
    }
    if (std::min(hiA, hiB) - std::max(loA, loB) < kOverlapToleranceM) return false;  // a separating axis
  }
  return true;
}

bool overlapping(const std::vector<Body>& a, const std::vector<Body>& b) {
  for (const Body& x : a)
    for (const Body& y : b)
      if (overlap(x, y)) return true;
  return false;
}

std::string tripName(const State& s, std::uint32_t id) { return s.view.scenario->demand.trips[s.vehicles.tripOf[id]].id; }
}  // namespace

std::uint64_t World::stateHash() const {
  const State& s = *m;
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the raw bits
  auto mix = [&h](std::uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      h ^= (x >> (8 * i)) & 0xFF;
      h *= 1099511628211ull;
    }
  };
  mix(s.clock.steps);
  for (std::size_t t = 0; t < s.view.tracks.size(); ++t) {
    mix(t);
    for (std::uint32_t id : s.vehicles.occupants[t]) {
      const Vehicle& v = s.vehicles.hot[id];
      mix(s.vehicles.tripOf[id]);  // (trips, not records: the hash does not see the numbering)
      mix(std::bit_cast<std::uint64_t>(v.posM));
      mix(std::bit_cast<std::uint64_t>(v.speedMps));
      mix(v.flags);
      // Only where it is not zero: all-way stops are rare, and hashes of scenes without one keep
      // their value.
      if (const float atLine = s.vehicles.cold[id].atLineS; atLine != 0) mix(std::bit_cast<std::uint32_t>(atLine));
    }
  }
  for (SignalState st : s.signals.movementStates) mix(static_cast<std::uint64_t>(st));
  mix(s.stats.counts.arrived);
  mix(s.stats.counts.entered);
  mix(s.stats.counts.teleported);
  for (std::size_t i = 0; i < s.entry.nextTrip; ++i) {
    const std::uint32_t id = s.vehicles.recordOf[i];
    mix(std::bit_cast<std::uint64_t>(s.vehicles.cold[id].arriveS));
    const TripMeasures& m = s.vehicles.measures[id];
    mix(std::bit_cast<std::uint64_t>(m.timeLossS));
    mix(std::bit_cast<std::uint32_t>(m.waitingS));
    mix(m.waitingCount);
  }
  for (std::uint32_t id : s.vehicles.inBay) mix(s.vehicles.tripOf[id]);
  // Routes changed after missed turns (the others are the scenario's, or the fleets' below).
  for (std::size_t i = 0; i < s.vehicles.recordOf.size(); ++i) {
    const std::uint32_t id = s.vehicles.recordOf[i];
    if (s.vehicles.rerouted[id].empty()) continue;
    mix(i);
    mix(s.vehicles.hot[id].routeIndex);
    for (RoadId r : s.vehicles.rerouted[id]) mix(r.value);
  }
  for (const TransitRun& run : s.transit.runs) {
    mix(run.nextStop);
    for (std::uint32_t p : run.onboard) mix(p);
  }
  for (const FleetVehicle& fv : s.fleets.fleetVehicles) {
    for (const PlannedStop& stop : fv.plan) mix(stop.request);
    for (std::uint32_t r : fv.onboard) mix(r);
  }
  return h;
}

std::string World::checkInvariants() const {
  const State& s = *m;
  const RoadNetwork& net = *s.view.net;
  std::ostringstream err;
  // Conservation.
  const VehicleCounts& c = s.stats.counts;
  if (c.spawned != c.arrived + c.running + c.waitingToEnter) {
    err << "conservation: spawned " << c.spawned << " != arrived " << c.arrived << " + running " << c.running
        << " + waiting " << c.waitingToEnter;
    return err.str();
  }
  std::uint64_t onTracks = 0;
  for (const auto& occ : s.vehicles.occupants) onTracks += occ.size();
  if (onTracks + s.vehicles.inBay.size() != c.running) {
    err << "conservation: " << onTracks << " vehicles on lanes and connectors and " << s.vehicles.inBay.size()
        << " in stop bays but " << c.running << " running";
    return err.str();
  }
  // Order and no overlap within every lane and connector.
  for (std::size_t t = 0; t < s.view.tracks.size(); ++t) {
    const auto& occ = s.vehicles.occupants[t];
    for (std::size_t k = 0; k < occ.size(); ++k) {
      const Vehicle& v = s.vehicles.hot[occ[k]];
      if (v.track != TrackId(t)) {
        err << "vehicle " << tripName(s, occ[k]) << " listed on track " << t << " but records track " << v.track.value;
        return err.str();
      }
      if (k > 0) {
        const Vehicle& leader = s.vehicles.hot[occ[k - 1]];
        const double gap = leader.posM - s.view.type(leader).lengthM - v.posM;
        if (gap < -1e-6) {
          err << "overlap on " << (s.view.tracks[t].isConnector() ? "connector " : "lane ")
              << (s.view.tracks[t].isConnector() ? s.view.tracks[t].connector.value : s.view.tracks[t].lane.value) << ": vehicle "
              << tripName(s, occ[k]) << " is " << -gap << " m into vehicle "
              << tripName(s, occ[k - 1]);
          return err.str();
        }
      }
      if (v.speedMps < 0 || v.posM < -1e-9) {
        err << "vehicle " << tripName(s, occ[k]) << " has negative speed or position";
        return err.str();
      }
      // Never above the desired speed where it is (the plan ends each step at or below the
      // desired speed of the track the vehicle ends it on); the tolerance is rounding only.
      if (const double v0 = s.view.desiredSpeedOn(v, TrackId(t)); v.speedMps > v0 + kSpeedToleranceMps) {
        err << "vehicle " << tripName(s, occ[k]) << " drives at " << v.speedMps << " m/s on "
            << (s.view.tracks[t].isConnector() ? "connector " : "lane ")
            << (s.view.tracks[t].isConnector() ? s.view.tracks[t].connector.value : s.view.tracks[t].lane.value)
            << ", above its desired speed there of " << v0 << " m/s";
        return err.str();
      }
    }
  }
  // Inside every junction: no two vehicles on different connectors overlap in 2-D, no crossing
  // point is covered by two vehicles at once, and (under the no-blocking rule) nobody stands in
  // the box while its exit lane's last vehicle stands at the lane's start.
  for (const Junction& j : net.junctions()) {
    for (std::size_t a = 0; a < j.connectors.size(); ++a) {
      const ConnectorId ca = j.connectors[a];
      const Connector& conA = net.connector(ca);
      const auto& occA = s.vehicles.occupants[s.view.connectorTrack(ca)];
      if (occA.empty()) continue;
      for (std::size_t b = a + 1; b < j.connectors.size(); ++b) {
        const ConnectorId cb = j.connectors[b];
        const auto& occB = s.vehicles.occupants[s.view.connectorTrack(cb)];
        for (std::uint32_t u : occA)
          for (std::uint32_t w : occB)
            if (overlapping(bodyOf(s.view, conA, s.vehicles.hot[u]), bodyOf(s.view, net.connector(cb), s.vehicles.hot[w]))) {
              err << "junction '" << j.name << "': vehicles " << tripName(s, u) << " (connector " << ca.value << ") and "
                  << tripName(s, w) << " (connector " << cb.value << ") overlap";
              return err.str();
            }
      }
      for (const Conflict& k : conA.conflicts) {
        if (k.merging || k.other < ca) continue;
        const auto covering = [&](const std::vector<std::uint32_t>& occ, double atM) -> std::int64_t {
          for (std::uint32_t u : occ)
            if (s.vehicles.hot[u].posM >= atM && s.view.rearOf(s.vehicles.hot[u]) <= atM) return u;
          return -1;
        };
        const std::int64_t u = covering(occA, k.atM);
        const std::int64_t w = u < 0 ? -1 : covering(s.vehicles.occupants[s.view.connectorTrack(k.other)], k.otherAtM);
        if (w >= 0) {
          err << "junction '" << j.name << "': vehicles " << tripName(s, static_cast<std::uint32_t>(u)) << " (connector "
              << ca.value << ") and " << tripName(s, static_cast<std::uint32_t>(w)) << " (connector " << k.other.value
              << ") are both on their crossing point";
          return err.str();
        }
      }
      if (s.view.scenario->junctionEntry != JunctionEntry::RoomBehindQueue) continue;
      if (!s.view.keepsClear(ca)) continue;  // its queue may reach into the box (network_view.h)
      const auto& exitOcc = s.vehicles.occupants[s.view.laneTrack(conA.to)];
      if (exitOcc.empty()) continue;
      const Vehicle& last = s.vehicles.hot[exitOcc.back()];
      for (std::uint32_t u : occA) {
        const Vehicle& v = s.vehicles.hot[u];
        const VehicleType& t = s.view.type(v);
        // Not behind an exit lane shorter than two vehicles and their gaps: arbitration counts the
        // room along the lanes after it (arbitrate.cpp, passThroughRoom), and the junction at its
        // far end may hold its vehicles after this one was let in, as SUMO's may. Such halts are
        // counted with every other halt in a box (halted_in_box).
        if (s.view.tracks[s.view.laneTrack(conA.to)].lengthM < 2.0 * entryShareM(s.view, t)) continue;
        // Nor at or behind the waiting position of a turner the map lets wait inside the junction
        // (NetworkView::insideStopM): it was let in with room on its exit lane, and waits there for
        // its gap in the opposite stream, which the exit lane's queue may not wait for.
        if (v.posM <= s.view.insideStopM[ca] + kOverlapToleranceM) continue;
        if (v.speedMps < kHaltingSpeedMps && last.speedMps < kHaltingSpeedMps && s.view.rearOf(last) < t.lengthM + t.minGapM) {
          err << "junction '" << j.name << "': vehicle " << tripName(s, u) << " stands in the box (connector " << ca.value
              << ") while its exit lane's last vehicle, " << tripName(s, exitOcc.back()) << ", stands at the lane's start";
          return err.str();
        }
      }
    }
  }
  // Never braked harder than the vehicle can (the move phase records the first time it did).
  if (!s.stats.overDecel.empty()) return "deceleration: " + s.stats.overDecel;
  // No two conflicting movements both protected green (a permissive one yields by construction).
  for (const auto& [a, b] : s.view.conflictingMovements) {
    if (s.signals.movementStates[a.index()] == SignalState::GreenProtected &&
        s.signals.movementStates[b.index()] == SignalState::GreenProtected) {
      err << "junction '" << net.junction(net.movement(a).junction).name << "': conflicting movements " << a.value
          << " and " << b.value << " are both protected green";
      return err.str();
    }
  }
  return {};
}

std::size_t World::vehicleStateBytes() const {
  const State& s = *m;
  std::size_t bytes = s.vehicles.hot.capacity() * sizeof(Vehicle) + s.vehicles.cold.capacity() * sizeof(VehicleCold) +
                      s.vehicles.measures.capacity() * sizeof(TripMeasures) +
                      s.vehicles.routes.capacity() * sizeof(std::span<const RoadId>) +
                      s.vehicles.lanePlans.capacity() * sizeof(LanePlan) +
                      s.vehicles.nextLaneReach.capacity() * sizeof(NextLaneReach) +
                      s.vehicles.rerouted.capacity() * sizeof(std::vector<RoadId>) +
                      (s.vehicles.tripOf.capacity() + s.vehicles.recordOf.capacity()) * sizeof(std::uint32_t);
  for (const auto& route : s.vehicles.rerouted) bytes += route.capacity() * sizeof(RoadId);
  for (const auto& occ : s.vehicles.occupants) bytes += occ.capacity() * sizeof(std::uint32_t);
  return bytes;
}

}  // namespace traffic
