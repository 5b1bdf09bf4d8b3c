// What the viewer draws, as plain geometry: the static network (built once into triangle and line
// lists), stop-line segments per movement, where each vehicle of a frame stands, and where the
// markers of transit stops go.
//
// No SFML here either. The drawing code copies these lists into vertex arrays, and tests check
// placement and picking with numbers rather than pixels. All inputs are the immutable RoadNetwork
// and a Frame, so any thread may build them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "traffic/frame.h"
#include "traffic/geometry.h"
#include "traffic/ids.h"
#include "traffic/render/camera.h"
#include "traffic/render/palette.h"
#include "traffic/road_network.h"
#include "traffic/transit.h"

namespace traffic::render {

struct MeshVertex {
  ScenePoint position;
  Rgba colour;
};

/// The static picture of a network, in scene coordinates.
struct NetworkMesh {
  std::vector<MeshVertex> surface;    ///< triangles: lanes and junction boxes
  std::vector<MeshVertex> markings;   ///< triangles: lane dividers, centre and edge lines (drawn zoomed in)
  std::vector<MeshVertex> laneLines;  ///< line pairs along lane centres: keeps thin roads visible zoomed out
};

/// One stretch of a stop line, coloured by the signal of `movement`. A lane that feeds several
/// turns has one stretch per turn, ordered across the lane as the turns go (left turn on the left).
struct StopLineSegment {
  LaneId lane;
  MovementId movement;
  Vec2 leftM;      ///< end of the stretch on the left of travel, on the stop line
  Vec2 rightM;     ///< end on the right
  Vec2 upstream;   ///< unit vector pointing back along the lane
  bool signalised = true;  ///< false at junctions without a signal program
};

/// Lane markings are drawn from this scale up; below it the view is too far out to see them.
inline constexpr double kMarkingsMinPxPerM = 2.0;
/// Lane and junction surfaces (and stop lines) are drawn from this scale up, where a junction box is
/// still a few pixels across; below it, one-pixel lines along the lanes show the roads for a
/// fraction of the vertices.
inline constexpr double kSurfacesMinPxPerM = 0.15;
/// Vehicles are drawn as oriented boxes from this scale up (never smaller than 2 x 3 pixels, so
/// they stay visible), as short lines below it, where boxes of that size would merge into blobs.
inline constexpr double kVehicleBoxesMinPxPerM = 0.25;
inline constexpr double kVehicleMinWidthPx = 2;
inline constexpr double kVehicleMinLengthPx = 3;

NetworkMesh buildNetworkMesh(const RoadNetwork& net, const SceneFrame& frame);
/// Stop lines at the end of every lane that enters a non-boundary junction.
std::vector<StopLineSegment> buildStopLines(const RoadNetwork& net);
/// The outline of a junction box (convex, counter-clockwise), from the corners of the lanes that
/// meet there; empty for boundary junctions and junctions without lanes.
std::vector<Vec2> junctionOutline(const RoadNetwork& net, JunctionId junction);

/// Where a vehicle stands: its front bumper and heading, and its footprint.
struct VehiclePose {
  Vec2 frontM;
  Vec2 heading;  ///< unit vector, direction of travel
  double lengthM = 5;
  double widthM = 1.8;
  [[nodiscard]] Vec2 rearM() const { return frontM - heading * lengthM; }
  [[nodiscard]] Vec2 centreM() const { return frontM - heading * (lengthM / 2); }
};

/// A typical body width per class, for drawing (the engine does not model width).
double classWidthM(VehicleClass c);
/// A typical length per class, for drawing when the vehicle type is not known.
double classLengthM(VehicleClass c);

/// The shapes of every lane and connector, indexed as FrameVehicle::track, to place vehicles.
class TrackGeometry {
 public:
  explicit TrackGeometry(const RoadNetwork& net);
  /// The vehicle's front is at its position along its lane or connector; the body extends straight
  /// back along the heading at the middle of the body, so a vehicle half into a junction does not
  /// fold around the stop line. A vehicle in a stop bay (FrameVehicle::kInBay) stands beside its
  /// lane, on the right.
  [[nodiscard]] VehiclePose place(const FrameVehicle& v, double lengthM) const;
  /// The speed limit where the vehicle is (for colouring by speed).
  [[nodiscard]] double speedLimitMps(const FrameVehicle& v) const;
  /// The road a vehicle's track belongs to (for a connector, the road it leaves).
  [[nodiscard]] RoadId roadOf(const FrameVehicle& v) const;

