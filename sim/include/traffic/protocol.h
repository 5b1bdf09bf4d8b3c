// Benchmark protocols: named bundles of scenario settings and metric conventions, so that a figure
// measured by trafficsim can be set next to one published under another simulator's conventions.
//
// Why: the same signal policy on the same map gives results tens of percent apart depending on
// whether the controller adds yellow and all-red, whether vehicles change lanes, whether stuck
// vehicles are teleported and counted as arrived, and which travel time or delay is averaged over
// whom. A protocol names one such set of choices; docs/protocols.md lists every setting of each,
// with the source of the convention.
//
// What a protocol guarantees: its settings are applied on top of the scenario file and below the
// user's --set overrides (so `--set` can still change anything, visibly on the command line), the
// Scenario records the protocol's name, and outputs name it. A convention the engine cannot
// express is listed in `differences`, never silently approximated. Plain data; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace traffic {

/// One scenario setting of a protocol, as a dotted key and value (the syntax of --set).
struct ProtocolSetting {
  std::string key;    ///< e.g. "signals.yellow_s"
  std::string value;  ///< e.g. "0"
  std::string why;    ///< the convention it follows and where it is documented
};

struct BenchmarkProtocol {
  std::string name;         ///< e.g. "cityflow"
  std::string description;  ///< one line, for --help and reports
  std::vector<ProtocolSetting> settings;
  /// The results.csv column the convention ranks policies by.
  std::string headlineMetric;
  /// What the headline measure is, in the convention's own words, for the report.
  std::string headlineDefinition;
  /// Conventions of the original that trafficsim does not reproduce exactly, in plain words.
  std::vector<std::string> differences;
};

/// Every protocol, `default` first.
const std::vector<BenchmarkProtocol>& benchmarkProtocols();
/// The protocol called `name`, or nullptr.
const BenchmarkProtocol* findBenchmarkProtocol(const std::string& name);
/// "default, cityflow, resco, citybrain", for messages and --help.
std::string benchmarkProtocolNames();

}  // namespace traffic
