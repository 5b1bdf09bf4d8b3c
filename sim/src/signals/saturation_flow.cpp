// Saturation flow from the car-following model (traffic/saturation_flow.h).
#include "traffic/saturation_flow.h"

#include <algorithm>
#include <stdexcept>

#include "traffic/car_following.h"

namespace traffic {

double idmCapacityVehPerH(const VehicleType& t, double v0Mps) {
  if (!(v0Mps > 0)) throw std::invalid_argument("idmCapacityVehPerH: desired speed must be > 0");
  // The flow v / (s_e(v) + l) rises with v while the gap grows slower than the speed and falls once
  // the IDM's free-road term takes over near v0; a grid search is exact to the grid and needs no
  // assumption about the shape (a bisection on the derivative would).
  double best = 0;
  for (double v = 0.01; v < v0Mps; v += 0.01)
    best = std::max(best, v / (idmEquilibriumGap(t, v0Mps, v) + t.lengthM));
  return best * 3600.0;
}

double laneCapacityVehPerH(const VehicleType& t, double v0Mps, double stepS) {
  if (!(v0Mps > 0)) throw std::invalid_argument("laneCapacityVehPerH: desired speed must be > 0");
  switch (t.carFollowing) {
    case CarFollowingModel::Idm:
    case CarFollowingModel::Cacc:
      return idmCapacityVehPerH(t, v0Mps);
    case CarFollowingModel::Iidm:
    case CarFollowingModel::Krauss:
      // The gap grows linearly with speed, so the flow is highest at the desired speed.
      return 3600.0 * v0Mps / (t.minGapM + v0Mps * t.headwayS + t.lengthM);
    case CarFollowingModel::Cityflow:
      return 3600.0 * v0Mps / (std::max(v0Mps * t.headwayS, t.minGapM + v0Mps * stepS) + t.lengthM);
  }
  return idmCapacityVehPerH(t, v0Mps);
}

double mixedSaturationFlowVehPerH(std::span<const TypeShare> mix, double speedLimitMps) {
  double weight = 0, headwaySum = 0;
  for (const TypeShare& m : mix) {
    if (m.type == nullptr || !(m.share > 0)) continue;
    // Vehicles of different types follow each other in the queue; each occupies the headway of its
    // own type, so headways (not flows) average.
    headwaySum += m.share * 3600.0 / laneCapacityVehPerH(*m.type, desiredSpeed(*m.type, speedLimitMps));
    weight += m.share;
  }
  if (!(weight > 0)) throw std::invalid_argument("mixedSaturationFlowVehPerH: no vehicle type with a positive share");
  return 3600.0 * weight / headwaySum;
}

}  // namespace traffic
