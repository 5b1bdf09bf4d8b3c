// Private to sim/ (and the tests and fuzzing harnesses, which see sim/src): a fleet's request file
// read against a scenario that is already loaded. loadScenario reads the file as part of the fleet
// table that names it (fleet_reader.cpp); this entry point runs the same reader on another file
// without loading the scenario again, which the requests_csv fuzzing harness does for each input
// (loading even a 2x2 grid scenario took half of each execution's time there).
#pragma once

#include <cstddef>
#include <filesystem>

#include "traffic/limits.h"
#include "traffic/scenario.h"

namespace traffic {

/// Reads `file` as the requests_file of fleet number `fleet` of `sc` and adds its requests to
/// sc.fleets.requests, which stays sorted by time, with the checks and messages of loadScenario and
/// within `limits` (an error names the scenario file and "fleet 'ID'.requests_file", without a line
/// in the scenario). On a LoadError the requests read before the bad line stay added, unsorted: the
/// caller restores the list if it goes on using the scenario.
void readFleetRequestsFile(Scenario& sc, std::size_t fleet, const std::filesystem::path& file,
                           const ResourceLimits& limits = {});

}  // namespace traffic
