// libFuzzer harness for the scenario reader (sim/src/io/scenario/): any bytes as a scenario file
// must load or fail with LoadError. Any other exception, a crash, a leak or a sanitizer report is
// a finding. Seeds: scenarios/*.toml, whose maps are read from compacted copies (fuzz_input.h).
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "traffic/errors.h"
#include "traffic/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  traffic::fuzz::prepareMaps();
  const auto path = traffic::fuzz::writeInput("scenarios/input.toml", data, size);
  try {
    (void)traffic::loadScenario(path);
  } catch (const traffic::LoadError&) {
  }
  return 0;
}
