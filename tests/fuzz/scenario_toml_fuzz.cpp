// libFuzzer harness for the scenario reader (sim/src/io/scenario/): any bytes as a scenario file
// must load or fail with LoadError. Any other exception, a crash, a leak or a sanitizer report is
// a finding. Seeds: tests/fuzz/seeds/scenario_toml/ (small scenarios that together use every table
// and key of the format, with the small maps of fuzz_input.h) and scenarios/*.toml.
//
// A bound of the fuzzing, not of the reader: the harness loads every input with tight [limits]
// (as --set overrides, applied after the file's own [limits] are read), so that no input can make
// one execution slow by asking for a large grid or an hour of a busy flow. The limits themselves
// are tested with their defaults in tests/io/; here the checks against them run on every input,
// with small numbers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "traffic/errors.h"
#include "traffic/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::string> limits = {
      "limits.max_trips=2000",           "limits.max_passengers=2000", "limits.max_requests=500",
      "limits.max_timeseries_rows=2000", "limits.max_input_mb=1",      "limits.max_network_mb=2"};
  traffic::fuzz::prepareMaps();
  const auto path = traffic::fuzz::writeInput("scenarios/input.toml", data, size);
  try {
    (void)traffic::loadScenario(path, limits);
  } catch (const traffic::LoadError&) {
  }
  return 0;
}
