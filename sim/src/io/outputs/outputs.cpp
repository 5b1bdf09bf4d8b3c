#include "traffic/outputs.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <stdexcept>

#include "traffic/citybrain_score.h"
#include "traffic/output_folder.h"
#include "traffic/resco_score.h"
#include "traffic/sensing.h"
#include "traffic/world.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

bool isOutputFile(const std::string& name) {
  for (const char* file : {kTripsFile, kTimeseriesFile, kRoadsFile})
    if (name == file || name == compressedName(file, Compression::Gzip)) return true;
  return name == kSummaryFile || name == kPassengersFile || name == kFleetFile || name == kLineStopsFile;
}

using csv::appendFixed;
using csv::appendInteger;

constexpr const char* kTripsHeader =
    "id,class,type,depart_s,enter_s,arrive_s,travel_time_s,free_flow_s,delay_s,stops,route_length_m,distance_m,"
    "teleported,time_loss_s,depart_delay_s,waiting_time_s,waiting_count\n";

void appendTripRow(std::string& out, const Scenario& scenario, const TripRecord& r) {
  const auto& demand = scenario.demand.trips;
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
  // SUMO's tripinfo measures, so far; times empty while the vehicle waits to enter.
  out += ',';
  if (entered) appendFixed(out, r.timeLossS, 3);
  out += ',';
  if (entered) appendFixed(out, r.enterS - r.departS, 3);
  out += ',';
  if (entered) appendFixed(out, r.waitingS, 3);
  out += ',';
  appendInteger(out, r.waitingCount);
  out += '\n';
}

std::string timeseriesHeader() {
  std::string out = "time_s,running,waiting_to_enter,arrived,mean_speed_mps,delay_index";
  for (int c = 0; c < kVehicleClassCount; ++c) out += ",running_" + std::string(toString(static_cast<VehicleClass>(c)));
  out += ",passengers_waiting,passengers_on_board\n";
  return out;
}

void appendTimeseriesRow(std::string& out, const TimeseriesRow& row) {
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
  for (std::uint32_t n : row.runningByClass) {
    out += ',';
    appendInteger(out, n);
  }
  out += ',';
  appendInteger(out, row.passengersWaiting);
  out += ',';
  appendInteger(out, row.passengersOnBoard);
  out += '\n';
}

// A line's stops in service order: the load profile and each stop's service.
nlohmann::ordered_json lineStopsJson(const LineSummary& line) {
  nlohmann::ordered_json stops = nlohmann::ordered_json::array();
  for (const LineStopSummary& st : line.stops)
    stops.push_back({
        {"stop", st.stop},
        {"arrivals", st.arrivals},
        {"boardings", st.boardings},
        {"alightings", st.alightings},
        {"mean_load", st.meanLoad},
        {"max_load", st.maxLoad},
        {"mean_wait_s", st.meanWaitS},
        {"max_wait_s", st.maxWaitS},
        {"left_waiting", st.leftWaiting},
        {"headway_cv", st.headwayCv},
        {"bunching_share", st.bunchingShare},
    });
  return stops;
}

// line_stops.csv: one row per stop of each line, in service order.
std::string lineStopsCsv(const Scenario& scenario, const Summary& summary) {
  std::string out =
      "line,position,stop,capacity,arrivals,boardings,alightings,mean_load,max_load,mean_wait_s,max_wait_s,"
      "left_waiting,headway_cv,bunching_share\n";
  for (std::size_t l = 0; l < summary.lines.size(); ++l) {
    const LineSummary& line = summary.lines[l];
    for (std::size_t k = 0; k < line.stops.size(); ++k) {
      const LineStopSummary& st = line.stops[k];
      csv::appendText(out, line.line);
      out += ',';
      appendInteger(out, k);
      out += ',';
      csv::appendText(out, st.stop);
      for (std::uint64_t n : {std::uint64_t{scenario.transit.lines.at(l).capacity}, st.arrivals, st.boardings, st.alightings}) {
        out += ',';
        appendInteger(out, n);
      }
      out += ',';
      appendFixed(out, st.meanLoad, 3);
      out += ',';
      appendInteger(out, st.maxLoad);
      out += ',';
      appendFixed(out, st.meanWaitS, 3);
      out += ',';
      appendFixed(out, st.maxWaitS, 3);
      out += ',';
      appendInteger(out, st.leftWaiting);
      out += ',';
      appendFixed(out, st.headwayCv, 4);
      out += ',';
      appendFixed(out, st.bunchingShare, 4);
      out += '\n';
    }
  }
  return out;
}

