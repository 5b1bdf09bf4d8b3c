// `trafficsim tune` and its search (traffic/compare/tune.h): parameter ranges, the successive
// halving schedule on a runner whose answers are known, determinism of a real search on a small
// grid whatever the number of jobs, and the command's refusals and outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "common/run_cli.h"
#include "common/temp_dir.h"
#include "traffic/compare/tune.h"
#include "traffic/errors.h"

namespace traffic {
namespace {

using namespace traffic::compare;
using testing::readAll;
using testing::runCli;
using testing::shellQuoted;
using testing::TempDir;
using testing::tinyGridScenario;

std::string usageError(const std::vector<std::string>& texts) {
  try {
    (void)parseParamRanges(texts);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(TuneParams, ParsesRangesWithTheirScales) {
  const auto r = parseParamRanges({"min_phase_s=5:30,max_wait_s=30:300:log", "hysteresis_veh=0:4:int"});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].key, "min_phase_s");
  EXPECT_EQ(r[0].lo, 5);
  EXPECT_EQ(r[0].hi, 30);
  EXPECT_EQ(r[0].scale, ParamScale::Real);
  EXPECT_EQ(r[1].scale, ParamScale::Log);
  EXPECT_EQ(r[2].scale, ParamScale::Integer);
}

TEST(TuneParams, RefusesBadRangesNamingThem) {
  EXPECT_NE(usageError({"min_phase_s"}).find("key=lo:hi"), std::string::npos);
  EXPECT_NE(usageError({"min_phase_s=30:5"}).find("low end exceeds"), std::string::npos);
  EXPECT_NE(usageError({"min_phase_s=a:5"}).find("'a' is not a finite number"), std::string::npos);
  EXPECT_NE(usageError({"min_phase_s=1:nan"}).find("not a finite number"), std::string::npos);
  EXPECT_NE(usageError({"g=0:5:log"}).find("above 0"), std::string::npos);
  EXPECT_NE(usageError({"g=0.2:0.8:int"}).find("no whole number"), std::string::npos);
  EXPECT_NE(usageError({"g=1:2:cubic"}).find("unknown scale"), std::string::npos);
  EXPECT_NE(usageError({"g=1:2,g=3:4"}).find("twice"), std::string::npos);
  try {
    checkParamRanges("max_pressure", parseParamRanges({"gain=1:2"}));
    FAIL() << "an unknown key was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("its parameters: min_phase_s"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(checkParamRanges("city_brain", parseParamRanges({"max_wait_s=30:300"})));  // an alias
}

// A runner that answers without simulating: travel time |min_phase_s - 12| + 100 (the defaults,
// 10 s, score 102), scaled by the share of the duration simulated so that short rungs differ from
// long ones.
std::vector<RunResult> fakeRunner(const std::vector<RunRequest>& batch) {
  std::vector<RunResult> out;
  for (const RunRequest& r : batch) {
    double minPhase = 10, duration = 0;
    for (const std::string& o : r.overrides) {
      if (o.rfind("signals.params.min_phase_s=", 0) == 0) minPhase = std::stod(o.substr(o.find('=') + 1));
      if (o.rfind("scenario.duration_s=", 0) == 0) duration = std::stod(o.substr(o.find('=') + 1));
    }
    RunResult run;
    run.meanTravelTimeWithUnfinishedS = (std::abs(minPhase - 12) + 100) * duration / 900;
    out.push_back(run);
  }
  return out;
}

// max_pressure's min_phase_s searched over 8–16 s with a budget of 9 in rungs of 1/3: a training
// grid and a held-out one (named "held") written into `dir`.
TuneSpec smallSearch(TempDir& dir) {
  TuneSpec spec;
  spec.policy = "max_pressure";
  spec.train = {dir.write("train.toml", tinyGridScenario(900, 300)).string()};
  std::string held = tinyGridScenario(900, 600);
  held.replace(held.find("\"tiny\""), 6, "\"held\"");
  spec.test = {dir.write("test.toml", held).string()};
  spec.ranges = parseParamRanges({"min_phase_s=8:16"});
  spec.budget = 9;
  spec.eta = 3;
  spec.minRungDurationS = 60;
  return spec;
}

TEST(Tune, SuccessiveHalvingKeepsTheBestThirdPerRungAndEndsAtFullLength) {
  TempDir dir;
  const TuneSpec spec = smallSearch(dir);
  const TuneResult r = tunePolicy(spec, fakeRunner);
  ASSERT_EQ(r.rungs.size(), 3u);
  EXPECT_EQ(r.rungs[0].candidates.size(), 9u);
  EXPECT_EQ(r.rungs[1].candidates.size(), 3u);
  EXPECT_EQ(r.rungs[2].candidates.size(), 1u);
  EXPECT_DOUBLE_EQ(r.rungs[0].durationFraction, 1.0 / 9);
  EXPECT_DOUBLE_EQ(r.rungs[2].durationFraction, 1.0);
  // The winner is the drawn min_phase_s closest to 12, and its score is the full-length one.
  double closest = 1e9;
  for (const Candidate& c : r.candidates)
    if (!c.params.empty()) closest = std::min(closest, std::abs(c.params.at("min_phase_s") - 12));
  const Candidate& best = r.candidates[static_cast<std::size_t>(r.best)];
  ASSERT_FALSE(best.params.empty());
  EXPECT_DOUBLE_EQ(std::abs(best.params.at("min_phase_s") - 12), closest);
  EXPECT_DOUBLE_EQ(r.trainBest, closest + 100);
  EXPECT_DOUBLE_EQ(r.trainDefaults, 102);  // the defaults were run at full length on their own
  ASSERT_EQ(r.testScenarios, std::vector<std::string>{"held"});
  EXPECT_DOUBLE_EQ(r.testBest[0], closest + 100);
  EXPECT_DOUBLE_EQ(r.testDefaults[0], 102);
  // 9 + 3 + 1 training runs, the defaults' full run, and two held-out runs (defaults and winner).
  EXPECT_EQ(r.runs, 16u);
  // The search never ran the held-out scenario before the final scoring.
  for (const Evaluation& e : r.evaluations) EXPECT_EQ(e.scenario == "held", e.phase == "test");
}

// Short rungs can mislead: here the defaults look worst on short runs and are best over the whole
// duration, so successive halving drops them; the full-length comparison must bring them back.
TEST(Tune, TheDefaultsStandWhenTheWinnerDoesNotBeatThemAtFullLength) {
  TempDir dir;
  const TuneSpec spec = smallSearch(dir);
  auto misleading = [](const std::vector<RunRequest>& batch) {
    std::vector<RunResult> out = fakeRunner(batch);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      bool defaults = true;
      double duration = 0;
      for (const std::string& o : batch[i].overrides) {
        if (o.rfind("signals.params.", 0) == 0) defaults = false;
        if (o.rfind("scenario.duration_s=", 0) == 0) duration = std::stod(o.substr(o.find('=') + 1));
      }
      if (defaults) out[i].meanTravelTimeWithUnfinishedS = duration < 900 ? 1e4 : 50;
    }
    return out;
  };
  const TuneResult r = tunePolicy(spec, misleading);
  ASSERT_EQ(r.rungs.size(), 3u);
  EXPECT_EQ(r.rungs[2].candidates.size(), 1u);
  EXPECT_NE(r.rungs[2].candidates[0], 0);  // the search itself dropped the defaults
  EXPECT_EQ(r.best, 0);
  EXPECT_DOUBLE_EQ(r.trainBest, 50);
  EXPECT_DOUBLE_EQ(r.trainDefaults, 50);
  ASSERT_EQ(r.testDefaults.size(), 1u);
  EXPECT_DOUBLE_EQ(r.testBest[0], r.testDefaults[0]);
}

// A real search on a small grid: the same answer with one job and with two.
TEST(Tune, RealSearchIsDeterministicWhateverTheJobs) {
  TempDir dir;
  TuneSpec spec;
  spec.policy = "max_pressure";
  spec.train = {dir.write("train.toml", tinyGridScenario(600, 900)).string()};
  spec.ranges = parseParamRanges({"min_phase_s=2:40"});
  spec.budget = 4;
  spec.eta = 2;
  spec.overrides = {"sensing.model=camera"};
  const std::atomic<bool> stop{false};
  const TuneResult one = tunePolicy(spec, [&](const auto& b) { return runInParallel(b, 1, stop); });
  const TuneResult two = tunePolicy(spec, [&](const auto& b) { return runInParallel(b, 2, stop); });
  EXPECT_EQ(one.best, two.best);
  EXPECT_EQ(one.trainBest, two.trainBest);
  ASSERT_EQ(one.evaluations.size(), two.evaluations.size());
  for (std::size_t i = 0; i < one.evaluations.size(); ++i) {
    EXPECT_EQ(one.evaluations[i].objective, two.evaluations[i].objective) << i;
    EXPECT_EQ(one.evaluations[i].run.sensing, "camera");
  }
  // When the defaults win, their score is the winner's.
  if (one.best == 0) {
    EXPECT_EQ(one.trainBest, one.trainDefaults);
  }
  const auto files = renderTune(spec, one, "trafficsim tune ...", "trafficsim test");
  ASSERT_EQ(files.size(), 3u);
  EXPECT_NE(files[2].content.find("[signals]\npolicy = \"max_pressure\"\n"), std::string::npos) << files[2].content;
}

TEST(TuneCli, RefusesBadInputWithExitCode2AndWritesNothing) {
  TempDir dir;
  const std::string s = shellQuoted(dir.write("t.toml", tinyGridScenario(120, 300)).string());
  const std::string out = shellQuoted((dir.path() / "out").string());
  const auto unknown = runCli("tune max_pressure --train " + s + " --params gain=1:2 --budget 2 --out " + out);
  EXPECT_EQ(unknown.code, 2) << unknown.err;
  EXPECT_NE(unknown.err.find("has no parameter 'gain'"), std::string::npos) << unknown.err;
  const auto reversed = runCli("tune max_pressure --train " + s + " --params min_phase_s=9:2 --budget 2 --out " + out);
  EXPECT_EQ(reversed.code, 2) << reversed.err;
  const auto policy = runCli("tune nonesuch --train " + s + " --params x=1:2 --budget 2 --out " + out);
  EXPECT_EQ(policy.code, 2) << policy.err;
  const auto sensing = runCli("tune actuated --train " + s + " --params max_gap_s=1:5 --budget 2 --sensing probe --out " + out);
  EXPECT_EQ(sensing.code, 2) << sensing.err;
  EXPECT_NE(sensing.err.find("cannot deliver"), std::string::npos) << sensing.err;
  const auto same = runCli("tune max_pressure --train " + s + " --test " + s + " --params min_phase_s=2:9 --budget 2 --out " + out);
  EXPECT_EQ(same.code, 2) << same.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out"));
}

TEST(TuneCli, WritesItsFolderAndNeverReplacesItWithoutForce) {
  TempDir dir;
  const std::string train = shellQuoted(dir.write("a.toml", tinyGridScenario(300, 600)).string());
  const std::string test = shellQuoted(dir.write("b.toml", tinyGridScenario(300, 900)).string());
  const std::string out = shellQuoted((dir.path() / "out").string());
  const std::string args = "tune max_pressure -q --train " + train + " --test " + test +
                           " --params min_phase_s=2:30 --budget 3 --jobs 2 --out " + out;
  const auto first = runCli(args);
  ASSERT_EQ(first.code, 0) << first.err;
  for (const char* f : {"results.csv", "report.md", "tuned.toml"}) EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / f));
  const std::string report = readAll(dir.path() / "out" / "report.md");
  EXPECT_NE(report.find("Sensing: camera"), std::string::npos) << report;
  EXPECT_NE(report.find("held-out mean"), std::string::npos) << report;
  const auto again = runCli(args);
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(runCli(args + " --force").code, 0);
}

}  // namespace
}  // namespace traffic
