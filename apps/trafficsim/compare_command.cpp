// `trafficsim compare`: validates the whole comparison, runs it on worker threads with progress
// on stderr, and publishes the folder (the measuring and the report are the traffic_compare
// library's, so that tests and other programs use the same code).
#include "compare_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli_checks.h"
#include "exit_codes.h"
#include "run_command.h"
#include "traffic/protocol.h"
#include "traffic/sensing.h"
#include "traffic/signal.h"
#include "traffic/errors.h"

namespace traffic::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace traffic::compare;

// ---- progress ------------------------------------------------------------------------------
// ---- progress ------------------------------------------------------------------------------

/// Runs done out of the total on stderr: a line redrawn in place on a terminal, else a plain line
/// per finished run (CI logs). The ETA counts the partly simulated runs too, so it moves smoothly
/// even when a few long runs are all in progress.
class RunProgress {
 public:
  RunProgress(std::size_t total, bool enabled)
      : m_total(total), m_enabled(enabled), m_interactive(::isatty(STDERR_FILENO) != 0), m_start(Clock::now()) {}

  void update(std::size_t done, double partial, const std::string& lastFinished) {
    if (!m_enabled) return;
    if (m_interactive) {
      const auto now = Clock::now();
      if (now - m_lastDraw < std::chrono::milliseconds(200) && done == m_drawnDone) return;
      m_lastDraw = now;
      m_drawnDone = done;
      const int barWidth = 20;
      const double fraction = m_total ? std::clamp(partial / static_cast<double>(m_total), 0.0, 1.0) : 1.0;
      const int filled = static_cast<int>(fraction * barWidth);
      std::fprintf(stderr, "\r[%s%s] %s\033[K", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(barWidth - filled), '.').c_str(), status(done, partial).c_str());
      std::fflush(stderr);
      m_lineOpen = true;
      return;
    }
    if (done == m_drawnDone) return;
    m_drawnDone = done;
    std::fprintf(stderr, "progress %s  (%s)\n", status(done, partial).c_str(), lastFinished.c_str());
    std::fflush(stderr);
  }

  void finish() {
    if (m_enabled && m_lineOpen) std::fputc('\n', stderr);
    m_lineOpen = false;
  }

  void clear() {
    if (!m_lineOpen) return;
    std::fputs("\r\033[K", stderr);
    m_lineOpen = false;
  }

  [[nodiscard]] double elapsedS() const { return std::chrono::duration<double>(Clock::now() - m_start).count(); }

 private:
  [[nodiscard]] std::string status(std::size_t done, double partial) const {
    const double elapsed = elapsedS();
    std::string text = fmt::format("{}/{} runs  {} elapsed", done, m_total, formatClock(elapsed));
    if (done < m_total) {
      const double rate = elapsed > 0 ? partial / elapsed : 0;
      text += "  ETA " + (rate > 0 && partial > 0.02 ? formatClock((static_cast<double>(m_total) - partial) / rate)
                                                     : std::string("?"));
    }
    return text;
  }

  std::size_t m_total;
  bool m_enabled;
  bool m_interactive;
  bool m_lineOpen = false;
  Clock::time_point m_start;
  Clock::time_point m_lastDraw{};
  std::size_t m_drawnDone = 0;
};

// ---- the command ---------------------------------------------------------------------------

std::string shellQuoted(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=,:+") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string commandLineOf(const CompareOptions& opt) {
  std::string cmd = "trafficsim compare";
  for (const auto& s : opt.scenarios) cmd += " " + shellQuoted(s);
  std::string policies;
  for (const auto& p : opt.policies) policies += (policies.empty() ? "" : ",") + p;
  cmd += " --policies " + shellQuoted(policies) + fmt::format(" --seeds {}", opt.seeds);
  if (opt.protocol) cmd += " --protocol " + shellQuoted(*opt.protocol);
  if (opt.sensing) cmd += " --sensing " + shellQuoted(*opt.sensing);
  if (opt.durationS) cmd += fmt::format(" --duration {}", *opt.durationS);
  for (const auto& s : opt.overrides) cmd += " --set " + shellQuoted(s);
  cmd += " --out " + shellQuoted(opt.out);
  return cmd;
}

std::vector<std::string> runOverrides(const CompareOptions& opt, const std::string& protocol,
                                      const std::vector<std::string>& sensing, const std::string& policy,
                                      std::optional<std::uint64_t> seed) {
  // As for `run`: the dedicated flags come last so that they win over a --set of the same key.
  // `protocol` empty keeps the scenario's own [benchmark] protocol, `sensing` empty its [sensing].
  std::vector<std::string> all = opt.overrides;
  if (!protocol.empty()) all.push_back("benchmark.protocol=" + protocol);
  all.insert(all.end(), sensing.begin(), sensing.end());
  all.push_back("signals.policy=" + policy);
  if (seed) all.push_back(fmt::format("scenario.seed={}", *seed));
  if (opt.durationS) all.push_back(fmt::format("scenario.duration_s={}", *opt.durationS));
  return all;
}

