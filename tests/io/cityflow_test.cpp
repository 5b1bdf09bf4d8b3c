#include "traffic/loaders/cityflow.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <unistd.h>

#include "io/cityflow/cityflow_json.h"
#include "traffic/errors.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string mapPath(const std::string& rel) { return std::string(TRAFFIC_SOURCE_DIR) + "/maps/" + rel; }

// ---- the shipped datasets --------------------------------------------------------------------

TEST(CityflowData, HangzhouRoadnet) {
  const RoadNetwork net = loadCityflowRoadnet(mapPath("hangzhou_4x4/roadnet_4_4.json"));
  std::size_t signalised = 0, boundary = 0;
  for (const Junction& j : net.junctions()) {
    if (j.boundary) {
      ++boundary;
      EXPECT_FALSE(j.program.has_value());
      EXPECT_DOUBLE_EQ(j.widthM, 0);
      continue;
    }
    ASSERT_TRUE(j.program.has_value()) << j.name;
    ++signalised;
    EXPECT_EQ(j.movements.size(), 12u);
    // Nine CityFlow phases minus the all-right-turn clearance phase.
    ASSERT_EQ(j.program->phases.size(), 8u) << j.name;
    for (const SignalPhase& p : j.program->phases) {
      EXPECT_DOUBLE_EQ(p.durationS, 30);
      bool nonRight = false;
      for (MovementId m : p.green) nonRight = nonRight || net.movement(m).turn != TurnType::Right;
      EXPECT_TRUE(nonRight);
    }
  }
  EXPECT_EQ(signalised, 16u);
  EXPECT_EQ(boundary, 16u);
  EXPECT_EQ(net.roads().size(), 80u);
  EXPECT_EQ(net.lanes().size(), 240u);
  // 800 m and 600 m blocks, trimmed by the 15 m boxes of signalised junctions only.
  const std::set<double> lengths{570, 585, 770, 785};
  for (const Road& r : net.roads()) EXPECT_TRUE(lengths.contains(r.lengthM)) << r.name << " " << r.lengthM;
  for (const Lane& l : net.lanes()) {
    EXPECT_DOUBLE_EQ(l.widthM, 4);
    EXPECT_DOUBLE_EQ(l.speedLimitMps, 11.111);
  }
  // Connector shapes come from the laneLinks and start where the lane ends.
  for (const Connector& c : net.connectors()) {
    EXPECT_EQ(c.shape.points.size(), 11u);
    EXPECT_LT(length(c.shape.points.front() - net.lane(c.from).shape.points.back()), 1e-6);
    EXPECT_LT(length(c.shape.points.back() - net.lane(c.to).shape.points.front()), 1e-6);
  }
  const auto mv = net.movementBetween(*net.findRoad("road_0_1_0"), *net.findRoad("road_1_1_0"));
  ASSERT_TRUE(mv.has_value());
  EXPECT_EQ(net.movement(*mv).turn, TurnType::Straight);
}

TEST(CityflowData, HangzhouFlows) {
  const RoadNetwork net = loadCityflowRoadnet(mapPath("hangzhou_4x4/roadnet_4_4.json"));
  std::vector<VehicleType> types;
  Demand demand;
  loadCityflowFlows(mapPath("hangzhou_4x4/anon_4_4_hangzhou_real.json"), net, types, demand);
  EXPECT_EQ(demand.trips.size(), 2983u);
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0].name, "cityflow");
  EXPECT_DOUBLE_EQ(types[0].lengthM, 5);
  EXPECT_DOUBLE_EQ(types[0].accelMps2, 2);
  EXPECT_DOUBLE_EQ(types[0].comfortDecelMps2, 4.5);
  EXPECT_DOUBLE_EQ(types[0].maxDecelMps2, 4.5);
  EXPECT_DOUBLE_EQ(types[0].headwayS, 2);
  // CityFlow's own car-following rule, so that a lane discharges as in CityFlow (docs/validation.md).
  EXPECT_EQ(types[0].carFollowing, CarFollowingModel::Cityflow);
  EXPECT_DOUBLE_EQ(types[0].minGapM, 2.5);
  EXPECT_DOUBLE_EQ(types[0].maxSpeedMps, 11.111);
  EXPECT_LT(demand.routes.size(), demand.trips.size());  // identical routes are shared
  for (std::size_t k = 1; k < demand.trips.size(); ++k)
    EXPECT_LE(demand.trips[k - 1].departS, demand.trips[k].departS);
  EXPECT_DOUBLE_EQ(demand.trips.front().departS, 0);
  EXPECT_DOUBLE_EQ(demand.trips.back().departS, 3599);
  for (const Trip& t : demand.trips) EXPECT_FALSE(firstDisconnected(net, demand.routes.route(t.route)).has_value());

  // A second file with the same vehicle reuses the type.
  loadCityflowFlows(mapPath("hangzhou_4x4/anon_4_4_hangzhou_real_5816.json"), net, types, demand);
  EXPECT_EQ(types.size(), 1u);
  EXPECT_EQ(demand.trips.size(), 2983u + 6984u);
}

