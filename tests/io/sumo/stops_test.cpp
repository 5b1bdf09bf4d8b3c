// SUMO demand from additional files, bus stops and vehicles defined by their stops (issue 11):
// sim/src/io/sumo/route_reader.cpp reads an additional file's demand as a route file's, its
// <busStop>s as transit stops, and turns a vehicle with <stop>s into a transit line of its own
// whose runs stand at each stop for the stop's duration.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/run_cli.h"
#include "common/temp_dir.h"
#include "common/text.h"
#include "traffic/errors.h"
#include "traffic/loaders/sumo.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic {
namespace {

using traffic::testing::CliResult;
using traffic::testing::runCli;
using traffic::testing::shellQuoted;
using traffic::testing::TempDir;

const std::filesystem::path kData = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "tests/data/sumo";

using traffic::testing::contains;

struct Loaded {
  SumoNetwork net;
  std::vector<VehicleType> types;
  Demand demand;
  Transit transit;
  std::size_t additionalVehicles = 0;
};

// cross_tls.net.xml with stops.add.xml and stops.rou.xml, read as a configuration reads them.
Loaded loadStops() {
  Loaded out{loadSumoNetwork(kData / "cross_tls.net.xml"), {}, {}, {}};
  out.additionalVehicles = loadSumoAdditionalDemand(kData / "stops.add.xml", out.net.network, out.types, out.demand, out.transit);
  loadSumoRoutes(kData / "stops.rou.xml", out.net.network, out.types, out.demand, {}, {}, &out.transit);
  return out;
}

const Trip* tripNamed(const Demand& d, const std::string& id) {
  for (const Trip& t : d.trips)
    if (t.id == id) return &t;
  return nullptr;
}

TEST(SumoStops, AdditionalFilesBringDemandAndBusStops) {
  const Loaded l = loadStops();
  // One flow element in the additional file: a car every 10 s from 0 to 100 s.
  EXPECT_EQ(l.additionalVehicles, 1u);
  EXPECT_EQ(std::count_if(l.demand.trips.begin(), l.demand.trips.end(), [](const Trip& t) { return t.id.starts_with("cars."); }),
            10);
  // Its vType serves the route file read after it.
  ASSERT_TRUE(std::any_of(l.types.begin(), l.types.end(), [](const VehicleType& t) { return t.name == "shuttle"; }));
  ASSERT_EQ(l.transit.stops.size(), 2u);
  const RoadNetwork& net = l.net.network;
  const TransitStop& west = l.transit.stops[0];
  EXPECT_EQ(west.id, "bs_west");
  EXPECT_EQ(net.road(net.lane(west.lane).road).name, "WC");
  EXPECT_EQ(net.lane(west.lane).mapIndex, 0);  // SUMO's WC_0, the bus lane
  EXPECT_DOUBLE_EQ(west.positionM, 55);         // the front halts at endPos
  EXPECT_FALSE(west.bay);
  EXPECT_EQ(l.transit.stops[1].id, "bs_east");
  EXPECT_DOUBLE_EQ(l.transit.stops[1].positionM, 60);
}

TEST(SumoStops, ATripDefinedByItsStopsIsRoutedThroughThemAndRunsAsALine) {
  const Loaded l = loadStops();
  const Trip* bus = tripNamed(l.demand, "bus");
  ASSERT_NE(bus, nullptr);
  std::vector<std::string> roads;
  for (RoadId r : l.demand.routes.route(bus->route)) roads.push_back(l.net.network.road(r).name);
  EXPECT_EQ(roads, (std::vector<std::string>{"WC", "CE"}));
  ASSERT_EQ(l.transit.lines.size(), 1u);
  ASSERT_EQ(bus->line, 0u);
  const TransitLine& line = l.transit.lines[0];
  EXPECT_EQ(line.id, "bus");
  // The two stops in a row at bs_east are one stand of 20 + 10 s.
  EXPECT_EQ(line.stops, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(line.stopRoute, (std::vector<std::uint16_t>{0, 1}));
  EXPECT_EQ(line.standS, (std::vector<double>{30, 30}));
  EXPECT_EQ(line.departuresS, (std::vector<double>{5}));
  EXPECT_DOUBLE_EQ(line.doorS, 0);
  // Without a transit to map them to, the stops are reported and the trip has no route.
  std::vector<VehicleType> types = l.types;
  Demand plain;
  loadSumoRoutes(kData / "stops.rou.xml", l.net.network, types, plain);
  EXPECT_EQ(tripNamed(plain, "bus"), nullptr);
}

TEST(SumoStops, StopsOnAGivenRouteMustLieOnIt) {
  Loaded l{loadSumoNetwork(kData / "cross_tls.net.xml"), {}, {}, {}};
  loadSumoAdditionalDemand(kData / "stops.add.xml", l.net.network, l.types, l.demand, l.transit);
  // On its route: a line of one stop, standing 12 s; a lane stop is a stop of its own.
  loadSumoRoutesText(R"(<routes>
      <vehicle id="ok" type="shuttle" depart="0"><route edges="WC CE"/><stop busStop="bs_east" duration="12"/></vehicle>
      <vehicle id="lane" depart="0"><route edges="NC CS"/><stop lane="CS_1" endPos="-10" duration="4"/></vehicle>
    </routes>)",
                     "on.rou.xml", l.net.network, l.types, l.demand, {}, {}, &l.transit);
  ASSERT_EQ(l.transit.lines.size(), 2u);
  EXPECT_EQ(l.transit.lines[0].standS, (std::vector<double>{12}));
  const TransitStop& laneStop = l.transit.stops[l.transit.lines[1].stops[0]];
  EXPECT_EQ(laneStop.id, "lane.stop0");
  EXPECT_DOUBLE_EQ(laneStop.positionM, 80);  // 10 m before the end of the 90 m lane
  try {
    loadSumoRoutesText(R"(<routes>
      <vehicle id="off" type="shuttle" depart="0"><route edges="NC CS"/><stop busStop="bs_east" duration="5"/></vehicle>
    </routes>)",
                       "off.rou.xml", l.net.network, l.types, l.demand, {}, {}, &l.transit);
    FAIL() << "a stop off the route was accepted";
  } catch (const LoadError& e) {
    EXPECT_EQ(e.file(), "off.rou.xml");
    EXPECT_TRUE(contains(e.entity(), "vehicle \"off\"")) << e.what();
    EXPECT_TRUE(contains(e.reason(), "\"bs_east\"")) << e.what();
    EXPECT_EQ(e.line(), 2);
  }
}

