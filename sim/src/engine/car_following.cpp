#include "traffic/car_following.h"

#include <algorithm>
#include <cmath>

namespace traffic {

double desiredSpeed(const VehicleType& t, double speedLimitMps) {
  return std::min(t.maxSpeedMps, speedLimitMps * t.speedFactor);
}

double idmFreeAccel(const VehicleType& t, double v0Mps, double speedMps) {
  if (v0Mps <= 0) return -t.comfortDecelMps2;
  const double ratio = speedMps / v0Mps;
  // delta = 4 is by far the common case; pow() is the slowest thing in the step otherwise.
  const double term = t.accelExponent == 4.0 ? (ratio * ratio) * (ratio * ratio) : std::pow(ratio, t.accelExponent);
  return t.accelMps2 * (1.0 - term);
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

Motion integrate(double speedMps, double accelMps2, double dtS) {
  const double next = speedMps + accelMps2 * dtS;
  if (next >= 0) return {next, (speedMps + next) * 0.5 * dtS};
  // Stops within the step: travel only the braking distance.
  const double advance = accelMps2 < 0 ? speedMps * speedMps / (-2.0 * accelMps2) : 0.0;
  return {0.0, advance};
}

bool canStopWithin(double speedMps, double distanceM, double decelMps2) {
  return speedMps * speedMps <= 2.0 * decelMps2 * std::max(0.0, distanceM);
}

}  // namespace traffic
