#include "traffic/render/scene.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace traffic::render {
namespace {

double dot(Vec2 a, Vec2 b) { return a.x * b.x + a.y * b.y; }
double cross(Vec2 o, Vec2 a, Vec2 b) { return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x); }

void addTriangle(std::vector<MeshVertex>& out, const SceneFrame& f, Vec2 a, Vec2 b, Vec2 c, Rgba colour) {
  out.push_back({f.toScene(a), colour});
  out.push_back({f.toScene(b), colour});
  out.push_back({f.toScene(c), colour});
}

void addQuad(std::vector<MeshVertex>& out, const SceneFrame& f, Vec2 a, Vec2 b, Vec2 c, Vec2 d, Rgba colour) {
  addTriangle(out, f, a, b, c, colour);
  addTriangle(out, f, a, c, d, colour);
}

/// A line of `widthM` along `line`, one quad per segment. Thin markings do not need joins.
void addStroke(std::vector<MeshVertex>& out, const SceneFrame& f, const Polyline& line, double widthM, Rgba colour) {
  for (std::size_t i = 1; i < line.points.size(); ++i) {
    const Vec2 a = line.points[i - 1], b = line.points[i];
    const Vec2 n = leftNormal(normalized(b - a)) * (widthM / 2);
    if (length(b - a) < 1e-6) continue;
    addQuad(out, f, a + n, b + n, b - n, a - n, colour);
  }
}

void addDashes(std::vector<MeshVertex>& out, const SceneFrame& f, const Polyline& line, double widthM, Rgba colour) {
  constexpr double kDashM = 3, kGapM = 6;
  const double total = line.length();
  for (double s = kGapM / 2; s < total; s += kDashM + kGapM)
    addStroke(out, f, line.slice(s, std::min(s + kDashM, total)), widthM, colour);
}

Rgba laneColour(const Lane& lane) {
  if (lane.allowed == ClassMask::only(VehicleClass::Bus)) return palette::kBusLane;
  if (lane.allowed == ClassMask::only(VehicleClass::Bike)) return palette::kBikeLane;
  return palette::kAsphalt;
}

bool hasOppositeRoad(const RoadNetwork& net, const Road& road) {
  for (RoadId other : net.junction(road.to).outgoing)
    if (net.road(other).to == road.from) return true;
  return false;
}

