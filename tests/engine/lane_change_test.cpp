// Lane choice (sim/src/engine/lane_change.cpp): the strategic look-ahead over the next roads, the
// urgency of a change toward the lanes that lead on, and re-routing after a missed turn. Issue 10's
// probe: in singapore_av a few cars per run stood 300 s at a stop line in a through lane, never
// having made the changes for their turn, until the gridlock handler teleported them.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/test_networks.h"
#include "engine/lane_choice.h"
#include "engine/state.h"
#include "traffic/loaders/sumo.h"
#include "traffic/observation.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic {
namespace {

using RB = RoadNetworkBuilder;

std::vector<RB::LaneSpec> lanes(int n, ClassMask allowed = ClassMask::all()) {
  return std::vector<RB::LaneSpec>(static_cast<std::size_t>(n), RB::LaneSpec{3.5, 13.89, allowed, {}});
}

// A 300 m three-lane road, then a 40 m three-lane road, then a junction where only the kerb lane
// (lane 2) turns right onto "right"; every lane goes straight on.
RoadNetwork rightTurnTwoRoadsAhead() {
  RB b("test:rightTurnTwoRoadsAhead");
  const JunctionId j0 = b.addJunction("j0", {0, 0}, 0, true);
  const JunctionId j1 = b.addJunction("j1", {300, 0}, 10, false);
  const JunctionId j2 = b.addJunction("j2", {350, 0}, 10, false);
  const JunctionId j3 = b.addJunction("j3", {500, 0}, 0, true);
  const JunctionId j4 = b.addJunction("j4", {350, -150}, 0, true);
  const RoadId far = b.addRoad("far", j0, j1, {{0, 0}, {300, 0}}, lanes(3));
  const RoadId near = b.addRoad("near", j1, j2, {{300, 0}, {350, 0}}, lanes(3));
  const RoadId straight = b.addRoad("straight", j2, j3, {{350, 0}, {500, 0}}, lanes(3));
  const RoadId right = b.addRoad("right", j2, j4, {{350, 0}, {350, -150}}, lanes(1));
  b.addMovement(far, near, TurnType::Straight, {{0, 0, {}}, {1, 1, {}}, {2, 2, {}}});
  b.addMovement(near, straight, TurnType::Straight, {{0, 0, {}}, {1, 1, {}}, {2, 2, {}}});
  b.addMovement(near, right, TurnType::Right, {{2, 0, {}}});
  return b.build();
}

TEST(LaneChoice, PlanRanksLanesByHowFarTheyLeadAlongTheRoute) {
  auto net = std::make_shared<const RoadNetwork>(rightTurnTwoRoadsAhead());
  const Scenario sc = testing::makeScenario(net, {{0.0, {"far", "near", "right"}}}, testing::standardCar());
  const World world(sc, WorldOptions{1});
  const engine::NetworkView& view = engine::StateAccess::of(world).view;
  const std::vector<RoadId> route{*net->findRoad("far"), *net->findRoad("near"), *net->findRoad("right")};
  engine::LanePlan plan;
  engine::NextLaneReach next{};
  engine::planLanes(view, route, 0, VehicleClass::Car, plan, next);
  ASSERT_EQ(plan.lanes, 3);
  const float farM = static_cast<float>(net->road(route[0]).lengthM), nearM = static_cast<float>(net->road(route[1]).lengthM);
  // Lanes 0 and 1 lead onto "near" but must be left before its end; lane 2 leads on past the look-ahead.
  EXPECT_FLOAT_EQ(plan.reachM[0], farM + nearM);
  EXPECT_FLOAT_EQ(plan.reachM[1], farM + nearM);
  EXPECT_EQ(plan.reachM[2], engine::kReachBeyondM);
  // Every lane leads onto "near"; from lanes 0 and 1 the vehicle heads for lane 2.
  EXPECT_EQ(plan.leadsOn, 0b111);
  EXPECT_EQ(plan.towards[0], 2);
  EXPECT_EQ(plan.towards[1], 2);
  EXPECT_EQ(plan.towards[2], -1);
  // On "near" itself only lane 2 leads on at all; what the plan on "far" said of the lanes of
  // "near" (the route ends within the look-ahead of both).
  const engine::NextLaneReach nextFromFar = next;
  engine::planLanes(view, route, 1, VehicleClass::Car, plan, next);
  for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(nextFromFar[k], plan.reachM[k]) << k;
  EXPECT_FLOAT_EQ(plan.reachM[0], nearM);
  EXPECT_FLOAT_EQ(plan.reachM[1], nearM);
  EXPECT_EQ(plan.reachM[2], engine::kReachBeyondM);
  EXPECT_EQ(plan.leadsOn, 0b100);
  EXPECT_EQ(plan.towards[0], 2);
  // On the last road every lane does.
  engine::planLanes(view, route, 2, VehicleClass::Car, plan, next);
  ASSERT_EQ(plan.lanes, 1);
  EXPECT_EQ(plan.reachM[0], engine::kReachBeyondM);
  // A class a lane does not allow gets 0 there.
  const std::vector<RoadId> straightOn{route[0], route[1], *net->findRoad("straight")};
  engine::planLanes(view, straightOn, 0, VehicleClass::Car, plan, next);
  for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(plan.reachM[k], engine::kReachBeyondM) << k;
}

TEST(LaneChoice, UrgencyGrowsAsTheDistanceLeftShrinks) {
  const VehicleType car = testing::standardCar();
  // Ordered by distance left, for one and for two lanes to cross.
  for (int changes : {1, 2}) {
    double last = -1;
    for (double left : {400.0, 250.0, 150.0, 100.0, 50.0, 10.0, 0.0}) {
      const double u = engine::laneChangeUrgency(left, changes, 13.89);
      EXPECT_GE(u, 0.0);
      EXPECT_LE(u, 1.0);
      EXPECT_GE(u, last) << left;
      last = u;
    }
    EXPECT_EQ(engine::laneChangeUrgency(0.0, changes, 13.89), 1.0);
    EXPECT_EQ(engine::laneChangeUrgency(engine::pressingDistanceM(changes, 13.89), changes, 13.89), 0.0);
  }
  // More lanes to cross, or a faster approach, press earlier.
  EXPECT_GT(engine::laneChangeUrgency(100, 2, 13.89), engine::laneChangeUrgency(100, 1, 13.89));
  EXPECT_GT(engine::laneChangeUrgency(100, 1, 16.0), engine::laneChangeUrgency(100, 1, 13.89));
  EXPECT_DOUBLE_EQ(engine::pressingDistanceM(2, 13.89), 2 * engine::pressingDistanceM(1, 13.89));
  // A crawling vehicle still looks ahead at the floor speed.
  EXPECT_DOUBLE_EQ(engine::pressingDistanceM(1, 0.0), engine::pressingDistanceM(1, 1.0));
  // The braking a change may impose grows with urgency, from half the comfortable deceleration
  // to half the emergency one.
  EXPECT_DOUBLE_EQ(engine::acceptedDecelMps2(car, 0.0), 0.5 * car.comfortDecelMps2);
  EXPECT_DOUBLE_EQ(engine::acceptedDecelMps2(car, 1.0), 0.5 * car.maxDecelMps2);
  EXPECT_LT(engine::acceptedDecelMps2(car, 0.3), engine::acceptedDecelMps2(car, 0.7));
}

// Lane of trip `trip` (the index in the scenario's trips) if it is on a lane, -1 otherwise.
std::int32_t laneOf(const World& world, std::uint32_t trip) {
  const std::size_t n = vehiclesInNetwork(world);
  std::vector<std::uint32_t> id(n);
  std::vector<std::int32_t> lane(n), connector(n);
  std::vector<double> pos(n), speed(n), waiting(n);
  std::vector<std::uint8_t> bay(n);
  observeVehicles(world, {id, lane, connector, pos, speed, waiting, bay});
  for (std::size_t k = 0; k < n; ++k)
    if (id[k] == trip) return lane[k];
  return -1;
}

TEST(LaneChoice, AVehicleTurningTwoRoadsAheadIsInItsLaneBeforeTheLastRoad) {
  // Inserted on an empty road, the car takes lane 0 (the first with the most room). The turn is
  // from lane 2 of the 40 m road: it changes twice on the 300 m road, before it gets there.
  auto net = std::make_shared<const RoadNetwork>(rightTurnTwoRoadsAhead());
  const Scenario sc = testing::makeScenario(net, {{0.0, {"far", "near", "right"}}}, testing::standardCar());
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  const RoadNetwork& n = *net;
  const RoadId far = *n.findRoad("far"), near = *n.findRoad("near");
  std::int32_t firstOnFar = -1, firstOnNear = -1;
  while (!world.finished() && world.counts().arrived == 0) {
    world.step();
    const std::int32_t l = laneOf(world, 0);
    if (l < 0) continue;
    const Lane& lane = n.lane(LaneId(static_cast<std::uint32_t>(l)));
    if (lane.road == far && firstOnFar < 0) firstOnFar = lane.indexInRoad;
    if (lane.road == near && firstOnNear < 0) firstOnNear = lane.indexInRoad;
  }
  EXPECT_EQ(firstOnFar, 0);
  EXPECT_EQ(firstOnNear, 2);
  EXPECT_EQ(world.counts().arrived, 1u);
  EXPECT_EQ(world.counts().laneChanges, 2u);
  EXPECT_EQ(world.counts().reroutedMissedTurns, 0u);
}

TEST(LaneChoice, RightTurnersReachTheirLaneThroughStraightTrafficBeforeTheShortRoad) {
  // Straight-on traffic every 2 s spread over the three lanes, every third vehicle turning right
  // two roads ahead: each turner crosses the others' lanes on the 300 m road (asking the vehicle
  // behind in the target lane to hold back once the change presses) and enters the 40 m road in
  // lane 2.
  auto net = std::make_shared<const RoadNetwork>(rightTurnTwoRoadsAhead());
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  for (int k = 0; k < 60; ++k) trips.push_back({k * 2.0, {"far", "near", k % 3 == 0 ? "right" : "straight"}});
  Scenario sc = testing::makeScenario(net, trips, testing::standardCar());
  sc.durationS = 400;
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  const RoadNetwork& n = *net;
  const RoadId near = *n.findRoad("near");
  std::vector<std::int32_t> firstOnNear(sc.demand.trips.size(), -1);
  while (!world.finished()) {
    world.step();
    const std::size_t count = vehiclesInNetwork(world);
    std::vector<std::uint32_t> id(count);
    std::vector<std::int32_t> lane(count), connector(count);
    std::vector<double> pos(count), speed(count), waiting(count);
    std::vector<std::uint8_t> bay(count);
    observeVehicles(world, {id, lane, connector, pos, speed, waiting, bay});
    for (std::size_t k = 0; k < count; ++k) {
      if (lane[k] < 0 || firstOnNear[id[k]] >= 0) continue;
      const Lane& l = n.lane(LaneId(static_cast<std::uint32_t>(lane[k])));
      if (l.road == near) firstOnNear[id[k]] = l.indexInRoad;
    }
  }
  std::size_t turners = 0;
  for (std::size_t i = 0; i < sc.demand.trips.size(); ++i) {
    const auto route = sc.demand.routes.route(sc.demand.trips[i].route);
    if (route.back() != *n.findRoad("right")) continue;
    ++turners;
    EXPECT_EQ(firstOnNear[i], 2) << sc.demand.trips[i].id;
  }
  EXPECT_EQ(turners, 20u);
  EXPECT_EQ(world.counts().arrived, 60u);
  EXPECT_EQ(world.counts().reroutedMissedTurns, 0u);
  EXPECT_EQ(world.counts().teleported, 0u);
}

// A car enters "main" in lane 0 (the only lane "approach" feeds); its route turns right onto
// "south", which only the bus lane (lane 1) leads to. It can never make the change: at the line it
// re-routes straight on and round the block ("east", "down") to its destination "exit".
RoadNetwork turnOnlyFromABusLane() {
  RB b("test:turnOnlyFromABusLane");
  const JunctionId j0 = b.addJunction("j0", {-200, 0}, 0, true);
  const JunctionId j1 = b.addJunction("j1", {0, 0}, 10, false);
  const JunctionId j2 = b.addJunction("j2", {200, 0}, 10, false);
  const JunctionId j3 = b.addJunction("j3", {400, 0}, 10, false);
  const JunctionId j4 = b.addJunction("j4", {200, -200}, 10, false);
  const JunctionId j5 = b.addJunction("j5", {400, -200}, 10, false);
  const JunctionId j6 = b.addJunction("j6", {400, -400}, 0, true);
  const RoadId approach = b.addRoad("approach", j0, j1, {{-200, 0}, {0, 0}}, lanes(1));
  std::vector<RB::LaneSpec> mainLanes = lanes(2);
  mainLanes[1].allowed = ClassMask::only(VehicleClass::Bus);
  const RoadId main = b.addRoad("main", j1, j2, {{0, 0}, {200, 0}}, mainLanes);
  const RoadId south = b.addRoad("south", j2, j4, {{200, 0}, {200, -200}}, lanes(1));
  const RoadId across = b.addRoad("across", j4, j5, {{200, -200}, {400, -200}}, lanes(1));
  const RoadId east = b.addRoad("east", j2, j3, {{200, 0}, {400, 0}}, lanes(1));
  const RoadId down = b.addRoad("down", j3, j5, {{400, 0}, {400, -200}}, lanes(1));
  const RoadId exit = b.addRoad("exit", j5, j6, {{400, -200}, {400, -400}}, lanes(1));
  b.addMovement(approach, main, TurnType::Straight, {{0, 0, {}}});
  b.addMovement(main, south, TurnType::Right, {{1, 0, {}}});
  b.addMovement(main, east, TurnType::Straight, {{0, 0, {}}});
  b.addMovement(south, across, TurnType::Left, {{0, 0, {}}});
  b.addMovement(across, exit, TurnType::Right, {{0, 0, {}}});
  b.addMovement(east, down, TurnType::Right, {{0, 0, {}}});
  b.addMovement(down, exit, TurnType::Straight, {{0, 0, {}}});
  return b.build();
}

TEST(LaneChoice, AMissedTurnReroutesAndArrives) {
  auto net = std::make_shared<const RoadNetwork>(turnOnlyFromABusLane());
  Scenario sc = testing::makeScenario(net, {{0.0, {"approach", "main", "south", "across", "exit"}}}, testing::standardCar());
  sc.durationS = 400;
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  world.run();
  EXPECT_EQ(world.counts().reroutedMissedTurns, 1u);
  EXPECT_EQ(world.counts().teleported, 0u);
  EXPECT_EQ(world.counts().gridlockReports, 0u);
  ASSERT_EQ(world.counts().arrived, 1u);
  const auto records = world.tripRecords();
  ASSERT_EQ(records.size(), 1u);
  // It waited at the line about kMissedTurnWaitS (20 s), not the 300 s gridlock timeout.
  EXPECT_LT(records[0].arriveS, 200.0);
  // The new route is state: the checkpoint carries it and a restored world finishes the same way.
  World again(sc, WorldOptions{1});
  while (again.counts().reroutedMissedTurns == 0) again.step();
  const auto bytes = again.checkpoint();
  World resumed(sc, WorldOptions{1});
  resumed.restore(bytes, "test");
  EXPECT_EQ(resumed.stateHash(), again.stateHash());
  again.run();
  resumed.run();
  EXPECT_EQ(resumed.stateHash(), again.stateHash());
  EXPECT_EQ(resumed.counts().arrived, 1u);
}

TEST(LaneChoice, ReroutingIsTheSameOnOneAndTwoThreads) {
  auto net = std::make_shared<const RoadNetwork>(turnOnlyFromABusLane());
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  for (int k = 0; k < 30; ++k) trips.push_back({k * 4.0, {"approach", "main", k % 2 ? "south" : "east", k % 2 ? "across" : "down", "exit"}});
  Scenario sc = testing::makeScenario(net, trips, testing::standardCar());
  sc.durationS = 600;
  World one(sc, WorldOptions{1});
  WorldOptions two{2};
  two.minVehiclesForParallel = 0;
  World other(sc, two);
  one.run();
  other.run();
  EXPECT_GT(one.counts().reroutedMissedTurns, 0u);
  EXPECT_EQ(one.counts().reroutedMissedTurns, other.counts().reroutedMissedTurns);
  EXPECT_EQ(one.stateHash(), other.stateHash());
}

// A way round that comes back onto the same short road, in a lane that does not go on, is no way
// out of a missed turn. In short_lane_loop.net.xml the car from AJ enters the 10 m road JK in its
// left lane (AJ's only link) and must change into the right lane, the only one that goes on to KE;
// a car from BJ stands there at K's red for the first 60 s. The left lane's only turn is a U-turn
// onto KJ, which leads back onto JK's left lane: re-routing there after the car's 20 s at the line
// would only send it round the loop (on cologne3 two vehicles in such a loop each waited for the
// lane the other stood in). It waits instead, changes lanes once the right lane has gone at the
// green, and arrives.
TEST(LaneChoice, AMissedTurnDoesNotRerouteIntoALoopBackOntoTheSameRoad) {
  const std::filesystem::path data = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "tests/data/sumo";
  auto net = std::make_shared<const RoadNetwork>(loadSumoNetwork(data / "short_lane_loop.net.xml").network);
  Scenario sc = testing::makeScenario(net, {{0.0, {"BJ", "JK", "KE"}}, {5.0, {"AJ", "JK", "KE"}}}, testing::standardCar());
  sc.durationS = 200;
  const RoadId loop = *net->findRoad("KJ");
  const RoadId exit = *net->findRoad("KE");
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  double haltedOnJK = 0, onLoop = 0, carOnExitS = -1;
  while (!world.finished()) {
    world.step();
    for (const VehicleView& v : world.snapshot().vehicles) {
      if (sc.demand.trips[v.id.value].id != "t1" || v.onConnector) continue;
      const RoadId road = net->lane(v.lane).road;
      if (road == loop) onLoop += sc.stepS;
      if (road == *net->findRoad("JK") && v.speedMps < 0.1) haltedOnJK += sc.stepS;
      if (road == exit && carOnExitS < 0) carOnExitS = world.timeS();
    }
  }
  EXPECT_GT(haltedOnJK, 25.0);  // it stood at the line well past the 20 s after which it would re-route
  EXPECT_EQ(onLoop, 0.0);
  EXPECT_EQ(world.counts().reroutedMissedTurns, 0u);
  EXPECT_EQ(world.counts().teleported, 0u);
  EXPECT_GT(carOnExitS, 63.0);  // after the red and the yellow
  EXPECT_LT(carOnExitS, 80.0);  // right after the car ahead of it
  EXPECT_EQ(world.counts().arrived, 2u);
}

// An acceleration lane: "main" (one lane) and "ramp" (one lane) feed the two lanes of "merge"
// (110 m), and only merge's lane 0 leads on to "out". Lane 0 of "merge" is slow (5 m/s), so a
// vehicle from the ramp can reach the end of lane 1 before it finds a gap, stop there and ask the
// vehicle beside to let it in.
RoadNetwork accelerationLane() {
  RB b("test:accelerationLane");
  const JunctionId j0 = b.addJunction("j0", {-300, 0}, 0, true);
  const JunctionId jr = b.addJunction("jr", {-300, -30}, 0, true);
  const JunctionId j1 = b.addJunction("j1", {0, 0}, 10, false);
  const JunctionId j2 = b.addJunction("j2", {120, 0}, 10, false);
  const JunctionId j3 = b.addJunction("j3", {420, 0}, 0, true);
  const RoadId main = b.addRoad("main", j0, j1, {{-300, 0}, {0, 0}}, lanes(1));
  const RoadId ramp = b.addRoad("ramp", jr, j1, {{-300, -30}, {0, -4}}, lanes(1));
  std::vector<RB::LaneSpec> mergeLanes = lanes(2);
  mergeLanes[0].speedLimitMps = 5;
  const RoadId merge = b.addRoad("merge", j1, j2, {{0, 0}, {120, 0}}, mergeLanes);
  const RoadId out = b.addRoad("out", j2, j3, {{120, 0}, {420, 0}}, lanes(1));
  b.addMovement(main, merge, TurnType::Straight, {{0, 0, {}}});
  b.addMovement(ramp, merge, TurnType::Straight, {{0, 1, {}}});
  b.addMovement(merge, out, TurnType::Straight, {{0, 0, {}}});
  return b.build();
}

TEST(LaneChoice, AVehicleStandingAtTheEndOfAnAccelerationLaneGetsIn) {
  // Cars every 3.1 s on the slow lane, and a 12 m truck from the ramp that reaches the end of the
  // acceleration lane beside them; its departure moves in steps of 0.1 s over 1.5 s, so that it
  // meets the platoon at every phase of its spacing. Each time, the car beside it once the car
  // alongside has passed is asked to let it in and brakes no harder than comfortable (plan.cpp);
  // for some phases it comes to stand closer to the truck's rear than the side margin a change
  // keeps (0.5 m; 0.3 m in the ramp game, where the same pair stood from t = 276 s to the end).
  // The truck, having stood kSqueezeAfterS beside a standing car, then takes that gap, free of
  // overlap, rather than both standing until the gridlock handler teleports them.
  auto net = std::make_shared<const RoadNetwork>(accelerationLane());
  for (int shift = 0; shift <= 15; ++shift) {
    const double rampDepartS = 27.0 + 0.1 * shift;
    std::vector<std::tuple<double, std::vector<std::string>>> trips;
    for (int k = 0; k < 30; ++k) trips.push_back({k * 3.1, {"main", "merge", "out"}});
    trips.push_back({rampDepartS, {"ramp", "merge", "out"}});
    Scenario sc = testing::makeScenario(net, trips, testing::standardCar());
    VehicleType truck = testing::standardCar();
    truck.name = "truck";
    truck.lengthM = 12;
    sc.vehicleTypes.push_back(truck);
    for (Trip& t : sc.demand.trips)
      if (sc.demand.routes.route(t.route).front() == *net->findRoad("ramp")) t.type = VehicleTypeId(1);
    sc.stepS = 0.2;
    sc.durationS = 400;
    World world(sc, WorldOptions{.threads = 1, .validate = true});
    world.run();
    EXPECT_EQ(world.counts().arrived, trips.size()) << "truck departing at " << rampDepartS << " s";
    EXPECT_EQ(world.counts().teleported, 0u) << "truck departing at " << rampDepartS << " s";
  }
}

}  // namespace
}  // namespace traffic
