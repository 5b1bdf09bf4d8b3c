// SUMO's tripinfo measures per trip (time loss, departure delay, waiting time and count) on
// hand-built cases whose values are known, and RESCO's average delay computed from them.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/test_networks.h"
#include "traffic/car_following.h"
#include "traffic/resco_score.h"
#include "traffic/world.h"

namespace traffic {
namespace {

using testing::makeScenario;
using testing::standardCar;

std::shared_ptr<const RoadNetwork> share(RoadNetwork net) { return std::make_shared<const RoadNetwork>(std::move(net)); }

TEST(TripMeasures, AVehicleDrivingAtItsTopSpeedLosesNoTime) {
  // standardCar tops out at 20 m/s, the road allows 15: it is inserted at 15 m/s onto an empty
  // road and keeps that speed to the end, so every step adds dt * (1 - 15 / 15) = 0.
  Scenario sc = makeScenario(share(testing::straightRoad(1000, 1, 15.0)), {{0.0, {"road"}}}, standardCar());
  sc.durationS = 200;
  World world(sc);
  world.run();
  const auto trips = world.tripRecords();
  ASSERT_EQ(trips.size(), 1u);
  ASSERT_GE(trips[0].arriveS, 0);
  EXPECT_NEAR(trips[0].timeLossS, 0.0, 1e-9);
  EXPECT_EQ(trips[0].enterS - trips[0].departS, 0.0);
  EXPECT_EQ(trips[0].waitingS, 0.0);
  EXPECT_EQ(trips[0].waitingCount, 0u);
}

TEST(TripMeasures, AStopAtARedLightIsCountedOnceAndLosesItsLength) {
  // A car from the west meets the north-south green of a 60 s fixed-time program and waits for
  // its own. Watched from outside, step by step: the steps it ends below 0.1 m/s are its waiting
  // time, and SUMO's sum of dt * (1 - v / v_max) over the steps, with v_max = 15 m/s on every
  // lane and connector of its route, is its time loss.
  auto net = share(testing::crossJunction(200, 1, true));
  Scenario sc = makeScenario(net, {{0.0, {"w_in", "e_out"}}}, standardCar());
  sc.signalPolicy = PolicySpec{"fixed_time", {{"green_s", 60}}};
  sc.durationS = 300;
  World world(sc);
  double halted = 0, lost = 0;
  while (!world.finished()) {
    world.step();
    for (const VehicleView& v : world.snapshot().vehicles) {
      const double limit = v.onConnector ? net->connector(v.connector).speedLimitMps : net->lane(v.lane).speedLimitMps;
      lost += sc.stepS * (1.0 - v.speedMps / desiredSpeed(sc.vehicleTypes[0], limit));
      if (v.speedMps < 0.1) halted += sc.stepS;
    }
  }
  const auto trips = world.tripRecords();
  ASSERT_EQ(trips.size(), 1u);
  const TripRecord& t = trips[0];
  ASSERT_GE(t.arriveS, 0);
  EXPECT_GT(halted, 30.0);  // the red lasted at least 60 s less the 14 s to reach the line
  EXPECT_DOUBLE_EQ(t.waitingS, halted);
  // Counted as SUMO counts (each time the speed falls to 0.1 m/s or below): the car halts 6 cm
  // short of the line and creeps the rest at 0.12 m/s, which counts as a second halt. The creep
  // comes from stopping with the front at the line within one step (capacity work of issue 10);
  // a halt within a few centimetres of the line should end the approach. Not yet done.
  EXPECT_GE(t.waitingCount, 1u);
  EXPECT_LE(t.waitingCount, 2u);
  // The step it left the network in is not in the snapshots: it drove it at (nearly) full speed.
  EXPECT_NEAR(t.timeLossS, lost, 0.05);
  // The halt, plus what braking to it and starting again cost: at least v / 2a = 3.75 s for the
  // start at IDM's a = 2 m/s^2, more as IDM eases off both ends (about 11 s here).
  EXPECT_GT(t.timeLossS, t.waitingS + 3.75);
  EXPECT_LT(t.timeLossS, t.waitingS + 15.0);
  // Time loss never exceeds the time in the network.
  EXPECT_LT(t.timeLossS, t.arriveS - t.enterS);
}

TEST(TripMeasures, ADelayedInsertionIsTheDepartDelay) {
  // Two cars for one lane at t = 0. The first enters at 15 m/s with its front at 5 m. The second
  // enters only when the gap allows 90% of the leader's speed at the car's headway,
  // (gap - s0) / T >= 0.9 * 15 with T = 1.5 s and s0 = 2 m, i.e. a gap of 22.25 m: at t = 1 the
  // gap is 20 - 5 - 5 = 10 m, at t = 2 it is 25 m. Its departure delay is 2 s; a third car
  // scheduled at t = 0 cannot have entered by the end of the run at t = 3.
  Scenario sc =
      makeScenario(share(testing::straightRoad(1000, 1, 15.0)), {{0.0, {"road"}}, {0.0, {"road"}}, {0.0, {"road"}}}, standardCar());
  sc.durationS = 3;
  World world(sc);
  world.run();
  const auto trips = world.tripRecords();
  ASSERT_EQ(trips.size(), 3u);
  EXPECT_EQ(trips[0].enterS - trips[0].departS, 0.0);
  EXPECT_EQ(trips[1].enterS - trips[1].departS, 2.0);
  EXPECT_LT(trips[2].enterS, 0);  // still waiting to enter
  // The first drives on alone at its top speed; the second, 25 m behind at the same speed, is
  // closer than IDM's desired gap (2 + 15 * 1.5 = 24.5 m at that approach) and eases off a little.
  EXPECT_NEAR(trips[0].timeLossS, 0.0, 1e-9);
  EXPECT_GT(trips[1].timeLossS, 0.0);
  EXPECT_LT(trips[1].timeLossS, 0.5);
  // RESCO's delay: time loss + departure delay of the two that entered, and the whole 3 s since
  // departure of the one that did not.
  const RescoScore score = rescoScore(trips, world.timeS());
  EXPECT_EQ(score.vehicles, 3u);
  EXPECT_NEAR(score.delayS, (0.0 + (trips[1].timeLossS + 2.0) + 3.0) / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(rescoDelayS(trips[2], world.timeS()), 3.0);
}

TEST(TripMeasures, RescoScoreLeavesOutTripsNotYetDue) {
  TripRecord arrived;
  arrived.departS = 0;
  arrived.enterS = 5;
  arrived.arriveS = 80;
  arrived.timeLossS = 10;
  TripRecord running;
  running.departS = 1;
  running.enterS = 2;
  running.timeLossS = 3;
  TripRecord queued;
  queued.departS = 40;
  TripRecord later;  // scheduled after the end: not due, as RESCO's never-departed vehicles are
  later.departS = 150;
  const std::vector<TripRecord> trips{arrived, running, queued, later};
  const RescoScore s = rescoScore(trips, 100);
  EXPECT_EQ(s.vehicles, 3u);
  EXPECT_DOUBLE_EQ(s.delayS, (15.0 + 4.0 + 60.0) / 3.0);
  EXPECT_EQ(rescoScore({}, 100).vehicles, 0u);
  EXPECT_EQ(rescoScore({}, 100).delayS, 0.0);
}

}  // namespace
}  // namespace traffic
