// Per-line and per-fleet figures of a run: what passengers experienced (waiting, riding, being left
// behind or turned away), how full the vehicles were, how regular and punctual the lines were and
// how busy the on-demand fleets were (definitions in docs/metrics.md).
#include <algorithm>
#include <cmath>

#include "traffic/metrics.h"
#include "traffic/scenario.h"

namespace traffic {
namespace {

// Transit Capacity and Quality of Service Manual convention: from 1 min early to 5 min late.
constexpr double kEarliestOnTimeS = -60;
constexpr double kLatestOnTimeS = 300;
// Bunching: a headway under half the scheduled one (the run is at least half a headway closer to
// the one ahead than planned; TCQSM's headway adherence counts a deviation of half a headway as
// the worst level of service).
constexpr double kBunchingShareOfHeadway = 0.5;

}  // namespace

std::vector<LineSummary> summarizeLines(const Scenario& scenario, const TransitRecords& records, double nowS) {
  const Transit& transit = scenario.transit;
  std::vector<LineSummary> out(transit.lines.size());
  std::vector<double> waitSum(out.size()), rideSum(out.size()), vehicleMetres(out.size()), passengerMetres(out.size());
  std::vector<double> runTimeSum(out.size()), latenessSum(out.size());
  std::vector<std::size_t> finishedRuns(out.size()), arrivals(out.size()), onTime(out.size());
  std::vector<std::vector<std::size_t>> leftStop(out.size());  // per line and stop: runs that left it
  for (std::size_t l = 0; l < out.size(); ++l) leftStop[l].assign(transit.lines[l].stops.size(), 0);
  for (std::size_t l = 0; l < out.size(); ++l) {
    out[l].line = transit.lines[l].id;
    for (std::uint32_t stop : transit.lines[l].stops) out[l].stops.push_back(LineStopSummary{transit.stops[stop].id});
  }
  // Per run (by trip index): the load leaving each stop, from the passengers it carried.
  std::vector<std::uint32_t> runOfTrip(scenario.demand.trips.size(), UINT32_MAX);
  for (std::size_t r = 0; r < records.runs.size(); ++r) runOfTrip[records.runs[r].tripIndex] = static_cast<std::uint32_t>(r);
  std::vector<std::vector<std::uint32_t>> runLoads(records.runs.size());
  for (std::size_t r = 0; r < records.runs.size(); ++r) runLoads[r].assign(records.runs[r].stopArriveS.size(), 0);

  for (const PassengerRecord& p : records.passengers) {
    const Passenger& spec = transit.passengers[p.index];
    LineSummary& line = out[spec.line];
    LineStopSummary& from = line.stops[spec.fromStop];
    ++line.passengers;
    if (p.boardS < 0) {
      ++line.leftWaiting;
      ++from.leftWaiting;
      continue;
    }
    ++line.boarded;
    ++from.boardings;
    waitSum[spec.line] += p.boardS - spec.arriveS;
    from.meanWaitS += p.boardS - spec.arriveS;  // a sum until divided below
    from.maxWaitS = std::max(from.maxWaitS, p.boardS - spec.arriveS);
    if (p.vehicle < runOfTrip.size() && runOfTrip[p.vehicle] != UINT32_MAX) {
      auto& loads = runLoads[runOfTrip[p.vehicle]];
      for (std::size_t k = spec.fromStop; k < spec.toStop && k < loads.size(); ++k) ++loads[k];
    }
    if (p.alightS >= 0 && p.alightS <= nowS) ++line.stops[spec.toStop].alightings;
    if (p.alightS >= 0 && p.alightS <= nowS) {
      ++line.delivered;
      rideSum[spec.line] += p.alightS - p.boardS;
    }
  }

  // Arrival times at each stop of each line, in run order, for headways.
  std::vector<std::vector<std::vector<double>>> stopArrivals(out.size());
  std::vector<std::vector<std::vector<double>>> stopScheduled(out.size());
  for (std::size_t l = 0; l < out.size(); ++l) {
    stopArrivals[l].resize(transit.lines[l].stops.size());
    stopScheduled[l].resize(transit.lines[l].stops.size());
  }
  for (const TransitRunRecord& r : records.runs) {
    const TransitLine& spec = transit.lines[r.line];
    LineSummary& line = out[r.line];
    ++line.runs;
    vehicleMetres[r.line] += r.distanceM;
    passengerMetres[r.line] += r.passengerMetres;
    line.maxLoad = std::max(line.maxLoad, r.maxLoad);
    const double departS = scenario.demand.trips[r.tripIndex].departS;
    if (!r.stopDepartS.empty() && r.stopDepartS.back() >= 0) {
      runTimeSum[r.line] += r.stopDepartS.back() - departS;
      ++finishedRuns[r.line];
    }
    for (std::size_t k = 0; k < r.stopArriveS.size(); ++k) {
      // Left the stop (served it and closed the doors, or passed it): its load counts there.
      const bool left = r.stopArriveS[k] == -2 || (r.stopArriveS[k] >= 0 && r.stopDepartS[k] >= 0);
      if (left) {
        const std::uint32_t load = runLoads[static_cast<std::size_t>(&r - records.runs.data())][k];
        line.stops[k].meanLoad += load;  // a sum until divided below
        line.stops[k].maxLoad = std::max(line.stops[k].maxLoad, load);
        ++leftStop[r.line][k];
      }
      if (r.stopArriveS[k] < 0) continue;
      ++line.stops[k].arrivals;
      const double lateness = r.stopArriveS[k] - (departS + spec.scheduleS[k]);
      latenessSum[r.line] += lateness;
      ++arrivals[r.line];
      if (lateness >= kEarliestOnTimeS && lateness <= kLatestOnTimeS) ++onTime[r.line];
      stopArrivals[r.line][k].push_back(r.stopArriveS[k]);
      stopScheduled[r.line][k].push_back(departS + spec.scheduleS[k]);
    }
  }

  for (std::size_t l = 0; l < out.size(); ++l) {
    LineSummary& line = out[l];
    if (line.boarded) line.meanWaitS = waitSum[l] / static_cast<double>(line.boarded);
    if (line.delivered) line.meanInVehicleS = rideSum[l] / static_cast<double>(line.delivered);
    if (vehicleMetres[l] > 0) line.meanLoad = passengerMetres[l] / vehicleMetres[l];
    if (finishedRuns[l]) line.meanRunTimeS = runTimeSum[l] / static_cast<double>(finishedRuns[l]);
    if (arrivals[l]) {
      line.meanLatenessS = latenessSum[l] / static_cast<double>(arrivals[l]);
      line.onTimeShare = static_cast<double>(onTime[l]) / static_cast<double>(arrivals[l]);
    }
    // Headway regularity: the coefficient of variation of the headways observed at each stop
    // (vehicles may overtake, so arrivals are sorted), averaged over stops with two or more.
    double cvSum = 0;
    std::size_t cvStops = 0, headways = 0, bunched = 0;
    for (std::size_t k = 0; k < stopArrivals[l].size(); ++k) {
      auto arrivalsAtStop = stopArrivals[l][k];
      auto scheduledAtStop = stopScheduled[l][k];
      std::sort(arrivalsAtStop.begin(), arrivalsAtStop.end());
      std::sort(scheduledAtStop.begin(), scheduledAtStop.end());
      LineStopSummary& stop = line.stops[k];
      if (stop.boardings) stop.meanWaitS /= static_cast<double>(stop.boardings);
      if (leftStop[l][k]) stop.meanLoad /= static_cast<double>(leftStop[l][k]);
      if (arrivalsAtStop.size() < 3) continue;  // a CV needs at least two headways
      double sum = 0, sumSq = 0;
      const std::size_t n = arrivalsAtStop.size() - 1;
      std::size_t bunchedHere = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double h = arrivalsAtStop[i + 1] - arrivalsAtStop[i];
        sum += h;
        sumSq += h * h;
        const double planned = scheduledAtStop[i + 1] - scheduledAtStop[i];
        ++headways;
        if (h < kBunchingShareOfHeadway * planned) ++bunchedHere;
      }
      bunched += bunchedHere;
      stop.bunchingShare = static_cast<double>(bunchedHere) / static_cast<double>(n);
      const double mean = sum / static_cast<double>(n);
      const double variance = std::max(0.0, sumSq / static_cast<double>(n) - mean * mean);
      if (mean > 0) {
        stop.headwayCv = std::sqrt(variance) / mean;
        cvSum += stop.headwayCv;
        ++cvStops;
      }
    }
    if (cvStops) line.headwayCv = cvSum / static_cast<double>(cvStops);
    if (headways) line.bunchingShare = static_cast<double>(bunched) / static_cast<double>(headways);
  }
  return out;
}

