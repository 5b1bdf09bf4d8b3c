// libFuzzer harness for the CityFlow JSON reader (sim/src/io/cityflow/): the input is read as a
// road network and, against a fixed generated grid, as a flow file. Both must succeed or throw
// LoadError. Seeds: maps/*/*.json.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_input.h"
#include "traffic/errors.h"
#include "traffic/grid.h"
#include "traffic/loaders/cityflow.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const traffic::RoadNetwork grid = [] {
    traffic::GridSpec spec;
    spec.rows = 2;
    spec.columns = 2;
    return traffic::generateGrid(spec);
  }();
  const auto path = traffic::fuzz::writeInput("input.json", data, size);
  try {
    (void)traffic::loadCityflowRoadnet(path);
  } catch (const traffic::LoadError&) {
  }
  try {
    std::vector<traffic::VehicleType> types;
    traffic::Demand demand;
    traffic::loadCityflowFlows(path, grid, types, demand);
  } catch (const traffic::LoadError&) {
  }
  return 0;
}