void printSummary(const ComparisonSpec& spec, const std::vector<RunResult>& runs, double wallS, int jobs,
                  const fs::path& out, std::size_t files) {
  fmt::print("compare: {} scenario{} x {} polic{} x {} seed{} = {} runs in {} wall time ({} job{})\n",
             spec.scenarios.size(), spec.scenarios.size() == 1 ? "" : "s", spec.policies.size(),
             spec.policies.size() == 1 ? "y" : "ies", spec.seeds, spec.seeds == 1 ? "" : "s", runs.size(),
             wallS < 60 ? fmt::format("{:.1f} s", wallS) : formatClock(wallS), jobs, jobs == 1 ? "" : "s");
  fmt::print("{}", summaryTable(spec, runs));
  fmt::print("outputs  {}/ ({}, {}, {} and {} charts)\n", out.string(), kResultsFile, kTimeseriesFile, kReportFile,
             files - 3);
}

/// The names of `--policies a,b,c` (each occurrence of the option split at commas). Split here,
/// not by CLI11, which drops empty names: 'fixed_time,' must be an error, not one policy (issue 14).
std::vector<std::string> splitPolicies(const std::vector<std::string>& written) {
  std::vector<std::string> names;
  for (const std::string& text : written) {
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = text.find(',', start);
      names.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return names;
}

std::string joinedPolicies(const std::vector<std::string>& written) {
  std::string all;
  for (const std::string& text : written) all += (all.empty() ? "" : " ") + text;
  return all;
}

}  // namespace

