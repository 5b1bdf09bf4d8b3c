// Issue 14, the command line: bad flags, files the user did not ask to replace, unusable --out
// folders, special files and huge arguments, each as the issue's table found it. Every case ends
// in exit code 2 with a message that says what to fix, before anything is simulated or written.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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

using traffic::testing::contains;

const std::string kTinyGrid = traffic::testing::tinyGridScenario(60, 600);

std::string p(const fs::path& path) { return quoted(path.string()); }

TEST(Issue14Cli, RecordRefusesAnExistingFileWithoutForce) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const fs::path precious = dir.write("notes.tsrec", "my notes, not a recording");
  const CliResult r = runCli("run " + p(scenario) + " -q --out " + p(dir.path() / "out") + " --record " + p(precious));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "already exists")) << r.err;
  EXPECT_TRUE(contains(r.err, "--force")) << r.err;
  EXPECT_EQ(readAll(precious), "my notes, not a recording");
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

TEST(Issue14Cli, RecordNeverReplacesTheScenarioItselfEvenWithForce) {
  TempDir dir;
  const fs::path scenario = dir.write("copy.toml", kTinyGrid);
  for (const char* force : {"", " --force"}) {
    SCOPED_TRACE(force);
    const CliResult r =
        runCli("run " + p(scenario) + " -q --out " + p(dir.path() / "out") + " --record " + p(scenario) + force);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(readAll(scenario), kTinyGrid);
  }
}

TEST(Issue14Cli, RecordWithForceReplacesAnEarlierRecording) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const fs::path old = dir.write("old.tsrec", "an earlier file the user chose to replace");
  const CliResult r =
      runCli("run " + p(scenario) + " -q --out " + p(dir.path() / "out") + " --record " + p(old) + " --force");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(readAll(old).substr(0, 7), "TSIMREC");
}

TEST(Issue14Cli, ThreadAndJobCountsAreBounded) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const CliResult run = runCli("run " + p(scenario) + " -q --out " + p(dir.path() / "out") + " --threads 20000000");
  EXPECT_EQ(run.code, 2) << run.err;
  EXPECT_TRUE(contains(run.err, "--threads")) << run.err;
  EXPECT_TRUE(contains(run.err, "256")) << run.err;
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
  const CliResult compare = runCli("compare " + p(scenario) + " --policies fixed_time --seeds 1 --jobs 5000000 --out " +
                                   p(dir.path() / "cmp"));
  EXPECT_EQ(compare.code, 2) << compare.err;
  EXPECT_TRUE(contains(compare.err, "--jobs")) << compare.err;
}

TEST(Issue14Cli, NonFiniteNumbersAreRejected) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const std::string base = "run " + p(scenario) + " -q --out " + p(dir.path() / "out");
  for (const std::string& args : {base + " --record " + p(dir.path() / "r.tsrec") + " --record-every nan",
                                  base + " --record " + p(dir.path() / "r.tsrec") + " --record-every inf",
                                  base + " --duration nan", base + " --duration inf"}) {
    SCOPED_TRACE(args);
    const CliResult r = runCli(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "finite")) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir.path() / "r.tsrec"));
}

TEST(Issue14Cli, CompareRejectsAnEmptyPolicyName) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  for (const char* policies : {"fixed_time,", ",fixed_time", "fixed_time,,max_pressure"}) {
    SCOPED_TRACE(policies);
    const CliResult r = runCli("compare " + p(scenario) + " --policies " + quoted(policies) + " --seeds 1 --out " +
                               p(dir.path() / "cmp"));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "empty name")) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir.path() / "cmp"));
}

TEST(Issue14Cli, TrafficsimAloneListsTheSubcommands) {
  const CliResult r = runCli("");
  EXPECT_EQ(r.code, 2);
  for (const char* sub : {"run", "info", "compare"}) EXPECT_TRUE(contains(r.err, sub)) << r.err;
  EXPECT_TRUE(contains(r.err, "Subcommands")) << r.err;
}

TEST(Issue14Cli, AnOutFolderThatCannotBeCreatedStopsTheRunBeforeItStarts) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const fs::path file = dir.write("a_file", "x");
  const CliResult r = runCli("run " + p(scenario) + " --out " + p(file / "results"));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "is a file")) << r.err;
  // Refused before the run: no progress, no summary, nothing rescued to a temporary folder.
  EXPECT_FALSE(contains(r.out, "simulated")) << r.out;
  EXPECT_FALSE(contains(r.err, "saved to")) << r.err;
}

TEST(Issue14Cli, ErrorsDoNotEchoAHugeArgument) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const std::string huge(100'000, 'x');
  const CliResult policy = runCli("info " + p(scenario) + " --set signals.policy=" + huge);
  EXPECT_EQ(policy.code, 2);
  EXPECT_LT(policy.err.size(), 2000u) << policy.err.substr(0, 300);
  EXPECT_TRUE(contains(policy.err, "more bytes")) << policy.err.substr(0, 300);
  const CliResult key = runCli("info " + p(scenario) + " --set " + huge + "=1");
  EXPECT_EQ(key.code, 2);
  EXPECT_LT(key.err.size(), 2000u) << key.err.substr(0, 300);
}

TEST(Issue14Cli, SpecialFilesAreNotReadAsInputs) {
  TempDir dir;
  const CliResult zero = runCli("info /dev/zero");
  EXPECT_EQ(zero.code, 2) << zero.err;
  EXPECT_TRUE(contains(zero.err, "not a regular file")) << zero.err;
  // A FIFO with no writer used to block the loader for ever, /dev/urandom to be read for ever;
  // `timeout` turns a hang into exit code 124.
  const fs::path fifo = dir.path() / "scenario.toml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string cli = quoted(TRAFFIC_CLI_PATH);
  EXPECT_EQ(WEXITSTATUS(std::system(("timeout 20 " + cli + " info " + p(fifo) + " 2>/dev/null").c_str())), 2);
  const fs::path scenario = dir.write("urandom.toml", "[map]\ncityflow = \"/dev/urandom\"\n\n[[demand.trip]]\n"
                                                      "id = \"a\"\nfrom = \"x\"\nto = \"y\"\ndepart_s = 0\n");
  const std::string err = (dir.path() / "err").string();
  EXPECT_EQ(WEXITSTATUS(std::system(("timeout 20 " + cli + " info " + p(scenario) + " 2>" + quoted(err)).c_str())), 2);
  EXPECT_TRUE(contains(readAll(err), "not a regular file")) << readAll(err);
}

TEST(Issue14Cli, InfoWithAHugeDurationPrintsABoundedHistogram) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  // The time series limit stops 1e12 s at load; with a long interval the load passes and the
  // histogram must still be a screenful (it was a bin per 15 minutes: 1.1 million lines here).
  const CliResult r =
      runCli("info " + p(scenario) +
             " --set scenario.duration_s=1e9 --set outputs.timeseries_interval_s=100000 --set demand.flow.0.end_s=3600");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_LT(std::count(r.out.begin(), r.out.end(), '\n'), 200) << r.out.substr(0, 2000);
  EXPECT_TRUE(contains(r.out, "trips per")) << r.out;
  const CliResult tooLong = runCli("info " + p(scenario) + " --set scenario.duration_s=1e12");
  EXPECT_EQ(tooLong.code, 2);
  EXPECT_TRUE(contains(tooLong.err, "max_timeseries_rows")) << tooLong.err;
}

}  // namespace
}  // namespace traffic