TEST(SumoStops, AStopBehindTheLastOnItsRoadIsReachedByGoingRound) {
  // short_lane_loop.net.xml: JK -> KJ -> JK is the only way round. The second stop lies on JK
  // behind the first, so the route goes round the loop to reach it, as SUMO routes it.
  Loaded l{loadSumoNetwork(kData / "short_lane_loop.net.xml"), {}, {}, {}};
  loadSumoAdditionalDemandText(R"(<additional>
      <busStop id="ahead" lane="JK_1" endPos="9"/><busStop id="behind" lane="JK_1" endPos="4"/>
    </additional>)",
                               "loop.add.xml", l.net.network, l.types, l.demand, l.transit);
  loadSumoRoutesText(R"(<routes><trip id="round" depart="0">
      <stop busStop="ahead" duration="5"/><stop busStop="behind" duration="5"/>
    </trip></routes>)",
                     "loop.rou.xml", l.net.network, l.types, l.demand, {}, {}, &l.transit);
  const Trip* round = tripNamed(l.demand, "round");
  ASSERT_NE(round, nullptr);
  std::vector<std::string> roads;
  for (RoadId r : l.demand.routes.route(round->route)) roads.push_back(l.net.network.road(r).name);
  EXPECT_EQ(roads, (std::vector<std::string>{"JK", "KJ", "JK"}));
  ASSERT_EQ(l.transit.lines.size(), 1u);
  EXPECT_EQ(l.transit.lines[0].stopRoute, (std::vector<std::uint16_t>{0, 2}));
}

TEST(SumoStops, ABusStopOnALaneTheNetworkLacksIsAnError) {
  const SumoNetwork net = loadSumoNetwork(kData / "cross_tls.net.xml");
  // SC_0 is a sidewalk (left out of trafficsim's network), XY_0 no lane at all.
  for (const char* lane : {"SC_0", "XY_0"}) {
    std::vector<VehicleType> types;
    Demand demand;
    Transit transit;
    const std::string text = std::string("<additional>\n  <busStop id=\"good\" lane=\"CE_0\" endPos=\"50\"/>\n") +
                             "  <busStop id=\"lost\" lane=\"" + lane + "\" startPos=\"10\" endPos=\"20\"/>\n</additional>\n";
    try {
      loadSumoAdditionalDemandText(text, "lost.add.xml", net.network, types, demand, transit);
      FAIL() << lane << " was accepted";
    } catch (const LoadError& e) {
      EXPECT_EQ(e.file(), "lost.add.xml");
      EXPECT_EQ(e.entity(), "busStop \"lost\"");
      EXPECT_EQ(e.line(), 3);
      EXPECT_TRUE(contains(e.reason(), lane)) << e.what();
    }
  }
}

