// Issue 14, scenario files: numbers beyond 2^53, counts that multiply into memory (vehicles, runs,
// passengers, requests, time series rows) checked against [limits] before anything is allocated,
// ids with control characters, request files with duplicate ids or unknown columns, special files
// as inputs, and checks triggered by --set that say so.
#include <gtest/gtest.h>

#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "common/text.h"
#include "io/scenario/load_within.h"
#include "traffic/demand.h"
#include "traffic/errors.h"
#include "traffic/scenario.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

using traffic::testing::TempDir;

// A 3x3 grid with a car flow along its first row, a bus line with two stops there and a small
// on-demand fleet.
const std::string kCorridor = R"([scenario]
name = "limits"
duration_s = 1800

[map.grid]
rows = 3
columns = 3
block_length_m = 300
lanes_per_direction = 1

[[vehicle_type]]
name = "car"

[[vehicle_type]]
name = "bus"
class = "bus"

[[demand.flow]]
id = "cars"
from = "road_j_0_-1_j_0_0"
to = "road_j_0_2_j_0_3"
veh_per_hour = 300

[[demand.od]]
id = "od"
from = "road_j_0_-1_j_0_0"
to = "road_j_0_2_j_0_3"
vehicles = 20

[[transit.stop]]
id = "a"
road = "road_j_0_0_j_0_1"
position_m = 140

[[transit.stop]]
id = "b"
road = "road_j_0_1_j_0_2"
position_m = 140

[[transit.line]]
id = "L"
type = "bus"
from = "road_j_0_-1_j_0_0"
to = "road_j_0_2_j_0_3"
stops = ["a", "b"]
headway_s = 300
passengers_per_hour = 60

[[fleet]]
id = "taxi"
vehicles = 2
depots = ["road_j_0_0_j_0_1"]
requests_per_hour = 30
zones = ["road_j_0_0_j_0_1", "road_j_0_1_j_1_1", "road_j_1_1_j_1_2", "road_j_2_1_j_2_2"]
)";

/// The LoadError message of loading `text` (with `overrides`), or "" when it loads.
std::string loadError(const std::string& text, const std::vector<std::string>& overrides = {},
                      const std::string& extraName = "", const std::string& extraContent = "") {
  TempDir dir;
  if (!extraName.empty()) dir.write(extraName, extraContent);
  const fs::path file = dir.write("s.toml", text);
  try {
    (void)loadScenario(file, overrides);
  } catch (const LoadError& e) {
    return e.what();
  }
  return {};
}

using traffic::testing::contains;

TEST(Issue14Scenario, TheCorridorLoads) { EXPECT_EQ(loadError(kCorridor), ""); }

TEST(Issue14Scenario, IntegersBeyondTwoToThe53AreReadAsTheirValue) {
  // toml++ gives no double for such integers; the value used to be garbage (a yellow of 6.95e-310 s).
  const std::string msg = loadError(kCorridor, {"signals.yellow_s=-9223372036854775807"});
  EXPECT_TRUE(contains(msg, "signals.yellow_s")) << msg;
  EXPECT_TRUE(contains(msg, "must be >= 0, got -9.22337e+18")) << msg;
  // Within 2^53 integers are exact, as before.
  EXPECT_EQ(loadError(kCorridor, {"signals.yellow_s=3"}), "");
}

TEST(Issue14Scenario, AnOdAtTheIntegerMaximumIsRefusedNotSilentlyEmpty) {
  const std::string msg = loadError(kCorridor, {"demand.od.0.vehicles=9223372036854775807"});
  EXPECT_TRUE(contains(msg, "demand.od 'od'")) << msg;
  EXPECT_TRUE(contains(msg, "max_trips")) << msg;
}