std::vector<FleetSummary> summarizeFleets(const Scenario& scenario, const TransitRecords& records, double nowS) {
  const Fleets& fleets = scenario.fleets;
  std::vector<FleetSummary> out(fleets.fleets.size());
  std::vector<double> wait(out.size()), ride(out.size()), detour(out.size()), km(out.size()), paxKm(out.size()),
      emptyKm(out.size()), busy(out.size()), service(out.size()), waitOver(out.size()), rideOver(out.size());
  std::vector<std::size_t> pickedUp(out.size());
  for (std::size_t f = 0; f < out.size(); ++f) out[f].fleet = fleets.fleets[f].id;
  for (const RideRecord& r : records.rides) {
    const RideRequest& spec = fleets.requests.at(r.request);
    FleetSummary& f = out[spec.fleet];
    ++f.requests;
    if (r.status == "rejected") {
      ++f.rejected;
      auto it = std::find_if(f.rejectedBy.begin(), f.rejectedBy.end(), [&](const auto& p) { return p.first == r.reason; });
      if (it == f.rejectedBy.end()) f.rejectedBy.emplace_back(r.reason, 1);
      else ++it->second;
      continue;
    }
    if (r.pickupS >= 0) {
      wait[spec.fleet] += r.pickupS - spec.timeS;
      ++pickedUp[spec.fleet];
    }
    // The promises, against the limits; riders still waiting or riding count once they are over.
    const FleetSpec& limits = fleets.fleets[spec.fleet];
    const double waitOverS = (r.pickupS >= 0 ? r.pickupS : nowS) - spec.timeS - limits.maxWaitS;
    if (waitOverS > 1e-6) {
      ++f.waitsBroken;
      waitOver[spec.fleet] += waitOverS;
      f.maxWaitOverS = std::max(f.maxWaitOverS, waitOverS);
    } else if (r.pickupS >= 0) {
      ++f.waitsKept;
    }
    if (r.pickupS >= 0) {
      const double rideOverS =
          (r.dropoffS >= 0 ? r.dropoffS : nowS) - r.pickupS - (limits.maxDetour * r.directS + limits.detourSlackS);
      if (rideOverS > 1e-6) {
        ++f.ridesBroken;
        rideOver[spec.fleet] += rideOverS;
        f.maxRideOverS = std::max(f.maxRideOverS, rideOverS);
      } else if (r.dropoffS >= 0) {
        ++f.ridesKept;
      }
    }
    f.replans += r.replans;
    if (r.status == "delivered") {
      ++f.delivered;
      ride[spec.fleet] += r.dropoffS - r.pickupS;
      detour[spec.fleet] += r.directS > 0 ? (r.dropoffS - r.pickupS) / r.directS : 1.0;
    }
  }
  for (const FleetVehicleRecord& v : records.fleetVehicles) {
    ++out[v.fleet].vehicles;
    km[v.fleet] += v.distanceM;
    paxKm[v.fleet] += v.passengerMetres;
    emptyKm[v.fleet] += v.emptyMetres;
    busy[v.fleet] += v.busyS;
    service[v.fleet] += v.inServiceS;
    out[v.fleet].occupiedH += v.occupiedS / 3600.0;
    out[v.fleet].emptyH += (v.busyS - v.occupiedS) / 3600.0;
    out[v.fleet].idleH += std::max(0.0, v.inServiceS - v.busyS) / 3600.0;
  }
  for (std::size_t f = 0; f < out.size(); ++f) {
    FleetSummary& s = out[f];
    std::sort(s.rejectedBy.begin(), s.rejectedBy.end());
    if (pickedUp[f]) s.meanWaitS = wait[f] / static_cast<double>(pickedUp[f]);
    if (s.delivered) {
      s.meanRideS = ride[f] / static_cast<double>(s.delivered);
      s.meanDetour = detour[f] / static_cast<double>(s.delivered);
    }
    if (km[f] > 0) {
      s.occupancy = paxKm[f] / km[f];
      s.emptyShare = emptyKm[f] / km[f];
    }
    if (service[f] > 0) s.utilisation = busy[f] / service[f];
    if (s.waitsBroken) s.meanWaitOverS = waitOver[f] / static_cast<double>(s.waitsBroken);
    if (s.ridesBroken) s.meanRideOverS = rideOver[f] / static_cast<double>(s.ridesBroken);
  }
  return out;
}

}  // namespace traffic