TEST(SumoStops, TheBusStandsAtEachStopForItsDuration) {
  const Scenario sc = loadScenario(kData / "stops.sumocfg");
  World world(sc, WorldOptions{1, true});
  while (!world.finished()) {
    world.step();
    const std::string err = world.checkInvariants();
    ASSERT_TRUE(err.empty()) << "t=" << world.timeS() << ": " << err;
  }
  const TransitRecords records = world.transitRecords();
  ASSERT_EQ(records.runs.size(), 1u);
  const TransitRunRecord& run = records.runs[0];
  EXPECT_EQ(sc.demand.trips[run.tripIndex].id, "bus");
  ASSERT_EQ(run.stopArriveS.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_GT(run.stopArriveS[k], 5) << k;  // reached after its departure at 5 s
    EXPECT_NEAR(run.stopDepartS[k] - run.stopArriveS[k], 30, sc.stepS) << k;
  }
  // It reaches bs_east after leaving bs_west: 35 m to the end of WC, the junction, then 60 m.
  EXPECT_GT(run.stopArriveS[1], run.stopDepartS[0] + 5);
  // The cars of the additional file's flow and the bus all arrive within the 200 s.
  EXPECT_EQ(world.counts().spawned, 11u);
  EXPECT_EQ(world.counts().arrived, 11u);
}

TEST(SumoStops, PersonsAndWhatStopsAskBeyondTheirDurationAreReportedAndLightsOffShown) {
  TempDir dir;
  std::ofstream(dir.path() / "until.rou.xml")
      << "<routes><vehicle id=\"v\" type=\"shuttle\" depart=\"0\"><route edges=\"WC CE\"/>"
         "<stop busStop=\"bs_east\" duration=\"5\" until=\"50\"/></vehicle></routes>\n";
  std::ofstream(dir.path() / "until.sumocfg")
      << "<configuration><input><net-file value=\"" << (kData / "cross_tls.net.xml").string() << "\"/>"
      << "<route-files value=\"" << (kData / "stops.rou.xml").string() << "," << (dir.path() / "until.rou.xml").string() << "\"/>"
      << "<additional-files value=\"" << (kData / "stops.add.xml").string() << "\"/></input>"
      << "<time><end value=\"100\"/></time><processing><tls.all-off value=\"true\"/></processing></configuration>\n";
  const CliResult r = runCli("info " + shellQuoted((dir.path() / "until.sumocfg").string()));
  EXPECT_EQ(r.code, 0) << r.err;
  const std::string all = r.out + r.err;
  EXPECT_TRUE(contains(all, "2 <person> elements (e.g. \"p0\")")) << all;
  EXPECT_TRUE(contains(all, "stop attribute 'until'")) << all;
  EXPECT_TRUE(contains(all, "1 <poi> elements")) << all;  // reported once, by the network reader
  // tls.all-off is run, not reported: `info` says the lights are off.
  EXPECT_FALSE(contains(all, "tls.all-off")) << all;
  EXPECT_TRUE(contains(all, "(traffic lights switched off)")) << all;
}

TEST(SumoStops, AConfigurationMayKeepItsDemandInAdditionalFiles) {
  TempDir dir;
  auto config = [&](const std::string& name, const std::string& additional) {
    const auto file = dir.path() / name;
    std::ofstream(file) << "<configuration><input><net-file value=\"" << (kData / "cross_tls.net.xml").string() << "\"/>"
                        << "<additional-files value=\"" << additional << "\"/></input>"
                        << "<time><end value=\"150\"/></time></configuration>\n";
    return file;
  };
  const Scenario sc = loadScenario(config("demand.sumocfg", (kData / "stops.add.xml").string()));
  EXPECT_EQ(sc.demand.trips.size(), 10u);
  TempDir out;
  const CliResult ok = runCli("run " + shellQuoted(config("run.sumocfg", (kData / "stops.add.xml").string()).string()) +
                              " --validate -q --out " + shellQuoted((out.path() / "r").string()));
  EXPECT_EQ(ok.code, 0) << ok.err;
  // Neither route files nor demand in the additional files: exit 2, saying so.
  const CliResult none = runCli("run " + shellQuoted(config("none.sumocfg", (kData / "cross_night.add.xml").string()).string()));
  EXPECT_EQ(none.code, 2);
  EXPECT_TRUE(contains(none.err, "none.sumocfg")) << none.err;
  EXPECT_TRUE(contains(none.err, "no vehicles, trips or flows")) << none.err;
}

}  // namespace
}  // namespace traffic
