// Car-following: the models a vehicle type can drive with (CarFollowingModel: IDM, IIDM, Krauss,
// CACC), one entry point that dispatches on the type's model (followingAccel), a ballistic position
// update, and a kinematic safety bound.
//
// A model is a pure, thread-safe function of the type, the vehicle's speed and desired speed, the
// gap to what is ahead and its speed (and, for CACC, a cooperative leader's acceleration); Krauss'
// dawdling takes its random number as an argument, so the caller decides where randomness comes
// from and runs stay reproducible. Dispatch is a switch on a one-byte enum rather than a virtual
// call: the plan phase calls it once per vehicle and step, and a switch inlines the common case.
//
// IDM alone can ask for more braking than a vehicle has when a gap opens up late (a lane change,
// a vehicle entering from a junction). We cap deceleration at the type's maximum and, independently,
// never move a vehicle past the point where its leader was at the start of the step: positions
// only grow, so that point is a lower bound on where the leader will be, and the gap stays >= 0
// whatever the numbers. The functions are pure and thread-safe.
//
// IDM is a continuous-time model: integrated with a finite step, its acceleration near the desired
// speed overshoots it (at 1 s steps a car on a 3 m/s lane oscillated between 1.4 and 3.6 m/s, and
// a type with a = 1000 m/s^2 reached 1000 m/s). stepAccel() is the step of the integration scheme
// that every model's acceleration goes through: the step ends at or below the desired speed, and
// never brakes harder than the type's emergency deceleration (`maxDecelMps2`).
#pragma once

#include <algorithm>

#include "traffic/vehicle_type.h"

