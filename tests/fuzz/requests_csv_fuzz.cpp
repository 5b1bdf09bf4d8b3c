// libFuzzer harness for the ride request CSV reader (readRequestsFile, sim/src/io/scenario/
// fleet_reader.cpp): the input is a fleet's requests_file in a fixed small scenario. It must
// load or fail with LoadError. Seeds: tests/fuzz/seeds/requests_csv/.
//
// The scenario (a 2x2 grid with one lane per direction and a fleet) is loaded once; each input is
// read against it through readFleetRequestsFile (io/scenario/request_file.h), the reader loadScenario
// runs for a fleet's requests_file, with the same checks and the default limits. Loading the
// scenario around every input took half of each execution (grid generation and network build).
#include <cstddef>
#include <cstdint>
#include <fstream>

#include "fuzz_input.h"
#include "io/scenario/request_file.h"
#include "traffic/errors.h"
#include "traffic/scenario.h"

namespace {

const char* const kScenario = R"([scenario]
name = "fuzz"
duration_s = 600

[map.grid]
rows = 2
columns = 2
block_length_m = 200
lanes_per_direction = 1
left_turn_lane = false

[[fleet]]
id = "taxi"
vehicles = 2
depots = ["road_j_0_0_j_0_1"]
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static traffic::Scenario scenario = [] {
    const auto p = traffic::fuzz::workDir() / "scenarios" / "fleet.toml";
    std::ofstream(p) << kScenario;
    return traffic::loadScenario(p);
  }();
  const auto path = traffic::fuzz::writeInput("scenarios/requests.csv", data, size);
  try {
    traffic::readFleetRequestsFile(scenario, 0, path);
  } catch (const traffic::LoadError&) {
  }
  scenario.fleets.requests.clear();  // the next input starts from the scenario as loaded
  return 0;
}