TEST(Issue14Scenario, TripCountsAreCheckedAgainstTheLimitBeforeExpansion) {
  // 10 million vehicles took 2.6 GB before anything said so.
  std::string msg = loadError(kCorridor, {"demand.od.0.vehicles=10000000"});
  EXPECT_TRUE(contains(msg, "[limits] max_trips")) << msg;
  msg = loadError(kCorridor, {"demand.flow.0.veh_per_hour=1e8"});
  EXPECT_TRUE(contains(msg, "max_trips")) << msg;
  // The limit is the scenario's to raise (or lower).
  EXPECT_TRUE(contains(loadError(kCorridor, {"limits.max_trips=100"}), "max_trips"));
  EXPECT_EQ(loadError(kCorridor, {"limits.max_trips=2000"}), "");
  EXPECT_TRUE(contains(loadError(kCorridor, {"limits.max_trips=0"}), "limits.max_trips"));
  EXPECT_TRUE(contains(loadError(kCorridor, {"limits.max_tripz=5"}), "did you mean 'max_trips'"));
}

TEST(Issue14Scenario, ALimitLoweredBySetAlsoBoundsTheLoadThatDecidesWhoIsAtFault) {
  // Whether an override caused an error is settled by loading the file alone. That load used to
  // take the file's own limits, so a --set that lowered one (for a machine with less memory) did
  // not bound it: here it expanded the million trips the lowered limit refused (about 260 MB),
  // then blamed the --set. Found fuzzing the scenario reader with tight limits as overrides.
  std::string text = kCorridor + "\n[limits]\nmax_trips = 2000000\n";
  text.replace(text.find("vehicles = 20"), 13, "vehicles = 1000000");
  ASSERT_TRUE(contains(text, "vehicles = 1000000"));
  const std::string msg = loadError(text, {"limits.max_trips=1000"});
  EXPECT_TRUE(contains(msg, "more than limits.max_trips = 1000")) << msg;
  EXPECT_FALSE(contains(msg, "from --set")) << msg;
}

TEST(Issue14Scenario, ALineHeadwayBelowTheStepIsRefused) {
  // 0.001 s was accepted as 3,600,000 runs.
  const std::string msg = loadError(kCorridor, {"transit.line.0.headway_s=0.001"});
  EXPECT_TRUE(contains(msg, "transit.line 'L'.headway_s")) << msg;
  EXPECT_TRUE(contains(msg, "step")) << msg;
}

TEST(Issue14Scenario, PassengerAndRequestRatesAreBounded) {
  std::string msg = loadError(kCorridor, {"transit.line.0.passengers_per_hour=1e9"});
  EXPECT_TRUE(contains(msg, "passengers_per_hour")) << msg;
  EXPECT_TRUE(contains(msg, "[limits] max_passengers")) << msg;
  msg = loadError(kCorridor, {"fleet.0.requests_per_hour=1e9"});
  EXPECT_TRUE(contains(msg, "requests_per_hour")) << msg;
  EXPECT_TRUE(contains(msg, "[limits] max_requests")) << msg;
  EXPECT_EQ(loadError(kCorridor, {"limits.max_passengers=1000", "limits.max_requests=100"}), "");
}

TEST(Issue14Scenario, ATimeseriesIntervalBelowTheStepIsRefused) {
  // 0.001 s wrote 600,002 rows for 600 steps.
  std::string msg = loadError(kCorridor, {"outputs.timeseries_interval_s=0.001"});
  EXPECT_TRUE(contains(msg, "outputs.timeseries_interval_s")) << msg;
  EXPECT_TRUE(contains(msg, "at least the step")) << msg;
  msg = loadError(kCorridor, {"scenario.duration_s=1e12"});
  EXPECT_TRUE(contains(msg, "max_timeseries_rows")) << msg;
  EXPECT_EQ(loadError(kCorridor, {"outputs.timeseries_interval_s=1"}), "");
}

