#include "run_command.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>

#include "cli_checks.h"
#include "exit_codes.h"
#include "interrupt.h"
#include "progress.h"
#include "traffic/checkpoint.h"
#include "traffic/compare/compare.h"
#include "traffic/protocol.h"
#include "traffic/sensing.h"
#include "traffic/errors.h"
#include "traffic/output_folder.h"
#include "traffic/outputs.h"
#include "traffic/recording.h"

namespace traffic::cli {

namespace fs = std::filesystem;

namespace {



std::vector<std::string> allOverrides(const std::vector<std::string>& sets, std::optional<std::uint64_t> seed,
                                      std::optional<double> durationS, const std::optional<std::string>& policy,
                                      const std::optional<std::string>& protocol) {
  // Dedicated flags come last so that they win over a --set of the same key. (A protocol's own
  // settings sit below every --set: see loadScenario.)
  std::vector<std::string> all = sets;
  if (protocol) all.push_back("benchmark.protocol=" + *protocol);
  if (policy) all.push_back("signals.policy=" + *policy);
  if (seed) all.push_back("scenario.seed=" + std::to_string(*seed));
  if (durationS) all.push_back(fmt::format("scenario.duration_s={}", *durationS));
  return all;
}

std::string withUnit(double v, const char* unit) { return fmt::format("{:.1f} {}", v, unit); }

void printRunSummary(const Summary& s, const fs::path& outDir, Compression compression, bool roads) {
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
  if (s.vehicles.hardBrakes > 0 || s.vehicles.clampedMoves > 0)
    fmt::print("  driving       {} hard brakes (beyond comfortable), {} moves cut by the safety bound\n",
               s.vehicles.hardBrakes, s.vehicles.clampedMoves);
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
  std::vector<std::string> files{kSummaryFile, compressedName(kTripsFile, compression),
                                 compressedName(kTimeseriesFile, compression)};
  if (!s.lines.empty() || !s.fleets.empty()) files.insert(files.end(), {kPassengersFile, kFleetFile});
  if (!s.lines.empty()) files.emplace_back(kLineStopsFile);
  if (roads) files.push_back(compressedName(kRoadsFile, compression));
  fmt::print("  outputs       {}/ ({})\n", outDir.string(), fmt::join(files, ", "));
}

/// When the chosen folder cannot be written after a run, the results still exist in memory; save
/// them somewhere rather than throw away a long run.
std::optional<fs::path> rescueOutputs(const Scenario& scenario, const Summary& summary, const World& world) {
  try {
    const fs::path rescue =
        fs::temp_directory_path() / fmt::format("trafficsim-{}-{}", scenario.name, static_cast<long>(::getpid()));
    RunOutputStream outputs(rescue, scenario, false);
    outputs.publish(world, summary);
    return rescue;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

/// Loads the scenario as `run` does and settles its results folder, refusing an unusable one
/// before the run rather than after an hour of it. Shared with `view`.
std::pair<Scenario, fs::path> prepareRun(const RunOptions& opt) {
  std::vector<std::string> overrides = allOverrides(opt.overrides, opt.seed, opt.durationS, opt.policy, opt.protocol);
  if (opt.compress) overrides.push_back("outputs.compress=" + *opt.compress);
  if (opt.roads) overrides.push_back("outputs.roads=true");
  if (opt.sensing)
    for (std::string& o : compare::sensingOverrides(*opt.sensing)) overrides.push_back(std::move(o));
  Scenario scenario = loadScenario(opt.scenario, overrides);
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
int finishRun(const RunOptions& opt, const Scenario& scenario, const World& world, double wallS, const fs::path& outDir,
              RunOutputStream* streamed) {
  const Summary summary = world.summary(wallS);
  try {
    if (streamed) {
      streamed->publish(world, summary);
    } else {
      // From the finished world: roads.csv needed every step's loads, which it no longer has.
      if (scenario.roadsOutput)
        std::cerr << "note: " << kRoadsFile << " is written only by 'trafficsim run' when its outputs stream from the "
                  << "first step; it is left out\n";
      RunOutputStream outputs(outDir, scenario, false);
      outputs.publish(world, summary);
    }
  } catch (const std::runtime_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    if (auto rescue = rescueOutputs(scenario, summary, world))
      std::cerr << "the results were saved to " << rescue->string() << " instead\n";
    return kExitInternal;
  }

  if (!opt.quiet) printRunSummary(summary, outDir, scenario.outputCompression, scenario.roadsOutput && streamed);
  if (auto log = spdlog::get("sim"))
    log->info("run {}: {:.0f} s simulated in {:.2f} s ({:.0f}x real time), {} vehicles spawned, {} arrived, "
              "{:.2f} M vehicle-updates/s, {} thread(s), outputs in {}",
              summary.scenario, summary.simSeconds, summary.wallSeconds,
              summary.wallSeconds > 0 ? summary.simSeconds / summary.wallSeconds : 0.0, summary.vehicles.spawned,
              summary.vehicles.arrived, summary.vehicleUpdatesPerSecond / 1e6, summary.threads, outDir.string());
  return kExitOk;
}

namespace {

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
    checkReplaceable(opt);
    try {
      m_writer.emplace(opt.record, scenario, opt.force);
    } catch (const LoadError& e) {
      // Created by someone else between the check and now: still not ours to replace.
      if (!opt.force && fs::exists(fs::symlink_status(opt.record)))
        throw UsageError(fmt::format("--record {}: the file already exists; choose a new name, or add --force to "
                                     "replace it", opt.record));
      throw;
    }
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
  bool finish(bool quiet, bool runFinished) {
    if (!m_writer) return true;
    try {
      m_writer->close(runFinished);  // the end record says whether the run reached its end
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
  // Issue 14: the recording never replaces a file the user did not ask to replace (without --force
  // `run copy.toml --record copy.toml` replaced the scenario), nor, even with --force, the scenario
  // it records or anything that is not a regular file (a device, a FIFO, a folder).
  static void checkReplaceable(const RunOptions& opt) {
    std::error_code ec;
    const fs::file_status status = fs::status(opt.record, ec);
    if (ec || !fs::exists(status)) return;
    if (fs::equivalent(opt.record, opt.scenario, ec))
      throw UsageError(fmt::format("--record {}: that is the scenario file being run; give the recording a name of its "
                                   "own, e.g. {}.tsrec", opt.record, fs::path(opt.scenario).stem().string()));
    if (!fs::is_regular_file(status))
      throw UsageError(fmt::format("--record {}: it exists and is not a regular file; give the path of a new file",
                                   opt.record));
    if (!opt.force)
      throw UsageError(fmt::format("--record {}: the file already exists; choose a new name, or add --force to "
                                   "replace it", opt.record));
  }
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

/// `run --checkpoint FILE --checkpoint-at T`: writes the world's checkpoint (traffic/checkpoint.h)
/// once, at the end of the first step that reaches simulated time T (before the first step for
/// T = 0). FILE is checked before the run: an existing file is refused without --force, the
/// scenario itself always. A write that fails during the run is reported and the run goes on
/// (exit code 1 at the end, with the outputs written).
class RunCheckpointer {
 public:
  RunCheckpointer(const RunOptions& opt, const Scenario& scenario) : m_file(opt.checkpoint), m_force(opt.force) {
    if (m_file.empty()) return;
    m_atS = *opt.checkpointAtS;
    if (m_atS > scenario.durationS + 1e-9)
      throw UsageError(fmt::format("--checkpoint-at {}: after the end of the run ({} s); give a time from 0 to {}",
                                   m_atS, scenario.durationS, scenario.durationS));
    std::error_code ec;
    if (fs::exists(fs::symlink_status(m_file, ec))) {
      if (fs::equivalent(m_file, opt.scenario, ec))
        throw UsageError(fmt::format("--checkpoint {}: that is the scenario file being run; give the checkpoint a name "
                                     "of its own, e.g. {}.ckpt", m_file, fs::path(opt.scenario).stem().string()));
      if (!fs::is_regular_file(fs::status(m_file, ec)))
        throw UsageError(fmt::format("--checkpoint {}: it exists and is not a regular file; give the path of a new file",
                                     m_file));
      if (!m_force)
        throw UsageError(fmt::format("--checkpoint {}: the file already exists; choose a new name, or add --force to "
                                     "replace it", m_file));
    }
  }
  void afterStep(const World& world) {
    if (m_file.empty() || m_done || world.timeS() < m_atS - 1e-9) return;
    m_done = true;
    try {
      const std::vector<std::uint8_t> bytes = world.checkpoint();
      writeCheckpointFile(m_file, bytes, m_force);
      m_bytes = bytes.size();
      m_writtenAtS = world.timeS();
    } catch (const std::runtime_error& e) {
      m_failed = true;
      std::cerr << "\nerror: --checkpoint " << e.what() << "; the run goes on\n";
    }
  }
  /// Prints where the checkpoint went; returns false when writing it failed.
  bool finish(bool quiet) const {
    if (!m_file.empty() && !m_failed && m_done && !quiet)
      fmt::print("  checkpoint    {} at {} ({:.1f} MB); continue with --resume {}\n", m_file, formatClock(m_writtenAtS),
                 static_cast<double>(m_bytes) / 1e6, m_file);
    return !m_failed;
  }

 private:
  std::string m_file;
  bool m_force = false;
  double m_atS = 0;
  bool m_done = false;
  bool m_failed = false;
  std::size_t m_bytes = 0;
  double m_writtenAtS = 0;
};

}  // namespace

int runCommand(const RunOptions& opt) {
  if (opt.force && opt.record.empty() && opt.checkpoint.empty())
    throw UsageError("--force replaces the --record or --checkpoint FILE; give one of them, or leave --force out");
  if (!opt.resume.empty() && !opt.record.empty())
    throw UsageError("--record cannot be combined with --resume: a recording starts at time 0; record the first run");
  const auto [scenario, outDir] = prepareRun(opt);
  if (!opt.resume.empty() && scenario.roadsOutput)
    throw UsageError("--resume cannot write roads.csv ([outputs] roads or --roads): it sums every step from time 0, "
                     "and a checkpoint does not carry those sums; run from the start, or leave roads.csv out");

  World world(scenario, WorldOptions{opt.threads, opt.validate});
  if (!opt.resume.empty()) world.restore(readCheckpointFile(opt.resume), opt.resume);  // LoadError: exit 2
  RunCheckpointer checkpointer(opt, scenario);
  RunRecorder recorder(opt, scenario, outDir);
  recorder.afterStep(world, false);
  checkpointer.afterStep(world);
  // trips.csv and timeseries.csv stream into a hidden folder next to --out as the run goes
  // (traffic/outputs.h); Ctrl-C or an error deletes it. If writing fails during the run (a full
  // disk), the stream stops and everything is written at the end from the world instead.
  std::optional<RunOutputStream> outputs;
  try {
    outputs.emplace(outDir, scenario);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  const auto drainOutputs = [&] {
    if (!outputs) return;
    try {
      outputs->drain(world);
    } catch (const std::runtime_error& e) {
      std::cerr << "\nerror: " << e.what() << "; the outputs will be written at the end of the run\n";
      outputs.reset();
    }
  };
  drainOutputs();
  armInterruptHandlers();

  ProgressBar bar(scenario.durationS);
  const auto start = std::chrono::steady_clock::now();
  while (!world.finished() && pendingInterrupt() == 0) {
    world.step();
    drainOutputs();
    recorder.afterStep(world, world.finished());
    checkpointer.afterStep(world);
    if (!opt.quiet && bar.due(world.timeS())) {
      const VehicleCounts c = world.counts();
      bar.update(world.timeS(), c.running, c.waitingToEnter);
    }
  }
  const double wallS = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (pendingInterrupt() != 0) {
    bar.clear();
    recorder.afterStep(world, true);
    const bool recorded = recorder.finish(true, false);
    outputs.reset();  // deletes the rows streamed so far
    std::cerr << fmt::format("interrupted at {} of {} simulated; no outputs written{}\n", formatClock(world.timeS()),
                             formatClock(scenario.durationS),
                             !opt.record.empty() && recorded ? "; the recording " + opt.record + " ends there" : "");
    return 128 + pendingInterrupt();
  }
  if (!opt.quiet) {
    const VehicleCounts c = world.counts();
    bar.finish(world.timeS(), c.running, c.waitingToEnter);
  }

  const int code = finishRun(opt, scenario, world, wallS, outDir, outputs ? &*outputs : nullptr);
  const bool recorded = recorder.finish(opt.quiet || code != kExitOk, true);
  const bool checkpointed = checkpointer.finish(opt.quiet || code != kExitOk);
  return code == kExitOk && !(recorded && checkpointed) ? kExitInternal : code;
}

void addRunOptions(CLI::App& cmd, RunOptions& run) {
  cmd.add_option("scenario", run.scenario,
                 "Scenario file (.toml), SUMO configuration (.sumocfg) or City "
                 "Brain Challenge configuration (.cfg)")
      ->required();
  cmd.add_option("-o,--out", run.out,
                 "Results folder; replaced whole if it holds an earlier run's outputs [default: results/<scenario name>]");
  cmd.add_option("-t,--threads", run.threads,
                 fmt::format("Worker threads, 0 to {}; 0 means one per core [default: 0]", kMaxThreads))
      ->check(threadCount());
  cmd.add_option("--seed", run.seed, "Random seed; replaces scenario.seed");
  cmd.add_option("--duration", run.durationS, "Simulated seconds; replaces scenario.duration_s")
      ->check(finiteNumber(Sign::Positive));
  cmd.add_option("-p,--policy", run.policy, "Signal policy; shorthand for --set signals.policy=NAME")
      ->type_name("NAME");
  cmd.add_option("--protocol", run.protocol,
                 "Benchmark protocol: " + benchmarkProtocolNames() +
                     " (docs/protocols.md); its settings apply over the scenario's, under --set")
      ->type_name("NAME");
  cmd.add_option("--sensing", run.sensing,
                 "How the signal policy sees the traffic: " + sensingModelNames() +
                     ", optionally NAME:key=value,...; shorthand for --set sensing.model=NAME (docs/sensing.md)")
      ->type_name("MODEL");
  cmd.add_option("--set", run.overrides,
                 "Override a scenario key, as key=value with a dotted key, e.g. signals.policy=fixed_time.\n"
                 "Repeatable. Values are read as TOML (7, 2.5, false, [1, 2]); other text is a string.")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  cmd.add_option("--compress", run.compress,
                 "gzip: write trips.csv.gz and timeseries.csv.gz instead of trips.csv and timeseries.csv;\n"
                 "none: uncompressed [default]. Shorthand for --set outputs.compress=NAME")
      ->check(CLI::IsMember({"none", "gzip"}))
      ->type_name("NAME");
  cmd.add_flag("--roads", run.roads,
               "Also write roads.csv: per road and time series interval, vehicles entered, flow, density,\n"
               "space-mean speed and queue (docs/metrics.md); shorthand for --set outputs.roads=true");
  cmd.add_flag("-q,--quiet", run.quiet, "No progress bar and no summary on the terminal");
  cmd.add_flag("--validate", run.validate, "Check the simulation's invariants after every step (slow)");
}

std::string policyList() {
  std::string out;
  for (const auto& name : signalPolicyNames()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

CLI::App* addRunCommand(CLI::App& app, RunOptions& run) {
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
      ->check(finiteNumber(Sign::Positive))
      ->needs(recordOpt)
      ->type_name("S");
  CLI::Option* checkpointOpt =
      runCmd->add_option("--checkpoint", run.checkpoint,
                         "Write the complete state of the run to FILE at simulated time --checkpoint-at;\n"
                         "'trafficsim run' with the same scenario and options and --resume FILE continues\n"
                         "from there with the outputs of an uninterrupted run (docs/checkpoints.md)")
          ->type_name("FILE");
  CLI::Option* checkpointAtOpt = runCmd->add_option("--checkpoint-at", run.checkpointAtS, "Simulated time of the --checkpoint, in seconds")
                                     ->check(finiteNumber(Sign::NonNegative))
                                     ->needs(checkpointOpt)
                                     ->type_name("T");
  checkpointOpt->needs(checkpointAtOpt);
  runCmd->add_option("--resume", run.resume,
                     "Continue from a --checkpoint FILE of this scenario, run with the same options\n"
                     "(a checkpoint of another scenario, seed, duration or override is refused)")
      ->type_name("FILE");
  runCmd->add_flag("--force", run.force, "Replace the --record or --checkpoint FILE if it exists (never the scenario file itself)");
  runCmd->footer("Loads and checks the scenario, simulates it step by step with a progress bar on stderr,\n"
                 "writing trips.csv and timeseries.csv as it goes into a hidden folder next to the results\n"
                 "folder, which replaces the results folder at the end (all of the outputs or none), and\n"
                 "prints a short summary. Columns and units: docs/metrics.md.\n"
                 "\n"
                 "Examples:\n"
                 "  trafficsim run scenarios/hangzhou_peak.toml\n"
                 "  trafficsim run scenarios/jinan_real.toml --seed 7 --out results/jinan_seed7\n"
                 "  trafficsim run scenarios/grid_10x10.toml --threads 2 --duration 900\n"
                 "  trafficsim run scenarios/hangzhou_real.toml --set dynamics.lane_changing=false\n"
                 "  trafficsim run scenarios/jinan_real.toml --policy fixed_time --set signals.params.green_s=25\n"
                 "  trafficsim run scenarios/hangzhou_peak.toml --record peak.tsrec --record-every 5\n"
                 "  trafficsim run scenarios/grid_10x10.toml --compress gzip --roads\n"
                 "  trafficsim run scenarios/hangzhou_peak.toml --checkpoint peak.ckpt --checkpoint-at 1800\n"
                 "  trafficsim run scenarios/hangzhou_peak.toml --resume peak.ckpt\n"
                 "\n"
                 "Signal policies: " + policyList() + "\n"
                 "Exit codes: 0 done, 2 bad input or usage (nothing written), 1 internal error,\n"
                 "130 interrupted by Ctrl-C (nothing written but a --record file, up to that moment).");
  return runCmd;
}

}  // namespace traffic::cli
