// Saturation flow implied by the car-following model: how many vehicles per hour a lane discharges
// from a standing queue once the light turns green, derived from the vehicle types instead of the
// textbook 1,800 veh/h/lane.
//
// Why: signal plans computed with a saturation flow the simulated drivers cannot reach (Webster's
// method with 1,800 veh/h against an engine whose queues discharge at about 1,500) come out with
// cycles too short for the demand. For IDM the discharge flow of a long queue tends to the capacity
// of the model's fundamental diagram, max over v of v / (s_e(v) + length), with s_e the equilibrium
// gap at speed v; tests/engine/world_test.cpp checks the engine against that figure within 10%.
// Pure functions of their arguments; thread-safe.
#pragma once

#include <span>

#include "traffic/vehicle_type.h"

namespace traffic {

/// Capacity of one lane for vehicles of type `t` with desired speed `v0Mps` (> 0), in vehicles per
/// hour: the maximum over speeds of v / (equilibrium gap + length), searched on a 0.01 m/s grid.
double idmCapacityVehPerH(const VehicleType& t, double v0Mps);

/// Capacity of one lane for vehicles of type `t` under its own car-following model, with desired
/// speed `v0Mps` (> 0) and a step of `stepS`, in vehicles per hour: the maximum over speeds of
/// v / (s_e(v) + length) with the model's equilibrium gap s_e: IDM's (CACC's too, which is IDM
/// behind anyone not cooperative); s0 + vT for IIDM and for Krauss without dawdling (tau = T);
/// max(vT, s0 + v dt) for CityFlow's rule (its headway bound keeps gap = vT; its no-collision bound
/// with s0 to spare needs s0 + v dt). Krauss' dawdling lowers the measured figure below this.
double laneCapacityVehPerH(const VehicleType& t, double v0Mps, double stepS = 1.0);

/// One vehicle type's share of a mixed stream.
struct TypeShare {
  const VehicleType* type = nullptr;
  double share = 0;  ///< any non-negative weight (e.g. number of trips)
};

/// Saturation flow of a lane carrying the given mix at speed limit `speedLimitMps`: the reciprocal
/// of the share-weighted mean discharge headway (1 / laneCapacityVehPerH) of the types, each at its
/// own desired speed on that limit. Throws std::invalid_argument for an empty mix or no positive
/// share.
double mixedSaturationFlowVehPerH(std::span<const TypeShare> mix, double speedLimitMps);

}  // namespace traffic
