// Golden summaries: every shipped scenario, run for its first kGoldenDurationS seconds with its own
// seed, must reproduce tests/golden/<scenario>/summary.json (timing fields excluded) within tight
// tolerances, so that any change in behaviour shows up as a failing test naming the figure that
// moved, instead of slipping under a floor like "arrived > 800". A behaviour change that is meant
// is recorded by regenerating the files and committing them with the change:
//
//   TRAFFIC_REGENERATE_GOLDEN=1 build/ci/bin/traffic_tests --gtest_filter='GoldenSummary.*'
//
// Plus one committed World::stateHash() of a small scene, which catches drift in compilers and
// floating-point flags that leaves the summaries within tolerance.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "traffic/outputs.h"
#include "traffic/world.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

// Long enough for every scenario's demand to be flowing and queues to have formed at signals;
// short enough that the seven scenarios on the repository's own data run in well under a minute
// (Nanchang, when ../shared holds it, takes longer: 30,000 vehicles in the network by then).
constexpr double kGoldenDurationS = 900;
// Relative tolerance on real numbers: the run is deterministic, so this only absorbs printing and
// parsing; integers must match exactly.
constexpr double kRelativeTolerance = 1e-9;

bool regenerate() {
  const char* flag = std::getenv("TRAFFIC_REGENERATE_GOLDEN");
  return flag != nullptr && std::string(flag) == "1";
}

fs::path goldenFile(const std::string& scenario) {
  return fs::path(TRAFFIC_SOURCE_DIR) / "tests" / "golden" / scenario / "summary.json";
}

// The summary of a run without what depends on the machine (wall time and rates derived from it).
nlohmann::json deterministicSummary(const std::string& scenario) {
  const Scenario sc = loadScenario(fs::path(TRAFFIC_SOURCE_DIR) / "scenarios" / (scenario + ".toml"),
                                   {"scenario.duration_s=" + std::to_string(kGoldenDurationS)});
  World world(sc, WorldOptions{.threads = 1});
  world.run();
  nlohmann::json j = nlohmann::json::parse(summaryJson(world.summary(0)));
  j.erase("wall_seconds");
  j.erase("vehicle_updates_per_second");
  j.erase("threads");
  return j;
}

// Compares two JSON values, reporting every difference with its path.
void compare(const nlohmann::json& expected, const nlohmann::json& actual, const std::string& path,
             std::ostringstream& diffs) {
  if (expected.is_number_float() || actual.is_number_float()) {
    if (!expected.is_number() || !actual.is_number()) {
      diffs << path << ": expected " << expected << ", got " << actual << "\n";
      return;
    }
    const double e = expected.get<double>(), a = actual.get<double>();
    if (std::abs(a - e) > kRelativeTolerance * std::max(1.0, std::abs(e)))
      diffs << path << ": expected " << e << ", got " << a << "\n";
    return;
  }
  if (expected.is_object() && actual.is_object()) {
    for (const auto& [key, value] : expected.items()) {
      if (!actual.contains(key)) diffs << path << "." << key << ": missing\n";
      else compare(value, actual[key], path + "." + key, diffs);
    }
    for (const auto& [key, value] : actual.items())
      if (!expected.contains(key)) diffs << path << "." << key << ": not in the golden file\n";
    return;
  }
  if (expected.is_array() && actual.is_array() && expected.size() == actual.size()) {
    for (std::size_t i = 0; i < expected.size(); ++i)
      compare(expected[i], actual[i], path + "[" + std::to_string(i) + "]", diffs);
    return;
  }
  if (expected != actual) diffs << path << ": expected " << expected << ", got " << actual << "\n";
}

// A scenario on third-party data that may not be copied into the repository names it under
// ../shared; it is checked where that data is present and skipped elsewhere.
bool thirdPartyDataAbsent(const std::string& scenario) {
  std::ifstream in(fs::path(TRAFFIC_SOURCE_DIR) / "scenarios" / (scenario + ".toml"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str().find("\"../../shared/") != std::string::npos &&
         !fs::exists(fs::path(TRAFFIC_SOURCE_DIR) / ".." / "shared" / "data");
}

class GoldenSummary : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenSummary, MatchesTheCommittedSummary) {
  const std::string scenario = GetParam();
  if (thirdPartyDataAbsent(scenario)) GTEST_SKIP() << scenario << ": its data in ../shared is absent";
  const nlohmann::json actual = deterministicSummary(scenario);
  const fs::path file = goldenFile(scenario);
  if (regenerate()) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << actual.dump(2) << "\n";
    GTEST_SKIP() << "regenerated " << file;
  }
  std::ifstream in(file);
  ASSERT_TRUE(in) << "no golden summary " << file << "; create it with TRAFFIC_REGENERATE_GOLDEN=1";
  const nlohmann::json expected = nlohmann::json::parse(in);
  std::ostringstream diffs;
  compare(expected, actual, scenario, diffs);
  EXPECT_TRUE(diffs.str().empty()) << "differs from " << file
                                   << " (if the change is intended, regenerate with TRAFFIC_REGENERATE_GOLDEN=1 and "
                                      "commit the files):\n"
                                   << diffs.str();
}

INSTANTIATE_TEST_SUITE_P(Shipped, GoldenSummary,
                         ::testing::Values("grid_10x10", "grid_30x30", "hangzhou_peak", "hangzhou_real", "jinan_real",
                                           "newyork_16x3", "singapore_av", "nanchang_citybrain", "singapore_av_peak"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Every shipped scenario has a golden summary (a new scenario needs one too).
TEST(GoldenSummaryFiles, CoverEveryShippedScenario) {
  for (const auto& entry : fs::directory_iterator(fs::path(TRAFFIC_SOURCE_DIR) / "scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    EXPECT_TRUE(fs::exists(goldenFile(entry.path().stem().string()))) << entry.path();
  }
}

// The bit-exact state of a small scene after a fixed time. It moves with any change in behaviour
// (regenerate it with the summaries) and, unlike the summaries, with any change in the last bit
// of a position or speed: a compiler upgrade, -ffast-math or FMA contraction creeping into the
// flags.
TEST(GoldenStateHash, ASmallSceneReproducesTheCommittedHash) {
  const Scenario sc = loadScenario(fs::path(TRAFFIC_SOURCE_DIR) / "scenarios" / "grid_10x10.toml",
                                   {"scenario.duration_s=300"});
  World world(sc, WorldOptions{.threads = 1});
  world.run();
  const std::string actual = std::to_string(world.stateHash());
  const fs::path file = fs::path(TRAFFIC_SOURCE_DIR) / "tests" / "golden" / "grid_10x10_300s.state_hash";
  if (regenerate()) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << actual << "\n";
    GTEST_SKIP() << "regenerated " << file;
  }
  std::ifstream in(file);
  ASSERT_TRUE(in) << "no committed state hash " << file << "; create it with TRAFFIC_REGENERATE_GOLDEN=1";
  std::string expected;
  in >> expected;
  EXPECT_EQ(actual, expected) << "grid_10x10 after 300 s";
}

}  // namespace
}  // namespace traffic
