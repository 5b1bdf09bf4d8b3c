// Outputs streamed while a run goes (RunOutputStream): the files are byte for byte those written
// from the finished world at the end, on a signalised city and on a scenario with transit lines
// and an on-demand fleet; a run that stops before publishing leaves the results folder as it was;
// gzip-compressed files hold exactly the uncompressed bytes.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "traffic/errors.h"
#include "traffic/output_folder.h"
#include "traffic/outputs.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

using traffic::testing::readAll;
using traffic::testing::TempDir;

Scenario shipped(const std::string& name, double durationS, std::vector<std::string> overrides = {}) {
  overrides.push_back("scenario.duration_s=" + std::to_string(durationS));
  return loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/" + name + ".toml", overrides);
}

WorldOptions threads(int n) {
  WorldOptions options;
  options.threads = n;
  return options;
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// The content of a gzip file, read back with zlib.
std::string gunzip(const fs::path& path) {
  gzFile in = gzopen(path.c_str(), "rb");
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(in, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  const bool failed = n < 0;
  gzclose(in);
  if (failed) throw std::runtime_error("corrupt gzip data in " + path.string());
  return out;
}

/// Runs `sc` to its end, streaming its outputs into `streamedDir` after every step, and writes the
/// same world's outputs at the end into `endDir` with writeRunOutputs (today's writer).
/// `settlesMidRun`: whether trip rows are settled by half time (not when the first trips are
/// vehicles in service all the run, as a fleet's: the rows after them wait for the end).
void runBothWays(const Scenario& sc, const fs::path& streamedDir, const fs::path& endDir, bool settlesMidRun = true) {
  World world(sc, threads(1));
  RunOutputStream stream(streamedDir, sc);
  std::size_t settledMidRun = 0;
  while (!world.finished()) {
    world.step();
    stream.drain(world);
    if (world.timeS() <= sc.durationS / 2) settledMidRun = world.firstUnarrivedTrip(0);
  }
  // Rows were settled (and so written) during the run, not only at its end.
  if (settlesMidRun) {
    EXPECT_GT(settledMidRun, 0u);
  }
  const Summary summary = world.summary(1.0);
  stream.publish(world, summary);
  writeRunOutputs(endDir, sc, summary, world.tripRecords(), world.timeseries(), world.transitRecords());
}

void expectSameFiles(const fs::path& a, const fs::path& b) {
  ASSERT_EQ(entries(a), entries(b));
  for (const std::string& name : entries(a)) EXPECT_EQ(readAll(a / name), readAll(b / name)) << name;
}

TEST(StreamedOutputs, EqualTheEndOfRunFilesOnHangzhouPeak) {
  TempDir tmp;
  runBothWays(shipped("hangzhou_peak", 1800), tmp.path() / "streamed", tmp.path() / "end");
  expectSameFiles(tmp.path() / "streamed", tmp.path() / "end");
  EXPECT_EQ(entries(tmp.path() / "streamed"), (std::vector<std::string>{"summary.json", "timeseries.csv", "trips.csv"}));
  // Nothing left beside the results.
  EXPECT_EQ(entries(tmp.path()), (std::vector<std::string>{"end", "streamed"}));
}

TEST(StreamedOutputs, EqualTheEndOfRunFilesWithTransitAndAFleet) {
  TempDir tmp;
  runBothWays(shipped("singapore_av", 1200), tmp.path() / "streamed", tmp.path() / "end", false);
  expectSameFiles(tmp.path() / "streamed", tmp.path() / "end");
  EXPECT_TRUE(fs::exists(tmp.path() / "streamed" / kLineStopsFile));
  EXPECT_TRUE(fs::exists(tmp.path() / "streamed" / kPassengersFile));
}

TEST(StreamedOutputs, UnderTheCityBrainProtocolTheScoresEqualTheEndOfRunOnes) {
  // The scores are summed as the rows are written, the arrived trips long before the others.
  TempDir tmp;
  runBothWays(shipped("hangzhou_peak", 1800, {"benchmark.protocol=citybrain"}), tmp.path() / "streamed",
              tmp.path() / "end");
  expectSameFiles(tmp.path() / "streamed", tmp.path() / "end");
  EXPECT_NE(readAll(tmp.path() / "streamed" / kSummaryFile).find("\"citybrain\""), std::string::npos);
}

TEST(StreamedOutputs, AStreamNotPublishedLeavesTheEarlierResultsAndNothingElse) {
  TempDir tmp;
  const Scenario sc = shipped("hangzhou_real", 600);
  const fs::path out = tmp.path() / "r";
  {
    World world(sc, threads(1));
    world.run();
    writeRunOutputs(out, sc, world.summary(1.0), world.tripRecords(), world.timeseries(), world.transitRecords());
  }
  const std::string before = readAll(out / kTripsFile);
  {
    World world(sc, threads(1));
    RunOutputStream stream(out, sc);
    for (int i = 0; i < 300; ++i) {
      world.step();
      stream.drain(world);
    }
    // The rows so far are in a hidden folder beside the results, not in them.
    EXPECT_EQ(entries(tmp.path()).size(), 2u);
    EXPECT_EQ(readAll(out / kTripsFile), before);
  }  // the run stops here (Ctrl-C, an error): the stream goes unpublished
  EXPECT_EQ(entries(tmp.path()), (std::vector<std::string>{"r"}));
  EXPECT_EQ(readAll(out / kTripsFile), before);
}

TEST(StreamedOutputs, AStagingFolderLeftByAKilledRunIsDeletedAtTheNextCheck) {
  TempDir tmp;
  const fs::path out = tmp.path() / "r";
  // What a run killed while streaming leaves (pids never reach 999999999).
  const fs::path abandoned = tmp.path() / ".r.partial-999999999-0";
  fs::create_directory(abandoned);
  std::ofstream(abandoned / kTripsFile) << "id,class\n";
  // One of a run still going (this process) is left alone.
  const fs::path live = tmp.path() / (".r.partial-" + std::to_string(::getpid()) + "-99");
  fs::create_directory(live);
  checkOutputDirReplaceable(out);
  EXPECT_FALSE(fs::exists(abandoned));
  EXPECT_TRUE(fs::exists(live));
}

TEST(StreamedOutputs, GzipFilesHoldTheUncompressedBytes) {
  TempDir tmp;
  const Scenario plain = shipped("hangzhou_peak", 1200);
  const Scenario gzip = shipped("hangzhou_peak", 1200, {"outputs.compress=gzip"});
  ASSERT_EQ(gzip.outputCompression, Compression::Gzip);
  for (const auto& [sc, dir] : {std::pair{&plain, "plain"}, std::pair{&gzip, "gzip"}}) {
    World world(*sc, threads(1));
    RunOutputStream stream(tmp.path() / dir, *sc);
    while (!world.finished()) {
      world.step();
      stream.drain(world);
    }
    stream.publish(world, world.summary(1.0));
  }
  EXPECT_EQ(entries(tmp.path() / "gzip"),
            (std::vector<std::string>{"summary.json", "timeseries.csv.gz", "trips.csv.gz"}));
  const std::string trips = readAll(tmp.path() / "plain" / kTripsFile);
  EXPECT_EQ(gunzip(tmp.path() / "gzip" / "trips.csv.gz"), trips);
  EXPECT_EQ(gunzip(tmp.path() / "gzip" / "timeseries.csv.gz"), readAll(tmp.path() / "plain" / kTimeseriesFile));
  EXPECT_EQ(readAll(tmp.path() / "gzip" / kSummaryFile), readAll(tmp.path() / "plain" / kSummaryFile));
  // Compressed, and without a time stamp: the same run gives the same bytes.
  EXPECT_LT(fs::file_size(tmp.path() / "gzip" / "trips.csv.gz") * 3, trips.size());
  World again(gzip, threads(2));
  again.run();
  writeRunOutputs(tmp.path() / "again", gzip, again.summary(1.0), again.tripRecords(), again.timeseries(),
                  again.transitRecords());
  EXPECT_EQ(readAll(tmp.path() / "again" / "trips.csv.gz"), readAll(tmp.path() / "gzip" / "trips.csv.gz"));
}

TEST(StreamedOutputs, ABigFileStreamsThroughTheBufferIntact) {
  // More than the 1 MiB buffer, in uneven pieces, both ways.
  TempDir tmp;
  std::string expected;
  for (Compression c : {Compression::None, Compression::Gzip}) {
    StreamedFile file(tmp.path() / compressedName("big.csv", c), c);
    expected.clear();
    for (int i = 0; i < 200000; ++i) {
      const std::string row = std::to_string(i * 7919) + ",row " + std::to_string(i) + "\n";
      file.buffer() += row;
      expected += row;
      if (i % 37 == 0) file.flushIfFull();
    }
    file.close();
    EXPECT_GT(expected.size(), std::size_t{1} << 21);
  }
  EXPECT_EQ(readAll(tmp.path() / "big.csv"), expected);
  EXPECT_EQ(gunzip(tmp.path() / "big.csv.gz"), expected);
}

/// roads.csv's rows as cells (no field of these scenarios is quoted).
std::vector<std::vector<std::string>> csvRows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    std::vector<std::string> cells;
    std::size_t c = at;
    while (true) {
      const std::size_t comma = text.find(',', c);
      if (comma == std::string::npos || comma > end) {
        cells.push_back(text.substr(c, end - c));
        break;
      }
      cells.push_back(text.substr(c, comma - c));
      c = comma + 1;
    }
    rows.push_back(std::move(cells));
    at = end + 1;
  }
  return rows;
}

