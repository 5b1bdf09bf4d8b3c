// The trafficsim command line as a user meets it: help, exit codes, error messages on stderr,
// outputs on success and none on failure. Runs the real binary.
#include <gtest/gtest.h>

#include "common/run_cli.h"
#include "common/temp_dir.h"
#include "common/text.h"
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace traffic {
namespace {

namespace fs = std::filesystem;

using traffic::testing::TempDir;

using traffic::testing::readAll;

using traffic::testing::CliResult;
using traffic::testing::runCli;
const auto& quoted = traffic::testing::shellQuoted;
const auto& scenarioPath = traffic::testing::shippedScenario;

using traffic::testing::contains;

const std::string kTinyGrid = traffic::testing::tinyGridScenario(120, 600);

TEST(Cli, HelpListsTheCommands) {
  const CliResult r = runCli("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "run")) << r.out;
  EXPECT_TRUE(contains(r.out, "info")) << r.out;
  EXPECT_TRUE(contains(r.out, "Examples")) << r.out;
}

TEST(Cli, EverySubcommandHasHelpWithExamples) {
  for (const char* sub : {"run", "info"}) {
    SCOPED_TRACE(sub);
    const CliResult r = runCli(std::string(sub) + " --help");
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(contains(r.out, "Examples")) << r.out;
    EXPECT_TRUE(contains(r.out, std::string("trafficsim ") + sub)) << r.out;
  }
  EXPECT_TRUE(contains(runCli("run --help").out, "--set"));
}

TEST(Cli, VersionExitsZero) {
  const CliResult r = runCli("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "trafficsim")) << r.out;
}

TEST(Cli, MissingScenarioFileExitsTwoNamingThePath) {
  TempDir dir;
  const std::string missing = (dir.path() / "no_such_scenario.toml").string();
  const CliResult r = runCli("run " + quoted(missing) + " --out " + quoted((dir.path() / "out").string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "error: ")) << r.err;
  EXPECT_TRUE(contains(r.err, missing)) << r.err;
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

TEST(Cli, UnknownSetKeyExitsTwo) {
  TempDir dir;
  std::ofstream(dir.path() / "tiny.toml") << kTinyGrid;
  const CliResult r = runCli("run " + quoted((dir.path() / "tiny.toml").string()) + " --set nonsense.key=1 --out " +
                             quoted((dir.path() / "out").string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--set nonsense.key=1")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

TEST(Cli, UnknownOptionExitsTwo) {
  const CliResult r = runCli("run " + scenarioPath("hangzhou_real.toml") + " --frobnicate");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--frobnicate")) << r.err;
}

TEST(Cli, MissingSubcommandOrArgumentExitsTwo) {
  EXPECT_EQ(runCli("").code, 2);
  EXPECT_EQ(runCli("run").code, 2);
  EXPECT_EQ(runCli("fly").code, 2);
  EXPECT_EQ(runCli("run x.toml --threads -3").code, 2);
}

TEST(Cli, InfoDescribesARealMap) {
  const CliResult r = runCli("info " + scenarioPath("hangzhou_real.toml"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "junctions   32 (16 signalised")) << r.out;
  EXPECT_TRUE(contains(r.out, "2983 trips")) << r.out;
  EXPECT_TRUE(contains(r.out, "fixed_time")) << r.out;
}

TEST(Cli, InfoOnAGeneratedGridAppliesOverrides) {
  TempDir dir;
  std::ofstream(dir.path() / "tiny.toml") << kTinyGrid;
  const CliResult r = runCli("info " + quoted((dir.path() / "tiny.toml").string()) + " --set map.grid.rows=3");
  EXPECT_EQ(r.code, 0) << r.err;
  // 3x2 signalised junctions and a ring of 2 * (3 + 2) boundary junctions.
  EXPECT_TRUE(contains(r.out, "junctions   16 (6 signalised, 0 unsignalised, 10 boundary)")) << r.out;
  EXPECT_TRUE(contains(r.out, "20 trips")) << r.out;  // 600 veh/h for 120 s
}

TEST(Cli, ShortRunWritesOutputs) {
  TempDir dir;
  const fs::path out = dir.path() / "hz";
  const CliResult r = runCli("run " + scenarioPath("hangzhou_real.toml") + " --duration 120 --out " + quoted(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto summary = nlohmann::json::parse(readAll(out / "summary.json"));
  EXPECT_GT(summary["vehicles"]["spawned"].get<int>(), 0);
  EXPECT_DOUBLE_EQ(summary["sim_seconds"].get<double>(), 120);
  EXPECT_EQ(summary["scenario"], "hangzhou_real");
  EXPECT_TRUE(fs::exists(out / "trips.csv"));
  EXPECT_TRUE(fs::exists(out / "timeseries.csv"));
  // The human summary says where the outputs went; stderr is not a terminal, so progress comes as
  // plain lines.
  EXPECT_TRUE(contains(r.out, out.string())) << r.out;
  EXPECT_TRUE(contains(r.err, "progress 100%")) << r.err;
}

TEST(Cli, QuietRunPrintsNothingButWritesOutputs) {
  TempDir dir;
  std::ofstream(dir.path() / "tiny.toml") << kTinyGrid;
  const fs::path out = dir.path() / "o";
  const CliResult r = runCli("run --quiet " + quoted((dir.path() / "tiny.toml").string()) + " --out " + quoted(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(fs::exists(out / "summary.json"));
}

TEST(Cli, SeedFlagReachesTheSummary) {
  TempDir dir;
  std::ofstream(dir.path() / "tiny.toml") << kTinyGrid;
  const fs::path out = dir.path() / "o";
  const CliResult r = runCli("run -q " + quoted((dir.path() / "tiny.toml").string()) + " --seed 17 --out " + quoted(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(readAll(out / "summary.json"))["seed"], 17);
}

// Issue 12: the old policy name runs the renamed policy and says so once on stderr.
TEST(Cli, OldPolicyNameWarnsAndRunsTheRenamedPolicy) {
  TempDir dir;
  std::ofstream(dir.path() / "tiny.toml") << kTinyGrid;
  const fs::path out = dir.path() / "o";
  const CliResult r = runCli("run -q " + quoted((dir.path() / "tiny.toml").string()) + " --policy city_brain --out " +
                             quoted(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "'city_brain' is deprecated")) << r.err;
  EXPECT_TRUE(contains(r.err, "'lookahead_pressure'")) << r.err;
  EXPECT_EQ(r.err.find("deprecated"), r.err.rfind("deprecated")) << "warned more than once: " << r.err;
  EXPECT_EQ(nlohmann::json::parse(readAll(out / "summary.json"))["signal_policy"], "lookahead_pressure");
}

TEST(Cli, FailingRunLeavesNoOutputFolder) {
  TempDir dir;
  std::ofstream(dir.path() / "bad.toml") << kTinyGrid << "\n[signals]\npolicy = \"psychic\"\n";
  const fs::path out = dir.path() / "out";
  const CliResult r = runCli("run " + quoted((dir.path() / "bad.toml").string()) + " --out " + quoted(out.string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "bad.toml")) << r.err;
  EXPECT_TRUE(contains(r.err, "signals.policy")) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(out));
}

TEST(Cli, RefusesAnOutputFolderOfOtherFilesBeforeRunning) {
  TempDir dir;
  std::ofstream(dir.path() / "tiny.toml") << kTinyGrid;
  const fs::path out = dir.path() / "data";
  fs::create_directories(out);
  std::ofstream(out / "measurements.csv") << "precious\n";
  const CliResult r = runCli("run " + quoted((dir.path() / "tiny.toml").string()) + " --out " + quoted(out.string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "measurements.csv")) << r.err;
  EXPECT_FALSE(contains(r.err, "progress")) << "it should refuse before simulating: " << r.err;
  EXPECT_EQ(readAll(out / "measurements.csv"), "precious\n");
  EXPECT_FALSE(fs::exists(out / "summary.json"));
}

}  // namespace
}  // namespace traffic
