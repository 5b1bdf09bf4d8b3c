#include "info_command.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "exit_codes.h"
#include "progress.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic::cli {
namespace {

// At most this many lines: 24 hours at 15 minutes; longer spans get wider bins (issue 14: a
// duration of 1e12 s made a bin per 15 minutes, 8.7 GB, before printing anything).
constexpr std::size_t kMaxHistogramBins = 96;

std::string binLabel(double binS) {
  if (binS < 3600) return fmt::format("{:.0f} min", binS / 60);
  if (binS < 86400) return fmt::format("{:.0f} h", binS / 3600);
  return fmt::format("{:.0f} days", binS / 86400);
}

void printDemandHistogram(const Scenario& sc) {
  constexpr double kBaseBinS = 900;
  const auto& trips = sc.demand.trips;
  const double lastS = trips.empty() ? 0 : trips.back().departS;
  const double spanS = std::max(sc.durationS, lastS + 1e-9);
  // Bins of 15 minutes, or a whole multiple of them that keeps the count within the bound.
  const double binS = kBaseBinS * std::max(1.0, std::ceil(spanS / kBaseBinS / static_cast<double>(kMaxHistogramBins)));
  const auto bins = static_cast<std::size_t>(std::min(std::ceil(spanS / binS), static_cast<double>(kMaxHistogramBins)));
  std::vector<std::size_t> counts(std::max<std::size_t>(bins, 1), 0);
  for (const auto& trip : trips)
    counts[static_cast<std::size_t>(std::min(static_cast<double>(counts.size() - 1), std::max(trip.departS, 0.0) / binS))]++;
  const std::size_t most = *std::max_element(counts.begin(), counts.end());
  fmt::print("  trips per {} ({})\n", binLabel(binS), binS < 86400 ? "h:mm" : "days");
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const int width = most == 0 ? 0 : static_cast<int>(std::lround(40.0 * static_cast<double>(counts[i]) / static_cast<double>(most)));
    const bool afterEnd = static_cast<double>(i) * binS >= sc.durationS;
    const std::string bar(static_cast<std::size_t>(width), '#');
    const std::string note = afterEnd ? "  (after the end of the run)" : "";
    if (binS < 86400) {
      const auto minutes = static_cast<long long>(static_cast<double>(i) * binS / 60);
      fmt::print("    {:>2}:{:02}  {:<40}  {}{}\n", minutes / 60, minutes % 60, bar, counts[i], note);
    } else {
      fmt::print("    {:>5.0f}  {:<40}  {}{}\n", static_cast<double>(i) * binS / 86400, bar, counts[i], note);
    }
  }
}

}  // namespace

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
    for (const TransitLine& l : sc.transit.lines) {
      fmt::print("    {:<20} {:>3} runs, {} stops, capacity {}, type {}", l.id, l.departuresS.size(), l.stops.size(),
                 l.capacity, sc.vehicleTypes[l.type.index()].name);
      if (l.holding != Holding::None)
        fmt::print(", holding by {} at {} timing point{}", l.holding == Holding::Schedule ? "schedule" : "headway",
                   std::count(l.timingPoint.begin(), l.timingPoint.end(), true),
                   std::count(l.timingPoint.begin(), l.timingPoint.end(), true) == 1 ? "" : "s");
      fmt::print("\n");
    }
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
  const std::string clearance =
      sc.signalTiming.mapClearance
          ? fmt::format("yellow and all-red as each program gives them (mostly {} s and {} s)", sc.signalTiming.yellowS,
                        sc.signalTiming.allRedS)
          : fmt::format("yellow {} s, all-red {} s", sc.signalTiming.yellowS, sc.signalTiming.allRedS);
  fmt::print("signals     {}{}; {}, min green {} s\n", sc.signalPolicy.name, params.empty() ? "" : " (" + params + ")",
             clearance, sc.signalTiming.minGreenS);
  fmt::print("time        step {} s, duration {} s ({}), seed {}\n", sc.stepS, sc.durationS, formatClock(sc.durationS),
             sc.seed);
  fmt::print("dynamics    lane changing {}, gridlock after {} s: {}\n", sc.laneChanging ? "on" : "off",
             sc.gridlockTimeoutS, sc.gridlockAction == GridlockAction::Teleport ? "teleport" : "wait");
  fmt::print("outputs     time series every {} s\n", sc.timeseriesIntervalS);
  return kExitOk;
}

CLI::App* addInfoCommand(CLI::App& app, InfoOptions& info) {
  CLI::App* infoCmd = app.add_subcommand(
      "info", "Check a scenario and describe its map, demand and signal settings");
  infoCmd
      ->add_option("scenario", info.scenario,
                   "Scenario file (.toml), SUMO configuration (.sumocfg) or "
                   "City Brain Challenge configuration (.cfg)")
      ->required();
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
  return infoCmd;
}

}  // namespace traffic::cli
