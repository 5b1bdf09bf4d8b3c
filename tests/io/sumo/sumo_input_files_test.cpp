// SUMO readers and untrusted files (issue 14): a configuration, network, route or additional file
// is read only when it is a regular file within the size cap (a FIFO, /dev/zero or a folder is a
// LoadError naming the file, and the CLI exits 2), and route files are held to limits.max_trips
// before a flow's vehicles are made. The in-memory entry points read as the file ones do.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>

#include "common/run_cli.h"
#include "common/temp_dir.h"
#include "traffic/errors.h"
#include "traffic/loaders/sumo.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;
using traffic::testing::CliResult;
using traffic::testing::readAll;
using traffic::testing::runCli;
using traffic::testing::shellQuoted;
using traffic::testing::TempDir;

const fs::path kData = fs::path(TRAFFIC_SOURCE_DIR) / "tests/data/sumo";

// Runs `load`, which must throw a LoadError whose message holds every one of `parts`.
void expectLoadError(const std::function<void()>& load, std::initializer_list<std::string> parts) {
  try {
    load();
    ADD_FAILURE() << "loaded; expected an error with " << *parts.begin();
  } catch (const LoadError& e) {
    const std::string msg = e.what();
    for (const std::string& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << part << " not in: " << msg;
  }
}

std::string routesWith(const std::string& body) {
  return "<routes>\n<route id=\"we\" edges=\"WC CE\"/>\n" + body + "</routes>\n";
}

TEST(SumoInputFiles, DevicesPipesAndFoldersAreRefusedNamingTheFile) {
  TempDir dir;
  const fs::path fifo = dir.path() / "pipe.net.xml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // A FIFO with no writer would block open(); it must fail at once instead.
  expectLoadError([&] { (void)loadSumoNetwork(fifo); }, {fifo.string(), "not a regular file"});
  expectLoadError([&] { (void)loadSumoNetwork("/dev/zero"); }, {"/dev/zero", "not a regular file"});
  expectLoadError([&] { (void)loadSumoNetwork(dir.path()); }, {dir.path().string(), "is a folder", "SUMO network"});
  expectLoadError([&] { (void)readSumoConfig(fifo); }, {fifo.string(), "not a regular file"});

  const SumoNetwork net = loadSumoNetwork(kData / "cross_tls.net.xml");
  std::vector<VehicleType> types;
  Demand demand;
  expectLoadError([&] { loadSumoRoutes("/dev/urandom", net.network, types, demand); }, {"/dev/urandom", "not a regular file"});
  const std::vector<fs::path> additional{fifo};
  expectLoadError([&] { (void)loadSumoNetwork(kData / "cross_tls.net.xml", additional); },
                  {fifo.string(), "not a regular file", "SUMO additional file"});
}

TEST(SumoInputFiles, FilesLargerThanTheLimitAreRefusedBeforeReading) {
  TempDir dir;
  const fs::path big = dir.write("big.net.xml", "<net>" + std::string(1'200'000, ' ') + "</net>");
  ResourceLimits limits;
  limits.maxInputMb = 1;
  expectLoadError([&] { (void)loadSumoNetwork(big, {}, limits); }, {big.string(), "1.2 MB", "max_input_mb"});
  const SumoNetwork net = loadSumoNetwork(kData / "cross_tls.net.xml");
  std::vector<VehicleType> types;
  Demand demand;
  const fs::path routes = dir.write("big.rou.xml", routesWith(std::string(1'200'000, ' ')));
  expectLoadError([&] { loadSumoRoutes(routes, net.network, types, demand, {}, limits); }, {"1.2 MB", "max_input_mb"});
  limits.maxInputMb = 2;
  loadSumoRoutes(routes, net.network, types, demand, {}, limits);
}

TEST(SumoInputFiles, FlowsAreHeldToTheTripLimitBeforeTheirVehiclesAreMade) {
  TempDir dir;
  const SumoNetwork net = loadSumoNetwork(kData / "cross_tls.net.xml");
  ResourceLimits limits;
  limits.maxTrips = 500;
  struct Case {
    std::string flow;
    std::string name;
  };
  // Every kind of flow, each asking for 1000 vehicles: all at once, by number, by period, by
  // rate, by probability.
  for (const Case& c : std::initializer_list<Case>{
           {R"(<flow id="f" route="we" begin="0" end="0" number="1000"/>)", "at once"},
           {R"(<flow id="f" route="we" begin="0" end="1000" number="1000"/>)", "number"},
           {R"(<flow id="f" route="we" begin="0" end="1000" period="1"/>)", "period"},
           {R"(<flow id="f" route="we" begin="0" end="1000" vehsPerHour="3600"/>)", "vehsPerHour"},
           {R"(<flow id="f" route="we" begin="0" end="1000" probability="1"/>)", "probability"}}) {
    std::vector<VehicleType> types;
    Demand demand;
    const fs::path file = dir.write("flow.rou.xml", routesWith(c.flow));
    expectLoadError([&] { loadSumoRoutes(file, net.network, types, demand, {}, limits); },
                    {file.string(), "flow \"f\"", "max_trips"});
    EXPECT_TRUE(demand.trips.empty()) << c.name;
    ResourceLimits enough;
    enough.maxTrips = 2000;
    loadSumoRoutes(file, net.network, types, demand, {}, enough);
    EXPECT_EQ(demand.trips.size(), 1000u) << c.name;
  }
  // Many single vehicles past the limit: caught as they are read.
  std::string vehicles;
  for (int i = 0; i < 600; ++i) vehicles += "<vehicle id=\"v" + std::to_string(i) + "\" depart=\"0\" route=\"we\"/>\n";
  const fs::path many = dir.write("many.rou.xml", routesWith(vehicles));
  std::vector<VehicleType> types;
  Demand demand;
  expectLoadError([&] { loadSumoRoutes(many, net.network, types, demand, {}, limits); }, {"\"v500\"", "max_trips"});
  // A tiny probability over centuries: refused, not a loop of 10^10 draws.
  const fs::path longFlow =
      dir.write("long.rou.xml", routesWith(R"(<flow id="f" route="we" begin="0" end="1e10" probability="1e-9"/>)"));
  expectLoadError([&] { loadSumoRoutes(longFlow, net.network, types, demand); }, {"flow \"f\"", "draws once per second"});
}

TEST(SumoInputFiles, TextEntryPointsReadAsTheFileOnes) {
  const SumoNetwork fromFile = loadSumoNetwork(kData / "cross_tls.net.xml");
  const SumoNetwork fromText = loadSumoNetworkText(readAll(kData / "cross_tls.net.xml"), "cross_tls.net.xml");
  EXPECT_EQ(fromText.network.roads().size(), fromFile.network.roads().size());
  EXPECT_EQ(fromText.network.lanes().size(), fromFile.network.lanes().size());
  EXPECT_EQ(fromText.trafficLights.size(), fromFile.trafficLights.size());

  std::vector<VehicleType> typesA, typesB;
  Demand a, b;
  loadSumoRoutes(kData / "routes.rou.xml", fromFile.network, typesA, a);
  loadSumoRoutesText(readAll(kData / "routes.rou.xml"), "routes.rou.xml", fromFile.network, typesB, b);
  ASSERT_EQ(a.trips.size(), b.trips.size());
  for (std::size_t i = 0; i < a.trips.size(); ++i) EXPECT_EQ(a.trips[i].id, b.trips[i].id);
  EXPECT_EQ(typesA.size(), typesB.size());

  expectLoadError([] { (void)loadSumoNetworkText("<net><edge", "fuzzed.net.xml"); }, {"fuzzed.net.xml", "malformed XML"});
}

TEST(SumoInputFiles, TheCliExitsTwoOnASpecialFileNamedByAConfiguration) {
  TempDir dir;
  const fs::path fifo = dir.path() / "routes.rou.xml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  fs::copy_file(kData / "cross_tls.net.xml", dir.path() / "cross_tls.net.xml");
  const fs::path cfg = dir.write("pipe.sumocfg", R"(<configuration><input>
    <net-file value="cross_tls.net.xml"/><route-files value="routes.rou.xml"/>
</input></configuration>
)");
  // `timeout` turns a hang on the FIFO into exit code 124.
  const std::string err = (dir.path() / "err").string();
  const int status = std::system(("timeout 20 " + shellQuoted(TRAFFIC_CLI_PATH) + " info " + shellQuoted(cfg.string()) +
                                  " 2>" + shellQuoted(err))
                                     .c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(readAll(err).find("not a regular file"), std::string::npos) << readAll(err);
  EXPECT_NE(readAll(err).find("routes.rou.xml"), std::string::npos) << readAll(err);

  const fs::path zero = dir.write("zero.sumocfg", R"(<configuration><input>
    <net-file value="/dev/zero"/><route-files value="routes.rou.xml"/>
</input></configuration>
)");
  const CliResult run = runCli("info " + shellQuoted(zero.string()));
  EXPECT_EQ(run.code, 2) << run.err;
  EXPECT_NE(run.err.find("/dev/zero"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("not a regular file"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace traffic
