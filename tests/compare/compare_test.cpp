// `trafficsim compare`: the real binary on a shipped dataset and on a small grid (files written,
// columns, exit codes, nothing written on bad input, independence of --jobs), and the report and
// run measures in-process (confidence intervals, best values in bold, halting vehicles).
#include "traffic/compare/compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "traffic/compare/stats.h"
#include "common/run_cli.h"
#include "common/temp_dir.h"
#include "common/text.h"
#include "traffic/protocol.h"
#include "traffic/scenario.h"

namespace traffic::compare {
namespace {

namespace fs = std::filesystem;

using traffic::testing::CliResult;
using traffic::testing::readAll;
using traffic::testing::runCli;
using traffic::testing::shellQuoted;
using traffic::testing::shippedScenario;
using traffic::testing::TempDir;

using traffic::testing::contains;

std::vector<std::string> splitLine(const std::string& line, char sep = ',') {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, sep)) cells.push_back(cell);
  if (!line.empty() && line.back() == sep) cells.emplace_back();
  return cells;
}

/// A CSV file (no quoted cells) as a header and rows of column → text.
struct Csv {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
};

Csv readCsv(const fs::path& file) {
  Csv csv;
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) return csv;
  csv.header = splitLine(line);
  while (std::getline(in, line)) {
    const auto cells = splitLine(line);
    EXPECT_EQ(cells.size(), csv.header.size()) << line;
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < std::min(cells.size(), csv.header.size()); ++i) row[csv.header[i]] = cells[i];
    csv.rows.push_back(row);
  }
  return csv;
}

double num(const std::map<std::string, std::string>& row, const std::string& column) { return std::stod(row.at(column)); }

const std::vector<std::string> kResultColumns{
    "scenario",         "policy",       "seed",       "mean_travel_time_s", "mean_travel_time_with_unfinished_s",
    "mean_delay_s",     "stops_per_vehicle", "mean_queue_veh", "throughput_veh_per_h", "delay_index",
    "arrived",          "spawned",      "waiting_to_enter", "teleported", "emergency_travel_time_s",
    "wall_seconds",     "entered",      "mean_delay_with_unfinished_s", "protocol", "sensing",
    "delay_index_served"};

const std::string kTinyGrid = R"([scenario]
name = "tiny"
duration_s = 600

[map.grid]
rows = 2
columns = 2

[[demand.flow]]
id = "east"
from = "road_j_0_-1_j_0_0"
to = "road_j_0_1_j_0_2"
veh_per_hour = 900

[[demand.flow]]
id = "north"
from = "road_j_-1_1_j_0_1"
to = "road_j_1_1_j_2_1"
veh_per_hour = 600
)";

// ---- the command on a dataset -----------------------------------------------------------------

