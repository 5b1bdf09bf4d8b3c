// Scenario files (TOML) to a validated Scenario.
//
// Each table states the keys it accepts before anything is read from it, so a misspelt key fails the
// load with a suggestion instead of quietly falling back to a default; a silent default for
// "duraton_s" would cost a researcher an hour-long run with the wrong settings. Command-line
// overrides (--set) are grafted onto the parsed document before validation, so they go through
// exactly the same checks as the file, and every error caused by one says so.
//
// Paths in the file are relative to the file's folder (a scenario can be run from anywhere); paths
// given with --set are relative to the current directory, as a shell user would expect.
//
// This file holds the top level, loadScenario; the pieces live beside it in this folder:
// toml_view.cpp (the document and typed table access), overrides.cpp (--set), sections.cpp
// ([scenario], [map], [[vehicle_type]], [signals], [dynamics], [outputs]), demand_reader.cpp,
// transit_reader.cpp, fleet_reader.cpp and seed_variation.cpp; toml_reader.h declares them.

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/scenario/load_within.h"
#include "io/scenario/toml_reader.h"
#include "traffic/errors.h"
#include "traffic/limits.h"
#include "traffic/protocol.h"
#include "traffic/saturation_flow.h"
#include "traffic/scenario.h"

namespace traffic {

using namespace toml_reader;

namespace {

// Webster's saturation flow, when the scenario does not declare one, measured from the scenario's own
// drivers rather than the textbook 1,800 veh/h/lane (traffic/saturation_flow.h): the trips' vehicle
// types, weighted by their number of trips, at the speed limit most lanes entering a signalised
// junction have (the lower one on a tie). Set as the policy parameter, so the policy itself stays a
// pure function of its parameters, and logged so that a user can see and override it.
void measureWebsterSaturationFlow(const Loader& loader, Scenario& sc) {
  constexpr const char* kKey = "saturation_flow_veh_per_h_per_lane";
  if (sc.signalPolicy.name != "webster" || sc.signalPolicy.params.count(kKey) > 0) return;
  std::map<double, std::size_t> lanesByLimit;
  for (const Junction& j : sc.network->junctions()) {
    if (!j.program) continue;
    for (RoadId road : j.incoming)
      for (LaneId lane : sc.network->road(road).lanes) ++lanesByLimit[sc.network->lane(lane).speedLimitMps];
  }
  std::vector<double> tripsByType(sc.vehicleTypes.size(), 0.0);
  for (const Trip& trip : sc.demand.trips) tripsByType[trip.type.index()] += 1;
  std::vector<TypeShare> mix;
  for (std::size_t t = 0; t < sc.vehicleTypes.size(); ++t) mix.push_back({&sc.vehicleTypes[t], tripsByType[t]});
  if (lanesByLimit.empty() || std::none_of(tripsByType.begin(), tripsByType.end(), [](double n) { return n > 0; }))
    return;  // nothing signalised or no trips: the policy's default stands and never matters
  double limit = lanesByLimit.begin()->first;
  std::size_t most = 0;
  for (const auto& [speed, lanes] : lanesByLimit)
    if (lanes > most) most = lanes, limit = speed;
  const double flow = mixedSaturationFlowVehPerH(mix, limit);
  sc.signalPolicy.params[kKey] = flow;
  simLog().info("{}: webster: saturation flow {:.0f} veh/h/lane, from the vehicle types at {:.1f} m/s (set "
                "signals.params.{} to declare another)",
                loader.fileName(), flow, limit, kKey);
}

// `ceiling`, when given, caps each of the file's [limits]; `used` receives the limits in effect.
Scenario loadOnce(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                  const ResourceLimits* ceiling = nullptr, ResourceLimits* used = nullptr) {
  Loader loader(file);
  toml::table document = loader.parse();
  loader.applyOverrides(document, overrides);

  // A benchmark protocol (`[benchmark] protocol`, or --protocol as an override of it) sits between
  // the file and the user's overrides: its settings replace the file's, and a --set of the same key
  // still wins. So the document is rebuilt with the protocol's settings first.
  std::string protocolName;
  if (const toml::table* bench = document["benchmark"].as_table()) {
    const TableView t(loader, *bench, "benchmark", {"protocol"});
    if (auto name = t.string("protocol")) {
      if (!findBenchmarkProtocol(*name))
        t.fail("protocol", "unknown benchmark protocol '" + *name + "'; available: " + benchmarkProtocolNames());
      protocolName = *name;
    }
  }
  if (!protocolName.empty()) {
    std::vector<std::string> layered;
    for (const ProtocolSetting& setting : findBenchmarkProtocol(protocolName)->settings)
      layered.push_back(setting.key + "=" + setting.value);
    layered.insert(layered.end(), overrides.begin(), overrides.end());
    document = loader.parse();
    loader.applyOverrides(document, layered);
  }

  const TableView root(loader, document, "",
                       {"scenario", "map", "demand", "transit", "fleet", "vehicle_type", "signals", "dynamics", "outputs",
                        "limits", "benchmark", "sensing"});
  ResourceLimits limits;
  readLimits(loader, root, limits);
  if (ceiling) {
    limits.maxTrips = std::min(limits.maxTrips, ceiling->maxTrips);
    limits.maxPassengers = std::min(limits.maxPassengers, ceiling->maxPassengers);
    limits.maxRequests = std::min(limits.maxRequests, ceiling->maxRequests);
    limits.maxTimeseriesRows = std::min(limits.maxTimeseriesRows, ceiling->maxTimeseriesRows);
    limits.maxInputMb = std::min(limits.maxInputMb, ceiling->maxInputMb);
    limits.maxNetworkMb = std::min(limits.maxNetworkMb, ceiling->maxNetworkMb);
  }
  if (used) *used = limits;
  loader.setLimits(limits);
  Scenario sc;
  sc.sourceFile = file;
  sc.protocol = protocolName;
  readScenarioTable(loader, root, file, sc);
  const double driverVariation = readDynamics(loader, root, sc);
  readOutputs(loader, root, sc);
  readVehicleTypes(loader, root, sc);
  std::vector<fs::path> sumoAdditional = readMap(loader, root, sc);
  readSignals(loader, root, sc);
  readSensing(loader, root, sc);

  DemandReader(loader, sc, std::move(sumoAdditional)).read(root);
  varyDrivers(sc, driverVariation);
  if (driverVariation > 0) sc.seedShapesInputs = true;
  measureWebsterSaturationFlow(loader, sc);

  std::size_t late = 0;
  for (const auto& trip : sc.demand.trips) late += trip.departS >= sc.durationS ? 1 : 0;
  if (late > 0)
    simLog().info("{}: {} of {} trips depart at or after the end of the run ({} s) and will not run", loader.fileName(),
                  late, sc.demand.trips.size(), sc.durationS);
  return sc;
}

}  // namespace

Scenario loadScenario(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  // Default limits until the first load has read the file's and the overrides' [limits].
  ResourceLimits used;
  try {
    return loadOnce(file, overrides, nullptr, &used);
  } catch (const LoadError& e) {
    // An error on a node an override wrote already says "(from --set ...)". Checks that combine
    // keys, or run after parsing (step against duration, trip ids, lanes, generated grids), fail
    // on a node of the file although an override caused them (issue 14). Whether one did is
    // settled by loading the file alone: when that fails the same way, the file is at fault.
    // The file alone is loaded within the limits the first load had: a --set that lowered a limit
    // (to stay within the machine's memory) must bound this load too, which would otherwise build
    // what the limit refused (found fuzzing: a 30 x 30 grid built again after
    // --set limits.max_network_mb=2 refused it). A limit error then stays the limit's own.
    if (overrides.empty() || e.entity().find("(from --set ") != std::string::npos) throw;
    try {
      (void)loadOnce(file, {}, &used);
    } catch (const LoadError& alone) {
      if (alone.file() == e.file() && alone.entity() == e.entity() && alone.reason() == e.reason()) throw;
    }
    std::string sets;
    for (const std::string& o : overrides) sets += (sets.empty() ? "--set " : ", --set ") + shown(o);
    throw LoadError(e.file(), e.entity().empty() ? "(from " + sets + ")" : e.entity() + " (from " + sets + ")",
                    e.reason(), e.line());
  }
}

Scenario loadScenarioWithin(const std::filesystem::path& file, const ResourceLimits& ceiling) {
  return loadOnce(file, {}, &ceiling);
}

}  // namespace traffic
