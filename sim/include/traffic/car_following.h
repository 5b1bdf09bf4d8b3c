// Car-following: the Intelligent Driver Model (Treiber, Hennecke, Helbing 2000) with a ballistic
// position update, plus a kinematic safety bound.
//
// IDM alone can ask for more braking than a vehicle has when a gap opens up late (a lane change,
// a vehicle entering from a junction). We cap deceleration at the type's maximum and, independently,
// never move a vehicle past the point where its leader was at the start of the step: positions
// only grow, so that point is a lower bound on where the leader will be, and the gap stays >= 0
// whatever the numbers. The functions are pure and thread-safe.
#pragma once

#include "traffic/vehicle_type.h"

namespace traffic {

/// Desired speed on a lane with `speedLimitMps`.
double desiredSpeed(const VehicleType& t, double speedLimitMps);

/// IDM acceleration with a leader at bumper-to-bumper gap `gapM` driving at `leaderSpeedMps`.
double idmAccel(const VehicleType& t, double v0Mps, double speedMps, double gapM, double leaderSpeedMps);
/// IDM acceleration on a free road.
double idmFreeAccel(const VehicleType& t, double v0Mps, double speedMps);
/// IDM desired gap s*(v, dv).
double idmDesiredGap(const VehicleType& t, double speedMps, double approachRateMps);
/// Bumper-to-bumper gap at which a vehicle following an equally fast leader neither accelerates
/// nor brakes (the IDM equilibrium gap).
double idmEquilibriumGap(const VehicleType& t, double v0Mps, double speedMps);

struct Motion {
  double speedMps;
  double advanceM;
};
/// Ballistic update over `dtS` with acceleration `accel`, stopping at zero speed rather than
/// reversing.
Motion integrate(double speedMps, double accelMps2, double dtS);

/// Whether a vehicle at `speedMps` can stop within `distanceM` braking at `decelMps2`.
bool canStopWithin(double speedMps, double distanceM, double decelMps2);

}  // namespace traffic
