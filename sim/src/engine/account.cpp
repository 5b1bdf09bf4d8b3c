// The account phase: per-step counters summed in a fixed order, gridlock detection (and
// teleporting, when the scenario asks for it), and the time series. Serial, so that sums and the
// order of gridlock reports never depend on the number of threads.
#include <algorithm>
#include <string>

#include "base/log.h"
#include "engine/state.h"

namespace traffic::engine {

double tripDelayIndex(const State& s, std::uint32_t id, double atS) {
  const VehicleCold& c = s.cold[id];
  if (c.freeFlowS <= 0) return 1.0;
  const double remaining = c.routeLengthM > 0 ? std::max(0.0, 1.0 - s.vehicles[id].distanceM / c.routeLengthM) : 0.0;
  const double departS = s.scenario->demand.trips[id].departS;
  return (atS - departS + remaining * c.freeFlowS) / c.freeFlowS;
}

namespace {

// Move a stuck vehicle ahead along its route to the first road with room at its start; a vehicle
// on the last road of its route leaves the network. Returns false when no road ahead has room.
bool teleport(State& s, std::uint32_t id) {
  const RoadNetwork& net = *s.net;
  Vehicle& v = s.vehicles[id];
  const VehicleType& t = s.type(v);
  const auto route = s.routes[id];
  // On a connector the route index already points at the road being entered.
  std::size_t from = s.tracks[v.track].isConnector() ? v.routeIndex : v.routeIndex + 1u;
  for (std::size_t ri = from; ri < route.size(); ++ri) {
    const Road& road = net.road(route[ri]);
    for (LaneId l : road.lanes) {
      if (!net.lane(l).allowed.allows(t.vehicleClass)) continue;
      const std::uint32_t track = s.laneTrack(l);
      const auto& occ = s.occupants[track];
      const double room = occ.empty() ? s.tracks[track].lengthM
                                      : s.vehicles[occ.back()].posM - s.type(s.vehicles[occ.back()]).lengthM;
      if (room < t.lengthM + t.minGapM || s.tracks[track].lengthM < t.lengthM) continue;
      detach(s, id);
      v.posM = t.lengthM;
      v.speedMps = 0;
      v.accelMps2 = 0;
      v.haltedS = 0;
      v.routeIndex = static_cast<std::uint16_t>(ri);
      v.flags = static_cast<std::uint8_t>(kInNetwork | kHalted | (v.flags & (kTransit | kFleet)));
      v.nextConnector = UINT32_MAX;
      v.track = track;
      s.occupants[track].push_back(id);
      s.cold[id].teleported = true;
      return true;
    }
  }
  if (s.tracks[v.track].isConnector() || !s.onLastRoad(id)) return false;
  detach(s, id);
  v.flags = 0;
  v.track = UINT32_MAX;
  s.cold[id].arriveS = s.nowS + s.dtS;
  s.cold[id].teleported = true;
  ++s.counts.arrived;
  return true;
}

void recordTimeseries(State& s, double atS) {
  TimeseriesRow row;
  row.timeS = atS;
  row.running = static_cast<std::uint32_t>(s.counts.entered - s.counts.arrived);
  row.waitingToEnter = static_cast<std::uint32_t>(s.counts.waitingToEnter);
  row.arrived = s.counts.arrived;
  double speed = 0, delay = 0;
  std::size_t n = 0;
  for (const auto& occ : s.occupants) {
    for (std::uint32_t id : occ) {
      ++row.runningByClass[static_cast<std::size_t>(s.type(s.vehicles[id]).vehicleClass)];
      if (s.isServiceVehicle(id)) continue;  // fleet vehicles have no trip to be delayed on
      speed += s.vehicles[id].speedMps;
      delay += tripDelayIndex(s, id, atS);
      ++n;
    }
  }
  for (std::uint32_t id : s.inBay) ++row.runningByClass[static_cast<std::size_t>(s.type(s.vehicles[id]).vehicleClass)];
  row.meanSpeedMps = n ? speed / static_cast<double>(n) : 0.0;
  row.delayIndex = n ? delay / static_cast<double>(n) : 1.0;
  for (const auto& queue : s.waiting) row.passengersWaiting += static_cast<std::uint32_t>(queue.size());
  for (const TransitRun& run : s.runs) row.passengersOnBoard += static_cast<std::uint32_t>(run.onboard.size());
  for (const FleetVehicle& fv : s.fleetVehicles) row.passengersOnBoard += static_cast<std::uint32_t>(fv.onboard.size());
  s.timeseries.push_back(row);
}

}  // namespace

void account(State& s) {
  for (std::uint32_t& a : s.arrivalsByJunction) {
    s.counts.arrived += a;
    a = 0;
  }
  for (std::uint32_t& n : s.laneChangesByRoad) {
    s.counts.laneChanges += n;
    n = 0;
  }
  // The move phase left per-track tallies; adding them in track order keeps the sums the same
  // for any thread count without a serial pass over every vehicle.
  std::vector<std::uint32_t>& stuck = s.stuckScratch;
  stuck.clear();
  std::uint64_t inNetwork = 0;
  double speedSum = 0;
  for (std::size_t t = 0; t < s.tracks.size(); ++t) {
    const TrackTally& tally = s.tallies[t];
    inNetwork += tally.vehicles;
    speedSum += tally.speedSumMps;
    if (!tally.stuck) continue;
    for (std::uint32_t id : s.occupants[t]) {
      const Vehicle& v = s.vehicles[id];
      if (v.haltedS >= s.scenario->gridlockTimeoutS && !(v.flags & kStuckReported)) stuck.push_back(id);
    }
  }
  s.vehicleUpdates += inNetwork;
  s.speedSumMps += speedSum;
  std::sort(stuck.begin(), stuck.end());
  for (std::uint32_t id : stuck) {
    Vehicle& v = s.vehicles[id];
    ++s.counts.gridlockReports;
    simLog().warn("t={:.1f}s vehicle '{}' stuck for {:.0f} s on {} {}", s.nowS + s.dtS,
                  s.scenario->demand.trips[id].id, v.haltedS, s.tracks[v.track].isConnector() ? "connector" : "road",
                  s.tracks[v.track].isConnector() ? std::to_string(s.tracks[v.track].connector)
                                                  : s.net->road(s.net->lane(LaneId(s.tracks[v.track].lane)).road).name);
    v.flags |= kStuckReported;
    if (s.scenario->gridlockAction == GridlockAction::Teleport && teleport(s, id)) ++s.counts.teleported;
  }
  s.counts.running = s.counts.entered - s.counts.arrived;
  const double end = s.nowS + s.dtS;
  while (s.nextTimeseriesS <= end + 1e-9) {
    recordTimeseries(s, end);
    s.nextTimeseriesS += s.scenario->timeseriesIntervalS;
  }
}

}  // namespace traffic::engine
