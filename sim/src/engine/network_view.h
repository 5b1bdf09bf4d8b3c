// What the engine reads and never writes while it runs: the scenario, its road network, and the
// flat tables built from them at construction (tracks, lane exits, feeders, the vehicle types as
// car-following sees them). Phases take it by const reference, from any thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "engine/vehicles.h"
#include "network/box_geometry.h"
#include "traffic/car_following.h"
#include "traffic/scenario.h"

namespace traffic::engine {

// 32 bytes. Lane index and permissions are copied here from the network's Lane (a large struct
// with shapes) because lane changing asks for them for every vehicle every step.
struct Track {
  double lengthM = 0;
  double speedLimitMps = 0;
  LaneId lane;            // when a lane
  ConnectorId connector;  // when a connector
  std::uint16_t indexInRoad = 0;
  ClassMask allowed = ClassMask::all();
  // A connector's mean radius of curvature (its length over how much it turns); infinite for
  // lanes and straight connectors. A float, to keep the struct at 32 bytes.
  float curveRadiusM = std::numeric_limits<float>::infinity();
  [[nodiscard]] bool isConnector() const { return connector.valid(); }
};

/// The radius a connector's speed is bounded by: its length over how much its shape turns, the
/// length taken as at least kMinTurnArcM. A driver spreads a change of heading over some distance
/// whatever the drawing: a junction of no width leaves connectors a few centimetres long that
/// turn by a few degrees where two lanes meet, and taken literally (a 2 m radius) they slowed
/// every vehicle to 2.4 m/s at each such joint.
/// A connector whose speed is the map's own (Connector::speedFromMap) is taken as straight: the
/// map's speed already holds the curve, and the drivers of that map's own simulator take it as is.
inline constexpr double kMinTurnArcM = 15.0;
inline float curveRadiusOf(const Connector& c) {
  if (c.speedFromMap) return std::numeric_limits<float>::infinity();
  const double turn = c.shape.totalTurnRad();
  // Below about a degree a connector is straight for any speed a lane allows.
  return turn > 0.02 ? static_cast<float>(std::max(c.lengthM, kMinTurnArcM) / turn) : std::numeric_limits<float>::infinity();
}

// Tracks: lanes and connectors in one index space, [0, laneCount) lanes and
// [laneCount, laneCount + connectorCount) connectors. Vehicles drive on tracks.
// How far short of the zone it gives way at a turner waiting inside the junction stops (rounding
// only: the zone already spans where the two vehicles could touch).
inline constexpr double kInsideStopShortM = 0.2;

struct NetworkView {
  const Scenario* scenario = nullptr;
  const RoadNetwork* net = nullptr;
  IdVector<TrackId, Track> tracks;
  std::uint32_t laneCount = 0;
  IdVector<TrackId, std::vector<ConnectorId>> feeders;  // per lane track: connectors ending on it
  // Per track: the junction at its end (a lane's road's end; a connector's own), which the phases
  // that visit only the junctions with vehicles gather from the tracks with vehicles.
  IdVector<TrackId, JunctionId> endJunction;
  // Per connector: the track of the lane it leads onto. Read for every connector of every busy
  // junction every step (the room its vehicles take there), where the connector's own record
  // would cost a cache line each.
  IdVector<ConnectorId, TrackId> connectorExit;
  // Roads reachable from the end of each lane, flattened: lane l's are
  // laneExitRoads[laneExitBegin[l] .. laneExitBegin[l + 1]). Asked for every vehicle every step,
  // so kept flat rather than followed through connectors and movements.
  std::vector<std::uint32_t> laneExitBegin;
  std::vector<std::uint32_t> laneExitRoads;
  // Each lane's connectors, in the lane's order, flattened the same way (lane l's are
  // laneConnectors[laneConnectorBegin[l] .. laneConnectorBegin[l + 1])), and per connector the road
  // its movement leads onto: arbitration picks a connector for every vehicle that asks to enter a
  // junction, every step it asks, and the lane's and each connector's and movement's own records
  // would cost a cache line each.
  std::vector<std::uint32_t> laneConnectorBegin;
  std::vector<ConnectorId> laneConnectors;
  IdVector<ConnectorId, RoadId> connectorToRoad;
  // Per junction, flattened the same way: the lanes of the roads that end at it, road by road in
  // the junction's order (Junction::incoming, then Road::lanes), and the lanes of the roads that
  // leave it (Junction::outgoing). Arbitration and transfer walk them for every busy junction
  // every step; on a large network the junction's, each road's and each lane list's own records
  // cost a cache miss each (perf on a 100x100 grid put a third of JunctionArbiter::run's samples
  // on those loads).
  std::vector<std::uint32_t> junctionInBegin;
  std::vector<LaneId> junctionInLanes;
  std::vector<std::uint32_t> junctionOutBegin;
  std::vector<LaneId> junctionOutLanes;
  // Per vehicle type: the same type following a cooperative leader (CACC headway), for
  // cooperative types; a copy otherwise.
  std::vector<VehicleType> platoonTypes;
  std::vector<std::pair<MovementId, MovementId>> conflictingMovements;  // for the invariant check
  // Where vehicles on two connectors can touch (per conflict) and where connectors leaving one lane
  // part (network/box_geometry.h): what the junction box's own safety rules measure against.
  const BoxGeometry* box = nullptr;  // the network's, shared by every World on it
  // Per connector: where a turner that waits for its gap inside the junction stops, its front that
  // far along the connector (SUMO's internal stop line: the start of the zone of the first conflict
  // at which it gives way), on a connector the map lets wait inside (Connector::waitsInside) at a
  // junction with signals and right of way from the map; infinity elsewhere (arbitrate.cpp).
  IdVector<ConnectorId, double> insideStopM;
  // Per junction: whether one of its connectors has such a waiting position. Arbitration skips
  // the rules for waiting inside at every other junction (every junction of a map not from SUMO),
  // which would otherwise read the per-connector tables above for nothing.
  std::vector<std::uint8_t> insideStopsAt;