 private:
  const RoadNetwork* m_net;
  // Shape length over modelled length, per lane and per connector: positions are in modelled
  // metres, shapes may be slightly longer or shorter (smoothed curves).
  std::vector<double> m_laneScale;
  std::vector<double> m_connectorScale;
};

/// Numbers on the map (people waiting at a stop, passengers on board a vehicle) are drawn from this
/// scale up, where a bus is at least 18 pixels long; further out a stop's marker grows with the
/// number waiting instead.
inline constexpr double kLabelsMinPxPerM = 1.5;
/// A stop's square marker is this wide in the world close up (never under kStopMarkerMinPx).
inline constexpr double kStopMarkerM = 2.0;
inline constexpr double kStopMarkerMinPx = 8;
/// Between the kerb (the outer edge of the road, or of a bay) and the near side of a stop's marker.
inline constexpr double kStopKerbGapM = 0.5;
/// How far a stop bay reaches beyond its lane's edge: the gap and a bus's width, as a vehicle in a
/// bay is drawn (TrackGeometry::place).
inline constexpr double kStopBayWidthM = 0.3 + 2.5;

/// Where the marker of a transit stop stands.
struct StopPlacement {
  Vec2 laneM;       ///< on its lane's centre line, at the stop's position (where a bus's front halts)
  Vec2 heading;     ///< unit vector, direction of travel of the lane
  Vec2 markerM;     ///< centre of the marker, to the right of laneM
  double offsetM = 0;  ///< from laneM to markerM, to the right of travel
  [[nodiscard]] Vec2 kerbSide() const { return leftNormal(heading) * -1.0; }
};

/// A stop's marker stands beside the road on the kerb side (right of travel), level with the
/// stop's position: beyond every lane to the right of the stop's lane, by kStopKerbGapM, and for a
/// bay beyond the bay too, so that a bus standing in the bay does not hide it. Indexed as `stops`;
/// a stop on a lane the network does not have is placed at the origin.
std::vector<StopPlacement> placeStops(const RoadNetwork& net, std::span<const TransitStop> stops);
/// Side of a stop's marker on screen, in pixels. Close up (from kLabelsMinPxPerM, where its number
/// is written beside it) its size in the world; further out a square that grows with the square root
/// of the number of people waiting, from 5 pixels for nobody to 24 pixels for 90 or more.
double stopMarkerSidePx(std::uint32_t waiting, double pxPerM);
/// The stop whose marker (of `sidesPx[i]` pixels at `pxPerM`, grown by `toleranceM`) holds
/// `pointM`; the nearest when several do.
std::optional<std::size_t> pickStop(std::span<const StopPlacement> stops, std::span<const double> sidesPx, double pxPerM,
                                    Vec2 pointM, double toleranceM);

/// The vehicle (index into `poses`) whose footprint, grown by `toleranceM` on every side, holds
/// `pointM`; the one whose centre is nearest when several do.
std::optional<std::size_t> pickVehicle(std::span<const VehiclePose> poses, Vec2 pointM, double toleranceM);
/// The non-boundary junction within its box radius (Junction::widthM, the distance from its centre
/// to the stop lines) or `toleranceM`, whichever is larger, of `pointM`; the nearest when several.
std::optional<JunctionId> pickJunction(const RoadNetwork& net, Vec2 pointM, double toleranceM);

}  // namespace traffic::render
