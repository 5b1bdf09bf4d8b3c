// `trafficsim view` (and, with recordings, `trafficsim replay`): option parsing and the glue from
// a scenario or a recording to the viewer or to a screenshot.
#include "view_command.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <regex>

#include <unistd.h>

#include "cli_checks.h"
#include "exit_codes.h"
#include "traffic/render/hud.h"
#include "traffic/render/live_source.h"
#include "traffic/render/replay_source.h"
#include "traffic/render/screenshot.h"
#include "traffic/render/viewer.h"

namespace traffic::cli {
namespace {

using namespace traffic::render;

/// Options shared by view and replay: how to show, and the screenshot mode.
struct ShowOptions {
  std::string speed = "10";
  bool paused = false;
  std::string colourBy = "mode";
  std::string layer = "auto";
  std::string roadsBy = "speed";
  std::string size;
  std::string screenshot;
  std::optional<double> atS;
  bool noHud = false;
  bool force = false;  ///< --force: replace an existing --screenshot file
  std::vector<double> centre;  ///< world metres x, y
  double zoom = 1;             ///< times the scale that fits the whole network
};

void addShowOptions(CLI::App& cmd, ShowOptions& o, const std::string& defaultSize) {
  cmd.add_option("--speed", o.speed,
                 "Simulated seconds per wall-clock second, or max (as fast as possible); ] and [ change it\n"
                 "in the window [default: 10]")
      ->type_name("X|max");
  cmd.add_flag("--paused", o.paused, "Open paused (space resumes, N steps)");
  cmd.add_option("--colour-by,--color-by", o.colourBy, "Vehicle colours: by mode of transport or by speed; C switches [default: mode]")
      ->check(CLI::IsMember({"mode", "speed"}))
      ->type_name("mode|speed");
  cmd.add_option("--layer", o.layer,
                 "Zoomed out, the city layer replaces the vehicles: roads coloured by speed or density,\n"
                 "queues, signals as dots, entry queues. auto switches by the scale (city below 0.4 pixels\n"
                 "per metre, vehicles again above 0.6); city or vehicles forces one; V cycles [default: auto]")
      ->check(CLI::IsMember({"auto", "city", "vehicles"}))
      ->type_name("auto|city|vehicles");
  cmd.add_option("--roads-by", o.roadsBy,
                 "City layer: colour roads by speed (space-mean speed over the limit) or density\n"
                 "(vehicles per km and lane); D switches [default: speed]")
      ->check(CLI::IsMember({"speed", "density"}))
      ->type_name("speed|density");
  cmd.add_option("--size", o.size, "Window or screenshot size in pixels [default: " + defaultSize + "]")
      ->type_name("WxH");
  cmd.add_option("--screenshot", o.screenshot,
                 "Render the frame at --at to this PNG file and exit, without the interactive window")
      ->type_name("FILE.png");
  cmd.add_option("--at", o.atS,
                 "Simulated time in seconds: the screenshot's instant; without --screenshot, the window\n"
                 "opens paused there")
      ->check(finiteNumber(Sign::NonNegative))
      ->type_name("T");
  cmd.add_flag("--no-hud", o.noHud, "Screenshot without the heads-up display, legend and chart");
  cmd.add_flag("--force", o.force, "Replace the --screenshot file if it exists");
  cmd.add_option("--centre,--center", o.centre, "World point (metres, as in the map file) in the middle of the view\n"
                                                "[default: the middle of the network]")
      ->expected(2)
      ->delimiter(',')
      ->check(finiteNumber(Sign::Any))
      ->type_name("X,Y");
  cmd.add_option("--zoom", o.zoom, "Scale as a multiple of the one that fits the whole network [default: 1]")
      ->check(finiteNumber(Sign::Positive, 10000.0, 0.01))
      ->type_name("F");
}

/// The first view: fitted to the network, then zoomed about --centre.
Camera initialCamera(const RoadNetwork& net, const ShowOptions& o, unsigned w, unsigned h) {
  Camera camera = Camera::fit(networkBounds(net), w, h);
  if (o.centre.size() == 2) camera.centreOn({o.centre[0], o.centre[1]});
  camera.zoomAt({w / 2.0, h / 2.0}, o.zoom);
  return camera;
}

LayerMode layerOf(const ShowOptions& o) {
  return o.layer == "city" ? LayerMode::City : o.layer == "vehicles" ? LayerMode::Vehicles : LayerMode::Auto;
}

RoadMeasure roadMeasureOf(const ShowOptions& o) {
  return o.roadsBy == "density" ? RoadMeasure::Density : RoadMeasure::Speed;
}

PlaybackSpeed parseSpeed(const std::string& text) {
  if (text == "max") return kAsFastAsPossible;
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    // 0 and infinity are not speeds (issue 14: --speed 0 was taken as max); max says that.
    if (used == text.size() && std::isfinite(v) && v > 0) return v;
  } catch (const std::exception&) {
  }
  throw UsageError(fmt::format("--speed {}: expected a positive number of simulated seconds per second, or max",
                               shortened(text, 40)));
}

std::pair<unsigned, unsigned> parseSize(const std::string& text, std::pair<unsigned, unsigned> fallback) {
  if (text.empty()) return fallback;
  static const std::regex pattern(R"((\d{1,5})x(\d{1,5}))");
  std::smatch m;
  if (std::regex_match(text, m, pattern)) {
    const auto w = static_cast<unsigned>(std::stoul(m[1])), h = static_cast<unsigned>(std::stoul(m[2]));
    if (w >= 200 && h >= 150 && w <= 8192 && h <= 8192) return {w, h};
  }
  throw UsageError(fmt::format("--size {}: expected WIDTHxHEIGHT in pixels, from 200x150 to 8192x8192, e.g. 1600x1000", text));
}

/// Refuses a screenshot path that cannot be written before simulating, not after: the nearest
/// existing folder on its path must be writable, and the path must not be a folder.
void checkScreenshotPath(const std::filesystem::path& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(file, ec))
    throw UsageError(fmt::format("--screenshot {}: that is a folder; give a file name ending in .png", file.string()));
  fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  while (!fs::exists(dir, ec) && dir.has_parent_path() && dir != dir.parent_path()) dir = dir.parent_path();
  if (!fs::is_directory(dir, ec) || ::access(dir.c_str(), W_OK) != 0)
    throw UsageError(fmt::format("--screenshot {}: cannot write into {}; choose a writable folder", file.string(),
                                 dir.string()));
}

