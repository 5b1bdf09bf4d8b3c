// The signal-policy benchmark behind `trafficsim compare`, as a library: measuring one run, and
// rendering a set of runs into per-run results, time series, a Markdown report with 95%
// confidence intervals over seeds, and SVG charts. The command itself (validation, worker
// threads, progress, signals) is in apps/trafficsim/compare_command.cpp.
//
// Parallelism is over runs, not inside them: each World gets one thread (WorldOptions{1}), and
// `jobs` worker threads take runs from a shared queue. Independent runs scale almost perfectly,
// while the engine's own phase parallelism only pays off on large networks. Results do not depend
// on the number of jobs or on which worker ran what: each run is deterministic given its scenario
// and seed, and results are stored by their position in the run list.
//
// Everything is checked before the first run starts: every scenario is loaded once with every
// policy (a bad file, key or policy name exits 2 and nothing runs), scenario names must differ,
// and the output folder must be replaceable. The folder then appears complete or not at all, as
// for `run` (written beside it and renamed into place); a folder holding files that `compare` does
// not write is never replaced. Columns: docs/metrics.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "traffic/output_folder.h"
#include "traffic/scenario.h"

namespace traffic::compare {

/// File names written into a comparison folder (besides the charts).
inline constexpr const char* kResultsFile = "results.csv";
inline constexpr const char* kTimeseriesFile = "timeseries.csv";
inline constexpr const char* kReportFile = "report.md";

/// One row of the compare timeseries.csv: a row of World::timeseries() plus the number of halting
/// vehicles measured at the same instant.
struct SeriesPoint {
  double timeS = 0;
  std::uint32_t running = 0;
  std::uint32_t waitingToEnter = 0;
  std::uint32_t halting = 0;  ///< vehicles in the network slower than 0.1 m/s
  double delayIndex = 1;
};

/// The measures of one run: a row of results.csv and its time series. Not-a-number where a
/// measure is undefined (no vehicle arrived); written as an empty cell.
struct RunResult {
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  std::string scenario;
  std::string policy;
  std::uint64_t seed = 0;
  double meanTravelTimeS = kNone;               ///< of arrived vehicles
  double meanTravelTimeWithUnfinishedS = kNone;
  double meanDelayS = kNone;                    ///< travel − free-flow time, over arrived vehicles
  /// RESCO's delay: time loss + departure delay over every vehicle whose departure time came
  /// (unfinished ones so far; those never entered with their whole time since departure).
  double meanDelayWithUnfinishedS = kNone;
  double stopsPerVehicle = kNone;
  double meanQueueVeh = kNone;                  ///< mean of SeriesPoint::halting over the series
  double throughputVehPerH = kNone;
  double delayIndex = kNone;
  /// The delay index over the vehicles that entered the network only: the City Brain Challenge's.
  double delayIndexServed = kNone;
  std::uint64_t arrived = 0;
  std::uint64_t spawned = 0;
  std::uint64_t waitingToEnter = 0;
  std::uint64_t teleported = 0;
  std::uint64_t entered = 0;  ///< vehicles served, in the City Brain Challenge's sense
  std::string protocol;       ///< the benchmark protocol of the run's scenario; empty for none
  std::string sensing = "oracle";  ///< the sensing model the policy saw through (traffic/sensing.h)
  double emergencyTravelTimeS = kNone;  ///< mean over emergency vehicles; empty when there are none
  double wallSeconds = 0;
  std::vector<SeriesPoint> series;
};

/// Simulates `scenario` to its end on one thread and measures it, recording `policy` as the run's
/// policy name. Checks `stop` before every step and returns nullopt once it is set. `fraction`, if
/// given, receives the share of the run simulated so far, for progress displays.
std::optional<RunResult> simulateRun(const Scenario& scenario, const std::string& policy,
                                     const std::atomic<bool>& stop, std::atomic<double>* fraction = nullptr);

/// What the report says about each scenario, in the order of the command line.
struct ScenarioInfo {
  std::string name;
  std::string description;
  double durationS = 0;
  /// Under which conventions it ran, for the report: the benchmark protocol (empty: none), and the
  /// settings that move results most, as they were after the protocol and --set were applied.
  std::string protocol;
  double yellowS = 0;
  double allRedS = 0;
  bool laneChanging = true;
  bool teleports = false;  ///< gridlock_action = "teleport"
  /// How policies saw the traffic: describeSensing() of the scenario's model (traffic/sensing.h).
  std::string sensing = "oracle";
};

/// The sensing model `compare` and `tune` use when neither --sensing nor the scenario names one:
/// realistic detection (issue 12), a camera at every stop line with the defaults of
/// traffic/sensing.h (docs/sensing.md says why this one).
inline constexpr const char* kDefaultBenchmarkSensing = "camera";

/// The scenario overrides (--set syntax) that `--sensing NAME[:key=value,...]` stands for:
/// "sensing.model=NAME", then "sensing.KEY=VALUE" for each parameter. Throws UsageError for an
/// unknown model or a parameter written without '='; the scenario loader checks the keys and values.
std::vector<std::string> sensingOverrides(const std::string& option);

struct ComparisonSpec {
  std::vector<ScenarioInfo> scenarios;
  std::vector<std::string> policies;
  int seeds = 1;
  std::string commandLine;  ///< shown in report.md so that the comparison can be repeated
  std::string version;
};

/// The files of a comparison, rendered in memory: results.csv, timeseries.csv, report.md, then
/// per scenario travel_time_<s>.svg, delay_index_<s>.svg and vehicles_<s>.svg. `runs` may come
/// in any order; rows are written in the order of the spec (scenario, policy, seed).
std::vector<OutputFile> renderComparison(const ComparisonSpec& spec, const std::vector<RunResult>& runs);

/// Whether `fileName` is one that renderComparison produces (so a folder of them may be replaced).
bool isComparisonOutput(const std::string& fileName);
/// Throws UsageError when `dir` exists and holds anything but comparison outputs.
void checkComparisonDirReplaceable(const std::filesystem::path& dir);
/// Writes `files` into `dir` all at once (a sibling folder renamed into place), replacing an
/// earlier comparison there. Throws std::runtime_error naming the path on I/O failure.
void writeComparisonOutputs(const std::filesystem::path& dir, const std::vector<OutputFile>& files);

/// A plain-text table of the comparison: per scenario, each policy's mean travel time counting
/// unfinished trips, delay index and throughput, with 95% intervals over seeds.
std::string summaryTable(const ComparisonSpec& spec, const std::vector<RunResult>& runs);
/// Names of the scenarios whose every seed gave identical results (nothing in them is random), so
/// that a caller can say the seeds were wasted. Empty for a single seed.
std::vector<std::string> scenariosIdenticalAcrossSeeds(const ComparisonSpec& spec, const std::vector<RunResult>& runs);

/// "1:02:03" or "2:03" for a number of seconds; "?" when not finite or negative.
std::string formatClock(double seconds);

}  // namespace traffic::compare