TEST(Issue14Scenario, IdsWithControlCharactersAreRefused) {
  const std::string msg = loadError(kCorridor, {"demand.flow.0.id=\"ca\\u0000rs\""});
  EXPECT_TRUE(contains(msg, "control character")) << msg;
  EXPECT_FALSE(contains(msg, std::string(1, '\0')));
  EXPECT_TRUE(contains(loadError(kCorridor, {"transit.stop.0.id=\"a\\tb\""}), "control character"));
}

TEST(Issue14Scenario, RequestFilesWithDuplicateIdsOrUnknownColumnsAreRefused) {
  const std::string withFile = kCorridor + "requests_file = \"requests.csv\"\n";
  EXPECT_EQ(loadError(withFile, {}, "requests.csv",
                      "id,time_s,from,to\nr1,10,road_j_0_0_j_0_1,road_j_0_1_j_1_1\n"
                      "r2,20,road_j_1_1_j_1_2,road_j_2_1_j_2_2\n"),
            "");
  std::string msg = loadError(withFile, {}, "requests.csv",
                              "id,time_s,from,to\nr1,10,road_j_0_0_j_0_1,road_j_0_1_j_1_1\n"
                              "r1,20,road_j_1_1_j_1_2,road_j_2_1_j_2_2\n");
  EXPECT_TRUE(contains(msg, "requests.csv:3")) << msg;
  EXPECT_TRUE(contains(msg, "'r1'")) << msg;
  msg = loadError(withFile, {}, "requests.csv", "id,time_s,from,to,fare\nr1,10,road_j_0_0_j_0_1,road_j_0_1_j_1_1,3\n");
  EXPECT_TRUE(contains(msg, "unknown column 'fare'")) << msg;
}

TEST(Issue14Scenario, SpecialFilesAreNotReadAsInputs) {
  TempDir dir;
  try {
    (void)loadScenario("/dev/zero");
    ADD_FAILURE() << "/dev/zero loaded";
  } catch (const LoadError& e) {
    EXPECT_TRUE(contains(e.what(), "not a regular file")) << e.what();
  }
  const std::string msg = loadError(kCorridor + "requests_file = \"/dev/zero\"\n");
  EXPECT_TRUE(contains(msg, "not a regular file")) << msg;
}

TEST(Issue14Scenario, InputFilesLargerThanTheLimitAreRefusedBeforeReading) {
  const std::string text = R"([scenario]
name = "big"
[map]
cityflow = "map.json"
[[demand.trip]]
id = "a"
from = "x"
to = "y"
depart_s = 0
[limits]
max_input_mb = 1
)";
  const std::string msg = loadError(text, {}, "map.json", std::string(1'500'000, ' '));
  EXPECT_TRUE(contains(msg, "1.5 MB")) << msg;
  EXPECT_TRUE(contains(msg, "max_input_mb")) << msg;
}

TEST(Issue14Scenario, AGridTooLargeForMemoryIsRefusedBeforeItIsBuilt) {
  // The documented maximum, 1000 x 1000 with 8 lanes, needs about 63 GB: refused in no time.
  std::string msg = loadError(kCorridor, {"map.grid.rows=1000", "map.grid.columns=1000", "map.grid.lanes_per_direction=8"});
  EXPECT_TRUE(contains(msg, "map.grid")) << msg;
  EXPECT_TRUE(contains(msg, "[limits] max_network_mb")) << msg;
  // 100 x 100 with 1+1 lanes: about 134 MB by the estimate; the 3 x 3 corridor about 0.1 MB.
  msg = loadError(kCorridor, {"limits.max_network_mb=100", "map.grid.rows=100", "map.grid.columns=100"});
  EXPECT_TRUE(contains(msg, "needs about 134 MB, more than limits.max_network_mb = 100;")) << msg;
  EXPECT_EQ(loadError(kCorridor, {"limits.max_network_mb=1"}), "");
}

