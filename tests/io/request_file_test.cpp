// readFleetRequestsFile (sim/src/io/scenario/request_file.h): a fleet's request file read against
// a scenario loaded before gives the requests, and the errors, that loading the scenario with that
// requests_file gives.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "io/scenario/request_file.h"
#include "traffic/errors.h"
#include "traffic/scenario.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

using traffic::testing::TempDir;

// A 3x3 grid with two fleets; the second is the one the request files are for.
const std::string kTwoFleets = R"([scenario]
name = "requests"
duration_s = 1800

[map.grid]
rows = 3
columns = 3
block_length_m = 200
lanes_per_direction = 1

[[fleet]]
id = "pool"
vehicles = 2
depots = ["road_j_0_0_j_0_1"]
requests_per_hour = 20
zones = ["road_j_0_0_j_0_1", "road_j_1_1_j_1_2"]

[[fleet]]
id = "taxi"
vehicles = 2
depots = ["road_j_1_1_j_1_2"]
)";

struct Loaded {
  std::vector<RideRequest> requests;
  std::string error;  ///< the LoadError's reason and entity, or "" when it loaded
};

/// The scenario with `csv` as the second fleet's requests_file (and `more` after it), loaded whole.
Loaded loadWhole(const TempDir& dir, const std::string& csv, const std::string& more = "") {
  dir.write("requests.csv", csv);
  const fs::path file = dir.write("whole.toml", kTwoFleets + "requests_file = \"requests.csv\"\n" + more);
  try {
    return {loadScenario(file).fleets.requests, ""};
  } catch (const LoadError& e) {
    return {{}, e.entity() + ": " + e.reason()};
  }
}

/// The scenario without the file, loaded first; then `csv` read for its second fleet.
Loaded readAfter(const TempDir& dir, const std::string& csv, const ResourceLimits& limits = {}) {
  const fs::path file = dir.write("whole.toml", kTwoFleets);
  Scenario sc = loadScenario(file);
  const fs::path csvFile = dir.write("requests.csv", csv);
  try {
    readFleetRequestsFile(sc, 1, csvFile, limits);
    return {sc.fleets.requests, ""};
  } catch (const LoadError& e) {
    return {{}, e.entity() + ": " + e.reason()};
  }
}

TEST(RequestFile, GivesTheRequestsOfLoadingTheScenarioWithIt) {
  TempDir dir;
  for (const std::string csv : {
           "time_s,from,to\n300,road_j_0_0_j_0_1,road_j_2_1_j_2_2\n5,road_j_2_1_j_2_2,road_j_0_0_j_0_1\n",
           "id,time_s,from,to\nlate,900,road_j_1_1_j_1_2,road_j_0_0_j_0_1\r\n\r\nearly,10.5,road_j_0_0_j_0_1,road_j_1_1_j_1_2\r\n",
       }) {
    const Loaded whole = loadWhole(dir, csv);
    const Loaded after = readAfter(dir, csv);
    ASSERT_EQ(whole.error, "");
    ASSERT_EQ(after.error, "");
    ASSERT_EQ(after.requests.size(), whole.requests.size());
    ASSERT_GT(whole.requests.size(), 2u);  // the pool's requests and the file's, sorted by time together
    for (std::size_t i = 0; i < whole.requests.size(); ++i) {
      EXPECT_EQ(after.requests[i].id, whole.requests[i].id) << i;
      EXPECT_EQ(after.requests[i].fleet, whole.requests[i].fleet) << i;
      EXPECT_EQ(after.requests[i].timeS, whole.requests[i].timeS) << i;
      EXPECT_EQ(after.requests[i].from, whole.requests[i].from) << i;
      EXPECT_EQ(after.requests[i].to, whole.requests[i].to) << i;
    }
  }
}

TEST(RequestFile, RefusesWhatLoadingTheScenarioRefusesWithTheSameMessage) {
  TempDir dir;
  for (const std::string& csv : {
           std::string(""),
           std::string("time_s,from\n1,road_j_0_0_j_0_1\n"),
           std::string("time_s,from,to,fare\n1,road_j_0_0_j_0_1,road_j_1_1_j_1_2,3\n"),
           std::string("time_s,from,to\n-1,road_j_0_0_j_0_1,road_j_1_1_j_1_2\n"),
           std::string("time_s,from,to\n1,road_j_0_0_j_0_1,nowhere\n"),
           std::string("time_s,from,to\n1,road_j_0_0_j_0_1,road_j_0_0_j_0_1\n"),
           std::string("id,time_s,from,to\nr,1,road_j_0_0_j_0_1,road_j_1_1_j_1_2\nr,2,road_j_0_0_j_0_1,road_j_1_1_j_1_2\n"),
           std::string("id,time_s,from,to\nr\x01,1,road_j_0_0_j_0_1,road_j_1_1_j_1_2\n"),
           std::string("time_s,from,to\n1,road_j_0_0_j_0_1\n"),
       }) {
    const Loaded whole = loadWhole(dir, csv);
    const Loaded after = readAfter(dir, csv);
    EXPECT_NE(whole.error, "") << csv;
    EXPECT_EQ(after.error, whole.error) << csv;
    EXPECT_NE(after.error.find("fleet 'taxi'.requests_file"), std::string::npos) << after.error;
  }
}

TEST(RequestFile, KeepsWithinTheLimitsItIsGiven) {
  TempDir dir;
  const std::string csv = "time_s,from,to\n1,road_j_0_0_j_0_1,road_j_1_1_j_1_2\n2,road_j_1_1_j_1_2,road_j_0_0_j_0_1\n";
  const Loaded whole = loadWhole(dir, csv);
  ASSERT_EQ(whole.error, "");
  ResourceLimits limits;
  limits.maxRequests = whole.requests.size() - 1;  // the file's last request is one too many
  // The pool's rate (20 an hour over 1800 s: about 10) must stay within it, or the whole load
  // would fail there.
  ASSERT_GE(limits.maxRequests, 10u);
  const Loaded after = readAfter(dir, csv, limits);
  EXPECT_EQ(after.error, loadWhole(dir, csv, "\n[limits]\nmax_requests = " + std::to_string(limits.maxRequests) + "\n").error);
  EXPECT_NE(after.error.find("limits.max_requests"), std::string::npos) << after.error;
}

TEST(RequestFile, AFleetTheScenarioDoesNotHaveIsALoadError) {
  TempDir dir;
  Scenario sc = loadScenario(dir.write("s.toml", kTwoFleets));
  const fs::path csv = dir.write("r.csv", "time_s,from,to\n");
  EXPECT_THROW(readFleetRequestsFile(sc, 2, csv), LoadError);
}

}  // namespace
}  // namespace traffic