/// Runs `sc` with its outputs streamed after every step into `dir`.
void streamedRun(const Scenario& sc, const fs::path& dir, WorldOptions options) {
  World world(sc, options);
  RunOutputStream stream(dir, sc);
  stream.drain(world);
  while (!world.finished()) {
    world.step();
    stream.drain(world);
  }
  stream.publish(world, world.summary(1.0));
}

// A 3x3 grid with light demand that stops at 300 s and has all of it arrived by 900 s.
const char* kSmallGrid = R"(
[scenario]
name = "small"
duration_s = 900
[map.grid]
rows = 3
columns = 3
[[demand.flow]]
id = "east"
from = "road_j_0_-1_j_0_0"
to = "road_j_2_2_j_2_3"
veh_per_hour = 300
end_s = 300
[[demand.flow]]
id = "north"
from = "road_j_-1_1_j_0_1"
to = "road_j_2_1_j_3_1"
veh_per_hour = 200
end_s = 300
[outputs]
roads = true
timeseries_interval_s = 60
)";

TEST(RoadsCsv, VehiclesEnteringRoadsAddUpToTheRoutesOfTheArrivedTrips) {
  TempDir tmp;
  const Scenario sc = loadScenario(tmp.write("small.toml", kSmallGrid));
  ASSERT_TRUE(sc.roadsOutput);
  streamedRun(sc, tmp.path() / "out", threads(1));
  const auto rows = csvRows(readAll(tmp.path() / "out" / kRoadsFile));
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], (std::vector<std::string>{"road", "start_s", "end_s", "entered", "flow_veh_per_h", "mean_vehicles",
                                               "density_veh_per_km", "density_veh_per_km_lane", "mean_speed_mps",
                                               "mean_queue_veh"}));
  // One row per road and interval: 15 intervals of 60 s.
  const std::size_t roads = sc.network->roads().size();
  ASSERT_EQ(rows.size(), 1 + roads * 15);
  std::uint64_t entered = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 10u);
    const std::size_t interval = (i - 1) / roads;
    EXPECT_DOUBLE_EQ(std::stod(rows[i][1]), 60.0 * static_cast<double>(interval));
    EXPECT_DOUBLE_EQ(std::stod(rows[i][2]), 60.0 * static_cast<double>(interval + 1));
    EXPECT_EQ(rows[i][0], sc.network->road(RoadId(static_cast<std::uint32_t>((i - 1) % roads))).name);
    const auto n = std::stoull(rows[i][3]);
    entered += n;
    EXPECT_DOUBLE_EQ(std::stod(rows[i][4]), static_cast<double>(n) * 60.0);  // veh/h over 60 s
  }
  // Every trip arrived, none teleported: each entered every road of its route once.
  const std::string trips = readAll(tmp.path() / "out" / kTripsFile);
  std::uint64_t routeRoads = 0;
  for (const Trip& t : sc.demand.trips) routeRoads += sc.demand.routes.route(t.route).size();
  const auto tripRows = csvRows(trips);
  ASSERT_EQ(tripRows.size(), sc.demand.trips.size() + 1);
  for (std::size_t i = 1; i < tripRows.size(); ++i) {
    EXPECT_FALSE(tripRows[i][5].empty()) << "trip " << tripRows[i][0] << " did not arrive";
    EXPECT_EQ(tripRows[i][12], "0");
  }
  EXPECT_GT(entered, 0u);
  EXPECT_EQ(entered, routeRoads);
}