int compareCommand(const CompareOptions& options, const std::function<int()>& pendingSignal,
                   const std::function<void()>& beforeRuns) {
  CompareOptions opt = options;
  opt.policies = splitPolicies(options.policies);
  if (opt.scenarios.empty()) throw UsageError("compare needs at least one scenario file");
  if (opt.policies.empty()) throw UsageError("--policies needs at least one signal policy name");
  // Policies by their current names (a deprecated alias such as city_brain is renamed, with a
  // warning), so that results and the report name the policy that ran, and an alias given next
  // to its new name is caught as the same policy twice.
  std::vector<std::string> policies;
  std::set<std::string> seen;
  for (const auto& given : opt.policies) {
    if (given.empty())
      throw UsageError("--policies " + shortened(joinedPolicies(options.policies)) +
                       ": an empty name; write names separated by single commas, e.g. a,b");
    const std::string p = canonicalSignalPolicyName(given);
    if (!seen.insert(p).second)
      throw UsageError("--policies names '" + shortened(p) + "' twice" +
                       (p == given ? "" : " ('" + shortened(given) + "' is its old name)"));
    policies.push_back(p);
  }
  if (opt.seeds < 1) throw UsageError("--seeds must be at least 1");
  if (opt.out.empty()) throw UsageError("--out is required: the folder to write the comparison into");

  // Validate everything before the first run: each scenario with each policy, exactly as the runs
  // will load them (a policy may reject parameters the scenario sets under [signals.params]).
  ComparisonSpec spec;
  spec.policies = policies;
  spec.seeds = opt.seeds;
  spec.version = opt.version;
  spec.commandLine = commandLineOf(opt);
  // The protocol of each scenario: --protocol, else the scenario's own, else `default`, so that
  // a comparison never teleports unless a protocol or --set says so.
  // Likewise its sensing: --sensing, else the scenario's own [sensing], else realistic detection
  // (kDefaultBenchmarkSensing), so that no comparison reads the exact state unless asked to.
  std::vector<std::string> protocols;
  std::vector<std::vector<std::string>> sensings;
  const std::vector<std::string> givenSensing = opt.sensing ? sensingOverrides(*opt.sensing) : std::vector<std::string>{};
  for (const auto& file : opt.scenarios) {
    std::string protocol = opt.protocol.value_or("");
    std::vector<std::string> sensing = givenSensing;
    if (protocol.empty() || sensing.empty()) {
      // Loaded with the policy that reads nothing, so that the scenario's sensing cannot refuse it.
      const Scenario own = loadScenario(file, runOverrides(opt, "", sensing, "fixed_time", std::nullopt));
      if (protocol.empty() && own.protocol.empty()) protocol = "default";
      if (sensing.empty() && !own.sensing.declared) sensing = sensingOverrides(kDefaultBenchmarkSensing);
    }
    protocols.push_back(protocol);
    sensings.push_back(sensing);
    for (std::size_t p = 0; p < policies.size(); ++p) {
      const Scenario sc = loadScenario(file, runOverrides(opt, protocol, sensing, policies[p], std::nullopt));
      if (p > 0) continue;
      for (const ScenarioInfo& other : spec.scenarios)
        if (other.name == sc.name)
          throw UsageError("two scenarios are named '" + sc.name + "' (" + file +
                           " and an earlier one); results and charts are keyed by name, so give them distinct "
                           "scenario.name values");
      spec.scenarios.push_back({sc.name, sc.description, sc.durationS, sc.protocol, sc.signalTiming.yellowS,
                                sc.signalTiming.allRedS, sc.laneChanging,
                                sc.gridlockAction == GridlockAction::Teleport, describeSensing(sc.sensing)});
    }
  }
  checkComparisonDirReplaceable(opt.out);

  struct Task {
    std::size_t scenario;
    std::size_t policy;
    std::uint64_t seed;
  };
  std::vector<Task> tasks;
  for (std::size_t s = 0; s < opt.scenarios.size(); ++s)
    for (std::size_t p = 0; p < policies.size(); ++p)
      for (int seed = 1; seed <= opt.seeds; ++seed) tasks.push_back({s, p, static_cast<std::uint64_t>(seed)});

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t jobs =
      std::min(tasks.size(), static_cast<std::size_t>(opt.jobs > 0 ? static_cast<unsigned>(opt.jobs) : cores));

  if (beforeRuns) beforeRuns();
  if (const int sig = pendingSignal ? pendingSignal() : 0; sig != 0) {
    std::cerr << "interrupted before the first run; no outputs written\n";
    return 128 + sig;
  }

  std::vector<std::optional<RunResult>> results(tasks.size());
  std::vector<std::atomic<double>> partial(jobs);
  for (auto& f : partial) f.store(0);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t done = 0;
  std::string lastFinished;
  std::exception_ptr failure;

  auto worker = [&](std::size_t w) {
    while (!stop.load()) {
      const std::size_t i = next.fetch_add(1);
      if (i >= tasks.size()) return;
      const Task& t = tasks[i];
      try {
        const Scenario sc =
            loadScenario(opt.scenarios[t.scenario], runOverrides(opt, protocols[t.scenario], sensings[t.scenario], policies[t.policy], t.seed));
        std::optional<RunResult> r = simulateRun(sc, policies[t.policy], stop, &partial[w]);
        partial[w].store(0);
        if (!r) return;  // stopped
        std::lock_guard lock(mutex);
        results[i] = std::move(r);
        ++done;
        lastFinished = fmt::format("{}, {}, seed {}", sc.name, policies[t.policy], t.seed);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        stop.store(true);
      }
      changed.notify_all();
    }
  };

  RunProgress progress(tasks.size(), !opt.quiet);
  std::vector<std::thread> threads;
  threads.reserve(jobs);
  for (std::size_t w = 0; w < jobs; ++w) threads.emplace_back(worker, w);
  int signal = 0;
  {
    std::unique_lock lock(mutex);
    while (true) {
      changed.wait_for(lock, std::chrono::milliseconds(100));
      if (pendingSignal && (signal = pendingSignal()) != 0) stop.store(true);
      if (done == tasks.size() || stop.load()) break;
      double running = 0;
      for (const auto& f : partial) running += f.load(std::memory_order_relaxed);
      progress.update(done, static_cast<double>(done) + running, lastFinished);
    }
    progress.update(done, static_cast<double>(done), lastFinished);
  }
  for (auto& t : threads) t.join();
  const double wallS = progress.elapsedS();

  if (signal != 0) {
    progress.clear();
    std::cerr << fmt::format("interrupted after {} of {} runs; no outputs written\n", done, tasks.size());
    return 128 + signal;
  }
  progress.finish();
  if (failure) std::rethrow_exception(failure);

  std::vector<RunResult> runs;
  runs.reserve(results.size());
  for (auto& r : results) runs.push_back(std::move(*r));
  const std::vector<OutputFile> files = renderComparison(spec, runs);
  try {
    writeComparisonOutputs(opt.out, files);
  } catch (const std::runtime_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    // The runs may have taken hours: keep their results somewhere rather than lose them.
    const fs::path rescue = fs::temp_directory_path() / fmt::format("trafficsim-compare-{}", static_cast<long>(::getpid()));
    try {
      writeComparisonOutputs(rescue, files);
      std::cerr << "the results were saved to " << rescue.string() << " instead\n";
    } catch (const std::exception&) {
    }
    return kExitInternal;
  }

  if (opt.quiet) return kExitOk;
  for (const std::string& name : scenariosIdenticalAcrossSeeds(spec, runs))
    std::cerr << "note: " << name
              << ": every seed gave the same results (the scenario has no random element); set "
                 "demand.departure_jitter_s or dynamics.driver_variation to vary demand and drivers by seed\n";
  printSummary(spec, runs, wallS, static_cast<int>(jobs), fs::path(opt.out), files.size());
  return kExitOk;
}