namespace traffic {

/// The speed at which a vehicle of type `t` takes a curve of radius `radiusM` at its comfortable
/// lateral acceleration: sqrt(lateralAccelMps2 * radiusM) (v^2 / R = a_lat).
double turnSpeed(const VehicleType& t, double radiusM);
/// Desired speed on a lane with `speedLimitMps`: the limit times the type's speed factor, capped
/// at its top speed. Inline: the move phase asks it for every vehicle and step.
inline double desiredSpeed(const VehicleType& t, double speedLimitMps) {
  return std::min(t.maxSpeedMps, speedLimitMps * t.speedFactor);
}

/// A gap meaning "nothing ahead".
inline constexpr double kFreeRoadGapM = 1e18;

/// What a car-following model sees in one step.
struct FollowingInput {
  double v0Mps = 0;                   ///< desired speed
  double speedMps = 0;
  double gapM = kFreeRoadGapM;        ///< bumper to bumper, to a vehicle or an obstacle
  double leaderSpeedMps = 0;
  double leaderAccelMps2 = 0;         ///< what a cooperative leader broadcasts (CACC feed-forward)
  bool leaderCooperative = false;     ///< the leader broadcasts its acceleration
  double dtS = 1;
  double random01 = 0.5;              ///< uniform in [0, 1), for Krauss' dawdling
};


/// Treiber's improved IDM (IIDM, "Traffic Flow Dynamics" 2013, ch. 11.3): the equilibrium gap is
/// exactly s0 + vT at any speed below v0, and above v0 it slows down at most at b.
double iidmAccel(const VehicleType& t, double v0Mps, double speedMps, double gapM, double leaderSpeedMps);
/// Krauss (1998) as SUMO uses it: the next speed is the least of accelerating at a, the desired
/// speed and the safe speed vsafe = -b tau + sqrt((b tau)^2 + vl^2 + 2 b (gap - s0)) (tau =
/// headwayS, b = comfortDecelMps2), reduced by dawdling sigma * a * dt * random01 but never more
/// than braking at b; returned as the acceleration that reaches it in `dtS`.
double kraussAccel(const VehicleType& t, double v0Mps, double speedMps, double gapM, double leaderSpeedMps, double dtS,
                   double random01);
/// Krauss' safe speed behind a leader at `leaderSpeedMps` with `gapM` bumper to bumper.
double kraussSafeSpeed(const VehicleType& t, double gapM, double leaderSpeedMps);
/// CACC behind a cooperative leader (Ploeg et al. 2011): a = kp e + kd de/dt + a_leader with the
/// spacing error e = gap - s0 - h v at the cooperative headway h, kp = 0.2 s^-2, kd = 0.7 s^-1;
/// never more than IDM's free-road acceleration, and never less braking than IDM at the same
/// headway asks once that exceeds b (an emergency is handled by the sensor-based fallback).
double caccAccel(const VehicleType& t, double v0Mps, double speedMps, double gapM, double leaderSpeedMps,
                 double leaderAccelMps2);
/// CityFlow's car-following rule (cityflow-project/CityFlow, Vehicle::getCarFollowSpeed and
/// getNextSpeed; reimplemented from its published source, CityFlow itself is not linked): the
/// next speed is the least of accelerating at a, the desired speed, and three bounds behind the
/// leader. (1) and (2): a speed from which, after this step, the vehicle can still stop behind
/// where the leader would stop, braking at the emergency deceleration with no gap to spare, and
/// at the comfortable deceleration with s0 to spare. (3) a time headway T on the gap alone:
/// v <= (gap + (vl + max(0, v - vl) / 2) dt - v dt / 2) / (T + dt / 2). At steady speed (3) is
/// gap = vT with no jam distance, so a lane of CityFlow vehicles discharges at
/// v / (vT + length), not at IDM's rate. The leader is assumed to brake like the vehicle itself
/// (CityFlow reads the leader's own decelerations; in CityFlow files all types share them).
double cityflowAccel(const VehicleType& t, double v0Mps, double speedMps, double gapM, double leaderSpeedMps,
                     double dtS);
/// CityFlow's no-collision speed: the speed v for the coming step of `dtS` after which, braking at
/// `decelMps2`, the vehicle stops `spareM` behind where a leader at `leaderSpeedMps` braking at
/// the same rate stops.
double cityflowNoCollisionSpeed(double decelMps2, double speedMps, double gapM, double leaderSpeedMps, double dtS,
                                double spareM);
inline constexpr double kCaccGainSpacing = 0.2;   ///< kp, 1/s^2
inline constexpr double kCaccGainSpeed = 0.7;     ///< kd, 1/s

/// IDM acceleration with a leader at bumper-to-bumper gap `gapM` driving at `leaderSpeedMps`.
double idmAccel(const VehicleType& t, double v0Mps, double speedMps, double gapM, double leaderSpeedMps);
/// IDM acceleration on a free road.
double idmFreeAccel(const VehicleType& t, double v0Mps, double speedMps);
/// IDM desired gap s*(v, dv).
double idmDesiredGap(const VehicleType& t, double speedMps, double approachRateMps);
/// Bumper-to-bumper gap at which a vehicle following an equally fast leader neither accelerates
/// nor brakes (the IDM equilibrium gap).
double idmEquilibriumGap(const VehicleType& t, double v0Mps, double speedMps);

/// The acceleration the type's car-following model chooses for one step. It is never below the
/// type's emergency deceleration; stepAccel() then bounds the step at the desired speed. Defined
/// here so that the dispatch and the input inline into the plan phase's loop.
inline double followingAccel(const VehicleType& t, const FollowingInput& in) {
  const bool free = in.gapM >= kFreeRoadGapM;
  switch (t.carFollowing) {
    case CarFollowingModel::Idm:
      break;
    case CarFollowingModel::Iidm:
      return iidmAccel(t, in.v0Mps, in.speedMps, in.gapM, in.leaderSpeedMps);
    case CarFollowingModel::Krauss:
      return kraussAccel(t, in.v0Mps, in.speedMps, in.gapM, in.leaderSpeedMps, in.dtS, in.random01);
    case CarFollowingModel::Cityflow:
      return cityflowAccel(t, in.v0Mps, in.speedMps, in.gapM, in.leaderSpeedMps, in.dtS);
    case CarFollowingModel::Cacc:
      if (!free && in.leaderCooperative)
        return caccAccel(t, in.v0Mps, in.speedMps, in.gapM, in.leaderSpeedMps, in.leaderAccelMps2);
      break;  // behind a non-cooperative leader or on a free road: IDM (ACC)
  }
  return free ? idmFreeAccel(t, in.v0Mps, in.speedMps) : idmAccel(t, in.v0Mps, in.speedMps, in.gapM, in.leaderSpeedMps);
}

// The kinematic helpers below run for every vehicle in every step: defined here so that they inline.
struct Motion {
  double speedMps;
  double advanceM;
};
/// The acceleration to apply over one step of `dtS`, given the model's `accelMps2`: the step ends
/// at or below `v0Mps` (the desired speed on the track the vehicle will be on at the end of the
/// step), and braking never exceeds the type's emergency deceleration `maxDecelMps2`. When the
/// two conflict (a vehicle more than maxDecel * dt above v0), the deceleration bound wins.
inline double stepAccel(const VehicleType& t, double v0Mps, double speedMps, double accelMps2, double dtS) {
  const double toDesired = (v0Mps - speedMps) / dtS;  // ends the step exactly at v0
  return std::max(-t.maxDecelMps2, std::min(accelMps2, toDesired));
}

/// Ballistic update over `dtS` with acceleration `accel`, stopping at zero speed rather than
/// reversing.
inline Motion integrate(double speedMps, double accelMps2, double dtS) {
  const double next = speedMps + accelMps2 * dtS;
  if (next >= 0) return {next, (speedMps + next) * 0.5 * dtS};
  // Stops within the step: travel only the braking distance.
  const double advance = accelMps2 < 0 ? speedMps * speedMps / (-2.0 * accelMps2) : 0.0;
  return {0.0, advance};
}

/// The largest acceleration whose step of `dtS` (integrate()) advances no more than `distanceM`
/// (>= 0) from `speedMps`: ending the step at a speed whose mean with the present one covers the
/// distance, or, when even stopping within the step covers more, braking to stop exactly there.
inline double accelToStayWithin(double speedMps, double distanceM, double dtS) {
  const double d = std::max(0.0, distanceM);
  const double next = 2.0 * d / dtS - speedMps;
  if (next >= 0) return (next - speedMps) / dtS;
  return d > 1e-9 ? -speedMps * speedMps / (2.0 * d) : -speedMps / dtS * 1e3;
}

/// Whether a vehicle at `speedMps` can stop within `distanceM` braking at `decelMps2`.
inline bool canStopWithin(double speedMps, double distanceM, double decelMps2) {
  return speedMps * speedMps <= 2.0 * decelMps2 * std::max(0.0, distanceM);
}

}  // namespace traffic
