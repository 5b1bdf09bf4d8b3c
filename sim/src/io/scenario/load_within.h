// Private to sim/ (and the tests and fuzzing harnesses, which see sim/src): loading a scenario
// within resource limits set from outside the file. The scenario fuzzing harness (tests/fuzz/)
// keeps every input small this way. It gave its limits as --set overrides before, and loadScenario
// loads a file a second time when a load with overrides fails, to tell whether an override caused
// the error: most fuzzed inputs fail, so most were read twice.
#pragma once

#include <filesystem>

#include "traffic/limits.h"
#include "traffic/scenario.h"

namespace traffic {

/// loadScenario(file) with each of the file's [limits] (or its default) lowered to `ceiling`'s
/// where that is lower. Throws LoadError.
Scenario loadScenarioWithin(const std::filesystem::path& file, const ResourceLimits& ceiling);

}  // namespace traffic
