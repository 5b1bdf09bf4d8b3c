// Autonomous vehicles (cooperative adaptive cruise control, signal-phase awareness) and bikes:
// the behaviours the multimodal scenarios rely on.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "common/temp_dir.h"
#include "common/test_networks.h"
#include "traffic/car_following.h"
#include "traffic/errors.h"
#include "traffic/scenario.h"
#include "traffic/signal.h"
#include "traffic/world.h"

namespace traffic {
namespace {

using testing::TempDir;

// AVs every 20 s towards one fixed-time signal at the end of a 600 m approach.
Scenario approachingASignal(bool signalAware) {
  auto net = std::make_shared<const RoadNetwork>(testing::crossJunction(600, 2, true));
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  for (int k = 0; k < 60; ++k) trips.emplace_back(k * 20.0, std::vector<std::string>{"w_in", "e_out"});
  VehicleType av = defaultVehicleType(VehicleClass::Shuttle);
  av.signalAware = signalAware;
  Scenario sc = testing::makeScenario(net, trips, av);
  sc.durationS = 1500;
  return sc;
}

double stopsPerVehicle(const Scenario& sc) {
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  world.run();
  return world.summary(0).stopsPerVehicle;
}

TEST(AutomatedDriving, SignalAwarenessCutsStopsAtSignals) {
  const double aware = stopsPerVehicle(approachingASignal(true));
  const double unaware = stopsPerVehicle(approachingASignal(false));
  EXPECT_GT(unaware, 0.3);  // a red every other minute stops many of them
  EXPECT_LT(aware, 0.5 * unaware) << aware << " vs " << unaware;
}

TEST(AutomatedDriving, TheSignalForecastIsExactForAFixedPlan) {
  const RoadNetwork net = testing::crossJunction(300, 2, true);
  const JunctionId c = *net.findJunction("c");
  SignalController controller(net, c, SignalTiming{3, 2, 5});
  const auto policy = makeSignalPolicy(PolicySpec{"fixed_time", {}}, "test");
  std::vector<SignalState> states(net.movements().size(), SignalState::Red);
  const MovementId eastWest = *net.movementBetween(*net.findRoad("w_in"), *net.findRoad("e_out"));
  // Record the forecast at every step, then check it against when the light really turned green.
  std::vector<double> forecast, greenAt;
  for (int step = 0; step < 400; ++step) {
    controller.update(step, 1, *policy, states);
    const bool green = states[eastWest.index()] == SignalState::GreenProtected;
    forecast.push_back(controller.timeUntilGreen(eastWest));
    greenAt.push_back(green ? step : -1);
  }
  int checked = 0;
  for (int step = 0; step < 300; ++step) {
    if (greenAt[static_cast<std::size_t>(step)] >= 0) {
      EXPECT_EQ(forecast[static_cast<std::size_t>(step)], 0) << "step " << step;
      continue;
    }
    int next = step;
    while (greenAt[static_cast<std::size_t>(next)] < 0) ++next;
    EXPECT_DOUBLE_EQ(forecast[static_cast<std::size_t>(step)], next - step) << "step " << step;
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

// Cooperative vehicles following each other keep the cooperative headway; behind a human-driven
// car they keep their ordinary one. The leader drives at 10 m/s, the follower would like 12.
TEST(AutomatedDriving, CooperativeVehiclesPlatoonCloser) {
  VehicleType follower = testing::standardCar();
  follower.cooperative = true;
  follower.cooperativeHeadwayS = 0.6;
  follower.headwayS = 1.5;
  auto gapBehind = [&](bool leaderCooperative) {
    auto net = std::make_shared<const RoadNetwork>(testing::straightRoad(4000, 1, 12));
    Scenario sc = testing::makeScenario(net, {{0, {"road"}}, {1, {"road"}}}, follower);
    VehicleType leader = follower;
    leader.name = "leader";
    leader.maxSpeedMps = 10;
    leader.cooperative = leaderCooperative;
    sc.vehicleTypes.push_back(leader);
    sc.demand.trips[0].type = VehicleTypeId(1);
    sc.durationS = 300;
    World world(sc, WorldOptions{.threads = 1, .validate = true});
    for (int k = 0; k < 300; ++k) world.step();
    const WorldSnapshot snap = world.snapshot();
    EXPECT_EQ(snap.vehicles.size(), 2u);
    EXPECT_NEAR(snap.vehicles[1].speedMps, 10, 0.05);  // caught up and following
    return snap.vehicles[0].positionM - snap.vehicles[0].lengthM - snap.vehicles[1].positionM;
  };
  VehicleType cacc = follower;
  cacc.headwayS = follower.cooperativeHeadwayS;
  // The IDM equilibrium gap at 10 m/s with the cooperative and the ordinary headway: 11.1 and 23.6 m.
  EXPECT_NEAR(gapBehind(true), idmEquilibriumGap(cacc, 12, 10), 0.5);
  EXPECT_NEAR(gapBehind(false), idmEquilibriumGap(follower, 12, 10), 0.5);
}

// ---- bikes ------------------------------------------------------------------------------------

// A grid corridor whose kerb lanes are bike lanes; cars, buses and bikes share the other lanes
// where allowed.
const char* kBikeScenario = R"([scenario]
name = "bikes"
duration_s = 900
seed = 4

[map.grid]
rows = 1
columns = 3
lanes_per_direction = 2

[[map.lanes]]
road = "road_j_0_-1_j_0_0"
lane = 2
allow = ["bike"]

[[map.lanes]]
road = "road_j_0_0_j_0_1"
lane = 2
allow = ["bike"]

[[map.lanes]]
road = "road_j_0_0_j_0_1"
lane = 1
allow = ["car", "bus"]

[[vehicle_type]]
name = "car"

[[vehicle_type]]
name = "bike"
class = "bike"

[demand]
flow = [
  { id = "cars", from = "road_j_0_-1_j_0_0", to = "road_j_0_2_j_0_3", veh_per_hour = 400 },
  { id = "bikes", type = "bike", from = "road_j_0_-1_j_0_0", to = "road_j_0_2_j_0_3", veh_per_hour = 300 },
]
)";

TEST(Bikes, NeverFasterThanTheirTopSpeedAndNeverOnLanesTheMapForbids) {
  TempDir dir;
  const Scenario sc = loadScenario(dir.write("bikes.toml", kBikeScenario));
  const VehicleType& bike = sc.vehicleTypes.at(1);
  ASSERT_EQ(bike.vehicleClass, VehicleClass::Bike);
  EXPECT_DOUBLE_EQ(bike.maxSpeedMps, 5.0);  // the class's typical values
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  std::size_t bikeSteps = 0, bikesOnBikeLanes = 0;
  while (!world.finished()) {
    world.step();
    for (const VehicleView& v : world.snapshot().vehicles) {
      if (v.onConnector) continue;
      const Lane& lane = sc.network->lane(v.lane);
      ASSERT_TRUE(lane.allowed.allows(v.vehicleClass))
          << toString(v.vehicleClass) << " on lane " << lane.indexInRoad << " of " << sc.network->road(lane.road).name;
      if (v.vehicleClass != VehicleClass::Bike) continue;
      ASSERT_LE(v.speedMps, bike.maxSpeedMps + 1e-9);
      ++bikeSteps;
      bikesOnBikeLanes += lane.allowed == ClassMask::only(VehicleClass::Bike);
    }
  }
  EXPECT_GT(bikeSteps, 1000u);
  EXPECT_GT(bikesOnBikeLanes, bikeSteps / 4);  // the bike lanes are used
  const Summary s = world.summary(0);
  ASSERT_EQ(s.modes.size(), 2u);
  EXPECT_GT(s.modes[1].arrived, 0u);
}

TEST(Bikes, ARouteNoLaneOfWhichTheClassMayUseIsALoadError) {
  TempDir dir;
  std::string text = kBikeScenario;
  // Make every lane of the first road bike-only: the cars' route cannot start.
  text += "\n[[map.lanes]]\nroad = \"road_j_0_-1_j_0_0\"\nallow = [\"bike\"]\n";
  try {
    (void)loadScenario(dir.write("s.toml", text));
    ADD_FAILURE() << "expected a LoadError";
  } catch (const LoadError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("trip 'cars_0'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("road_j_0_-1_j_0_0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("class car"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace traffic
