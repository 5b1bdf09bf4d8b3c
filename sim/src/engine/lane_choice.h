// Strategic lane choice (lane_change.cpp): which lanes of its road let a vehicle follow its route
// over the next roads, and how pressing a change toward them is. Declared apart so that tests can
// check the plan and the urgency on their own.
#pragma once

#include <span>

#include "engine/network_view.h"
#include "engine/vehicles.h"

namespace traffic::engine {

/// Strategic look-ahead: the roads of the route after the current one, up to this far past its
/// end and no more than kLookAheadRoads of them, decide which of its lanes are best.
inline constexpr double kLookAheadM = 300.0;
inline constexpr std::size_t kLookAheadRoads = 6;
/// A reach beyond the look-ahead (or to the end of the route).
inline constexpr float kReachBeyondM = 1e9f;

/// Fills `plan` for a vehicle of class `cls` on road `route[routeIndex]`: per lane, how far from
/// the road's start the vehicle can follow its route from that lane without changing lanes
/// (following the connectors onto the next road that reach furthest), kReachBeyondM when that is
/// past the look-ahead; 0 for a lane the class may not use. Also marks (LanePlan::leadsOn) the
/// lanes the class may use that lead onto the next road (every such lane on the last road), and per
/// lane the one to head for (LanePlan::towards), and the same reach per lane of the next road
/// (`nextReachM`, see NextLaneReach).
void planLanes(const NetworkView& view, std::span<const RoadId> route, std::size_t routeIndex, VehicleClass cls,
               LanePlan& plan, NextLaneReach& nextReachM);

/// The vehicle's lane plan on its current road: the cached one, or computed now and cached (the
/// cache is per vehicle; the phases that read it, lane changes per road and arbitration per
/// junction, each touch a vehicle from one place only).
inline const LanePlan& lanePlanOf(const NetworkView& view, Vehicles& vehicles, std::uint32_t id) {
  LanePlan& plan = vehicles.lanePlans[id];
  const Vehicle& v = vehicles.hot[id];
  if (plan.routeIndex != v.routeIndex)
    planLanes(view, vehicles.routes[id], v.routeIndex, view.type(v).vehicleClass, plan, vehicles.nextLaneReach[id]);
  return plan;
}

/// The distance before a lane stops leading on at which changing out of it becomes pressing:
/// kLookForwardS of driving per lane still to cross (as SUMO's LC2013), at no less than
/// kLookAheadSpeedMps.
double pressingDistanceM(int changes, double speedMps);

/// How pressing a change is, from 0 (the lane leads on for longer than pressingDistanceM) to 1
/// (it stops leading on here): grows as the distance left shrinks.
double laneChangeUrgency(double distanceLeftM, int changes, double speedMps);

/// The deceleration a lane change may impose on the vehicle changing and on its new follower
/// (each by its own type), by urgency: half the comfortable deceleration for a change that is
/// barely pressing, up to half the emergency deceleration for one that must happen now.
double acceptedDecelMps2(const VehicleType& t, double urgency);

}  // namespace traffic::engine
