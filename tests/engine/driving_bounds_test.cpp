// Driving within physical bounds, as a whole run sees it: never above the desired speed on the
// track a vehicle is on, never braking harder than the type allows, and a lower speed limit ahead
// met by braking comfortably before it (issue 10's probes, as tests).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "common/test_networks.h"
#include "traffic/car_following.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic {
namespace {

struct Extremes {
  double maxExcessMps = -1e9;  // largest speed above the desired speed where the vehicle was
  double maxDecelMps2 = 0;     // hardest slowing down from one step to the next
  double maxSpeedMps = 0;
};

// Runs `sc` with --validate's checks and records, per step, every vehicle's speed against the
// desired speed of the lane or connector it is on and its slowing down since the previous step.
Extremes runAndWatch(const Scenario& sc, Summary* summary = nullptr) {
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  const RoadNetwork& net = *sc.network;
  const VehicleType& type = sc.vehicleTypes.front();
  std::map<std::uint32_t, double> lastSpeed;
  Extremes e;
  world.run([&](const World& w) {
    std::map<std::uint32_t, double> speeds;
    for (const VehicleView& v : w.snapshot().vehicles) {
      const double limit = v.onConnector ? net.connector(v.connector).speedLimitMps : net.lane(v.lane).speedLimitMps;
      e.maxExcessMps = std::max(e.maxExcessMps, v.speedMps - desiredSpeed(type, limit));
      e.maxSpeedMps = std::max(e.maxSpeedMps, v.speedMps);
      if (auto it = lastSpeed.find(v.id.value); it != lastSpeed.end())
        e.maxDecelMps2 = std::max(e.maxDecelMps2, (it->second - v.speedMps) / sc.stepS);
      speeds[v.id.value] = v.speedMps;
    }
    lastSpeed = std::move(speeds);
  });
  if (summary) *summary = world.summary(0);
  return e;
}

Scenario onRoad(RoadNetwork net, std::vector<std::string> route, VehicleType type, int trips, double everyS) {
  std::vector<std::tuple<double, std::vector<std::string>>> list;
  for (int k = 0; k < trips; ++k) list.emplace_back(k * everyS, route);
  Scenario sc = testing::makeScenario(std::make_shared<const RoadNetwork>(std::move(net)), list, type);
  sc.stepS = 1.0;
  sc.durationS = 900;
  return sc;
}

TEST(DrivingBounds, ASlowLaneIsNeverExceededAtOneSecondSteps) {
  // The probe: at 1 s steps plain IDM on a 3 m/s lane oscillated between 1.4 and 3.6 m/s.
  const Scenario sc = onRoad(testing::straightRoad(600, 1, 3.0), {"road"}, testing::standardCar(), 5, 30);
  Summary s;
  const Extremes e = runAndWatch(sc, &s);
  EXPECT_LE(e.maxExcessMps, 1e-9);
  EXPECT_NEAR(e.maxSpeedMps, 3.0, 1e-9);  // and it does reach the desired speed
  EXPECT_EQ(s.vehicles.arrived, 5u);
}

TEST(DrivingBounds, AHugeAccelerationStillStopsAtTheDesiredSpeed) {
  // The probe: a type with accel_mps2 = 1000 reached 1000 m/s (4 km in 22 s, negative delay).
  VehicleType rocket = testing::standardCar();
  rocket.accelMps2 = 1000;
  const Scenario sc = onRoad(testing::straightRoad(4000, 1, 13.9), {"road"}, rocket, 3, 60);
  Summary s;
  const Extremes e = runAndWatch(sc, &s);
  EXPECT_LE(e.maxExcessMps, 1e-9);
  EXPECT_EQ(s.vehicles.arrived, 3u);
  // No trip is faster than driving the whole road at the desired speed.
  EXPECT_GE(s.meanTravelTimeFinishedS, 4000 / 13.9 - 1.0);
}

TEST(DrivingBounds, ALowerSpeedLimitAheadIsMetByComfortableBraking) {
  // The probe: 16.7 -> 11.1 m/s made plain IDM brake at -8 m/s^2 on entering the slower road.
  const VehicleType car = testing::standardCar();
  const Scenario sc = onRoad(testing::corridor({16.7, 11.1}, 500, 1), {"r0", "r1"}, car, 10, 20);
  Summary s;
  const Extremes e = runAndWatch(sc, &s);
  EXPECT_LE(e.maxExcessMps, 1e-9);
  EXPECT_LE(e.maxDecelMps2, car.comfortDecelMps2 + 1e-9);
  EXPECT_EQ(s.vehicles.arrived, 10u);
  EXPECT_EQ(s.vehicles.hardBrakes, 0u);
  EXPECT_EQ(s.vehicles.clampedMoves, 0u);
}

// Every model, in a whole run through a signalised junction (queues, discharge, a lower limit
// nowhere): never above the desired speed, never braking beyond the emergency deceleration
// (--validate's checks run at every step), and every vehicle through.
class EveryModel : public ::testing::TestWithParam<CarFollowingModel> {};

TEST_P(EveryModel, KeepsTheBoundsThroughASignalisedJunction) {
  VehicleType type = testing::standardCar();
  type.carFollowing = GetParam();
  type.cooperative = GetParam() == CarFollowingModel::Cacc;
  auto net = std::make_shared<const RoadNetwork>(testing::crossJunction(400, 1, true));
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  for (int k = 0; k < 60; ++k) trips.emplace_back(k * 4.0, std::vector<std::string>{"w_in", "e_out"});
  Scenario sc = testing::makeScenario(net, trips, type);
  sc.durationS = 900;
  Summary s;
  const Extremes e = runAndWatch(sc, &s);
  EXPECT_LE(e.maxExcessMps, 1e-9);
  EXPECT_LE(e.maxDecelMps2, type.maxDecelMps2 + 1e-9);
  EXPECT_EQ(s.vehicles.arrived, 60u);
}

INSTANTIATE_TEST_SUITE_P(Models, EveryModel,
                         ::testing::Values(CarFollowingModel::Idm, CarFollowingModel::Iidm, CarFollowingModel::Krauss,
                                           CarFollowingModel::Cacc, CarFollowingModel::Cityflow),
                         [](const ::testing::TestParamInfo<CarFollowingModel>& info) {
                           return std::string(toString(info.param));
                         });

}  // namespace
}  // namespace traffic
