// The `trafficsim` subcommands that need a screen: `view` (a live run in a window) and `replay`
// (a recording). main.cpp registers them through this header when the project is built
// with TRAFFIC_WITH_RENDER; the window, drawing and replay are the traffic_render library's.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "traffic/scenario.h"
#include "traffic/world.h"

namespace CLI {
class App;
}

namespace traffic::cli {

/// A scenario loaded and checked as `trafficsim run` does, with where its outputs go.
struct PreparedRun {
  std::shared_ptr<const Scenario> scenario;
  WorldOptions worldOptions;
  std::filesystem::path outDir;
};

/// What `view` borrows from `run`, so that a viewed run takes the same options and leaves the same
/// outputs as a headless one. main.cpp fills these in with run's own code.
struct RunHooks {
  /// Adds run's options (the scenario, --out, --threads, --seed, --duration, --policy, --set,
  /// --quiet, --validate) to `command`.
  std::function<void(CLI::App& command)> addRunOptions;
  /// After parsing: loads the scenario and checks the results folder. Throws LoadError or the
  /// CLI's UsageError (exit code 2).
  std::function<PreparedRun()> prepare;
  /// When the world reached the scenario's end: writes summary.json, trips.csv and timeseries.csv
  /// and prints the summary as run does; returns run's exit code.
  std::function<int(const PreparedRun& run, const World& world, double wallS)> finish;
};

/// Registers `view` and `replay` on `app`. After parsing, call the returned function: it runs the
/// one that was chosen and returns its exit code, or nullopt when neither was.
std::function<std::optional<int>()> addRenderCommands(CLI::App& app, RunHooks hooks);

}  // namespace traffic::cli
