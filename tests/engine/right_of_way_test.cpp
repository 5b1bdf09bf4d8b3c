// Right of way described by the network (issues 10 and 11): a minor road gives way to the major
// road, right before left with two and with four cars arriving together (no deadlock, the
// documented order), an all-way stop served first come first served after a full stop. Every run
// checks the world's invariants after every step (no 2-D overlap in the box, no crossing point
// covered twice) and the same scene gives the same result on 1 and 2 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/test_networks.h"
#include "traffic/loaders/sumo.h"
#include "traffic/scenario.h"
#include "traffic/signal.h"
#include "traffic/world.h"

namespace traffic {
namespace {

using Trips = std::vector<std::tuple<double, std::vector<std::string>>>;

// One four-leg junction "c" (box 15 m, no signals) with one lane per road and straight movements
// only, approaches 100 m long. Legs counter-clockwise from east (e, n, w, s): a vehicle arriving
// from leg k has leg k + 1 on its right. Right of way by `rule`:
//   Priority: east-west is the major road; the north-south straights give way to both of its.
//   RightBeforeLeft: each straight gives way to the one arriving from its right.
//   AllWayStop: every connector stops first.
RoadNetwork fourWay(RightOfWay rule) {
  constexpr double kBoxM = 15, kFar = 115;
  RoadNetworkBuilder b("test:fourWay");
  const JunctionId centre = b.addJunction("c", {0, 0}, kBoxM, false);
  const std::array<const char*, 4> names{"e", "n", "w", "s"};
  const std::array<Vec2, 4> unit{Vec2{1, 0}, Vec2{0, 1}, Vec2{-1, 0}, Vec2{0, -1}};
  std::array<RoadId, 4> in{}, out{};
  const std::vector<RoadNetworkBuilder::LaneSpec> one(1);
  for (std::size_t k = 0; k < 4; ++k) {
    const Vec2 end = unit[k] * kFar;
    const JunctionId leg = b.addJunction(names[k], end, 0, true);
    in[k] = b.addRoad(std::string(names[k]) + "_in", leg, centre, {end, {0, 0}}, one);
    out[k] = b.addRoad(std::string(names[k]) + "_out", centre, leg, {{0, 0}, end}, one);
  }
  std::array<MovementId, 4> straight{};
  for (std::size_t k = 0; k < 4; ++k) straight[k] = b.addMovement(in[k], out[(k + 2) % 4], TurnType::Straight, {{0, 0, {}}});
  b.setRightOfWay(centre, rule);
  for (std::size_t k = 0; k < 4; ++k) {
    if (rule == RightOfWay::Priority && k % 2 == 1) {
      b.setYield(straight[k], 0, straight[0], 0);
      b.setYield(straight[k], 0, straight[2], 0);
    }
    if (rule == RightOfWay::RightBeforeLeft) b.setYield(straight[k], 0, straight[(k + 1) % 4], 0);
    if (rule == RightOfWay::AllWayStop) b.setStopFirst(straight[k], 0);
  }
  return b.build();
}

struct Outcome {
  Summary summary;
  std::map<std::string, double> enteredS;  // trip route's first road -> when it entered the box
  std::map<std::string, double> slowestNearLineMps;  // lowest speed within 3 m of the line
  std::uint64_t stateHash = 0;
};

Outcome run(RightOfWay rule, const Trips& trips, int threads = 1) {
  Scenario sc = testing::makeScenario(std::make_shared<const RoadNetwork>(fourWay(rule)), trips, testing::standardCar());
  sc.durationS = 200;
  World world(sc, WorldOptions{.threads = threads});
  const RoadNetwork& net = *sc.network;
  Outcome r;
  while (!world.finished()) {
    world.step();
    const std::string err = world.checkInvariants();
    EXPECT_TRUE(err.empty()) << "t=" << world.timeS() << ": " << err;
    if (!err.empty()) break;
    for (const VehicleView& v : world.snapshot().vehicles) {
      const std::string from = std::get<1>(trips[v.id.value]).front();
      if (v.onConnector) {
        r.enteredS.emplace(from, world.timeS());
      } else if (net.road(net.lane(v.lane).road).name == from && net.lane(v.lane).lengthM - v.positionM <= 3.0) {
        auto [it, fresh] = r.slowestNearLineMps.emplace(from, v.speedMps);
        if (!fresh) it->second = std::min(it->second, v.speedMps);
      }
    }
  }
  r.summary = world.summary(0);
  r.stateHash = world.stateHash();
  return r;
}

TEST(RightOfWay, MinorRoadWaitsForTheMajorRoadThenGoes) {
  // The minor-road car (from the north) reaches its line 2 s before the major-road car (from the
  // west) reaches its own: too close to cross ahead of it, so it waits, and goes right after it.
  const Trips trips{{0.0, {"n_in", "s_out"}}, {2.0, {"w_in", "e_out"}}};
  const Outcome r = run(RightOfWay::Priority, trips);
  ASSERT_EQ(r.summary.vehicles.arrived, 2u);
  EXPECT_GT(r.enteredS.at("n_in"), r.enteredS.at("w_in")) << "the minor road went ahead of the major road";
  EXPECT_LT(r.enteredS.at("n_in") - r.enteredS.at("w_in"), 6.0) << "the minor-road car waited longer than needed";
  // Without the map's right of way both straights are protected and the first to arrive goes.
  const Outcome byTurn = run(RightOfWay::ByTurn, trips);
  EXPECT_LT(byTurn.enteredS.at("n_in"), byTurn.enteredS.at("w_in"));
  // A major-road car far enough behind does not hold the minor road up.
  const Outcome far = run(RightOfWay::Priority, Trips{{0.0, {"n_in", "s_out"}}, {12.0, {"w_in", "e_out"}}});
  EXPECT_LT(far.enteredS.at("n_in"), far.enteredS.at("w_in"));
  EXPECT_GT(r.enteredS.at("n_in"), far.enteredS.at("n_in")) << "giving way should have cost the minor-road car time";
  EXPECT_EQ(r.summary.vehicles.clampedMoves, 0u);
}

TEST(RightOfWay, AMinorRoadDriverGrowsImpatientAndPullsOutInFrontOfAStream) {
  // Major-road cars due every 2 s from the west for 150 s (inserted as fast as the road takes
  // them) never leave the minor-road car from the north the gap it needs. As in SUMO, its driver
  // grows impatient while it waits (the major-road cars that can still stop comfortably count as
  // arriving 30 s · wait / 180 s later) and pulls out in front of one of them, which stops for it,
  // instead of waiting for the stream to end (it went at t = 40 s, after 20 s at its line).
  Trips trips;  // in order of departure (run() names a vehicle's road by its trip's index)
  for (double t = 0; t < 150; t += 2) {
    trips.push_back({t, {"w_in", "e_out"}});
    if (t == 0) trips.push_back({1.0, {"n_in", "s_out"}});
  }
  const Outcome r = run(RightOfWay::Priority, trips);
  ASSERT_TRUE(r.enteredS.contains("n_in")) << "the minor-road car never went";
  EXPECT_GT(r.enteredS.at("n_in"), 20.0) << "it went before it had waited (no gap in the stream)";
  EXPECT_LT(r.enteredS.at("n_in"), 90.0) << "it waited for the major road's stream to end";
  EXPECT_EQ(r.summary.vehicles.teleported, 0u);
  EXPECT_EQ(r.summary.vehicles.clampedMoves, 0u);
  // Nothing depends on thread scheduling.
  EXPECT_EQ(run(RightOfWay::Priority, trips, 2).stateHash, r.stateHash);
}

TEST(RightOfWay, RightBeforeLeftWithTwoArrivals) {
  // East and north arrive together: north is on the east car's right, so north goes first.
  const Outcome r = run(RightOfWay::RightBeforeLeft, Trips{{0.0, {"e_in", "w_out"}}, {0.0, {"n_in", "s_out"}}});
  ASSERT_EQ(r.summary.vehicles.arrived, 2u);
  EXPECT_LT(r.enteredS.at("n_in"), r.enteredS.at("e_in"));
}

TEST(RightOfWay, RightBeforeLeftWithFourArrivalsDoesNotDeadlock) {
  // Everyone gives way to someone who is waiting too. The documented rule lets the car halted
  // longest go, ties to the first incoming road in the junction's order (e_in): then the south car
  // (its right, the east car, is gone), then west, then north.
  const Trips trips{{0.0, {"e_in", "w_out"}}, {0.0, {"n_in", "s_out"}}, {0.0, {"w_in", "e_out"}}, {0.0, {"s_in", "n_out"}}};
  const Outcome r = run(RightOfWay::RightBeforeLeft, trips);
  ASSERT_EQ(r.summary.vehicles.arrived, 4u);
  std::vector<std::pair<double, std::string>> order;
  for (const auto& [from, t] : r.enteredS) order.emplace_back(t, from);
  std::sort(order.begin(), order.end());
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0].second, "e_in");
  EXPECT_EQ(order[1].second, "s_in");
  EXPECT_EQ(order[2].second, "w_in");
  EXPECT_EQ(order[3].second, "n_in");
  EXPECT_EQ(r.summary.vehicles.teleported, 0u);
  // Nothing depends on thread scheduling.
  EXPECT_EQ(run(RightOfWay::RightBeforeLeft, trips, 2).stateHash, r.stateHash);
}

