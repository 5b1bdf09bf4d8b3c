// The `trafficsim` command line: run a scenario headless, or describe one.
//
// Exit codes are part of the interface, because batch scripts and CI branch on them:
//   0  success
//   2  the input is at fault: a scenario that does not load, bad command-line usage, an unusable
//      --out folder. The message says what to fix; nothing was written.
//   1  anything else (a bug, a failing disk); the message is printed as is.
//   130 (143) the run was interrupted with Ctrl-C (SIGTERM); no outputs are written then either.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "compare.h"
#include "exit_codes.h"
#include "progress.h"
#include "traffic/errors.h"
#include "traffic/outputs.h"
#include "traffic/recording.h"
#include "traffic/scenario.h"
#include "traffic/world.h"
#ifdef TRAFFIC_WITH_RENDER
#include "traffic/render/commands.h"  // view and replay; SFML stays behind this header
#endif

// TRAFFICSIM_VERSION comes from the project version in CMakeLists.txt.

namespace traffic::cli {
namespace {

namespace fs = std::filesystem;

// The signal that asked the run to stop, 0 while none did. The loop checks it between steps, so a
// step is never cut in half and the terminal is left tidy.
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void onInterrupt(int signal) { g_interrupted = signal; }

// ---- logging -------------------------------------------------------------------------------

void setUpLogging() {
  // The library logs to "sim" and leaves sinks to us. Warnings only by default, so that the
  // progress bar is not broken up by routine messages; TRAFFIC_LOG=info or debug shows more.
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  // On a terminal, wipe any progress bar drawn on the current line before printing.
  sink->set_pattern(::isatty(STDERR_FILENO) ? "\r\033[K[%^%l%$] %v" : "[%l] %v");
  auto logger = std::make_shared<spdlog::logger>("sim", sink);

  static const std::array<std::pair<const char*, spdlog::level::level_enum>, 7> kLevels{{
      {"trace", spdlog::level::trace},
      {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},
      {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  }};
  spdlog::level::level_enum level = spdlog::level::warn;
  if (const char* env = std::getenv("TRAFFIC_LOG"); env != nullptr && *env != '\0') {
    const auto it = std::find_if(kLevels.begin(), kLevels.end(), [&](const auto& l) { return l.first == std::string(env); });
    if (it != kLevels.end())
      level = it->second;
    else
      std::cerr << "warning: TRAFFIC_LOG='" << env
                << "' is not a log level (trace, debug, info, warn, error, critical, off); using warn\n";
  }
  logger->set_level(level);
  spdlog::register_logger(logger);
}

// ---- run -----------------------------------------------------------------------------------

struct RunOptions {
  std::string scenario;
  std::string out;
  int threads = 0;
  std::optional<std::uint64_t> seed;
  std::optional<double> durationS;
  std::optional<std::string> policy;
  std::vector<std::string> overrides;
  bool quiet = false;
  bool validate = false;
  std::string record;                  // --record FILE (run only)
  std::optional<double> recordEveryS;  // --record-every S
};

std::vector<std::string> allOverrides(const std::vector<std::string>& sets, std::optional<std::uint64_t> seed,
                                      std::optional<double> durationS, const std::optional<std::string>& policy) {
  // Dedicated flags come last so that they win over a --set of the same key.
  std::vector<std::string> all = sets;
  if (policy) all.push_back("signals.policy=" + *policy);
  if (seed) all.push_back("scenario.seed=" + std::to_string(*seed));
  if (durationS) all.push_back(fmt::format("scenario.duration_s={}", *durationS));
  return all;
}

std::string withUnit(double v, const char* unit) { return fmt::format("{:.1f} {}", v, unit); }

void printRunSummary(const Summary& s, const fs::path& outDir) {
  const double speedup = s.wallSeconds > 0 ? s.simSeconds / s.wallSeconds : 0;
  fmt::print("{}: {} simulated in {} ({:.0f}x real time, {} thread{})\n", s.scenario, formatClock(s.simSeconds),
             withUnit(s.wallSeconds, "s wall time"), speedup, s.threads, s.threads == 1 ? "" : "s");
  fmt::print("  vehicles      {} spawned, {} arrived, {} running, {} waiting to enter\n", s.vehicles.spawned,
             s.vehicles.arrived, s.vehicles.running, s.vehicles.waitingToEnter);
  if (s.vehicles.teleported > 0 || s.vehicles.gridlockReports > 0)
    fmt::print("  gridlock      {} vehicles reported stuck, {} teleported\n", s.vehicles.gridlockReports,
               s.vehicles.teleported);
  fmt::print("  travel time   {} mean of arrived vehicles, {} counting unfinished ones\n",
             withUnit(s.meanTravelTimeFinishedS, "s"), withUnit(s.meanTravelTimeWithUnfinishedS, "s"));
  fmt::print("  delay index   {:.3f} (travel time / free-flow time)\n", s.delayIndex);
  fmt::print("  throughput    {:.0f} veh/h\n", s.throughputVehPerH);
  if (s.emergencyVehicles > 0)
    fmt::print("  emergency     {} vehicles, {} arrived, mean travel time {}, {} signal pre-emptions\n",
               s.emergencyVehicles, s.emergencyArrived, withUnit(s.emergencyMeanTravelTimeS, "s"), s.preemptions);
  std::uint64_t passengers = 0, boarded = 0, delivered = 0;
  double waitSum = 0;
  for (const LineSummary& l : s.lines) {
    passengers += l.passengers;
    boarded += l.boarded;
    delivered += l.delivered;
    waitSum += l.meanWaitS * static_cast<double>(l.boarded);
  }
  if (!s.lines.empty())
    fmt::print("  transit       {} lines, {} passengers, {} delivered, mean wait {}\n", s.lines.size(), passengers,
               delivered, withUnit(boarded ? waitSum / static_cast<double>(boarded) : 0.0, "s"));
  for (const FleetSummary& f : s.fleets)
    fmt::print("  on demand     {}: {} requests, {} delivered, {} rejected, mean wait {}, occupancy {:.2f}\n", f.fleet,
               f.requests, f.delivered, f.rejected, withUnit(f.meanWaitS, "s"), f.occupancy);
  fmt::print("  performance   {:.2f} M vehicle-updates/s\n", s.vehicleUpdatesPerSecond / 1e6);
  if (s.lines.empty() && s.fleets.empty())
    fmt::print("  outputs       {}/ ({}, {}, {})\n", outDir.string(), kSummaryFile, kTripsFile, kTimeseriesFile);
  else
    fmt::print("  outputs       {}/ ({}, {}, {}, {}, {})\n", outDir.string(), kSummaryFile, kTripsFile, kTimeseriesFile,
               kPassengersFile, kFleetFile);
}

/// When the chosen folder cannot be written after a run, the results still exist in memory; save
/// them somewhere rather than throw away a long run.
std::optional<fs::path> rescueOutputs(const Scenario& scenario, const Summary& summary, const World& world) {
  try {
    const fs::path rescue =
        fs::temp_directory_path() / fmt::format("trafficsim-{}-{}", scenario.name, static_cast<long>(::getpid()));
    writeRunOutputs(rescue, scenario, summary, world.tripRecords(), world.timeseries(), world.transitRecords());
    return rescue;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// Loads the scenario as `run` does and settles its results folder, refusing an unusable one
/// before the run rather than after an hour of it. Shared with `view`.
std::pair<Scenario, fs::path> prepareRun(const RunOptions& opt) {
  Scenario scenario = loadScenario(opt.scenario, allOverrides(opt.overrides, opt.seed, opt.durationS, opt.policy));
  fs::path outDir = opt.out.empty() ? fs::path("results") / scenario.name : fs::path(opt.out);
  try {
    checkOutputDirReplaceable(outDir);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  return {std::move(scenario), std::move(outDir)};
}

/// The end of a run that reached its duration: writes the outputs (or rescues them) and prints
/// the summary. Shared with `view`, so that a viewed run leaves the same files as a headless one.
int finishRun(const RunOptions& opt, const Scenario& scenario, const World& world, double wallS, const fs::path& outDir) {
  const Summary summary = world.summary(wallS);
  try {
    writeRunOutputs(outDir, scenario, summary, world.tripRecords(), world.timeseries(), world.transitRecords());
  } catch (const std::runtime_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    if (auto rescue = rescueOutputs(scenario, summary, world))
      std::cerr << "the results were saved to " << rescue->string() << " instead\n";
    return kExitInternal;
  }

  if (!opt.quiet) printRunSummary(summary, outDir);
  if (auto log = spdlog::get("sim"))
    log->info("run {}: {:.0f} s simulated in {:.2f} s ({:.0f}x real time), {} vehicles spawned, {} arrived, "
              "{:.2f} M vehicle-updates/s, {} thread(s), outputs in {}",
              summary.scenario, summary.simSeconds, summary.wallSeconds,
              summary.wallSeconds > 0 ? summary.simSeconds / summary.wallSeconds : 0.0, summary.vehicles.spawned,
              summary.vehicles.arrived, summary.vehicleUpdatesPerSecond / 1e6, summary.threads, outDir.string());
  return kExitOk;
}

/// `run --record`: writes the frame at t = 0, then the first frame after each further `every`
/// simulated seconds (every step by default), and the last one. The file is opened before the run,
/// so a bad path stops it with exit code 2; a disk failure during the run stops only the recording
/// (the run finishes and writes its outputs, then exits with 1).
class RunRecorder {
 public:
  RunRecorder(const RunOptions& opt, const Scenario& scenario, const fs::path& outDir)
      : m_everyS(opt.recordEveryS.value_or(scenario.stepS)) {
    if (opt.record.empty()) return;
    if (isInside(opt.record, outDir))
      throw UsageError(fmt::format("--record {}: the recording cannot go inside the results folder {}, which is replaced "
                                   "whole at the end of the run; give a path outside it",
                                   opt.record, outDir.string()));
    m_writer.emplace(opt.record, scenario);
  }
  void afterStep(const World& world, bool last) {
    if (!m_writer || m_failed) return;
    // Frame times are sums of steps; the tolerance keeps 0.1 s steps from missing a slot.
    const auto slot = static_cast<long long>(std::floor(world.timeS() / m_everyS + 1e-6));
    if (slot <= m_lastSlot && !(last && world.stepCount() != m_lastStep)) return;
    try {
      m_writer->write(world.frame());
    } catch (const std::runtime_error& e) {
      m_failed = true;
      std::cerr << "\nerror: " << e.what() << "; the recording stops at " << formatClock(world.timeS())
                << ", the run goes on\n";
      return;
    }
    m_lastSlot = slot;
    m_lastStep = world.stepCount();
    m_lastTimeS = world.timeS();
  }
  /// Closes the file; returns false when the recording failed at any point.
  bool finish(bool quiet) {
    if (!m_writer) return true;
    try {
      m_writer->close();
    } catch (const std::runtime_error& e) {
      if (!m_failed) std::cerr << "error: " << e.what() << "\n";
      m_failed = true;
    }
    if (m_failed) {
      std::cerr << fmt::format("error: the recording {} is incomplete: it ends at {}{}\n", m_writer->path().string(),
                               formatClock(m_lastTimeS),
                               m_writer->framesWritten() > 0 ? " (the frames up to there play)" : "");
    } else if (!quiet) {
      const std::uint64_t vehicleSteps = m_writer->vehicleStepsWritten();
      fmt::print("  recording     {} ({} frames, {:.1f} MB, {:.1f} bytes per vehicle-step)\n", m_writer->path().string(),
                 m_writer->framesWritten(), static_cast<double>(m_writer->bytesWritten()) / 1e6,
                 vehicleSteps > 0 ? static_cast<double>(m_writer->frameBytesWritten()) / static_cast<double>(vehicleSteps) : 0.0);
    }
    return !m_failed;
  }

 private:
  double m_everyS;
  std::optional<RecordingWriter> m_writer;
  static bool isInside(const fs::path& file, const fs::path& dir) {
    std::error_code ec;
    const fs::path f = fs::weakly_canonical(fs::absolute(file, ec), ec).lexically_normal();
    fs::path d = fs::weakly_canonical(fs::absolute(dir, ec), ec).lexically_normal();
    if (d.has_parent_path() && d.filename().empty()) d = d.parent_path();  // "out/" -> "out"
    return std::mismatch(d.begin(), d.end(), f.begin(), f.end()).first == d.end();
  }

  long long m_lastSlot = -1;
  double m_lastTimeS = 0;
  std::uint64_t m_lastStep = 0;
  bool m_failed = false;
};

int runCommand(const RunOptions& opt) {
  const auto [scenario, outDir] = prepareRun(opt);

  World world(scenario, WorldOptions{opt.threads, opt.validate});
  RunRecorder recorder(opt, scenario, outDir);
  recorder.afterStep(world, false);
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);

  ProgressBar bar(scenario.durationS);
  const auto start = std::chrono::steady_clock::now();
  while (!world.finished() && g_interrupted == 0) {
    world.step();
    recorder.afterStep(world, world.finished());
    if (!opt.quiet && bar.due(world.timeS())) {
      const VehicleCounts c = world.counts();
      bar.update(world.timeS(), c.running, c.waitingToEnter);
    }
  }
  const double wallS = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (g_interrupted != 0) {
    bar.clear();
    recorder.afterStep(world, true);
    const bool recorded = recorder.finish(true);
    std::cerr << fmt::format("interrupted at {} of {} simulated; no outputs written{}\n", formatClock(world.timeS()),
                             formatClock(scenario.durationS),
                             !opt.record.empty() && recorded ? "; the recording " + opt.record + " ends there" : "");
    return 128 + static_cast<int>(g_interrupted);
  }
  if (!opt.quiet) {
    const VehicleCounts c = world.counts();
    bar.finish(world.timeS(), c.running, c.waitingToEnter);
  }

  const int code = finishRun(opt, scenario, world, wallS, outDir);
  const bool recorded = recorder.finish(opt.quiet || code != kExitOk);
  return code == kExitOk && !recorded ? kExitInternal : code;
}

// ---- info ----------------------------------------------------------------------------------

struct InfoOptions {
  std::string scenario;
  std::vector<std::string> overrides;
};

void printDemandHistogram(const Scenario& sc) {
  constexpr double kBinS = 900;
  const auto& trips = sc.demand.trips;
  const double lastS = trips.empty() ? 0 : trips.back().departS;
  const double spanS = std::max(sc.durationS, lastS + 1e-9);
  const auto bins = static_cast<std::size_t>(std::ceil(spanS / kBinS));
  std::vector<std::size_t> counts(std::max<std::size_t>(bins, 1), 0);
  for (const auto& trip : trips)
    counts[std::min(counts.size() - 1, static_cast<std::size_t>(std::max(trip.departS, 0.0) / kBinS))]++;
  const std::size_t most = *std::max_element(counts.begin(), counts.end());
  fmt::print("  trips per 15 min (h:mm)\n");
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const int width = most == 0 ? 0 : static_cast<int>(std::lround(40.0 * static_cast<double>(counts[i]) / static_cast<double>(most)));
    const bool afterEnd = static_cast<double>(i) * kBinS >= sc.durationS;
    const auto minutes = static_cast<long>(i) * 15;
    fmt::print("    {:>2}:{:02}  {:<40}  {}{}\n", minutes / 60, minutes % 60,
               std::string(static_cast<std::size_t>(width), '#'), counts[i], afterEnd ? "  (after the end of the run)" : "");
  }
}

int infoCommand(const InfoOptions& opt) {
  const Scenario sc = loadScenario(opt.scenario, opt.overrides);
  const RoadNetwork& net = *sc.network;

  std::size_t signalised = 0, boundary = 0, unsignalised = 0;
  for (const auto& j : net.junctions()) {
    if (j.boundary)
      ++boundary;
    else if (j.program)
      ++signalised;
    else
      ++unsignalised;
  }

  fmt::print("scenario    {}{}\n", sc.name, sc.description.empty() ? "" : " - " + sc.description);
  fmt::print("file        {}\n", sc.sourceFile.string());
  fmt::print("map         {}\n", sc.mapDescription);
  fmt::print("  junctions   {} ({} signalised, {} unsignalised, {} boundary)\n", net.junctions().size(), signalised,
             unsignalised, boundary);
  fmt::print("  roads       {} with {} lanes, {:.1f} lane-km\n", net.roads().size(), net.lanes().size(),
             net.totalLaneLengthM() / 1000);
  fmt::print("  movements   {} with {} lane connectors\n", net.movements().size(), net.connectors().size());

  const auto& trips = sc.demand.trips;
  std::vector<std::size_t> perType(sc.vehicleTypes.size(), 0);
  for (const auto& trip : trips)
    if (trip.type.index() < perType.size()) ++perType[trip.type.index()];
  fmt::print("demand      {} trips on {} distinct routes\n", trips.size(), sc.demand.routes.size());
  if (!trips.empty())
    fmt::print("  departures  {:.0f} s to {:.0f} s\n", trips.front().departS, trips.back().departS);
  fmt::print("  vehicle types\n");
  for (std::size_t i = 0; i < sc.vehicleTypes.size(); ++i) {
    const auto& t = sc.vehicleTypes[i];
    fmt::print("    {:<20} {:<8} {:>7} trips  length {} m, max speed {:.1f} m/s\n", t.name, toString(t.vehicleClass),
               perType[i], t.lengthM, t.maxSpeedMps);
  }
  printDemandHistogram(sc);
  if (!sc.transit.empty()) {
    fmt::print("transit     {} stops, {} line{}, {} passengers\n", sc.transit.stops.size(), sc.transit.lines.size(),
               sc.transit.lines.size() == 1 ? "" : "s", sc.transit.passengers.size());
    for (const TransitLine& l : sc.transit.lines)
      fmt::print("    {:<20} {:>3} runs, {} stops, capacity {}, type {}\n", l.id, l.departuresS.size(), l.stops.size(),
                 l.capacity, sc.vehicleTypes[l.type.index()].name);
  }
  if (!sc.fleets.empty()) {
    fmt::print("on demand   {} fleet{}, {} ride requests\n", sc.fleets.fleets.size(), sc.fleets.fleets.size() == 1 ? "" : "s",
               sc.fleets.requests.size());
    for (const FleetSpec& f : sc.fleets.fleets)
      fmt::print("    {:<20} {:>3} vehicles of {} seats, dispatcher {}, rebalancer {}\n", f.id, f.vehicles, f.capacity,
                 f.dispatcher, f.rebalancer);
  }
  if (sc.priorityRules.emergencyPreemption)
    for (const VehicleType& t : sc.vehicleTypes)
      if (t.signalPriority == SignalPriority::Emergency) {
        fmt::print("priority    emergency vehicles pre-empt signals within {} m\n", sc.priorityRules.emergencyDistanceM);
        break;
      }

  std::string params;
  for (const auto& [key, value] : sc.signalPolicy.params) params += fmt::format("{}{} = {}", params.empty() ? "" : ", ", key, value);
  fmt::print("signals     {}{}; yellow {} s, all-red {} s, min green {} s\n", sc.signalPolicy.name,
             params.empty() ? "" : " (" + params + ")", sc.signalTiming.yellowS, sc.signalTiming.allRedS,
             sc.signalTiming.minGreenS);
  fmt::print("time        step {} s, duration {} s ({}), seed {}\n", sc.stepS, sc.durationS, formatClock(sc.durationS),
             sc.seed);
  fmt::print("dynamics    lane changing {}, gridlock after {} s: {}\n", sc.laneChanging ? "on" : "off",
             sc.gridlockTimeoutS, sc.gridlockAction == GridlockAction::Teleport ? "teleport" : "wait");
  fmt::print("outputs     time series every {} s\n", sc.timeseriesIntervalS);
  return kExitOk;
}

// ---- command line --------------------------------------------------------------------------

/// The options of `run`, also taken by `view`.
void addRunOptions(CLI::App& cmd, RunOptions& run) {
  cmd.add_option("scenario", run.scenario, "Scenario file (.toml) or SUMO configuration (.sumocfg)")->required();
  cmd.add_option("-o,--out", run.out,
                 "Results folder; replaced whole if it holds an earlier run's outputs [default: results/<scenario name>]");
  cmd.add_option("-t,--threads", run.threads, "Worker threads; 0 means one per core [default: 0]")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--seed", run.seed, "Random seed; replaces scenario.seed");
  cmd.add_option("--duration", run.durationS, "Simulated seconds; replaces scenario.duration_s")
      ->check(CLI::PositiveNumber);
  cmd.add_option("-p,--policy", run.policy, "Signal policy; shorthand for --set signals.policy=NAME")
      ->type_name("NAME");
  cmd.add_option("--set", run.overrides,
                 "Override a scenario key, as key=value with a dotted key, e.g. signals.policy=fixed_time.\n"
                 "Repeatable. Values are read as TOML (7, 2.5, false, [1, 2]); other text is a string.")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  cmd.add_flag("-q,--quiet", run.quiet, "No progress bar and no summary on the terminal");
  cmd.add_flag("--validate", run.validate, "Check the simulation's invariants after every step (slow)");
}

std::string policyList() {
  std::string out;
  for (const auto& name : signalPolicyNames()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

int runMain(int argc, char** argv) {
  CLI::App app{"trafficsim: an agent-based traffic simulator for signal-control research.\n"
               "Runs scenario files (TOML, see docs/scenario-format.md) headless and writes\n"
               "summary.json, trips.csv and timeseries.csv (see docs/metrics.md), or compares\n"
               "signal policies over several scenarios and seeds.",
               "trafficsim"};
  app.set_version_flag("--version", std::string("trafficsim ") + TRAFFICSIM_VERSION);
  app.require_subcommand(1);
  app.footer("Examples:\n"
             "  trafficsim run scenarios/hangzhou_peak.toml\n"
             "  trafficsim info scenarios/grid_10x10.toml\n"
             "  trafficsim compare scenarios/hangzhou_real.toml --policies fixed_time --seeds 5 --out results/cmp\n"
             "  trafficsim run --help\n"
             "\n"
             "Set TRAFFIC_LOG=info (or debug) to see the simulator's log on stderr.");

  RunOptions run;
  CLI::App* runCmd = app.add_subcommand(
      "run", "Simulate a scenario and write summary.json, trips.csv and timeseries.csv");
  addRunOptions(*runCmd, run);
  CLI::Option* recordOpt =
      runCmd->add_option("--record", run.record,
                         "Also write a recording of the run to FILE, for 'trafficsim replay FILE'\n"
                         "(format: docs/recording-format.md)")
          ->type_name("FILE");
  runCmd->add_option("--record-every", run.recordEveryS,
                     "Simulated seconds between recorded frames [default: every step]")
      ->check(CLI::PositiveNumber)
      ->needs(recordOpt)
      ->type_name("S");
  runCmd->footer("Loads and checks the scenario, simulates it step by step with a progress bar on stderr,\n"
                 "then writes the outputs into the results folder (all of them or none) and prints a\n"
                 "short summary. Columns and units: docs/metrics.md.\n"
                 "\n"
                 "Examples:\n"
                 "  trafficsim run scenarios/hangzhou_peak.toml\n"
                 "  trafficsim run scenarios/jinan_real.toml --seed 7 --out results/jinan_seed7\n"
                 "  trafficsim run scenarios/grid_10x10.toml --threads 2 --duration 900\n"
                 "  trafficsim run scenarios/hangzhou_real.toml --set dynamics.lane_changing=false\n"
                 "  trafficsim run scenarios/jinan_real.toml --policy fixed_time --set signals.params.green_s=25\n"
                 "  trafficsim run scenarios/hangzhou_peak.toml --record peak.tsrec --record-every 5\n"
                 "\n"
                 "Signal policies: " + policyList() + "\n"
                 "Exit codes: 0 done, 2 bad input or usage (nothing written), 1 internal error,\n"
                 "130 interrupted by Ctrl-C (nothing written but a --record file, up to that moment).");

  InfoOptions info;
  CLI::App* infoCmd = app.add_subcommand(
      "info", "Check a scenario and describe its map, demand and signal settings");
  infoCmd->add_option("scenario", info.scenario, "Scenario file (.toml) or SUMO configuration (.sumocfg)")->required();
  infoCmd->add_option("--set", info.overrides, "Override a scenario key (key=value), as for run")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  infoCmd->footer("Loads and validates the scenario exactly as run does, then prints the map (junctions,\n"
                  "roads, lanes, lane-km), the demand (trips, vehicle types, departures per 15 minutes),\n"
                  "the signal policy and the time settings. Simulates nothing; use it to check a\n"
                  "scenario before a long run.\n"
                  "\n"
                  "Examples:\n"
                  "  trafficsim info scenarios/hangzhou_real.toml\n"
                  "  trafficsim info scenarios/grid_30x30.toml --set scenario.duration_s=1800");

  // The second example names real policies, whichever the registry holds.
  const std::vector<std::string> names = signalPolicyNames();
  const std::string examplePolicies = names.size() > 1 ? names[0] + "," + names[1] : names.front();
  CompareOptions compare;
  compare.version = std::string("trafficsim ") + TRAFFICSIM_VERSION;
  CLI::App* compareCmd = app.add_subcommand(
      "compare", "Benchmark signal policies: every scenario x policy x seed, with confidence intervals and charts");
  compareCmd->add_option("scenarios", compare.scenarios, "Scenario files (.toml) or SUMO configurations (.sumocfg)")->required();
  compareCmd->add_option("--policies", compare.policies, "Signal policies to compare, separated by commas")
      ->required()
      ->delimiter(',')
      ->allow_extra_args(false)  // so that a scenario after it is not taken for a policy
      ->type_name("A,B,...");
  compareCmd->add_option("--seeds", compare.seeds, "Runs per scenario and policy, with seeds 1..N replacing scenario.seed")
      ->required()
      ->check(CLI::Range(1, 100000));
  compareCmd->add_option("-j,--jobs", compare.jobs, "Runs in parallel, one thread each; 0 means one per core [default: 0]")
      ->check(CLI::NonNegativeNumber);
  compareCmd->add_option("--duration", compare.durationS, "Simulated seconds; replaces scenario.duration_s")
      ->check(CLI::PositiveNumber);
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
                     "Per-vehicle warnings (gridlock) are not shown unless TRAFFIC_LOG is set; results.csv\n"
                     "counts teleports per run.\n"
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

#ifdef TRAFFIC_WITH_RENDER
  // `view` takes run's options and ends as run does (same outputs); the window is render/'s.
  RunOptions viewRun;
  render::RunHooks hooks;
  hooks.addRunOptions = [&viewRun](CLI::App& cmd) { addRunOptions(cmd, viewRun); };
  hooks.prepare = [&viewRun] {
    auto [scenario, outDir] = prepareRun(viewRun);
    return render::PreparedRun{std::make_shared<const Scenario>(std::move(scenario)),
                               WorldOptions{viewRun.threads, viewRun.validate}, std::move(outDir)};
  };
  hooks.finish = [&viewRun](const render::PreparedRun& prepared, const World& world, double wallS) {
    return finishRun(viewRun, *prepared.scenario, world, wallS, prepared.outDir);
  };
  const auto runRenderCommand = render::addRenderCommands(app, std::move(hooks));
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // CLI11 has a code per kind of mistake (105, 106, ...); scripts only need "usage error".
    std::string helpFor = "trafficsim";
    for (const CLI::App* sub : app.get_subcommands()) helpFor += " " + sub->get_name();
    std::cerr << "error: " << e.what() << "\nRun '" << helpFor << " --help' for usage.\n";
    return kExitBadInput;
  }

  if (runCmd->parsed()) return runCommand(run);
#ifdef TRAFFIC_WITH_RENDER
  if (auto code = runRenderCommand()) return *code;
#endif
  if (compareCmd->parsed()) {
    // Per-vehicle warnings (gridlock) from many runs at once, without saying which run, would
    // bury the progress; results.csv counts teleports per run. TRAFFIC_LOG still shows them.
    if (auto log = spdlog::get("sim"); log && std::getenv("TRAFFIC_LOG") == nullptr) log->set_level(spdlog::level::err);
    return compareCommand(
        compare, [] { return static_cast<int>(g_interrupted); },
        [] {
          std::signal(SIGINT, onInterrupt);
          std::signal(SIGTERM, onInterrupt);
        });
  }
  return infoCommand(info);
}

}  // namespace
}  // namespace traffic::cli

int main(int argc, char** argv) {
  traffic::cli::setUpLogging();
  try {
    return traffic::cli::runMain(argc, argv);
  } catch (const traffic::LoadError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return traffic::cli::kExitBadInput;
  } catch (const traffic::cli::UsageError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return traffic::cli::kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return traffic::cli::kExitInternal;
  } catch (...) {
    std::cerr << "internal error: unknown exception\n";
    return traffic::cli::kExitInternal;
  }
}
