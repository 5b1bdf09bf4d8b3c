// SUMO scenarios end to end (issue 11): a .sumocfg and a TOML scenario naming SUMO files load
// through loadScenario, run to completion with every invariant checked, and the CLI runs them
// (exit 0) or rejects bad ones (exit 2, naming the file).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

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

// Runs to the end checking conservation, no overlap and no conflicting greens after every step.
VehicleCounts runValidated(const Scenario& sc) {
  World world(sc, WorldOptions{1, true});
  while (!world.finished()) {
    world.step();
    const std::string err = world.checkInvariants();
    EXPECT_TRUE(err.empty()) << sc.name << " t=" << world.timeS() << ": " << err;
    if (!err.empty()) break;
  }
  const VehicleCounts c = world.counts();
  EXPECT_EQ(c.spawned, c.arrived + c.running + c.waitingToEnter) << sc.name;
  return c;
}

TEST(SumoConfig, ReadsFilesAndTimes) {
  const SumoConfig cfg = readSumoConfig(kData / "cross.sumocfg");
  EXPECT_EQ(cfg.netFile.filename(), "cross_tls.net.xml");
  ASSERT_EQ(cfg.routeFiles.size(), 1u);
  EXPECT_EQ(cfg.routeFiles[0].filename(), "routes.rou.xml");
  EXPECT_TRUE(std::filesystem::exists(cfg.netFile));
  EXPECT_DOUBLE_EQ(cfg.beginS, 2);
  ASSERT_TRUE(cfg.endS.has_value());
  EXPECT_DOUBLE_EQ(*cfg.endS, 602);
  EXPECT_TRUE(isSumoConfig("a/b/x.sumocfg"));
  EXPECT_FALSE(isSumoConfig("a/b/x.toml"));
}

TEST(SumoConfig, ReadsTheSameFromTextResolvingPathsAgainstTheFolderGiven) {
  std::ifstream in(kData / "cross.sumocfg", std::ios::binary);
  const std::string text(std::istreambuf_iterator<char>(in), {});
  const SumoConfig fromFile = readSumoConfig(kData / "cross.sumocfg");
  const SumoConfig fromText = readSumoConfigText(text, "cross.sumocfg", kData);
  EXPECT_EQ(fromText.netFile, fromFile.netFile);
  EXPECT_EQ(fromText.routeFiles, fromFile.routeFiles);
  EXPECT_DOUBLE_EQ(fromText.beginS, fromFile.beginS);
  EXPECT_EQ(fromText.endS, fromFile.endS);
  try {
    (void)readSumoConfigText("<configuration><input><route-files value=\"r.rou.xml\"/></input></configuration>", "bad.sumocfg", kData);
    ADD_FAILURE() << "a configuration without a network was accepted";
  } catch (const LoadError& e) {
    EXPECT_EQ(e.file(), "bad.sumocfg");
    EXPECT_TRUE(contains(e.reason(), "names no network")) << e.what();
  }
}

TEST(SumoConfig, AConfigurationRunsItsLightsByTheMapsProgramsAsFixedTimeDoesForStaticOnes) {
  // map_program is a configuration's policy; on cross.sumocfg's static light it gives fixed
  // time's run to the trip.
  const Scenario byMap = loadScenario(kData / "cross.sumocfg");
  EXPECT_EQ(byMap.signalPolicy.name, "map_program");
  const Scenario byFixedTime = loadScenario(kData / "cross.sumocfg", {"signals.policy=fixed_time"});
  World a(byMap, WorldOptions{1});
  World b(byFixedTime, WorldOptions{1});
  a.run();
  b.run();
  ASSERT_EQ(a.counts().arrived, b.counts().arrived);
  EXPECT_GT(a.counts().arrived, 0u);
  EXPECT_EQ(a.summary(0).meanTravelTimeWithUnfinishedS, b.summary(0).meanTravelTimeWithUnfinishedS);
  EXPECT_EQ(a.summary(0).signalPolicy, "map_program");
}

TEST(SumoConfig, TheProgramsClearAsTheyAreWrittenUntilTheScenarioSaysOtherwise) {
  EXPECT_TRUE(loadScenario(kData / "cross.sumocfg").signalTiming.mapClearance);
  for (const char* set : {"signals.yellow_s=4", "signals.all_red_s=0"}) {
    const Scenario sc = loadScenario(kData / "cross.sumocfg", {set});
    EXPECT_FALSE(sc.signalTiming.mapClearance) << set;
  }
  // Other maps have no clearance of their own.
  EXPECT_FALSE(loadScenario(std::filesystem::path(TRAFFIC_SOURCE_DIR) / "scenarios/hangzhou_real.toml").signalTiming.mapClearance);
}

