// On-demand fleets: every request is served or rejected with a reason, no vehicle carries more
// than its capacity, the dispatcher keeps wait and detour limits and the capacity in its plans,
// pools riders, and assigns the same way for any number of threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "common/temp_dir.h"
#include "traffic/demand.h"
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

// The viewer's follow panel (World::upcomingStops): a fleet vehicle lists its plan, each rider's
// pickup before their drop-off, at the kerb of the request's roads; each listed rider is one the
// fleet then serves.
TEST(Fleet, UpcomingStopsListThePlanWithEveryPickupBeforeItsDropOff) {
  TempDir dir;
  const Scenario sc = loadScenario(dir.write("s.toml", fleetScenario()));
  World world(sc, WorldOptions{1});
  std::map<std::string, std::size_t> requestIndex;
  for (std::size_t r = 0; r < sc.fleets.requests.size(); ++r) requestIndex[sc.fleets.requests[r].id] = r;
  std::set<std::size_t> listed;
  std::size_t nonEmpty = 0;
  while (!world.finished()) {
    world.step();
    if (world.stepCount() % 10 != 0) continue;
    for (const FrameVehicle& fv : world.frame().vehicles) {
      const std::vector<UpcomingStop> up = world.upcomingStops(fv.id);
      if (fv.vehicleClass != VehicleClass::Shuttle) {
        EXPECT_TRUE(up.empty());
        continue;
      }
      nonEmpty += up.empty() ? 0 : 1;
      std::set<std::string> pickedUpLater;
      for (const UpcomingStop& u : up) {
        ASSERT_NE(u.kind, UpcomingStop::Kind::TransitStop);
        const auto r = requestIndex.find(u.name);
        ASSERT_NE(r, requestIndex.end()) << u.name;
        const RideRequest& req = sc.fleets.requests[r->second];
        const RoadId road = u.kind == UpcomingStop::Kind::Pickup ? req.from : req.to;
        EXPECT_EQ(u.lane, sc.network->road(road).lanes.back()) << u.name;
        EXPECT_GE(u.positionM, 0);
        EXPECT_LE(u.positionM, sc.network->lane(u.lane).lengthM);
        if (u.kind == UpcomingStop::Kind::Pickup) {
          EXPECT_TRUE(pickedUpLater.insert(u.name).second) << u.name << " picked up twice";
        } else {
          pickedUpLater.erase(u.name);  // dropped off after its pickup (or already on board)
        }
        listed.insert(r->second);
      }
      EXPECT_TRUE(pickedUpLater.empty()) << "a pickup without its drop-off after it";
    }
  }
  EXPECT_GT(nonEmpty, 0u);
  // Requests stop at 2000 s and the run goes on to 3600 s: every rider a plan listed got there.
  const TransitRecords records = world.transitRecords();
  ASSERT_FALSE(listed.empty());
  for (std::size_t r : listed) EXPECT_EQ(records.rides[r].status, "delivered") << sc.fleets.requests[r].id;
}

TEST(Fleet, TooFewVehiclesRejectRequestsThatCannotBeReachedInTime) {
  // 240 s: with each signal timed at its program's mean wait for green (43 s on this grid's four
  // phases), a 120 s limit (102 s after the plans' reserve) leaves almost no rider the one vehicle
  // could reach even going straight there (measured: 103 of 110 rejected, all no_vehicle_in_time).
  const FleetRun run = runFleet(fleetScenario(), 1, {"fleet.0.vehicles=1", "fleet.0.max_wait_s=240", "fleet.0.requests_per_hour=200"});
  const FleetSummary& f = run.summary.fleets[0];
  EXPECT_GT(f.rejected, 0u);
  // Riders too far away for the one vehicle, and riders it could reach but not without breaking
  // the limits of those it already carries.
  std::map<std::string, std::uint64_t> reasons(f.rejectedBy.begin(), f.rejectedBy.end());
  EXPECT_GT(reasons["no_vehicle_in_time"], 0u);
  EXPECT_GT(reasons["fleet_busy"], 0u);
  std::uint64_t total = 0;
  for (const auto& [reason, count] : f.rejectedBy) total += count;
  EXPECT_EQ(total, f.rejected);
}

