// Per-line figures of a run: what passengers experienced (waiting, riding, being left behind), how
// full the vehicles were, and how regular and punctual the service was (definitions in
// docs/metrics.md).
#include <algorithm>
#include <cmath>

#include "traffic/metrics.h"
#include "traffic/scenario.h"

namespace traffic {
namespace {

// Transit Capacity and Quality of Service Manual convention: from 1 min early to 5 min late.
constexpr double kEarliestOnTimeS = -60;
constexpr double kLatestOnTimeS = 300;
constexpr double kBunchingShareOfHeadway = 0.25;

}  // namespace

std::vector<LineSummary> summarizeLines(const Scenario& scenario, const TransitRecords& records, double nowS) {
  const Transit& transit = scenario.transit;
  std::vector<LineSummary> out(transit.lines.size());
  std::vector<double> waitSum(out.size()), rideSum(out.size()), vehicleMetres(out.size()), passengerMetres(out.size());
  std::vector<double> runTimeSum(out.size()), latenessSum(out.size());
  std::vector<std::size_t> finishedRuns(out.size()), arrivals(out.size()), onTime(out.size());
  for (std::size_t l = 0; l < out.size(); ++l) out[l].line = transit.lines[l].id;

  for (const PassengerRecord& p : records.passengers) {
    const Passenger& spec = transit.passengers[p.index];
    LineSummary& line = out[spec.line];
    ++line.passengers;
    if (p.boardS < 0) {
      ++line.leftWaiting;
      continue;
    }
    ++line.boarded;
    waitSum[spec.line] += p.boardS - spec.arriveS;
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
      if (r.stopArriveS[k] < 0) continue;
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
      if (arrivalsAtStop.size() < 3) continue;  // a CV needs at least two headways
      double sum = 0, sumSq = 0;
      const std::size_t n = arrivalsAtStop.size() - 1;
      for (std::size_t i = 0; i < n; ++i) {
        const double h = arrivalsAtStop[i + 1] - arrivalsAtStop[i];
        sum += h;
        sumSq += h * h;
        const double planned = scheduledAtStop[i + 1] - scheduledAtStop[i];
        ++headways;
        if (h < kBunchingShareOfHeadway * planned) ++bunched;
      }
      const double mean = sum / static_cast<double>(n);
      const double variance = std::max(0.0, sumSq / static_cast<double>(n) - mean * mean);
      if (mean > 0) {
        cvSum += std::sqrt(variance) / mean;
        ++cvStops;
      }
    }
    if (cvStops) line.headwayCv = cvSum / static_cast<double>(cvStops);
    if (headways) line.bunchingShare = static_cast<double>(bunched) / static_cast<double>(headways);
  }
  return out;
}

}  // namespace traffic
