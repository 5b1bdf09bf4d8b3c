// libFuzzer harness for the CityFlow JSON reader (sim/src/io/cityflow/): the input is read as a
// road network and, against a fixed generated grid, as a flow file. Both must succeed or throw
// LoadError. Seeds: maps/*/*.json.
//
// The input is parsed once (parseCityflowFile, io/cityflow/cityflow_json.h) and the parsed document
// read both ways, as loadCityflowRoadnet and loadCityflowFlows do after parsing: parsing was two
// fifths of the harness's time, and it parsed each input twice.
//
// A bound of the fuzzing, not of the reader: flows are read with a limit of 2,000 trips, as the
// scenario and City Brain harnesses do, so that no input makes an execution slow by announcing
// millions of vehicles (the default limit is 5 million). The check against the limit runs on every
// input all the same.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_input.h"
#include "io/cityflow/cityflow_json.h"
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
  static const traffic::ResourceLimits limits = [] {
    traffic::ResourceLimits l;
    l.maxTrips = 2'000;
    return l;
  }();
  const auto path = traffic::fuzz::writeInput("input.json", data, size);
  nlohmann::json doc;
  try {
    doc = traffic::parseCityflowFile(path, limits.maxInputMb * 1'000'000, "input");
  } catch (const traffic::LoadError&) {
    return 0;
  }
  try {
    (void)traffic::cityflowRoadnetFromJson(doc, path.string());
  } catch (const traffic::LoadError&) {
  }
  try {
    std::vector<traffic::VehicleType> types;
    traffic::Demand demand;
    traffic::cityflowFlowsFromJson(doc, path.string(), grid, types, demand, limits);
  } catch (const traffic::LoadError&) {
  }
  return 0;
}
