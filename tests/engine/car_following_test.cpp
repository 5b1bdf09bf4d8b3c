#include "traffic/car_following.h"

#include <gtest/gtest.h>

#include "common/test_networks.h"

namespace traffic {
namespace {

VehicleType car() { return testing::standardCar(); }

TEST(CarFollowing, FreeRoadStartsAtMaxAccelerationAndStopsAtDesiredSpeed) {
  const VehicleType t = car();
  EXPECT_DOUBLE_EQ(idmFreeAccel(t, 15.0, 0.0), t.accelMps2);
  EXPECT_NEAR(idmFreeAccel(t, 15.0, 15.0), 0.0, 1e-12);
  EXPECT_LT(idmFreeAccel(t, 15.0, 16.0), 0.0);  // above the limit it slows down
}

TEST(CarFollowing, FreeRoadSpeedConvergesToDesiredSpeedWithoutOvershoot) {
  const VehicleType t = car();
  double v = 0;
  for (int i = 0; i < 200; ++i) {
    v = integrate(v, idmFreeAccel(t, 15.0, v), 0.5).speedMps;
    ASSERT_LE(v, 15.0 + 1e-9);
  }
  EXPECT_NEAR(v, 15.0, 0.2);
}

TEST(CarFollowing, EquilibriumGapGivesZeroAcceleration) {
  const VehicleType t = car();
  for (double v = 1; v < 14; v += 1.0) {
    const double gap = idmEquilibriumGap(t, 15.0, v);
    EXPECT_NEAR(idmAccel(t, 15.0, v, gap, v), 0.0, 1e-9) << "v=" << v;
    // Closer than equilibrium brakes, further accelerates.
    EXPECT_LT(idmAccel(t, 15.0, v, gap * 0.8, v), 0.0);
    EXPECT_GT(idmAccel(t, 15.0, v, gap * 1.2, v), 0.0);
  }
}

TEST(CarFollowing, BrakingIsBoundedByTheVehicleMaximum) {
  const VehicleType t = car();
  for (double v = 0; v <= 20; v += 1)
    for (double gap = 0; gap <= 40; gap += 0.5)
      for (double u = 0; u <= 20; u += 2) EXPECT_GE(idmAccel(t, 20.0, v, gap, u), -t.maxDecelMps2);
}

// Sweep follower speed, leader speed and initial gap: when the leader brakes as hard as it can to
// a stop, an IDM follower never runs into it, provided the gap was physically enough to avoid a
// crash at all (the follower's stopping distance plus one step of reaction fits within the gap
// and the leader's own stopping distance).
TEST(CarFollowing, EmergencyBrakingOfTheLeaderNeverCausesAnOverlap) {
  const VehicleType t = car();
  const double dt = 0.5;
  int cases = 0;
  for (double vf = 0; vf <= 20; vf += 1) {
    for (double vl = 0; vl <= 20; vl += 1) {
      for (double gap0 = 0.5; gap0 <= 80; gap0 += 1.5) {
        const double need = vf * vf / (2 * t.maxDecelMps2) - vl * vl / (2 * t.maxDecelMps2) + vf * dt;
        if (gap0 < need) continue;
        ++cases;
        double xf = 0, xl = gap0 + t.lengthM, f = vf, l = vl;
        for (int step = 0; step < 100; ++step) {
          const double gap = xl - t.lengthM - xf;
          const double a = idmAccel(t, 20.0, f, gap, l);
          const Motion ml = integrate(l, -t.maxDecelMps2, dt);
          const Motion mf = integrate(f, a, dt);
          xl += ml.advanceM;
          l = ml.speedMps;
          xf += mf.advanceM;
          f = mf.speedMps;
          ASSERT_GE(xl - t.lengthM - xf, 0.0) << "vf=" << vf << " vl=" << vl << " gap0=" << gap0 << " step=" << step;
        }
      }
    }
  }
  EXPECT_GT(cases, 5000);
}

TEST(CarFollowing, IntegrateStopsAtZeroRatherThanReversing) {
  const Motion m = integrate(2.0, -9.0, 1.0);
  EXPECT_DOUBLE_EQ(m.speedMps, 0.0);
  EXPECT_NEAR(m.advanceM, 4.0 / 18.0, 1e-12);
  const Motion n = integrate(10.0, 2.0, 1.0);
  EXPECT_DOUBLE_EQ(n.speedMps, 12.0);
  EXPECT_DOUBLE_EQ(n.advanceM, 11.0);
}

TEST(CarFollowing, CanStopWithinMatchesTheBrakingDistance) {
  EXPECT_TRUE(canStopWithin(10.0, 10.0 * 10.0 / (2 * 4.0) + 0.01, 4.0));
  EXPECT_FALSE(canStopWithin(10.0, 10.0 * 10.0 / (2 * 4.0) - 0.01, 4.0));
  EXPECT_TRUE(canStopWithin(0.0, 0.0, 4.0));
}

}  // namespace
}  // namespace traffic
