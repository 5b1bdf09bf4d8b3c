// Validation experiments: small networks built for one question each, run through the engine and
// measured the way a traffic engineer would measure the real thing, next to what the car-following
// model's theory says they should give.
//
//   discharge   one signalised lane, a standing queue released by a green: saturation headway and
//               flow (HCM method: headways from the fifth vehicle on), start-up lost time, when the
//               first vehicle crosses the line.
//   ring        a single-lane ring road with N vehicles and nothing else: after a warm-up, the
//               density, flow and speed the model settles at (a point of its fundamental diagram).
//
// traffic_validation (validation_main.cpp) runs them and writes the tables and SVG figures of
// docs/validation.md; tests/bench/validation_test.cpp runs the cheap ones against the theory.
// Each experiment is a pure function of its arguments (one thread, fixed seed): the same inputs
// give the same figures.
#pragma once

#include <vector>

#include "traffic/vehicle_type.h"

namespace traffic::validation {

struct DischargeResult {
  int queued = 0;                       ///< vehicles standing in the queue when the light turned green
  std::vector<double> crossingS;        ///< when each crossed the stop line, from the start of green
  double saturationHeadwayS = 0;        ///< mean headway from the fifth vehicle on
  double saturationFlowVehPerH = 0;     ///< 3600 / saturationHeadwayS
  double startUpLostTimeS = 0;          ///< sum over the first four vehicles of (headway - saturation headway)
  double queueLeaderGapToLineM = 0;     ///< how far the first vehicle stood from the line at green
};

/// A queue of `queued` vehicles of type `t` standing at a red light on a single lane with speed limit
/// `speedLimitMps`, then a long green; crossings are timed to a fraction of a step by interpolating
/// the positions before and after the step in which each vehicle crossed.
DischargeResult measureDischarge(const VehicleType& t, double speedLimitMps, double stepS = 1.0, int queued = 40);

struct RingPoint {
  int vehicles = 0;
  double densityVehPerKm = 0;
  double flowVehPerH = 0;   ///< density times space-mean speed
  double speedMps = 0;      ///< space-mean speed over the measuring period
  bool filled = false;      ///< every vehicle got onto the ring in time and the measurement ran
};

/// `vehicles` vehicles of type `t` on a single-lane ring road of `ringM` metres (speed limit
/// `speedLimitMps`), inserted at four points as room allows (for at most twice `warmupS`), then
/// `warmupS` of settling and `measureS` of measuring.
RingPoint measureRing(const VehicleType& t, double ringM, int vehicles, double speedLimitMps, double stepS = 1.0,
                      double warmupS = 900, double measureS = 600);

/// The model's equilibrium (homogeneous, steady) flow at `densityVehPerKm`, in veh/h: the speed v
/// at which the model's equilibrium gap equals 1000 / density - length, times the density.
double equilibriumFlowVehPerH(const VehicleType& t, double v0Mps, double densityVehPerKm, double stepS = 1.0);
/// The model's equilibrium gap at speed `v` (m, bumper to bumper); infinite where the model never
/// settles at that speed (IDM at v0).
double equilibriumGapM(const VehicleType& t, double v0Mps, double speedMps, double stepS = 1.0);

}  // namespace traffic::validation