// One row of passengers.csv: a passenger of a line or a rider of an on-demand fleet. Times below
// zero have not happened (empty cells); NaN direct time: not applicable.
struct PassengerRow {
  const std::string& id;
  const std::string& service;
  const char* mode;
  const std::string& from;
  const std::string& to;
  double arriveS, boardS, alightS;
  const std::string* vehicle;  // null: none
  std::string_view status, reason;
  double directS;
};

void appendPassengerRow(std::string& out, const PassengerRow& r) {
  for (const std::string* text : {&r.id, &r.service}) {
    csv::appendText(out, *text);
    out += ',';
  }
  out += r.mode;
  for (const std::string* text : {&r.from, &r.to}) {
    out += ',';
    csv::appendText(out, *text);
  }
  const bool boarded = r.boardS >= 0, alighted = r.alightS >= 0;
  out += ',';
  appendFixed(out, r.arriveS, 3);
  out += ',';
  if (boarded) appendFixed(out, r.boardS, 3);
  out += ',';
  if (alighted) appendFixed(out, r.alightS, 3);
  out += ',';
  if (boarded) appendFixed(out, r.boardS - r.arriveS, 3);
  out += ',';
  if (alighted) appendFixed(out, r.alightS - r.boardS, 3);
  out += ',';
  if (r.vehicle) csv::appendText(out, *r.vehicle);
  out += ',';
  out += r.status;
  out += ',';
  out += r.reason;
  out += ',';
  appendFixed(out, r.directS, 3);
  out += ',';
  if (alighted && r.directS > 0) appendFixed(out, (r.alightS - r.boardS) / r.directS, 4);
  out += '\n';
}

// One row per passenger who reached a stop, then one per ride request of an on-demand fleet.
std::string passengersCsv(const Scenario& scenario, const TransitRecords& transit) {
  std::string out =
      "passenger,service,mode,from,to,arrive_stop_s,board_s,alight_s,wait_s,in_vehicle_s,vehicle,status,reason,"
      "direct_s,detour\n";
  const Transit& t = scenario.transit;
  const auto& trips = scenario.demand.trips;
  for (const PassengerRecord& p : transit.passengers) {
    const Passenger& spec = t.passengers.at(p.index);
    const TransitLine& line = t.lines.at(spec.line);
    const std::string index = std::to_string(p.index);
    const std::string_view status = p.alightS >= 0 ? "delivered" : p.boardS >= 0 ? "on_board" : "waiting";
    appendPassengerRow(out, {index, line.id, "line", t.stops[line.stops[spec.fromStop]].id,
                             t.stops[line.stops[spec.toStop]].id, spec.arriveS, p.boardS, p.alightS,
                             p.vehicle != UINT32_MAX ? &trips.at(p.vehicle).id : nullptr, status, "", std::nan("")});
  }
  const Fleets& fleets = scenario.fleets;
  for (const RideRecord& r : transit.rides) {
    const RideRequest& spec = fleets.requests.at(r.request);
    appendPassengerRow(out, {spec.id, fleets.fleets.at(spec.fleet).id, "on_demand", scenario.network->road(spec.from).name,
                             scenario.network->road(spec.to).name, spec.timeS, r.pickupS, r.dropoffS,
                             r.vehicle != UINT32_MAX ? &trips.at(r.vehicle).id : nullptr, r.status, r.reason,
                             r.directS > 0 ? r.directS : std::nan("")});
  }
  return out;
}

// One row of fleet.csv: a run of a line or a vehicle of an on-demand fleet.
struct FleetRow {
  const std::string& vehicle;
  const std::string& service;
  const char* mode;
  double departS, distanceM, passengerMetres, emptyMetres;
  std::uint64_t boarded, maxLoad, onboard, stopsServed, stopsPassed;
  double utilisation;                // NaN: not applicable (lines)
  double occupiedH, emptyH, idleH;   // NaN: not applicable (lines)
};