TEST(CityflowData, JinanAndNewYorkLoad) {
  const RoadNetwork jinan = loadCityflowRoadnet(mapPath("jinan_3x4/roadnet_3_4.json"));
  EXPECT_EQ(jinan.junctions().size(), 26u);
  EXPECT_EQ(jinan.roads().size(), 62u);
  EXPECT_EQ(jinan.lanes().size(), 186u);
  std::vector<VehicleType> types;
  Demand demand;
  loadCityflowFlows(mapPath("jinan_3x4/anon_3_4_jinan_real.json"), jinan, types, demand);
  EXPECT_EQ(demand.trips.size(), 6295u);

  const RoadNetwork ny = loadCityflowRoadnet(mapPath("newyork_16x3/roadnet_16_3.json"));
  EXPECT_EQ(ny.junctions().size(), 86u);
  EXPECT_EQ(ny.roads().size(), 230u);
  EXPECT_EQ(ny.lanes().size(), 690u);
  std::size_t signalised = 0;
  for (const Junction& j : ny.junctions()) signalised += j.program.has_value();
  EXPECT_EQ(signalised, 48u);
  std::vector<VehicleType> nyTypes;
  Demand nyDemand;
  loadCityflowFlows(mapPath("newyork_16x3/anon_16_3_newyork_real.json"), ny, nyTypes, nyDemand);
  EXPECT_EQ(nyDemand.trips.size(), 2824u);
}

// ---- small files written by the tests ----------------------------------------------------------

json lanes() { return json::array({{{"width", 4}, {"maxSpeed", 11}}, {{"width", 4}, {"maxSpeed", 11}}}); }

json intersection(const std::string& id, double x, double width, bool isVirtual) {
  return {{"id", id},
          {"point", {{"x", x}, {"y", 0}}},
          {"width", width},
          {"virtual", isVirtual},
          {"roads", json::array()},
          {"roadLinks", json::array()},
          {"trafficLight", {{"roadLinkIndices", json::array()}, {"lightphases", json::array()}}}};
}

// w --in--> m --out--> e, with one signalised junction m and a clearance phase to drop.
json smallRoadnet() {
  json m = intersection("m", 100, 10, false);
  m["roadLinks"] = json::array({{{"type", "go_straight"},
                                 {"startRoad", "in"},
                                 {"endRoad", "out"},
                                 {"direction", 0},
                                 {"laneLinks", json::array({{{"startLaneIndex", 0}, {"endLaneIndex", 0}, {"points", json::array()}},
                                                            {{"startLaneIndex", 1}, {"endLaneIndex", 1}}})}}});
  m["trafficLight"] = {{"roadLinkIndices", {0}},
                       {"lightphases", json::array({{{"time", 5}, {"availableRoadLinks", json::array()}},
                                                    {{"time", 30}, {"availableRoadLinks", {0}}}})}};
  json road_in = {{"id", "in"},
                  {"points", json::array({{{"x", 0}, {"y", 0}}, {{"x", 100}, {"y", 0}}})},
                  {"lanes", lanes()},
                  {"startIntersection", "w"},
                  {"endIntersection", "m"}};
  json road_out = {{"id", "out"},
                   {"points", json::array({{{"x", 100}, {"y", 0}}, {{"x", 200}, {"y", 0}}})},
                   {"lanes", lanes()},
                   {"startIntersection", "m"},
                   {"endIntersection", "e"}};
  return {{"intersections", json::array({intersection("w", 0, 0, true), m, intersection("e", 200, 0, true)})},
          {"roads", json::array({road_in, road_out})}};
}

