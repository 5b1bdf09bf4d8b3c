// Transit lines in whole runs: vehicles serve their stops in order, dwell as long as boarding and
// alighting take, never carry more than their capacity, and passengers are conserved; in-lane stops
// block their lane and bays do not; late vehicles ask for signal priority.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "common/temp_dir.h"
#include "common/test_networks.h"
#include "traffic/errors.h"
#include "traffic/outputs.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic {
namespace {

using testing::TempDir;

// A 1x3 grid corridor, west to east, with a bus line stopping once on each inner road.
std::string corridor(const std::string& extraLine = "", const std::string& stopOptions = "",
                     const std::string& grid = "lanes_per_direction = 2") {
  return R"([scenario]
name = "line"
duration_s = 1800
seed = 11

[map.grid]
rows = 1
columns = 3
block_length_m = 300
)" + grid + R"(

[[vehicle_type]]
name = "car"

[[vehicle_type]]
name = "bus"
class = "bus"
length_m = 12
max_speed_mps = 14
accel_mps2 = 1.2
signal_priority = "transit"

[demand]
flow = [ { id = "cars", from = "road_j_0_-1_j_0_0", to = "road_j_0_2_j_0_3", veh_per_hour = 300 } ]

[[transit.stop]]
id = "a"
road = "road_j_0_0_j_0_1"
position_m = 140
)" + stopOptions + R"(

[[transit.stop]]
id = "b"
road = "road_j_0_1_j_0_2"
position_m = 140
)" + stopOptions + R"(

[[transit.line]]
id = "L"
type = "bus"
from = "road_j_0_-1_j_0_0"
to = "road_j_0_2_j_0_3"
stops = ["a", "b"]
headway_s = 240
end_s = 1200
capacity = 12
door_s = 4
boarding_s = 2
alighting_s = 1.5
passengers_per_hour = 90
)" + extraLine;
}

Scenario load(TempDir& dir, const std::string& text, const std::vector<std::string>& overrides = {}) {
  return loadScenario(dir.write("s.toml", text), overrides);
}

TEST(Stops, EveryRunServesItsStopsInOrderWithinCapacityAndDwellFollowsThePassengers) {
  TempDir dir;
  const Scenario sc = load(dir, corridor());
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  world.run();
  const TransitRecords records = world.transitRecords();
  const TransitLine& line = sc.transit.lines.at(0);
  ASSERT_EQ(records.runs.size(), line.departuresS.size());
  // Boarding and alighting per run and stop, from the passengers' records.
  std::map<std::pair<std::uint32_t, std::uint16_t>, int> boarded, alighted;
  for (const PassengerRecord& p : records.passengers) {
    const Passenger& spec = sc.transit.passengers[p.index];
    if (p.boardS >= 0) ++boarded[{p.vehicle, spec.fromStop}];
    if (p.alightS >= 0) ++alighted[{p.vehicle, spec.toStop}];
  }
  for (const TransitRunRecord& r : records.runs) {
    ASSERT_EQ(r.stopArriveS.size(), 2u);
    EXPECT_GT(r.stopArriveS[0], 0) << "run " << r.tripIndex << " did not stop at a";
    EXPECT_GT(r.stopArriveS[1], r.stopDepartS[0]) << "stops out of order";
    EXPECT_LE(r.maxLoad, line.capacity);
    for (std::uint16_t k = 0; k < 2; ++k) {
      const double expected = line.doorS + std::max(alighted[{r.tripIndex, k}] * line.alightingS,
                                                    boarded[{r.tripIndex, k}] * line.boardingS);
      // Doors close at the first step end at or after the dwell time (1 s steps).
      EXPECT_GE(r.stopDepartS[k] - r.stopArriveS[k], expected - 1e-9);
      EXPECT_LT(r.stopDepartS[k] - r.stopArriveS[k], expected + 1.0);
    }
  }
  EXPECT_GT(std::count_if(records.passengers.begin(), records.passengers.end(),
                          [](const PassengerRecord& p) { return p.alightS >= 0; }),
            20);
}

TEST(Stops, PassengersAreConservedAtEveryStep) {
  TempDir dir;
  // Small buses and many passengers: some are left behind.
  const Scenario sc = load(dir, corridor(), {"transit.line.0.capacity=3", "transit.line.0.passengers_per_hour=200"});
  World world(sc, WorldOptions{.threads = 1});
  std::size_t leftBehind = 0;
  while (!world.finished()) {
    world.step();
    const TransitRecords r = world.transitRecords();
    std::size_t waiting = 0, boarded = 0, alighted = 0, onBoard = 0;
    for (const PassengerRecord& p : r.passengers) {
      waiting += p.boardS < 0;
      boarded += p.boardS >= 0;
      alighted += p.alightS >= 0;
    }
    for (const TransitRunRecord& run : r.runs) {
      onBoard += run.onboard;
      ASSERT_LE(run.onboard, 3u);
    }
    ASSERT_EQ(r.passengers.size(), boarded + waiting) << "at " << world.timeS();
    ASSERT_EQ(boarded, alighted + onBoard) << "at " << world.timeS();
    leftBehind = std::max(leftBehind, waiting);
  }
  EXPECT_GT(leftBehind, 3u);  // full buses left people at the stop
  const Summary s = world.summary(0);
  ASSERT_EQ(s.lines.size(), 1u);
  EXPECT_EQ(s.lines[0].maxLoad, 3u);
}

