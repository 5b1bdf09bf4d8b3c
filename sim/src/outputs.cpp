#include "traffic/outputs.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "traffic/output_folder.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

bool isOutputFile(const std::string& name) {
  return name == kSummaryFile || name == kTripsFile || name == kTimeseriesFile;
}

using csv::appendFixed;
using csv::appendInteger;

std::string tripsCsv(const Scenario& scenario, const std::vector<TripRecord>& trips) {
  std::string out =
      "id,class,type,depart_s,enter_s,arrive_s,travel_time_s,free_flow_s,delay_s,stops,route_length_m,distance_m,"
      "teleported\n";
  out.reserve(out.size() + trips.size() * 96);
  const auto& demand = scenario.demand.trips;
  for (const auto& r : trips) {
    if (r.tripIndex >= demand.size())
      throw std::runtime_error("trip record refers to trip #" + std::to_string(r.tripIndex) + ", but the scenario has " +
                               std::to_string(demand.size()) + " trips");
    if (demand[r.tripIndex].type.index() >= scenario.vehicleTypes.size())
      throw std::runtime_error("trip '" + demand[r.tripIndex].id + "' has vehicle type #" +
                               std::to_string(demand[r.tripIndex].type.index()) + ", but the scenario has " +
                               std::to_string(scenario.vehicleTypes.size()) + " types");
    const bool entered = r.enterS >= 0;
    const bool arrived = r.arriveS >= 0;
    csv::appendText(out, demand[r.tripIndex].id);
    out += ',';
    out += toString(r.vehicleClass);
    out += ',';
    csv::appendText(out, scenario.vehicleTypes[demand[r.tripIndex].type.index()].name);
    out += ',';
    appendFixed(out, r.departS, 3);
    out += ',';
    if (entered) appendFixed(out, r.enterS, 3);
    out += ',';
    if (arrived) appendFixed(out, r.arriveS, 3);
    out += ',';
    if (arrived) appendFixed(out, r.arriveS - r.departS, 3);
    out += ',';
    appendFixed(out, r.freeFlowS, 3);
    out += ',';
    if (arrived) appendFixed(out, r.arriveS - r.departS - r.freeFlowS, 3);
    out += ',';
    appendInteger(out, r.stops);
    out += ',';
    appendFixed(out, r.routeLengthM, 2);
    out += ',';
    appendFixed(out, r.distanceM, 2);
    out += ',';
    out += r.teleported ? '1' : '0';
    out += '\n';
  }
  return out;
}

std::string timeseriesCsv(const std::vector<TimeseriesRow>& rows) {
  std::string out = "time_s,running,waiting_to_enter,arrived,mean_speed_mps,delay_index\n";
  for (const auto& row : rows) {
    appendFixed(out, row.timeS, 3);
    out += ',';
    appendInteger(out, row.running);
    out += ',';
    appendInteger(out, row.waitingToEnter);
    out += ',';
    appendInteger(out, row.arrived);
    out += ',';
    appendFixed(out, row.meanSpeedMps, 4);
    out += ',';
    appendFixed(out, row.delayIndex, 6);
    out += '\n';
  }
  return out;
}

}  // namespace

std::string summaryJson(const Summary& s) {
  // Insertion order is kept so that the file reads in the order docs/metrics.md describes.
  nlohmann::ordered_json j;
  j["scenario"] = s.scenario;
  j["seed"] = s.seed;
  j["threads"] = s.threads;
  j["step_s"] = s.stepS;
  j["sim_seconds"] = s.simSeconds;
  j["wall_seconds"] = s.wallSeconds;
  j["vehicle_updates"] = s.vehicleUpdates;
  j["vehicle_updates_per_second"] = s.vehicleUpdatesPerSecond;
  j["vehicles"] = {
      {"spawned", s.vehicles.spawned},           {"entered", s.vehicles.entered},
      {"arrived", s.vehicles.arrived},           {"running", s.vehicles.running},
      {"waiting_to_enter", s.vehicles.waitingToEnter}, {"teleported", s.vehicles.teleported},
      {"gridlock_reports", s.vehicles.gridlockReports}, {"lane_changes", s.vehicles.laneChanges},
  };
  j["travel_time_s"] = {
      {"mean_finished", s.meanTravelTimeFinishedS},
      {"mean_with_unfinished", s.meanTravelTimeWithUnfinishedS},
  };
  j["delay_index"] = s.delayIndex;
  j["mean_speed_mps"] = s.meanSpeedMps;
  j["stops_per_vehicle"] = s.stopsPerVehicle;
  j["throughput_veh_per_h"] = s.throughputVehPerH;
  j["signal_policy"] = s.signalPolicy;
  j["signal_priority"] = {
      {"preemptions", s.preemptions},
      {"transit_extensions", s.transitExtensions},
      {"transit_early_greens", s.transitEarlyGreens},
  };
  j["emergency"] = {
      {"vehicles", s.emergencyVehicles},
      {"arrived", s.emergencyArrived},
      {"mean_travel_time_s", s.emergencyVehicles > 0 ? nlohmann::ordered_json(s.emergencyMeanTravelTimeS) : nullptr},
  };
  return j.dump(2) + "\n";
}

void checkOutputDirReplaceable(const fs::path& requested) { checkFolderReplaceable(requested, isOutputFile); }

void writeRunOutputs(const fs::path& requested, const Scenario& scenario, const Summary& summary,
                     const std::vector<TripRecord>& trips, const std::vector<TimeseriesRow>& timeseries) {
  checkOutputDirReplaceable(requested);
  // Render everything before touching the disk: a bad record then fails with nothing to clean up.
  publishFolder(requested, {{kSummaryFile, summaryJson(summary)},
                            {kTripsFile, tripsCsv(scenario, trips)},
                            {kTimeseriesFile, timeseriesCsv(timeseries)}});
}

}  // namespace traffic