TEST(CompareCli, ScenariosWithAmbulancesReportTheirTravelTime) {
  TempDir dir;
  const fs::path out = dir.path() / "cmp";
  // hangzhou_peak's first ambulance departs at 1500 s and crosses seven signals.
  const CliResult r = runCli("compare " + shippedScenario("hangzhou_peak.toml") +
                             " --duration 2400 --seeds 1 --policies fixed_time,max_pressure --out " + shellQuoted(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  const Csv results = readCsv(out / "results.csv");
  ASSERT_EQ(results.rows.size(), 2u);
  for (const auto& row : results.rows) {
    EXPECT_GT(num(row, "emergency_travel_time_s"), 300) << row.at("policy");  // at least its free-flow time
    EXPECT_LT(num(row, "emergency_travel_time_s"), 900) << row.at("policy");  // the run's end bounds it
  }
  const std::string report = readAll(out / "report.md");
  EXPECT_NE(report.find("emergency vehicle travel time (s)"), std::string::npos);
}

TEST(CompareCli, WritesResultsTimeseriesReportAndChartsForEverySeed) {
  TempDir dir;
  const fs::path out = dir.path() / "cmp";
  const CliResult r = runCli("compare " + shippedScenario("hangzhou_real.toml") +
                             " --duration 300 --seeds 2 --policies fixed_time --out " + shellQuoted(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;

  const Csv results = readCsv(out / "results.csv");
  EXPECT_EQ(results.header, kResultColumns);
  ASSERT_EQ(results.rows.size(), 2u);
  std::set<std::string> seeds;
  for (const auto& row : results.rows) {
    EXPECT_EQ(row.at("scenario"), "hangzhou_real");
    EXPECT_EQ(row.at("policy"), "fixed_time");
    seeds.insert(row.at("seed"));
    EXPECT_GT(num(row, "spawned"), 0);
    EXPECT_LE(num(row, "arrived") + num(row, "waiting_to_enter"), num(row, "spawned"));
    // Travel time = free-flow time + delay, with free-flow time > 0.
    EXPECT_GT(num(row, "mean_travel_time_s"), num(row, "mean_delay_s"));
    EXPECT_GE(num(row, "mean_delay_s"), 0);
    EXPECT_GE(num(row, "delay_index"), 1);
    EXPECT_NEAR(num(row, "throughput_veh_per_h"), num(row, "arrived") * 3600 / 300, 0.01);
    EXPECT_EQ(row.at("emergency_travel_time_s"), "");  // the dataset has no emergency vehicles
    EXPECT_GE(num(row, "wall_seconds"), 0);
  }
  EXPECT_EQ(seeds, (std::set<std::string>{"1", "2"}));

  // One series row at the end of the first step and then every 60 s: 1, 60, ..., 300.
  const Csv series = readCsv(out / "timeseries.csv");
  EXPECT_EQ(series.header, (std::vector<std::string>{"scenario", "policy", "seed", "time_s", "running",
                                                     "waiting_to_enter", "delay_index", "halting"}));
  ASSERT_EQ(series.rows.size(), 12u);
  for (const auto& run : results.rows) {
    double halting = 0;
    int rows = 0;
    for (const auto& row : series.rows) {
      if (row.at("seed") != run.at("seed")) continue;
      EXPECT_LE(num(row, "halting"), num(row, "running"));
      halting += num(row, "halting");
      ++rows;
    }
    EXPECT_EQ(rows, 6);
    // mean_queue_veh is the mean of the halting column of the same run.
    EXPECT_NEAR(num(run, "mean_queue_veh"), halting / rows, 1e-3);
  }
  EXPECT_GT(num(series.rows[4], "halting"), 0) << "after 4 minutes some vehicles wait at red lights";

  const std::string report = readAll(out / "report.md");
  EXPECT_TRUE(contains(report, "## hangzhou_real")) << report;
  EXPECT_TRUE(contains(report, "| fixed_time |")) << report;
  EXPECT_TRUE(contains(report, "seeds 1–2")) << report;
  for (const char* chart : {"travel_time_hangzhou_real.svg", "delay_index_hangzhou_real.svg", "vehicles_hangzhou_real.svg"}) {
    SCOPED_TRACE(chart);
    EXPECT_TRUE(contains(report, std::string("(") + chart + ")"));
    const std::string svg = readAll(out / chart);
    EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
    EXPECT_TRUE(contains(svg, "fixed_time"));
    EXPECT_TRUE(contains(svg, "</svg>"));
  }
  // Nothing else in the folder, and no staging folder left beside it.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(out)) files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 6u);
  for (const auto& entry : fs::directory_iterator(dir.path())) EXPECT_EQ(entry.path().filename(), "cmp");

  // Progress as plain lines (stderr is not a terminal); the dataset has no random element, which
  // the user is told, and the summary names the folder.
  EXPECT_TRUE(contains(r.err, "progress 2/2 runs")) << r.err;
  EXPECT_TRUE(contains(r.err, "every seed gave the same results")) << r.err;
  EXPECT_TRUE(contains(report, "Every seed gave the same results")) << report;
  EXPECT_TRUE(contains(r.out, out.string())) << r.out;
}

TEST(CompareCli, UnknownPolicyExitsTwoListingTheKnownOnesAndWritesNothing) {
  TempDir dir;
  const fs::path out = dir.path() / "cmp";
  const CliResult r = runCli("compare " + shippedScenario("hangzhou_real.toml") +
                             " --duration 300 --seeds 2 --policies fixed_time,psychic --out " + shellQuoted(out.string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "psychic")) << r.err;
  EXPECT_TRUE(contains(r.err, "fixed_time")) << r.err;  // in the list of known policies
  EXPECT_FALSE(contains(r.err, "progress")) << "no run may start: " << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(CompareCli, ABadScenarioAmongGoodOnesStopsBeforeAnyRun) {
  TempDir dir;
  const fs::path good = dir.write("tiny.toml", kTinyGrid);
  const fs::path bad = dir.write("bad.toml", kTinyGrid + "\n[dynamics]\ndriver_variation = 2\n");
  const fs::path out = dir.path() / "cmp";
  const CliResult r = runCli("compare " + shellQuoted(good.string()) + " " + shellQuoted(bad.string()) +
                             " --seeds 2 --policies fixed_time --out " + shellQuoted(out.string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "bad.toml")) << r.err;
  EXPECT_TRUE(contains(r.err, "dynamics.driver_variation")) << r.err;
  EXPECT_FALSE(contains(r.err, "progress")) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(CompareCli, UsageMistakesExitTwo) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const std::string base = "compare " + shellQuoted(scenario.string()) + " --out " + shellQuoted((dir.path() / "o").string());
  EXPECT_EQ(runCli(base + " --seeds 0 --policies fixed_time").code, 2);
  EXPECT_EQ(runCli(base + " --policies fixed_time").code, 2);  // --seeds is required
  EXPECT_EQ(runCli(base + " --seeds 2").code, 2);              // --policies is required
  const CliResult twice = runCli(base + " --seeds 2 --policies fixed_time,fixed_time");
  EXPECT_EQ(twice.code, 2);
  EXPECT_TRUE(contains(twice.err, "twice")) << twice.err;
  EXPECT_EQ(runCli(base + " --seeds 2 --policies fixed_time --jobs -1").code, 2);
  // Two scenarios with one name would overwrite each other's charts.
  const CliResult sameName = runCli("compare " + shellQuoted(scenario.string()) + " " + shellQuoted(scenario.string()) +
                                    " --seeds 1 --policies fixed_time --out " + shellQuoted((dir.path() / "o").string()));
  EXPECT_EQ(sameName.code, 2);
  EXPECT_TRUE(contains(sameName.err, "'tiny'")) << sameName.err;
  EXPECT_FALSE(fs::exists(dir.path() / "o"));
}

TEST(CompareCli, RefusesAFolderOfOtherFilesAndReplacesAnEarlierComparison) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const fs::path data = dir.path() / "data";
  fs::create_directories(data);
  std::ofstream(data / "measurements.csv") << "precious\n";
  const std::string args = "compare " + shellQuoted(scenario.string()) + " --duration 120 --policies fixed_time --seeds ";
  const CliResult refused = runCli(args + "1 --out " + shellQuoted(data.string()));
  EXPECT_EQ(refused.code, 2);
  EXPECT_TRUE(contains(refused.err, "measurements.csv")) << refused.err;
  EXPECT_FALSE(contains(refused.err, "progress")) << refused.err;
  EXPECT_EQ(readAll(data / "measurements.csv"), "precious\n");
  EXPECT_FALSE(fs::exists(data / "results.csv"));

  const fs::path out = dir.path() / "cmp";
  ASSERT_EQ(runCli(args + "3 --out " + shellQuoted(out.string())).code, 0);
  EXPECT_EQ(readCsv(out / "results.csv").rows.size(), 3u);
  const CliResult again = runCli(args + "2 --out " + shellQuoted(out.string()));
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(readCsv(out / "results.csv").rows.size(), 2u);
}

TEST(CompareCli, SeedsVaryTheRunsAndResultsDoNotDependOnTheNumberOfJobs) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const std::string args = "compare -q " + shellQuoted(scenario.string()) +
                           " --policies fixed_time --seeds 3 --set demand.departure_jitter_s=20"
                           " --set dynamics.driver_variation=0.15 --out ";
  ASSERT_EQ(runCli(args + shellQuoted((dir.path() / "one").string()) + " --jobs 1").code, 0);
  const CliResult three = runCli(args + shellQuoted((dir.path() / "three").string()) + " --jobs 3");
  ASSERT_EQ(three.code, 0) << three.err;
  EXPECT_EQ(three.out, "");  // quiet
  EXPECT_EQ(three.err, "");

  Csv one = readCsv(dir.path() / "one" / "results.csv");
  Csv par = readCsv(dir.path() / "three" / "results.csv");
  ASSERT_EQ(one.rows.size(), 3u);
  for (auto* csv : {&one, &par})
    for (auto& row : csv->rows) row.erase("wall_seconds");
  EXPECT_EQ(one.rows, par.rows);
  EXPECT_EQ(readAll(dir.path() / "one" / "timeseries.csv"), readAll(dir.path() / "three" / "timeseries.csv"));
  EXPECT_EQ(readAll(dir.path() / "one" / "vehicles_tiny.svg"), readAll(dir.path() / "three" / "vehicles_tiny.svg"));

  std::set<std::string> travelTimes;
  for (const auto& row : one.rows) travelTimes.insert(row.at("mean_travel_time_with_unfinished_s"));
  EXPECT_EQ(travelTimes.size(), 3u) << "each seed should give its own result";
  EXPECT_FALSE(contains(readAll(dir.path() / "one" / "report.md"), "Every seed gave the same results"));
}

// Issue 12: comparisons run under a named protocol; without one, `default`, in which nothing
// teleports; --protocol applies one to every scenario and the outputs name it.
// Issue 12: --sensing chooses the model (with parameters) of every scenario; a model that cannot
// feed one of the policies stops the comparison before any run.
TEST(CompareCli, SeesThroughTheSensingModelGiven) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const fs::path out = dir.path() / "cmp";
  const CliResult loops = runCli("compare -q " + shellQuoted(scenario.string()) +
                                 " --duration 120 --seeds 1 --policies max_pressure --sensing loops:stopbar_m=8 --out " +
                                 shellQuoted(out.string()));
  ASSERT_EQ(loops.code, 0) << loops.err;
  EXPECT_EQ(readCsv(out / "results.csv").rows.at(0).at("sensing"), "loops");
  EXPECT_TRUE(contains(readAll(out / "report.md"), "**sensing: loops (stopbar_m=8,"));
  const fs::path refusedOut = dir.path() / "refused";
  const CliResult refused = runCli("compare -q " + shellQuoted(scenario.string()) +
                                   " --duration 120 --seeds 1 --policies max_pressure,actuated --sensing probe --out " +
                                   shellQuoted(refusedOut.string()));
  EXPECT_EQ(refused.code, 2);
  EXPECT_TRUE(contains(refused.err, "policy 'actuated' reads detector")) << refused.err;
  const CliResult unknown = runCli("compare -q " + shellQuoted(scenario.string()) +
                                   " --seeds 1 --policies max_pressure --sensing radar --out " +
                                   shellQuoted(refusedOut.string()));
  EXPECT_EQ(unknown.code, 2);
  EXPECT_TRUE(contains(unknown.err, "unknown sensing model 'radar'")) << unknown.err;
  EXPECT_FALSE(fs::exists(refusedOut));
}

TEST(CompareCli, RunsUnderTheDefaultProtocolOrTheOneGiven) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const fs::path out = dir.path() / "cmp";
  const CliResult r = runCli("compare -q " + shellQuoted(scenario.string()) +
                             " --duration 120 --seeds 1 --policies fixed_time,max_pressure --out " + shellQuoted(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  for (const auto& row : readCsv(out / "results.csv").rows) {
    EXPECT_EQ(row.at("protocol"), "default");
    EXPECT_EQ(row.at("sensing"), "camera");  // realistic sensing unless told otherwise (docs/sensing.md)
  }
  EXPECT_TRUE(contains(readAll(out / "report.md"), "**sensing: camera (range_m=150"));
  EXPECT_TRUE(contains(readAll(out / "report.md"), "**Protocol: default**"));
  EXPECT_TRUE(contains(readAll(out / "report.md"), "gridlock: wait"));

  const CliResult cf = runCli("compare -q " + shellQuoted(scenario.string()) +
                              " --duration 120 --seeds 1 --policies fixed_time --protocol cityflow --out " +
                              shellQuoted(out.string()));
  ASSERT_EQ(cf.code, 0) << cf.err;
  EXPECT_EQ(readCsv(out / "results.csv").rows.at(0).at("protocol"), "cityflow");
  const std::string report = readAll(out / "report.md");
  EXPECT_TRUE(contains(report, "**Protocol: cityflow**")) << report;
  EXPECT_TRUE(contains(report, "yellow 0.0 s, all-red 5.0 s · lane changes off")) << report;
  EXPECT_TRUE(contains(report, "--protocol cityflow")) << report;  // the command line shown

  // --set still wins over the protocol, and the report shows what ran.
  const CliResult tp = runCli("compare -q " + shellQuoted(scenario.string()) +
                              " --duration 120 --seeds 1 --policies fixed_time --set dynamics.gridlock_action=teleport --out " +
                              shellQuoted(out.string()));
  ASSERT_EQ(tp.code, 0) << tp.err;
  EXPECT_TRUE(contains(readAll(out / "report.md"), "gridlock: **teleport**"));

  const CliResult bad = runCli("compare -q " + shellQuoted(scenario.string()) +
                               " --seeds 1 --policies fixed_time --protocol sumo --out " + shellQuoted((dir.path() / "x").string()));
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, "benchmark.protocol")) << bad.err;
  EXPECT_TRUE(contains(bad.err, "cityflow")) << bad.err;
  EXPECT_FALSE(fs::exists(dir.path() / "x"));
}

TEST(RunProtocolFlag, AppliesTheProtocolAndNamesItInTheSummary) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const fs::path out = dir.path() / "o";
  const CliResult r = runCli("run -q " + shellQuoted(scenario.string()) + " --protocol resco --duration 60 --out " +
                             shellQuoted(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(readAll(out / "summary.json"))["protocol"], "resco");
  // Without one the summary has no protocol field (runs keep the summaries they always had).
  const CliResult plain = runCli("run -q " + shellQuoted(scenario.string()) + " --duration 60 --out " + shellQuoted(out.string()));
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_FALSE(nlohmann::json::parse(readAll(out / "summary.json")).contains("protocol"));
}

TEST(CompareCli, HelpExplainsTheCommand) {
  const CliResult r = runCli("compare --help");
  EXPECT_EQ(r.code, 0);
  for (const char* part : {"--policies", "--seeds", "--jobs", "results.csv", "report.md", "Examples", "fixed_time"})
    EXPECT_TRUE(contains(r.out, part)) << part;
  EXPECT_TRUE(contains(runCli("--help").out, "compare"));
}

// ---- run --policy ------------------------------------------------------------------------------

TEST(RunPolicyFlag, SelectsThePolicyAndRejectsUnknownNames) {
  TempDir dir;
  const fs::path scenario = dir.write("tiny.toml", kTinyGrid);
  const fs::path out = dir.path() / "o";
  const CliResult bad = runCli("run -q " + shellQuoted(scenario.string()) + " --policy psychic --out " + shellQuoted(out.string()));
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, "psychic")) << bad.err;
  EXPECT_TRUE(contains(bad.err, "fixed_time")) << bad.err;
  EXPECT_FALSE(fs::exists(out));

  // The flag wins over a --set of the same key, like --seed and --duration.
  const CliResult ok = runCli("run -q " + shellQuoted(scenario.string()) +
                              " --set signals.policy=psychic --policy fixed_time --duration 60 --out " + shellQuoted(out.string()));
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(nlohmann::json::parse(readAll(out / "summary.json"))["signal_policy"], "fixed_time");
}