json vehicle(double accel = 2.0) {
  return {{"length", 5.0},   {"width", 2.0},       {"maxPosAcc", 2.0}, {"maxNegAcc", 4.5}, {"usualPosAcc", accel},
          {"usualNegAcc", 4.5}, {"minGap", 2.5}, {"maxSpeed", 11.111}, {"headwayTime", 2}};
}

json smallFlows() {
  return json::array({{{"vehicle", vehicle()}, {"route", {"in", "out"}}, {"interval", 5}, {"startTime", 0}, {"endTime", 10}},
                      {{"vehicle", vehicle(1.5)}, {"route", {"in"}}, {"interval", 1}, {"startTime", 3}, {"endTime", 3}}});
}

class CityflowFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_dir = fs::temp_directory_path() / ("trafficsim_cityflow_" + std::string(info->name()) + "_" +
                                         std::to_string(static_cast<long long>(::getpid())));
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = m_dir / name;
    std::ofstream(p) << text;
    return p;
  }
  fs::path write(const std::string& name, const json& doc) { return write(name, doc.dump(2)); }

  // Expects a LoadError naming the file and containing every part.
  static LoadError expectError(const std::function<void()>& f, const fs::path& file,
                               std::initializer_list<std::string> parts) {
    try {
      f();
    } catch (const LoadError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(e.file(), file.string());
      EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
      for (const std::string& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
      return e;
    }
    ADD_FAILURE() << "expected a LoadError";
    return LoadError("", "", "");
  }

  RoadNetwork smallNet() { return loadCityflowRoadnet(write("roadnet.json", smallRoadnet())); }

  fs::path m_dir;
};

TEST_F(CityflowFiles, SmallNetworkAndFlows) {
  const RoadNetwork net = smallNet();
  ASSERT_EQ(net.junctions().size(), 3u);
  const Junction& m = net.junction(*net.findJunction("m"));
  ASSERT_TRUE(m.program.has_value());
  ASSERT_EQ(m.program->phases.size(), 1u);  // the empty 5 s phase is CityFlow's clearance
  EXPECT_DOUBLE_EQ(m.program->phases[0].durationS, 30);
  EXPECT_DOUBLE_EQ(net.road(*net.findRoad("in")).lengthM, 90);
  EXPECT_EQ(net.connectors().size(), 2u);
  EXPECT_GT(net.connectors()[0].shape.points.size(), 2u);  // no points given: a generated curve

  std::vector<VehicleType> types{VehicleType{}};  // a user type already present stays untouched
  Demand demand;
  loadCityflowFlows(write("flow.json", smallFlows()), net, types, demand);
  ASSERT_EQ(types.size(), 3u);
  EXPECT_EQ(types[1].name, "cityflow");
  EXPECT_EQ(types[2].name, "cityflow_2");
  EXPECT_DOUBLE_EQ(types[2].accelMps2, 1.5);
  ASSERT_EQ(demand.trips.size(), 4u);  // 0, 5, 10 and the single vehicle at 3
  EXPECT_EQ(demand.trips[0].id, "flow_0_0");
  EXPECT_EQ(demand.trips[1].id, "flow_1_0");
  EXPECT_DOUBLE_EQ(demand.trips[1].departS, 3);
  EXPECT_EQ(demand.trips[1].type, VehicleTypeId(2));
  EXPECT_DOUBLE_EQ(demand.trips[3].departS, 10);
  EXPECT_EQ(demand.trips[3].type, VehicleTypeId(1));
}

