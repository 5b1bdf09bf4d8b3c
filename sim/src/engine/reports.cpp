// What a world reports about its run: trip records, transit and fleet records, the summary.
#include "traffic/world.h"

#include <algorithm>
#include <array>

#include "engine/state.h"

namespace traffic {

using namespace engine;

std::vector<TripRecord> World::tripRecords() const { return tripRecords(0, m->entry.nextTrip); }

std::size_t World::departedTrips() const { return m->entry.nextTrip; }

std::size_t World::firstUnarrivedTrip(std::size_t from) const {
  const State& s = *m;
  std::size_t i = from;
  while (i < s.entry.nextTrip && s.vehicles.cold[s.vehicles.recordOf[i]].arriveS >= 0) ++i;
  return i;
}

std::vector<TripRecord> World::tripRecords(std::size_t first, std::size_t last) const {
  const State& s = *m;
  last = std::min<std::size_t>(last, s.entry.nextTrip);
  std::vector<TripRecord> out;
  out.reserve(last > first ? last - first : 0);
  for (std::size_t i = first; i < last; ++i) {
    const std::uint32_t id = s.vehicles.recordOf[i];
    const VehicleCold& c = s.vehicles.cold[id];
    TripRecord r;
    r.tripIndex = static_cast<std::uint32_t>(i);
    r.vehicleClass = s.view.type(s.vehicles.hot[id]).vehicleClass;
    r.departS = s.view.scenario->demand.trips[i].departS;
    r.enterS = c.enterS;
    r.arriveS = c.arriveS;
    r.freeFlowS = c.freeFlowS;
    r.routeLengthM = c.routeLengthM;
    r.distanceM = s.vehicles.hot[id].distanceM;
    r.stops = c.stops;
    r.teleported = c.teleported;
    r.timeLossS = s.vehicles.measures[id].timeLossS;
    r.waitingS = s.vehicles.measures[id].waitingS;
    r.waitingCount = s.vehicles.measures[id].waitingCount;
    out.push_back(r);
  }
  return out;
}

void World::addRoadLoads(std::vector<RoadLoad>& loads, std::vector<std::uint32_t>& lastRoad) const {
  const State& s = *m;
  const RoadNetwork& net = *s.view.net;
  loads.resize(net.roads().size());
  if (lastRoad.size() < s.entry.nextTrip) lastRoad.resize(s.entry.nextTrip, UINT32_MAX);
  for (std::size_t t = 0; t < s.view.tracks.size(); ++t) {
    const Track& track = s.view.tracks[t];
    if (track.isConnector()) continue;
    const std::vector<std::uint32_t>& occupants = s.vehicles.occupants[t];
    if (occupants.empty()) continue;
    const std::uint32_t road = net.lane(track.lane).road.value;
    RoadLoad& load = loads[road];
    for (std::uint32_t id : occupants) {
      const double speed = s.vehicles.hot[id].speedMps;
      ++load.vehicles;
      load.speedSumMps += speed;
      if (speed < kHaltingSpeedMps) ++load.halted;
      if (std::uint32_t& last = lastRoad[s.vehicles.tripOf[id]]; last != road) {
        ++load.entered;
        last = road;
      }
    }
  }
}

TransitRecords World::transitRecords() const {
  const State& s = *m;
  TransitRecords out;
  for (std::size_t p = 0; p < s.transit.nextPassenger; ++p) {
    const PassengerState& ps = s.transit.passengers[p];
    out.passengers.push_back(PassengerRecord{static_cast<std::uint32_t>(p), ps.boardS, ps.alightS, ps.vehicle});
  }
  for (const TransitRun& run : s.transit.runs) {
    if (run.vehicle >= s.entry.nextTrip) continue;  // not departed yet
    TransitRunRecord r;
    r.tripIndex = run.vehicle;
    r.line = run.line;
    r.stopArriveS = run.arriveS;
    r.stopDepartS = run.departS;
    r.boarded = run.boarded;
    r.maxLoad = run.maxLoad;
    r.onboard = static_cast<std::uint32_t>(run.onboard.size());
    // Distances up to now, including the stretch since the load last changed.
    const RideDistances ride = run.ride.upTo(s.vehicles.hot[run.vehicle].distanceM, run.onboard.size());
    r.distanceM = s.vehicles.hot[run.vehicle].distanceM;
    r.passengerMetres = ride.passengerMetres;
    r.emptyMetres = ride.emptyMetres;
    out.runs.push_back(std::move(r));
  }
  static constexpr const char* kStatus[] = {"waiting", "waiting", "on_board", "delivered", "rejected"};
  for (std::size_t i = 0; i < s.fleets.nextRequest; ++i) {
    const RequestState& r = s.fleets.requests[i];
    out.rides.push_back(RideRecord{static_cast<std::uint32_t>(i), kStatus[static_cast<int>(r.status)], r.reason, r.pickupS,
                                   r.dropoffS, r.plannedPickupS, r.directS, r.vehicle, r.replans});
  }
  for (const FleetVehicle& fv : s.fleets.fleetVehicles) {
    if (fv.vehicle >= s.entry.nextTrip) continue;
    const Vehicle& v = s.vehicles.hot[fv.vehicle];
    FleetVehicleRecord r;
    r.tripIndex = fv.vehicle;
    r.fleet = fv.fleet;
    r.distanceM = v.distanceM;
    const RideDistances ride = fv.ride.upTo(v.distanceM, fv.onboard.size());
    r.passengerMetres = ride.passengerMetres;
    r.emptyMetres = ride.emptyMetres;
    r.busyS = fv.busyS;
    r.occupiedS = fv.occupiedS;
    r.inServiceS = s.vehicles.cold[fv.vehicle].enterS >= 0 ? s.clock.nowS - s.vehicles.cold[fv.vehicle].enterS : 0.0;
    r.riders = fv.riders;
    r.maxLoad = fv.maxLoad;
    r.stopsMade = fv.stopsMade;
    r.onboard = static_cast<std::uint32_t>(fv.onboard.size());
    out.fleetVehicles.push_back(r);
  }
  return out;
}

Summary World::summary(double wallSeconds) const {
  const State& s = *m;
  Summary sum;
  sum.scenario = s.view.scenario->name;
  sum.seed = s.view.scenario->seed;
  sum.threads = s.exec.threads;
  sum.stepS = s.clock.dtS;
  sum.simSeconds = s.clock.nowS;
  sum.wallSeconds = wallSeconds;
  sum.vehicleUpdates = s.stats.vehicleUpdates;
  sum.vehicleUpdatesPerSecond = wallSeconds > 0 ? static_cast<double>(s.stats.vehicleUpdates) / wallSeconds : 0.0;
  sum.vehicles = s.stats.counts;
  sum.signalPolicy = s.view.scenario->signalPolicy.name;
  // Trips: every vehicle but those of on-demand fleets, whose service is not a trip.
  double finished = 0, all = 0, delay = 0, stops = 0;
  std::size_t nFinished = 0, nTrips = 0;
  for (std::size_t i = 0; i < s.entry.nextTrip; ++i) {
    const std::uint32_t id = s.vehicles.recordOf[i];
    if (s.fleets.isServiceVehicle(id)) continue;
    ++nTrips;
    const VehicleCold& c = s.vehicles.cold[id];
    const double depart = s.view.scenario->demand.trips[i].departS;
    const double ff = std::max(c.freeFlowS, 1e-9);
    if (c.arriveS >= 0) {
      const double tt = c.arriveS - depart;
      finished += tt;
      all += tt;
      delay += tt / ff;
      ++nFinished;
    } else {
      const double elapsed = s.clock.nowS - depart;
      const double remaining = c.routeLengthM > 0 ? std::max(0.0, 1.0 - s.vehicles.hot[id].distanceM / c.routeLengthM) : 1.0;
      all += elapsed;
      delay += (elapsed + remaining * c.freeFlowS) / ff;
    }
    stops += c.stops;
  }
  double emergencyTime = 0;
  for (std::uint32_t id : s.signals.priorityVehicles) {
    if (id >= s.entry.nextTrip || s.view.type(s.vehicles.hot[id]).signalPriority != SignalPriority::Emergency) continue;
    const VehicleCold& c = s.vehicles.cold[id];
    const double depart = s.view.scenario->demand.trips[id].departS;
    emergencyTime += (c.arriveS >= 0 ? c.arriveS : s.clock.nowS) - depart;
    ++sum.emergencyVehicles;
    sum.emergencyArrived += c.arriveS >= 0 ? 1 : 0;
  }
  if (sum.emergencyVehicles > 0) sum.emergencyMeanTravelTimeS = emergencyTime / static_cast<double>(sum.emergencyVehicles);
  // Per mode.
  std::array<ModeSummary, kVehicleClassCount> modes{};
  std::array<double, kVehicleClassCount> modeTime{}, modeDelay{}, modeStops{}, modeAllStops{};
  for (std::size_t i = 0; i < s.entry.nextTrip; ++i) {
    const std::uint32_t id = s.vehicles.recordOf[i];
    const VehicleCold& c = s.vehicles.cold[id];
    const auto k = static_cast<std::size_t>(s.view.type(s.vehicles.hot[id]).vehicleClass);
    modes[k].distanceKm += s.vehicles.hot[id].distanceM / 1000.0;
    modeAllStops[k] += c.stops;
    if (s.fleets.isServiceVehicle(id)) {
      ++modes[k].serviceVehicles;
      continue;
    }
    const double depart = s.view.scenario->demand.trips[i].departS;
    ++modes[k].trips;
    modeTime[k] += (c.arriveS >= 0 ? c.arriveS : s.clock.nowS) - depart;
    if (c.arriveS >= 0) {
      ++modes[k].arrived;
      modeDelay[k] += c.arriveS - depart - c.freeFlowS;
    }
    modeStops[k] += c.stops;
  }
  for (std::size_t k = 0; k < modes.size(); ++k) {
    ModeSummary& mode = modes[k];
    if (mode.trips == 0 && mode.serviceVehicles == 0) continue;
    mode.vehicleClass = static_cast<VehicleClass>(k);
    if (mode.trips > 0) {
      mode.meanTravelTimeWithUnfinishedS = modeTime[k] / static_cast<double>(mode.trips);
      mode.meanDelayS = mode.arrived ? modeDelay[k] / static_cast<double>(mode.arrived) : 0.0;
      mode.stopsPerVehicle = modeStops[k] / static_cast<double>(mode.trips);
    }
    mode.stopsPerKm = mode.distanceKm > 0 ? modeAllStops[k] / mode.distanceKm : 0.0;
    sum.modes.push_back(mode);
  }
  if (!s.transit.runs.empty() || !s.fleets.fleetVehicles.empty()) {
    const TransitRecords records = transitRecords();
    if (!s.transit.runs.empty()) sum.lines = summarizeLines(*s.view.scenario, records, s.clock.nowS);
    if (!s.fleets.fleetVehicles.empty()) sum.fleets = summarizeFleets(*s.view.scenario, records, s.clock.nowS);
  }
  for (const SignalController& c : s.signals.controllers) {
    sum.preemptions += c.preemptions();
    sum.transitExtensions += c.transitExtensions();
    sum.transitEarlyGreens += c.transitEarlyGreens();
  }
  const double n = static_cast<double>(nTrips);
  sum.meanTravelTimeFinishedS = nFinished ? finished / static_cast<double>(nFinished) : 0.0;
  sum.meanTravelTimeWithUnfinishedS = n > 0 ? all / n : 0.0;
  sum.delayIndex = n > 0 ? delay / n : 1.0;
  sum.stopsPerVehicle = n > 0 ? stops / n : 0.0;
  sum.meanSpeedMps = s.stats.vehicleUpdates ? s.stats.speedSumMps / static_cast<double>(s.stats.vehicleUpdates) : 0.0;
  sum.throughputVehPerH = s.clock.nowS > 0 ? static_cast<double>(s.stats.counts.arrived) * 3600.0 / s.clock.nowS : 0.0;
  return sum;
}

}  // namespace traffic
