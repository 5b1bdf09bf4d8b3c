// The account phase: per-step counters summed in a fixed order, gridlock detection (and
// teleporting, when the scenario asks for it), and the time series. Serial, so that sums and the
// order of gridlock reports never depend on the number of threads.
#include <algorithm>
#include <string>
#include <utility>

#include "base/log.h"
#include "engine/lane_entry.h"
#include "engine/state.h"

namespace traffic::engine {

// What the account phase reads (const) and writes, by the names of the engine state's subsystems.
struct AccountContext {
  const NetworkView& view;
  const SimClock& clock;
  const TransitState& transit;
  const FleetState& fleets;
  Vehicles& vehicles;
  JunctionWork& junctionWork;
  RoadWork& roadWork;
  Statistics& stats;
};

double tripDelayIndex(const NetworkView& view, const Vehicles& vehicles, std::uint32_t id, double atS) {
  const VehicleCold& c = vehicles.cold[id];
  if (c.freeFlowS <= 0) return 1.0;
  const double remaining = c.routeLengthM > 0 ? std::max(0.0, 1.0 - vehicles.hot[id].distanceM / c.routeLengthM) : 0.0;
  const double departS = view.scenario->demand.trips[vehicles.tripOf[id]].departS;
  return (atS - departS + remaining * c.freeFlowS) / c.freeFlowS;
}

namespace {

// Move a stuck vehicle ahead along its route to the first road with room at its start (behind the
// vehicles already in the junction towards it); a vehicle
// on the last road of its route leaves the network. Returns false when no road ahead has room.
bool teleport(const AccountContext& s, std::uint32_t id) {
  const RoadNetwork& net = *s.view.net;
  Vehicle& v = s.vehicles.hot[id];
  const VehicleType& t = s.view.type(v);
  const auto route = s.vehicles.routes[id];
  // On a connector the route index already points at the road being entered.
  std::size_t from = s.view.tracks[v.track].isConnector() ? v.routeIndex : v.routeIndex + 1u;
  for (std::size_t ri = from; ri < route.size(); ++ri) {
    const Road& road = net.road(route[ri]);
    for (LaneId l : road.lanes) {
      if (!net.lane(l).allowed.allows(t.vehicleClass)) continue;
      const TrackId track = s.view.laneTrack(l);
      const auto& occ = s.vehicles.occupants[track];
      const double room = occ.empty() ? s.view.tracks[track].lengthM
                                      : s.vehicles.hot[occ.back()].posM - s.view.type(s.vehicles.hot[occ.back()]).lengthM;
      // Vehicles inside the junction heading for this lane, or granted entry towards it, have the
      // room at its start first: put down in front of them, the stuck vehicle would leave them
      // standing in the box (as insertion, which waits for the same).
      if (enteringFromJunction(s.view, s.vehicles, track)) continue;
      if (room < t.lengthM + t.minGapM || s.view.tracks[track].lengthM < t.lengthM) continue;
      detach(s.vehicles, id);
      v.posM = t.lengthM;
      v.speedMps = 0;
      v.accelMps2 = 0;
      v.haltedS = 0;
      s.vehicles.cold[id].atLineS = 0;
      v.routeIndex = static_cast<std::uint16_t>(ri);
      v.flags = static_cast<std::uint8_t>(kInNetwork | kHalted | (v.flags & (kTransit | kFleet)));
      v.nextConnector = {};
      v.track = track;
      s.vehicles.occupants[track].push_back(id);
      s.vehicles.cold[id].teleported = true;
      return true;
    }
  }
  if (s.view.tracks[v.track].isConnector() || !s.vehicles.onLastRoad(id)) return false;
  detach(s.vehicles, id);
  v.flags = 0;
  v.track = {};
  s.vehicles.cold[id].arriveS = s.clock.nowS + s.clock.dtS;
  s.vehicles.cold[id].teleported = true;
  ++s.stats.counts.arrived;
  return true;
}

void recordTimeseries(const AccountContext& s, double atS) {
  TimeseriesRow row;
  row.timeS = atS;
  row.running = static_cast<std::uint32_t>(s.stats.counts.entered - s.stats.counts.arrived);
  row.waitingToEnter = static_cast<std::uint32_t>(s.stats.counts.waitingToEnter);
  row.arrived = s.stats.counts.arrived;
  double speed = 0, delay = 0;
  std::size_t n = 0;
  for (const auto& occ : s.vehicles.occupants) {
    for (std::uint32_t id : occ) {
      ++row.runningByClass[static_cast<std::size_t>(s.view.type(s.vehicles.hot[id]).vehicleClass)];
      if (s.fleets.isServiceVehicle(id)) continue;  // fleet vehicles have no trip to be delayed on
      speed += s.vehicles.hot[id].speedMps;
      delay += tripDelayIndex(s.view, s.vehicles, id, atS);
      ++n;
    }
  }
  for (std::uint32_t id : s.vehicles.inBay) ++row.runningByClass[static_cast<std::size_t>(s.view.type(s.vehicles.hot[id]).vehicleClass)];
  row.meanSpeedMps = n ? speed / static_cast<double>(n) : 0.0;
  row.delayIndex = n ? delay / static_cast<double>(n) : 1.0;
  for (const auto& queue : s.transit.waiting) row.passengersWaiting += static_cast<std::uint32_t>(queue.size());
  for (const TransitRun& run : s.transit.runs) row.passengersOnBoard += static_cast<std::uint32_t>(run.onboard.size());
  for (const FleetVehicle& fv : s.fleets.fleetVehicles) row.passengersOnBoard += static_cast<std::uint32_t>(fv.onboard.size());
  s.stats.timeseries.push_back(row);
}

}  // namespace

void account(const NetworkView& view, const SimClock& clock, const TransitState& transit, const FleetState& fleets, Vehicles& vehicles, JunctionWork& junctionWork, RoadWork& roadWork, Statistics& stats) {
  const AccountContext s{view, clock, transit, fleets, vehicles, junctionWork, roadWork, stats};
  // Only the junctions the transfer phase visited counted anything; each count is set back to zero.
  const IndexSet& junctions = s.junctionWork.activeJunctions;
  for (std::size_t k = 0; k < junctions.size(); ++k) {
    s.stats.counts.arrived += std::exchange(s.junctionWork.arrivalsByJunction[junctions[k]], 0u);
    s.stats.counts.clampedMoves += std::exchange(s.junctionWork.clampsByJunction[junctions[k]], 0u);
  }
  const IndexSet& roads = s.roadWork.activeRoads;
  for (std::size_t k = 0; k < roads.size(); ++k) s.stats.counts.laneChanges += std::exchange(s.roadWork.laneChangesByRoad[roads[k]], 0u);
  s.stats.counts.reroutedMissedTurns += s.roadWork.reroutedMissedTurns;
  s.roadWork.reroutedMissedTurns = 0;
  // The move phase left per-track tallies on the active tracks (the others are zero); adding
  // them in track order keeps the sums the same for any thread count without a serial pass over
  // every vehicle. Each is set back to zero once added.
  std::vector<std::uint32_t>& stuck = s.stats.stuckScratch;
  stuck.clear();
  std::uint64_t inNetwork = 0;
  double speedSum = 0;
  for (const TrackId t : s.vehicles.activeTracks) {
    const TrackTally tally = std::exchange(s.vehicles.tallies[t], TrackTally{});
    inNetwork += tally.vehicles;
    speedSum += tally.speedSumMps;
    s.stats.counts.hardBrakes += tally.hardBrakes;
    s.stats.counts.clampedMoves += tally.clampedMoves;
    s.stats.counts.haltedInBox += tally.boxHalts;
    if (tally.overDecelVehicle.valid() && s.stats.overDecel.empty()) {
      const Vehicle& v = s.vehicles.hot[tally.overDecelVehicle];
      s.stats.overDecel = "vehicle " + s.view.scenario->demand.trips[s.vehicles.tripOf[tally.overDecelVehicle.index()]].id + " (type '" +
                          s.view.type(v).name + "') slowed down at " + std::to_string(tally.overDecelMps2) +
                          " m/s^2, beyond its emergency deceleration of " + std::to_string(s.view.type(v).maxDecelMps2) +
                          " m/s^2 (t=" + std::to_string(s.clock.nowS + s.clock.dtS) + "s)";
    }
    if (!tally.stuck) continue;
    for (std::uint32_t id : s.vehicles.occupants[t]) {
      const Vehicle& v = s.vehicles.hot[id];
      if (v.haltedS >= s.view.scenario->gridlockTimeoutS && !(v.flags & (kStuckReported | kDwelling))) stuck.push_back(id);
    }
  }
  s.stats.vehicleUpdates += inNetwork;
  s.stats.speedSumMps += speedSum;
  std::sort(stuck.begin(), stuck.end(), [&](std::uint32_t a, std::uint32_t b) { return s.vehicles.tripBefore(a, b); });
  for (std::uint32_t id : stuck) {
    Vehicle& v = s.vehicles.hot[id];
    ++s.stats.counts.gridlockReports;
    simLog().warn("t={:.1f}s vehicle '{}' stuck for {:.0f} s on {} {}", s.clock.nowS + s.clock.dtS,
                  s.view.scenario->demand.trips[s.vehicles.tripOf[id]].id, v.haltedS, s.view.tracks[v.track].isConnector() ? "connector" : "road",
                  s.view.tracks[v.track].isConnector() ? std::to_string(s.view.tracks[v.track].connector.value)
                                                  : s.view.net->road(s.view.net->lane(s.view.tracks[v.track].lane).road).name);
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
