// `trafficsim tune`: searches a signal policy's parameters on training scenarios and scores the
// winner on held-out ones (the search is traffic/compare/tune.h's).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace traffic::cli {

struct TuneOptions {
  std::string policy;
  std::vector<std::string> train;
  std::vector<std::string> test;
  std::vector<std::string> params;  ///< --params key=lo:hi[:int|:log],...
  int budget = 0;
  int seeds = 1;
  int eta = 3;
  int jobs = 0;
  std::uint64_t searchSeed = 1;
  std::string objective = "travel_time";
  std::optional<std::string> protocol;  ///< default: `default`
  std::optional<std::string> sensing;   ///< default: kDefaultBenchmarkSensing
  std::optional<double> durationS;
  std::vector<std::string> overrides;
  std::string out;
  bool force = false;
  bool quiet = false;
  std::string version;
};

CLI::App* addTuneCommand(CLI::App& app, TuneOptions& tune);

/// The whole command; as compareCommand (exit codes, signals, nothing written on error).
int tuneCommand(const TuneOptions& options, const std::function<int()>& pendingSignal,
                const std::function<void()>& beforeRuns = {});

}  // namespace traffic::cli