// A single-lane road without signals: a bus stops to let ten passengers on; a car following it
// waits behind it at an in-lane stop and drives past it at a bay.
Scenario busAndCar(bool bay) {
  auto net = std::make_shared<const RoadNetwork>(testing::corridor(2, 400, 1, 14));
  Scenario sc = testing::makeScenario(net, {{6.0, {"r0", "r1"}}}, testing::standardCar());
  VehicleType bus = testing::standardCar();
  bus.name = "bus";
  bus.vehicleClass = VehicleClass::Bus;
  bus.lengthM = 12;
  sc.vehicleTypes.push_back(bus);
  const LaneId lane = net->road(*net->findRoad("r1")).lanes[0];
  sc.transit.stops = {TransitStop{"a", lane, 150, bay}, TransitStop{"b", lane, 380, bay}};
  TransitLine line;
  line.id = "L";
  line.type = VehicleTypeId(1);
  line.route = sc.demand.routes.add(std::vector<RoadId>{*net->findRoad("r0"), *net->findRoad("r1")});
  line.stops = {0, 1};
  line.stopRoute = {1, 1};
  line.scheduleS = {60, 90};
  line.departuresS = {0};
  sc.transit.lines.push_back(line);
  sc.demand.trips.insert(sc.demand.trips.begin(), Trip{"L_0", line.type, 0, line.route, 0});
  for (int k = 0; k < 10; ++k) sc.transit.passengers.push_back(Passenger{0, 0, 1, 0.0});
  sc.durationS = 300;
  return sc;
}

TEST(Stops, InLaneStopsBlockTheLaneAndBaysDoNot) {
  auto carTravel = [](bool bay) {
    const Scenario sc = busAndCar(bay);
    World world(sc, WorldOptions{.threads = 1, .validate = true});
    world.run();
    const auto trips = world.tripRecords();
    const auto car = std::find_if(trips.begin(), trips.end(), [&](const TripRecord& t) { return sc.demand.trips[t.tripIndex].id == "t0"; });
    EXPECT_GE(car->arriveS, 0);
    const TransitRunRecord run = world.transitRecords().runs.at(0);
    EXPECT_NEAR(run.stopDepartS[0] - run.stopArriveS[0], 4 + 10 * 2.0, 1.0);  // doors + ten boardings
    return car->arriveS - car->departS;
  };
  const double inLane = carTravel(false);
  const double bay = carTravel(true);
  // Behind the bus the car loses about the 24 s dwell (and the bus's slow start); at a bay, little.
  EXPECT_GT(inLane, bay + 15) << "in-lane " << inLane << " s, bay " << bay << " s";
}

// Two lanes: cars stuck behind a dwelling bus change lanes around it.
TEST(Stops, TrafficChangesLanesAroundABusAtAnInLaneStop) {
  TempDir dir;
  const Scenario withBus = load(dir, corridor(), {"transit.line.0.passengers_per_hour=400"});
  World world(withBus, WorldOptions{.threads = 1, .validate = true});
  world.run();
  EXPECT_GT(world.counts().laneChanges, 0u);
  const Summary s = world.summary(0);
  ASSERT_EQ(s.lines.size(), 1u);
  EXPECT_EQ(s.lines[0].passengers, s.lines[0].boarded + s.lines[0].leftWaiting);
}

TEST(Stops, LateRunsAskForTransitPriorityAndOnTimeRunsDoNot) {
  TempDir dir;
  auto extensions = [&](const std::string& late) {
    const Scenario sc = load(dir, corridor(), {"transit.line.0.priority_when_late_s=" + late});
    World world(sc, WorldOptions{.threads = 1});
    world.run();
    const Summary s = world.summary(0);
    return s.transitExtensions + s.transitEarlyGreens;
  };
  EXPECT_GT(extensions("-1"), 0u);      // always asks
  EXPECT_EQ(extensions("100000"), 0u);  // never late enough
}

TEST(Stops, SameSeedSameBoardingForAnyThreadCount) {
  TempDir dir;
  const Scenario sc = load(dir, corridor());
  std::vector<std::uint64_t> hashes;
  for (int threads : {1, 2, 4}) {
    World world(sc, WorldOptions{.threads = threads, .minVehiclesForParallel = 1});
    world.run();
    hashes.push_back(world.stateHash());
  }
  EXPECT_EQ(hashes[0], hashes[1]);
  EXPECT_EQ(hashes[0], hashes[2]);
}