/// Convex hull, counter-clockwise (Andrew's monotone chain).
std::vector<Vec2> convexHull(std::vector<Vec2> pts) {
  std::sort(pts.begin(), pts.end(), [](Vec2 a, Vec2 b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
  if (pts.size() < 3) return {};
  std::vector<Vec2> hull(2 * pts.size());
  std::size_t k = 0;
  for (const Vec2& p : pts) {
    while (k >= 2 && cross(hull[k - 2], hull[k - 1], p) <= 0) --k;
    hull[k++] = p;
  }
  for (std::size_t i = pts.size() - 1, lower = k + 1; i-- > 0;) {
    while (k >= lower && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) --k;
    hull[k++] = pts[i];
  }
  hull.resize(k - 1);
  return hull.size() >= 3 ? hull : std::vector<Vec2>{};
}

/// Side-to-side order of turns on a lane: the turn furthest left first.
int acrossOrder(TurnType t) {
  switch (t) {
    case TurnType::UTurn: return 0;
    case TurnType::Left: return 1;
    case TurnType::Straight: return 2;
    case TurnType::Right: return 3;
  }
  return 2;
}

const Polyline* trackShape(const RoadNetwork& net, const FrameVehicle& v) {
  if (v.onConnector()) return v.track < net.connectors().size() ? &net.connectors()[v.track].shape : nullptr;
  return v.track < net.lanes().size() ? &net.lanes()[v.track].shape : nullptr;
}

}  // namespace

std::vector<Vec2> junctionOutline(const RoadNetwork& net, JunctionId junction) {
  const Junction& j = net.junction(junction);
  if (j.boundary) return {};
  std::vector<Vec2> pts;
  auto addLaneEnd = [&](LaneId id, bool atEnd) {
    const Lane& lane = net.lane(id);
    if (lane.shape.points.size() < 2) return;
    const double s = atEnd ? lane.shape.length() : 0;
    const Vec2 p = lane.shape.pointAt(s);
    const Vec2 n = leftNormal(lane.shape.directionAt(s)) * (lane.widthM / 2);
    pts.push_back(p + n);
    pts.push_back(p - n);
  };
  for (RoadId r : j.incoming)
    for (LaneId l : net.road(r).lanes) addLaneEnd(l, true);
  for (RoadId r : j.outgoing)
    for (LaneId l : net.road(r).lanes) addLaneEnd(l, false);
  for (ConnectorId c : j.connectors)
    for (const Vec2& p : net.connector(c).shape.points) pts.push_back(p);
  return convexHull(std::move(pts));
}

NetworkMesh buildNetworkMesh(const RoadNetwork& net, const SceneFrame& f) {
  NetworkMesh mesh;
  constexpr double kLineWidthM = 0.15;
  for (const Road& road : net.roads()) {
    const bool twoWay = hasOppositeRoad(net, road);
    for (std::size_t k = 0; k < road.lanes.size(); ++k) {
      const Lane& lane = net.lane(road.lanes[k]);
      if (lane.shape.points.size() < 2) continue;
      const Polyline left = lane.shape.offset(lane.widthM / 2);
      const Polyline right = lane.shape.offset(-lane.widthM / 2);
      const Rgba colour = laneColour(lane);
      for (std::size_t i = 1; i < left.points.size() && i < right.points.size(); ++i)
        addQuad(mesh.surface, f, left.points[i - 1], left.points[i], right.points[i], right.points[i - 1], colour);
      for (std::size_t i = 1; i < lane.shape.points.size(); ++i) {
        mesh.laneLines.push_back({f.toScene(lane.shape.points[i - 1]), colour});
        mesh.laneLines.push_back({f.toScene(lane.shape.points[i]), colour});
      }
      // Lane 0 is next to the centre of the street: a solid centre line when traffic comes the
      // other way, a dashed divider between lanes of one road, an edge line at the kerb.
      if (k == 0)
        addStroke(mesh.markings, f, left, kLineWidthM, twoWay ? palette::kCentreLine : palette::kEdgeLine);
      else
        addDashes(mesh.markings, f, left, kLineWidthM, palette::kLaneDivider);
      if (k + 1 == road.lanes.size()) addStroke(mesh.markings, f, right, kLineWidthM, palette::kEdgeLine);
    }
  }
  for (std::size_t j = 0; j < net.junctions().size(); ++j) {
    const std::vector<Vec2> outline = junctionOutline(net, JunctionId(j));
    for (std::size_t i = 2; i < outline.size(); ++i)
      addTriangle(mesh.surface, f, outline[0], outline[i - 1], outline[i], palette::kJunctionBox);
  }
  return mesh;
}

std::vector<StopLineSegment> buildStopLines(const RoadNetwork& net) {
  std::vector<StopLineSegment> out;
  for (const Lane& lane : net.lanes()) {
    const Junction& j = net.junction(net.road(lane.road).to);
    if (j.boundary || lane.shape.points.size() < 2 || lane.outgoing.empty()) continue;
    std::vector<MovementId> movements;
    for (ConnectorId c : lane.outgoing) {
      const MovementId m = net.connector(c).movement;
      if (std::find(movements.begin(), movements.end(), m) == movements.end()) movements.push_back(m);
    }
    std::stable_sort(movements.begin(), movements.end(), [&](MovementId a, MovementId b) {
      return acrossOrder(net.movement(a).turn) < acrossOrder(net.movement(b).turn);
    });
    const double s = lane.shape.length();
    const Vec2 end = lane.shape.pointAt(s);
    const Vec2 dir = lane.shape.directionAt(s);
    const Vec2 half = leftNormal(dir) * (lane.widthM / 2);
    const Vec2 left = end + half, right = end - half;
    const auto n = static_cast<double>(movements.size());
    for (std::size_t k = 0; k < movements.size(); ++k) {
      StopLineSegment seg;
      seg.lane = LaneId(static_cast<std::size_t>(&lane - net.lanes().data()));
      seg.movement = movements[k];
      seg.leftM = left + (right - left) * (static_cast<double>(k) / n);
      seg.rightM = left + (right - left) * (static_cast<double>(k + 1) / n);
      seg.upstream = dir * -1.0;
      seg.signalised = j.program.has_value();
      out.push_back(seg);
    }
  }
  return out;
}

double classWidthM(VehicleClass c) {
  switch (c) {
    case VehicleClass::Car: return 1.8;
    case VehicleClass::Bus: return 2.5;
    case VehicleClass::Bike: return 0.7;
    case VehicleClass::Shuttle: return 2.0;
  }
  return 1.8;
}

double classLengthM(VehicleClass c) {
  switch (c) {
    case VehicleClass::Car: return 4.5;
    case VehicleClass::Bus: return 12.0;
    case VehicleClass::Bike: return 1.8;
    case VehicleClass::Shuttle: return 6.0;
  }
  return 4.5;
}

TrackGeometry::TrackGeometry(const RoadNetwork& net) : m_net(&net) {
  auto scale = [](const Polyline& shape, double lengthM) {
    const double shapeM = shape.length();
    return lengthM > 0 && shapeM > 0 ? shapeM / lengthM : 1.0;
  };
  m_laneScale.reserve(net.lanes().size());
  for (const Lane& l : net.lanes()) m_laneScale.push_back(scale(l.shape, l.lengthM));
  m_connectorScale.reserve(net.connectors().size());
  for (const Connector& c : net.connectors()) m_connectorScale.push_back(scale(c.shape, c.lengthM));
}

VehiclePose TrackGeometry::place(const FrameVehicle& v, double lengthM) const {
  VehiclePose pose;
  pose.lengthM = lengthM;
  pose.widthM = classWidthM(v.vehicleClass);
  const Polyline* shape = trackShape(*m_net, v);
  if (shape == nullptr || shape->points.empty()) {
    pose.heading = {1, 0};
    return pose;
  }
  const double scale = v.onConnector() ? m_connectorScale[v.track] : m_laneScale[v.track];
  const double s = static_cast<double>(v.positionM) * scale;
  pose.frontM = shape->pointAt(s);
  pose.heading = shape->directionAt(std::max(s - lengthM * scale / 2, 0.0));
  if ((v.flags & FrameVehicle::kInBay) != 0 && !v.onConnector()) {
    // A stop bay lies beside the lane, on the kerb side (right of travel): out of the lane's traffic.
    const double laneWidthM = m_net->lanes()[v.track].widthM;
    pose.frontM = pose.frontM - leftNormal(pose.heading) * (laneWidthM / 2 + pose.widthM / 2 + 0.3);
  }
  return pose;
}

double TrackGeometry::speedLimitMps(const FrameVehicle& v) const {
  if (v.onConnector()) return v.track < m_net->connectors().size() ? m_net->connectors()[v.track].speedLimitMps : 13.89;
  return v.track < m_net->lanes().size() ? m_net->lanes()[v.track].speedLimitMps : 13.89;
}

RoadId TrackGeometry::roadOf(const FrameVehicle& v) const {
  if (v.onConnector()) {
    if (v.track >= m_net->connectors().size()) return {};
    return m_net->lane(m_net->connectors()[v.track].from).road;
  }
  return v.track < m_net->lanes().size() ? m_net->lanes()[v.track].road : RoadId{};
}

std::vector<StopPlacement> placeStops(const RoadNetwork& net, std::span<const TransitStop> stops) {
  std::vector<StopPlacement> out;
  out.reserve(stops.size());
  for (const TransitStop& stop : stops) {
    StopPlacement p;
    p.heading = {1, 0};
    if (stop.lane.index() >= net.lanes().size()) {
      out.push_back(p);
      continue;
    }
    const Lane& lane = net.lane(stop.lane);
    if (lane.shape.points.size() < 2) {
      out.push_back(p);
      continue;
    }
    // Positions are in modelled metres; the drawn shape may be a little longer or shorter.
    const double shapeM = lane.shape.length();
    const double s = lane.lengthM > 0 ? std::clamp(stop.positionM * shapeM / lane.lengthM, 0.0, shapeM) : 0.0;
    p.laneM = lane.shape.pointAt(s);
    p.heading = lane.shape.directionAt(s);
    // Lanes are ordered from the centre of the street (index 0) to the kerb: the road's outer edge
    // is past every lane with a higher index.
    double toKerbM = lane.widthM / 2;
    const Road& road = net.road(lane.road);
    for (LaneId other : road.lanes) {
      if (other.index() >= net.lanes().size()) continue;
      if (net.lane(other).indexInRoad > lane.indexInRoad) toKerbM += net.lane(other).widthM;
    }
    if (stop.bay) toKerbM = lane.widthM / 2 + std::max(toKerbM - lane.widthM / 2, kStopBayWidthM);
    p.offsetM = toKerbM + kStopKerbGapM + kStopMarkerM / 2;
    p.markerM = p.laneM + p.kerbSide() * p.offsetM;
    out.push_back(p);
  }
  return out;
}

double stopMarkerSidePx(std::uint32_t waiting, double pxPerM) {
  if (pxPerM >= kLabelsMinPxPerM) return std::max(kStopMarkerM * pxPerM, kStopMarkerMinPx);
  return std::min(5.0 + 2.0 * std::sqrt(static_cast<double>(waiting)), 24.0);
}

std::optional<std::size_t> pickStop(std::span<const StopPlacement> stops, std::span<const double> sidesPx, double pxPerM,
                                    Vec2 pointM, double toleranceM) {
  std::optional<std::size_t> best;
  double bestDistance = 0;
  for (std::size_t i = 0; i < stops.size() && i < sidesPx.size(); ++i) {
    const Vec2 d = pointM - stops[i].markerM;
    const double half = sidesPx[i] / pxPerM / 2 + toleranceM;
    // Markers are squares on screen (axis-aligned), so the test is too.
    if (std::abs(d.x) > half || std::abs(d.y) > half) continue;
    const double distance = length(d);
    if (!best || distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

std::optional<std::size_t> pickVehicle(std::span<const VehiclePose> poses, Vec2 pointM, double toleranceM) {
  std::optional<std::size_t> best;
  double bestDistance = 0;
  for (std::size_t i = 0; i < poses.size(); ++i) {
    const VehiclePose& p = poses[i];
    const Vec2 d = pointM - p.centreM();
    const double along = dot(d, p.heading);
    const double across = dot(d, leftNormal(p.heading));
    if (std::abs(along) > p.lengthM / 2 + toleranceM || std::abs(across) > p.widthM / 2 + toleranceM) continue;
    const double distance = length(d);
    if (!best || distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

std::optional<JunctionId> pickJunction(const RoadNetwork& net, Vec2 pointM, double toleranceM) {
  std::optional<JunctionId> best;
  double bestDistance = 0;
  for (std::size_t i = 0; i < net.junctions().size(); ++i) {
    const Junction& j = net.junctions()[i];
    if (j.boundary) continue;
    const double distance = length(pointM - j.position);
    if (distance > std::max(j.widthM, toleranceM)) continue;
    if (!best || distance < bestDistance) {
      best = JunctionId(i);
      bestDistance = distance;
    }
  }
  return best;
}

}  // namespace traffic::render