TEST(SumoConfig, TlsAllOffSwitchesTheLightsOffAndSetCanSwitchThemOn) {
  TempDir dir;
  std::ifstream in(kData / "cross.sumocfg", std::ios::binary);
  std::string text(std::istreambuf_iterator<char>(in), {});
  // The same configuration beside the test's files, with every light switched off.
  const std::string::size_type close = text.rfind("</configuration>");
  ASSERT_NE(close, std::string::npos);
  text.insert(close, "<processing><tls.all-off value=\"true\"/></processing>\n");
  for (const std::string_view name : {"net-file value=\"", "route-files value=\""}) {
    const auto at = text.find(name);
    ASSERT_NE(at, std::string::npos) << name;
    text.insert(at + name.size(), kData.string() + "/");
  }
  const std::filesystem::path cfg = dir.write("dark.sumocfg", text);
  EXPECT_TRUE(readSumoConfig(cfg).tlsAllOff);
  const Scenario dark = loadScenario(cfg);
  const JunctionId c = *dark.network->findJunction("C");
  ASSERT_EQ(dark.network->junction(c).program->phases.size(), 1u);
  const Scenario lit = loadScenario(cfg, {"map.sumo_lights_off=false"});
  EXPECT_GT(lit.network->junction(c).program->phases.size(), 1u);
  // Traffic gets through the dark junction without overlap, as many vehicles as with the lights
  // on or more (no one waits at a red; the two left turns give way).
  const VehicleCounts darkCounts = runValidated(dark);
  const VehicleCounts litCounts = runValidated(lit);
  EXPECT_GE(darkCounts.arrived, litCounts.arrived);
  EXPECT_GT(darkCounts.arrived, darkCounts.spawned * 9 / 10);
  // Only a SUMO network has lights to switch off this way.
  try {
    (void)loadScenario(std::filesystem::path(TRAFFIC_SOURCE_DIR) / "scenarios/grid_10x10.toml", {"map.sumo_lights_off=true"});
    ADD_FAILURE() << "map.sumo_lights_off was accepted on a grid";
  } catch (const LoadError& e) {
    EXPECT_TRUE(contains(e.reason(), "only applies to map.sumo")) << e.what();
  }
}

TEST(SumoConfig, AConfigurationIsAScenario) {
  const Scenario sc = loadScenario(kData / "cross.sumocfg");
  EXPECT_EQ(sc.name, "cross");
  EXPECT_DOUBLE_EQ(sc.durationS, 600);
  // The map's clearance times.
  EXPECT_DOUBLE_EQ(sc.signalTiming.yellowS, 3);
  EXPECT_DOUBLE_EQ(sc.signalTiming.allRedS, 2);
  // Times start at the configuration's begin (2 s): v_ref departs at 2 s, so at 0.
  const auto it = std::find_if(sc.demand.trips.begin(), sc.demand.trips.end(), [](const Trip& t) { return t.id == "v_ref"; });
  ASSERT_NE(it, sc.demand.trips.end());
  EXPECT_DOUBLE_EQ(it->departS, 0);
  // --set applies on top, as for a scenario file.
  const Scenario shorter = loadScenario(kData / "cross.sumocfg", {"scenario.duration_s=120", "signals.yellow_s=4"});
  EXPECT_DOUBLE_EQ(shorter.durationS, 120);
  EXPECT_DOUBLE_EQ(shorter.signalTiming.yellowS, 4);
}

TEST(SumoConfig, AdditionalFilesBringTheirSignalPrograms) {
  TempDir dir;
  const auto cfg = dir.path() / "night.sumocfg";
  std::ofstream(cfg) << "<configuration><input>\n"
                     << "  <net-file value=\"" << (kData / "cross_tls.net.xml").string() << "\"/>\n"
                     << "  <route-files value=\"" << (kData / "routes.rou.xml").string() << "\"/>\n"
                     << "  <additional-files value=\"" << (kData / "cross_night.add.xml").string() << "\"/>\n"
                     << "</input><time><begin value=\"0\"/><end value=\"300\"/></time></configuration>\n";
  const Scenario sc = loadScenario(cfg);
  const Junction& c = sc.network->junction(*sc.network->findJunction("C"));
  ASSERT_TRUE(c.program.has_value());
  EXPECT_DOUBLE_EQ(c.program->phases[0].durationS, 20);
  EXPECT_DOUBLE_EQ(sc.signalTiming.yellowS, 4);
  EXPECT_DOUBLE_EQ(sc.signalTiming.allRedS, 0);
  runValidated(sc);
}

