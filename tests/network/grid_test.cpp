#include "traffic/grid.h"

#include <gtest/gtest.h>

#include <set>

#include "traffic/errors.h"

namespace traffic {
namespace {

TEST(Grid, CountsFor3x4MatchTheCityflowLayout) {
  GridSpec spec;
  spec.rows = 3;
  spec.columns = 4;
  const RoadNetwork net = generateGrid(spec);
  // 12 signalised junctions, a boundary neighbour beside each edge junction: 2 * (3 + 4).
  EXPECT_EQ(net.junctions().size(), 12u + 14u);
  // Two-way roads: 3*3 east-west and 2*4 north-south inner links, 14 boundary links.
  EXPECT_EQ(net.roads().size(), 2u * (9 + 8 + 14));
  EXPECT_EQ(net.lanes().size(), net.roads().size() * 3);  // 2 through lanes + 1 left-turn lane
  std::size_t signalised = 0;
  for (const Junction& j : net.junctions()) {
    if (j.boundary) {
      EXPECT_FALSE(j.program.has_value()) << j.name;
      EXPECT_TRUE(j.movements.empty());
      EXPECT_EQ(j.incoming.size() + j.outgoing.size(), 2u);
      continue;
    }
    ++signalised;
    ASSERT_TRUE(j.program.has_value()) << j.name;
    EXPECT_EQ(j.program->phases.size(), 4u) << j.name;
    EXPECT_EQ(j.movements.size(), 12u) << j.name;
    EXPECT_EQ(j.incoming.size(), 4u);
    for (const SignalPhase& p : j.program->phases) EXPECT_DOUBLE_EQ(p.durationS, spec.greenS);
  }
  EXPECT_EQ(signalised, 12u);
}

TEST(Grid, NamesPositionsAndLengths) {
  GridSpec spec;
  spec.rows = 2;
  spec.columns = 2;
  spec.blockLengthM = 200;
  const RoadNetwork net = generateGrid(spec);
  const auto j01 = net.findJunction("j_0_1");
  ASSERT_TRUE(j01.has_value());
  EXPECT_DOUBLE_EQ(net.junction(*j01).position.x, 200);
  EXPECT_DOUBLE_EQ(net.junction(*j01).position.y, 0);
  EXPECT_TRUE(net.junction(*net.findJunction("j_-1_0")).boundary);
  EXPECT_TRUE(net.junction(*net.findJunction("j_1_2")).boundary);
  EXPECT_FALSE(net.findJunction("j_-1_-1").has_value());  // no corner junctions

  const double box = net.junction(*j01).widthM;
  EXPECT_GE(box, 3 * spec.laneWidthM);  // holds one direction of the crossing road
  const auto inner = net.findRoad("road_j_0_0_j_0_1");
  ASSERT_TRUE(inner.has_value());
  EXPECT_DOUBLE_EQ(net.road(*inner).lengthM, 200 - 2 * box);
  const auto entry = net.findRoad("road_j_0_-1_j_0_0");
  ASSERT_TRUE(entry.has_value());
  EXPECT_DOUBLE_EQ(net.road(*entry).lengthM, 200 - box);
  EXPECT_TRUE(net.findRoad("road_j_0_1_j_0_0").has_value());
}

TEST(Grid, LaneUseFollowsTheSpec) {
  GridSpec spec;
  spec.rows = 1;
  spec.columns = 1;
  spec.lanesPerDirection = 2;
  spec.leftTurnLane = true;
  const RoadNetwork net = generateGrid(spec);
  const RoadId west = *net.findRoad("road_j_0_-1_j_0_0");  // eastbound approach
  const auto straight = net.movementBetween(west, *net.findRoad("road_j_0_0_j_0_1"));
  const auto left = net.movementBetween(west, *net.findRoad("road_j_0_0_j_1_0"));
  const auto right = net.movementBetween(west, *net.findRoad("road_j_0_0_j_-1_0"));
  ASSERT_TRUE(straight && left && right);
  EXPECT_EQ(net.movement(*straight).turn, TurnType::Straight);
  EXPECT_EQ(net.movement(*left).turn, TurnType::Left);
  EXPECT_EQ(net.movement(*right).turn, TurnType::Right);
  EXPECT_FALSE(net.movementBetween(west, *net.findRoad("road_j_0_0_j_0_-1")).has_value());  // no U-turn

  auto lanesOf = [&](MovementId m, bool from) {
    std::set<int> out;
    for (ConnectorId c : net.movement(m).connectors)
      out.insert(net.lane(from ? net.connector(c).from : net.connector(c).to).indexInRoad);
    return out;
  };
  EXPECT_EQ(lanesOf(*left, true), (std::set<int>{0}));
  EXPECT_EQ(lanesOf(*left, false), (std::set<int>{0}));
  EXPECT_EQ(lanesOf(*straight, true), (std::set<int>{1, 2}));
  EXPECT_EQ(lanesOf(*straight, false), (std::set<int>{1, 2}));
  EXPECT_EQ(lanesOf(*right, true), (std::set<int>{2}));
  EXPECT_EQ(lanesOf(*right, false), (std::set<int>{2}));

  spec.leftTurnLane = false;
  spec.protectedLefts = false;
  const RoadNetwork shared = generateGrid(spec);
  const RoadId w = *shared.findRoad("road_j_0_-1_j_0_0");
  EXPECT_EQ(shared.road(w).lanes.size(), 2u);
  EXPECT_EQ(shared.lane(shared.road(w).lanes[0]).outgoing.size(), 2u);  // straight and left
  EXPECT_EQ(shared.junction(*shared.findJunction("j_0_0")).program->phases.size(), 2u);
  EXPECT_EQ(shared.junction(*shared.findJunction("j_0_0")).program->phases[0].green.size(), 6u);
}

TEST(Grid, ProtectedPhasesHaveNoCrossingGreens) {
  GridSpec spec;
  spec.rows = 1;
  spec.columns = 1;
  spec.lanesPerDirection = 3;
  const RoadNetwork net = generateGrid(spec);
  const Junction& j = net.junction(*net.findJunction("j_0_0"));
  for (const SignalPhase& phase : j.program->phases) {
    std::set<ConnectorId> green;
    for (MovementId m : phase.green)
      for (ConnectorId c : net.movement(m).connectors) green.insert(c);
    for (ConnectorId c : green)
      for (const Conflict& k : net.connector(c).conflicts) EXPECT_FALSE(green.contains(k.other));
  }
  // Parallel through connectors of one approach do not cross each other.
  const RoadId west = *net.findRoad("road_j_0_-1_j_0_0");
  const MovementId straight = *net.movementBetween(west, *net.findRoad("road_j_0_0_j_0_1"));
  const auto& cs = net.movement(straight).connectors;
  for (ConnectorId a : cs)
    for (const Conflict& k : net.connector(a).conflicts)
      EXPECT_EQ(std::count(cs.begin(), cs.end(), k.other), 0);
}

TEST(Grid, ThirtyByThirtyBuilds) {
  GridSpec spec;
  spec.rows = 30;
  spec.columns = 30;
  const RoadNetwork net = generateGrid(spec);
  EXPECT_EQ(net.junctions().size(), 900u + 120u);
  EXPECT_EQ(net.roads().size(), 2u * (2 * 30 * 29 + 120));
  EXPECT_EQ(net.movements().size(), 900u * 12);
  for (const Road& r : net.roads()) EXPECT_GT(r.lengthM, 0);
}

TEST(Grid, InvalidSpecsThrow) {
  auto expectError = [](GridSpec spec, const std::string& part) {
    try {
      generateGrid(spec);
      ADD_FAILURE() << "expected LoadError for " << part;
    } catch (const LoadError& e) {
      EXPECT_EQ(e.file(), "grid");
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  GridSpec s;
  s.rows = 0;
  expectError(s, "rows");
  s = {};
  s.columns = -3;
  expectError(s, "columns");
  s = {};
  s.lanesPerDirection = 0;
  expectError(s, "lanes");
  s = {};
  s.blockLengthM = 20;
  expectError(s, "block length");
  s = {};
  s.greenS = 0;
  expectError(s, "green");
  s = {};
  s.laneWidthM = -1;
  expectError(s, "lane width");
}

}  // namespace
}  // namespace traffic
