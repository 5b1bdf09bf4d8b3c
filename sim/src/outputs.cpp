#include "traffic/outputs.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <system_error>

namespace traffic {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void ioFailure(const fs::path& path, const std::string& what, const std::error_code& ec = {}) {
  std::string msg = what + " '" + path.string() + "'";
  if (ec) msg += ": " + ec.message();
  throw std::runtime_error(msg);
}

/// "results/x/" and "results/x" name the same folder; the rename dance needs the last component.
fs::path normalisedDir(const fs::path& dir) {
  fs::path d = dir.lexically_normal();
  if (d.filename().empty()) d = d.parent_path();
  const auto name = d.filename().string();
  if (name.empty() || name == "." || name == "..")
    throw std::runtime_error("output folder '" + dir.string() +
                             "' must name a folder of its own (for example results/run1), not '.' or '..'");
  return d;
}

bool isOutputFile(const fs::path& name) {
  return name == kSummaryFile || name == kTripsFile || name == kTimeseriesFile;
}

// ---- number formatting: fixed decimals keep the CSVs compact and stable across platforms ----

void appendFixed(std::string& out, double v, int decimals) {
  if (!std::isfinite(v)) return;  // an empty cell reads as NaN in pandas
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  // Only astronomically large values do not fit; fall back to the general form for them.
  if (result.ec != std::errc()) result = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, result.ptr);
}

void appendInteger(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

void appendCsvText(std::string& out, const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string tripsCsv(const Scenario& scenario, const std::vector<TripRecord>& trips) {
  std::string out =
      "id,class,depart_s,enter_s,arrive_s,travel_time_s,free_flow_s,delay_s,stops,route_length_m,distance_m,"
      "teleported\n";
  out.reserve(out.size() + trips.size() * 96);
  const auto& demand = scenario.demand.trips;
  for (const auto& r : trips) {
    if (r.tripIndex >= demand.size())
      throw std::runtime_error("trip record refers to trip #" + std::to_string(r.tripIndex) + ", but the scenario has " +
                               std::to_string(demand.size()) + " trips");
    const bool entered = r.enterS >= 0;
    const bool arrived = r.arriveS >= 0;
    appendCsvText(out, demand[r.tripIndex].id);
    out += ',';
    out += toString(r.vehicleClass);
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

void writeFile(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) ioFailure(path, "cannot create", std::error_code(errno, std::generic_category()));
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.flush();
  if (!out) ioFailure(path, "cannot write", std::error_code(errno, std::generic_category()));
  out.close();
  if (out.fail()) ioFailure(path, "cannot close", std::error_code(errno, std::generic_category()));
}

/// A name next to `dir` that no other writer uses: process id plus a per-process counter.
fs::path siblingName(const fs::path& dir, const char* purpose) {
  static std::atomic<unsigned> counter{0};
  const std::string name = "." + dir.filename().string() + "." + purpose + "-" + std::to_string(::getpid()) + "-" +
                           std::to_string(counter.fetch_add(1));
  return dir.parent_path() / name;
}

/// Removes a folder we created, without letting a second failure hide the first.
void discard(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
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
  return j.dump(2) + "\n";
}

void checkOutputDirReplaceable(const fs::path& requested) {
  const fs::path dir = normalisedDir(requested);
  std::error_code ec;
  const auto status = fs::symlink_status(dir, ec);
  if (ec || status.type() == fs::file_type::not_found) return;
  if (status.type() != fs::file_type::directory)
    throw std::runtime_error("output folder '" + dir.string() + "' exists and is not a folder; choose another --out");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file() || !isOutputFile(it->path().filename()))
      throw std::runtime_error("output folder '" + dir.string() + "' holds '" + it->path().filename().string() +
                               "', which is not a trafficsim output; results replace the whole folder, so "
                               "choose an empty or new folder with --out");
  }
  if (ec) ioFailure(dir, "cannot list", ec);
}

void writeRunOutputs(const fs::path& requested, const Scenario& scenario, const Summary& summary,
                     const std::vector<TripRecord>& trips, const std::vector<TimeseriesRow>& timeseries) {
  const fs::path dir = normalisedDir(requested);
  checkOutputDirReplaceable(dir);

  // Render everything before touching the disk: a bad record then fails with nothing to clean up.
  const std::string summaryText = summaryJson(summary);
  const std::string tripsText = tripsCsv(scenario, trips);
  const std::string timeseriesText = timeseriesCsv(timeseries);

  std::error_code ec;
  if (!dir.parent_path().empty()) {
    fs::create_directories(dir.parent_path(), ec);
    if (ec) ioFailure(dir.parent_path(), "cannot create the folder", ec);
  }

  const fs::path staging = siblingName(dir, "partial");
  discard(staging);
  fs::create_directory(staging, ec);
  if (ec) ioFailure(staging, "cannot create the folder", ec);
  try {
    writeFile(staging / kSummaryFile, summaryText);
    writeFile(staging / kTripsFile, tripsText);
    writeFile(staging / kTimeseriesFile, timeseriesText);
  } catch (...) {
    discard(staging);
    throw;
  }

  // rename() cannot replace a non-empty folder, so the old one steps aside first and is only
  // deleted once the new one is in place; if the swap fails, the old one goes back.
  fs::path previous;
  if (fs::exists(fs::symlink_status(dir, ec))) {
    previous = siblingName(dir, "previous");
    fs::rename(dir, previous, ec);
    if (ec) {
      discard(staging);
      ioFailure(dir, "cannot move the earlier results aside in", ec);
    }
  }
  fs::rename(staging, dir, ec);
  if (ec) {
    const std::error_code renameError = ec;
    if (!previous.empty()) fs::rename(previous, dir, ec);
    discard(staging);
    ioFailure(dir, "cannot move the new results into", renameError);
  }
  if (!previous.empty()) discard(previous);
}

}  // namespace traffic
