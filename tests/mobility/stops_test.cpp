// Transit lines in whole runs: vehicles serve their stops in order, dwell as long as boarding and
// alighting take, never carry more than their capacity, and passengers are conserved; in-lane stops
// block their lane and bays do not; late vehicles ask for signal priority. Then the rules on
// hand-built cases: dwell from passenger counts by door and fare rules, boarding while the doors
// are open, holding at timing points, demand profiles, and the per-stop figures.
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
#include "traffic/transit.h"
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

// The viewer's follow panel (World::upcomingStops): a bus lists the rest of its line in order, the
// list only ever loses its first stop, and vehicles without a line or fleet list nothing.
TEST(Stops, UpcomingStopsAreTheRestOfTheLineInOrder) {
  TempDir dir;
  const Scenario sc = load(dir, corridor());
  World world(sc, WorldOptions{1});
  const TransitLine& line = sc.transit.lines[0];
  std::map<std::uint32_t, std::vector<std::string>> last;  // per bus: its previous list
  std::size_t seenBuses = 0, shrinks = 0, cars = 0;
  while (!world.finished()) {
    world.step();
    for (const FrameVehicle& fv : world.frame().vehicles) {
      const std::vector<UpcomingStop> up = world.upcomingStops(fv.id);
      if (fv.vehicleClass != VehicleClass::Bus) {
        EXPECT_TRUE(up.empty()) << "vehicle " << fv.id;
        ++cars;
        continue;
      }
      std::vector<std::string> names;
      for (const UpcomingStop& u : up) {
        EXPECT_EQ(u.kind, UpcomingStop::Kind::TransitStop);
        names.push_back(u.name);
      }
      // A suffix of the line's stops ("a", "b"), where each stop is where the scenario puts it.
      ASSERT_LE(names.size(), line.stops.size());
      for (std::size_t k = 0; k < names.size(); ++k) {
        const TransitStop& stop = sc.transit.stops[line.stops[line.stops.size() - names.size() + k]];
        EXPECT_EQ(names[k], stop.id);
        EXPECT_EQ(up[k].lane, stop.lane);
        EXPECT_DOUBLE_EQ(up[k].positionM, stop.positionM);
      }
      auto [it, fresh] = last.try_emplace(fv.id, names);
      if (fresh) {
        ++seenBuses;
        EXPECT_EQ(names.size(), line.stops.size()) << "a bus enters with its whole line ahead";
      } else if (it->second != names) {
        EXPECT_EQ(names.size() + 1, it->second.size());
        ++shrinks;
        it->second = names;
      }
    }
  }
  EXPECT_GE(seenBuses, 4u);
  EXPECT_GE(shrinks, 2 * seenBuses - 1);  // past a then b (the last bus may still be on its way)
  EXPECT_GT(cars, 0u);
  EXPECT_TRUE(world.upcomingStops(1u << 30).empty());  // no such vehicle
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
  sc.transit.stops.emplace_back().id = "s";
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

// ---- dwell, door and fare rules ---------------------------------------------------------------

TEST(Dwell, DoorChannelsFollowTheManualsAllocationFactors) {
  EXPECT_DOUBLE_EQ(doorChannelFactor(1), 1.0);
  EXPECT_DOUBLE_EQ(doorChannelFactor(2), 0.60);
  EXPECT_DOUBLE_EQ(doorChannelFactor(3), 0.45);
  EXPECT_DOUBLE_EQ(doorChannelFactor(4), 0.37);
  EXPECT_DOUBLE_EQ(doorChannelFactor(6), 0.25);
  EXPECT_DOUBLE_EQ(doorChannelFactor(8), 1.5 / 8);
}

TEST(Dwell, FromTheCountsByDoorsAndFarePayment) {
  TransitLine line;  // door_s 4, boarding 2 s, alighting 1.5 s
  // Fare on board, two doors: boarding at the front while alighting at the rear.
  EXPECT_DOUBLE_EQ(dwellTimeS(line, 3, 5), 4 + 5 * 2.0);
  EXPECT_DOUBLE_EQ(dwellTimeS(line, 10, 2), 4 + 10 * 1.5);
  EXPECT_DOUBLE_EQ(dwellTimeS(line, 0, 0), 4.0);
  // One door: off, then on.
  line.doors = 1;
  EXPECT_DOUBLE_EQ(dwellTimeS(line, 3, 5), 4 + 3 * 1.5 + 5 * 2.0);
  EXPECT_DOUBLE_EQ(boardedAfterS(line, 3, 1), 2 + 3 * 1.5 + 2.0);
  // Three doors, fare on board: alighting through two channels.
  line.doors = 3;
  EXPECT_DOUBLE_EQ(dwellTimeS(line, 10, 2), 4 + 10 * 1.5 * 0.60);
  EXPECT_DOUBLE_EQ(alightedAfterS(line, 10), 2 + 10 * 1.5 * 0.60);
  // Paid off board: both flows through all three doors.
  line.fare = FarePayment::OffBoard;
  EXPECT_DOUBLE_EQ(dwellTimeS(line, 3, 5), 4 + (3 * 1.5 + 5 * 2.0) * 0.45);
}

// The corridor with a line option added, and the stop-a events of each run.
TEST(Dwell, PassengersWhoArriveWhileTheDoorsAreOpenBoardAndNobodyLater) {
  TempDir dir;
  // A schedule far slower than the buses, held to it at stop a: the doors stand open a while.
  const Scenario sc = load(dir, corridor("holding = \"schedule\"\nschedule_slack = 5\n"),
                           {"transit.line.0.passengers_per_hour=400", "transit.line.0.capacity=80"});
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  world.run();
  const TransitRecords records = world.transitRecords();
  std::map<std::uint32_t, const TransitRunRecord*> runOf;
  for (const TransitRunRecord& r : records.runs) runOf[r.tripIndex] = &r;
  std::size_t cameWhileOpen = 0, boarded = 0;
  for (const PassengerRecord& p : records.passengers) {
    if (p.boardS < 0) continue;
    ++boarded;
    const Passenger& spec = sc.transit.passengers[p.index];
    const TransitRunRecord& run = *runOf.at(p.vehicle);
    EXPECT_LE(spec.arriveS, run.stopDepartS[spec.fromStop]) << "boarded a run whose doors had closed";
    EXPECT_LE(p.boardS, run.stopDepartS[spec.fromStop] + 1e-9);
    if (spec.arriveS > run.stopArriveS[spec.fromStop]) ++cameWhileOpen;
  }
  EXPECT_GT(boarded, 100u);
  EXPECT_GT(cameWhileOpen, 10u);
}

// ---- holding at timing points -----------------------------------------------------------------

TEST(Holding, ScheduleHoldingLeavesNoTimingPointEarly) {
  TempDir dir;
  const Scenario free = load(dir, corridor("schedule_slack = 5\n"));
  const Scenario held = load(dir, corridor("holding = \"schedule\"\nschedule_slack = 5\n"));
  const TransitLine& line = held.transit.lines.at(0);
  ASSERT_EQ(line.timingPoint, (std::vector<bool>{true, false}));  // every stop but the last
  auto early = [](const Scenario& sc, bool checkHeld) {
    World world(sc, WorldOptions{.threads = 1});
    world.run();
    std::size_t count = 0;
    for (const TransitRunRecord& r : world.transitRecords().runs) {
      const double scheduled = sc.demand.trips[r.tripIndex].departS + sc.transit.lines[0].scheduleS[0];
      if (r.stopDepartS[0] < scheduled) ++count;
      if (checkHeld && r.stopDepartS[0] >= 0) {
        EXPECT_GE(r.stopDepartS[0], scheduled - 1e-9) << "run " << r.tripIndex;
      }
    }
    return count;
  };
  EXPECT_GE(early(free, false), 3u);  // a slow schedule: unheld runs leave early
  EXPECT_EQ(early(held, true), 0u);
}

TEST(Holding, HeadwayHoldingKeepsTheShareOfTheHeadwayBehindTheRunAhead) {
  TempDir dir;
  // Signals scatter the runs' arrivals at stop a around the 240 s headway; held with a ratio of
  // 1, no run leaves a less than 240 s after the run ahead.
  auto gaps = [&](const std::string& option) {
    const Scenario sc = load(dir, corridor(option));
    World world(sc, WorldOptions{.threads = 1, .validate = true});
    world.run();
    std::vector<double> out;
    const auto& runs = world.transitRecords().runs;
    for (std::size_t k = 1; k < runs.size(); ++k)
      if (runs[k].stopDepartS[0] >= 0) out.push_back(runs[k].stopDepartS[0] - runs[k - 1].stopDepartS[0]);
    return out;
  };
  const std::vector<double> free = gaps("");
  const std::vector<double> held = gaps("holding = \"headway\"\nholding_headway_ratio = 1\ntiming_points = [\"a\"]\n");
  ASSERT_GE(held.size(), 3u);
  EXPECT_LT(*std::min_element(free.begin(), free.end()), 240 - 1.0);  // without holding some leave closer
  for (double gap : held) EXPECT_GE(gap, 240 - 1e-9);
}

TEST(Holding, BadOptionsAreRefusedWithTheFix) {
  expectParts(loadError(corridor("holding = \"sometimes\"\n")),
              {"transit.line 'L'.holding", "unknown holding 'sometimes'", "\"headway\""});
  expectParts(loadError(corridor("holding = \"headway\"\ntiming_points = [\"z\"]\n")),
              {"transit.line 'L'.timing_points", "'z' is not a stop of line 'L'"});
  expectParts(loadError(corridor("timing_points = [\"a\"]\n")), {"timing_points", "has no effect without holding"});
  expectParts(loadError(corridor("holding = \"headway\"\nholding_headway_ratio = 1.5\n")),
              {"holding_headway_ratio", "at most 1"});
  expectParts(loadError(corridor("fare = \"cash\"\n")), {"transit.line 'L'.fare", "unknown fare payment 'cash'"});
  expectParts(loadError(corridor("doors = 0\n")), {"transit.line 'L'.doors"});
}

// ---- passenger demand over time ---------------------------------------------------------------

TEST(PassengerDemand, AProfileScalesTheRateIntervalByInterval) {
  Transit t;
  TransitLine l;
  l.id = "L";
  t.lines.push_back(l);
  // Nobody for 10 min, then three times the rate for 20 min, then the base rate for 30 min.
  expandPassengers(t, 0, 0, 1, 600, {{0, 0}, {600, 3}, {1800, 1}, {3600, 0}}, 7);
  std::size_t first = 0, peak = 0, after = 0;
  for (const Passenger& p : t.passengers) (p.arriveS < 600 ? first : p.arriveS < 1800 ? peak : after) += 1;
  EXPECT_EQ(first, 0u);
  // Expected 600 and 300; Poisson standard deviations about 24 and 17.
  EXPECT_NEAR(static_cast<double>(peak), 600, 100);
  EXPECT_NEAR(static_cast<double>(after), 300, 75);
  EXPECT_TRUE(std::is_sorted(t.passengers.begin(), t.passengers.end(),
                             [](const Passenger& a, const Passenger& b) { return a.arriveS < b.arriveS; }));
  EXPECT_LT(t.passengers.back().arriveS, 3600);
  // One interval of factor 1 draws exactly what the constant-rate expansion draws.
  Transit a = t, b = t;
  a.passengers.clear();
  b.passengers.clear();
  expandPassengers(a, 0, 0, 1, 90, 100, 2000, 7);
  expandPassengers(b, 0, 0, 1, 90, {{100, 1}, {2000, 0}}, 7);
  ASSERT_EQ(a.passengers.size(), b.passengers.size());
  for (std::size_t i = 0; i < a.passengers.size(); ++i) EXPECT_EQ(a.passengers[i].arriveS, b.passengers[i].arriveS);
}

TEST(PassengerDemand, LineAndPairRatesTakeAProfile) {
  TempDir dir;
  const Scenario sc = load(dir, corridor("demand_profile = [[0, 0], [600, 1], [900, 0]]\n"));
  ASSERT_FALSE(sc.transit.passengers.empty());
  for (const Passenger& p : sc.transit.passengers) {
    EXPECT_GE(p.arriveS, 600);
    EXPECT_LT(p.arriveS, 900);
  }
  expectParts(loadError(corridor("demand_profile = [[0, 0], [600, 0]]\n")), {"demand_profile", "all factors are zero"});
  expectParts(loadError(corridor("demand_profile = [[600, 1], [0, 0]]\n")), {"demand_profile", "times must increase"});
  const std::string pair = corridor() + R"(
[[transit.demand]]
line = "L"
from = "a"
to = "b"
per_hour = 360
profile = [[300, 1], [400, 0]]
)";
  const Scenario withPair = load(dir, pair);
  const auto inWindow = std::count_if(withPair.transit.passengers.begin(), withPair.transit.passengers.end(),
                                      [](const Passenger& p) { return p.arriveS >= 300 && p.arriveS < 400; });
  EXPECT_GT(static_cast<std::size_t>(inWindow), 0u);
  expectParts(loadError(pair + "begin_s = 10\n"), {"give either profile or begin_s/end_s"});
}