  [[nodiscard]] TrackId laneTrack(LaneId l) const { return TrackId(l.value); }
  [[nodiscard]] TrackId connectorTrack(ConnectorId c) const { return TrackId(laneCount + c.value); }
  [[nodiscard]] bool isLaneTrack(TrackId t) const { return t.value < laneCount; }
  [[nodiscard]] const VehicleType& type(const Vehicle& v) const { return scenario->vehicleTypes[v.type]; }
  [[nodiscard]] double desiredSpeedOn(const Vehicle& v, TrackId track) const { return desiredSpeedOn(type(v), track); }
  /// The desired speed of a type on a track: the speed limit as the type takes it, and on a
  /// curved connector no more than the speed at which the type's comfortable lateral
  /// acceleration holds it in the curve, sqrt(a_lat R) (turnSpeed()).
  [[nodiscard]] double desiredSpeedOn(const VehicleType& t, TrackId track) const {
    const Track& k = tracks[track];
    const double v0 = desiredSpeed(t, k.speedLimitMps);
    return k.curveRadiusM < std::numeric_limits<float>::infinity() ? std::min(v0, turnSpeed(t, k.curveRadiusM)) : v0;
  }
  /// Where a vehicle's rear bumper is on its track.
  [[nodiscard]] double rearOf(const Vehicle& v) const { return v.posM - type(v).lengthM; }
  /// The junction at the end of a track.
  [[nodiscard]] JunctionId junctionAtEnd(TrackId t) const { return endJunction[t]; }
  /// The road of a lane track.
  [[nodiscard]] RoadId roadOfLane(TrackId laneTrack) const { return net->lane(tracks[laneTrack].lane).road; }
  /// The connectors leaving `lane`, in the lane's order (Lane::outgoing, flattened).
  [[nodiscard]] std::span<const ConnectorId> outgoing(LaneId lane) const {
    return std::span(laneConnectors).subspan(laneConnectorBegin[lane.index()],
                                             laneConnectorBegin[lane.index() + 1] - laneConnectorBegin[lane.index()]);
  }
  /// The lanes of the roads ending at junction `j`, road by road in the junction's order.
  [[nodiscard]] std::span<const LaneId> incomingLanes(JunctionId j) const {
    return std::span(junctionInLanes).subspan(junctionInBegin[j.index()], junctionInBegin[j.index() + 1] - junctionInBegin[j.index()]);
  }
  /// The lanes of the roads leaving junction `j`, road by road in the junction's order.
  [[nodiscard]] std::span<const LaneId> outgoingLanes(JunctionId j) const {
    return std::span(junctionOutLanes).subspan(junctionOutBegin[j.index()], junctionOutBegin[j.index() + 1] - junctionOutBegin[j.index()]);
  }
  /// Whether a connector from `lane` leads onto `toRoad` (a lookup in laneExitRoads).
  [[nodiscard]] bool laneLeadsTo(LaneId lane, RoadId toRoad) const {
    for (std::uint32_t k = laneExitBegin[lane.index()]; k < laneExitBegin[lane.index() + 1]; ++k)
      if (laneExitRoads[k] == toRoad.value) return true;
    return false;
  }
  /// Whether a vehicle entering connector `c` needs room for all of itself on the exit lane
  /// (nobody halts in the box). Not on a connector that no other path of its junction crosses,
  /// merges with, comes near or shares its start with, at a junction whose right of way comes
  /// from the map: SUMO's link whose foes row is empty (a junction that only joins two roads),
  /// which SUMO leaves out of its junction-blocking check, so that its queue reaches back through
  /// the box as on a plain road. A vehicle halted on such a connector keeps nobody but those
  /// behind it in its lane waiting. U-turns keep the rule: on the RESCO maps those at the map's
  /// fringe take the vehicles that re-route after a missed turn (SUMO's do not re-route), and one
  /// let in there without room stood in the box before the start of an entry road, where the
  /// road's own vehicles wait to be inserted (cologne3's `-31864804` to `31864804`).
  [[nodiscard]] bool keepsClear(ConnectorId c) const {
    return net->junction(net->connector(c).junction).rightOfWay == RightOfWay::ByTurn || !box->zones[c.index()].empty() ||
           !box->sharedStarts[c.index()].empty() || net->movement(net->connector(c).movement).turn == TurnType::UTurn;
  }
};

/// Time to cover `distanceM` from speed `v`, accelerating at `a` up to `vmax` (and at `vmax` if
/// already faster). From rest it is sqrt(2 d / a), not d / v: a vehicle standing 10 m back at
/// 2 m/s^2 arrives in about 3 s. Used on both sides of every gap comparison at junctions.
inline double timeToCover(double distanceM, double v, double a, double vmax) {
  if (distanceM <= 0) return 0;
  vmax = std::max(vmax, 0.5);
  if (v >= vmax) return distanceM / v;
  if (a <= 1e-9) return v > 1e-9 ? distanceM / v : kInfinity;
  const double tAccel = (vmax - v) / a;
  const double dAccel = (v + vmax) * 0.5 * tAccel;
  if (dAccel >= distanceM) return (-v + std::sqrt(v * v + 2 * a * distanceM)) / a;
  return tAccel + (distanceM - dAccel) / vmax;
}

}  // namespace traffic::engine
