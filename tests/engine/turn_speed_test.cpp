// Turn speeds from curvature: on a junction connector of mean radius R (its length over how much it
// turns) a vehicle drives no faster than sqrt(a_lat R), and it brakes for the turn before the
// junction, comfortably. Issue 10's probe: turning vehicles kept the lane limit (11 m/s through a
// left turn).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numbers>

#include "common/test_networks.h"
#include "traffic/car_following.h"
#include "traffic/loaders/sumo.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic {
namespace {

// The engine's radius of a connector: its length, at least 15 m, over how much it turns.
double meanRadius(const Connector& c) { return std::max(c.lengthM, 15.0) / c.shape.totalTurnRad(); }

TEST(TurnSpeed, AQuarterCircleTurnsByHalfPi) {
  Polyline arc;
  for (int k = 0; k <= 32; ++k) {
    const double a = k * (std::numbers::pi / 2) / 32;
    arc.points.push_back({20 * std::cos(a), 20 * std::sin(a)});
  }
  // 32 chords of a quarter circle: their directions turn by 31 steps of (pi / 2) / 32, the first
  // and last half steps lying before the first chord and after the last.
  EXPECT_NEAR(arc.totalTurnRad(), std::numbers::pi / 2 * 31 / 32, 1e-9);
  EXPECT_NEAR(arc.length() / arc.totalTurnRad(), 20, 0.05 * 20);
  const Polyline straight{{{0, 0}, {10, 0}, {10, 0}, {20, 0}}};  // a repeated point turns nothing
  EXPECT_EQ(straight.totalTurnRad(), 0.0);
}

TEST(TurnSpeed, TurnsAreDrivenAtTheLateralAccelerationLimitAndBrakedForInTime) {
  auto net = std::make_shared<const RoadNetwork>(testing::crossJunction(300, 1, false));
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  for (int k = 0; k < 6; ++k) {
    trips.push_back({k * 30.0, {"w_in", "n_out"}});       // left
    trips.push_back({k * 30.0 + 15, {"s_in", "e_out"}});  // right
  }
  VehicleType car = testing::standardCar();
  car.lateralAccelMps2 = 2.0;
  Scenario sc = testing::makeScenario(net, trips, car);
  sc.durationS = 400;
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  std::map<ConnectorId, double> fastest;
  std::map<std::uint32_t, double> last;
  double hardest = 0;
  world.run([&](const World& w) {
    std::map<std::uint32_t, double> now;
    for (const VehicleView& v : w.snapshot().vehicles) {
      if (v.onConnector) fastest[v.connector] = std::max(fastest[v.connector], v.speedMps);
      if (auto it = last.find(v.id.value); it != last.end()) hardest = std::max(hardest, it->second - v.speedMps);
      now[v.id.value] = v.speedMps;
    }
    last = std::move(now);
  });
  ASSERT_FALSE(fastest.empty());
  for (const auto& [c, speed] : fastest) {
    const Connector& con = net->connector(c);
    const double limit = turnSpeed(car, meanRadius(con));
    EXPECT_LT(limit, con.speedLimitMps) << "connector " << c.value << " should be a real turn";
    EXPECT_LE(speed, limit + 1e-4) << "connector " << c.value;  // the engine keeps the radius as a float
    EXPECT_GT(speed, 0.8 * limit) << "connector " << c.value << " is driven at about its turn speed";
  }
  EXPECT_LE(hardest, car.comfortDecelMps2 + 1e-9);
  const Summary s = world.summary(0);
  EXPECT_EQ(s.vehicles.arrived, trips.size());
  EXPECT_EQ(s.vehicles.hardBrakes, 0u);
  EXPECT_EQ(s.vehicles.clampedMoves, 0u);
}

TEST(TurnSpeed, AStraightConnectorKeepsTheLaneLimit) {
  auto net = std::make_shared<const RoadNetwork>(testing::crossJunction(300, 1, false));
  for (const Connector& c : net->connectors())
    if (net->movement(c.movement).turn == TurnType::Straight) {
      EXPECT_LT(c.shape.totalTurnRad(), 0.02);
    }
}

// Two curved roads meeting at a junction of no width: the connector between their lanes is a few
// centimetres long and turns by a few degrees. That is a joint, not a curve: nobody slows for it.
TEST(TurnSpeed, AJointBetweenCurvedRoadsIsNotATurn) {
  const double radius = 1000 / (2 * std::numbers::pi);
  auto at = [&](double a) { return Vec2{radius * std::cos(a), radius * std::sin(a)}; };
  RoadNetworkBuilder b("test:joint");
  const JunctionId j0 = b.addJunction("j0", at(0), 0, true);
  const JunctionId j1 = b.addJunction("j1", at(std::numbers::pi / 4), 0, false);
  const JunctionId j2 = b.addJunction("j2", at(std::numbers::pi / 2), 0, true);
  auto arc = [&](double from) {
    std::vector<Vec2> p;
    for (int k = 0; k <= 8; ++k) p.push_back(at(from + k * (std::numbers::pi / 4) / 8));
    return p;
  };
  const RoadId a = b.addRoad("a", j0, j1, arc(0), {{3.5, 13.89, ClassMask::all(), {}}});
  const RoadId c = b.addRoad("c", j1, j2, arc(std::numbers::pi / 4), {{3.5, 13.89, ClassMask::all(), {}}});
  b.addMovement(a, c, TurnType::Straight, {{0, 0, {}}});
  auto net = std::make_shared<const RoadNetwork>(b.build());
  const Connector& joint = net->connectors().front();
  EXPECT_LT(joint.lengthM, 1.0);
  EXPECT_GT(joint.shape.totalTurnRad(), 0.02);
  Scenario sc = testing::makeScenario(net, {{0.0, {"a", "c"}}}, testing::standardCar());
  sc.durationS = 100;
  World world(sc, WorldOptions{1});
  double slowest = 1e9;
  world.run([&](const World& w) {
    for (const VehicleView& v : w.snapshot().vehicles)
      if (v.positionM > 50 || v.onConnector) slowest = std::min(slowest, v.speedMps);
  });
  EXPECT_GT(slowest, 13.0);
}

// A SUMO map gives each path through a junction its own speed, which netconvert already bounds by
// the curve: the map's right turn :J_4_0 is driven at its 6 m/s, not at the 5 m/s the curvature
// rule would give it on top for a type with 1.5 m/s^2 of lateral acceleration (its radius is
// 15 m over a turn of 0.9 rad).
TEST(TurnSpeed, ASumoConnectorIsDrivenAtTheMapsSpeed) {
  const std::filesystem::path data = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "tests/data/sumo";
  auto net = std::make_shared<const RoadNetwork>(loadSumoNetwork(data / "tee_priority.net.xml").network);
  const auto turn = net->movementBetween(*net->findRoad("SJ"), *net->findRoad("JB"));
  ASSERT_TRUE(turn.has_value());
  const ConnectorId right = net->movement(*turn).connectors.at(0);
  VehicleType car = testing::standardCar();
  car.lateralAccelMps2 = 1.5;
  const double curveLimit = turnSpeed(car, meanRadius(net->connector(right)));
  ASSERT_LT(curveLimit, 5.5);
  Scenario sc = testing::makeScenario(net, {{0.0, {"SJ", "JB"}}, {20.0, {"SJ", "JB"}}}, car);
  sc.durationS = 120;
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  double fastest = 0;
  world.run([&](const World& w) {
    for (const VehicleView& v : w.snapshot().vehicles)
      if (v.onConnector && v.connector == right) fastest = std::max(fastest, v.speedMps);
  });
  EXPECT_GT(fastest, curveLimit + 0.3);
  EXPECT_LE(fastest, 6.0 + 1e-9);
  EXPECT_EQ(world.summary(0).vehicles.arrived, 2u);
}

}  // namespace
}  // namespace traffic