// ---- per-stop figures -------------------------------------------------------------------------

TEST(Stops, LoadProfileWaitsAndBunchingPerStop) {
  Scenario sc;
  for (const char* id : {"s0", "s1", "s2"}) sc.transit.stops.emplace_back().id = id;
  TransitLine line;
  line.id = "L";
  line.stops = {0, 1, 2};
  line.scheduleS = {0, 100, 200};
  sc.transit.lines.push_back(line);
  // Three runs 600 s apart by the timetable; the third catches up with the second at s1 and s2.
  TransitRecords records;
  const double arrive[3][3] = {{0, 100, 200}, {600, 700, 800}, {1200, 900, 990}};
  for (std::uint32_t k = 0; k < 3; ++k) {
    sc.demand.trips.push_back(Trip{"L_" + std::to_string(k), VehicleTypeId(0), 600.0 * k, RouteId(0), 0});
    TransitRunRecord r;
    r.tripIndex = k;
    for (int j = 0; j < 3; ++j) {
      r.stopArriveS.push_back(arrive[k][j]);
      r.stopDepartS.push_back(arrive[k][j] + 10);
    }
    records.runs.push_back(r);
  }
  // Run 0 carries two from s0 to s2 and one from s1 to s2; run 1 one from s0 to s1; one still waits at s1.
  auto passenger = [&](std::uint16_t from, std::uint16_t to, double arriveS, double boardS, double alightS, std::uint32_t vehicle) {
    sc.transit.passengers.push_back(Passenger{0, from, to, arriveS});
    records.passengers.push_back(
        PassengerRecord{static_cast<std::uint32_t>(records.passengers.size()), boardS, alightS, vehicle});
  };
  passenger(0, 2, -40, 2, 202, 0);
  passenger(0, 2, -20, 4, 204, 0);
  passenger(1, 2, 40, 102, 202, 0);
  passenger(0, 1, 500, 602, 702, 1);
  passenger(1, 2, 1000, -1, -1, UINT32_MAX);
  const LineSummary s = summarizeLines(sc, records, 2000).at(0);
  ASSERT_EQ(s.stops.size(), 3u);
  EXPECT_EQ(s.stops[0].boardings, 3u);
  EXPECT_EQ(s.stops[1].boardings, 1u);
  EXPECT_EQ(s.stops[1].alightings, 1u);
  EXPECT_EQ(s.stops[2].alightings, 3u);
  // Loads leaving s0: 2, 1, 0; leaving s1: 3, 0, 0; leaving s2: nobody.
  EXPECT_DOUBLE_EQ(s.stops[0].meanLoad, 1.0);
  EXPECT_EQ(s.stops[0].maxLoad, 2u);
  EXPECT_DOUBLE_EQ(s.stops[1].meanLoad, 1.0);
  EXPECT_EQ(s.stops[1].maxLoad, 3u);
  EXPECT_DOUBLE_EQ(s.stops[2].meanLoad, 0.0);
  EXPECT_DOUBLE_EQ(s.stops[0].meanWaitS, (42 + 24 + 102) / 3.0);
  EXPECT_DOUBLE_EQ(s.stops[0].maxWaitS, 102);
  EXPECT_EQ(s.stops[1].leftWaiting, 1u);
  // Headways at s0: 600, 600; at s1: 600, 200 (bunched: under half of 600); at s2: 600, 190.
  EXPECT_DOUBLE_EQ(s.stops[0].headwayCv, 0.0);
  EXPECT_DOUBLE_EQ(s.stops[0].bunchingShare, 0.0);
  EXPECT_DOUBLE_EQ(s.stops[1].bunchingShare, 0.5);
  EXPECT_NEAR(s.stops[1].headwayCv, 200.0 / 400.0, 1e-12);
  EXPECT_DOUBLE_EQ(s.bunchingShare, 2.0 / 6.0);
}

}  // namespace
}  // namespace traffic
