// The replay source: a playback clock over a recording's frames, with seek, pause, step and
// speed, showing frames exactly as recorded.
#include "traffic/render/replay_source.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/temp_dir.h"
#include "traffic/errors.h"
#include "traffic/recording.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic::render {
namespace {

class ReplaySourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_dir = new traffic::testing::TempDir();
    s_scenario = new Scenario(loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/hangzhou_real.toml",
                                           {"scenario.duration_s=300"}));
    s_file = s_dir->path() / "run.tsrec";
    World world(*s_scenario);
    RecordingWriter writer(s_file, *s_scenario);
    s_frames = new std::vector<Frame>();
    // Every 5 s, as `run --record-every 5` would.
    s_frames->push_back(world.frame());
    writer.write(s_frames->back());
    while (!world.finished()) {
      world.step();
      if (world.stepCount() % 5 == 0) {
        s_frames->push_back(world.frame());
        writer.write(s_frames->back());
      }
    }
    writer.close();
  }
  static void TearDownTestSuite() {
    delete s_frames;
    delete s_scenario;
    delete s_dir;
  }

  static traffic::testing::TempDir* s_dir;
  static Scenario* s_scenario;
  static std::filesystem::path s_file;
  static std::vector<Frame>* s_frames;
};

traffic::testing::TempDir* ReplaySourceTest::s_dir = nullptr;
Scenario* ReplaySourceTest::s_scenario = nullptr;
std::filesystem::path ReplaySourceTest::s_file;
std::vector<Frame>* ReplaySourceTest::s_frames = nullptr;

TEST_F(ReplaySourceTest, DescribesTheRecordedRun) {
  ReplaySource src(s_file, 10, false);
  EXPECT_EQ(src.info().name, s_scenario->name);
  EXPECT_EQ(src.info().policy, s_scenario->signalPolicy.name);
  EXPECT_DOUBLE_EQ(src.info().startS, 0);
  EXPECT_DOUBLE_EQ(src.info().endS, 300);
  EXPECT_FALSE(src.info().live);
  EXPECT_TRUE(src.canSeek());
  EXPECT_EQ(src.network().lanes().size(), s_scenario->network->lanes().size());
  // Lengths come from the recorded vehicle types.
  const Trip& trip = s_scenario->demand.trips[0];
  EXPECT_DOUBLE_EQ(src.vehicleLengthM(0), s_scenario->vehicleTypes[trip.type.index()].lengthM);
  const auto d = src.vehicleDetails(0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->trip, trip.id);
  EXPECT_EQ(d->route.size(), s_scenario->demand.routes.route(trip.route).size());
  EXPECT_LT(d->distanceM, 0) << "not in a recording: shown as unknown";
}

TEST(ReplaySourceStops, StopsAndTheirLinesComeFromTheRecording) {
  traffic::testing::TempDir dir;
  const Scenario sc =
      loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/singapore_av.toml", {"scenario.duration_s=120"});
  const std::filesystem::path file = dir.path() / "sg.tsrec";
  std::vector<Frame> frames;
  {
    World world(sc);
    RecordingWriter writer(file, sc);
    while (!world.finished()) {
      world.step();
      frames.push_back(world.frame());
      writer.write(frames.back());
    }
  }
  ReplaySource src(file, 10, true);
  ASSERT_EQ(src.stops().size(), sc.transit.stops.size());
  ASSERT_FALSE(src.stops().empty());
  for (std::size_t i = 0; i < src.stops().size(); ++i) {
    EXPECT_EQ(src.stops()[i].id, sc.transit.stops[i].id);
    EXPECT_EQ(src.stops()[i].lane, sc.transit.stops[i].lane);
    // Each stop is listed under every line that serves it, and only those.
    std::vector<std::string> expected;
    for (const TransitLine& line : sc.transit.lines)
      if (std::find(line.stops.begin(), line.stops.end(), i) != line.stops.end()) expected.push_back(line.id);
    EXPECT_FALSE(expected.empty()) << sc.transit.stops[i].id;
    EXPECT_EQ(src.linesAtStop(i), expected) << sc.transit.stops[i].id;
  }
  // The waiting counts play back as simulated.
  src.seek(frames.back().timeS);
  ASSERT_TRUE(src.current());
  EXPECT_EQ(src.current()->stopWaiting, frames.back().stopWaiting);
}

