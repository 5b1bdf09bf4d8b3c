// Where transit and fleet vehicles halt, and which lane they need: the questions the core phases
// (plan, move, arbitrate, lane change) ask about a vehicle with service stops, behind one small
// interface so that those loops carry no branch per mode. A new kind of service vehicle answers
// the same three questions here.
//
// Built once per step from const state. It reads the asking vehicle's own record and route, which
// only that vehicle's unit writes during a phase, and the transit and fleet states, which only the
// serial stops phase writes; so it is safe to ask from any worker thread.
#pragma once

#include <cstdint>

#include "engine/network_view.h"
#include "engine/vehicles.h"
#include "mobility/mobility_state.h"

namespace traffic::engine {

class ServiceStops {
 public:
  ServiceStops(const NetworkView& view, const Vehicles& vehicles, const TransitState& transit, const FleetState& fleets)
      : m_view(view), m_vehicles(vehicles), m_transit(transit), m_fleets(fleets) {}

  /// Whether the vehicle makes service stops at all (runs a line or belongs to a fleet); the other
  /// questions answer "none" for the rest.
  [[nodiscard]] static bool serves(const Vehicle& v) { return (v.flags & (kTransit | kFleet)) != 0; }
  /// Where the vehicle will halt ahead of it on the road of `track` (its next stop), or a negative
  /// value when it has none there.
  [[nodiscard]] double haltPositionAhead(std::uint32_t vehicle, TrackId track) const {
    return serves(m_vehicles.hot[vehicle]) ? serviceHaltPositionAhead(vehicle, track) : -1.0;
  }
  /// The lane (as a track) the vehicle must be in on its current road to reach its next stop, or
  /// none when its next stop is not (or no longer) ahead on this road.
  [[nodiscard]] TrackId requiredLaneOnRoad(std::uint32_t vehicle) const {
    return serves(m_vehicles.hot[vehicle]) ? serviceLaneOnRoad(vehicle) : TrackId();
  }
  /// The lane (as a track) of the vehicle's next stop if that stop is on route road `routeIndex`,
  /// else none.
  [[nodiscard]] TrackId requiredLaneAt(std::uint32_t vehicle, std::size_t routeIndex) const {
    return serves(m_vehicles.hot[vehicle]) ? serviceLaneAt(vehicle, routeIndex) : TrackId();
  }
  /// The next stop of a transit vehicle if it will halt there, ahead of it on the road of `track`
  /// (in another lane than the stop's it halts beside the stop until it can change lanes), else
  /// null.
  [[nodiscard]] const TransitStop* transitStopAhead(std::uint32_t vehicle, TrackId track) const;

 private:
  // The answers for vehicles that do serve stops; the inline wrappers above answer "none" for
  // every other vehicle without a call, since the core loops ask for every vehicle every step.
  [[nodiscard]] double serviceHaltPositionAhead(std::uint32_t vehicle, TrackId track) const;
  [[nodiscard]] TrackId serviceLaneOnRoad(std::uint32_t vehicle) const;
  [[nodiscard]] TrackId serviceLaneAt(std::uint32_t vehicle, std::size_t routeIndex) const;

  const NetworkView& m_view;
  const Vehicles& m_vehicles;
  const TransitState& m_transit;
  const FleetState& m_fleets;
};

/// The line a run serves, and the stop it is heading for.
const TransitLine& lineOf(const NetworkView& view, const TransitRun& run);
const TransitStop& nextStopOf(const NetworkView& view, const TransitRun& run);
/// Someone to let off or on at the run's next stop, or a timing point where it may be held.
bool hasBusiness(const NetworkView& view, const TransitState& transit, const TransitRun& run);
/// Where a fleet vehicle halts on `road`: a little before its end.
double fleetStopPositionOn(const NetworkView& view, RoadId road);
/// The lane a fleet vehicle of class `cls` stops in on `road`: the kerb lane, the rightmost that
/// admits the class (none when no lane does).
LaneId fleetStopLaneOn(const NetworkView& view, RoadId road, VehicleClass cls);

}  // namespace traffic::engine
