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

#include <filesystem>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/scenario/toml_reader.h"
#include "traffic/errors.h"
#include "traffic/limits.h"
#include "traffic/scenario.h"

namespace traffic {

using namespace toml_reader;

namespace {

Scenario loadOnce(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  Loader loader(file);
  toml::table document = loader.parse();
  loader.applyOverrides(document, overrides);

  const TableView root(loader, document, "",
                       {"scenario", "map", "demand", "transit", "fleet", "vehicle_type", "signals", "dynamics", "outputs",
                        "limits"});
  ResourceLimits limits;
  readLimits(loader, root, limits);
  loader.setLimits(limits);
  Scenario sc;
  sc.sourceFile = file;
  readScenarioTable(loader, root, file, sc);
  const double driverVariation = readDynamics(loader, root, sc);
  readOutputs(loader, root, sc);
  readVehicleTypes(loader, root, sc);
  readMap(loader, root, sc);
  readSignals(loader, root, sc);

  DemandReader(loader, sc).read(root);
  varyDrivers(sc, driverVariation);

  std::size_t late = 0;
  for (const auto& trip : sc.demand.trips) late += trip.departS >= sc.durationS ? 1 : 0;
  if (late > 0)
    simLog().info("{}: {} of {} trips depart at or after the end of the run ({} s) and will not run", loader.fileName(),
                  late, sc.demand.trips.size(), sc.durationS);
  return sc;
}

}  // namespace

Scenario loadScenario(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  try {
    return loadOnce(file, overrides);
  } catch (const LoadError& e) {
    // An error on a node an override wrote already says "(from --set ...)". Checks that combine
    // keys, or run after parsing (step against duration, trip ids, lanes, generated grids), fail
    // on a node of the file although an override caused them (issue 14). Whether one did is
    // settled by loading the file alone: when that fails the same way, the file is at fault.
    if (overrides.empty() || e.entity().find("(from --set ") != std::string::npos) throw;
    try {
      (void)loadOnce(file, {});
    } catch (const LoadError& alone) {
      if (alone.file() == e.file() && alone.entity() == e.entity() && alone.reason() == e.reason()) throw;
    }
    std::string sets;
    for (const std::string& o : overrides) sets += (sets.empty() ? "--set " : ", --set ") + shown(o);
    throw LoadError(e.file(), e.entity().empty() ? "(from " + sets + ")" : e.entity() + " (from " + sets + ")",
                    e.reason(), e.line());
  }
}

}  // namespace traffic