TEST(Stops, PassengersAndFleetFilesHaveARowPerPassengerAndPerRun) {
  TempDir dir;
  const Scenario sc = load(dir, corridor());
  World world(sc, WorldOptions{.threads = 1});
  world.run();
  const TransitRecords records = world.transitRecords();
  const auto out = dir.path() / "results";
  writeRunOutputs(out, sc, world.summary(0), world.tripRecords(), world.timeseries(), records);
  const auto rows = [](const std::string& text) {
    std::vector<std::string> lines;
    std::size_t at = 0;
    for (std::size_t nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) lines.push_back(text.substr(at, nl - at));
    return lines;
  };
  const auto passengers = rows(testing::readAll(out / "passengers.csv"));
  ASSERT_EQ(passengers.size(), records.passengers.size() + 1);
  EXPECT_EQ(passengers[0],
            "passenger,service,mode,from,to,arrive_stop_s,board_s,alight_s,wait_s,in_vehicle_s,vehicle,status,reason,"
            "direct_s,detour");
  EXPECT_EQ(passengers[1].substr(0, 6), "0,L,li");  // first passenger, line L
  const auto fleet = rows(testing::readAll(out / "fleet.csv"));
  ASSERT_EQ(fleet.size(), records.runs.size() + 1);
  EXPECT_EQ(fleet[1].substr(0, 9), "L_0,L,lin");
}

// ---- bad input --------------------------------------------------------------------------------

LoadError loadError(const std::string& text) {
  TempDir dir;
  try {
    (void)load(dir, text);
  } catch (const LoadError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a LoadError";
  return LoadError("", "", "none");
}

void expectParts(const LoadError& e, std::initializer_list<std::string> parts) {
  for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
}

TEST(Stops, AStopOnALaneTheBusMayNotUse) {
  const std::string text = corridor() + R"(
[[map.lanes]]
road = "road_j_0_0_j_0_1"
lane = 2
allow = ["car"]
)";
  expectParts(loadError(text), {"transit.line 'L'.stops", "stop 'a'", "may not use"});
}

TEST(Stops, ALineWhoseStopsAreOffItsRouteOrOutOfOrder) {
  std::string text = corridor();
  text.replace(text.find(R"(stops = ["a", "b"])"), 18, R"(stops = ["b", "a"])");
  expectParts(loadError(text), {"transit.line 'L'.stops", "stop 'a'", "not on the line's route after stop 'b'"});
}

TEST(Stops, ZeroCapacityAndUnknownStops) {
  std::string zero = corridor();
  zero.replace(zero.find("capacity = 12"), 13, "capacity = 0");
  expectParts(loadError(zero), {"transit.line 'L'.capacity", "at least 1"});
  std::string unknown = corridor();
  unknown.replace(unknown.find(R"(stops = ["a", "b"])"), 18, R"(stops = ["a", "x"])");
  expectParts(loadError(unknown), {"unknown stop 'x'", "[[transit.stop]]"});
}

TEST(Stops, AStopPositionOffItsLane) {
  std::string text = corridor();
  text.replace(text.find("position_m = 140"), 16, "position_m = 9000");
  expectParts(loadError(text), {"transit.stop 'a'.position_m", "must lie on the lane"});
}

// ---- line figures -----------------------------------------------------------------------------

TEST(Stops, HeadwayRegularityAndPunctualityFollowTheirDefinitions) {
  Scenario sc;
  TransitLine line;
  line.id = "L";
  line.stops = {0};
  line.scheduleS = {100};
  sc.transit.lines.push_back(line);
  // Four runs departing every 600 s; they reach the stop after 100, 100, 400 and 130 s.
  TransitRecords records;
  const double late[] = {0, 0, 310, 30};
  for (int k = 0; k < 4; ++k) {
    sc.demand.trips.push_back(Trip{"L_" + std::to_string(k), VehicleTypeId(0), 600.0 * k, RouteId(0), 0});
    TransitRunRecord r;
    r.tripIndex = static_cast<std::uint32_t>(k);
    r.stopArriveS = {600.0 * k + 100 + late[k]};
    r.stopDepartS = {600.0 * k + 120 + late[k]};
    r.distanceM = 1000;
    records.runs.push_back(r);
  }
  const LineSummary s = summarizeLines(sc, records, 4000).at(0);
  // Arrivals 100, 700, 1610, 1930: headways 600, 910, 320, mean 610, population variance 174200 / 3.
  EXPECT_NEAR(s.headwayCv, std::sqrt(174200.0 / 3) / 610.0, 1e-9);
  EXPECT_DOUBLE_EQ(s.bunchingShare, 0.0);
  EXPECT_DOUBLE_EQ(s.meanLatenessS, 340.0 / 4);
  EXPECT_DOUBLE_EQ(s.onTimeShare, 0.75);  // more than 5 min late is not on time
  EXPECT_EQ(s.runs, 4u);
}

}  // namespace
}  // namespace traffic