TEST_F(CityflowFiles, MalformedJsonGivesTheLine) {
  const fs::path p = write("bad.json", std::string("{\n  \"intersections\": [\n    {\"id\": \"a\",,}\n  ]\n}\n"));
  const LoadError e = expectError([&] { loadCityflowRoadnet(p); }, p, {"malformed JSON"});
  EXPECT_EQ(e.line(), std::optional<int>(3));
  EXPECT_NE(std::string(e.what()).find(p.string() + ":3"), std::string::npos) << e.what();
}

TEST_F(CityflowFiles, MissingFile) {
  const fs::path p = m_dir / "nowhere.json";
  expectError([&] { loadCityflowRoadnet(p); }, p, {"cannot open the map file", "No such file"});
  const RoadNetwork net = smallNet();
  std::vector<VehicleType> types;
  Demand demand;
  expectError([&] { loadCityflowFlows(p, net, types, demand); }, p, {"cannot open the flow file", "No such file"});
}

TEST_F(CityflowFiles, MissingKey) {
  json doc = smallRoadnet();
  doc["roads"][1].erase("endIntersection");
  const fs::path p = write("roadnet.json", doc);
  expectError([&] { loadCityflowRoadnet(p); }, p, {"road 'out'", "missing key 'endIntersection'"});
}

TEST_F(CityflowFiles, WrongType) {
  json doc = smallRoadnet();
  doc["intersections"][1]["trafficLight"]["lightphases"][1]["time"] = "thirty";
  const fs::path p = write("roadnet.json", doc);
  expectError([&] { loadCityflowRoadnet(p); }, p, {"intersection 'm'", "lightphase 1", "'time' must be a number"});

  json lanesWrong = smallRoadnet();
  lanesWrong["roads"][0]["lanes"] = 3;
  const fs::path q = write("roadnet2.json", lanesWrong);
  expectError([&] { loadCityflowRoadnet(q); }, q, {"road 'in'", "'lanes' must be an array"});
}

TEST_F(CityflowFiles, UnknownRoadInRoadLink) {
  json doc = smallRoadnet();
  doc["intersections"][1]["roadLinks"][0]["endRoad"] = "road_9_9_1";
  const fs::path p = write("roadnet.json", doc);
  expectError([&] { loadCityflowRoadnet(p); }, p, {"intersection 'm'", "roadLink 0", "missing road 'road_9_9_1'"});
}

TEST_F(CityflowFiles, RoadLinkLaneOutOfRange) {
  json doc = smallRoadnet();
  doc["intersections"][1]["roadLinks"][0]["laneLinks"][1]["endLaneIndex"] = 5;
  const fs::path p = write("roadnet.json", doc);
  expectError([&] { loadCityflowRoadnet(p); }, p, {"intersection 'm'", "roadLink 0", "road 'out'", "no lane 5"});
}

TEST_F(CityflowFiles, UnknownRoadInRoute) {
  const RoadNetwork net = smallNet();
  json flows = smallFlows();
  flows[1]["route"] = {"in", "road_7_7_7"};
  const fs::path p = write("flow.json", flows);
  std::vector<VehicleType> types;
  Demand demand;
  expectError([&] { loadCityflowFlows(p, net, types, demand); }, p, {"flow 1", "'road_7_7_7'", "not in the map"});
}

TEST_F(CityflowFiles, DisconnectedRoute) {
  const RoadNetwork net = smallNet();
  json flows = smallFlows();
  flows[0]["route"] = {"out", "in"};
  const fs::path p = write("flow.json", flows);
  std::vector<VehicleType> types;
  Demand demand;
  expectError([&] { loadCityflowFlows(p, net, types, demand); }, p,
              {"flow 0", "roads 'out' and 'in' are not joined by any roadLink"});
}

TEST_F(CityflowFiles, EmptyRoute) {
  const RoadNetwork net = smallNet();
  json flows = smallFlows();
  flows[1]["route"] = json::array();
  const fs::path p = write("flow.json", flows);
  std::vector<VehicleType> types;
  Demand demand;
  expectError([&] { loadCityflowFlows(p, net, types, demand); }, p, {"flow 1", "route is empty"});
}

