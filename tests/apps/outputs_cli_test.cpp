// `trafficsim run`'s outputs as they are written during the run (issue 15): --compress gzip, and a
// run stopped part way (Ctrl-C, kill -9) that leaves the results folder as it was.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/run_cli.h"
#include "common/temp_dir.h"
#include "common/text.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

using traffic::testing::CliResult;
using traffic::testing::readAll;
using traffic::testing::runCli;
using traffic::testing::TempDir;
const auto& quoted = traffic::testing::shellQuoted;
const auto& scenarioPath = traffic::testing::shippedScenario;

using traffic::testing::contains;

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(OutputsCli, CompressGzipWritesGzFilesAndSaysSo) {
  TempDir dir;
  const fs::path out = dir.path() / "gz";
  const CliResult r =
      runCli("run " + scenarioPath("hangzhou_real.toml") + " --duration 300 --compress gzip --out " + quoted(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(entries(out), (std::vector<std::string>{"summary.json", "timeseries.csv.gz", "trips.csv.gz"}));
  EXPECT_TRUE(contains(r.out, "trips.csv.gz")) << r.out;
  // A later uncompressed run replaces the folder whole: no .gz file survives.
  ASSERT_EQ(runCli("run " + scenarioPath("hangzhou_real.toml") + " -q --duration 60 --out " + quoted(out.string())).code, 0);
  EXPECT_EQ(entries(out), (std::vector<std::string>{"summary.json", "timeseries.csv", "trips.csv"}));
}

TEST(OutputsCli, AnUnknownCompressionExitsTwoBeforeRunning) {
  TempDir dir;
  const CliResult r = runCli("run " + scenarioPath("hangzhou_real.toml") + " --compress zip --out " +
                             quoted((dir.path() / "out").string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--compress")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

TEST(OutputsCli, RoadsWritesRoadsCsvAndIsRefusedWithResume) {
  TempDir dir;
  const fs::path out = dir.path() / "roads";
  const CliResult r =
      runCli("run " + scenarioPath("hangzhou_real.toml") + " --duration 120 --roads --out " + quoted(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "roads.csv")) << r.out;
  EXPECT_EQ(readAll(out / "roads.csv").rfind("road,start_s,end_s,entered,flow_veh_per_h,", 0), 0u);
  const CliResult resumed = runCli("run " + scenarioPath("hangzhou_real.toml") + " --roads --resume " +
                                   quoted((dir.path() / "any.ckpt").string()) + " --out " +
                                   quoted((dir.path() / "other").string()));
  EXPECT_EQ(resumed.code, 2);
  EXPECT_TRUE(contains(resumed.err, "--resume cannot write roads.csv")) << resumed.err;
  EXPECT_FALSE(fs::exists(dir.path() / "other"));
}

// A run stopped part way: its rows so far are in a hidden folder beside --out, never in it.
void expectStoppedRunLeavesTheResults(int signal, int expectedCode) {
  TempDir dir;
  const fs::path out = dir.path() / "r";
  ASSERT_EQ(runCli("run " + scenarioPath("hangzhou_real.toml") + " -q --duration 60 --out " + quoted(out.string())).code, 0);
  const std::string before = readAll(out / "trips.csv");
  // grid_30x30's hour takes tens of seconds: the signal comes once the run is in its loop, streaming
  // into its hidden folder beside --out (waited for, not slept for: loading takes long under the
  // sanitizers; after 120 s the signal comes anyway and the test fails on what it finds).
  const std::string dirQ = quoted(dir.path().string());
  const CliResult r = runCli("run " + scenarioPath("grid_30x30.toml") + " -q --out " + quoted(out.string()) +
                             " & pid=$!; for i in $(seq 1200); do [ $(ls -A " + dirQ +
                             " | wc -l) -gt 1 ] && break; sleep 0.1; done; sleep 0.5; kill -" + std::to_string(signal) +
                             " $pid; wait $pid");
  EXPECT_EQ(r.code, expectedCode) << r.err;
  EXPECT_EQ(readAll(out / "trips.csv"), before);
  EXPECT_EQ(entries(out), (std::vector<std::string>{"summary.json", "timeseries.csv", "trips.csv"}));
  // Ctrl-C deletes the hidden folder; kill -9 leaves it (it was being written).
  EXPECT_EQ(entries(dir.path()).size(), signal == SIGKILL ? 2u : 1u);
  // The next run that uses the folder deletes what a killed one left beside it.
  ASSERT_EQ(runCli("run " + scenarioPath("hangzhou_real.toml") + " -q --duration 60 --out " + quoted(out.string())).code, 0);
  EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"r"}));
}

TEST(OutputsCli, CtrlCDuringTheRunLeavesTheEarlierResults) { expectStoppedRunLeavesTheResults(SIGINT, 130); }

TEST(OutputsCli, AKilledRunLeavesTheEarlierResults) { expectStoppedRunLeavesTheResults(SIGKILL, 128 + SIGKILL); }

}  // namespace
}  // namespace traffic
