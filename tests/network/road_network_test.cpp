#include "traffic/road_network.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "common/test_networks.h"
#include "network/road_graph.h"
#include "traffic/errors.h"

namespace traffic {
namespace {

using Lanes = std::vector<RoadNetworkBuilder::LaneSpec>;

// Runs `f` and checks that it throws LoadError whose message contains every one of `parts`.
void expectLoadError(const std::function<void()>& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected a LoadError";
  } catch (const LoadError& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

const Connector& connectorOf(const RoadNetwork& net, const std::string& from, const std::string& to, int fromLane) {
  const MovementId m = *net.movementBetween(*net.findRoad(from), *net.findRoad(to));
  for (ConnectorId c : net.movement(m).connectors)
    if (net.lane(net.connector(c).from).indexInRoad == fromLane) return net.connector(c);
  throw std::runtime_error("no such connector");
}

const Conflict* conflictWith(const Connector& c, ConnectorId other) {
  for (const Conflict& k : c.conflicts)
    if (k.other == other) return &k;
  return nullptr;
}

ConnectorId idOf(const RoadNetwork& net, const Connector& c) {
  return ConnectorId(static_cast<std::size_t>(&c - net.connectors().data()));
}

TEST(RoadNetwork, RoadsAreTrimmedToTheJunctionBoxes) {
  const RoadNetwork net = testing::crossJunction(100, 2, true);
  const Road& nIn = net.road(*net.findRoad("n_in"));
  EXPECT_DOUBLE_EQ(nIn.lengthM, 100);  // 115 m centre to centre, minus the 15 m box of "c"
  for (LaneId l : nIn.lanes) {
    EXPECT_DOUBLE_EQ(net.lane(l).lengthM, 100);
    EXPECT_NEAR(net.lane(l).shape.points.back().y, 15, 1e-9);  // the stop line at the box edge
    EXPECT_NEAR(net.lane(l).shape.points.front().y, 115, 1e-9);
  }
  EXPECT_DOUBLE_EQ(net.totalLaneLengthM(), 8 * 2 * 100);
}

TEST(RoadNetwork, LanesAreOffsetToTheRightLeftmostFirst) {
  const RoadNetwork net = testing::straightRoad(200, 3, 10);
  const Road& road = net.road(*net.findRoad("road"));
  ASSERT_EQ(road.lanes.size(), 3u);
  // Travelling east, right is -y; lane i's centre is (i + 0.5) lane widths from the centre line.
  for (std::size_t i = 0; i < 3; ++i) {
    const Lane& lane = net.lane(road.lanes[i]);
    EXPECT_EQ(lane.indexInRoad, i);
    EXPECT_EQ(lane.road, *net.findRoad("road"));
    EXPECT_NEAR(lane.shape.points.front().y, -(static_cast<double>(i) + 0.5) * 3.5, 1e-12);
    EXPECT_NEAR(lane.shape.length(), 200, 1e-9);
    EXPECT_DOUBLE_EQ(lane.speedLimitMps, 10);
  }
  // Southbound approach of the cross junction: right is -x.
  const RoadNetwork cross = testing::crossJunction(50, 2, false);
  const Road& nIn = cross.road(*cross.findRoad("n_in"));
  EXPECT_NEAR(cross.lane(nIn.lanes[0]).shape.points.front().x, -1.75, 1e-12);
  EXPECT_NEAR(cross.lane(nIn.lanes[1]).shape.points.front().x, -5.25, 1e-12);
}

TEST(RoadNetwork, MovementsConnectorsAndLookupsAreLinked) {
  const RoadNetwork net = testing::crossJunction(100, 2, true);
  const JunctionId c = *net.findJunction("c");
  const Junction& j = net.junction(c);
  EXPECT_EQ(j.incoming.size(), 4u);
  EXPECT_EQ(j.outgoing.size(), 4u);
  EXPECT_EQ(j.movements.size(), 12u);
  EXPECT_EQ(j.connectors.size(), 4u * (2 + 1 + 1));
  ASSERT_TRUE(j.program.has_value());
  EXPECT_EQ(j.program->phases.size(), 2u);
  EXPECT_TRUE(net.junction(*net.findJunction("n")).boundary);
  EXPECT_FALSE(net.findRoad("nope").has_value());
  EXPECT_FALSE(net.findJunction("nope").has_value());

  const RoadId nIn = *net.findRoad("n_in");
  EXPECT_EQ(net.road(nIn).movementsOut.size(), 3u);
  const auto straight = net.movementBetween(nIn, *net.findRoad("s_out"));
  ASSERT_TRUE(straight.has_value());
  EXPECT_EQ(net.movement(*straight).turn, TurnType::Straight);
  EXPECT_EQ(net.movement(*straight).junction, c);
  EXPECT_EQ(net.movement(*net.movementBetween(nIn, *net.findRoad("e_out"))).turn, TurnType::Left);
  EXPECT_EQ(net.movement(*net.movementBetween(nIn, *net.findRoad("w_out"))).turn, TurnType::Right);
  EXPECT_FALSE(net.movementBetween(nIn, *net.findRoad("n_out")).has_value());  // no U-turn
  EXPECT_FALSE(net.movementBetween(nIn, *net.findRoad("s_in")).has_value());

  // Lane 0 of the approach leads straight on and left; lane 1 straight on and right.
  const Road& road = net.road(nIn);
  EXPECT_EQ(net.lane(road.lanes[0]).outgoing.size(), 2u);
  EXPECT_EQ(net.lane(road.lanes[1]).outgoing.size(), 2u);
  for (LaneId l : road.lanes)
    for (ConnectorId id : net.lane(l).outgoing) {
      const Connector& con = net.connector(id);
      EXPECT_EQ(con.from, l);
      EXPECT_EQ(con.junction, c);
      EXPECT_GE(con.lengthM, 0.1);
      // Generated shapes run from the end of the from-lane to the start of the to-lane.
      EXPECT_NEAR(length(con.shape.points.front() - net.lane(con.from).shape.points.back()), 0, 1e-9);
      EXPECT_NEAR(length(con.shape.points.back() - net.lane(con.to).shape.points.front()), 0, 1e-9);
    }
  EXPECT_EQ(toString(TurnType::Left), "left");
  EXPECT_EQ(toString(TurnType::UTurn), "uturn");
}

TEST(RoadNetwork, CrossingStraightsConflictWhereTheyCross) {
  const RoadNetwork net = testing::crossJunction(100, 2, true);
  const Connector& ns = connectorOf(net, "n_in", "s_out", 0);
  const Connector& ew = connectorOf(net, "e_in", "w_out", 0);
  const Conflict* k = conflictWith(ns, idOf(net, ew));
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE(k->merging);
  // n_in lane 0 runs south along x = -1.75 from y = 15; e_in lane 0 runs west along y = 1.75
  // from x = 15, so they meet at (-1.75, 1.75).
  EXPECT_NEAR(k->atM, 15 - 1.75, 1e-6);
  EXPECT_NEAR(k->otherAtM, 15 + 1.75, 1e-6);
  const Conflict* back = conflictWith(ew, idOf(net, ns));
  ASSERT_NE(back, nullptr);
  EXPECT_DOUBLE_EQ(back->atM, k->otherAtM);
  EXPECT_DOUBLE_EQ(back->otherAtM, k->atM);
}

TEST(RoadNetwork, RightTurnAndStraightIntoTheSameLaneMerge) {
  const RoadNetwork net = testing::crossJunction(100, 2, true);
  // Southbound right turn and westbound straight both end on w_out lane 1.
  const Connector& right = connectorOf(net, "n_in", "w_out", 1);
  const Connector& straight = connectorOf(net, "e_in", "w_out", 1);
  ASSERT_EQ(right.to, straight.to);
  const Conflict* k = conflictWith(right, idOf(net, straight));
  ASSERT_NE(k, nullptr);
  EXPECT_TRUE(k->merging);
  EXPECT_DOUBLE_EQ(k->atM, right.lengthM);
  EXPECT_DOUBLE_EQ(k->otherAtM, straight.lengthM);
  EXPECT_TRUE(conflictWith(straight, idOf(net, right))->merging);
}

TEST(RoadNetwork, ConnectorsFromTheSameLaneNeverConflict) {
  const RoadNetwork net = testing::crossJunction(100, 1, true);
  const Connector& straight = connectorOf(net, "n_in", "s_out", 0);
  const Connector& left = connectorOf(net, "n_in", "e_out", 0);
  const Connector& right = connectorOf(net, "n_in", "w_out", 0);
  EXPECT_EQ(conflictWith(straight, idOf(net, left)), nullptr);
  EXPECT_EQ(conflictWith(straight, idOf(net, right)), nullptr);
  EXPECT_EQ(conflictWith(left, idOf(net, right)), nullptr);
  EXPECT_FALSE(straight.conflicts.empty());
}

TEST(RoadNetwork, ConflictsAreSortedAndSymmetric) {
  const RoadNetwork net = testing::crossJunction(100, 3, true);
  std::size_t total = 0;
  for (std::size_t i = 0; i < net.connectors().size(); ++i) {
    const Connector& c = net.connectors()[i];
    for (std::size_t k = 1; k < c.conflicts.size(); ++k) EXPECT_LE(c.conflicts[k - 1].atM, c.conflicts[k].atM);
    for (const Conflict& k : c.conflicts) {
      EXPECT_GE(k.atM, 0);
      EXPECT_LE(k.atM, c.lengthM);
      const Conflict* back = conflictWith(net.connector(k.other), ConnectorId(i));
      ASSERT_NE(back, nullptr);
      EXPECT_EQ(back->merging, k.merging);
      EXPECT_DOUBLE_EQ(back->atM, k.otherAtM);
    }
    total += c.conflicts.size();
  }
  EXPECT_GT(total, 0u);
}

TEST(RoadNetwork, GivenConnectorShapesAreKeptAndSpeedIsTheLowerLimit) {
  RoadNetworkBuilder b("test");
  const JunctionId a = b.addJunction("a", {0, 0}, 0, true);
  const JunctionId m = b.addJunction("m", {100, 0}, 10, false);
  const JunctionId z = b.addJunction("z", {200, 0}, 0, true);
  const RoadId r1 = b.addRoad("r1", a, m, {{0, 0}, {100, 0}}, Lanes{{3, 15, ClassMask::all(), {}}});
  const RoadId r2 = b.addRoad("r2", m, z, {{100, 0}, {200, 0}}, Lanes{{3, 9, ClassMask::all(), {}}});
  b.addMovement(r1, r2, TurnType::Straight, {{0, 0, {{90, -1.5}, {100, -3}, {110, -1.5}}}});
  const RoadNetwork net = b.build();
  const Connector& c = net.connectors().at(0);
  ASSERT_EQ(c.shape.points.size(), 3u);
  EXPECT_DOUBLE_EQ(c.shape.points[1].y, -3);
  EXPECT_NEAR(c.lengthM, 2 * std::hypot(10, 1.5), 1e-9);
  EXPECT_DOUBLE_EQ(c.speedLimitMps, 9);
  EXPECT_DOUBLE_EQ(net.road(r1).lengthM, 90);
  EXPECT_DOUBLE_EQ(net.road(r2).lengthM, 90);
}

TEST(RoadNetwork, WidthZeroJunctionsGiveMinimalConnectors) {
  const RoadNetwork net = testing::corridor(3, 50, 2, 12);
  EXPECT_EQ(net.roads().size(), 3u);
  EXPECT_EQ(net.movements().size(), 2u);
  EXPECT_EQ(net.connectors().size(), 4u);
  for (const Connector& c : net.connectors()) {
    EXPECT_DOUBLE_EQ(c.lengthM, 0.1);
    EXPECT_EQ(net.lane(c.from).indexInRoad, net.lane(c.to).indexInRoad);
    EXPECT_TRUE(c.conflicts.empty());
  }
  EXPECT_FALSE(net.junction(*net.findJunction("j1")).program.has_value());
}

TEST(RoadNetwork, RoutingGraphHasARoadPerVertexAndAMovementPerArc) {
  const RoadNetwork net = testing::crossJunction(100, 2, true);
  const RoadGraph& g = net.graph();
  EXPECT_EQ(boost::num_vertices(g.turns), net.roads().size());
  EXPECT_EQ(boost::num_edges(g.turns), net.movements().size());
  EXPECT_NEAR(g.roadFreeFlowS[net.findRoad("n_in")->index()], 100 / 13.89, 1e-9);
}

TEST(RoadNetwork, MoveKeepsEverything) {
  RoadNetwork a = testing::crossJunction(100, 2, true);
  RoadNetwork b = std::move(a);
  EXPECT_EQ(b.roads().size(), 8u);
  EXPECT_TRUE(b.findRoad("n_in").has_value());
  EXPECT_EQ(boost::num_edges(b.graph().turns), 12u);
}

// ---- validation: each error names the entity ------------------------------------------------

struct Small {
  RoadNetworkBuilder b{"small.json"};
  JunctionId a = b.addJunction("a", {0, 0}, 0, true);
  JunctionId m = b.addJunction("m", {100, 0}, 10, false);
  JunctionId z = b.addJunction("z", {200, 0}, 0, true);
  Lanes two{{3.5, 13.89, ClassMask::all(), {}}, {3.5, 13.89, ClassMask::all(), {}}};
};

TEST(RoadNetworkValidation, RoadWithOnePoint) {
  Small s;
  expectLoadError([&] { s.b.addRoad("short", s.a, s.m, {{0, 0}}, s.two); },
                  {"small.json", "road 'short'", "at least 2 points"});
}

TEST(RoadNetworkValidation, RoadWithoutLanes) {
  Small s;
  expectLoadError([&] { s.b.addRoad("bare", s.a, s.m, {{0, 0}, {100, 0}}, {}); }, {"road 'bare'", "no lanes"});
}

TEST(RoadNetworkValidation, RoadShorterThanTheJunctionBoxes) {
  Small s;
  const JunctionId big = s.b.addJunction("big", {15, 0}, 12, false);
  s.b.addRoad("stub", s.m, big, {{100, 0}, {115, 0}}, s.two);  // 15 m minus 10 m and 12 m
  expectLoadError([&] { s.b.build(); }, {"small.json", "road 'stub'", "junction widths"});
}

TEST(RoadNetworkValidation, UnknownJunction) {
  Small s;
  expectLoadError([&] { s.b.addRoad("lost", s.a, JunctionId(99), {{0, 0}, {1, 0}}, s.two); },
                  {"road 'lost'", "unknown junction"});
}

TEST(RoadNetworkValidation, NonFiniteCoordinates) {
  Small s;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  expectLoadError([&] { s.b.addRoad("nan", s.a, s.m, {{0, 0}, {nan, 0}}, s.two); }, {"road 'nan'", "not finite"});
  expectLoadError([&] { s.b.addJunction("inf", {std::numeric_limits<double>::infinity(), 0}, 0, true); },
                  {"junction 'inf'", "finite"});
}

TEST(RoadNetworkValidation, DuplicateNames) {
  Small s;
  expectLoadError([&] { s.b.addJunction("m", {5, 5}, 0, false); }, {"junction 'm'", "duplicate"});
  s.b.addRoad("r", s.a, s.m, {{0, 0}, {100, 0}}, s.two);
  expectLoadError([&] { s.b.addRoad("r", s.m, s.z, {{100, 0}, {200, 0}}, s.two); }, {"road 'r'", "duplicate"});
}

TEST(RoadNetworkValidation, MovementBetweenRoadsThatDoNotMeet) {
  Small s;
  const RoadId r1 = s.b.addRoad("r1", s.a, s.m, {{0, 0}, {100, 0}}, s.two);
  const RoadId r2 = s.b.addRoad("r2", s.z, s.m, {{200, 0}, {100, 0}}, s.two);
  expectLoadError([&] { s.b.addMovement(r1, r2, TurnType::Straight, {{0, 0, {}}}); },
                  {"movement 'r1' -> 'r2'", "ends at junction 'm'", "starts at junction 'z'"});
}

TEST(RoadNetworkValidation, ConnectorLaneOutOfRange) {
  Small s;
  const RoadId r1 = s.b.addRoad("r1", s.a, s.m, {{0, 0}, {100, 0}}, s.two);
  const RoadId r2 = s.b.addRoad("r2", s.m, s.z, {{100, 0}, {200, 0}}, s.two);
  expectLoadError([&] { s.b.addMovement(r1, r2, TurnType::Straight, {{0, 0, {}}, {1, 2, {}}}); },
                  {"movement 'r1' -> 'r2'", "road 'r2'", "no lane 2"});
  expectLoadError([&] { s.b.addMovement(r1, r2, TurnType::Straight, {{-1, 0, {}}}); }, {"road 'r1'", "no lane -1"});
}

TEST(RoadNetworkValidation, SignalPhaseWithAnotherJunctionsMovement) {
  Small s;
  const JunctionId far = s.b.addJunction("far", {300, 0}, 5, false);
  const RoadId r1 = s.b.addRoad("r1", s.a, s.m, {{0, 0}, {100, 0}}, s.two);
  const RoadId r2 = s.b.addRoad("r2", s.m, far, {{100, 0}, {300, 0}}, s.two);
  const RoadId r3 = s.b.addRoad("r3", far, s.z, {{300, 0}, {200, 0}}, s.two);
  const MovementId atM = s.b.addMovement(r1, r2, TurnType::Straight, {{0, 0, {}}});
  s.b.addMovement(r2, r3, TurnType::UTurn, {{0, 0, {}}});
  expectLoadError([&] { s.b.setSignalProgram(far, SignalProgram{{SignalPhase{30, {atM}, {}}}, 0}); },
                  {"junction 'far'", "phase 0", "of junction 'm'"});
}

TEST(RoadNetworkValidation, BadPhaseDurations) {
  Small s;
  const RoadId r1 = s.b.addRoad("r1", s.a, s.m, {{0, 0}, {100, 0}}, s.two);
  const RoadId r2 = s.b.addRoad("r2", s.m, s.z, {{100, 0}, {200, 0}}, s.two);
  const MovementId mv = s.b.addMovement(r1, r2, TurnType::Straight, {{0, 0, {}}});
  expectLoadError([&] { s.b.setSignalProgram(s.m, SignalProgram{{SignalPhase{-5, {mv}, {}}}, 0}); },
                  {"junction 'm'", "phase 0", "duration"});
  expectLoadError(
      [&] { s.b.setSignalProgram(s.m, SignalProgram{{SignalPhase{10, {mv}, {}}, SignalPhase{std::nan(""), {mv}, {}}}, 0}); },
      {"junction 'm'", "phase 1", "duration"});
  expectLoadError([&] { s.b.setSignalProgram(s.m, SignalProgram{}); }, {"junction 'm'", "no phases"});
}

}  // namespace
}  // namespace traffic