void appendFleetRow(std::string& out, const FleetRow& r) {
  csv::appendText(out, r.vehicle);
  out += ',';
  csv::appendText(out, r.service);
  out += ',';
  out += r.mode;
  out += ',';
  appendFixed(out, r.departS, 3);
  for (double v : {r.distanceM / 1000.0, r.passengerMetres / 1000.0, r.emptyMetres / 1000.0,
                   r.distanceM > 0 ? r.passengerMetres / r.distanceM : 0.0}) {
    out += ',';
    appendFixed(out, v, 4);
  }
  for (std::uint64_t n : {r.boarded, r.maxLoad, r.onboard, r.stopsServed, r.stopsPassed}) {
    out += ',';
    appendInteger(out, n);
  }
  for (double v : {r.utilisation, r.occupiedH, r.emptyH, r.idleH}) {
    out += ',';
    appendFixed(out, v, 4);  // empty for NaN
  }
  out += '\n';
}

std::string fleetCsv(const Scenario& scenario, const TransitRecords& transit) {
  std::string out =
      "vehicle,service,mode,depart_s,distance_km,passenger_km,empty_km,mean_load,boarded,max_load,on_board,"
      "stops_served,stops_passed,utilisation,occupied_h,empty_h,idle_h\n";
  const auto& trips = scenario.demand.trips;
  for (const TransitRunRecord& r : transit.runs) {
    const auto served = std::count_if(r.stopArriveS.begin(), r.stopArriveS.end(), [](double t) { return t >= 0; });
    const auto passed = std::count(r.stopArriveS.begin(), r.stopArriveS.end(), -2.0);
    appendFleetRow(out, {trips.at(r.tripIndex).id, scenario.transit.lines.at(r.line).id, "line", trips[r.tripIndex].departS,
                         r.distanceM, r.passengerMetres, r.emptyMetres, r.boarded, r.maxLoad, r.onboard,
                         static_cast<std::uint64_t>(served), static_cast<std::uint64_t>(passed), std::nan(""), std::nan(""), std::nan(""),
                         std::nan("")});
  }
  for (const FleetVehicleRecord& r : transit.fleetVehicles)
    appendFleetRow(out, {trips.at(r.tripIndex).id, scenario.fleets.fleets.at(r.fleet).id, "on_demand",
                         trips[r.tripIndex].departS, r.distanceM, r.passengerMetres, r.emptyMetres, r.riders, r.maxLoad,
                         r.onboard, r.stopsMade, 0, r.inServiceS > 0 ? r.busyS / r.inServiceS : 0.0,
                         r.occupiedS / 3600.0, (r.busyS - r.occupiedS) / 3600.0,
                         std::max(0.0, r.inServiceS - r.busyS) / 3600.0});
  return out;
}

// roads.csv: per road and interval, the loads of the steps that end in it, summed as they come
// (World::addRoadLoads) and written when the interval closes. Intervals are those of the time
// series: interval k holds the steps ending in (k, k + 1] x timeseries_interval_s, the last one
// ends with the run.
class RoadsTable {
 public:
  RoadsTable(const Scenario& scenario, const fs::path& path)
      : m_net(*scenario.network), m_intervalS(scenario.timeseriesIntervalS), m_file(path, scenario.outputCompression) {
    m_file.buffer() +=
        "road,start_s,end_s,entered,flow_veh_per_h,mean_vehicles,density_veh_per_km,density_veh_per_km_lane,"
        "mean_speed_mps,mean_queue_veh\n";
  }

  void sample(const World& world) {
    const double nowS = world.timeS();
    // The tolerance keeps a step ending at 60 s (a sum of steps, 59.99999...) in the first interval.
    const auto interval = static_cast<std::int64_t>(std::ceil(nowS / m_intervalS - 1e-6)) - 1;
    if (m_steps > 0 && interval != m_interval) writeInterval();
    m_interval = interval;
    world.addRoadLoads(m_loads, m_lastRoad);
    ++m_steps;
    m_endS = nowS;
  }

  void close() {
    if (m_steps > 0) writeInterval();
    m_file.close();
  }

