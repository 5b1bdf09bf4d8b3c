// `trafficsim compare`: the signal-policy benchmark as a subcommand (see traffic/compare/compare.h
// for what it measures and writes).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "traffic/compare/compare.h"

namespace CLI {
class App;
}

namespace traffic::cli {

struct CompareOptions {
  std::vector<std::string> scenarios;  ///< scenario files, as given
  std::vector<std::string> policies;   ///< signal policy names
  int seeds = 1;                       ///< seeds 1..seeds replace scenario.seed
  int jobs = 0;                        ///< worker threads; 0 means one per core
  std::optional<double> durationS;
  std::vector<std::string> overrides;  ///< --set key=value, applied to every scenario
  /// --protocol: the benchmark protocol of every scenario. Without it a scenario keeps its own
  /// `[benchmark] protocol`, and one without runs under `default` (so no run teleports unless a
  /// protocol or --set says so).
  std::optional<std::string> protocol;
  /// --sensing NAME[:key=value,...]: the sensing model of every scenario. Without it a scenario
  /// keeps its own [sensing], and one without sees through kDefaultBenchmarkSensing.
  std::optional<std::string> sensing;
  std::string out;
  bool quiet = false;
  std::string version;  ///< shown in report.md
};

/// Registers `compare` on `app`.
CLI::App* addCompareCommand(CLI::App& app, CompareOptions& compare);

/// The whole command. `pendingSignal` returns the number of a signal that asked to stop (0 for
/// none); it is polled while runs are under way. `beforeRuns` is called once everything is
/// validated, just before the first run (to arm the signal handlers). Throws LoadError and
/// UsageError for bad input; returns the exit code otherwise.
int compareCommand(const CompareOptions& options, const std::function<int()>& pendingSignal,
                   const std::function<void()>& beforeRuns = {});

}  // namespace traffic::cli
