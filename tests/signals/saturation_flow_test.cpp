// Saturation flow from the car-following model (issue 12: Webster assumed 1,800 veh/h/lane while
// the engine's queues discharge at about 1,500). The capacity must behave as the IDM's fundamental
// diagram does, and mixing types must average headways, not flows.
#include "traffic/saturation_flow.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "traffic/car_following.h"
#include "traffic/scenario.h"

namespace traffic {
namespace {

TEST(SaturationFlow, CapacityOfTheIdmFundamentalDiagram) {
  const VehicleType car;  // T 1 s, s0 2.5 m, length 5 m
  const double capacity = idmCapacityVehPerH(car, 13.89);
  // Below 3600 / T (what a zero jam distance and zero length would give), and in the textbook
  // range of 1,800-1,900 veh/h with these parameters (the defaults were chosen for it).
  EXPECT_LT(capacity, 3600.0 / car.headwayS);
  EXPECT_GT(capacity, 1800);
  EXPECT_LT(capacity, 1900);
  // It is the maximum of v / (s_e(v) + l): no speed does better, and some speed reaches it.
  bool reached = false;
  for (double v = 0.5; v < 13.89; v += 0.5) {
    const double flow = 3600.0 * v / (idmEquilibriumGap(car, 13.89, v) + car.lengthM);
    EXPECT_LE(flow, capacity + 1e-9) << "at " << v << " m/s";
    reached = reached || flow > capacity - 5;
  }
  EXPECT_TRUE(reached);

  // Shorter headways and shorter vehicles discharge faster.
  VehicleType quick = car;
  quick.headwayS = 0.8;
  EXPECT_GT(idmCapacityVehPerH(quick, 13.89), capacity);
  VehicleType longer = car;
  longer.lengthM = 12;
  EXPECT_LT(idmCapacityVehPerH(longer, 13.89), capacity);
  EXPECT_THROW((void)idmCapacityVehPerH(car, 0), std::invalid_argument);
}

TEST(SaturationFlow, AMixAveragesHeadwaysWeightedByShare) {
  VehicleType car;
  VehicleType bus;
  bus.lengthM = 12;
  bus.accelMps2 = 1.0;
  const double c = idmCapacityVehPerH(car, 13.89), b = idmCapacityVehPerH(bus, 13.89);
  const std::vector<TypeShare> onlyCars{{&car, 10}};
  EXPECT_DOUBLE_EQ(mixedSaturationFlowVehPerH(onlyCars, 13.89), c);
  // Three cars for every bus: mean headway (3 / c + 1 / b) / 4.
  const std::vector<TypeShare> mix{{&car, 30}, {&bus, 10}, {&bus, 0}};
  EXPECT_NEAR(mixedSaturationFlowVehPerH(mix, 13.89), 4.0 / (3.0 / c + 1.0 / b), 1e-9);
  // Each type drives at its own desired speed on the limit: a type capped at 8 m/s sees 8 m/s.
  VehicleType slow = car;
  slow.maxSpeedMps = 8;
  const std::vector<TypeShare> slowOnly{{&slow, 1}};
  EXPECT_DOUBLE_EQ(mixedSaturationFlowVehPerH(slowOnly, 13.89), idmCapacityVehPerH(slow, 8));
  const std::vector<TypeShare> none{{&car, 0}};
  EXPECT_THROW((void)mixedSaturationFlowVehPerH(none, 13.89), std::invalid_argument);
}

// The scenario loader gives Webster the saturation flow of the scenario's own vehicles, unless the
// scenario declares one.
TEST(SaturationFlow, WebsterScenariosGetTheMeasuredFlowUnlessTheyDeclareOne) {
  const std::string scenario = std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/jinan_real.toml";
  const Scenario webster = loadScenario(scenario, {"signals.policy=webster"});
  const auto it = webster.signalPolicy.params.find("saturation_flow_veh_per_h_per_lane");
  ASSERT_NE(it, webster.signalPolicy.params.end());
  // The Jinan flows' vehicles: 5 m long, 2.5 m minimum gap, 2 s headway, 11.11 m/s at most.
  const VehicleType& type = webster.vehicleTypes.at(webster.demand.trips.front().type.index());
  EXPECT_DOUBLE_EQ(type.headwayS, 2);
  // They drive CityFlow's rule, whose capacity is v / (vT + l) (laneCapacityVehPerH).
  EXPECT_EQ(type.carFollowing, CarFollowingModel::Cityflow);
  EXPECT_NEAR(it->second, laneCapacityVehPerH(type, desiredSpeed(type, 11.111)), 1e-6)
      << "every trip has this type; the limit is the common one of the approaches";
  EXPECT_NEAR(it->second, 3600 * 11.111 / (11.111 * 2 + 5), 1);

  const Scenario declared =
      loadScenario(scenario, {"signals.policy=webster", "signals.params.saturation_flow_veh_per_h_per_lane=1700"});
  EXPECT_DOUBLE_EQ(declared.signalPolicy.params.at("saturation_flow_veh_per_h_per_lane"), 1700);
  const Scenario other = loadScenario(scenario, {"signals.policy=max_pressure"});
  EXPECT_EQ(other.signalPolicy.params.count("saturation_flow_veh_per_h_per_lane"), 0u);
}

}  // namespace
}  // namespace traffic
