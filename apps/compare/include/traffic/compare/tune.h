// Tuning a signal policy's parameters on training scenarios, and scoring the result on held-out
// ones: the search behind `trafficsim tune` (apps/trafficsim/tune_command.cpp), as a library so
// that tests run the same code.
//
// Why: a policy whose defaults were chosen on the scenarios it is then shown winning on has been
// tuned in-sample, while baselines keep theirs (issue 12). `tune` gives every policy the same
// search budget on training scenarios and reports the tuned parameters on scenarios the search
// never saw, next to the policy's defaults on both.
//
// The search: random search with successive halving (Jamieson and Talwalkar, "Non-stochastic best
// arm identification and hyperparameter optimization", AISTATS 2016). `budget` candidates are
// drawn (the first is always the policy's defaults, so a search can never report something worse
// than the defaults on its own training data without showing them); every rung runs the surviving
// candidates on every training scenario and seed, and keeps the best 1/eta of them for the next
// rung, which simulates eta times longer; the last rung simulates the scenarios' full duration.
// Cheap short runs weed out poor candidates, full runs decide between good ones. The alternative,
// Bayesian optimisation, needs a model of the objective that a 1-8 dimensional, noisy, cheap-ish
// search does not repay; random search is also trivially parallel and deterministic.
//
// Determinism: candidates are drawn from a generator seeded with `searchSeed` alone, runs are
// deterministic given their scenario and seed (traffic/compare/compare.h), and ties go to the
// lower candidate number, so the result depends neither on `jobs` nor on which thread ran what.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "traffic/compare/compare.h"
#include "traffic/output_folder.h"

namespace traffic::compare {

/// File names written into a tuning folder.
inline constexpr const char* kTuneResultsFile = "results.csv";
inline constexpr const char* kTuneReportFile = "report.md";
inline constexpr const char* kTuneSnippetFile = "tuned.toml";

enum class ParamScale : std::uint8_t { Real, Integer, Log };

/// One searched parameter: a key the policy accepts under [signals.params] and its range.
struct ParamRange {
  std::string key;
  double lo = 0;
  double hi = 0;
  ParamScale scale = ParamScale::Real;  ///< Integer: whole numbers; Log: uniform in log(value)
};

/// Parses `--params key=lo:hi[:int|:log],...` (each text may hold several ranges separated by
/// commas). Throws UsageError naming the range for bad syntax, a non-finite or reversed range, a
/// log range that does not lie above 0, an integer range without a whole number in it, or a key
/// given twice.
std::vector<ParamRange> parseParamRanges(const std::vector<std::string>& texts);

/// Throws UsageError unless `policy` accepts every key of `ranges` (built-in policies list their
/// keys; the message lists them) and accepts each range's two ends.
void checkParamRanges(const std::string& policy, const std::vector<ParamRange>& ranges);

/// What the search minimises, averaged over the training runs of a rung.
enum class Objective : std::uint8_t {
  TravelTime,  ///< mean_travel_time_with_unfinished_s (CityFlow's average travel time)
  Delay,       ///< mean_delay_with_unfinished_s (RESCO's delay)
  DelayIndex,  ///< delay_index (the City Brain Challenge's)
};
/// "travel_time, delay, delay_index".
std::string objectiveNames();
bool parseObjective(const std::string& name, Objective& objective);
const char* toString(Objective objective);
/// The results.csv column of compare that `objective` is.
const char* objectiveColumn(Objective objective);
/// The objective's value in `run`; +infinity when the run has none (nothing spawned), so that such
/// a candidate ranks last.
double objectiveOf(const RunResult& run, Objective objective);

/// One simulation the search asks for: a scenario file with scenario overrides (--set syntax).
struct RunRequest {
  std::string file;
  std::vector<std::string> overrides;
};
/// Runs a batch of requests, each to its end, and returns their results in the order of the
/// batch; throws what loading or running throws. `runInParallel` is the one the command uses.
using BatchRunner = std::function<std::vector<RunResult>(const std::vector<RunRequest>&)>;
/// `jobs` worker threads (0: one per core), one World of one thread each, as for compare. Stops
/// early and throws Interrupted once `stop` is set.
std::vector<RunResult> runInParallel(const std::vector<RunRequest>& batch, int jobs, const std::atomic<bool>& stop);
/// Thrown by runInParallel when `stop` was set before the batch finished.
struct Interrupted {};

struct TuneSpec {
  std::string policy;
  std::vector<std::string> train;  ///< scenario files the search may look at
  std::vector<std::string> test;   ///< held-out scenario files, only for the final scores
  std::vector<ParamRange> ranges;
  int budget = 10;                 ///< candidates drawn, the defaults included
  int seeds = 1;                   ///< seeds 1..seeds for every scenario
  int eta = 3;                     ///< successive halving keeps 1/eta per rung
  std::uint64_t searchSeed = 1;
  Objective objective = Objective::TravelTime;
  /// Applied to every run (protocol, sensing, --set), before the policy, its parameters, the seed
  /// and the duration.
  std::vector<std::string> overrides;
  double minRungDurationS = 300;  ///< no rung simulates less (unless the scenario itself is shorter)
};

struct Candidate {
  int id = 0;                             ///< 0: the policy's defaults
  std::map<std::string, double> params;   ///< only the searched keys; empty for the defaults
};

/// One run of a candidate, as results.csv lists it.
struct Evaluation {
  std::string phase;  ///< "train" (a search rung, or the defaults' full run) or "test"
  int rung = -1;      ///< the search rung; -1 for the final scoring runs
  int candidate = 0;
  std::string scenario;  ///< the scenario's name
  std::uint64_t seed = 0;
  double durationS = 0;
  double objective = 0;
  RunResult run;
};

struct Rung {
  double durationFraction = 1;     ///< of each scenario's duration
  std::vector<int> candidates;     ///< evaluated in this rung
  std::vector<double> scores;      ///< their mean objective, same order
};

struct TuneResult {
  std::vector<Candidate> candidates;
  std::vector<Rung> rungs;
  std::vector<Evaluation> evaluations;
  int best = 0;
  /// Mean objective over the full-length runs, per phase: on the training scenarios and on each
  /// held-out scenario (by name, in the order of `spec.test`), for the best and for the defaults.
  double trainBest = 0, trainDefaults = 0;
  std::vector<std::string> testScenarios;
  std::vector<double> testBest, testDefaults;
  std::size_t runs = 0;
};

/// The search. `progress`, if given, is told each batch before it runs ("rung 1/3: ...").
/// Throws UsageError for an empty search (no ranges, budget < 1, eta < 2), LoadError for a
/// scenario that does not load, and what `runner` throws.
TuneResult tunePolicy(const TuneSpec& spec, const BatchRunner& runner,
                      const std::function<void(const std::string&)>& progress = {});

/// results.csv, report.md and tuned.toml, rendered in memory.
std::vector<OutputFile> renderTune(const TuneSpec& spec, const TuneResult& result, const std::string& commandLine,
                                   const std::string& version);
/// Whether `fileName` is one renderTune produces (so that --force may replace a folder of them).
bool isTuneOutput(const std::string& fileName);

}  // namespace traffic::compare
