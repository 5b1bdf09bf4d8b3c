// The validation experiments (bench/validation/) against the theory of each car-following model:
// the cheap checks behind docs/validation.md, so that a change to the driving that moves capacity
// away from what the models promise fails here, not only in the document.
#include "validation/experiments.h"

#include <gtest/gtest.h>

#include "traffic/car_following.h"
#include "traffic/saturation_flow.h"

namespace traffic {
namespace {

// The vehicle of the CityFlow datasets' flow files.
VehicleType cityflowDatasetVehicle() {
  VehicleType t;
  t.lengthM = 5;
  t.maxSpeedMps = 11.111;
  t.accelMps2 = 2;
  t.comfortDecelMps2 = t.maxDecelMps2 = 4.5;
  t.minGapM = 2.5;
  t.headwayS = 2;
  t.carFollowing = CarFollowingModel::Cityflow;
  return t;
}

// CityFlow discharges a signalised lane of these vehicles at 1,459 veh/h (issue 10, measured with
// CityFlow on the same files); its rule's equilibrium gives v / (vT + l) = 1,470 veh/h.
TEST(Validation, CityflowVehiclesDischargeAtCityflowsRate) {
  const VehicleType t = cityflowDatasetVehicle();
  const auto r = validation::measureDischarge(t, 11.111);
  ASSERT_EQ(r.queued, 40);
  const double theory = laneCapacityVehPerH(t, 11.111);
  EXPECT_NEAR(theory, 3600 * 11.111 / (11.111 * 2 + 5), 1e-6);
  EXPECT_NEAR(r.saturationFlowVehPerH, theory, 0.03 * theory);
  EXPECT_NEAR(r.saturationFlowVehPerH, 1459, 0.03 * 1459);
}

// trafficsim's own car discharges in the textbook range of saturation flow, and its queue leader
// stands at the line and crosses it within a couple of seconds of green.
TEST(Validation, TheDefaultCarDischargesAtATextbookSaturationFlow) {
  const VehicleType t = defaultVehicleType(VehicleClass::Car);
  const auto r = validation::measureDischarge(t, 13.89);
  ASSERT_EQ(r.queued, 40);
  EXPECT_GE(r.saturationFlowVehPerH, 1800);
  EXPECT_LE(r.saturationFlowVehPerH, 1900);
  const double theory = laneCapacityVehPerH(t, desiredSpeed(t, 13.89));
  EXPECT_NEAR(r.saturationFlowVehPerH, theory, 0.1 * theory);
  EXPECT_LT(r.queueLeaderGapToLineM, 0.1);
  ASSERT_FALSE(r.crossingS.empty());
  EXPECT_LT(r.crossingS[0], 2.0);
  EXPECT_GT(r.startUpLostTimeS, 0.5);
  EXPECT_LT(r.startUpLostTimeS, 4.0);
}

// A ring road settles on the model's equilibrium: free flow below the critical density, the
// congested branch above it.
TEST(Validation, ARingRoadSettlesOnTheEquilibriumOfTheModel) {
  for (const VehicleType& t : {cityflowDatasetVehicle(), defaultVehicleType(VehicleClass::Car)}) {
    const double v0 = desiredSpeed(t, 11.111);
    for (int n : {15, 40}) {
      const auto p = validation::measureRing(t, 1000, n, 11.111, 1.0, 600, 300);
      ASSERT_TRUE(p.filled);
      const double theory = validation::equilibriumFlowVehPerH(t, v0, p.densityVehPerKm);
      EXPECT_NEAR(p.flowVehPerH, theory, 0.1 * theory + 20) << toString(t.carFollowing) << " n=" << n;
    }
    // Dense: stop-and-go waves (and the ring's junctions) keep the mean flow below the uniform
    // equilibrium, by at most a third (docs/validation.md shows the whole diagram).
    const auto p = validation::measureRing(t, 1000, 100, 11.111, 1.0, 600, 300);
    ASSERT_TRUE(p.filled);
    const double theory = validation::equilibriumFlowVehPerH(t, v0, p.densityVehPerKm);
    EXPECT_LE(p.flowVehPerH, theory * 1.1) << toString(t.carFollowing);
    EXPECT_GE(p.flowVehPerH, theory * 0.6) << toString(t.carFollowing);
  }
}

}  // namespace
}  // namespace traffic
