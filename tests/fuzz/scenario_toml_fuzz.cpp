// libFuzzer harness for the scenario reader (sim/src/io/scenario/): any bytes as a scenario file
// must load or fail with LoadError. Any other exception, a crash, a leak or a sanitizer report is
// a finding. Seeds: tests/fuzz/seeds/scenario_toml/ (small scenarios that together use every table
// and key of the format, with the small maps of fuzz_input.h) and scenarios/*.toml.
//
// A bound of the fuzzing, not of the reader: the harness loads every input within tight [limits]
// (loadScenarioWithin, io/scenario/load_within.h: each of the file's limits, or its default, is
// lowered to the harness's), so that no input can make one execution slow by asking for a large
// grid or an hour of a busy flow. The limits themselves are tested with their defaults in
// tests/io/; here the checks against them run on every input, with small numbers. The limits were
// given as --set overrides before; loadScenario then loaded every input that failed a second time,
// to tell whether an override caused the error. That second load and the overrides are covered by
// the ordinary tests (tests/io/scenario_limits_test.cpp, tests/io/scenario_toml_test.cpp).
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "io/scenario/load_within.h"
#include "traffic/errors.h"
#include "traffic/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const traffic::ResourceLimits limits = [] {
    traffic::ResourceLimits l;
    l.maxTrips = 2000;
    l.maxPassengers = 2000;
    l.maxRequests = 500;
    l.maxTimeseriesRows = 2000;
    l.maxInputMb = 1;
    l.maxNetworkMb = 2;
    return l;
  }();
  traffic::fuzz::prepareMaps();
  const auto path = traffic::fuzz::writeInput("scenarios/input.toml", data, size);
  try {
    (void)traffic::loadScenarioWithin(path, limits);
  } catch (const traffic::LoadError&) {
  }
  return 0;
}
