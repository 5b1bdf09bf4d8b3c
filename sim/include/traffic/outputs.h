// The files a run leaves behind: summary.json, trips.csv and timeseries.csv in one folder.
//
// The folder appears complete or not at all. Everything is written into a hidden sibling folder
// first and renamed into place at the end, so a crash, a full disk or Ctrl-C never leaves a
// half-written results folder that a later analysis would mistake for a finished run. A run
// streams trips.csv and timeseries.csv into that folder as it goes (RunOutputStream), so that
// neither file is ever held in memory whole; the bytes are those of writing them at the end. An existing
// results folder is replaced as a whole (no stale files from an earlier run survive), but only if it
// holds nothing except files this module writes: pointing --out at a folder of other data fails
// instead of deleting it. Columns and units are defined in docs/metrics.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "traffic/metrics.h"
#include "traffic/scenario.h"

namespace traffic {

class World;

/// File names written into a results folder. Under [outputs] compress = "gzip", trips.csv and
/// timeseries.csv are written as trips.csv.gz and timeseries.csv.gz (compressedName()).
inline constexpr const char* kSummaryFile = "summary.json";
inline constexpr const char* kTripsFile = "trips.csv";
inline constexpr const char* kTimeseriesFile = "timeseries.csv";
/// Written only for scenarios with transit lines.
inline constexpr const char* kPassengersFile = "passengers.csv";
inline constexpr const char* kFleetFile = "fleet.csv";
/// Written only for scenarios with transit lines: one row per stop of each line.
inline constexpr const char* kLineStopsFile = "line_stops.csv";
/// Written only under [outputs] roads = true: one row per road and time series interval.
inline constexpr const char* kRoadsFile = "roads.csv";

/// Throws std::runtime_error (naming the path) when `dir` exists and may not be replaced: it is
/// not a folder, or it holds files other than run outputs. Cheap; call it before a long run.
void checkOutputDirReplaceable(const std::filesystem::path& dir);

/// A run's outputs written as the run goes. The constructor checks `dir` (as
/// checkOutputDirReplaceable) and opens a hidden staging folder next to it; drain(), called after
/// steps, appends the rows that are settled: the trips in trip order up to the first one still
/// on its way (an arrived trip's record no longer changes), and the time series rows recorded
/// since the last call. publish() writes the rest (the trips still on their way, as they are at
/// the end), summary.json and the transit files, and renames the folder into place. Destroyed
/// without publish() (Ctrl-C, an error), it deletes the staging folder and `dir` is as it was.
/// The files are byte for byte those writeRunOutputs writes from the same world at the end. The
/// memory it holds does not grow with the run: a batch of at most 4,096 records and a buffer of
/// about 1 MiB per file. Errors throw std::runtime_error naming the path; the stream is then
/// unusable (the world still holds everything writeRunOutputs needs).
class RunOutputStream {
 public:
  /// `roads`: write roads.csv when the scenario asks for it ([outputs] roads), sampling every
  /// step from the first: drain() must then be called after every step from time 0 (it throws
  /// otherwise). False for outputs written from a finished world, which has no per-step history.
  RunOutputStream(const std::filesystem::path& dir, const Scenario& scenario, bool roads = true);
  ~RunOutputStream();
  RunOutputStream(const RunOutputStream&) = delete;
  RunOutputStream& operator=(const RunOutputStream&) = delete;

  /// `world` must be a world of the scenario given to the constructor, the same at every call.
  void drain(const World& world);
  void publish(const World& world, const Summary& summary);

 private:
  class Files;
  friend void writeRunOutputs(const std::filesystem::path&, const Scenario&, const Summary&,
                              const std::vector<TripRecord>&, const std::vector<TimeseriesRow>&, const TransitRecords&);
  void writeTripsUpTo(const World& world, std::size_t last, double nowS);

  std::unique_ptr<Files> m_files;
  std::size_t m_tripsWritten = 0;
  std::size_t m_rowsWritten = 0;
  std::uint64_t m_stepsSampled = 0;  ///< steps whose road loads are in roads.csv's sums
  bool m_published = false;
};

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