// Issue 14: the engine keeps a vehicle's place on its route in 16 bits, so a route of more than
// kMaxRouteRoads roads is refused, by its count, before its roads are looked up.
TEST_F(CityflowFiles, ARouteLongerThanTheEngineDrivesIsRefused) {
  const RoadNetwork net = smallNet();
  json flows = smallFlows();
  flows[0]["route"] = json::array();
  for (std::size_t i = 0; i < kMaxRouteRoads + 1; ++i) flows[0]["route"].push_back("in");
  const fs::path p = write("flow.json", flows);
  std::vector<VehicleType> types;
  Demand demand;
  expectError([&] { loadCityflowFlows(p, net, types, demand); }, p,
              {"flow 0", "the route has 65,536 roads", "at most 65,535 roads", "split the trip"});
  EXPECT_TRUE(demand.trips.empty());
}

TEST_F(CityflowFiles, NegativeTimes) {
  const RoadNetwork net = smallNet();
  json flows = smallFlows();
  flows[0]["startTime"] = -4;
  const fs::path p = write("flow.json", flows);
  std::vector<VehicleType> types;
  Demand demand;
  expectError([&] { loadCityflowFlows(p, net, types, demand); }, p, {"flow 0", "'startTime' must be >= 0"});

  json doc = smallRoadnet();
  doc["intersections"][1]["trafficLight"]["lightphases"][0]["time"] = -5;
  const fs::path q = write("roadnet.json", doc);
  expectError([&] { loadCityflowRoadnet(q); }, q, {"intersection 'm'", "lightphase 0", "'time' must be >= 0"});
}

// Issue 14: /dev/zero was read until bad_alloc, a FIFO hung the loader; a flow file could expand
// into any number of trips.
TEST_F(CityflowFiles, OnlyRegularFilesWithinTheLimitsAreRead) {
  expectError([&] { loadCityflowRoadnet("/dev/zero"); }, "/dev/zero", {"not a regular file"});
  const RoadNetwork net = smallNet();
  std::vector<VehicleType> types;
  Demand demand;
  expectError([&] { loadCityflowFlows("/dev/urandom", net, types, demand); }, "/dev/urandom", {"not a regular file"});

  ResourceLimits limits;
  limits.maxInputMb = 1;
  const fs::path big = m_dir / "big.json";
  std::ofstream(big) << std::string(1'200'000, ' ') << "[]";
  expectError([&] { loadCityflowFlows(big, net, types, demand, limits); }, big, {"1.2 MB", "max_input_mb"});

  json flows = smallFlows();
  flows[0]["startTime"] = 0;
  flows[0]["endTime"] = 1000;
  flows[0]["interval"] = 1;
  const fs::path many = write("many.json", flows);
  limits.maxTrips = 500;
  expectError([&] { loadCityflowFlows(many, net, types, demand, limits); }, many, {"flow 0", "max_trips"});
  EXPECT_TRUE(demand.trips.empty());
  limits.maxTrips = 5000;
  loadCityflowFlows(many, net, types, demand, limits);
  EXPECT_GE(demand.trips.size(), 1001u);
}

// Found by the cityflow fuzzer (issue 14): a number too large for a double is not a JSON syntax
// error to nlohmann::json but out_of_range, which escaped the reader and ended the program.
TEST_F(CityflowFiles, ANumberBeyondTheRangeOfADoubleIsALoadError) {
  const fs::path roadnet = m_dir / "overflow.json";
  std::ofstream(roadnet) << R"({"intersections": [], "roads": [{"id": "r", "points": [{"x": -2.7E99998, "y": 0}]}]})";
  expectError([&] { loadCityflowRoadnet(roadnet); }, roadnet, {"malformed JSON", "number overflow"});
  const RoadNetwork net = smallNet();
  std::vector<VehicleType> types;
  Demand demand;
  const fs::path flows = m_dir / "overflow_flows.json";
  std::ofstream(flows) << R"([{"vehicle": {"length": 1e400}, "route": [], "startTime": 0, "endTime": 0, "interval": 1}])";
  expectError([&] { loadCityflowFlows(flows, net, types, demand); }, flows, {"malformed JSON", "number overflow"});
}

