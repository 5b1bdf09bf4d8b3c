// `trafficsim run`: simulate a scenario headless and write its outputs. Its options and its
// preparation and finishing steps are shared with `view`, so that a run watched in a window takes
// the same options and leaves the same outputs as a headless one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "traffic/scenario.h"
#include "traffic/world.h"

namespace CLI {
class App;
}

namespace traffic {
class RunOutputStream;
}

namespace traffic::cli {

struct RunOptions {
  std::string scenario;
  std::string out;
  int threads = 0;
  std::optional<std::uint64_t> seed;
  std::optional<double> durationS;
  std::optional<std::string> policy;
  std::optional<std::string> protocol;  ///< --protocol: shorthand for --set benchmark.protocol=NAME
  std::optional<std::string> sensing;   ///< --sensing NAME[:key=value,...] (sensing.* overrides)
  std::vector<std::string> overrides;
  std::optional<std::string> compress;  ///< --compress NAME: shorthand for --set outputs.compress=NAME
  bool roads = false;                   ///< --roads: shorthand for --set outputs.roads=true
  bool quiet = false;
  bool validate = false;
  std::string record;                  // --record FILE (run only)
  std::optional<double> recordEveryS;  // --record-every S
  bool force = false;                  // --force: replace an existing --record or --checkpoint FILE
  std::string checkpoint;              // --checkpoint FILE (run only)
  std::optional<double> checkpointAtS; // --checkpoint-at T
  std::string resume;                  // --resume FILE (run only)
};

/// Adds run's options (the scenario, --out, --threads, --seed, --duration, --policy, --protocol, --set,
/// --compress, --roads, --quiet, --validate) to `command`; `view` takes them too.
void addRunOptions(CLI::App& command, RunOptions& run);
/// Registers `run` (its options, --record and the help text) on `app`.
CLI::App* addRunCommand(CLI::App& app, RunOptions& run);

/// Loads the scenario with the options' overrides and checks the results folder. Throws LoadError
/// or UsageError (exit code 2) before anything is simulated.
std::pair<Scenario, std::filesystem::path> prepareRun(const RunOptions& opt);
/// Writes summary.json, trips.csv and timeseries.csv (and the transit files) and prints the
/// summary; returns the exit code. `streamed`: the outputs streamed during the run, published
/// here; null to write them all now (`view`, or a stream that failed during the run).
int finishRun(const RunOptions& opt, const Scenario& scenario, const World& world, double wallS,
              const std::filesystem::path& outDir, RunOutputStream* streamed = nullptr);
int runCommand(const RunOptions& opt);

/// The registered signal policies, separated by commas, for help texts.
std::string policyList();

}  // namespace traffic::cli