// ---- in-process: measures and report -----------------------------------------------------------

RunResult fakeRun(const std::string& policy, std::uint64_t seed, double travelTimeS, double throughput) {
  RunResult r;
  r.scenario = "grid";
  r.policy = policy;
  r.seed = seed;
  r.meanTravelTimeS = travelTimeS;
  r.meanTravelTimeWithUnfinishedS = travelTimeS + 10;
  r.meanDelayS = travelTimeS - 100;
  r.stopsPerVehicle = 1.5;
  r.meanQueueVeh = 20;
  r.throughputVehPerH = throughput;
  r.delayIndex = travelTimeS / 100;
  r.arrived = static_cast<std::uint64_t>(throughput);
  r.spawned = 2000;
  for (int k = 0; k <= 5; ++k)
    r.series.push_back({60.0 * k, static_cast<std::uint32_t>(10 * k), 0, static_cast<std::uint32_t>(2 * k), 1 + 0.1 * k});
  return r;
}

ComparisonSpec fakeSpec(std::vector<std::string> policies) {
  ComparisonSpec spec;
  ScenarioInfo grid;
  grid.name = "grid";
  grid.description = "a test grid";
  grid.durationS = 300;
  spec.scenarios = {grid};
  spec.policies = std::move(policies);
  spec.seeds = 3;
  spec.commandLine = "trafficsim compare grid.toml --policies a,b --seeds 3 --out x";
  spec.version = "trafficsim test";
  return spec;
}

