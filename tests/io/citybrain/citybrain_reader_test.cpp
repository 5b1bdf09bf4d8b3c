// The City Brain Challenge reader (issue 15) on small files written for the project
// (tests/data/citybrain/): what each part of the roadnet maps to, the challenge's phases, the flow
// window, and errors that name the file, the line and the entity.
#include "traffic/loaders/citybrain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "common/temp_dir.h"
#include "common/text.h"
#include "traffic/errors.h"

namespace traffic {
namespace {

using traffic::testing::TempDir;

const std::filesystem::path kData = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "tests/data/citybrain";

using traffic::testing::contains;

RoadId road(const RoadNetwork& net, const std::string& name) {
  const auto id = net.findRoad(name);
  EXPECT_TRUE(id.has_value()) << name;
  return id.value_or(RoadId{});
}

const Movement* movement(const RoadNetwork& net, const std::string& from, const std::string& to) {
  const auto m = net.movementBetween(road(net, from), road(net, to));
  return m ? &net.movement(*m) : nullptr;
}

// The lanes a movement's connectors leave from and arrive on, as (from, to) index pairs.
std::vector<std::pair<int, int>> lanePairs(const RoadNetwork& net, const Movement& m) {
  std::vector<std::pair<int, int>> out;
  for (ConnectorId c : m.connectors)
    out.emplace_back(net.lane(net.connector(c).from).indexInRoad, net.lane(net.connector(c).to).indexInRoad);
  return out;
}

TEST(CitybrainRoadnet, IntersectionsRoadsAndLanes) {
  const RoadNetwork net = loadCitybrainRoadnet(kData / "roadnet_plus.txt");
  EXPECT_EQ(net.junctions().size(), 7u);
  EXPECT_EQ(net.roads().size(), 12u);  // two directions per segment
  // Intersections with one road segment are where vehicles enter and leave.
  for (const char* name : {"101", "102", "103", "104", "200", "201"}) {
    const Junction& j = net.junction(*net.findJunction(name));
    EXPECT_EQ(j.boundary, std::string(name) != "102") << name;
  }
  EXPECT_FALSE(net.junction(*net.findJunction("100")).boundary);
  // Direction 1 runs from_inter -> to_inter, direction 2 back.
  const Road& r1 = net.road(road(net, "1"));
  const Road& r2 = net.road(road(net, "2"));
  EXPECT_EQ(net.junction(r1.from).name, "100");
  EXPECT_EQ(net.junction(r1.to).name, "101");
  EXPECT_EQ(net.junction(r2.from).name, "101");
  EXPECT_EQ(r1.lanes.size(), 3u);
  EXPECT_EQ(net.road(road(net, "9")).lanes.size(), 2u);
  EXPECT_DOUBLE_EQ(net.lane(r1.lanes[0]).speedLimitMps, 13.9);
  // The stated length is between intersection centres: the junction box at 100 (3 lanes of 3.5 m)
  // takes its share; a boundary junction has no box.
  EXPECT_DOUBLE_EQ(net.junction(*net.findJunction("100")).widthM, 10.5);
  EXPECT_DOUBLE_EQ(r1.lengthM, 200 - 10.5);
  // North is up: 101 lies north of 100, 102 east of it.
  const Vec2 c = net.junction(*net.findJunction("100")).position;
  const Vec2 n = net.junction(*net.findJunction("101")).position;
  const Vec2 e = net.junction(*net.findJunction("102")).position;
  EXPECT_NEAR(n.y - c.y, 200, 1);
  EXPECT_NEAR(n.x - c.x, 0, 1e-6);
  EXPECT_NEAR(e.x - c.x, 202, 1);
}

TEST(CitybrainRoadnet, TurnsFollowTheSignalTableAndTheLaneMasks) {
  const RoadNetwork net = loadCitybrainRoadnet(kData / "roadnet_plus.txt");
  // From the north (road 2, heading south): left is east (3), straight is south (5), right is west (7).
  ASSERT_NE(movement(net, "2", "3"), nullptr);
  EXPECT_EQ(movement(net, "2", "3")->turn, TurnType::Left);
  EXPECT_EQ(movement(net, "2", "5")->turn, TurnType::Straight);
  EXPECT_EQ(movement(net, "2", "7")->turn, TurnType::Right);
  EXPECT_EQ(movement(net, "2", "1"), nullptr) << "no U-turns";
  // Mask 100 / 010 / 001: the left turn from the inner lane onto the inner lane, straight on lane
  // by lane, the right turn from the kerb lane onto the kerb lane.
  EXPECT_EQ(lanePairs(net, *movement(net, "2", "3")), (std::vector<std::pair<int, int>>{{0, 0}}));
  EXPECT_EQ(lanePairs(net, *movement(net, "2", "5")), (std::vector<std::pair<int, int>>{{1, 1}}));
  EXPECT_EQ(lanePairs(net, *movement(net, "2", "7")), (std::vector<std::pair<int, int>>{{2, 2}}));
  // At the unsignalised T (102) turns follow the angle between the roads.
  EXPECT_EQ(movement(net, "3", "9")->turn, TurnType::Straight);
  EXPECT_EQ(movement(net, "3", "11")->turn, TurnType::Left);
  EXPECT_EQ(movement(net, "10", "11")->turn, TurnType::Right);
  EXPECT_EQ(movement(net, "12", "9")->turn, TurnType::Left);
  EXPECT_EQ(movement(net, "12", "4")->turn, TurnType::Right);
  // Road 10 (mask 110 / 111): straight on from both lanes, right turn from lane 1 only.
  EXPECT_EQ(lanePairs(net, *movement(net, "10", "4")), (std::vector<std::pair<int, int>>{{0, 0}, {1, 1}}));
  EXPECT_EQ(lanePairs(net, *movement(net, "10", "11")), (std::vector<std::pair<int, int>>{{1, 1}}));
  // Road 12 (mask 110 / 011): its left turn leaves from lane 0 only; and road 9 into the boundary
  // junction 200 has no movement at all.
  EXPECT_EQ(lanePairs(net, *movement(net, "12", "9")), (std::vector<std::pair<int, int>>{{0, 0}}));
  EXPECT_TRUE(net.road(road(net, "9")).movementsOut.empty());
  EXPECT_FALSE(net.junction(*net.findJunction("102")).program.has_value());
}

TEST(CitybrainRoadnet, TheChallengesEightPhasesWithRightTurnsAlwaysGreen) {
  const RoadNetwork net = loadCitybrainRoadnet(kData / "roadnet_plus.txt");
  const Junction& j = net.junction(*net.findJunction("100"));
  ASSERT_TRUE(j.program.has_value());
  ASSERT_EQ(j.program->phases.size(), 8u);
  auto id = [&](const char* from, const char* to) { return *net.movementBetween(road(net, from), road(net, to)); };
  // Incoming roads: north 2, east 4, south 6, west 8; outgoing north 1, east 3, south 5, west 7.
  const std::vector<MovementId> rights{id("2", "7"), id("4", "1"), id("6", "3"), id("8", "5")};
  const std::vector<std::vector<MovementId>> expected{
      {id("2", "3"), id("6", "7")},  // 1: north and south left turns
      {id("2", "5"), id("6", "1")},  // 2: north and south through
      {id("4", "5"), id("8", "1")},  // 3: east and west left turns
      {id("4", "7"), id("8", "3")},  // 4: east and west through
      {id("2", "3"), id("2", "5")},  // 5: north
      {id("4", "5"), id("4", "7")},  // 6: east
      {id("6", "7"), id("6", "1")},  // 7: south
      {id("8", "1"), id("8", "3")},  // 8: west
  };
  for (std::size_t p = 0; p < 8; ++p) {
    std::vector<MovementId> want = expected[p];
    want.insert(want.end(), rights.begin(), rights.end());
    std::vector<MovementId> got = j.program->phases[p].green;
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, want) << "phase " << p + 1;
    // The starter kit's fixed-time agent: 20 s per phase, the first 5 of them all-red.
    EXPECT_DOUBLE_EQ(j.program->phases[p].durationS, 15);
  }
  const SignalTiming t = citybrainSignalTiming();
  EXPECT_DOUBLE_EQ(t.yellowS, 0);
  EXPECT_DOUBLE_EQ(t.allRedS, 5);
}

TEST(CitybrainRoadnet, AThreeLegIntersectionKeepsThePhasesThatServeSomething) {
  TempDir dir;
  // The plus without its west arm: phase 8 (west) would serve nothing but right turns, which are
  // then still green; phases that would serve nothing at all do not exist here.
  const auto file = dir.write("t.txt",
                              "4\n30 120 0 1\n30.0018 120 1 0\n30 120.0021 2 0\n29.9982 120 3 0\n"
                              "3\n0 1 200 10 3 3 1 2\n1 0 0 0 1 0 0 0 1\n1 0 0 0 1 0 0 0 1\n"
                              "0 2 200 10 3 3 3 4\n1 0 0 0 1 0 0 0 1\n1 0 0 0 1 0 0 0 1\n"
                              "0 3 200 10 3 3 5 6\n1 0 0 0 1 0 0 0 1\n1 0 0 0 1 0 0 0 1\n"
                              "1\n0 1 3 5 -1\n");
  const RoadNetwork net = loadCitybrainRoadnet(file);
  const Junction& j = net.junction(*net.findJunction("0"));
  ASSERT_TRUE(j.program.has_value());
  EXPECT_EQ(j.program->phases.size(), 8u);
  // Phase 8 (west) holds only the right turns.
  for (MovementId m : j.program->phases[7].green) EXPECT_EQ(net.movement(m).turn, TurnType::Right);
}

TEST(CitybrainFlows, HalfOpenWindowsOneTypeExplicitRoutes) {
  const RoadNetwork net = loadCitybrainRoadnet(kData / "roadnet_plus.txt");
  std::vector<VehicleType> types;
  Demand demand;
  loadCitybrainFlows(kData / "flow_plus.txt", net, types, demand);
  // 0..100 every 10 s: 10; 0..60 every 20 s: 3; 10..10: none; 0..300 every 30 s: 10.
  EXPECT_EQ(demand.trips.size(), 23u);
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0].name, "citybrain");
  EXPECT_GE(types[0].maxSpeedMps, 13.9);
  EXPECT_TRUE(std::is_sorted(demand.trips.begin(), demand.trips.end(),
                             [](const Trip& a, const Trip& b) { return a.departS < b.departS; }));
  double lastOfFlow0 = -1;
  std::size_t flow1 = 0;
  for (const Trip& t : demand.trips) {
    if (t.id.rfind("flow_0_", 0) == 0) lastOfFlow0 = std::max(lastOfFlow0, t.departS);
    if (t.id.rfind("flow_1_", 0) == 0) ++flow1;
    EXPECT_NE(t.id.rfind("flow_2_", 0), 0u) << "a flow with start == end makes no vehicle";
  }
  EXPECT_DOUBLE_EQ(lastOfFlow0, 90);  // 100 itself is outside the window
  EXPECT_EQ(flow1, 3u);
  const auto flow3 = std::find_if(demand.trips.begin(), demand.trips.end(), [](const Trip& t) { return t.id == "flow_3_0"; });
  ASSERT_NE(flow3, demand.trips.end());
  const auto route = demand.routes.route(flow3->route);
  ASSERT_EQ(route.size(), 3u);
  EXPECT_EQ(net.road(route[2]).name, "9");
  // A second flow file reuses the type.
  loadCitybrainFlows(kData / "flow_plus.txt", net, types, demand);
  EXPECT_EQ(types.size(), 1u);
  EXPECT_EQ(demand.trips.size(), 46u);
}