TEST(RightOfWay, AllWayStopServesFirstComeFirstServedAfterAFullStop) {
  // East stops first, north second, west third. West does not cross east's path but must wait
  // for north, which has waited longer and crosses both.
  const Trips trips{{0.0, {"e_in", "w_out"}}, {1.5, {"n_in", "s_out"}}, {3.0, {"w_in", "e_out"}}};
  const Outcome r = run(RightOfWay::AllWayStop, trips);
  ASSERT_EQ(r.summary.vehicles.arrived, 3u);
  EXPECT_LT(r.enteredS.at("e_in"), r.enteredS.at("n_in"));
  EXPECT_LT(r.enteredS.at("n_in"), r.enteredS.at("w_in"));
  for (const auto& [from, v] : r.slowestNearLineMps) EXPECT_LT(v, 0.1) << from << " did not stop at the line";
  // A lone car stops too, then goes.
  const Outcome lone = run(RightOfWay::AllWayStop, Trips{{0.0, {"s_in", "n_out"}}});
  ASSERT_EQ(lone.summary.vehicles.arrived, 1u);
  EXPECT_LT(lone.slowestNearLineMps.at("s_in"), 0.1);
  EXPECT_EQ(run(RightOfWay::AllWayStop, trips, 2).stateHash, r.stateHash);
}