TEST(SumoConfig, RunsToCompletionKeepingEveryInvariant) {
  const Scenario sc = loadScenario(kData / "cross.sumocfg");
  const VehicleCounts c = runValidated(sc);
  // Every vehicle departs within the first 600 s of a lightly loaded junction.
  EXPECT_GT(c.spawned, 150u);
  EXPECT_GT(c.arrived, c.spawned * 8 / 10);
  EXPECT_EQ(c.teleported, 0u);
}

TEST(SumoConfig, PriorityJunctionRunsUnsignalised) {
  TempDir dir;
  const auto routes = dir.path() / "tee.rou.xml";
  std::ofstream(routes) << "<routes>\n"
                           "  <flow id=\"main\" begin=\"0\" end=\"300\" vehsPerHour=\"600\" from=\"AJ\" to=\"JB\"/>\n"
                           "  <flow id=\"back\" begin=\"0\" end=\"300\" vehsPerHour=\"400\" from=\"BJ\" to=\"JA\"/>\n"
                           "  <flow id=\"minor\" begin=\"0\" end=\"300\" vehsPerHour=\"200\" from=\"SJ\" to=\"JA\"/>\n"
                           "</routes>\n";
  const auto toml = dir.path() / "tee.toml";
  std::ofstream(toml) << "[scenario]\nduration_s = 400\n[map]\nsumo = \"" << (kData / "tee_priority.net.xml").string()
                      << "\"\n[demand]\nsumo_routes = [\"" << routes.string() << "\"]\n";
  const Scenario sc = loadScenario(toml);
  // 600 veh/h for 300 s: 50; 400 veh/h (every 9 s): 34; 200 veh/h (every 18 s): 17.
  EXPECT_EQ(sc.demand.trips.size(), 50u + 34u + 17u);
  const VehicleCounts c = runValidated(sc);
  EXPECT_GT(c.arrived, 80u);
}

