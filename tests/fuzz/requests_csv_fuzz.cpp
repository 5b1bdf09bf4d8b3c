// libFuzzer harness for the ride request CSV reader (readRequestsFile, sim/src/io/scenario/
// fleet_reader.cpp): the input is a fleet's requests_file in a fixed small scenario. It must
// load or fail with LoadError. Seeds: tests/fuzz/seeds/requests_csv/. The scenario is as small as
// the seeds allow (a 2x2 grid with one lane per direction), since it is loaded with every input.
#include <cstddef>
#include <cstdint>
#include <fstream>

#include "fuzz_input.h"
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
requests_file = "requests.csv"
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto scenario = [] {
    const auto p = traffic::fuzz::workDir() / "scenarios" / "fleet.toml";
    std::ofstream(p) << kScenario;
    return p;
  }();
  (void)traffic::fuzz::writeInput("scenarios/requests.csv", data, size);
  try {
    (void)traffic::loadScenario(scenario);
  } catch (const traffic::LoadError&) {
  }
  return 0;
}