 private:
  void writeInterval() {
    std::string& out = m_file.buffer();
    const double durationS = m_endS - m_startS;
    const double steps = static_cast<double>(m_steps);
    for (std::size_t r = 0; r < m_loads.size(); ++r) {
      const Road& road = m_net.road(RoadId(static_cast<std::uint32_t>(r)));
      RoadLoad& load = m_loads[r];
      const double meanVehicles = static_cast<double>(load.vehicles) / steps;
      const double densityPerKm = road.lengthM > 0 ? meanVehicles / (road.lengthM / 1000.0) : std::nan("");
      csv::appendText(out, road.name);
      out += ',';
      appendFixed(out, m_startS, 3);
      out += ',';
      appendFixed(out, m_endS, 3);
      out += ',';
      appendInteger(out, load.entered);
      out += ',';
      appendFixed(out, durationS > 0 ? static_cast<double>(load.entered) * 3600.0 / durationS : std::nan(""), 2);
      out += ',';
      appendFixed(out, meanVehicles, 4);
      out += ',';
      appendFixed(out, densityPerKm, 4);
      out += ',';
      appendFixed(out, road.lanes.empty() ? std::nan("") : densityPerKm / static_cast<double>(road.lanes.size()), 4);
      out += ',';
      // Empty when nobody was on the road: no speed to average.
      appendFixed(out, load.vehicles > 0 ? load.speedSumMps / static_cast<double>(load.vehicles) : std::nan(""), 4);
      out += ',';
      appendFixed(out, static_cast<double>(load.halted) / steps, 4);
      out += '\n';
      load = RoadLoad{};
      m_file.flushIfFull();
    }
    m_startS = m_endS;
    m_steps = 0;
  }

  const RoadNetwork& m_net;
  double m_intervalS;
  StreamedFile m_file;
  std::vector<RoadLoad> m_loads;
  std::vector<std::uint32_t> m_lastRoad;
  std::int64_t m_interval = 0;
  std::uint64_t m_steps = 0;
  double m_startS = 0;
  double m_endS = 0;
};

}  // namespace

namespace {

std::string summaryJsonWith(const Summary& s, const std::string& protocol, const std::string& sensing,
                            const CitybrainScore* citybrain, const RescoScore* resco) {
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
      {"hard_brakes", s.vehicles.hardBrakes},    {"clamped_moves", s.vehicles.clampedMoves},
      {"rerouted_missed_turns", s.vehicles.reroutedMissedTurns}, {"halted_in_box", s.vehicles.haltedInBox},
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
  // Only under a benchmark protocol: a run without one keeps the summary it always had.
  if (!protocol.empty()) j["protocol"] = protocol;
  // The City Brain Challenge's two scores (docs/metrics.md), under its protocol only.
  if (citybrain) j["citybrain"] = {{"served", citybrain->served}, {"delay_index", citybrain->delayIndex}};
  // RESCO's average delay (docs/metrics.md), under its protocol only.
  if (resco) j["resco"] = {{"vehicles", resco->vehicles}, {"delay_s", resco->delayS}};
  // Likewise only for a sensing model other than the exact oracle (docs/sensing.md).
  if (!sensing.empty()) j["sensing"] = sensing;
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
  nlohmann::ordered_json modes = nlohmann::ordered_json::object();
  for (const ModeSummary& m : s.modes)
    modes[std::string(toString(m.vehicleClass))] = {
        {"trips", m.trips},
        {"arrived", m.arrived},
        {"mean_travel_time_with_unfinished_s", m.meanTravelTimeWithUnfinishedS},
        {"mean_delay_s", m.meanDelayS},
        {"stops_per_vehicle", m.stopsPerVehicle},
        {"distance_km", m.distanceKm},
        {"service_vehicles", m.serviceVehicles},
        {"stops_per_km", m.stopsPerKm},
    };
  j["modes"] = modes;
  nlohmann::ordered_json lines = nlohmann::ordered_json::array();
  for (const LineSummary& l : s.lines)
    lines.push_back({
        {"line", l.line},
        {"runs", l.runs},
        {"passengers", l.passengers},
        {"boarded", l.boarded},
        {"delivered", l.delivered},
        {"left_waiting", l.leftWaiting},
        {"mean_wait_s", l.meanWaitS},
        {"mean_in_vehicle_s", l.meanInVehicleS},
        {"mean_load", l.meanLoad},
        {"max_load", l.maxLoad},
        {"mean_run_time_s", l.meanRunTimeS},
        {"headway_cv", l.headwayCv},
        {"bunching_share", l.bunchingShare},
        {"mean_lateness_s", l.meanLatenessS},
        {"on_time_share", l.onTimeShare},
        {"stops", lineStopsJson(l)},
    });
  j["transit_lines"] = lines;
  nlohmann::ordered_json fleets = nlohmann::ordered_json::array();
  for (const FleetSummary& f : s.fleets) {
    nlohmann::ordered_json rejected = nlohmann::ordered_json::object();
    for (const auto& [reason, count] : f.rejectedBy) rejected[reason] = count;
    fleets.push_back({
        {"fleet", f.fleet},
        {"vehicles", f.vehicles},
        {"requests", f.requests},
        {"delivered", f.delivered},
        {"rejected", f.rejected},
        {"rejected_by_reason", rejected},
        {"mean_wait_s", f.meanWaitS},
        {"mean_ride_s", f.meanRideS},
        {"mean_detour", f.meanDetour},
        {"occupancy", f.occupancy},
        {"utilisation", f.utilisation},
        {"empty_share", f.emptyShare},
        {"promises",
         {{"waits_kept", f.waitsKept},
          {"waits_broken", f.waitsBroken},
          {"max_wait_over_s", f.maxWaitOverS},
          {"mean_wait_over_s", f.meanWaitOverS},
          {"rides_kept", f.ridesKept},
          {"rides_broken", f.ridesBroken},
          {"max_ride_over_s", f.maxRideOverS},
          {"mean_ride_over_s", f.meanRideOverS},
          {"replans", f.replans}}},
        {"vehicle_hours", {{"occupied", f.occupiedH}, {"empty", f.emptyH}, {"idle", f.idleH}}},
    });
  }
  j["fleets"] = fleets;
  return j.dump(2) + "\n";
}

}  // namespace

