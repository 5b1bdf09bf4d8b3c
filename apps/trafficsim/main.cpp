// The `trafficsim` command line: run a scenario headless, or describe one.
//
// Exit codes are part of the interface, because batch scripts and CI branch on them:
//   0  success
//   2  the input is at fault: a scenario that does not load, bad command-line usage, an unusable
//      --out folder. The message says what to fix; nothing was written.
//   1  anything else (a bug, a failing disk); the message is printed as is.
//   130 (143) the run was interrupted with Ctrl-C (SIGTERM); no outputs are written then either.

//
// Each subcommand lives in its own file (run_command.cpp, info_command.cpp, compare_command.cpp,
// tune_command.cpp, view_command.cpp); this file sets up logging, registers them and maps errors
// to exit codes.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>
#include <string>

#include "cli_checks.h"
#include "compare_command.h"
#include "exit_codes.h"
#include "info_command.h"
#include "interrupt.h"
#include "run_command.h"
#include "tune_command.h"
#include "traffic/errors.h"
#include "traffic/signal.h"
#ifdef TRAFFIC_WITH_RENDER
#include "view_command.h"  // view and replay; SFML stays behind traffic_render
#endif

// TRAFFICSIM_VERSION comes from the project version in CMakeLists.txt.

namespace traffic::cli {
namespace {

/// An error message as printed: whole up to a few thousand characters (every message we write is
/// far shorter), else its start and end around a note of what was left out, so that an error
/// echoing a 100 KB argument (issue 14) still fits a terminal. Control characters are escaped.
std::string printable(const std::string& message) {
  constexpr std::size_t kHead = 1500, kTail = 300;
  std::string cut = message;
  if (message.size() > kHead + kTail)
    cut = message.substr(0, kHead) + fmt::format(" ... ({} bytes left out) ... ", message.size() - kHead - kTail) +
          message.substr(message.size() - kTail);
  std::string out;
  for (char c : cut) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7f)
      out += fmt::format("\\x{:02x}", u);
    else
      out += c;
  }
  return out;
}

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
             "  trafficsim tune max_pressure --train A.toml --test B.toml --params min_phase_s=5:30 --budget 9 --out t\n"
             "  trafficsim run --help\n"
             "\n"
             "Set TRAFFIC_LOG=info (or debug) to see the simulator's log on stderr.");

  RunOptions run;
  CLI::App* runCmd = addRunCommand(app, run);
  InfoOptions info;
  addInfoCommand(app, info);
  CompareOptions compare;
  compare.version = std::string("trafficsim ") + TRAFFICSIM_VERSION;
  CLI::App* compareCmd = addCompareCommand(app, compare);
  TuneOptions tune;
  tune.version = compare.version;
  CLI::App* tuneCmd = addTuneCommand(app, tune);

#ifdef TRAFFIC_WITH_RENDER
  // `view` takes run's options and ends as run does (same outputs); the window is render/'s.
  RunOptions viewRun;
  RunHooks hooks;
  hooks.addRunOptions = [&viewRun](CLI::App& cmd) { addRunOptions(cmd, viewRun); };
  hooks.prepare = [&viewRun] {
    auto [scenario, outDir] = prepareRun(viewRun);
    return PreparedRun{std::make_shared<const Scenario>(std::move(scenario)),
                               WorldOptions{viewRun.threads, viewRun.validate}, std::move(outDir)};
  };
  hooks.finish = [&viewRun](const PreparedRun& prepared, const World& world, double wallS) {
    return finishRun(viewRun, *prepared.scenario, world, wallS, prepared.outDir);
  };
  const auto runRenderCommand = addRenderCommands(app, std::move(hooks));
#endif

  if (argc <= 1) {
    // Issue 14: "A subcommand is required" told a new user nothing; the help lists the commands.
    std::cerr << app.help() << "\nerror: give a command, for example 'trafficsim run SCENARIO'\n";
    return kExitBadInput;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // CLI11 has a code per kind of mistake (105, 106, ...); scripts only need "usage error".
    std::string helpFor = "trafficsim";
    for (const CLI::App* sub : app.get_subcommands()) helpFor += " " + sub->get_name();
    std::cerr << "error: " << printable(e.what()) << "\nRun '" << helpFor << " --help' for usage.\n";
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
        compare, pendingInterrupt, armInterruptHandlers);
  }
  if (tuneCmd->parsed()) {
    if (auto log = spdlog::get("sim"); log && std::getenv("TRAFFIC_LOG") == nullptr) log->set_level(spdlog::level::err);
    return tuneCommand(tune, pendingInterrupt, armInterruptHandlers);
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
    std::cerr << "error: " << traffic::cli::printable(e.what()) << "\n";
    return traffic::cli::kExitBadInput;
  } catch (const traffic::cli::UsageError& e) {
    std::cerr << "error: " << traffic::cli::printable(e.what()) << "\n";
    return traffic::cli::kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << traffic::cli::printable(e.what()) << "\n";
    return traffic::cli::kExitInternal;
  } catch (...) {
    std::cerr << "internal error: unknown exception\n";
    return traffic::cli::kExitInternal;
  }
}
