// On-demand fleets: every request is served or rejected with a reason, no vehicle carries more
// than its capacity, the dispatcher keeps wait and detour limits and the capacity in its plans,
// pools riders, and assigns the same way for any number of threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "common/temp_dir.h"
#include "traffic/errors.h"
#include "traffic/fleet.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic {
namespace {

using testing::TempDir;

std::string fleetScenario(const std::string& fleetExtra = "", const std::string& tail = "") {
  return R"([scenario]
name = "fleet"
duration_s = 3600
seed = 3

[map.grid]
rows = 3
columns = 3
block_length_m = 300
lanes_per_direction = 1

[[vehicle_type]]
name = "car"

[[vehicle_type]]
name = "av"
class = "shuttle"

[demand]
flow = [ { id = "cars", from = "road_j_1_-1_j_1_0", to = "road_j_1_2_j_1_3", veh_per_hour = 200 } ]

[[fleet]]
id = "od"
type = "av"
vehicles = 4
capacity = 3
depots = ["road_j_0_0_j_0_1", "road_j_2_1_j_2_2"]
requests_per_hour = 90
requests_end_s = 2000
zones = ["road_j_0_0_j_0_1", "road_j_0_1_j_1_1", "road_j_1_1_j_1_2", "road_j_2_2_j_1_2", "road_j_1_0_j_2_0", "road_j_2_1_j_2_2"]
max_wait_s = 600
)" + fleetExtra + "\n" + tail;
}

struct FleetRun {
  Scenario scenario;
  TransitRecords records;
  Summary summary;
  std::uint32_t maxLoadSeen = 0;
};

FleetRun runFleet(const std::string& text, int threads = 1, const std::vector<std::string>& overrides = {}) {
  TempDir dir;
  FleetRun r{loadScenario(dir.write("s.toml", text), overrides), {}, {}, 0};
  World world(r.scenario, WorldOptions{.threads = threads, .validate = true, .minVehiclesForParallel = 1});
  while (!world.finished()) {
    world.step();
    for (const FrameVehicle& v : world.frame().vehicles) r.maxLoadSeen = std::max<std::uint32_t>(r.maxLoadSeen, v.load);
  }
  r.records = world.transitRecords();
  r.summary = world.summary(0);
  return r;
}

TEST(Fleet, EveryRequestIsServedOrRejectedWithAReasonWithinCapacity) {
  const FleetRun run = runFleet(fleetScenario());
  ASSERT_EQ(run.records.rides.size(), run.scenario.fleets.requests.size());
  ASSERT_GT(run.records.rides.size(), 30u);
  for (const RideRecord& r : run.records.rides) {
    const RideRequest& spec = run.scenario.fleets.requests[r.request];
    if (r.status == "rejected") {
      EXPECT_FALSE(r.reason.empty()) << spec.id;
      continue;
    }
    // Requests stop at 2000 s, the run goes on to 3600 s: everyone accepted got there.
    EXPECT_EQ(r.status, "delivered") << spec.id;
    EXPECT_GE(r.pickupS, spec.timeS);
    EXPECT_GT(r.dropoffS, r.pickupS);
    // The plan kept the wait limit when it accepted the ride.
    EXPECT_LE(r.plannedPickupS, spec.timeS + run.scenario.fleets.fleets[0].maxWaitS + 1e-6) << spec.id;
  }
  EXPECT_LE(run.maxLoadSeen, 3u);
  for (const FleetVehicleRecord& v : run.records.fleetVehicles) EXPECT_LE(v.maxLoad, 3u);
  ASSERT_EQ(run.summary.fleets.size(), 1u);
  const FleetSummary& f = run.summary.fleets[0];
  EXPECT_EQ(f.requests, f.delivered + f.rejected);
  EXPECT_GT(f.delivered, 20u);
  EXPECT_GT(f.utilisation, 0);
  EXPECT_LE(f.utilisation, 1);
}

TEST(Fleet, InsertionPoolsRidersAndNearestDoesNot) {
  const FleetRun pooled = runFleet(fleetScenario(), 1, {"fleet.0.requests_per_hour=150"});
  const FleetRun single = runFleet(fleetScenario(), 1, {"fleet.0.requests_per_hour=150", "fleet.0.dispatcher=nearest"});
  EXPECT_GE(pooled.maxLoadSeen, 2u);
  EXPECT_EQ(single.maxLoadSeen, 1u);
  EXPECT_GT(pooled.summary.fleets[0].delivered, single.summary.fleets[0].delivered);
}

TEST(Fleet, SameSeedSameAssignmentsForAnyThreadCount) {
  std::vector<std::vector<std::uint32_t>> assignments;
  for (int threads : {1, 2, 4}) {
    const FleetRun run = runFleet(fleetScenario(), threads);
    std::vector<std::uint32_t> vehicles;
    for (const RideRecord& r : run.records.rides) vehicles.push_back(r.vehicle);
    assignments.push_back(vehicles);
  }
  EXPECT_EQ(assignments[0], assignments[1]);
  EXPECT_EQ(assignments[0], assignments[2]);
}

TEST(Fleet, TooFewVehiclesRejectRequestsThatCannotBeReachedInTime) {
  const FleetRun run = runFleet(fleetScenario(), 1, {"fleet.0.vehicles=1", "fleet.0.max_wait_s=120", "fleet.0.requests_per_hour=200"});
  const FleetSummary& f = run.summary.fleets[0];
  EXPECT_GT(f.rejected, 0u);
  ASSERT_FALSE(f.rejectedBy.empty());
  EXPECT_EQ(f.rejectedBy[0].first, "no_vehicle_in_time");
}