std::string summaryJson(const Summary& s, const std::string& protocol, const std::string& sensing) {
  return summaryJsonWith(s, protocol, sensing, nullptr, nullptr);
}

void checkOutputDirReplaceable(const fs::path& requested) { checkFolderReplaceable(requested, isOutputFile); }

// The files of one run being written: trips.csv and timeseries.csv stream into the staging folder
// a batch of rows at a time, the small files are rendered at the end. The scores of summary.json
// that need every trip record (City Brain, RESCO) are summed as the records go by, in trip order,
// as the functions over the whole list sum them.
class RunOutputStream::Files {
 public:
  Files(const fs::path& dir, const Scenario& scenario, bool roads)
      : m_scenario(scenario),
        m_staging(dir),
        m_trips(m_staging.path() / compressedName(kTripsFile, scenario.outputCompression), scenario.outputCompression),
        m_timeseries(m_staging.path() / compressedName(kTimeseriesFile, scenario.outputCompression),
                     scenario.outputCompression) {
    m_trips.buffer() += kTripsHeader;
    m_timeseries.buffer() += timeseriesHeader();
    if (roads && scenario.roadsOutput)
      m_roads.emplace(scenario, m_staging.path() / compressedName(kRoadsFile, scenario.outputCompression));
  }

  RoadsTable* roads() { return m_roads ? &*m_roads : nullptr; }

  void addTrips(std::span<const TripRecord> trips, double nowS) {
    std::string& out = m_trips.buffer();
    for (const TripRecord& r : trips) {
      appendTripRow(out, m_scenario, r);
      m_citybrain.add(r, nowS);
      m_resco.add(r, nowS);
    }
    m_trips.flushIfFull();
  }

  void addTimeseries(std::span<const TimeseriesRow> rows) {
    for (const TimeseriesRow& row : rows) appendTimeseriesRow(m_timeseries.buffer(), row);
    m_timeseries.flushIfFull();
  }

