// libFuzzer harness for the City Brain Challenge reader (sim/src/io/citybrain/): the input is read
// as a road network, as a challenge configuration and, against the project's small test network
// (tests/data/citybrain/roadnet_plus.txt), as a flow file. Each must succeed or throw LoadError.
// Seeds: tests/data/citybrain/*.txt.
//
// A bound of the fuzzing, not of the reader: flows are read with a limit of 2,000 trips, as the
// scenario harness does. With the default limit (5 million) the reader created every vehicle a
// flow announced: a 69-byte input with a flow from 0 to 3,003,100 s, one vehicle a second, took
// 12 s and more than a GB. The check against the limit runs on every input all the same.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_input.h"
#include "traffic/errors.h"
#include "traffic/loaders/citybrain.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const traffic::ResourceLimits limits = [] {
    traffic::ResourceLimits l;
    l.maxTrips = 2'000;
    return l;
  }();
  static const traffic::RoadNetwork plus =
      traffic::loadCitybrainRoadnet(std::filesystem::path(TRAFFIC_SOURCE_DIR) / "tests/data/citybrain/roadnet_plus.txt");
  const auto path = traffic::fuzz::writeInput("input.txt", data, size);
  try {
    (void)traffic::loadCitybrainRoadnet(path);
  } catch (const traffic::LoadError&) {
  }
  try {
    std::vector<traffic::VehicleType> types;
    traffic::Demand demand;
    traffic::loadCitybrainFlows(path, plus, types, demand, limits);
  } catch (const traffic::LoadError&) {
  }
  const auto cfg = traffic::fuzz::writeInput("input.cfg", data, size);
  try {
    (void)traffic::readCitybrainConfig(cfg);
  } catch (const traffic::LoadError&) {
  }
  return 0;
}