TEST(Issue14Scenario, ARouteLongerThanTheEngineDrivesIsRefused) {
  // The engine keeps a vehicle's place on its route in 16 bits: a route of more than
  // kMaxRouteRoads roads is refused by its count, before its roads are looked up (about 1.3 MB of
  // TOML here, within the scenario file's cap).
  std::string route;
  for (std::size_t i = 0; i < kMaxRouteRoads + 1; ++i) route += "\"road_j_0_0_j_0_1\", ";
  std::string msg = loadError(kCorridor + "\n[[demand.trip]]\nid = \"long\"\ndepart_s = 0\nroute = [" + route + "]\n");
  EXPECT_TRUE(contains(msg, "demand.trip 'long'")) << msg.substr(0, 300);
  EXPECT_TRUE(contains(msg, "the route has 65,536 roads; trafficsim drives routes of at most 65,535 roads")) << msg.substr(0, 300);
  // Transit lines take their routes the same way.
  std::string text = kCorridor;
  text.replace(text.find("from = \"road_j_0_-1_j_0_0\"\nto = \"road_j_0_2_j_0_3\"\nstops"), 56, "route = [" + route + "]\nstops");
  ASSERT_TRUE(contains(text, "]\nstops = [\"a\", \"b\"]"));
  msg = loadError(text);
  EXPECT_TRUE(contains(msg, "transit.line 'L'")) << msg.substr(0, 300);
  EXPECT_TRUE(contains(msg, "the route has 65,536 roads")) << msg.substr(0, 300);
}

TEST(Issue14Scenario, AChecksTriggeredByASetSaysSo) {
  // step_s (1 s) is checked against duration_s, which only the override made too short.
  const std::string msg = loadError(kCorridor, {"scenario.duration_s=0.5"});
  EXPECT_TRUE(contains(msg, "(from --set scenario.duration_s=0.5)")) << msg;
  // An error of the file itself does not blame an unrelated override.
  const std::string own = loadError(kCorridor + "bogus = 1\n", {"scenario.seed=4"});
  EXPECT_FALSE(contains(own, "from --set")) << own;
}

// loadScenarioWithin (io/scenario/load_within.h), with which the scenario fuzzing harness bounds
// its inputs: limits from outside lower the file's, never raise them, and fail as the file's own.
TEST(Issue14Scenario, LimitsFromOutsideTheFileLowerItsOwnAndFailTheSameWay) {
  TempDir dir;
  auto errorWithin = [&](const std::string& text, const ResourceLimits& ceiling) -> std::string {
    try {
      (void)loadScenarioWithin(dir.write("within.toml", text), ceiling);
    } catch (const LoadError& e) {
      return e.what();
    }
    return {};
  };
  // The corridor makes about 150 + 20 vehicles, 6 runs and 2 fleet vehicles.
  ResourceLimits ten;
  ten.maxTrips = 10;
  std::string msg = errorWithin(kCorridor, ten);
  EXPECT_TRUE(contains(msg, "max_trips = 10")) << msg;
  // The same error, on the same line, as when the file itself sets the limit.
  const std::string inFile = kCorridor + "\n[limits]\nmax_trips = 10\n";
  EXPECT_EQ(msg, errorWithin(inFile, ResourceLimits{}));
  // A higher ceiling leaves the file's lower limit in force.
  ResourceLimits high;
  high.maxTrips = 1'000'000;
  msg = errorWithin(inFile, high);
  EXPECT_TRUE(contains(msg, "max_trips = 10")) << msg;
  // And a ceiling above the defaults does not raise them: a grid beyond the default network
  // limit is refused as loadScenario refuses it.
  ResourceLimits huge;
  huge.maxNetworkMb = 1'000'000;
  const std::string bigGrid = "[scenario]\nname = \"big\"\nduration_s = 60\n[map.grid]\nrows = 1000\ncolumns = 1000\n";
  msg = errorWithin(bigGrid, huge);
  EXPECT_TRUE(contains(msg, "max_network_mb")) << msg;
  EXPECT_EQ(errorWithin(kCorridor, huge), "");
}

}  // namespace
}  // namespace traffic