TEST(Fleet, PromisesAreCountedAndWaitsKept) {
  const FleetRun run = runFleet(fleetScenario());
  const FleetSummary& f = run.summary.fleets[0];
  const FleetSpec& spec = run.scenario.fleets.fleets[0];
  std::uint64_t pickedUp = 0, delivered = 0, waitsOver = 0, ridesOver = 0;
  double worstWaitOverS = 0;
  for (const RideRecord& r : run.records.rides) {
    if (r.pickupS < 0) continue;
    ++pickedUp;
    const RideRequest& req = run.scenario.fleets.requests[r.request];
    waitsOver += r.pickupS - req.timeS > spec.maxWaitS + 1e-6 ? 1 : 0;
    worstWaitOverS = std::max(worstWaitOverS, r.pickupS - req.timeS - spec.maxWaitS);
    if (r.dropoffS < 0) continue;
    ++delivered;
    ridesOver += r.dropoffS - r.pickupS > spec.maxDetour * r.directS + spec.detourSlackS + 1e-6 ? 1 : 0;
  }
  EXPECT_EQ(f.waitsKept + f.waitsBroken, pickedUp);  // nobody is left waiting at the end here
  EXPECT_EQ(f.waitsBroken, waitsOver);
  EXPECT_EQ(f.ridesKept + f.ridesBroken, delivered);
  EXPECT_EQ(f.ridesBroken, ridesOver);
  // Every accepted rider is picked up and delivered within the limits. The plans time each road by
  // the turn it is left by, from what vehicles took there, and a road nobody has driven lately by
  // its signal program's mean wait for green (43 s here, where it was a flat 15 s, and a vehicle
  // stood 100 s at a turn so timed). Measured on this scenario with seeds 1 to 8: no wait and no
  // ride over, against 0 to 3 waits over (up to 113 s) and 3 to 7 rides over (up to 291 s) with
  // the flat allowance and the road's mean speed over all its lanes.
  EXPECT_EQ(f.waitsBroken, 0u);
  EXPECT_LE(worstWaitOverS, 0.0);
  EXPECT_EQ(f.ridesBroken, 0u);
  EXPECT_GT(f.occupiedH, 0);
  EXPECT_GT(f.emptyH, 0);
  double inService = 0;
  for (const FleetVehicleRecord& v : run.records.fleetVehicles) inService += v.inServiceS / 3600.0;
  EXPECT_NEAR(f.occupiedH + f.emptyH + f.idleH, inService, 1e-6);
}

TEST(Fleet, VehiclesThatFallBehindHandTheirRidersOnAndNobodyIsDropped) {
  // Heavy cross traffic through the fleet's area: plans made on the quiet first minutes fall
  // behind as queues build, and riders not yet picked up move to other vehicles.
  std::string text = fleetScenario();
  const std::string quiet = R"(flow = [ { id = "cars", from = "road_j_1_-1_j_1_0", to = "road_j_1_2_j_1_3", veh_per_hour = 200 } ])";
  text.replace(text.find(quiet), quiet.size(), R"(flow = [
  { id = "cars", from = "road_j_1_-1_j_1_0", to = "road_j_1_2_j_1_3", veh_per_hour = 200 },
  { id = "jam_ns", from = "road_j_-1_1_j_0_1", to = "road_j_2_1_j_3_1", veh_per_hour = 900, begin_s = 300 },
  { id = "jam_we", from = "road_j_0_-1_j_0_0", to = "road_j_0_2_j_0_3", veh_per_hour = 900, begin_s = 300 },
])");
  const FleetRun run = runFleet(text, 1, {"fleet.0.requests_per_hour=150"});
  const FleetSummary& f = run.summary.fleets[0];
  EXPECT_GT(f.replans, 0u);
  std::uint64_t moved = 0;
  for (const RideRecord& r : run.records.rides) {
    if (r.replans == 0) continue;
    moved += r.replans;
    EXPECT_NE(r.status, "rejected") << run.scenario.fleets.requests[r.request].id;  // accepted stays accepted
  }
  EXPECT_EQ(moved, f.replans);
}