TEST(SumoConfig, AMeteredRampHeldRedLetsTheMainRoadThrough) {
  // sumo-tools' highway game in small: the main road's links belong to no light and give way to
  // the ramp's (response bits), the ramp's light shows red for 10000 s after a 2 s yellow. SUMO
  // holds the ramp and the main road flows. When the reader took the red for clearance, the ramp
  // had green for good and main-road vehicles stood at the line giving way to it.
  TempDir dir;
  std::ifstream in(kData / "tee_priority.net.xml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string net = buffer.str();
  auto replaceOnce = [&](const std::string& from, const std::string& to) {
    const auto at = net.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    net.replace(at, from.size(), to);
  };
  replaceOnce(R"(<junction id="J" type="priority")", R"(<junction id="J" type="traffic_light")");
  replaceOnce(R"(<request index="0" response="0000" foes="0100")", R"(<request index="0" response="1100" foes="1100")");
  replaceOnce(R"(<request index="1" response="0000" foes="0100")", R"(<request index="1" response="0100" foes="0100")");
  replaceOnce(R"(<request index="2" response="0011" foes="0011")", R"(<request index="2" response="0000" foes="0011")");
  replaceOnce(R"(<request index="3" response="0001" foes="0001")", R"(<request index="3" response="0000" foes="0001")");
  replaceOnce(R"(from="SJ" to="JA" fromLane="0" toLane="0")", R"(from="SJ" to="JA" fromLane="0" toLane="0" tl="J" linkIndex="0")");
  replaceOnce(R"(from="SJ" to="JB" fromLane="0" toLane="0")", R"(from="SJ" to="JB" fromLane="0" toLane="0" tl="J" linkIndex="1")");
  replaceOnce("</net>", R"(<tlLogic id="J" type="static" programID="0" offset="0">
        <phase duration="2" state="yy"/><phase duration="10000" state="rr"/><phase duration="2" state="yy"/><phase duration="10000" state="GG"/>
    </tlLogic></net>)");
  std::ofstream(dir.path() / "meter.net.xml") << net;
  std::ofstream(dir.path() / "meter.rou.xml")
      << "<routes>\n"
         "  <flow id=\"main\" begin=\"0\" end=\"200\" vehsPerHour=\"1200\" from=\"AJ\" to=\"JB\"/>\n"
         "  <flow id=\"back\" begin=\"0\" end=\"200\" vehsPerHour=\"600\" from=\"BJ\" to=\"JA\"/>\n"
         "  <flow id=\"ramp\" begin=\"0\" end=\"200\" vehsPerHour=\"1200\" from=\"SJ\" to=\"JA\"/>\n"
         "</routes>\n";
  std::ofstream(dir.path() / "meter.sumocfg")
      << "<configuration><input><net-file value=\"meter.net.xml\"/><route-files value=\"meter.rou.xml\"/></input>"
         "<time><begin value=\"0\"/><end value=\"260\"/></time></configuration>\n";
  const Scenario sc = loadScenario(dir.path() / "meter.sumocfg");
  World world(sc, WorldOptions{1, true});
  while (!world.finished()) {
    world.step();
    const std::string err = world.checkInvariants();
    ASSERT_TRUE(err.empty()) << "t=" << world.timeS() << ": " << err;
  }
  std::size_t mainTrips = 0, mainArrived = 0, rampArrived = 0;
  for (const TripRecord& r : world.tripRecords()) {
    const std::string& id = sc.demand.trips[r.tripIndex].id;
    const bool arrived = r.arriveS >= 0;
    if (id.rfind("ramp", 0) == 0) rampArrived += arrived ? 1 : 0;
    else {
      ++mainTrips;
      mainArrived += arrived ? 1 : 0;
      EXPECT_FALSE(r.teleported) << id;
    }
  }
  // 1200 and 600 veh/h over 200 s: 67 + 34 main-road trips, each about 30 s long on a free road.
  EXPECT_EQ(mainTrips, 67u + 34u);
  EXPECT_EQ(mainArrived, mainTrips);
  EXPECT_EQ(rampArrived, 0u);
}

// The view of trip `id` in the world, if it is in the network.
std::optional<VehicleView> vehicleNamed(const World& world, const Scenario& sc, const std::string& id) {
  for (const VehicleView& v : world.snapshot().vehicles)
    if (sc.demand.trips[v.id.index()].id == id) return v;
  return std::nullopt;
}

TEST(SumoConfig, VehiclesEnterWhereTheirDepartAttributesSay) {
  const Scenario sc = loadScenario(kData / "depart.sumocfg");
  World world(sc, WorldOptions{1, true});
  world.step();  // inserted, then moved for one step of 1 s
  const RoadNetwork& net = *sc.network;
  auto laneOf = [&](const VehicleView& v) {
    return std::make_pair(net.road(net.lane(v.lane).road).name, static_cast<int>(net.lane(v.lane).indexInRoad));
  };
  // departLane="2" on SC (trafficsim's lane 0), front at 60 m, 8 m/s: after one step within what
  // a car accelerating at 2.6 m/s² or braking at 4.5 m/s² can do.
  const auto given = vehicleNamed(world, sc, "v_given");
  ASSERT_TRUE(given.has_value());
  ASSERT_FALSE(given->onConnector);
  EXPECT_EQ(laneOf(*given), std::make_pair(std::string("SC"), 0));
  EXPECT_GE(given->positionM, 60 + 8 - 4.5);
  EXPECT_LE(given->positionM, 60 + 8 + 2.6);
  EXPECT_GE(given->speedMps, 8 - 4.5);
  EXPECT_LE(given->speedMps, 8 + 2.6);
  // SUMO's defaults: a car in the rightmost lane a car may use (WC's right lane is for buses, so
  // trafficsim's lane 0), rear at the start, from rest; the bus in the bus lane.
  const auto defaults = vehicleNamed(world, sc, "v_defaults");
  ASSERT_TRUE(defaults.has_value());
  EXPECT_EQ(laneOf(*defaults), std::make_pair(std::string("WC"), 0));
  EXPECT_LE(defaults->positionM, 5 + 2.6);
  EXPECT_LE(defaults->speedMps, 2.6 + 1e-9);
  const auto bus = vehicleNamed(world, sc, "v_bus_defaults");
  ASSERT_TRUE(bus.has_value());
  EXPECT_EQ(laneOf(*bus), std::make_pair(std::string("WC"), 1));
  EXPECT_LE(bus->speedMps, 1.2 + 1e-9);
  // departSpeed="max" on an empty lane: at speed from the first step.
  const auto fast = vehicleNamed(world, sc, "v_keywords");
  ASSERT_TRUE(fast.has_value());
  EXPECT_GT(fast->speedMps, 10);
  // departPos="last" on an empty lane: at the lane's end, where SUMO's lastInsertion puts it.
  const double ecLengthM = sc.network->road(*sc.network->findRoad("EC")).lengthM;
  EXPECT_TRUE(fast->onConnector || (laneOf(*fast).first == "EC" && fast->positionM > ecLengthM - 15))
      << fast->positionM << " of " << ecLengthM;
  // The whole run keeps every invariant.
  while (!world.finished()) {
    world.step();
    const std::string err = world.checkInvariants();
    ASSERT_TRUE(err.empty()) << "t=" << world.timeS() << ": " << err;
  }
  EXPECT_EQ(world.counts().spawned, sc.demand.trips.size());
}

TEST(SumoConfig, DepartValuesTrafficsimDoesNotModelAreReported) {
  const CliResult r = runCli("info " + shellQuoted((kData / "depart.sumocfg").string()));
  EXPECT_EQ(r.code, 0) << r.err;
  const std::string all = r.out + r.err;
  EXPECT_TRUE(contains(all, "departSpeed=\"last\"")) << all;
  EXPECT_TRUE(contains(all, "departPos=\"stop\"")) << all;
  EXPECT_TRUE(contains(all, "v_unsupported")) << all;
}

TEST(SumoConfig, TomlScenarioCombinesSumoFilesWithTrafficsimFeatures) {
  TempDir dir;
  const auto toml = dir.path() / "mixed.toml";
  std::ofstream(toml) << "[scenario]\nduration_s = 300\n"
                      << "[map]\nsumo = \"" << (kData / "cross_tls.net.xml").string() << "\"\n"
                      << "[demand]\nsumo_routes = \"" << (kData / "routes.rou.xml").string() << "\"\n"
                      << "[[demand.flow]]\nid = \"extra\"\nroute = [\"EC\", \"CW\"]\nveh_per_hour = 300\n"
                      << "[signals]\npolicy = \"max_pressure\"\n";
  const Scenario sc = loadScenario(toml);
  EXPECT_EQ(sc.signalPolicy.name, "max_pressure");
  EXPECT_TRUE(std::any_of(sc.demand.trips.begin(), sc.demand.trips.end(), [](const Trip& t) { return t.id.rfind("extra", 0) == 0; }));
  EXPECT_TRUE(std::any_of(sc.demand.trips.begin(), sc.demand.trips.end(), [](const Trip& t) { return t.id == "t_left"; }));
  runValidated(sc);
}

TEST(SumoConfig, TheCliRunsAConfigurationAndRejectsBadOnes) {
  TempDir out;
  const CliResult ok = runCli("run " + shellQuoted((kData / "cross.sumocfg").string()) + " --validate --duration 200 --out " +
                              shellQuoted((out.path() / "r").string()));
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_TRUE(std::filesystem::exists(out.path() / "r" / "summary.json"));

  const CliResult info = runCli("info " + shellQuoted((kData / "cross.sumocfg").string()));
  EXPECT_EQ(info.code, 0) << info.err;
  EXPECT_TRUE(contains(info.out, "cross_tls.net.xml")) << info.out;

  const CliResult compare = runCli("compare " + shellQuoted((kData / "cross.sumocfg").string()) +
                                   " --policies fixed_time,max_pressure --seeds 1 --out " + shellQuoted((out.path() / "c").string()));
  EXPECT_EQ(compare.code, 0) << compare.err;
  EXPECT_TRUE(std::filesystem::exists(out.path() / "c" / "results.csv"));

  const CliResult noNet = runCli("run " + shellQuoted((kData / "bad" / "no_net.sumocfg").string()));
  EXPECT_EQ(noNet.code, 2);
  EXPECT_TRUE(contains(noNet.err, "no_net.sumocfg")) << noNet.err;
  EXPECT_TRUE(contains(noNet.err, "net-file")) << noNet.err;

  TempDir dir;
  const auto cfg = dir.path() / "broken.sumocfg";
  std::ofstream(cfg) << "<configuration><input><net-file value=\"" << (kData / "bad" / "negative_length.net.xml").string()
                     << "\"/><route-files value=\"" << (kData / "routes.rou.xml").string() << "\"/></input></configuration>\n";
  const CliResult bad = runCli("run " + shellQuoted(cfg.string()));
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, "edge \"e12\" lane 2")) << bad.err;
}

