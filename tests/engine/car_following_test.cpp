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

TEST(CarFollowing, AStepNeverEndsAboveTheDesiredSpeedNorBrakesBeyondTheMaximum) {
  const VehicleType t = car();
  // At 1 s steps IDM's free acceleration overshoots a low desired speed; the step does not.
  for (double dt : {0.1, 0.5, 1.0, 2.0})
    for (double v0 : {1.0, 3.0, 13.9, 20.0})
      for (double v = 0; v <= v0; v += 0.25) {
        const double a = stepAccel(t, v0, v, idmFreeAccel(t, v0, v), dt);
        EXPECT_LE(integrate(v, a, dt).speedMps, v0 + 1e-12) << "v0=" << v0 << " v=" << v << " dt=" << dt;
        EXPECT_GE(a, -t.maxDecelMps2);
      }
  // Above the desired speed it slows down to it, but never harder than the emergency deceleration.
  EXPECT_DOUBLE_EQ(stepAccel(t, 20.0, 25.0, 0.0, 1.0), -5.0);
  EXPECT_DOUBLE_EQ(stepAccel(t, 20.0, 30.0, 0.0, 1.0), -t.maxDecelMps2);
  EXPECT_DOUBLE_EQ(stepAccel(t, 20.0, 10.0, -100.0, 1.0), -t.maxDecelMps2);
  // A huge maximum acceleration (the 1000 m/s^2 probe) still ends the step at the desired speed.
  VehicleType rocket = t;
  rocket.accelMps2 = 1000;
  const double a = stepAccel(rocket, 13.9, 0.0, idmFreeAccel(rocket, 13.9, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(integrate(0.0, a, 1.0).speedMps, 13.9);
  // Far above the desired speed the free term alone asks for no more than the vehicle has.
  EXPECT_GE(idmFreeAccel(rocket, 13.9, 20.0), -rocket.maxDecelMps2);
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

const CarFollowingModel kModels[] = {CarFollowingModel::Idm, CarFollowingModel::Iidm, CarFollowingModel::Krauss,
                                     CarFollowingModel::Cacc, CarFollowingModel::Cityflow};

VehicleType withModel(CarFollowingModel m) {
  VehicleType t = car();
  t.carFollowing = m;
  t.cooperative = m == CarFollowingModel::Cacc;
  return t;
}

TEST(CarFollowingModels, NoModelBrakesBeyondTheMaximumNorEndsAStepAboveTheDesiredSpeed) {
  for (CarFollowingModel m : kModels) {
    const VehicleType t = withModel(m);
    for (double dt : {0.5, 1.0})
      for (double v0 : {3.0, 11.1, 20.0})
        for (double v = 0; v <= 25; v += 1)
          for (double gap : {0.0, 0.5, 3.0, 10.0, 40.0, kFreeRoadGapM})
            for (double u = 0; u <= 20; u += 5)
              for (double r : {0.0, 0.5, 0.99}) {
                FollowingInput in{.v0Mps = v0, .speedMps = v, .gapM = gap, .leaderSpeedMps = u,
                                  .leaderAccelMps2 = -t.maxDecelMps2, .leaderCooperative = true, .dtS = dt, .random01 = r};
                const double a = followingAccel(t, in);
                ASSERT_GE(a, -t.maxDecelMps2) << toString(m) << " v=" << v << " gap=" << gap << " u=" << u;
                const double step = stepAccel(t, v0, v, a, dt);
                ASSERT_GE(step, -t.maxDecelMps2);
                if (v <= v0) {
                  ASSERT_LE(integrate(v, step, dt).speedMps, v0 + 1e-12) << toString(m) << " v=" << v;
                }
              }
  }
}

TEST(CarFollowingModels, EveryModelReachesTheDesiredSpeedOnAFreeRoadWithoutOvershoot) {
  for (CarFollowingModel m : kModels) {
    VehicleType t = withModel(m);
    t.kraussSigma = 0;
    double v = 0;
    for (int i = 0; i < 120; ++i) {
      const double a = stepAccel(t, 15.0, v, followingAccel(t, {.v0Mps = 15.0, .speedMps = v, .dtS = 1.0}), 1.0);
      v = integrate(v, a, 1.0).speedMps;
      ASSERT_LE(v, 15.0 + 1e-12) << toString(m);
    }
    EXPECT_NEAR(v, 15.0, 0.3) << toString(m);
  }
}

TEST(CarFollowingModels, IidmKeepsExactlyTheDesiredGapAndSlowsGentlyAboveTheDesiredSpeed) {
  const VehicleType t = withModel(CarFollowingModel::Iidm);
  for (double v = 1; v < 14; v += 1.0) {
    const double gap = t.minGapM + v * t.headwayS;  // IDM's would be larger, by 1 / sqrt(1 - (v/v0)^4)
    EXPECT_NEAR(iidmAccel(t, 15.0, v, gap, v), 0.0, 1e-9) << "v=" << v;
    EXPECT_LT(iidmAccel(t, 15.0, v, gap * 0.8, v), 0.0);
    EXPECT_GT(iidmAccel(t, 15.0, v, gap * 1.2, v), 0.0);
  }
  // A speed-limit drop from 16.7 to 11.1 m/s: plain IDM with a = 2 asks for about -8 m/s^2, IIDM for
  // no more than b.
  EXPECT_LT(idmFreeAccel(t, 11.1, 16.7), -7.5);
  const double iidm = iidmAccel(t, 11.1, 16.7, kFreeRoadGapM, 0);
  EXPECT_LT(iidm, 0.0);
  EXPECT_GE(iidm, -t.comfortDecelMps2);
}

TEST(CarFollowingModels, KraussFollowsSumosSafeSpeedAndDawdlesBySigma) {
  VehicleType t = withModel(CarFollowingModel::Krauss);
  t.kraussSigma = 0;
  // From the safe speed it can stop behind a leader braking at b within the gap (reaction tau).
  for (double u = 0; u <= 15; u += 3)
    for (double gap = 3; gap <= 60; gap += 7) {
      const double vs = kraussSafeSpeed(t, gap, u);
      const double need = vs * t.headwayS + vs * vs / (2 * t.comfortDecelMps2);
      EXPECT_NEAR(need, gap - t.minGapM + u * u / (2 * t.comfortDecelMps2), 1e-9) << "u=" << u << " gap=" << gap;
    }
  // Without dawdling: accelerate at a when far, take the safe speed when close.
  EXPECT_DOUBLE_EQ(kraussAccel(t, 20, 10, 500, 10, 1.0, 0.5), t.accelMps2);
  EXPECT_NEAR(10 + kraussAccel(t, 20, 10, 12, 5, 1.0, 0.5), kraussSafeSpeed(t, 12, 5), 1e-12);
  // Dawdling removes up to sigma * a * dt, in proportion to the draw.
  t.kraussSigma = 0.5;
  EXPECT_DOUBLE_EQ(kraussAccel(t, 20, 10, kFreeRoadGapM, 0, 1.0, 0.0), t.accelMps2);
  EXPECT_DOUBLE_EQ(kraussAccel(t, 20, 10, kFreeRoadGapM, 0, 1.0, 1.0), t.accelMps2 * (1 - 0.5));
}

// CityFlow's rule with the parameters of its datasets (headwayTime 2 s, minGap 2.5 m, usualNegAcc
// = maxNegAcc = 4.5 m/s^2, 1 s steps): at a steady speed v behind an equally fast leader the time
// headway bound holds exactly at gap = v T, with no jam distance; that is what makes a CityFlow lane
// discharge at v / (v T + length).
TEST(CarFollowingModels, CityflowKeepsATimeHeadwayOnTheGapAlone) {
  VehicleType t = withModel(CarFollowingModel::Cityflow);
  t.headwayS = 2;
  t.minGapM = 2.5;
  t.accelMps2 = 2;
  t.comfortDecelMps2 = t.maxDecelMps2 = 4.5;
  for (double v = 3; v <= 11; v += 2) {
    // The headway bound alone: at gap vT the speed stays, a little closer it brakes.
    EXPECT_NEAR(v + cityflowAccel(t, 30, v, v * t.headwayS, v, 1.0), v, 1e-9) << "v=" << v;
    EXPECT_LT(cityflowAccel(t, 30, v, v * t.headwayS - 1, v, 1.0), 0.0) << "v=" << v;
  }
  // Behind a standing obstacle s0 beyond a stop line, with the step bounded at the line as the plan
  // phase bounds it, it comes to rest with the front at the line.
  double x = 0, v = 11.1;
  const double lineM = 80;
  for (int step = 0; step < 60; ++step) {
    const double model = cityflowAccel(t, 11.1, v, lineM + t.minGapM - x, 0, 1.0);
    const double a = stepAccel(t, 11.1, v, std::min(model, accelToStayWithin(v, lineM - x, 1.0)), 1.0);
    const Motion m = integrate(v, a, 1.0);
    x += m.advanceM;
    v = m.speedMps;
    ASSERT_LE(x, lineM + 1e-9);
  }
  EXPECT_NEAR(x, lineM, 0.5);
  EXPECT_LT(v, 0.1);
  // From a free road it accelerates at a up to the desired speed.
  EXPECT_DOUBLE_EQ(cityflowAccel(t, 11.1, 5, kFreeRoadGapM, 0, 1.0), t.accelMps2);
  EXPECT_DOUBLE_EQ(5 + cityflowAccel(t, 6, 5, kFreeRoadGapM, 0, 1.0), 6.0);
}

TEST(CarFollowingModels, CaccFeedsTheLeadersAccelerationForwardAndFallsBackToIdm) {
  const VehicleType t = withModel(CarFollowingModel::Cacc);
  const double v = 12, gap = t.minGapM + t.cooperativeHeadwayS * v;  // at the cooperative spacing
  // A cooperative leader braking at 2 m/s^2 at the same speed: the follower brakes with it at once,
  // while IDM at the same gap and speeds reacts only once the gap closes.
  const FollowingInput coop{.v0Mps = 20, .speedMps = v, .gapM = gap, .leaderSpeedMps = v, .leaderAccelMps2 = -2,
                            .leaderCooperative = true, .dtS = 1};
  EXPECT_NEAR(followingAccel(t, coop), -2.0, 1e-9);
  // At the cooperative spacing and equal speeds with a steady leader it neither brakes nor accelerates.
  FollowingInput steady = coop;
  steady.leaderAccelMps2 = 0;
  EXPECT_NEAR(followingAccel(t, steady), 0.0, 1e-9);
  // Behind a leader that does not broadcast: IDM with the type's own headway.
  FollowingInput plain = coop;
  plain.leaderCooperative = false;
  EXPECT_DOUBLE_EQ(followingAccel(t, plain), idmAccel(t, 20, v, gap, v));
}

// A platoon behind a cooperative leader that brakes to a stop at b and broadcasts it: the CACC
// follower never touches it (no help from the move phase's bound here).
TEST(CarFollowingModels, ACaccFollowerStopsBehindABrakingCooperativeLeader) {
  const VehicleType t = withModel(CarFollowingModel::Cacc);
  const double dt = 0.5;
  for (double v = 2; v <= 16; v += 2) {
    double xf = 0, f = v, l = v, xl = t.minGapM + t.cooperativeHeadwayS * v + t.lengthM;
    for (int step = 0; step < 200; ++step) {
      const double la = l > 0 ? -t.comfortDecelMps2 : 0.0;
      const double a = followingAccel(t, {.v0Mps = 20, .speedMps = f, .gapM = xl - t.lengthM - xf, .leaderSpeedMps = l,
                                          .leaderAccelMps2 = la, .leaderCooperative = true, .dtS = dt});
      const Motion ml = integrate(l, la, dt);
      const Motion mf = integrate(f, stepAccel(t, 20, f, a, dt), dt);
      xl += ml.advanceM;
      l = ml.speedMps;
      xf += mf.advanceM;
      f = mf.speedMps;
      ASSERT_GE(xl - t.lengthM - xf, 0.0) << "v=" << v << " step=" << step;
    }
    EXPECT_NEAR(f, 0.0, 1e-3);
  }
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