/// The cells of the report's table row for `policy`.
std::vector<std::string> reportRow(const std::string& report, const std::string& policy) {
  const auto at = report.find("| " + policy + " |");
  if (at == std::string::npos) return {};
  auto cells = splitLine(report.substr(at, report.find('\n', at) - at), '|');
  for (auto& c : cells) {
    c.erase(0, c.find_first_not_of(' '));
    c.erase(c.find_last_not_of(' ') + 1);
  }
  return std::vector<std::string>(cells.begin() + 2, cells.end());  // drop "" and the policy
}

TEST(CompareReport, MeansWithConfidenceIntervalsAndTheBestOfEachColumnInBold) {
  // Policy "slow" has longer travel times but more throughput than "fast".
  std::vector<RunResult> runs;
  const std::vector<double> slowTimes{300, 310, 320}, fastTimes{200, 204, 208};
  for (std::uint64_t s = 1; s <= 3; ++s) {
    runs.push_back(fakeRun("fast", s, fastTimes[s - 1], 1000));
    runs.push_back(fakeRun("slow", s, slowTimes[s - 1], 1200));
  }
  std::reverse(runs.begin(), runs.end());  // any order in, spec order out
  const auto files = renderComparison(fakeSpec({"slow", "fast"}), runs);

  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"results.csv", "timeseries.csv", "report.md", "travel_time_grid.svg",
                                             "delay_index_grid.svg", "vehicles_grid.svg"}));
  for (const auto& name : names) EXPECT_TRUE(isComparisonOutput(name)) << name;

  const std::string& report = files[2].content;
  const auto slow = reportRow(report, "slow");
  const auto fast = reportRow(report, "fast");
  ASSERT_GE(slow.size(), 8u) << report;
  ASSERT_GE(fast.size(), 8u) << report;
  // Column 0: travel time, lower is better. 310 ± t(2)·10/√3 = 24.8.
  const MeanInterval slowTravel = meanInterval95(slowTimes);
  EXPECT_NEAR(slowTravel.halfWidth, 24.84, 0.01);
  EXPECT_EQ(slow[0], "310.0 ± 24.8");
  EXPECT_EQ(fast[0], "**204.0** ± 9.9");
  // Column 7: throughput, higher is better; identical seeds give ± 0.
  EXPECT_EQ(slow[7], "**1200** ± 0");
  EXPECT_EQ(fast[7], "1000 ± 0");
  // Column 6: a tie on queue: both bold.
  EXPECT_EQ(slow[6], "**20.0** ± 0.0");
  EXPECT_EQ(fast[6], "**20.0** ± 0.0");
  EXPECT_TRUE(contains(report, "Student t with 2 degrees of freedom")) << report;
  EXPECT_TRUE(contains(report, "trafficsim compare grid.toml --policies a,b --seeds 3 --out x")) << report;

  // results.csv: slow's seeds first (the spec's order), seeds ascending.
  std::istringstream csv(files[0].content);
  std::string line;
  std::getline(csv, line);
  std::vector<std::string> order;
  while (std::getline(csv, line)) {
    const auto cells = splitLine(line);
    order.push_back(cells[1] + cells[2]);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"slow1", "slow2", "slow3", "fast1", "fast2", "fast3"}));
}