TEST(RoadsCsv, MeanVehiclesOnRoadsStayWithinTheRunningVehicles) {
  // Vehicles on roads are the running ones less those inside junctions or in bays: summed over
  // roads, each interval's mean is at most the most running at any row of the time series.
  TempDir tmp;
  streamedRun(shipped("hangzhou_peak", 1200, {"outputs.roads=true"}), tmp.path() / "out", threads(1));
  const auto rows = csvRows(readAll(tmp.path() / "out" / kRoadsFile));
  const auto series = csvRows(readAll(tmp.path() / "out" / kTimeseriesFile));
  double maxRunning = 0;
  for (std::size_t i = 1; i < series.size(); ++i) maxRunning = std::max(maxRunning, std::stod(series[i][1]));
  std::map<std::string, double> perInterval;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    perInterval[rows[i][2]] += std::stod(rows[i][5]);
    const double speed = rows[i][8].empty() ? 0.0 : std::stod(rows[i][8]);
    EXPECT_GE(speed, 0.0);
    EXPECT_LE(std::stod(rows[i][9]), std::stod(rows[i][5]) + 1e-9);  // the queue is part of the vehicles
  }
  ASSERT_EQ(perInterval.size(), 20u);
  for (const auto& [end, vehicles] : perInterval) {
    EXPECT_GT(vehicles, 0.0) << end;
    EXPECT_LE(vehicles, maxRunning + 1e-9) << end;
  }
}