void checkShowOptions(const ShowOptions& o) {
  if (!o.screenshot.empty()) {
    if (!o.atS) throw UsageError(fmt::format("--screenshot {} needs --at T: the simulated time to show", o.screenshot));
    const std::string ext = std::filesystem::path(o.screenshot).extension().string();
    if (ext != ".png" && ext != ".PNG")
      throw UsageError(fmt::format("--screenshot {}: the file name must end in .png", o.screenshot));
    checkScreenshotPath(o.screenshot);
    // Issue 14: an output never replaces a file the user did not ask to replace.
    std::error_code ec;
    if (!o.force && std::filesystem::exists(std::filesystem::symlink_status(o.screenshot, ec)))
      throw UsageError(fmt::format("--screenshot {}: the file already exists; choose a new name, or add --force to "
                                   "replace it", o.screenshot));
  }
  if (o.force && o.screenshot.empty()) throw UsageError("--force applies to --screenshot only");
  if (o.noHud && o.screenshot.empty()) throw UsageError("--no-hud applies to --screenshot only");
}

/// Runs `body`, turning the viewer's environment errors into the CLI's messages and exit codes:
/// no display is a usage problem (exit code 2), a missing font a broken installation (1).
int reportingEnvironment(const std::function<int()>& body) {
  try {
    return body();
  } catch (const NoDisplayError& e) {
    throw UsageError(e.what());
  } catch (const MissingFontError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitInternal;
  }
}