// Issue 12: each policy against the first, seed by seed. fast − slow per seed: −100, −106, −112;
// mean −106, standard deviation 6, half-width t(2) · 6 / √3 = 4.3027 · 3.4641 = 14.90.
TEST(CompareReport, PairedDifferencesToTheBaselineWithStudentIntervals) {
  std::vector<RunResult> runs;
  const std::vector<double> slowTimes{300, 310, 320}, fastTimes{200, 204, 208};
  for (std::uint64_t s = 1; s <= 3; ++s) {
    runs.push_back(fakeRun("slow", s, slowTimes[s - 1], 1200));
    runs.push_back(fakeRun("fast", s, fastTimes[s - 1], 1000));
  }
  const std::string report = renderComparison(fakeSpec({"slow", "fast"}), runs)[2].content;
  EXPECT_TRUE(contains(report, "Paired comparison with the baseline **slow**")) << report;
  const auto at = report.find("Paired comparison");
  ASSERT_NE(at, std::string::npos);
  const std::string paired = report.substr(at);
  // Travel time incl. unfinished (travel time + 10 in both): significant, so bold.
  EXPECT_TRUE(contains(paired, "| fast | **-106.0 [-120.9, -91.1]** |")) << paired;
  // Arrived: −200 on every seed, no spread: an interval of zero width that excludes 0.
  EXPECT_TRUE(contains(paired, "**-200 [-200, -200]** |")) << paired;
  // The baseline has no row of its own in the paired table.
  EXPECT_FALSE(contains(paired, "| slow |")) << paired;

  // A difference that changes sign between seeds is not significant: not bold.
  std::vector<RunResult> mixed;
  const std::vector<double> a{300, 310, 320}, b{305, 300, 330};
  for (std::uint64_t s = 1; s <= 3; ++s) {
    mixed.push_back(fakeRun("a", s, a[s - 1], 1000));
    mixed.push_back(fakeRun("b", s, b[s - 1], 1000));
  }
  const std::string mixedReport = renderComparison(fakeSpec({"a", "b"}), mixed)[2].content;
  const MeanInterval d = pairedDifference95(std::vector<double>{305, 300, 330}, std::vector<double>{300, 310, 320});
  EXPECT_LT(d.low(), 0);
  EXPECT_GT(d.high(), 0);
  EXPECT_TRUE(contains(mixedReport, "| b | +1.7 [")) << mixedReport;
  EXPECT_FALSE(contains(mixedReport, "| b | **")) << mixedReport;
}

