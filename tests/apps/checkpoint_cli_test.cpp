// `trafficsim run --checkpoint FILE --checkpoint-at T` and `--resume FILE` (issue 13): a resumed run
// writes the outputs of the uninterrupted one; files the user did not ask to replace stay, and a
// checkpoint that does not fit is refused with exit code 2 naming the file.
#include <gtest/gtest.h>

#include <filesystem>
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
std::string p(const fs::path& path) { return quoted(path.string()); }

const std::string kScenario = std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/hangzhou_real.toml";
const std::string kShort = " -q --duration 600";

// summary.json without its wall-clock lines and the thread count (results do not depend on it).
std::string withoutWallTimes(const std::string& json) {
  std::string out;
  std::size_t at = 0;
  while (at < json.size()) {
    const std::size_t end = std::min(json.find('\n', at), json.size());
    const std::string line = json.substr(at, end - at);
    if (!contains(line, "wall_seconds") && !contains(line, "per_second") && !contains(line, "\"threads\""))
      out += line + "\n";
    at = end + 1;
  }
  return out;
}

TEST(CheckpointCli, ResumedRunWritesTheUninterruptedOutputs) {
  TempDir dir;
  const fs::path ckpt = dir.path() / "run.ckpt";
  ASSERT_EQ(runCli("run " + p(kScenario) + kShort + " --out " + p(dir.path() / "straight")).code, 0);
  const CliResult first =
      runCli("run " + p(kScenario) + kShort + " --out " + p(dir.path() / "first") + " --checkpoint " + p(ckpt) +
             " --checkpoint-at 250");
  ASSERT_EQ(first.code, 0) << first.err;
  ASSERT_TRUE(fs::exists(ckpt));
  const CliResult resumed =
      runCli("run " + p(kScenario) + kShort + " -t 2 --out " + p(dir.path() / "resumed") + " --resume " + p(ckpt));
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  for (const char* file : {"trips.csv", "timeseries.csv"})
    EXPECT_EQ(readAll(dir.path() / "resumed" / file), readAll(dir.path() / "straight" / file)) << file;
  EXPECT_EQ(withoutWallTimes(readAll(dir.path() / "resumed" / "summary.json")),
            withoutWallTimes(readAll(dir.path() / "straight" / "summary.json")));
}

TEST(CheckpointCli, RefusesAnExistingFileWithoutForce) {
  TempDir dir;
  const fs::path precious = dir.write("notes.ckpt", "my notes");
  const std::string run = "run " + p(kScenario) + kShort + " --out " + p(dir.path() / "out") + " --checkpoint " +
                          p(precious) + " --checkpoint-at 10";
  const CliResult r = runCli(run);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--force")) << r.err;
  EXPECT_EQ(readAll(precious), "my notes");
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
  ASSERT_EQ(runCli(run + " --force").code, 0);
  EXPECT_EQ(readAll(precious).substr(0, 6), "TSCKPT");
}

TEST(CheckpointCli, RefusesACheckpointThatDoesNotFit) {
  TempDir dir;
  const fs::path ckpt = dir.path() / "seed1.ckpt";
  ASSERT_EQ(runCli("run " + p(kScenario) + kShort + " --out " + p(dir.path() / "a") + " --checkpoint " + p(ckpt) +
                   " --checkpoint-at 100")
                .code,
            0);
  const CliResult otherSeed =
      runCli("run " + p(kScenario) + kShort + " --seed 2 --out " + p(dir.path() / "b") + " --resume " + p(ckpt));
  EXPECT_EQ(otherSeed.code, 2) << otherSeed.err;
  EXPECT_TRUE(contains(otherSeed.err, ckpt.string())) << otherSeed.err;
  EXPECT_TRUE(contains(otherSeed.err, "another scenario")) << otherSeed.err;
  const std::string bytes = readAll(ckpt);
  const fs::path truncated = dir.write("truncated.ckpt", bytes.substr(0, bytes.size() / 2));
  const CliResult cut =
      runCli("run " + p(kScenario) + kShort + " --out " + p(dir.path() / "c") + " --resume " + p(truncated));
  EXPECT_EQ(cut.code, 2) << cut.err;
  EXPECT_TRUE(contains(cut.err, "truncated")) << cut.err;
  const CliResult missing =
      runCli("run " + p(kScenario) + kShort + " --out " + p(dir.path() / "d") + " --resume " + p(dir.path() / "no.ckpt"));
  EXPECT_EQ(missing.code, 2) << missing.err;
  EXPECT_FALSE(fs::exists(dir.path() / "b"));
  EXPECT_FALSE(fs::exists(dir.path() / "c"));
}

TEST(CheckpointCli, CheckpointAtNeedsCheckpointAndAfterTheEndIsRefused) {
  TempDir dir;
  EXPECT_EQ(runCli("run " + p(kScenario) + kShort + " --checkpoint-at 10").code, 2);
  EXPECT_EQ(runCli("run " + p(kScenario) + kShort + " --checkpoint " + p(dir.path() / "x.ckpt")).code, 2);
  const CliResult late = runCli("run " + p(kScenario) + kShort + " --out " + p(dir.path() / "o") + " --checkpoint " +
                                p(dir.path() / "x.ckpt") + " --checkpoint-at 9000");
  EXPECT_EQ(late.code, 2) << late.err;
  EXPECT_FALSE(fs::exists(dir.path() / "x.ckpt"));
}

}  // namespace
}  // namespace traffic