TEST(RightOfWay, YieldsSitOnTheConflictsTheyConcern) {
  const RoadNetwork net = fourWay(RightOfWay::Priority);
  const Junction& c = net.junction(*net.findJunction("c"));
  EXPECT_EQ(c.rightOfWay, RightOfWay::Priority);
  for (const Connector& con : net.connectors()) {
    const bool minor = net.road(net.movement(con.movement).fromRoad).name[0] == 'n' ||
                       net.road(net.movement(con.movement).fromRoad).name[0] == 's';
    for (const Conflict& k : con.conflicts) EXPECT_EQ(k.yields, minor);
  }
  // The minor movements show a permissive green, the major ones a protected one.
  const std::vector<SignalState> states = unsignalisedMovementStates(net, *net.findJunction("c"));
  for (std::size_t k = 0; k < c.movements.size(); ++k) {
    const char leg = net.road(net.movement(c.movements[k]).fromRoad).name[0];
    EXPECT_EQ(states[k], leg == 'n' || leg == 's' ? SignalState::GreenPermissive : SignalState::GreenProtected);
  }
}

// A SUMO link without foes (a junction that only joins two roads) is left out of the rule that
// nobody halts in the box, as SUMO leaves it out of its junction-blocking check: the queue before
// a red light reaches back through it as on one road. joint_queue.net.xml has two corridors, each
// a 20 m road before a light that is red for 100 s; on corridor 1 the junction before that road
// has one link and no foes, on corridor 2 a side road merges there (the main road's link has a
// foe). Six cars on each: corridor 1's third car stands in J1's box behind the two on J1K1,
// corridor 2's waits at J2's line. Both let every car through once the light turns green.
TEST(RightOfWay, AQueueReachesBackThroughAJunctionWithoutFoes) {
  const std::filesystem::path data = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "tests/data/sumo";
  auto net = std::make_shared<const RoadNetwork>(loadSumoNetwork(data / "joint_queue.net.xml").network);
  Trips trips;
  for (int k = 0; k < 6; ++k) {
    trips.push_back({3.0 * k, {"A1J1", "J1K1", "K1C1"}});
    trips.push_back({3.0 * k, {"A2J2", "J2K2", "K2C2"}});
  }
  Scenario sc = testing::makeScenario(net, trips, testing::standardCar());
  sc.durationS = 160;
  const ConnectorId j1 = net->movement(*net->movementBetween(*net->findRoad("A1J1"), *net->findRoad("J1K1"))).connectors.at(0);
  const JunctionId j2 = *net->findJunction("J2");
  ASSERT_EQ(net->junction(*net->findJunction("J1")).rightOfWay, RightOfWay::Priority);
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  std::size_t haltedInJ1 = 0, haltedInJ2 = 0;
  while (world.timeS() < 95) {
    world.step();
    for (const VehicleView& v : world.snapshot().vehicles) {
      if (!v.onConnector) continue;
      if (v.speedMps >= 0.1) continue;
      if (v.connector == j1) ++haltedInJ1;
      if (net->connector(v.connector).junction == j2) ++haltedInJ2;
    }
  }
  // By t = 95 s (red) the third car of corridor 1 has long stood in J1's box; nobody stood in J2's.
  std::size_t standingInJ1 = 0;
  for (const VehicleView& v : world.snapshot().vehicles) standingInJ1 += v.onConnector && v.connector == j1 ? 1 : 0;
  EXPECT_EQ(standingInJ1, 1u);
  EXPECT_GT(haltedInJ1, 0u);
  EXPECT_EQ(haltedInJ2, 0u);
  world.run();
  EXPECT_EQ(world.summary(0).vehicles.arrived, 12u);
}

