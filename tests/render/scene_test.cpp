// The viewer's plain geometry: where vehicles stand, what a click picks, stop-line segments, the
// static mesh, colours and the playback speed ladder.
#include "traffic/render/scene.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/test_networks.h"
#include "traffic/render/frame_source.h"
#include "traffic/render/palette.h"

namespace traffic::render {
namespace {

using traffic::testing::crossJunction;
using traffic::testing::straightRoad;

double dist(Vec2 a, Vec2 b) { return length(a - b); }

FrameVehicle onLane(LaneId lane, float positionM, VehicleClass c = VehicleClass::Car) {
  FrameVehicle v;
  v.track = lane.value;
  v.positionM = positionM;
  v.vehicleClass = c;
  return v;
}

LaneId laneOf(const RoadNetwork& net, const std::string& road, std::size_t index = 0) {
  return net.road(*net.findRoad(road)).lanes.at(index);
}

TEST(VehiclePlacement, FrontAtItsPositionAlongTheLaneBodyBehind) {
  const RoadNetwork net = straightRoad(100, 1, 15);
  const TrackGeometry tracks(net);
  const Lane& lane = net.lanes()[0];
  const VehiclePose pose = tracks.place(onLane(LaneId(0u), 50), 5);
  EXPECT_LT(dist(pose.frontM, lane.shape.pointAt(50 * lane.shape.length() / lane.lengthM)), 1e-9);
  EXPECT_NEAR(pose.heading.x, 1, 1e-12);
  EXPECT_NEAR(pose.heading.y, 0, 1e-12);
  EXPECT_LT(dist(pose.rearM(), pose.frontM - Vec2{5, 0}), 1e-9);
  EXPECT_LT(dist(pose.centreM(), pose.frontM - Vec2{2.5, 0}), 1e-9);
  EXPECT_DOUBLE_EQ(pose.widthM, classWidthM(VehicleClass::Car));
}

TEST(VehiclePlacement, AVehicleJustEnteringALaneExtendsStraightBack) {
  // Front 2 m into the lane, 5 m long: the rear is 3 m before the lane's start, on the line of the
  // lane, not folded onto its first point.
  const RoadNetwork net = straightRoad(100, 1, 15);
  const TrackGeometry tracks(net);
  const Lane& lane = net.lanes()[0];
  const VehiclePose pose = tracks.place(onLane(LaneId(0u), 2), 5);
  const Vec2 start = lane.shape.points.front();
  EXPECT_NEAR(pose.rearM().x, start.x - 3, 1e-9);
  EXPECT_NEAR(pose.rearM().y, start.y, 1e-9);
}

TEST(VehiclePlacement, OnAConnectorTheFrontFollowsTheCurve) {
  const RoadNetwork net = crossJunction(100, 1, true);
  const TrackGeometry tracks(net);
  // A left turn: its connector curves, so the front is off the straight line between the ends.
  const auto m = net.movementBetween(*net.findRoad("n_in"), *net.findRoad("e_out"));
  ASSERT_TRUE(m.has_value());
  const ConnectorId cid = net.movement(*m).connectors.at(0);
  const Connector& c = net.connector(cid);
  FrameVehicle v;
  v.track = cid.value;
  v.flags = FrameVehicle::kOnConnector;
  for (double f : {0.25, 0.5, 0.75}) {
    v.positionM = static_cast<float>(c.lengthM * f);
    const VehiclePose pose = tracks.place(v, 4);
    const double scale = c.shape.length() / c.lengthM;
    EXPECT_LT(dist(pose.frontM, c.shape.pointAt(v.positionM * scale)), 1e-6) << "at " << f;
    EXPECT_NEAR(length(pose.heading), 1, 1e-9);
  }
  v.positionM = static_cast<float>(c.lengthM / 2);
  const VehiclePose mid = tracks.place(v, 4);
  const Vec2 a = c.shape.points.front(), b = c.shape.points.back();
  const Vec2 chord = normalized(b - a);
  const double offChord = std::abs((mid.frontM - a).x * chord.y - (mid.frontM - a).y * chord.x);
  EXPECT_GT(offChord, 1.0);
}

TEST(VehiclePlacement, ABusInAStopBayStandsBesideTheLaneOnTheRight) {
  const RoadNetwork net = straightRoad(100, 1, 15);
  const TrackGeometry tracks(net);
  FrameVehicle bus = onLane(LaneId(0u), 60, VehicleClass::Bus);
  const VehiclePose inLane = tracks.place(bus, 12);
  bus.flags = FrameVehicle::kInBay | FrameVehicle::kDwelling | FrameVehicle::kHalted;
  const VehiclePose inBay = tracks.place(bus, 12);
  // Travelling east, the right is south: same x, further south by half the lane, half the bus and
  // a little gap.
  EXPECT_NEAR(inBay.frontM.x, inLane.frontM.x, 1e-9);
  EXPECT_NEAR(inLane.frontM.y - inBay.frontM.y, 3.5 / 2 + classWidthM(VehicleClass::Bus) / 2 + 0.3, 1e-9);
  EXPECT_NEAR(inBay.heading.x, 1, 1e-12);
}

TEST(StopPlacement, BesideTheKerbLaneOnTheRightLevelWithTheStop) {
  // Two lanes eastward, 3.5 m each: lane 1 is the kerb lane; the right of travel is south.
  const RoadNetwork net = straightRoad(100, 2, 15);
  const LaneId kerb = laneOf(net, "road", 1);
  const Lane& lane = net.lane(kerb);
  const std::vector<TransitStop> stops{{"s", kerb, 60, false}};
  const std::vector<StopPlacement> placed = placeStops(net, stops);
  ASSERT_EQ(placed.size(), 1u);
  const StopPlacement& p = placed[0];
  const Vec2 onLane = lane.shape.pointAt(60 * lane.shape.length() / lane.lengthM);
  EXPECT_LT(dist(p.laneM, onLane), 1e-9);
  EXPECT_NEAR(p.heading.x, 1, 1e-12);
  // Level with the stop, south of the lane by half the lane, the kerb gap and half the marker.
  const double offset = 3.5 / 2 + kStopKerbGapM + kStopMarkerM / 2;
  EXPECT_NEAR(p.offsetM, offset, 1e-9);
  EXPECT_NEAR(p.markerM.x, onLane.x, 1e-9);
  EXPECT_NEAR(p.markerM.y, onLane.y - offset, 1e-9);
  // The marker is off the road: its near edge is past the road's outer edge.
  EXPECT_GT(onLane.y - (p.markerM.y + kStopMarkerM / 2), 3.5 / 2);
}

TEST(StopPlacement, AStopOnAnInnerLaneStillStandsAtTheKerb) {
  const RoadNetwork net = straightRoad(100, 2, 15);
  const LaneId inner = laneOf(net, "road", 0);
  const std::vector<StopPlacement> placed = placeStops(net, std::vector<TransitStop>{{"s", inner, 40, false}});
  ASSERT_EQ(placed.size(), 1u);
  // Past its own half lane and the whole kerb lane.
  EXPECT_NEAR(placed[0].offsetM, 3.5 / 2 + 3.5 + kStopKerbGapM + kStopMarkerM / 2, 1e-9);
  EXPECT_LT(placed[0].markerM.y, placed[0].laneM.y);
}

TEST(StopPlacement, ABayStopIsFurtherOutThanTheBusInTheBay) {
  const RoadNetwork net = straightRoad(100, 1, 15);
  const LaneId lane = LaneId(0u);
  const std::vector<TransitStop> stops{{"plain", lane, 60, false}, {"bay", lane, 60, true}};
  const std::vector<StopPlacement> placed = placeStops(net, stops);
  ASSERT_EQ(placed.size(), 2u);
  EXPECT_NEAR(placed[1].offsetM, 3.5 / 2 + kStopBayWidthM + kStopKerbGapM + kStopMarkerM / 2, 1e-9);
  EXPECT_GT(placed[1].offsetM, placed[0].offsetM);
  // A bus dwelling in the bay (drawn as TrackGeometry places it) ends before the marker begins.
  FrameVehicle bus = onLane(lane, 60, VehicleClass::Bus);
  bus.flags = FrameVehicle::kInBay | FrameVehicle::kDwelling;
  const VehiclePose pose = TrackGeometry(net).place(bus, 12);
  const double busOuterY = pose.frontM.y - pose.widthM / 2;
  const double markerInnerY = placed[1].markerM.y + kStopMarkerM / 2;
  EXPECT_GT(busOuterY - markerInnerY, 0.4);
  // An unknown lane does not crash; it lands at the origin.
  const std::vector<StopPlacement> odd = placeStops(net, std::vector<TransitStop>{{"x", LaneId(99u), 1, false}});
  ASSERT_EQ(odd.size(), 1u);
  EXPECT_EQ(odd[0].markerM.x, 0);
}

TEST(StopPlacement, FarOutTheMarkerGrowsWithThePeopleWaiting) {
  // Close up: the marker's world size, whatever the count (the number is written beside it).
  EXPECT_DOUBLE_EQ(stopMarkerSidePx(0, 8), kStopMarkerM * 8);
  EXPECT_DOUBLE_EQ(stopMarkerSidePx(50, 8), kStopMarkerM * 8);
  EXPECT_DOUBLE_EQ(stopMarkerSidePx(0, kLabelsMinPxPerM), kStopMarkerMinPx);
  // Further out: grows with the count, within bounds.
  const double far = 0.5;
  EXPECT_DOUBLE_EQ(stopMarkerSidePx(0, far), 5);
  EXPECT_LT(stopMarkerSidePx(1, far), stopMarkerSidePx(4, far));
  EXPECT_LT(stopMarkerSidePx(4, far), stopMarkerSidePx(25, far));
  EXPECT_DOUBLE_EQ(stopMarkerSidePx(25, far), 15);
  EXPECT_DOUBLE_EQ(stopMarkerSidePx(5000, far), 24);
}

TEST(StopPlacement, AClickOnAMarkerPicksItsStop) {
  const RoadNetwork net = straightRoad(200, 1, 15);
  const std::vector<TransitStop> stops{{"a", LaneId(0u), 50, false}, {"b", LaneId(0u), 150, false}};
  const std::vector<StopPlacement> placed = placeStops(net, stops);
  const std::vector<double> sides{16, 16};  // 2 m at 8 px/m
  EXPECT_EQ(pickStop(placed, sides, 8, placed[1].markerM + Vec2{0.9, -0.9}, 0), std::optional<std::size_t>(1));
  EXPECT_EQ(pickStop(placed, sides, 8, placed[0].markerM, 0), std::optional<std::size_t>(0));
  EXPECT_FALSE(pickStop(placed, sides, 8, placed[0].markerM + Vec2{0, 1.5}, 0).has_value());
  EXPECT_EQ(pickStop(placed, sides, 8, placed[0].markerM + Vec2{0, 1.5}, 0.6), std::optional<std::size_t>(0));
  EXPECT_FALSE(pickStop(placed, sides, 8, placed[0].laneM + Vec2{20, 0}, 0.5).has_value());
}

TEST(VehiclePlacement, SpeedLimitAndRoadOfTheTrack) {
  const RoadNetwork net = crossJunction(100, 1, true);
  const TrackGeometry tracks(net);
  const LaneId lane = laneOf(net, "w_in");
  EXPECT_DOUBLE_EQ(tracks.speedLimitMps(onLane(lane, 1)), net.lane(lane).speedLimitMps);
  EXPECT_EQ(tracks.roadOf(onLane(lane, 1)), *net.findRoad("w_in"));
  FrameVehicle inside;
  inside.track = net.lane(lane).outgoing.at(0).value;
  inside.flags = FrameVehicle::kOnConnector;
  EXPECT_EQ(tracks.roadOf(inside), *net.findRoad("w_in"));  // the road it leaves
}

TEST(VehiclePlacement, AnUnknownTrackDoesNotCrash) {
  const RoadNetwork net = straightRoad(100, 1, 15);
  const TrackGeometry tracks(net);
  const VehiclePose pose = tracks.place(onLane(LaneId(99u), 10), 5);
  EXPECT_NEAR(length(pose.heading), 1, 1e-12);
}

TEST(Picking, APointOnAVehiclePicksIt) {
  std::vector<VehiclePose> poses(2);
  poses[0].frontM = {10, 0};
  poses[0].heading = {1, 0};
  poses[0].lengthM = 5;
  poses[0].widthM = 2;
  poses[1].frontM = {0, 20};
  poses[1].heading = {0, 1};  // northbound: its body runs from y = 15 to 20
  poses[1].lengthM = 12;
  poses[1].widthM = 2.5;
  EXPECT_EQ(pickVehicle(poses, {8, 0.5}, 0), 0u);
  EXPECT_EQ(pickVehicle(poses, {0.5, 10}, 0), 1u);
  EXPECT_FALSE(pickVehicle(poses, {5, 12}, 0));
  // Beside a vehicle: missed without tolerance, picked with it.
  EXPECT_FALSE(pickVehicle(poses, {8, 1.5}, 0));
  EXPECT_EQ(pickVehicle(poses, {8, 1.5}, 1), 0u);
  // Past the northbound vehicle's side (width 2.5: +-1.25), though inside its length.
  EXPECT_FALSE(pickVehicle(poses, {1.5, 18}, 0));
}

TEST(Picking, OverlappingFootprintsPickTheNearestCentre) {
  std::vector<VehiclePose> poses(2);
  for (auto& p : poses) {
    p.heading = {1, 0};
    p.lengthM = 5;
    p.widthM = 2;
  }
  poses[0].frontM = {5, 0};  // centre 2.5
  poses[1].frontM = {8, 0};  // centre 5.5
  EXPECT_EQ(pickVehicle(poses, {3.5, 0}, 0), 0u);
  EXPECT_EQ(pickVehicle(poses, {4.5, 0}, 0), 1u);
}

TEST(Picking, JunctionsByTheirBoxNeverBoundaries) {
  const RoadNetwork net = crossJunction(100, 1, true);
  const JunctionId centre = *net.findJunction("c");
  EXPECT_EQ(pickJunction(net, {3, -4}, 1), centre);
  EXPECT_FALSE(pickJunction(net, {0, 60}, 1));
  // The boundary junction "n" sits at (0, 115): a click there finds nothing.
  EXPECT_FALSE(pickJunction(net, net.junction(*net.findJunction("n")).position, 1));
  // A generous tolerance (zoomed far out) still finds the junction.
  EXPECT_FALSE(pickJunction(net, {0, 25}, 1));
  EXPECT_EQ(pickJunction(net, {0, 25}, 30), centre);
}

TEST(StopLines, OneSegmentPerTurnOrderedAcrossTheLane) {
  const RoadNetwork net = crossJunction(100, 1, true);
  const std::vector<StopLineSegment> stops = buildStopLines(net);
  // Four approaches of one lane, each feeding left, straight and right; the exit roads end at
  // boundary junctions and get no stop line.
  ASSERT_EQ(stops.size(), 12u);
  for (std::size_t i = 0; i < stops.size(); i += 3) {
    const Lane& lane = net.lane(stops[i].lane);
    const Vec2 end = lane.shape.points.back();
    const TurnType turns[3] = {TurnType::Left, TurnType::Straight, TurnType::Right};
    for (std::size_t k = 0; k < 3; ++k) {
      const StopLineSegment& s = stops[i + k];
      EXPECT_EQ(s.lane, stops[i].lane);
      EXPECT_EQ(net.movement(s.movement).turn, turns[k]);
      EXPECT_TRUE(s.signalised);
      EXPECT_NEAR(dist(s.leftM, s.rightM), lane.widthM / 3, 1e-9);
      // On the stop line: the segments' ends lie across the lane end.
      EXPECT_NEAR(std::abs((s.leftM - end).x * s.upstream.x + (s.leftM - end).y * s.upstream.y), 0, 1e-9);
    }
    // Left of travel first: the left turn's segment touches the lane's left edge.
    const Vec2 leftEdge = end + leftNormal(lane.shape.directionAt(lane.shape.length())) * (lane.widthM / 2);
    EXPECT_LT(dist(stops[i].leftM, leftEdge), 1e-9);
    EXPECT_LT(dist(stops[i].rightM, stops[i + 1].leftM), 1e-9);
  }
}

TEST(StopLines, UnsignalisedJunctionsAreMarkedSo) {
  const RoadNetwork net = crossJunction(100, 1, false);
  const std::vector<StopLineSegment> stops = buildStopLines(net);
  ASSERT_FALSE(stops.empty());
  for (const auto& s : stops) EXPECT_FALSE(s.signalised);
}

TEST(NetworkMesh, LanesAndTheJunctionBoxAreTriangles) {
  const RoadNetwork net = crossJunction(100, 2, true);
  const SceneFrame frame{{-200, 200}};
  const NetworkMesh mesh = buildNetworkMesh(net, frame);
  EXPECT_EQ(mesh.surface.size() % 3, 0u);
  EXPECT_EQ(mesh.markings.size() % 3, 0u);
  EXPECT_EQ(mesh.laneLines.size() % 2, 0u);
  // 8 roads x 2 lanes, one straight segment each: two triangles per lane, plus the box.
  EXPECT_GT(mesh.surface.size(), 16u * 6);
  EXPECT_EQ(mesh.laneLines.size(), 16u * 2);
  // Every surface vertex is inside the network's bounds.
  const Bounds b = networkBounds(net);
  for (const MeshVertex& v : mesh.surface) {
    const Vec2 w = frame.toWorld(v.position);
    EXPECT_GE(w.x, b.minX - 2);
    EXPECT_LE(w.x, b.maxX + 2);
  }
}

TEST(NetworkMesh, JunctionOutlineIsConvexAndHoldsTheCentre) {
  const RoadNetwork net = crossJunction(100, 2, true);
  const std::vector<Vec2> outline = junctionOutline(net, *net.findJunction("c"));
  ASSERT_GE(outline.size(), 4u);
  for (std::size_t i = 0; i < outline.size(); ++i) {
    const Vec2 a = outline[i], b = outline[(i + 1) % outline.size()];
    const double crossC = (b - a).x * (Vec2{0, 0} - a).y - (b - a).y * (Vec2{0, 0} - a).x;
    EXPECT_GT(crossC, 0) << "the centre is left of every edge of a counter-clockwise convex outline";
  }
  EXPECT_TRUE(junctionOutline(net, *net.findJunction("n")).empty());  // boundary
}

TEST(Palette, ClassColoursAreDistinctAndEmergencyWins) {
  FrameVehicle v;
  std::vector<Rgba> seen;
  for (VehicleClass c : {VehicleClass::Car, VehicleClass::Bus, VehicleClass::Bike, VehicleClass::Shuttle}) {
    v.vehicleClass = c;
    seen.push_back(classColour(v));
  }
  v.vehicleClass = VehicleClass::Car;
  v.flags = FrameVehicle::kEmergency;
  seen.push_back(classColour(v));
  EXPECT_EQ(seen.back(), palette::kEmergency);
  for (std::size_t i = 0; i < seen.size(); ++i)
    for (std::size_t j = i + 1; j < seen.size(); ++j) EXPECT_NE(seen[i], seen[j]);
  // No vehicle class wears a signal colour.
  for (const Rgba& c : seen)
    for (SignalState s : {SignalState::Red, SignalState::Yellow, SignalState::GreenProtected, SignalState::GreenPermissive})
      EXPECT_NE(c, signalColour(s));
}

TEST(Palette, SpeedRampRunsFromRedThroughYellowToGreen) {
  const Rgba stopped = speedColour(0, 10), half = speedColour(5, 10), free = speedColour(10, 10), over = speedColour(15, 10);
  EXPECT_GT(stopped.r, 200);
  EXPECT_LT(stopped.g, 80);
  EXPECT_GT(half.r, 200);
  EXPECT_GT(half.g, 200);
  EXPECT_LT(free.r, 80);
  EXPECT_GT(free.g, 200);
  EXPECT_EQ(over, free);
  // Less red from half the limit up, more green up to half of it.
  for (double s = 5; s < 10; s += 0.5) EXPECT_LE(speedColour(s + 0.5, 10).r, speedColour(s, 10).r);
  for (double s = 0; s < 5; s += 0.5) EXPECT_GE(speedColour(s + 0.5, 10).g, speedColour(s, 10).g);
  EXPECT_EQ(speedColour(3, 0), free);  // no limit known: drawn as free-flowing
  FrameVehicle v;
  v.speedMps = 0;
  EXPECT_EQ(vehicleColour(v, ColourMode::BySpeed, 10), stopped);
  EXPECT_EQ(vehicleColour(v, ColourMode::ByClass, 10), palette::kCar);
}

TEST(PlaybackSpeed, TheLadderGoesUpToAsFastAsPossibleAndBack) {
  EXPECT_EQ(nextSpeed(1, true), 2);
  EXPECT_EQ(nextSpeed(10, false), 5);
  EXPECT_EQ(nextSpeed(500, true), kAsFastAsPossible);
  EXPECT_EQ(nextSpeed(kAsFastAsPossible, true), kAsFastAsPossible);
  EXPECT_EQ(nextSpeed(kAsFastAsPossible, false), 500);
  EXPECT_EQ(nextSpeed(speedSteps().front(), false), speedSteps().front());
  EXPECT_EQ(nextSpeed(3, true), 5);  // a speed between steps goes to the next one
  EXPECT_EQ(nextSpeed(3, false), 2);
}

}  // namespace
}  // namespace traffic::render
