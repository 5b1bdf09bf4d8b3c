// Insertion from the entry queues (sim/src/engine/insertion.cpp): a released trip waits only
// behind vehicles that need one of its lanes. Issue 10's probe: on one Hangzhou road, straight-ahead
// vehicles waiting for room in their full lane kept hundreds of turners out of empty turning lanes.
#include <gtest/gtest.h>

#include "common/test_networks.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic {
namespace {

// Two-lane approaches: left turns only from lane 0, right turns only from lane 1. The west
// approach is short and red for the whole run, so its lane 0 fills with left-turners.
Scenario leftTurnersThenARightTurner() {
  auto net = std::make_shared<const RoadNetwork>(testing::crossJunction(40, 2, true));
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  for (int k = 0; k < 10; ++k) trips.push_back({k * 1.0, {"w_in", "n_out"}});  // left (towards north)
  trips.push_back({20.0, {"w_in", "s_out"}});                                   // right (towards south)
  Scenario sc = testing::makeScenario(net, trips, testing::standardCar());
  sc.signalPolicy = PolicySpec{"fixed_time", {{"green_s", 10000}}};  // north-south green throughout
  sc.durationS = 120;
  sc.laneChanging = false;
  return sc;
}

TEST(Insertion, ATurnerIsNotHeldBackByAQueueForAnotherLane) {
  const Scenario sc = leftTurnersThenARightTurner();
  World world(sc, WorldOptions{1});
  world.run();
  const auto records = world.tripRecords();
  ASSERT_EQ(records.size(), 11u);
  std::size_t leftWaiting = 0;
  double lastLeftEnterS = -1;
  for (const TripRecord& r : records) {
    const std::string& id = sc.demand.trips[r.tripIndex].id;
    if (id == "t10") {
      // The right-turner enters its empty lane as soon as it is released.
      EXPECT_GE(r.enterS, 20.0);
      EXPECT_LE(r.enterS, 21.0 + 1e-9);
    } else if (r.enterS < 0) {
      ++leftWaiting;
    } else {
      // Left-turners still enter in release order.
      EXPECT_GE(r.enterS, lastLeftEnterS) << id;
      lastLeftEnterS = r.enterS;
    }
  }
  // The 40 m lane holds only a few of the ten left-turners; the rest are still waiting.
  EXPECT_GT(leftWaiting, 3u);
  EXPECT_EQ(world.counts().waitingToEnter, leftWaiting);
}

TEST(Insertion, AVehicleThatCouldUseEitherLaneWaitsBehindOneWaitingForItsLane) {
  // A straight-ahead vehicle may use both lanes; released after the waiting left-turners, it does
  // not take lane 0 before them, but lane 1 is free: it enters there.
  Scenario sc = leftTurnersThenARightTurner();
  const std::vector<RoadId> straight{*sc.network->findRoad("w_in"), *sc.network->findRoad("e_out")};
  sc.demand.trips.push_back({"straight", VehicleTypeId(0), 30.0, sc.demand.routes.add(straight)});
  sc.demand.sortByDeparture();
  World world(sc, WorldOptions{1});
  world.run();
  for (const TripRecord& r : world.tripRecords())
    if (sc.demand.trips[r.tripIndex].id == "straight") {
      EXPECT_GE(r.enterS, 30.0);
      EXPECT_LE(r.enterS, 31.0 + 1e-9);
    }
}

}  // namespace
}  // namespace traffic