// ---- the plan check on its own -----------------------------------------------------------------

class FixedContext : public DispatchContext {
 public:
  FleetSpec spec;
  std::vector<RideRequest> requests;
  std::map<std::uint32_t, double> pickedUp;
  std::optional<double> travelS(RoadId from, RoadId to) const override {
    return 60.0 * std::abs(static_cast<double>(from.value) - static_cast<double>(to.value));  // 60 s per road apart
  }
  const FleetSpec& fleet() const override { return spec; }
  const RideRequest& request(std::uint32_t i) const override { return requests.at(i); }
  std::optional<double> pickedUpAtS(std::uint32_t r) const override {
    auto it = pickedUp.find(r);
    return it == pickedUp.end() ? std::nullopt : std::optional(it->second);
  }
  double directRideS(std::uint32_t r) const override { return *travelS(requests.at(r).from, requests.at(r).to); }
  double nowS() const override { return 0; }
};

TEST(Fleet, APlanIsRefusedWhenItBreaksTheWaitTheDetourOrTheCapacity) {
  FixedContext c;
  c.spec.capacity = 1;
  c.spec.maxWaitS = 200;
  c.spec.maxDetour = 1.5;
  c.spec.detourSlackS = 0;
  c.spec.doorS = 0;
  c.spec.boardingS = 0;
  c.requests = {{"a", 0, 0, RoadId(1), RoadId(3)}, {"b", 0, 0, RoadId(2), RoadId(4)}};
  DispatchVehicle v;
  v.road = RoadId(0);
  const std::vector<PlannedStop> alone{{RoadId(1), 0, true}, {RoadId(3), 0, false}};
  const auto times = schedulePlan(c, v, alone);
  ASSERT_TRUE(times.has_value());
  EXPECT_EQ(*times, (std::vector<double>{60, 180}));
  // Both riders at once: two on board with one seat.
  const std::vector<PlannedStop> shared{{RoadId(1), 0, true}, {RoadId(2), 1, true}, {RoadId(3), 0, false}, {RoadId(4), 1, false}};
  EXPECT_FALSE(schedulePlan(c, v, shared).has_value());
  c.spec.capacity = 2;
  EXPECT_TRUE(schedulePlan(c, v, shared).has_value());
  // Rider b picked up after a ride to road 3 and back: 60 + 120 + 60 = 240 s > 200 s wait.
  const std::vector<PlannedStop> late{{RoadId(1), 0, true}, {RoadId(3), 0, false}, {RoadId(2), 1, true}, {RoadId(4), 1, false}};
  EXPECT_FALSE(schedulePlan(c, v, late).has_value());
  // Rider a dropped off only after a trip to road 4 and back: 300 s ride against 1.5 x 120 s.
  const std::vector<PlannedStop> detour{{RoadId(1), 0, true}, {RoadId(2), 1, true}, {RoadId(4), 1, false}, {RoadId(3), 0, false}};
  EXPECT_FALSE(schedulePlan(c, v, detour).has_value());
}

// ---- bad input --------------------------------------------------------------------------------

void expectLoadError(const std::string& text, std::initializer_list<std::string> parts) {
  TempDir dir;
  try {
    (void)loadScenario(dir.write("s.toml", text));
    ADD_FAILURE() << "expected a LoadError";
  } catch (const LoadError& e) {
    for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(Fleet, ZeroCapacityUnknownDispatcherAndDepotsLeavingTheNetwork) {
  std::string zero = fleetScenario();
  zero.replace(zero.find("capacity = 3"), 12, "capacity = 0");
  expectLoadError(zero, {"fleet 'od'.capacity", "at least 1"});
  expectLoadError(fleetScenario("dispatcher = \"nearst\""), {"fleet 'od'.dispatcher", "did you mean 'nearest'"});
  std::string exit = fleetScenario();
  const std::string depot = R"(depots = ["road_j_0_0_j_0_1")";
  exit.replace(exit.find(depot), depot.size(), R"(depots = ["road_j_1_2_j_1_3")");
  expectLoadError(exit, {"fleet 'od'.depots", "road_j_1_2_j_1_3", "leads out of the network"});
}

TEST(Fleet, RequestFilesAreCheckedLineByLine) {
  TempDir dir;
  const auto good = dir.write("good.csv", "id,time_s,from,to\nx1,10,road_j_0_0_j_0_1,road_j_2_1_j_2_2\n");
  const Scenario sc = loadScenario(dir.write("s.toml", fleetScenario("requests_file = \"good.csv\"")));
  EXPECT_TRUE(std::any_of(sc.fleets.requests.begin(), sc.fleets.requests.end(), [](const RideRequest& r) { return r.id == "x1"; }));
  dir.write("bad.csv", "time_s,from,to\n10,road_j_0_0_j_0_1,nowhere\n");
  expectLoadError(fleetScenario("requests_file = \"" + (dir.path() / "bad.csv").string() + "\""),
                  {"bad.csv:2", "unknown road 'nowhere'"});
  dir.write("time.csv", "time_s,from,to\nsoon,road_j_0_0_j_0_1,road_j_2_1_j_2_2\n");
  expectLoadError(fleetScenario("requests_file = \"" + (dir.path() / "time.csv").string() + "\""),
                  {"time.csv:2", "'soon' is not a time"});
  (void)good;
}

}  // namespace
}  // namespace traffic