  void publish(const Summary& summary, const TransitRecords& transit) {
    m_trips.close();
    m_timeseries.close();
    if (m_roads) m_roads->close();
    const Scenario& scenario = m_scenario;
    std::optional<CitybrainScore> citybrain;
    if (scenario.protocol == "citybrain") citybrain = m_citybrain.score();
    std::optional<RescoScore> resco;
    if (scenario.protocol == "resco") resco = m_resco.score();
    const std::string sensing =
        scenario.sensing.model == SensingModel::Oracle ? std::string() : describeSensing(scenario.sensing);
    std::vector<OutputFile> files{{kSummaryFile, summaryJsonWith(summary, scenario.protocol, sensing,
                                                                citybrain ? &*citybrain : nullptr, resco ? &*resco : nullptr)}};
    if (!scenario.transit.empty() || !scenario.fleets.empty()) {
      files.push_back({kPassengersFile, passengersCsv(scenario, transit)});
      files.push_back({kFleetFile, fleetCsv(scenario, transit)});
    }
    if (!scenario.transit.empty()) files.push_back({kLineStopsFile, lineStopsCsv(scenario, summary)});
    for (const OutputFile& f : files) {
      StreamedFile file(m_staging.path() / f.name, Compression::None);
      file.buffer() = f.content;
      file.close();
    }
    m_staging.publish();
  }

 private:
  const Scenario& m_scenario;
  StagingFolder m_staging;
  StreamedFile m_trips;
  StreamedFile m_timeseries;
  std::optional<RoadsTable> m_roads;
  CitybrainTally m_citybrain;
  RescoTally m_resco;
};

RunOutputStream::RunOutputStream(const fs::path& dir, const Scenario& scenario, bool roads) {
  checkOutputDirReplaceable(dir);
  m_files = std::make_unique<Files>(dir, scenario, roads);
}

RunOutputStream::~RunOutputStream() = default;

void RunOutputStream::drain(const World& world) {
  if (m_published) throw std::logic_error("RunOutputStream::drain after publish");
  if (RoadsTable* roads = m_files->roads(); roads && world.stepCount() > m_stepsSampled) {
    // Every step's loads go into the sums: a step missed would go missing from them.
    if (world.stepCount() != m_stepsSampled + 1)
      throw std::runtime_error("roads.csv is summed over every step from the start of the run, but step " +
                               std::to_string(m_stepsSampled + 1) + " was not seen; write it from a run that "
                               "starts at time 0 (not --resume) and drains its outputs after every step");
    roads->sample(world);
    m_stepsSampled = world.stepCount();
  }
  writeTripsUpTo(world, world.firstUnarrivedTrip(m_tripsWritten), world.timeS());
  const std::vector<TimeseriesRow>& rows = world.timeseries();
  if (m_rowsWritten < rows.size()) {
    m_files->addTimeseries(std::span(rows).subspan(m_rowsWritten));
    m_rowsWritten = rows.size();
  }
}

void RunOutputStream::writeTripsUpTo(const World& world, std::size_t last, double nowS) {
  // Batches bound the records held at once; the rows go straight into the file's buffer.
  constexpr std::size_t kBatch = 4096;
  while (m_tripsWritten < last) {
    const std::size_t end = std::min(last, m_tripsWritten + kBatch);
    const std::vector<TripRecord> records = world.tripRecords(m_tripsWritten, end);
    m_files->addTrips(records, nowS);
    m_tripsWritten = end;
  }
}

void RunOutputStream::publish(const World& world, const Summary& summary) {
  if (m_published) throw std::logic_error("RunOutputStream::publish twice");
  drain(world);
  // The trips still on their way (and those after them in trip order), as they are now.
  writeTripsUpTo(world, world.departedTrips(), summary.simSeconds);
  m_published = true;
  m_files->publish(summary, world.transitRecords());
}

void writeRunOutputs(const fs::path& requested, const Scenario& scenario, const Summary& summary,
                     const std::vector<TripRecord>& trips, const std::vector<TimeseriesRow>& timeseries,
                     const TransitRecords& transit) {
  checkOutputDirReplaceable(requested);
  RunOutputStream::Files files(requested, scenario, false);
  files.addTrips(trips, summary.simSeconds);
  files.addTimeseries(timeseries);
  files.publish(summary, transit);
}

}  // namespace traffic