TEST(RoadsCsv, IdenticalOnOneAndTwoThreadsAndOtherOutputsUnchanged) {
  TempDir tmp;
  const Scenario on = shipped("hangzhou_peak", 900, {"outputs.roads=true"});
  const Scenario off = shipped("hangzhou_peak", 900);
  WorldOptions parallel = threads(2);
  parallel.minVehiclesForParallel = 1;  // the parallel phases from the first vehicle
  streamedRun(on, tmp.path() / "one", threads(1));
  streamedRun(on, tmp.path() / "two", parallel);
  streamedRun(off, tmp.path() / "off", threads(1));
  EXPECT_EQ(readAll(tmp.path() / "one" / kRoadsFile), readAll(tmp.path() / "two" / kRoadsFile));
  EXPECT_EQ(entries(tmp.path() / "off"), (std::vector<std::string>{"summary.json", "timeseries.csv", "trips.csv"}));
  for (const char* file : {kTripsFile, kTimeseriesFile})
    EXPECT_EQ(readAll(tmp.path() / "one" / file), readAll(tmp.path() / "off" / file)) << file;
}

TEST(RoadsCsv, AStreamThatMissedAStepRefusesToSumRoads) {
  TempDir tmp;
  const Scenario sc = shipped("hangzhou_real", 120, {"outputs.roads=true"});
  World world(sc, threads(1));
  world.step();
  RunOutputStream stream(tmp.path() / "out", sc);
  world.step();
  EXPECT_THROW(stream.drain(world), std::runtime_error);
  // Written from a finished world, the other files come without it.
  RunOutputStream end(tmp.path() / "end", sc, false);
  end.drain(world);
  end.publish(world, world.summary(1.0));
  EXPECT_EQ(entries(tmp.path() / "end"), (std::vector<std::string>{"summary.json", "timeseries.csv", "trips.csv"}));
}

TEST(StreamedOutputs, AnUnknownCompressionIsRefusedNamingTheKey) {
  try {
    (void)shipped("hangzhou_real", 60, {"outputs.compress=zip"});
    ADD_FAILURE() << "expected a LoadError";
  } catch (const LoadError& e) {
    EXPECT_NE(std::string(e.what()).find("outputs.compress"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gzip"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace traffic