// ---- errors: the file, the line, the entity --------------------------------------------------

LoadError roadnetError(const std::string& text) {
  TempDir dir;
  const auto file = dir.write("bad_roadnet.txt", text);
  try {
    loadCitybrainRoadnet(file);
  } catch (const LoadError& e) {
    EXPECT_TRUE(contains(e.what(), "bad_roadnet.txt")) << e.what();
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return LoadError("", "", "");
}

const std::string kTwo = "2\n30 120 0 1\n30.001 120 1 0\n";
const std::string kSegment = "1\n0 1 100 10 1 1 1 2\n0 1 0\n0 1 0\n";

TEST(CitybrainErrors, NameTheLineAndTheEntity) {
  // A valid base first.
  {
    TempDir dir;
    EXPECT_NO_THROW(loadCitybrainRoadnet(dir.write("ok.txt", kTwo + kSegment + "0\n")));
  }
  LoadError e = roadnetError(kTwo + "1\n0 7 100 10 1 1 1 2\n0 1 0\n0 1 0\n0\n");
  EXPECT_EQ(e.line(), 5);
  EXPECT_TRUE(contains(e.what(), "road segment 1/2")) << e.what();
  EXPECT_TRUE(contains(e.what(), "'7' is not an intersection")) << e.what();

  e = roadnetError(kTwo + "1\n0 1 100 10 1 1 1 2\n0 1 0\n0 2 0\n0\n");
  EXPECT_TRUE(contains(e.what(), "road 2: lane 0: movement flags must be 0 or 1")) << e.what();
  EXPECT_EQ(e.line(), 7);

  e = roadnetError(kTwo + "1\n0 1 100 10 1 1 1 2\n0 1 0\n");
  EXPECT_TRUE(contains(e.what(), "the file ends where")) << e.what();

  e = roadnetError(kTwo + "1\n0 1 -5 10 1 1 1 2\n0 1 0\n0 1 0\n0\n");
  EXPECT_TRUE(contains(e.what(), "length must be > 0")) << e.what();

  e = roadnetError(kTwo + "1\n0 1 100 10 1 1 1 1\n0 1 0\n0 1 0\n0\n");
  EXPECT_TRUE(contains(e.what(), "both directions have road id '1'")) << e.what();

  e = roadnetError("2\n30 120 0 1\n30.001 120 0 0\n0\n0\n");
  EXPECT_TRUE(contains(e.what(), "intersection 0: duplicate intersection id")) << e.what();
  EXPECT_EQ(e.line(), 3);

  e = roadnetError("2\n30 abc 0 1\n30.001 120 1 0\n0\n0\n");
  EXPECT_TRUE(contains(e.what(), "expected the longitude (a number), found 'abc'")) << e.what();
  EXPECT_EQ(e.line(), 2);

  e = roadnetError("999999999\n30 120 0 1\n");
  EXPECT_TRUE(contains(e.what(), "the number of intersections is 999999999 but the rest of the file holds only 4"))
      << e.what();

  // Signal table: the approaches are roads leaving the intersection.
  e = roadnetError(kTwo + kSegment + "1\n0 2 -1 -1 -1\n");
  EXPECT_TRUE(contains(e.what(), "signal of intersection 0: north approach: road '2' does not leave this intersection"))
      << e.what();
  EXPECT_EQ(e.line(), 9);
  e = roadnetError(kTwo + kSegment + "1\n0 9 -1 -1 -1\n");
  EXPECT_TRUE(contains(e.what(), "road '9' is not a road of the map")) << e.what();
  e = roadnetError(kTwo + kSegment + "1\n5 1 -1 -1 -1\n");
  EXPECT_TRUE(contains(e.what(), "'5' is not an intersection of the map")) << e.what();
  e = roadnetError(kTwo + kSegment + "0\n7\n");
  EXPECT_TRUE(contains(e.what(), "unexpected text after the signal table")) << e.what();
}

LoadError flowError(const std::string& text) {
  const RoadNetwork net = loadCitybrainRoadnet(kData / "roadnet_plus.txt");
  TempDir dir;
  const auto file = dir.write("bad_flow.txt", text);
  std::vector<VehicleType> types;
  Demand demand;
  try {
    loadCitybrainFlows(file, net, types, demand);
  } catch (const LoadError& e) {
    EXPECT_TRUE(contains(e.what(), "bad_flow.txt")) << e.what();
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return LoadError("", "", "");
}

TEST(CitybrainErrors, FlowsNameTheFlowAndTheRoad) {
  LoadError e = flowError("1\n0 100 10\n2\n2 99\n");
  EXPECT_TRUE(contains(e.what(), "flow 0: route names road '99', which is not in the map")) << e.what();
  EXPECT_EQ(e.line(), 4);
  e = flowError("1\n0 100 10\n2\n2 1\n");
  EXPECT_TRUE(contains(e.what(), "roads '2' and '1' are not joined")) << e.what();
  e = flowError("2\n0 10 5\n2\n2 5\n50 10 5\n2\n2 5\n");
  EXPECT_TRUE(contains(e.what(), "flow 1: the end time must be >= the start time")) << e.what();
  EXPECT_EQ(e.line(), 5);
  e = flowError("1\n0 100 0\n2\n2 5\n");
  EXPECT_TRUE(contains(e.what(), "the vehicle interval must be > 0")) << e.what();
  e = flowError("1\n0 100 10\n3\n2 5\n");
  EXPECT_TRUE(contains(e.what(), "the route is said to have 3 roads")) << e.what();
  e = flowError("1\n0 100 10\n2\n2 5\n7\n");
  EXPECT_TRUE(contains(e.what(), "unexpected text after flow 0")) << e.what();
  // The trip cap is checked before the flow's vehicles are made.
  {
    const RoadNetwork net = loadCitybrainRoadnet(kData / "roadnet_plus.txt");
    TempDir dir;
    std::vector<VehicleType> types;
    Demand demand;
    ResourceLimits limits;
    limits.maxTrips = 5;
    try {
      loadCitybrainFlows(dir.write("many.txt", "1\n0 100 10\n2\n2 5\n"), net, types, demand, limits);
      ADD_FAILURE() << "no error past max_trips";
    } catch (const LoadError& err) {
      EXPECT_TRUE(contains(err.what(), "limits.max_trips")) << err.what();
      EXPECT_TRUE(demand.trips.empty());
    }
  }
}

// Issue 14: the engine keeps a vehicle's place on its route in 16 bits, so a route of more than
// kMaxRouteRoads roads is refused by the count on its line, before its roads are read.
TEST(CitybrainErrors, ARouteLongerThanTheEngineDrivesIsRefused) {
  std::string text = "1\n0 100 10\n" + std::to_string(kMaxRouteRoads + 1) + "\n";
  for (std::size_t i = 0; i < kMaxRouteRoads + 1; ++i) text += "2 ";
  text += "\n";
  const LoadError e = flowError(text);
  EXPECT_TRUE(contains(e.what(), "flow 0: the route has 65,536 roads; trafficsim drives routes of at most 65,535 roads"))
      << e.what();
  EXPECT_TRUE(contains(e.what(), "split the trip")) << e.what();
  EXPECT_EQ(e.line(), 3);
}

TEST(CitybrainErrors, OnlyRegularFilesWithinTheCap) {
  EXPECT_THROW(loadCitybrainRoadnet("/dev/zero"), LoadError);
  ResourceLimits tiny;
  tiny.maxInputMb = 0;
  EXPECT_THROW(loadCitybrainRoadnet(kData / "roadnet_plus.txt", tiny), LoadError);
}

TEST(CitybrainConfigFile, ReadsTheFilesAndTheWindow) {
  TempDir dir;
  dir.write("roadnet.txt", "x");
  dir.write("flow.txt", "x");
  // The challenge's configurations name paths inside its Docker image; the file of the same name
  // beside the configuration is used when the path as written does not exist.
  const auto cfg = dir.write("sim.cfg",
                             "#configuration for simulator\n\nstart_time_epoch = 0\nmax_time_epoch = 1200\n"
                             "road_file_addr : /starter-kit/data/roadnet.txt\nvehicle_file_addr : ./flow.txt\n"
                             "report_log_mode : normal\nreport_log_rate = 10\n");
  const CitybrainConfig c = readCitybrainConfig(cfg);
  EXPECT_EQ(c.roadnetFile, dir.path() / "roadnet.txt");
  EXPECT_EQ(c.flowFile, dir.path() / "flow.txt");
  EXPECT_DOUBLE_EQ(c.endS, 1200);
  EXPECT_TRUE(isCitybrainConfig("a/simulator.cfg"));
  EXPECT_FALSE(isCitybrainConfig("a/simulator.toml"));

  try {
    readCitybrainConfig(dir.write("no_road.cfg", "vehicle_file_addr : flow.txt\n"));
    ADD_FAILURE() << "no error without road_file_addr";
  } catch (const LoadError& e) {
    EXPECT_TRUE(contains(e.what(), "no_road.cfg: road_file_addr: missing")) << e.what();
  }
  try {
    readCitybrainConfig(dir.write("late.cfg", "road_file_addr : r.txt\nvehicle_file_addr : f.txt\nstart_time_epoch = 60\n"));
    ADD_FAILURE() << "no error for a start time";
  } catch (const LoadError& e) {
    EXPECT_TRUE(contains(e.what(), "start_time_epoch")) << e.what();
  }
  try {
    readCitybrainConfig(dir.write("junk.cfg", "road_file_addr : r.txt\nthis is not a setting\n"));
    ADD_FAILURE() << "no error for a line without a separator";
  } catch (const LoadError& e) {
    EXPECT_EQ(e.line(), 2);
  }
}

}  // namespace
}  // namespace traffic