// Issue 12: teleports hide gridlock, so a report with any shows them above the table, and every
// report says under which protocol and sensing its runs were made.
TEST(CompareReport, ShowsTeleportsProminentlyAndNamesProtocolAndSensing) {
  std::vector<RunResult> runs;
  for (std::uint64_t s = 1; s <= 3; ++s) {
    RunResult a = fakeRun("a", s, 300, 1000);
    a.teleported = 10 * s;
    a.waitingToEnter = 7;
    runs.push_back(a);
    runs.push_back(fakeRun("b", s, 280, 1000));
  }
  ComparisonSpec spec = fakeSpec({"a", "b"});
  spec.scenarios[0].protocol = "cityflow";
  spec.scenarios[0].teleports = true;
  const auto files = renderComparison(spec, runs);
  const std::string& report = files[2].content;
  EXPECT_TRUE(contains(report, "**Teleports: vehicles were stuck and moved ahead in this scenario** (summed over "
                               "seeds: a 60, b 0)"))
      << report;
  EXPECT_TRUE(contains(report, "**Protocol: cityflow**")) << report;
  EXPECT_TRUE(contains(report, "**sensing: oracle**")) << report;
  EXPECT_TRUE(contains(report, "gridlock: **teleport**")) << report;
  EXPECT_TRUE(contains(report, "`mean_travel_time_with_unfinished_s`")) << report;
  // The protocol's documented differences from the original are listed with the numbers.
  EXPECT_TRUE(contains(report, "Where this run differs from the original cityflow conventions:")) << report;
  for (const std::string& d : findBenchmarkProtocol("cityflow")->differences)
    EXPECT_TRUE(contains(report, "- " + d)) << d;
  // The teleported and never-entered columns: a's mean over seeds, b's zero is the best.
  const auto a = reportRow(report, "a");
  const auto b = reportRow(report, "b");
  ASSERT_EQ(a.size(), 13u) << report;  // 12 columns and the empty cell after the closing bar
  EXPECT_EQ(a[10], "7 ± 0");
  EXPECT_EQ(b[10], "**0** ± 0");
  EXPECT_EQ(a[11], "20 ± 25");  // 10, 20, 30: mean 20, half-width 4.3027 · 10 / √3 = 24.8
  EXPECT_EQ(b[11], "**0** ± 0");

  // Without teleports there is no warning, and a run without a protocol says so.
  ComparisonSpec plain = fakeSpec({"a", "b"});
  std::vector<RunResult> calm;
  for (std::uint64_t s = 1; s <= 3; ++s) calm.push_back(fakeRun("a", s, 300, 1000)), calm.push_back(fakeRun("b", s, 280, 1000));
  const std::string calmReport = renderComparison(plain, calm)[2].content;
  EXPECT_FALSE(contains(calmReport, "Teleports:")) << calmReport;
  EXPECT_TRUE(contains(calmReport, "**Protocol: none**")) << calmReport;
  EXPECT_TRUE(contains(calmReport, "gridlock: wait")) << calmReport;

  // results.csv carries the run's protocol and the sensing model.
  runs[0].protocol = "cityflow";
  const std::string csv = renderComparison(spec, runs)[0].content;
  EXPECT_TRUE(contains(csv, ",cityflow,oracle,")) << csv;
}