CLI::App* addCompareCommand(CLI::App& app, CompareOptions& compare) {
  // The second example names real policies, whichever the registry holds.
  const std::vector<std::string> names = signalPolicyNames();
  const std::string examplePolicies = names.size() > 1 ? names[0] + "," + names[1] : names.front();
  CLI::App* compareCmd = app.add_subcommand(
      "compare", "Benchmark signal policies: every scenario x policy x seed, with confidence intervals and charts");
  compareCmd
      ->add_option("scenarios", compare.scenarios,
                   "Scenario files (.toml), SUMO configurations (.sumocfg) or "
                   "City Brain Challenge configurations (.cfg)")
      ->required();
  compareCmd->add_option("--policies", compare.policies, "Signal policies to compare, separated by commas")
      ->required()
      ->allow_extra_args(false)  // so that a scenario after it is not taken for a policy
      ->type_name("A,B,...");
  compareCmd->add_option("--seeds", compare.seeds, "Runs per scenario and policy, with seeds 1..N replacing scenario.seed")
      ->required()
      ->check(CLI::Range(1, 100000));
  compareCmd->add_option("-j,--jobs", compare.jobs,
                         fmt::format("Runs in parallel, one thread each, 0 to {}; 0 means one per core [default: 0]",
                                     kMaxThreads))
      ->check(threadCount());
  compareCmd->add_option("--duration", compare.durationS, "Simulated seconds; replaces scenario.duration_s")
      ->check(finiteNumber(Sign::Positive));
  compareCmd->add_option("--protocol", compare.protocol,
                         "Benchmark protocol for every scenario: " + benchmarkProtocolNames() +
                             " (docs/protocols.md); without it each scenario's [benchmark] protocol, else default")
      ->type_name("NAME");
  compareCmd->add_option("--sensing", compare.sensing,
                         "How policies see the traffic, for every scenario: " + sensingModelNames() +
                             ", optionally with parameters as NAME:key=value,... (docs/sensing.md); without it "
                             "each scenario's [sensing], else " + kDefaultBenchmarkSensing)
      ->type_name("MODEL");
  compareCmd->add_option("--set", compare.overrides, "Override a scenario key (key=value) in every scenario, as for run")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  compareCmd->add_option("-o,--out", compare.out,
                         "Results folder; replaced whole if it holds an earlier comparison's outputs")
      ->required();
  compareCmd->add_flag("-q,--quiet", compare.quiet, "No progress and no summary on the terminal");
  compareCmd->footer("Loads every scenario with every policy first (a bad file, key or policy name stops here\n"
                     "with exit code 2), then simulates every (scenario, policy, seed) combination, each on\n"
                     "one thread, --jobs at a time, with progress on stderr. Writes into the --out folder\n"
                     "(all files or none): results.csv (one row per run), timeseries.csv (long format),\n"
                     "report.md (per scenario, mean and 95% confidence interval over seeds of each\n"
                     "measure, best in bold) and SVG charts. Columns: docs/metrics.md.\n"
                     "\n"
                     "Dataset demand is exact, so seeds only differ when the scenario has random elements:\n"
                     "Poisson flows, OD demand, demand.departure_jitter_s or dynamics.driver_variation.\n"
                     "Runs follow a benchmark protocol (--protocol; default: trafficsim's own, in which stuck\n"
                     "vehicles wait rather than teleport); report.md names it, shows teleports prominently\n"
                     "when a protocol or --set allows them, and compares each policy with the first one\n"
                     "seed by seed (paired 95% intervals). Policies see the traffic through a sensing\n"
                     "model (--sensing; default: " + std::string(kDefaultBenchmarkSensing) + ", not the exact state); a policy that reads\n"
                     "what the model cannot measure is refused with exit code 2. Per-vehicle warnings\n"
                     "(gridlock) are not shown unless TRAFFIC_LOG is set.\n"
                     "\n"
                     "Examples:\n"
                     "  trafficsim compare scenarios/hangzhou_real.toml --policies fixed_time --seeds 5 --out results/cmp\n"
                     "  trafficsim compare scenarios/hangzhou_real.toml scenarios/jinan_real.toml \\\n"
                     "      --policies " + examplePolicies + " --seeds 10 --jobs 2 \\\n"
                     "      --set demand.departure_jitter_s=30 --set dynamics.driver_variation=0.1 --out results/cmp\n"
                     "\n"
                     "Signal policies: " + policyList() + "\n"
                     "Exit codes: 0 done, 2 bad input or usage (nothing run, nothing written), 1 internal\n"
                     "error, 130 interrupted by Ctrl-C (nothing written).");
  return compareCmd;
}

}  // namespace traffic::cli