/// Writes the PNG; a file that cannot be written is the user's to fix (exit code 2), as an unusable
/// --out folder is for `run`.
void saveScreenshot(const sf::Image& picture, const std::string& file) {
  try {
    savePng(picture, file);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

// ---- view --------------------------------------------------------------------------------------

int viewScreenshot(const PreparedRun& run, const ShowOptions& o) {
  const Scenario& sc = *run.scenario;
  const double atS = *o.atS;
  if (atS > sc.durationS)
    throw UsageError(fmt::format("--at {}: after the end of scenario '{}' ({} s); use --duration to run longer", atS,
                                 sc.name, sc.durationS));
  // Fail on the display and the font before simulating, not after.
  requireDisplay();
  if (!o.noHud) (void)hudFont();
  const auto [w, h] = parseSize(o.size, {1600, 1000});

  World world(sc, run.worldOptions);
  while (world.timeS() + 1e-9 < atS && !world.finished()) world.step();
  const Frame frame = world.frame();

  ImageOptions image;
  image.widthPx = w;
  image.heightPx = h;
  image.colourMode = o.colourBy == "speed" ? ColourMode::BySpeed : ColourMode::ByClass;
  image.layer = layerOf(o);
  image.roadMeasure = roadMeasureOf(o);
  for (const auto& [road, vehicles] : world.entryQueueLengths()) image.entryQueues.push_back({road, vehicles});
  image.camera = initialCamera(*sc.network, o, w, h);
  image.stops = sc.transit.stops;
  if (!o.noHud) {
    HudModel model;
    model.info = {sc.name, sc.signalPolicy.name, 0, sc.durationS, sc.stepS, true};
    model.paused = true;
    model.rates = false;
    image.hud = model;
    for (const TimeseriesRow& row : world.timeseries())
      if (row.timeS <= frame.timeS) image.chart.emplace_back(row.timeS, row.delayIndex);
    image.chart.emplace_back(frame.timeS, frame.stats.delayIndex);
  }
  const auto lengthOf = [&sc](std::uint32_t id) {
    const auto& trips = sc.demand.trips;
    if (id >= trips.size() || trips[id].type.index() >= sc.vehicleTypes.size()) return 5.0;
    return sc.vehicleTypes[trips[id].type.index()].lengthM;
  };
  const sf::Image picture = renderImage(*sc.network, lengthOf, frame, image);
  saveScreenshot(picture, o.screenshot);
  std::cout << fmt::format("{}: frame at {} ({} vehicles in the network) written to {} ({}x{})\n", sc.name,
                           clockText(frame.timeS), frame.stats.running, o.screenshot, w, h);
  return kExitOk;
}

int viewCommand(const RunHooks& hooks, const ShowOptions& o) {
  checkShowOptions(o);
  const PlaybackSpeed speed = parseSpeed(o.speed);
  const auto size = parseSize(o.size, {1280, 800});
  const PreparedRun run = hooks.prepare();
  if (!o.screenshot.empty()) return viewScreenshot(run, o);

  if (o.atS && *o.atS > run.scenario->durationS)
    throw UsageError(fmt::format("--at {}: after the end of scenario '{}' ({} s)", *o.atS, run.scenario->name,
                                 run.scenario->durationS));
  requireDisplay();
  (void)hudFont();

  LiveSimulation::Options options;
  options.world = run.worldOptions;
  options.speed = speed;
  options.startPaused = o.paused;
  options.pauseAtS = o.atS;
  LiveSimulation live(run.scenario, options, [&hooks, &run](const World& world, double stepWallS) {
    const int code = hooks.finish(run, world, stepWallS);
    std::fflush(stdout);  // the summary shows now, even if the window is left open and killed later
    return LiveSimulation::FinishResult{
        code, code == kExitOk ? fmt::format("run complete: outputs in {}/", run.outDir.string())
                                   : std::string("run complete, but writing the outputs failed (see the terminal)")};
  });

  ViewerOptions viewer;
  viewer.widthPx = size.first;
  viewer.heightPx = size.second;
  viewer.colourMode = o.colourBy == "speed" ? ColourMode::BySpeed : ColourMode::ByClass;
  viewer.layer = layerOf(o);
  viewer.roadMeasure = roadMeasureOf(o);
  viewer.title = fmt::format("trafficsim view - {}", run.scenario->name);
  viewer.camera = initialCamera(*run.scenario->network, o, size.first, size.second);
  runViewer(live, viewer);
  const double shownS = live.publishedTimeS();
  live.stop();
  if (auto code = live.exitCode()) return *code;
  std::cerr << fmt::format("window closed at {} of {} simulated; no outputs written (a viewed run writes them when it "
                           "reaches the end)\n",
                           clockText(shownS), clockText(run.scenario->durationS));
  return kExitOk;
}

// ---- replay ------------------------------------------------------------------------------------

int replayScreenshot(const ReplaySource& source, const std::filesystem::path& file, const ShowOptions& o) {
  const SourceInfo& info = source.info();
  const double atS = *o.atS;
  const RecordingReader& reader = source.reader();
  if (atS > info.endS + 1e-9) {
    const std::string cut = !reader.complete() ? " (the run did not finish: " + reader.incompleteMessage() + ")" : "";
    throw UsageError(fmt::format("--at {}: after the last frame of {}, at {} s{}", atS, file.string(), info.endS, cut));
  }
  requireDisplay();
  if (!o.noHud) (void)hudFont();
  const auto [w, h] = parseSize(o.size, {1600, 1000});
  const Frame frame = source.frameAt(atS);

  ImageOptions image;
  image.widthPx = w;
  image.heightPx = h;
  image.colourMode = o.colourBy == "speed" ? ColourMode::BySpeed : ColourMode::ByClass;
  image.layer = layerOf(o);
  image.roadMeasure = roadMeasureOf(o);
  image.camera = initialCamera(source.network(), o, w, h);
  image.stops = source.stops();
  if (!o.noHud) {
    HudModel model;
    model.info = info;
    model.paused = true;
    model.rates = false;
    model.status = source.status();
    image.hud = model;
    image.chart = source.delayIndexHistory();
  }
  const sf::Image picture = renderImage(source.network(), [&source](std::uint32_t id) { return source.vehicleLengthM(id); },
                                        frame, image);
  saveScreenshot(picture, o.screenshot);
  std::cout << fmt::format("{}: frame at {} ({} vehicles in the network) written to {} ({}x{})\n", info.name,
                           clockText(frame.timeS), frame.stats.running, o.screenshot, w, h);
  return kExitOk;
}

int replayCommand(const std::string& file, const ShowOptions& o) {
  checkShowOptions(o);
  const PlaybackSpeed speed = parseSpeed(o.speed);
  const auto size = parseSize(o.size, {1280, 800});
  ReplaySource source(file, speed, o.paused);
  if (!o.screenshot.empty()) return replayScreenshot(source, file, o);
  if (!source.reader().complete())
    std::cerr << "warning: " << file << ": the run did not finish (" << source.reader().incompleteMessage()
              << "); playing the " << source.reader().frameCount() << " complete frames\n";
  if (o.atS) {
    source.seek(*o.atS);
    source.setPaused(true);
  }
  requireDisplay();
  (void)hudFont();
  ViewerOptions viewer;
  viewer.widthPx = size.first;
  viewer.heightPx = size.second;
  viewer.colourMode = o.colourBy == "speed" ? ColourMode::BySpeed : ColourMode::ByClass;
  viewer.layer = layerOf(o);
  viewer.roadMeasure = roadMeasureOf(o);
  viewer.title = fmt::format("trafficsim replay - {} ({})", source.info().name, file);
  viewer.camera = initialCamera(source.network(), o, size.first, size.second);
  runViewer(source, viewer);
  return kExitOk;
}

}  // namespace

std::function<std::optional<int>()> addRenderCommands(CLI::App& app, RunHooks hooks) {
  struct State {
    RunHooks hooks;
    ShowOptions view;
    CLI::App* viewCmd = nullptr;
    std::string replayFile;
    ShowOptions replay;
    CLI::App* replayCmd = nullptr;
  };
  auto state = std::make_shared<State>();
  state->hooks = std::move(hooks);

  CLI::App* view = app.add_subcommand("view", "Watch a scenario run in a window (SFML), or render one frame to a PNG");
  state->viewCmd = view;
  state->hooks.addRunOptions(*view);
  addShowOptions(*view, state->view, "1280x800 window, 1600x1000 screenshot");
  view->footer(
      "Runs the scenario exactly as 'trafficsim run' does, on its own thread, and draws it live: roads,\n"
      "signals, vehicles coloured by mode or speed, and a heads-up display; zoomed out, the city layer\n"
      "(--layer) draws roads by speed or density, queues and signal dots instead. The drawing never changes\n"
      "the simulation: when the run reaches its end, the same summary.json, trips.csv and\n"
      "timeseries.csv are written as by 'run' (closing the window earlier writes nothing).\n"
      "Keys: H in the window, or docs/viewer.md. Needs an X display; on a machine without a\n"
      "screen, use xvfb-run -a (packages xvfb, xauth).\n"
      "\n"
      "With --screenshot FILE.png --at T it simulates headless up to T, renders that frame offscreen\n"
      "and exits, without writing run outputs.\n"
      "\n"
      "Examples:\n"
      "  trafficsim view scenarios/hangzhou_peak.toml\n"
      "  trafficsim view scenarios/grid_10x10.toml --speed max --colour-by speed\n"
      "  trafficsim view scenarios/jinan_real.toml --policy fixed_time --at 1800\n"
      "  xvfb-run -a trafficsim view scenarios/hangzhou_peak.toml --screenshot peak.png --at 3000\n"
      "\n"
      "Exit codes: 0 done (or window closed), 2 bad input or usage (or no display), 1 internal error.");

  CLI::App* replay = app.add_subcommand("replay", "Play back a recording (run --record) in a window, or render one frame to a PNG");
  state->replayCmd = replay;
  replay->add_option("recording", state->replayFile, "Recording file, written by 'trafficsim run SCENARIO --record FILE'")
      ->required();
  addShowOptions(*replay, state->replay, "1280x800 window, 1600x1000 screenshot");
  replay->footer(
      "Shows a recorded run exactly as it was simulated (frames are stored bit for bit), with the\n"
      "same drawing and heads-up display as 'view', plus seeking: a time bar to click, , and . to\n"
      "jump 10 s, < and > to jump 60 s, Home and End. Needs neither the scenario nor its maps.\n"
      "A recording cut short (a crashed or interrupted run) plays up to its last complete frame.\n"
      "\n"
      "With --screenshot FILE.png --at T it renders the last frame at or before T and exits.\n"
      "\n"
      "Examples:\n"
      "  trafficsim run scenarios/hangzhou_peak.toml --record peak.tsrec --record-every 5\n"
      "  trafficsim replay peak.tsrec\n"
      "  trafficsim replay peak.tsrec --at 3000 --colour-by speed\n"
      "  xvfb-run -a trafficsim replay peak.tsrec --screenshot peak.png --at 3000\n"
      "\n"
      "Exit codes: 0 done, 2 unreadable recording or bad usage (or no display), 1 internal error.");

  return [state]() -> std::optional<int> {
    if (state->viewCmd->parsed())
      return reportingEnvironment([&] { return viewCommand(state->hooks, state->view); });
    if (state->replayCmd->parsed())
      return reportingEnvironment([&] { return replayCommand(state->replayFile, state->replay); });
    return std::nullopt;
  };
}

}  // namespace traffic::cli
