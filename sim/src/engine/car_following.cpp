#include "traffic/car_following.h"

#include <algorithm>
#include <cmath>

namespace traffic {

double turnSpeed(const VehicleType& t, double radiusM) { return std::sqrt(t.lateralAccelMps2 * std::max(radiusM, 0.0)); }

double idmFreeAccel(const VehicleType& t, double v0Mps, double speedMps) {
  if (v0Mps <= 0) return -t.comfortDecelMps2;
  const double ratio = speedMps / v0Mps;
  // delta = 4 is by far the common case; pow() is the slowest thing in the step otherwise.
  const double term = t.accelExponent == 4.0 ? (ratio * ratio) * (ratio * ratio) : std::pow(ratio, t.accelExponent);
  // Far above the desired speed (a = 1000 m/s^2, or a much lower limit ahead) the free term alone
  // would ask for more braking than the vehicle has.
  return std::max(-t.maxDecelMps2, t.accelMps2 * (1.0 - term));
}

double idmDesiredGap(const VehicleType& t, double speedMps, double approachRateMps) {
  const double dynamic = speedMps * t.headwayS +
                         speedMps * approachRateMps / (2.0 * std::sqrt(t.accelMps2 * t.comfortDecelMps2));
  return t.minGapM + std::max(0.0, dynamic);
}

double idmAccel(const VehicleType& t, double v0Mps, double speedMps, double gapM, double leaderSpeedMps) {
  const double free = idmFreeAccel(t, v0Mps, speedMps);
  // A gap at or below zero means contact; brake as hard as the vehicle can.
  if (gapM <= 1e-3) return -t.maxDecelMps2;
  const double sStar = idmDesiredGap(t, speedMps, speedMps - leaderSpeedMps);
  const double ratio = sStar / gapM;
  return std::max(-t.maxDecelMps2, free - t.accelMps2 * ratio * ratio);
}

double idmEquilibriumGap(const VehicleType& t, double v0Mps, double speedMps) {
  // Solve a (1 - (v/v0)^delta - (s*/s)^2) = 0 with s* = s0 + vT.
  const double free = 1.0 - std::pow(speedMps / v0Mps, t.accelExponent);
  if (free <= 0) return INFINITY;
  return (t.minGapM + speedMps * t.headwayS) / std::sqrt(free);
}

double iidmAccel(const VehicleType& t, double v0Mps, double speedMps, double gapM, double leaderSpeedMps) {
  if (v0Mps <= 0) return -t.comfortDecelMps2;
  const double a = t.accelMps2;
  const double b = t.comfortDecelMps2;
  // The free-road term: IDM's below v0; above it a gentle approach that never exceeds b.
  double free;
  if (speedMps <= v0Mps) {
    const double ratio = speedMps / v0Mps;
    free = a * (1.0 - (t.accelExponent == 4.0 ? (ratio * ratio) * (ratio * ratio) : std::pow(ratio, t.accelExponent)));
  } else {
    free = -b * (1.0 - std::pow(v0Mps / speedMps, a * t.accelExponent / b));
  }
  if (gapM >= kFreeRoadGapM) return std::max(-t.maxDecelMps2, free);
  if (gapM <= 1e-3) return -t.maxDecelMps2;
  const double z = idmDesiredGap(t, speedMps, speedMps - leaderSpeedMps) / gapM;
  double acc;
  if (speedMps <= v0Mps) {
    if (z >= 1.0) acc = a * (1.0 - z * z);
    else acc = free > 1e-12 ? free * (1.0 - std::pow(z, 2.0 * a / free)) : 0.0;
  } else {
    acc = z >= 1.0 ? free + a * (1.0 - z * z) : free;
  }
  return std::max(-t.maxDecelMps2, acc);
}

double kraussSafeSpeed(const VehicleType& t, double gapM, double leaderSpeedMps) {
  const double bTau = t.comfortDecelMps2 * t.headwayS;
  const double gap = std::max(0.0, gapM - t.minGapM);
  return -bTau + std::sqrt(bTau * bTau + leaderSpeedMps * leaderSpeedMps + 2.0 * t.comfortDecelMps2 * gap);
}

double kraussAccel(const VehicleType& t, double v0Mps, double speedMps, double gapM, double leaderSpeedMps, double dtS,
                   double random01) {
  double next = std::min(speedMps + t.accelMps2 * dtS, v0Mps);
  if (gapM < kFreeRoadGapM) next = std::min(next, kraussSafeSpeed(t, gapM, leaderSpeedMps));
  // Dawdling (sigma) slows a driver by a random share of one step's acceleration, but never below
  // what braking at b would leave (SUMO's minimum next speed); the safe speed may ask for more.
  const double dawdled = std::max(0.0, next - t.kraussSigma * t.accelMps2 * dtS * random01);
  next = std::min(next, std::max(dawdled, speedMps - t.comfortDecelMps2 * dtS));
  return std::max(-t.maxDecelMps2, (next - speedMps) / dtS);
}

double caccAccel(const VehicleType& t, double v0Mps, double speedMps, double gapM, double leaderSpeedMps,
                 double leaderAccelMps2) {
  const double spacingError = gapM - t.minGapM - t.cooperativeHeadwayS * speedMps;
  double acc = kCaccGainSpacing * spacingError + kCaccGainSpeed * (leaderSpeedMps - speedMps) + leaderAccelMps2;
  acc = std::min({acc, t.accelMps2, idmFreeAccel(t, v0Mps, speedMps)});
  // A situation the controller was not designed for (a gap far below the headway, a leader braking
  // hard and not broadcasting it in time): IDM at the same headway takes over when it brakes harder.
  VehicleType atHeadway = t;
  atHeadway.headwayS = t.cooperativeHeadwayS;
  const double idm = idmAccel(atHeadway, v0Mps, speedMps, gapM, leaderSpeedMps);
  if (idm < -t.comfortDecelMps2) acc = std::min(acc, idm);
  return std::max(-t.maxDecelMps2, acc);
}

double cityflowNoCollisionSpeed(double decelMps2, double speedMps, double gapM, double leaderSpeedMps, double dtS,
                                double spareM) {
  // Moving at the mean of v and the present speed over the step, then braking at d:
  //   v dt / 2 + v^2 / (2 d) <= gap - spare + vl^2 / (2 d) - speed dt / 2,
  // the positive root in v. With no room at all, a full stop is asked for (CityFlow returns -100,
  // which its caller's bound at maxNegAcc then limits).
  const double room = gapM - spareM + leaderSpeedMps * leaderSpeedMps / (2.0 * decelMps2) - speedMps * dtS / 2.0;
  const double half = dtS / 2.0;
  const double disc = half * half + 2.0 * room / decelMps2;
  if (disc < 0) return 0.0;
  const double stopBehind = decelMps2 * (std::sqrt(disc) - half);
  // And over this one step: the advance counted as v dt / 2 stays within the gap (less the spare)
  // plus what the leader covers braking at d for the whole step.
  const double withinStep = 2.0 * leaderSpeedMps - decelMps2 * dtS + 2.0 * (gapM - spareM) / dtS;
  return std::min(stopBehind, withinStep);
}

namespace {

// `next` bounded by cityflowNoCollisionSpeed: the same value, without the square root when the
// stopping bound is clearly above `next`. The bound is the positive root v of
// v dt / 2 + v^2 / (2 d) = room, so it is at least `next` when next dt / 2 + next^2 / (2 d) <= room;
// the 1e-6 m margin (a speed margin above 2e-8 m/s) is far beyond the rounding of either way of
// computing it, so the result is the one the root gives, to the bit. Most vehicles of the CityFlow
// datasets follow with room to spare, and the root was a third of the model's cost.
double cityflowBounded(double next, double decelMps2, double speedMps, double gapM, double leaderSpeedMps, double dtS,
                       double spareM) {
  const double room = gapM - spareM + leaderSpeedMps * leaderSpeedMps / (2.0 * decelMps2) - speedMps * dtS / 2.0;
  if (next * (dtS / 2.0 + next / (2.0 * decelMps2)) + 1e-6 <= room) {
    const double withinStep = 2.0 * leaderSpeedMps - decelMps2 * dtS + 2.0 * (gapM - spareM) / dtS;
    return std::min(next, withinStep);
  }
  return std::min(next, cityflowNoCollisionSpeed(decelMps2, speedMps, gapM, leaderSpeedMps, dtS, spareM));
}

}  // namespace

double cityflowAccel(const VehicleType& t, double v0Mps, double speedMps, double gapM, double leaderSpeedMps,
                     double dtS) {
  double next = std::min(speedMps + t.accelMps2 * dtS, v0Mps);
  if (gapM < kFreeRoadGapM) {
    next = cityflowBounded(next, t.maxDecelMps2, speedMps, gapM, leaderSpeedMps, dtS, 0.0);
    next = cityflowBounded(next, t.comfortDecelMps2, speedMps, gapM, leaderSpeedMps, dtS, t.minGapM);
    const double closing = std::max(0.0, speedMps - leaderSpeedMps);
    next = std::min(next, (gapM + (leaderSpeedMps + closing / 2.0) * dtS - speedMps * dtS / 2.0) / (t.headwayS + dtS / 2.0));
  }
  next = std::max(next, 0.0);
  return std::max(-t.maxDecelMps2, (next - speedMps) / dtS);
}

}  // namespace traffic