// On roads of three lanes and a left-turn lane, a vehicle makes every stop in the kerb lane, as a
// bus does: it changes lanes on its way to the stop and leaves by a turn the kerb lane makes. Light
// traffic leaves room to change, so no stop is made elsewhere, no vehicle stands stuck until it is
// teleported and every accepted rider gets there.
TEST(Fleet, StopsAreMadeInTheKerbLane) {
  std::string text = fleetScenario();
  text.replace(text.find("lanes_per_direction = 1"), 23, "lanes_per_direction = 3\nleft_turn_lane = true");
  TempDir dir;
  const Scenario sc = loadScenario(dir.write("s.toml", text), {"fleet.0.requests_per_hour=150"});
  World world(sc, WorldOptions{.threads = 1, .validate = true, .minVehiclesForParallel = 1});
  std::size_t dwellSteps = 0;
  while (!world.finished()) {
    world.step();
    for (const FrameVehicle& v : world.frame().vehicles) {
      if (v.vehicleClass != VehicleClass::Shuttle || !(v.flags & FrameVehicle::kDwelling) || v.onConnector()) continue;
      ++dwellSteps;
      const LaneId lane(v.track);
      const Road& road = sc.network->road(sc.network->lane(lane).road);
      ASSERT_EQ(lane, road.lanes.back()) << "vehicle " << v.id << " at t=" << world.timeS() << " on " << road.name;
    }
  }
  EXPECT_GT(dwellSteps, 100u);
  EXPECT_EQ(world.counts().teleported, 0u);
  const TransitRecords records = world.transitRecords();
  std::size_t delivered = 0;
  for (const RideRecord& r : records.rides) {
    if (r.status == "rejected") continue;
    EXPECT_EQ(r.status, "delivered") << sc.fleets.requests[r.request].id;  // requests end at 2000 s of 3600 s
    ++delivered;
  }
  EXPECT_GT(delivered, 20u);
}

// singapore_av (seed 65) once had two fleet vehicles stop side by side 20 m before the stop line
// of road_j_2_1_j_1_1 and then set off for turns across each other's lanes, one left, one right:
// neither could change lanes beside the other, and both stood there until the gridlock handler
// teleported them at t = 1,298 s. A vehicle at its stop now leaves by a turn its lane makes.
TEST(Fleet, VehiclesLeavingAStopNeverStandInEachOthersWay) {
  const Scenario sc = loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/singapore_av.toml", {"scenario.duration_s=1400"});
  World world(sc, WorldOptions{1});
  while (!world.finished()) world.step();
  EXPECT_EQ(world.counts().teleported, 0u);
}

