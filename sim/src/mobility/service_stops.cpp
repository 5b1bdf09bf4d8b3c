#include "mobility/service_stops.h"

#include <algorithm>

namespace traffic::engine {

namespace {

// Fleet stops are made near the end of the stop's road, where a vehicle pulling over leaves the
// junction's queue room and needs no lane of its own.
constexpr double kStopBeforeEndM = 20.0;

}  // namespace

const TransitLine& lineOf(const NetworkView& view, const TransitRun& run) { return view.scenario->transit.lines[run.line]; }

const TransitStop& nextStopOf(const NetworkView& view, const TransitRun& run) {
  return view.scenario->transit.stops[lineOf(view, run).stops[run.nextStop]];
}

bool hasBusiness(const NetworkView& view, const TransitState& transit, const TransitRun& run) {
  const TransitLine& line = lineOf(view, run);
  if (line.holding != Holding::None && line.timingPoint[run.nextStop]) return true;  // may have to wait there
  const auto& passengers = view.scenario->transit.passengers;
  for (std::uint32_t p : run.onboard)
    if (passengers[p].toStop <= run.nextStop) return true;
  const bool room = run.onboard.size() < line.capacity;
  return room && !transit.waiting[transit.lineStopBase[run.line] + run.nextStop].empty();
}

double fleetStopPositionOn(const NetworkView& view, RoadId road) {
  return std::max(0.0, view.net->road(road).lengthM - kStopBeforeEndM);
}

LaneId fleetStopLaneOn(const NetworkView& view, RoadId road, VehicleClass cls) {
  const auto& lanes = view.net->road(road).lanes;
  for (auto l = lanes.rbegin(); l != lanes.rend(); ++l)
    if (view.net->lane(*l).allowed.allows(cls)) return *l;
  return {};
}

const TransitStop* ServiceStops::transitStopAhead(std::uint32_t vehicle, TrackId track) const {
  const Vehicle& v = m_vehicles.hot[vehicle];
  if (!(v.flags & kTransit)) return nullptr;
  const TransitRun& run = m_transit.runs[m_transit.runOfVehicle[vehicle]];
  const TransitLine& line = lineOf(m_view, run);
  if (run.nextStop >= line.stops.size()) return nullptr;
  const TransitStop& stop = nextStopOf(m_view, run);
  if (v.flags & kDwelling) return &stop;
  // On the stop's road in another lane it halts beside the stop, to change lanes there.
  if (!m_view.isLaneTrack(track) || v.routeIndex != line.stopRoute[run.nextStop] ||
      m_view.net->lane(m_view.tracks[track].lane).road != m_view.net->lane(stop.lane).road)
    return nullptr;
  if (v.posM > stop.positionM + kStopToleranceM) return nullptr;
  if (line.skipEmptyStops && !hasBusiness(m_view, m_transit, run)) return nullptr;
  return &stop;
}

double ServiceStops::serviceHaltPositionAhead(std::uint32_t vehicle, TrackId track) const {
  const Vehicle& v = m_vehicles.hot[vehicle];
  if (v.flags & kTransit) {
    const TransitStop* stop = transitStopAhead(vehicle, track);
    return stop ? stop->positionM : -1.0;
  }
  if (!(v.flags & kFleet) || !m_view.isLaneTrack(track)) return -1.0;
  const FleetVehicle& fv = m_fleets.fleetVehicles[m_fleets.fleetOfVehicle[vehicle]];
  if (v.flags & kDwelling) return v.posM;
  // Idle: pull over where it is. Otherwise at the stop on the last road of its route.
  if (fv.plan.empty()) return v.posM;
  const RoadId road = m_view.roadOfLane(track);
  if (!(road == fv.plan.front().road) || v.routeIndex + 1u != m_vehicles.routes[vehicle].size()) return -1.0;
  const double stopM = fleetStopPositionOn(m_view, road);
  return v.posM <= stopM + kStopToleranceM ? stopM : -1.0;
}

TrackId ServiceStops::serviceLaneAt(std::uint32_t vehicle, std::size_t routeIndex) const {
  const Vehicle& v = m_vehicles.hot[vehicle];
  if (v.flags & kFleet) {
    // A fleet vehicle's route ends on the road of its next stop, which it makes at the kerb.
    const FleetVehicle& fv = m_fleets.fleetVehicles[m_fleets.fleetOfVehicle[vehicle]];
    const auto route = m_vehicles.routes[vehicle];
    if (fv.plan.empty() || routeIndex + 1 != route.size() || !(route[routeIndex] == fv.plan.front().road)) return {};
    const LaneId kerb = fleetStopLaneOn(m_view, fv.plan.front().road, m_view.type(v).vehicleClass);
    return kerb.valid() ? m_view.laneTrack(kerb) : TrackId();
  }
  if (!(v.flags & kTransit)) return {};
  const TransitRun& run = m_transit.runs[m_transit.runOfVehicle[vehicle]];
  const TransitLine& line = lineOf(m_view, run);
  if (run.nextStop >= line.stops.size() || routeIndex != line.stopRoute[run.nextStop]) return {};
  return m_view.laneTrack(nextStopOf(m_view, run).lane);
}

TrackId ServiceStops::serviceLaneOnRoad(std::uint32_t vehicle) const {
  const Vehicle& v = m_vehicles.hot[vehicle];
  if (m_view.tracks[v.track].isConnector()) return {};
  const TrackId lane = serviceLaneAt(vehicle, v.routeIndex);
  if (!lane.valid()) return {};
  const double stopM = (v.flags & kFleet) ? fleetStopPositionOn(m_view, m_view.roadOfLane(v.track))
                                          : nextStopOf(m_view, m_transit.runs[m_transit.runOfVehicle[vehicle]]).positionM;
  return v.posM > stopM + kStopToleranceM ? TrackId() : lane;
}

}  // namespace traffic::engine