// A left turn that the map lets wait inside a junction with signals (SUMO's internal junction,
// cont="1") on a permissive green: tls_left.net.xml's WC to CN gives way to the opposite straight
// EC to CW, both green from t = 45 s to 87 s, then 3 s yellow. The turner arrives on red; when
// the light turns green it drives in up to its waiting position before the opposite stream's path
// and stands there (not at the line), then leaves at the first gap in that stream, or, if there is
// none, as the stream stops for the yellow. Every step passes the invariants (--validate).
struct InsideTurn {
  double pulledInS = -1;     // first on the connector
  double haltedInsideS = 0;  // time halted on the connector
  double leftS = -1;         // first on the exit road
  double lastOppositeInS = -1;  // the last opposite vehicle's first step in the junction
  std::uint64_t arrived = 0;
};

InsideTurn turnAgainstStream(double oppositeUntilS) {
  const std::filesystem::path data = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "tests/data/sumo";
  auto net = std::make_shared<const RoadNetwork>(loadSumoNetwork(data / "tls_left.net.xml").network);
  Trips trips;
  trips.push_back({20.0, {"WC", "CN"}});
  for (double t = 0; t <= oppositeUntilS; t += 2.0) trips.push_back({t, {"EC", "CW"}});
  Scenario sc = testing::makeScenario(net, trips, testing::standardCar());
  sc.durationS = 450;
  const ConnectorId left = net->movement(*net->movementBetween(*net->findRoad("WC"), *net->findRoad("CN"))).connectors.at(0);
  EXPECT_TRUE(net->connector(left).waitsInside);
  const RoadId exit = *net->findRoad("CN");
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  InsideTurn r;
  while (!world.finished()) {
    world.step();
    const double t = world.timeS();
    for (const VehicleView& v : world.snapshot().vehicles) {
      const std::string& id = sc.demand.trips[v.id.value].id;  // t<k>: trips[k] (sorted by departure in the scenario)
      if (id == "t0") {
        if (v.onConnector && v.connector == left) {
          if (r.pulledInS < 0) r.pulledInS = t;
          if (v.speedMps < 0.1) r.haltedInsideS += sc.stepS;
        } else if (!v.onConnector && net->lane(v.lane).road == exit && r.leftS < 0) {
          r.leftS = t;
        }
      } else if (id == "t" + std::to_string(trips.size() - 1) && v.onConnector && r.lastOppositeInS < 0) {
        r.lastOppositeInS = t;
      }
    }
  }
  r.arrived = world.summary(0).vehicles.arrived;
  return r;
}