TEST(CompareReport, NothingIsBoldWithASinglePolicyAndOneSeedHasNoInterval) {
  std::vector<RunResult> runs{fakeRun("only", 1, 250, 900)};
  ComparisonSpec spec = fakeSpec({"only"});
  spec.seeds = 1;
  const auto files = renderComparison(spec, runs);
  const std::string& report = files[2].content;
  const auto row = reportRow(report, "only");
  ASSERT_GE(row.size(), 8u) << report;
  EXPECT_EQ(row[0], "250.0");
  EXPECT_FALSE(contains(report, "| **")) << report;
  EXPECT_TRUE(contains(report, "no confidence intervals")) << report;
}

TEST(CompareReport, ChartsHaveABarPerPolicyAndALinePerPolicy) {
  std::vector<RunResult> runs;
  for (std::uint64_t s = 1; s <= 3; ++s)
    for (const char* p : {"a", "b", "c"}) runs.push_back(fakeRun(p, s, 200 + 10.0 * static_cast<double>(s), 1000));
  const auto files = renderComparison(fakeSpec({"a", "b", "c"}), runs);
  auto count = [](const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(files[3].content, "class=\"bar\""), 3u);
  EXPECT_EQ(count(files[3].content, "class=\"error-bar\""), 3u);
  EXPECT_EQ(count(files[4].content, "<polyline class=\"series\""), 3u);
  // No vehicle waits to enter in these runs, so the vehicles chart has only the in-network lines.
  EXPECT_EQ(count(files[5].content, "<polyline class=\"series\""), 3u);
  EXPECT_TRUE(contains(files[5].content, "a: in the network"));
}

