// The files a run leaves behind: summary.json, trips.csv and timeseries.csv in one folder.
//
// The folder appears complete or not at all. Everything is written into a hidden sibling folder
// first and renamed into place at the end, so a crash, a full disk or Ctrl-C never leaves a
// half-written results folder that a later analysis would mistake for a finished run. An existing
// results folder is replaced as a whole (no stale files from an earlier run survive), but only if it
// holds nothing except files this module writes: pointing --out at a folder of other data fails
// instead of deleting it. Columns and units are defined in docs/metrics.md.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "traffic/metrics.h"
#include "traffic/scenario.h"

namespace traffic {

/// File names written into a results folder.
inline constexpr const char* kSummaryFile = "summary.json";
inline constexpr const char* kTripsFile = "trips.csv";
inline constexpr const char* kTimeseriesFile = "timeseries.csv";
/// Written only for scenarios with transit lines.
inline constexpr const char* kPassengersFile = "passengers.csv";
inline constexpr const char* kFleetFile = "fleet.csv";
/// Written only for scenarios with transit lines: one row per stop of each line.
inline constexpr const char* kLineStopsFile = "line_stops.csv";

/// Throws std::runtime_error (naming the path) when `dir` exists and may not be replaced: it is
/// not a folder, or it holds files other than run outputs. Cheap; call it before a long run.
void checkOutputDirReplaceable(const std::filesystem::path& dir);

/// Writes the run's outputs into `dir`, creating parent folders and replacing an earlier results
/// folder whole. Throws std::runtime_error naming the path on I/O failure, leaving `dir` as it was.
void writeRunOutputs(const std::filesystem::path& dir, const Scenario& scenario, const Summary& summary,
                     const std::vector<TripRecord>& trips, const std::vector<TimeseriesRow>& timeseries,
                     const TransitRecords& transit = {});

/// The summary as written to summary.json (pretty-printed JSON text); with a `protocol` name (the
/// scenario's benchmark protocol, traffic/protocol.h) it says which protocol produced it, and with
/// a `sensing` description (traffic/sensing.h; empty for the exact oracle) how the policy saw.
std::string summaryJson(const Summary& summary, const std::string& protocol = {}, const std::string& sensing = {});

}  // namespace traffic