// Fleet routes keep to movements the fleet's class may drive: on singapore_av the kerb lanes of
// the town's northern arterial are for bikes, so the right turn onto it from the north-bound
// road_j_2_0_j_3_0 (onto that kerb lane only) is no way for a shuttle, though a car router takes
// it; before, a fleet vehicle routed that way stood at the line until it was teleported.
TEST(Fleet, RoutesForOneClassAvoidTurnsOntoLanesItMayNotUse) {
  const Scenario sc = loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/singapore_av.toml");
  const RoadNetwork& net = *sc.network;
  // Whether a shuttle may drive each turn of a route.
  const auto undrivable = [&](const std::vector<RoadId>& route) {
    std::size_t n = 0;
    for (std::size_t k = 1; k < route.size(); ++k) {
      bool drivable = false;
      for (ConnectorId c : net.movement(*net.movementBetween(route[k - 1], route[k])).connectors)
        drivable |= net.lane(net.connector(c).from).allowed.allows(VehicleClass::Shuttle) &&
                    net.lane(net.connector(c).to).allowed.allows(VehicleClass::Shuttle);
      n += drivable ? 0 : 1;
    }
    return n;
  };
  Router any(net);
  Router shuttles(net, VehicleClass::Shuttle);
  const RoadId from = *net.findRoad("road_j_2_0_j_3_0"), to = *net.findRoad("road_j_3_0_j_3_1");
  const auto direct = any.shortestRoute(from, to);
  ASSERT_TRUE(direct.has_value());
  EXPECT_EQ(undrivable(*direct), 1u);
  // The other ways onto that road come from outside the map: a shuttle cannot get there.
  EXPECT_FALSE(shuttles.shortestRoute(from, to).has_value());
  // Up the town's western edge to the northern arterial's south-bound exit at column 1: the
  // shortest way turns right onto the bike lane and right off it again; a shuttle's goes round.
  const RoadId start = *net.findRoad("road_j_1_0_j_2_0"), end = *net.findRoad("road_j_3_1_j_2_1");
  const auto carRoute = any.shortestRoute(start, end);
  const auto shuttleRoute = shuttles.shortestRoute(start, end);
  ASSERT_TRUE(carRoute.has_value());
  ASSERT_TRUE(shuttleRoute.has_value());
  EXPECT_GT(undrivable(*carRoute), 0u);
  EXPECT_EQ(undrivable(*shuttleRoute), 0u);
  EXPECT_GT(shuttleRoute->size(), carRoute->size());
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

// ---- the insertion dispatcher on hand-built cases ----------------------------------------------

// Roads are points on a line, 60 s apart; road 99 cannot be reached.
class LineContext : public FixedContext {
 public:
  std::optional<double> travelS(RoadId from, RoadId to) const override {
    if (from.value == 99 || to.value == 99) return from == to ? std::optional(0.0) : std::nullopt;
    return FixedContext::travelS(from, to);
  }
};

LineContext lineContext() {
  LineContext c;
  c.spec.capacity = 2;
  c.spec.maxWaitS = 400;
  c.spec.maxDetour = 1.5;
  c.spec.detourSlackS = 0;
  c.spec.doorS = 0;
  c.spec.boardingS = 0;
  return c;
}

DispatchVehicle at(std::uint32_t index, std::uint32_t road, std::span<const PlannedStop> plan = {}, std::uint32_t onBoard = 0) {
  DispatchVehicle v;
  v.index = index;
  v.road = RoadId(road);
  v.plan = plan;
  v.onBoard = onBoard;
  return v;
}

TEST(Dispatch, AnIdleVehicleThatPicksUpSoonerIsPreferredToStackingOnABusyOne) {
  LineContext c = lineContext();
  // Vehicle 0 is on its way from road 0 to pick a rider up at road 5 and drop them at road 9; a new
  // rider at road 6 going to road 8 lies on its way (no added driving), but it would reach them at
  // 360 s, while idle vehicle 1 at road 4 is there at 120 s.
  c.requests = {{"a", 0, 0, RoadId(5), RoadId(9)}, {"b", 0, 0, RoadId(6), RoadId(8)}};
  const std::vector<PlannedStop> busy{{RoadId(5), 0, true}, {RoadId(9), 0, false}};
  const std::vector<DispatchVehicle> vehicles{at(0, 0, busy), at(1, 4)};
  std::string reason;
  const auto choice = makeDispatcher("insertion")->assign(c, vehicles, 1, reason);
  ASSERT_TRUE(choice.has_value()) << reason;
  EXPECT_EQ(choice->vehicle, 1u);
  EXPECT_DOUBLE_EQ(choice->pickupS, 120);
  // With the idle vehicle far away (road 20: 840 s, beyond the wait limit), the rider is pooled.
  const std::vector<DispatchVehicle> far{at(0, 0, busy), at(1, 20)};
  const auto pooled = makeDispatcher("insertion")->assign(c, far, 1, reason);
  ASSERT_TRUE(pooled.has_value()) << reason;
  EXPECT_EQ(pooled->vehicle, 0u);
  EXPECT_DOUBLE_EQ(pooled->pickupS, 360);
  EXPECT_DOUBLE_EQ(pooled->dropoffS, 480);
}

TEST(Dispatch, AnInsertionNeverBreaksTheLimitsOfRidersOnBoardOrAssigned) {
  LineContext c = lineContext();
  // Rider a is on board since 0 s (direct ride 120 s: at most 180 s on board), to be dropped at
  // road 2; the vehicle is at road 0. Rider b wants road 4 to road 5: picking b up first would
  // bring a to road 2 at 360 s, so b must come after a's drop-off.
  c.requests = {{"a", 0, 0, RoadId(0), RoadId(2)}, {"b", 0, 0, RoadId(4), RoadId(5)}};
  c.pickedUp[0] = 0;
  const std::vector<PlannedStop> plan{{RoadId(2), 0, false}};
  const std::vector<DispatchVehicle> vehicles{at(0, 0, plan, 1)};
  std::string reason;
  const auto choice = makeDispatcher("insertion")->assign(c, vehicles, 1, reason);
  ASSERT_TRUE(choice.has_value()) << reason;
  EXPECT_EQ(choice->pickupAt, 1u);
  EXPECT_DOUBLE_EQ(choice->pickupS, 240);
  std::vector<PlannedStop> after = plan;
  after.insert(after.begin() + static_cast<std::ptrdiff_t>(choice->pickupAt), PlannedStop{RoadId(4), 1, true});
  after.insert(after.begin() + static_cast<std::ptrdiff_t>(choice->dropoffAt), PlannedStop{RoadId(5), 1, false});
  const PlanTiming timing = timePlan(c, vehicles[0], after);
  EXPECT_EQ(timing.broken, PlanBreak::None);
  // Riders get on and off after the doors and one boarding each, stops on one road in one dwell.
  c.spec.doorS = 10;
  c.spec.boardingS = 5;
  const std::vector<PlannedStop> together{{RoadId(2), 0, false}, {RoadId(2), 1, true}};
  c.requests[1].from = RoadId(2);
  const PlanTiming dwell = timePlan(c, vehicles[0], together);
  EXPECT_EQ(dwell.times, (std::vector<double>{135, 140}));
  EXPECT_DOUBLE_EQ(dwell.endS, 140);
}

TEST(Dispatch, RejectionsSayWhy) {
  LineContext c = lineContext();
  c.spec.capacity = 1;
  c.requests = {{"on_board", 0, 0, RoadId(1), RoadId(8)}, {"near", 0, 0, RoadId(2), RoadId(3)},
                {"far", 0, 0, RoadId(30), RoadId(31)}, {"cut_off", 0, 0, RoadId(2), RoadId(99)}};
  c.pickedUp[0] = 0;
  // One vehicle at road 1, full, taking its rider to road 8 (420 s away).
  const std::vector<PlannedStop> plan{{RoadId(8), 0, false}};
  const std::vector<DispatchVehicle> vehicles{at(0, 1, plan, 1)};
  const auto dispatcher = makeDispatcher("insertion");
  std::string reason;
  // It could reach road 2 in 60 s, but not without breaking the capacity or its rider's ride.
  EXPECT_FALSE(dispatcher->assign(c, vehicles, 1, reason).has_value());
  EXPECT_EQ(reason, "fleet_busy");
  // Road 30 is 29 roads (1,740 s) away: beyond the 400 s wait limit whatever the plan.
  EXPECT_FALSE(dispatcher->assign(c, vehicles, 2, reason).has_value());
  EXPECT_EQ(reason, "no_vehicle_in_time");
  EXPECT_FALSE(dispatcher->assign(c, vehicles, 3, reason).has_value());
  EXPECT_EQ(reason, "unreachable");
  // The nearest dispatcher gives the same reasons.
  EXPECT_FALSE(makeDispatcher("nearest")->assign(c, vehicles, 2, reason).has_value());
  EXPECT_EQ(reason, "no_vehicle_in_time");
}

// A leg that starts at a stop is timed as driven from the kerb (travelFromStopS), where the turn
// the vehicle needs may force it round the block; so is the first leg of a vehicle at the kerb.
class KerbContext : public LineContext {
 public:
  std::optional<double> travelFromStopS(RoadId from, RoadId to) const override {
    const auto t = travelS(from, to);
    return t ? std::optional(*t + 100.0) : std::nullopt;  // 100 s round the block from every stop
  }
};

TEST(Dispatch, LegsFromAStopAreTimedFromTheKerb) {
  KerbContext c;
  c.spec = lineContext().spec;
  c.spec.maxWaitS = 1000;
  c.spec.detourSlackS = 1000;
  c.requests = {{"a", 0, 0, RoadId(2), RoadId(4)}};
  DispatchVehicle v = at(0, 0);
  const std::vector<PlannedStop> plan{{RoadId(2), 0, true}, {RoadId(4), 0, false}};
  // Driving to the pickup: 120 s; from the pickup's kerb to the drop-off: 120 s + 100 s.
  EXPECT_EQ(timePlan(c, v, plan).times, (std::vector<double>{120, 340}));
  v.atKerb = true;  // standing at a stop on road 0: it too leaves from the kerb
  EXPECT_EQ(timePlan(c, v, plan).times, (std::vector<double>{220, 440}));
  // The ride limit is judged on these times: at most 1.5 x 120 s, the ride takes 220 s.
  c.spec.detourSlackS = 0;
  EXPECT_EQ(timePlan(c, v, plan).broken, PlanBreak::Ride);
}

TEST(Dispatch, AVehiclePastItsStopComesBackRoundTheBlock) {
  LineContext c = lineContext();
  c.requests = {{"a", 0, 0, RoadId(3), RoadId(4)}};
  DispatchVehicle v = at(0, 3);
  const std::vector<PlannedStop> plan{{RoadId(3), 0, true}, {RoadId(4), 0, false}};
  EXPECT_EQ(timePlan(c, v, plan).times, (std::vector<double>{0, 60}));
  v.backToRoadS = 200;  // past the stop on road 3: once round
  EXPECT_EQ(timePlan(c, v, plan).times, (std::vector<double>{200, 260}));
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