TEST(RightOfWay, ALeftTurnerWaitsInsideTheJunctionAndLeavesAtTheGap) {
  // Eleven opposite cars (t = 0 to 20 s) queue on red and pass in the first half of the green.
  const InsideTurn gap = turnAgainstStream(20);
  EXPECT_GE(gap.pulledInS, 45.0);
  EXPECT_LT(gap.pulledInS, 50.0);  // in as the green begins
  EXPECT_GT(gap.haltedInsideS, 5.0);
  EXPECT_GT(gap.leftS, gap.lastOppositeInS);  // after the stream
  EXPECT_LT(gap.leftS, gap.lastOppositeInS + 8.0);  // at its end
  EXPECT_LT(gap.leftS, 87.0);  // still in the green
  EXPECT_EQ(gap.arrived, 12u);
  // Opposite cars every 2 s up to t = 120 s leave no gap: the turner waits inside through the
  // green and leaves as the stream stops for the yellow (87 s to 90 s).
  const InsideTurn steady = turnAgainstStream(120);
  EXPECT_LT(steady.pulledInS, 50.0);
  EXPECT_GT(steady.haltedInsideS, 30.0);
  EXPECT_GE(steady.leftS, 87.0);
  EXPECT_LE(steady.leftS, 96.0);
  EXPECT_EQ(steady.arrived, 62u);
}

// A stream through a road shorter than two cars at a protected green. short_lane_green.net.xml:
// twelve cars, one every 2 s, on the 97 m AJ, then the 10 m JK and the light K (red for 30 s,
// then green) onto the 200 m KC. SUMO's drivers count a leader's room as free unless a vehicle
// ahead has to wait at its link: on the green the queue drives through JK as through one road,
// a car entering J's box while the one ahead is still on JK. Counting only JK's own room, each car
// would wait at J's line until JK was nearly empty and start from rest: one car every 4 s or
// more. On the red, the car standing on JK must wait at its link, so nobody is let into J's box
// behind it (nobody halts there).
TEST(RightOfWay, AQueueStreamsThroughAShortRoadAtAGreen) {
  const std::filesystem::path data = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "tests/data/sumo";
  auto net = std::make_shared<const RoadNetwork>(loadSumoNetwork(data / "short_lane_green.net.xml").network);
  Trips trips;
  for (int k = 0; k < 12; ++k) trips.push_back({2.0 * k, {"AJ", "JK", "KC"}});
  Scenario sc = testing::makeScenario(net, trips, testing::standardCar());
  sc.durationS = 150;
  const JunctionId j = *net->findJunction("J");
  const RoadId exit = *net->findRoad("KC");
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  std::size_t haltedInJ = 0;
  std::vector<double> onExitS(trips.size(), -1);
  while (!world.finished()) {
    world.step();
    for (const VehicleView& v : world.snapshot().vehicles) {
      if (v.onConnector) {
        if (net->connector(v.connector).junction == j && v.speedMps < 0.1) ++haltedInJ;
      } else if (net->lane(v.lane).road == exit && onExitS[v.id.value] < 0) {
        onExitS[v.id.value] = world.timeS();
      }
    }
  }
  EXPECT_EQ(haltedInJ, 0u);
  ASSERT_EQ(world.summary(0).vehicles.arrived, 12u);
  const auto [first, last] = std::minmax_element(onExitS.begin(), onExitS.end());
  EXPECT_GE(*first, 30.0);  // not before the green
  EXPECT_LT(*last - *first, 30.0);  // eleven headways of under 2.7 s on average
}

}  // namespace
}  // namespace traffic