TEST(CompareOutputs, OnlyFilesTheCommandWritesMayBeReplaced) {
  EXPECT_TRUE(isComparisonOutput("results.csv"));
  EXPECT_TRUE(isComparisonOutput("report.md"));
  EXPECT_TRUE(isComparisonOutput("vehicles_jinan_real.svg"));
  EXPECT_FALSE(isComparisonOutput("summary.json"));
  EXPECT_FALSE(isComparisonOutput("photo.svg"));
  EXPECT_FALSE(isComparisonOutput("vehicles_x.svg.bak"));
}

TEST(SimulateRun, MeasuresTheRunAndSamplesHaltingVehiclesWithTheTimeSeries) {
  TempDir dir;
  const Scenario sc = loadScenario(dir.write("tiny.toml", kTinyGrid));
  std::atomic<bool> stop{false};
  std::atomic<double> fraction{0};
  const auto r = simulateRun(sc, "fixed_time", stop, &fraction);
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(fraction.load(), 1.0);
  EXPECT_EQ(r->scenario, "tiny");
  EXPECT_EQ(r->policy, "fixed_time");
  EXPECT_EQ(r->seed, sc.seed);
  ASSERT_EQ(r->series.size(), 11u);  // t = 1, 60, ..., 600
  double halting = 0;
  for (const auto& p : r->series) {
    EXPECT_LE(p.halting, p.running);
    halting += p.halting;
  }
  EXPECT_GT(halting, 0) << "vehicles stop at red lights";
  EXPECT_DOUBLE_EQ(r->meanQueueVeh, halting / 11);
  EXPECT_GT(r->arrived, 0u);
  EXPECT_GT(r->meanTravelTimeS, r->meanDelayS);
  EXPECT_GT(r->meanDelayS, 0);
  EXPECT_TRUE(std::isnan(r->emergencyTravelTimeS));
  // RESCO's delay counts every vehicle due to depart, so it is at least the finished ones' mean
  // share: here nearly every vehicle arrives and it stays close to, and not below, zero.
  EXPECT_TRUE(std::isfinite(r->meanDelayWithUnfinishedS));
  EXPECT_GT(r->meanDelayWithUnfinishedS, 0);
  EXPECT_GE(r->entered, r->arrived);
  EXPECT_LE(r->entered, r->spawned);
  EXPECT_EQ(r->protocol, "");
}

// Issue 12: a vehicle that never entered counts its whole time since departure in RESCO's delay,
// so a demand far beyond the network's capacity makes that delay exceed the arrived ones' delay.
TEST(SimulateRun, DelayWithUnfinishedCountsVehiclesThatNeverEntered) {
  TempDir dir;
  std::string heavy = kTinyGrid;
  heavy.replace(heavy.find("veh_per_hour = 900"), 18, "veh_per_hour = 5000");
  const Scenario sc = loadScenario(dir.write("heavy.toml", heavy), {"benchmark.protocol=default"});
  EXPECT_EQ(sc.protocol, "default");
  std::atomic<bool> stop{false};
  const auto r = simulateRun(sc, "fixed_time", stop);
  ASSERT_TRUE(r.has_value());
  EXPECT_GT(r->waitingToEnter, 0u) << "the demand must exceed what the entry lane takes";
  EXPECT_GT(r->meanDelayWithUnfinishedS, r->meanDelayS);
  EXPECT_EQ(r->protocol, "default");
  EXPECT_EQ(r->teleported, 0u) << "the default protocol never teleports";
}

TEST(SimulateRun, StopsWhenAsked) {
  TempDir dir;
  const Scenario sc = loadScenario(dir.write("tiny.toml", kTinyGrid));
  std::atomic<bool> stop{true};
  EXPECT_FALSE(simulateRun(sc, "fixed_time", stop).has_value());
}

}  // namespace
}  // namespace traffic::compare
