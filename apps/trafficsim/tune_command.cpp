// `trafficsim tune`: validates everything, runs the search of traffic_compare's tune.h on worker
// threads with one line of progress per rung on stderr, and publishes the folder whole.
#include "tune_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <iostream>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "cli_checks.h"
#include "exit_codes.h"
#include "traffic/compare/tune.h"
#include "traffic/errors.h"
#include "traffic/output_folder.h"
#include "traffic/protocol.h"
#include "traffic/sensing.h"
#include "traffic/signal.h"

namespace traffic::cli {
namespace {

namespace fs = std::filesystem;
using namespace traffic::compare;

std::string shellWord(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=,:+") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string commandLineOf(const TuneOptions& opt) {
  std::string cmd = "trafficsim tune " + shellWord(opt.policy) + " --train";
  for (const auto& s : opt.train) cmd += " " + shellWord(s);
  if (!opt.test.empty()) {
    cmd += " --test";
    for (const auto& s : opt.test) cmd += " " + shellWord(s);
  }
  std::string params;
  for (const auto& p : opt.params) params += (params.empty() ? "" : ",") + p;
  cmd += " --params " + shellWord(params) + fmt::format(" --budget {} --seeds {} --eta {} --search-seed {}", opt.budget,
                                                     opt.seeds, opt.eta, opt.searchSeed);
  cmd += " --objective " + opt.objective;
  if (opt.protocol) cmd += " --protocol " + shellWord(*opt.protocol);
  if (opt.sensing) cmd += " --sensing " + shellWord(*opt.sensing);
  if (opt.durationS) cmd += fmt::format(" --duration {}", *opt.durationS);
  for (const auto& s : opt.overrides) cmd += " --set " + shellWord(s);
  cmd += " --out " + shellWord(opt.out);
  return cmd;
}

}  // namespace

int tuneCommand(const TuneOptions& opt, const std::function<int()>& pendingSignal,
                const std::function<void()>& beforeRuns) {
  TuneSpec spec;
  spec.policy = canonicalSignalPolicyName(opt.policy);
  const auto names = signalPolicyNames();
  if (std::find(names.begin(), names.end(), spec.policy) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw UsageError("tune: unknown signal policy '" + shortened(opt.policy) + "' (known: " + list + ")");
  }
  spec.train = opt.train;
  spec.test = opt.test;
  spec.ranges = parseParamRanges(opt.params);
  spec.budget = opt.budget;
  spec.seeds = opt.seeds;
  spec.eta = opt.eta;
  spec.searchSeed = opt.searchSeed;
  if (!parseObjective(opt.objective, spec.objective))
    throw UsageError("--objective " + shortened(opt.objective) + ": unknown; use one of " + objectiveNames());
  if (opt.out.empty()) throw UsageError("--out is required: the folder to write the tuning into");
  for (const auto& t : opt.test)
    for (const auto& s : opt.train)
      if (fs::path(t).lexically_normal() == fs::path(s).lexically_normal())
        throw UsageError("--test " + shortened(t) + " is also a training scenario; held-out means not trained on");
  // As compare: the default protocol (nothing teleports) and realistic sensing unless told otherwise.
  spec.overrides = opt.overrides;
  spec.overrides.push_back("benchmark.protocol=" + opt.protocol.value_or("default"));
  for (const std::string& o : sensingOverrides(opt.sensing.value_or(kDefaultBenchmarkSensing)))
    spec.overrides.push_back(o);
  if (opt.durationS) spec.overrides.push_back(fmt::format("scenario.duration_s={}", *opt.durationS));
  checkParamRanges(spec.policy, spec.ranges);

  // Every scenario loads with the policy and the sensing before anything runs.
  for (const auto& files : {opt.train, opt.test})
    for (const auto& f : files) {
      std::vector<std::string> o = spec.overrides;
      o.push_back("signals.policy=" + spec.policy);
      (void)loadScenario(f, o);
    }
  // The folder: never replaced without --force, and then only when it holds a tuning's files.
  if (fs::exists(opt.out) && !opt.force)
    throw UsageError("--out " + opt.out + " exists; give --force to replace an earlier tuning there");
  try {
    checkFolderReplaceable(opt.out, isTuneOutput);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }

  if (beforeRuns) beforeRuns();
  std::atomic<bool> stop{false};
  // Polls the signal while a batch runs: a watcher thread sets `stop` for the runner.
  std::atomic<bool> done{false};
  int signal = 0;
  std::thread watcher([&] {
    while (!done.load()) {
      if (pendingSignal && (signal = pendingSignal()) != 0) {
        stop.store(true);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const auto start = std::chrono::steady_clock::now();
  TuneResult result;
  try {
    result = tunePolicy(
        spec, [&](const std::vector<RunRequest>& batch) { return runInParallel(batch, opt.jobs, stop); },
        [&](const std::string& line) {
          if (!opt.quiet) std::cerr << "tune: " << line << "\n";
        });
  } catch (const Interrupted&) {
    done.store(true);
    watcher.join();
    std::cerr << "interrupted; no outputs written\n";
    return 128 + (signal != 0 ? signal : 2);
  } catch (...) {
    done.store(true);
    watcher.join();
    throw;
  }
  done.store(true);
  watcher.join();
  const double wallS = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const auto files = renderTune(spec, result, commandLineOf(opt), opt.version);
  try {
    publishFolder(opt.out, files);
  } catch (const std::runtime_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitInternal;
  }
  if (opt.quiet) return kExitOk;
  const Candidate& best = result.candidates[static_cast<std::size_t>(result.best)];
  std::string params;
  for (const auto& [k, v] : best.params) params += fmt::format("{}{}={}", params.empty() ? "" : " ", k, v);
  fmt::print("tune: {} runs in {:.0f} s; best candidate {} of {}{}\n", result.runs, wallS, result.best, spec.budget,
             result.best == 0 ? " (the defaults)" : ": " + params);
  fmt::print("{:<12} {:>12} {:>14}\n", "", "train", "held-out mean");
  auto meanOf = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
  };
  fmt::print("{:<12} {:>12.2f} {:>14}\n", "defaults", result.trainDefaults,
             result.testDefaults.empty() ? std::string("-") : fmt::format("{:.2f}", meanOf(result.testDefaults)));
  fmt::print("{:<12} {:>12.2f} {:>14}\n", "tuned", result.trainBest,
             result.testBest.empty() ? std::string("-") : fmt::format("{:.2f}", meanOf(result.testBest)));
  fmt::print("outputs  {}/ ({}, {}, {})\n", opt.out, kTuneResultsFile, kTuneReportFile, kTuneSnippetFile);
  return kExitOk;
}

CLI::App* addTuneCommand(CLI::App& app, TuneOptions& tune) {
  CLI::App* cmd = app.add_subcommand(
      "tune", "Tune a signal policy's parameters on training scenarios and score them on held-out ones");
  cmd->add_option("policy", tune.policy, "Signal policy to tune")->required();
  cmd->add_option("--train", tune.train, "Scenario files the search runs on")->required()->type_name("SCENARIO ...");
  cmd->add_option("--test", tune.test, "Held-out scenario files: run only to score the defaults and the winner")
      ->type_name("SCENARIO ...");
  cmd->add_option("--params", tune.params,
                  "Parameters to search, key=lo:hi (real), key=lo:hi:int or key=lo:hi:log, separated by commas")
      ->required()
      ->allow_extra_args(false)
      ->type_name("KEY=LO:HI,...");
  cmd->add_option("--budget", tune.budget, "Candidate parameter sets drawn, the policy's defaults included")
      ->required()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--seeds", tune.seeds, "Runs per scenario and candidate, seeds 1..N [default: 1]")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--eta", tune.eta, "Successive halving keeps 1/ETA of the candidates per rung [default: 3]")
      ->check(CLI::Range(2, 100));
  cmd->add_option("--search-seed", tune.searchSeed, "Seed of the candidate draws [default: 1]");
  cmd->add_option("--objective", tune.objective,
                  "What to minimise: " + objectiveNames() + " [default: travel_time]")
      ->type_name("NAME");
  cmd->add_option("-j,--jobs", tune.jobs,
                  fmt::format("Runs in parallel, one thread each, 0 to {}; 0 means one per core [default: 0]",
                              kMaxThreads))
      ->check(threadCount());
  cmd->add_option("--protocol", tune.protocol,
                  "Benchmark protocol of every run: " + benchmarkProtocolNames() + " [default: default]")
      ->type_name("NAME");
  cmd->add_option("--sensing", tune.sensing,
                  "Sensing model of every run: " + sensingModelNames() + ", optionally NAME:key=value,... [default: " +
                      kDefaultBenchmarkSensing + "]")
      ->type_name("MODEL");
  cmd->add_option("--duration", tune.durationS, "Simulated seconds of a full run; replaces scenario.duration_s")
      ->check(finiteNumber(Sign::Positive));
  cmd->add_option("--set", tune.overrides, "Override a scenario key (key=value) in every run, as for run")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  cmd->add_option("-o,--out", tune.out, "Results folder (results.csv, report.md, tuned.toml)")->required();
  cmd->add_flag("--force", tune.force, "Replace --out if it holds an earlier tuning");
  cmd->add_flag("-q,--quiet", tune.quiet, "No progress and no summary on the terminal");
  cmd->footer(
      "Random search with successive halving: --budget candidates are drawn (the first is the\n"
      "policy's defaults); each rung runs the survivors on every training scenario and seed and keeps\n"
      "the best 1/ETA for the next rung, which simulates ETA times longer; the last rung runs the\n"
      "full duration. The winner and the defaults are then run on the --test scenarios, which the\n"
      "search never saw. Deterministic given --search-seed, whatever --jobs. Runs use the default\n"
      "protocol and " + std::string(kDefaultBenchmarkSensing) + " sensing unless --protocol or --sensing say otherwise.\n"
      "\n"
      "Example:\n"
      "  trafficsim tune max_pressure --train scenarios/hangzhou_real.toml \\\n"
      "      --test scenarios/jinan_real.toml --params min_phase_s=5:30 --budget 9 --out results/tune-mp\n"
      "\n"
      "Exit codes: 0 done, 2 bad input or usage (an unknown parameter, a bad range; nothing run),\n"
      "1 internal error, 130 interrupted by Ctrl-C (nothing written).");
  return cmd;
}

}  // namespace traffic::cli