TEST_F(CityflowFiles, BadVehicleParameters) {
  const RoadNetwork net = smallNet();
  json flows = smallFlows();
  flows[1]["vehicle"]["length"] = 0;
  const fs::path p = write("flow.json", flows);
  std::vector<VehicleType> types;
  Demand demand;
  expectError([&] { loadCityflowFlows(p, net, types, demand); }, p, {"flow 1, vehicle", "length"});
}

// The two steps of io/cityflow/cityflow_json.h (the cityflow fuzzing harness parses each input once
// for both readers) give what the file readers give.
TEST(CityflowData, ParsingOnceAndReadingTheDocumentGivesWhatTheFileReadersGive) {
  const fs::path roadnetFile = mapPath("hangzhou_4x4/roadnet_4_4.json");
  const fs::path flowFile = mapPath("hangzhou_4x4/anon_4_4_hangzhou_real.json");
  const RoadNetwork net = loadCityflowRoadnet(roadnetFile);
  const RoadNetwork fromDoc =
      cityflowRoadnetFromJson(parseCityflowFile(roadnetFile, 100'000'000, "map file"), roadnetFile.string());
  ASSERT_EQ(fromDoc.junctions().size(), net.junctions().size());
  ASSERT_EQ(fromDoc.roads().size(), net.roads().size());
  EXPECT_EQ(fromDoc.lanes().size(), net.lanes().size());
  EXPECT_EQ(fromDoc.movements().size(), net.movements().size());
  EXPECT_EQ(fromDoc.connectors().size(), net.connectors().size());
  for (std::size_t r = 0; r < net.roads().size(); ++r) {
    EXPECT_EQ(fromDoc.roads()[r].name, net.roads()[r].name);
    EXPECT_EQ(fromDoc.roads()[r].lengthM, net.roads()[r].lengthM);
  }

  std::vector<VehicleType> types, typesFromDoc;
  Demand demand, demandFromDoc;
  loadCityflowFlows(flowFile, net, types, demand);
  cityflowFlowsFromJson(parseCityflowFile(flowFile, 100'000'000, "flow file"), flowFile.string(), net, typesFromDoc,
                        demandFromDoc, ResourceLimits{});
  ASSERT_EQ(typesFromDoc.size(), types.size());
  ASSERT_EQ(demandFromDoc.trips.size(), demand.trips.size());
  for (std::size_t t = 0; t < demand.trips.size(); ++t) {
    EXPECT_EQ(demandFromDoc.trips[t].id, demand.trips[t].id);
    EXPECT_EQ(demandFromDoc.trips[t].departS, demand.trips[t].departS);
    const auto a = demandFromDoc.routes.route(demandFromDoc.trips[t].route);
    const auto b = demand.routes.route(demand.trips[t].route);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << demand.trips[t].id;
  }
}

TEST_F(CityflowFiles, ParsingOnceAndReadingTheDocumentFailsAsTheFileReadersFail) {
  json doc = smallRoadnet();
  doc["roads"][1].erase("endIntersection");
  const fs::path p = write("roadnet.json", doc);
  const LoadError whole = expectError([&] { loadCityflowRoadnet(p); }, p, {"missing key 'endIntersection'"});
  const LoadError steps =
      expectError([&] { cityflowRoadnetFromJson(parseCityflowFile(p, 1'000'000, "map file"), p.string()); }, p,
                  {"missing key 'endIntersection'"});
  EXPECT_EQ(std::string(steps.what()), std::string(whole.what()));
  const fs::path bad = write("bad.json", std::string("[{\"vehicle\": 1,\n"));
  const LoadError parsed = expectError([&] { parseCityflowFile(bad, 1'000'000, "flow file"); }, bad, {"malformed JSON"});
  std::vector<VehicleType> types;
  Demand demand;
  const RoadNetwork net = smallNet();
  const LoadError flows = expectError([&] { loadCityflowFlows(bad, net, types, demand); }, bad, {"malformed JSON"});
  EXPECT_EQ(std::string(parsed.what()), std::string(flows.what()));
}

}  // namespace
}  // namespace traffic