TEST_F(ReplaySourceTest, ARunWithoutTransitHasNoStops) {
  ReplaySource src(s_file, 10, true);
  EXPECT_TRUE(src.stops().empty());
  EXPECT_TRUE(src.linesAtStop(0).empty());
  ASSERT_TRUE(src.current());
  EXPECT_TRUE(src.current()->stopWaiting.empty());
}

TEST_F(ReplaySourceTest, PlaysAtTheRequestedSpeed) {
  ReplaySource src(s_file, 10, false);
  EXPECT_EQ(*src.current(), s_frames->front());
  src.advance(1.0);  // 10 simulated seconds
  EXPECT_DOUBLE_EQ(src.current()->timeS, 10);
  EXPECT_EQ(*src.current(), (*s_frames)[2]);
  src.advance(0.26);  // 12.6 s: still the frame of 10 s
  EXPECT_DOUBLE_EQ(src.current()->timeS, 10);
  src.setSpeed(100);
  src.advance(10);  // far past the end: stops at the last frame
  EXPECT_DOUBLE_EQ(src.current()->timeS, 300);
  EXPECT_TRUE(src.finished());
  EXPECT_EQ(*src.current(), s_frames->back());
}

TEST_F(ReplaySourceTest, AsFastAsPossibleShowsEveryFrameOnce) {
  ReplaySource src(s_file, kAsFastAsPossible, false);
  for (std::size_t i = 1; i < 4; ++i) {
    src.advance(0.001);
    EXPECT_EQ(*src.current(), (*s_frames)[i]);
  }
}

TEST_F(ReplaySourceTest, PausedItMovesOnlyByStepsAndSeeks) {
  ReplaySource src(s_file, 10, true);
  src.advance(5);
  EXPECT_DOUBLE_EQ(src.current()->timeS, 0);
  src.stepOnce();
  EXPECT_DOUBLE_EQ(src.current()->timeS, 5);
  src.seek(123);  // the frame at or before
  EXPECT_DOUBLE_EQ(src.current()->timeS, 120);
  src.seek(-50);
  EXPECT_DOUBLE_EQ(src.current()->timeS, 0);
  src.seek(1e9);
  EXPECT_DOUBLE_EQ(src.current()->timeS, 300);
  src.seek(60);
  EXPECT_EQ(*src.current(), (*s_frames)[12]);
  EXPECT_TRUE(src.paused());
  src.setPaused(false);
  src.advance(0.5);
  EXPECT_DOUBLE_EQ(src.current()->timeS, 65);
}

TEST_F(ReplaySourceTest, TheChartComesFromTheFrames) {
  ReplaySource src(s_file, 10, false);
  const auto series = src.delayIndexHistory();
  ASSERT_EQ(series.size(), s_frames->size());  // fewer frames than chart points: every one
  for (std::size_t i = 0; i < series.size(); ++i) {
    EXPECT_DOUBLE_EQ(series[i].first, (*s_frames)[i].timeS);
    EXPECT_DOUBLE_EQ(series[i].second, (*s_frames)[i].stats.delayIndex);
  }
  const auto some = src.delayIndexSeries(100, 5);
  ASSERT_EQ(some.size(), 5u);
  EXPECT_DOUBLE_EQ(some.front().first, 0);
  EXPECT_DOUBLE_EQ(some.back().first, 100);
}

TEST_F(ReplaySourceTest, ARecordingCutShortPlaysItsCompleteFrames) {
  traffic::testing::TempDir dir;
  const auto cut = dir.path() / "cut.tsrec";
  std::filesystem::copy_file(s_file, cut);
  std::filesystem::resize_file(cut, std::filesystem::file_size(s_file) - 100);
  ReplaySource src(cut, 10, false);
  EXPECT_LT(src.info().endS, 300);
  EXPECT_NE(src.status().find("cut short"), std::string::npos) << src.status();
  src.seek(1e9);
  EXPECT_NE(src.current(), nullptr);
}

TEST_F(ReplaySourceTest, NotARecordingIsALoadErrorNamingTheFile) {
  traffic::testing::TempDir dir;
  const auto bad = dir.write("bad.tsrec", "this is not a recording");
  try {
    ReplaySource src(bad, 10, false);
    FAIL() << "expected LoadError";
  } catch (const LoadError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.tsrec"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace traffic::render