// The six RESCO scenarios, 300 s each from their .sumocfg with every invariant checked, when
// ../shared is present (the files may not be copied into the repository).
TEST(SumoConfig, SumoToolsGamesRunWithValidation) {
  // Debian's sumo-tools networks (read where installed, never copied). highway meters its ramp
  // with a light held red for the whole run: the main road must flow (SUMO 1.15: 192 arrived;
  // 100 when the red was taken for clearance and the main road gave way to a green ramp). ramp:
  // a truck standing at the end of its acceleration lane and the car that let it in stood for
  // good 0.3 m apart from t = 276 s (302 arrived). A10KW: once no longer jammed, a car crossed
  // three motorway lanes in the last metres before its exit and entered the exit's curve above
  // its speed (invariant violated at t = 281 s).
  const std::filesystem::path games = "/usr/share/sumo/tools/game";
  if (!std::filesystem::exists(games / "highway.sumocfg")) GTEST_SKIP() << "sumo-tools games not installed at " << games;
  const VehicleCounts highway = runValidated(loadScenario(games / "highway.sumocfg"));
  EXPECT_GE(highway.arrived, 185u);
  const VehicleCounts ramp = runValidated(loadScenario(games / "ramp.sumocfg"));
  EXPECT_GE(ramp.arrived, 320u);
  const VehicleCounts a10kw = runValidated(loadScenario(games / "A10KW.sumocfg"));
  EXPECT_GT(a10kw.arrived, 3500u);
  // square keeps its demand in an additional file (SUMO 1.15: 38 arrived in 180 s).
  const VehicleCounts square = runValidated(loadScenario(games / "square.sumocfg"));
  EXPECT_GE(square.arrived, 35u);
  // DRT's bus is a trip defined by its stops: it drives to its stop and stands there to the end,
  // never taken for stuck.
  const VehicleCounts drt = runValidated(loadScenario(games / "DRT.sumocfg"));
  EXPECT_EQ(drt.spawned, 1u);
  EXPECT_EQ(drt.teleported, 0u);
  EXPECT_EQ(drt.running, 1u);
}

