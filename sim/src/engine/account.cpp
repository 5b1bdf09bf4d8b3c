// The account phase: per-step counters summed in a fixed order, gridlock detection (and
// teleporting, when the scenario asks for it), and the time series. Serial, so that sums and the
// order of gridlock reports never depend on the number of threads.
#include <algorithm>
#include <string>

#include "base/log.h"
#include "engine/state.h"

namespace traffic::engine {

double tripDelayIndex(const State& s, std::uint32_t id, double atS) {
  const VehicleCold& c = s.traffic.cold[id];
  if (c.freeFlowS <= 0) return 1.0;
  const double remaining = c.routeLengthM > 0 ? std::max(0.0, 1.0 - s.traffic.vehicles[id].distanceM / c.routeLengthM) : 0.0;
  const double departS = s.view.scenario->demand.trips[id].departS;
  return (atS - departS + remaining * c.freeFlowS) / c.freeFlowS;
}

namespace {

// Move a stuck vehicle ahead along its route to the first road with room at its start; a vehicle
// on the last road of its route leaves the network. Returns false when no road ahead has room.
bool teleport(State& s, std::uint32_t id) {
  const RoadNetwork& net = *s.view.net;
  Vehicle& v = s.traffic.vehicles[id];
  const VehicleType& t = s.view.type(v);
  const auto route = s.traffic.routes[id];
  // On a connector the route index already points at the road being entered.
  std::size_t from = s.view.tracks[v.track].isConnector() ? v.routeIndex : v.routeIndex + 1u;
  for (std::size_t ri = from; ri < route.size(); ++ri) {
    const Road& road = net.road(route[ri]);
    for (LaneId l : road.lanes) {
      if (!net.lane(l).allowed.allows(t.vehicleClass)) continue;
      const std::uint32_t track = s.view.laneTrack(l);
      const auto& occ = s.traffic.occupants[track];
      const double room = occ.empty() ? s.view.tracks[track].lengthM
                                      : s.traffic.vehicles[occ.back()].posM - s.view.type(s.traffic.vehicles[occ.back()]).lengthM;
      if (room < t.lengthM + t.minGapM || s.view.tracks[track].lengthM < t.lengthM) continue;
      detach(s, id);
      v.posM = t.lengthM;
      v.speedMps = 0;
      v.accelMps2 = 0;
      v.haltedS = 0;
      v.routeIndex = static_cast<std::uint16_t>(ri);
      v.flags = static_cast<std::uint8_t>(kInNetwork | kHalted | (v.flags & (kTransit | kFleet)));
      v.nextConnector = UINT32_MAX;
      v.track = track;
      s.traffic.occupants[track].push_back(id);
      s.traffic.cold[id].teleported = true;
      return true;
    }
  }
  if (s.view.tracks[v.track].isConnector() || !s.traffic.onLastRoad(id)) return false;
  detach(s, id);
  v.flags = 0;
  v.track = UINT32_MAX;
  s.traffic.cold[id].arriveS = s.clock.nowS + s.clock.dtS;
  s.traffic.cold[id].teleported = true;
  ++s.stats.counts.arrived;
  return true;
}

void recordTimeseries(State& s, double atS) {
  TimeseriesRow row;
  row.timeS = atS;
  row.running = static_cast<std::uint32_t>(s.stats.counts.entered - s.stats.counts.arrived);
  row.waitingToEnter = static_cast<std::uint32_t>(s.stats.counts.waitingToEnter);
  row.arrived = s.stats.counts.arrived;
  double speed = 0, delay = 0;
  std::size_t n = 0;
  for (const auto& occ : s.traffic.occupants) {
    for (std::uint32_t id : occ) {
      ++row.runningByClass[static_cast<std::size_t>(s.view.type(s.traffic.vehicles[id]).vehicleClass)];
      if (s.fleets.isServiceVehicle(id)) continue;  // fleet vehicles have no trip to be delayed on
      speed += s.traffic.vehicles[id].speedMps;
      delay += tripDelayIndex(s, id, atS);
      ++n;
    }
  }
  for (std::uint32_t id : s.traffic.inBay) ++row.runningByClass[static_cast<std::size_t>(s.view.type(s.traffic.vehicles[id]).vehicleClass)];
  row.meanSpeedMps = n ? speed / static_cast<double>(n) : 0.0;
  row.delayIndex = n ? delay / static_cast<double>(n) : 1.0;
  for (const auto& queue : s.transit.waiting) row.passengersWaiting += static_cast<std::uint32_t>(queue.size());
  for (const TransitRun& run : s.transit.runs) row.passengersOnBoard += static_cast<std::uint32_t>(run.onboard.size());
  for (const FleetVehicle& fv : s.fleets.fleetVehicles) row.passengersOnBoard += static_cast<std::uint32_t>(fv.onboard.size());
  s.stats.timeseries.push_back(row);
}

}  // namespace

void account(State& s) {
  for (std::uint32_t& a : s.junctionWork.arrivalsByJunction) {
    s.stats.counts.arrived += a;
    a = 0;
  }
  for (std::uint32_t& n : s.roadWork.laneChangesByRoad) {
    s.stats.counts.laneChanges += n;
    n = 0;
  }
  // The move phase left per-track tallies; adding them in track order keeps the sums the same
  // for any thread count without a serial pass over every vehicle.
  std::vector<std::uint32_t>& stuck = s.stats.stuckScratch;
  stuck.clear();
  std::uint64_t inNetwork = 0;
  double speedSum = 0;
  for (std::size_t t = 0; t < s.view.tracks.size(); ++t) {
    const TrackTally& tally = s.traffic.tallies[t];
    inNetwork += tally.vehicles;
    speedSum += tally.speedSumMps;
    if (!tally.stuck) continue;
    for (std::uint32_t id : s.traffic.occupants[t]) {
      const Vehicle& v = s.traffic.vehicles[id];
      if (v.haltedS >= s.view.scenario->gridlockTimeoutS && !(v.flags & kStuckReported)) stuck.push_back(id);
    }
  }
  s.stats.vehicleUpdates += inNetwork;
  s.stats.speedSumMps += speedSum;
  std::sort(stuck.begin(), stuck.end());
  for (std::uint32_t id : stuck) {
    Vehicle& v = s.traffic.vehicles[id];
    ++s.stats.counts.gridlockReports;
    simLog().warn("t={:.1f}s vehicle '{}' stuck for {:.0f} s on {} {}", s.clock.nowS + s.clock.dtS,
                  s.view.scenario->demand.trips[id].id, v.haltedS, s.view.tracks[v.track].isConnector() ? "connector" : "road",
                  s.view.tracks[v.track].isConnector() ? std::to_string(s.view.tracks[v.track].connector)
                                                  : s.view.net->road(s.view.net->lane(LaneId(s.view.tracks[v.track].lane)).road).name);
    v.flags |= kStuckReported;
    if (s.view.scenario->gridlockAction == GridlockAction::Teleport && teleport(s, id)) ++s.stats.counts.teleported;
  }
  s.stats.counts.running = s.stats.counts.entered - s.stats.counts.arrived;
  const double end = s.clock.nowS + s.clock.dtS;
  while (s.stats.nextTimeseriesS <= end + 1e-9) {
    recordTimeseries(s, end);
    s.stats.nextTimeseriesS += s.view.scenario->timeseriesIntervalS;
  }
}

}  // namespace traffic::engine
