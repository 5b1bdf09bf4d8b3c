// line_stops.csv from `trafficsim run`, and scripts/load_profile.py drawing each line's load profile
// from it: one row per stop of each line, one chart per line, and a clear error (exit code 2) for
// a folder without the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "common/run_cli.h"
#include "common/temp_dir.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

using traffic::testing::readAll;
using traffic::testing::runCli;
using traffic::testing::shellQuoted;
using traffic::testing::shippedScenario;
using traffic::testing::TempDir;

int runScript(const fs::path& results, const fs::path& capture) {
  const std::string script = (fs::path(TRAFFIC_SOURCE_DIR) / "scripts" / "load_profile.py").string();
  const std::string command = "python3 " + shellQuoted(script) + " " + shellQuoted(results.string()) + " > " +
                              shellQuoted((capture / "stdout").string()) + " 2> " +
                              shellQuoted((capture / "stderr").string()) + " < /dev/null";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(LoadProfileScript, DrawsEveryLineFromItsStopRows) {
  if (std::system("python3 -c pass > /dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  TempDir dir;
  const fs::path results = dir.path() / "peak";
  ASSERT_EQ(runCli("run " + shippedScenario("singapore_av_peak.toml") + " -q --duration 900 --out " +
                   shellQuoted(results.string()))
                .code,
            0);
  const std::string csv = readAll(results / "line_stops.csv");
  ASSERT_EQ(csv.rfind("line,position,stop,capacity,arrivals,boardings,alightings,mean_load,max_load,", 0), 0u);
  // punggol_loop 8 stops, av_bus_191 4, bus_east_1 4, bus_east_2 2, and the header.
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 19);
  EXPECT_NE(csv.find("\nbus_east_1,1,town_2,85,"), std::string::npos);

  ASSERT_EQ(runScript(results, dir.path()), 0) << readAll(dir.path() / "stderr");
  for (const char* line : {"punggol_loop", "av_bus_191", "bus_east_1", "bus_east_2"}) {
    const std::string svg = readAll(results / (std::string("load_profile_") + line + ".svg"));
    EXPECT_EQ(svg.rfind("<svg", 0), 0u) << line;
    EXPECT_NE(svg.find(std::string("line ") + line), std::string::npos) << line;
    EXPECT_NE(svg.find("</svg>"), std::string::npos) << line;
  }
  EXPECT_NE(readAll(results / "load_profile_bus_east_1.svg").find(">town_2<"), std::string::npos);
}

TEST(LoadProfileScript, AFolderWithoutStopRowsIsAnErrorNamingTheFile) {
  if (std::system("python3 -c pass > /dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  TempDir dir;
  fs::create_directories(dir.path() / "empty");
  EXPECT_EQ(runScript(dir.path() / "empty", dir.path()), 2);
  const std::string err = readAll(dir.path() / "stderr");
  EXPECT_NE(err.find("line_stops.csv not found"), std::string::npos) << err;
}

}  // namespace
}  // namespace traffic