TEST(SumoConfig, TheDrtDemoBusesLoopOverTheirStops) {
  // DRT_demo: two buses defined by their stops loop over eight bus stops, 30 s at each, for
  // 10,000 s (SUMO 1.15 with the lights on as trafficsim runs them: 159 stops served; trafficsim
  // 142, docs/validation-sumo.md).
  const std::filesystem::path config = "/usr/share/sumo/tools/game/DRT_demo.sumocfg";
  if (!std::filesystem::exists(config)) GTEST_SKIP() << "sumo-tools games not installed";
  const Scenario sc = loadScenario(config);
  ASSERT_EQ(sc.transit.lines.size(), 2u);
  World world(sc, WorldOptions{1, true});
  while (!world.finished()) {
    world.step();
    const std::string err = world.checkInvariants();
    ASSERT_TRUE(err.empty()) << "t=" << world.timeS() << ": " << err;
  }
  EXPECT_EQ(world.counts().teleported, 0u);
  std::size_t served = 0;
  for (const TransitRunRecord& run : world.transitRecords().runs)
    for (std::size_t k = 0; k < run.stopArriveS.size(); ++k) {
      if (run.stopArriveS[k] < 0 || run.stopDepartS[k] < 0) continue;
      ++served;
      EXPECT_NEAR(run.stopDepartS[k] - run.stopArriveS[k], 30, sc.stepS);
    }
  EXPECT_GE(served, 130u);
}

TEST(SumoConfig, RescoScenariosRunWithValidation) {
  const auto resco = std::filesystem::path(TRAFFIC_SOURCE_DIR) / ".." / "shared" / "data" / "sumo" / "resco";
  if (!std::filesystem::exists(resco)) GTEST_SKIP() << "RESCO data not present at " << resco;
  for (const char* name : {"cologne1", "cologne3", "ingolstadt1", "ingolstadt7", "grid4x4", "arterial4x4"}) {
    // Whole runs: the situations that once broke the junction rules came late (a vehicle halted
    // in a box at t = 1590 s on cologne3, 1825 and 2875 s on arterial4x4, 2545 s on ingolstadt7).
    const Scenario sc = loadScenario(resco / name / (std::string(name) + ".sumocfg"));
    EXPECT_FALSE(sc.demand.trips.empty()) << name;
    const VehicleCounts c = runValidated(sc);
    EXPECT_GT(c.arrived, 0u) << name;
  }
}

}  // namespace
}  // namespace traffic
