// The live source: a simulation on its own thread. Whatever the viewer does (taking frames,
// pausing, stepping, changing speed, following a vehicle), the run computes exactly what a
// headless run computes; pausing and stepping do what they say.
#include "traffic/render/live_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "traffic/scenario.h"

namespace traffic::render {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const Scenario> hangzhou(double durationS) {
  return std::make_shared<const Scenario>(loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/hangzhou_real.toml",
                                                       {"scenario.duration_s=" + std::to_string(durationS)}));
}

/// Waits up to `limit` for `done`; false on timeout.
template <class F>
bool waitFor(F done, std::chrono::milliseconds limit = 60000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

struct Result {
  std::uint64_t hash = 0;
  std::uint64_t arrived = 0;
  double timeS = 0;
};

TEST(LiveSimulation, AViewedRunComputesWhatAHeadlessRunDoes) {
  const auto scenario = hangzhou(600);
  World headless(*scenario);
  while (!headless.finished()) headless.step();

  Result viewed;
  LiveSimulation::Options options;
  options.speed = 400;
  options.startPaused = true;
  LiveSimulation live(scenario, options, [&viewed](const World& world, double stepWallS) {
    viewed = {world.stateHash(), world.counts().arrived, world.timeS()};
    EXPECT_GE(stepWallS, 0);
    return LiveSimulation::FinishResult{0, "done"};
  });
  // Play with every control while it runs: none of it may change the result.
  for (int i = 0; i < 5; ++i) live.stepOnce();
  ASSERT_TRUE(waitFor([&] { return live.current()->step == 5; }));
  live.setPaused(false);
  std::uint64_t frames = 0;
  double lastTime = -1;
  bool followed = false;
  ASSERT_TRUE(waitFor([&] {
    const auto f = live.current();
    EXPECT_GE(f->timeS, lastTime) << "frames never go back in time";
    lastTime = f->timeS;
    ++frames;
    if (!followed && !f->vehicles.empty()) {
      live.follow(f->vehicles.front().id);
      followed = true;
    }
    if (frames % 50 == 0) live.setSpeed(frames % 100 == 0 ? kAsFastAsPossible : 200);
    if (frames % 70 == 0) {
      live.setPaused(true);
      live.stepOnce();
      live.setPaused(false);
    }
    (void)live.vehicleDetails(f->vehicles.empty() ? 0 : f->vehicles.back().id);
    return live.finished();
  }));
  EXPECT_EQ(viewed.hash, headless.stateHash());
  EXPECT_EQ(viewed.arrived, headless.counts().arrived);
  EXPECT_DOUBLE_EQ(viewed.timeS, 600);
  EXPECT_EQ(live.exitCode(), 0);
  EXPECT_EQ(live.status(), "done");
  // The last published frame is the end of the run.
  EXPECT_DOUBLE_EQ(live.current()->timeS, 600);
  EXPECT_EQ(*live.current(), headless.frame());
}

TEST(LiveSimulation, PausedItStepsOnlyWhenAsked) {
  LiveSimulation::Options options;
  options.startPaused = true;
  LiveSimulation live(hangzhou(300), options, nullptr);
  EXPECT_EQ(live.current()->step, 0u);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(live.current()->step, 0u);
  live.stepOnce();
  ASSERT_TRUE(waitFor([&] { return live.current()->step == 1; }));
  live.stepOnce();
  live.stepOnce();
  ASSERT_TRUE(waitFor([&] { return live.current()->step == 3; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(live.current()->step, 3u);
  EXPECT_TRUE(live.paused());
  EXPECT_FALSE(live.finished());
}

TEST(LiveSimulation, RunsToTheRequestedTimeAndPausesThere) {
  LiveSimulation::Options options;
  options.speed = 1;  // --at runs as fast as possible whatever the speed
  options.pauseAtS = 120;
  LiveSimulation live(hangzhou(300), options, nullptr);
  ASSERT_TRUE(waitFor([&] { return live.paused() && live.current()->timeS >= 120; }));
  EXPECT_DOUBLE_EQ(live.current()->timeS, 120);
  std::this_thread::sleep_for(50ms);
  EXPECT_DOUBLE_EQ(live.current()->timeS, 120);
  // The chart has the way there, not only what the window saw after the jump.
  const auto chart = live.delayIndexHistory();
  ASSERT_GE(chart.size(), 2u);
  EXPECT_DOUBLE_EQ(chart.front().first, 0);
  EXPECT_DOUBLE_EQ(chart.back().first, 120);
  EXPECT_DOUBLE_EQ(chart.back().second, live.current()->stats.delayIndex);
  for (std::size_t i = 1; i < chart.size(); ++i) EXPECT_LT(chart[i - 1].first, chart[i].first);
}

TEST(LiveSimulation, NeverRunsAheadOfTheRequestedSpeed) {
  // An upper bound only: a busy machine may run slower, never faster.
  LiveSimulation::Options options;
  options.speed = 20;
  const auto start = std::chrono::steady_clock::now();
  LiveSimulation live(hangzhou(3600), options, nullptr);
  std::this_thread::sleep_for(300ms);
  const double shownS = live.publishedTimeS();
  const double wallS = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LE(shownS, 20 * wallS + 2);
}

TEST(LiveSimulation, FollowingAVehicleBringsItsTripRecord) {
  LiveSimulation::Options options;
  options.pauseAtS = 200;
  LiveSimulation live(hangzhou(300), options, nullptr);
  ASSERT_TRUE(waitFor([&] { return live.paused() && live.current()->timeS >= 200; }));
  const auto frame = live.current();
  ASSERT_FALSE(frame->vehicles.empty());
  const std::uint32_t id = frame->vehicles.front().id;
  live.follow(id);
  std::optional<VehicleDetails> d;
  ASSERT_TRUE(waitFor([&] {
    d = live.vehicleDetails(id);
    return d && d->distanceM >= 0;
  }));
  EXPECT_EQ(d->id, id);
  EXPECT_FALSE(d->trip.empty());
  EXPECT_FALSE(d->route.empty());
  EXPECT_GE(d->enterS, d->departS);
  EXPECT_GT(d->distanceM, 0);
  EXPECT_GT(d->routeLengthM, 0);
  EXPECT_FALSE(live.vehicleDetails(1u << 30));
}

// Issue 16: following a bus or a shuttle shows where it will stop next (the viewer's panel lists
// them and the map marks them).
TEST(LiveSimulation, FollowingABusBringsItsUpcomingStops) {
  const auto sc = std::make_shared<const Scenario>(
      loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/singapore_av.toml", {"scenario.duration_s=1200"}));
  LiveSimulation::Options options;
  options.startPaused = true;
  LiveSimulation live(sc, options, nullptr);
  // Step until a bus and a car are both in the network.
  auto firstOf = [&](VehicleClass c) -> const FrameVehicle* {
    for (const FrameVehicle& v : live.current()->vehicles)
      if (v.vehicleClass == c) return &v;
    return nullptr;
  };
  std::shared_ptr<const Frame> frame = live.current();
  for (int i = 0; i < 1000 && !(firstOf(VehicleClass::Bus) && firstOf(VehicleClass::Car)); ++i) {
    const double before = live.current()->timeS;
    live.stepOnce();
    ASSERT_TRUE(waitFor([&] { return live.current()->timeS > before; }));
  }
  frame = live.current();
  const auto bus = std::find_if(frame->vehicles.begin(), frame->vehicles.end(),
                                [](const FrameVehicle& v) { return v.vehicleClass == VehicleClass::Bus; });
  ASSERT_NE(bus, frame->vehicles.end());
  live.follow(bus->id);
  std::optional<VehicleDetails> d;
  ASSERT_TRUE(waitFor([&] {
    d = live.vehicleDetails(bus->id);
    return d && !d->upcomingStops.empty();
  }));
  std::set<std::string> stopIds;
  for (const TransitStop& s : sc->transit.stops) stopIds.insert(s.id);
  for (const UpcomingStop& u : d->upcomingStops) {
    EXPECT_EQ(u.kind, UpcomingStop::Kind::TransitStop);
    EXPECT_TRUE(stopIds.count(u.name)) << u.name;
  }
  // A car has none.
  const auto car = std::find_if(frame->vehicles.begin(), frame->vehicles.end(),
                                [](const FrameVehicle& v) { return v.vehicleClass == VehicleClass::Car; });
  ASSERT_NE(car, frame->vehicles.end());
  live.follow(car->id);
  ASSERT_TRUE(waitFor([&] {
    d = live.vehicleDetails(car->id);
    return d && d->distanceM >= 0;
  }));
  EXPECT_TRUE(d->upcomingStops.empty());
}

TEST(LiveSimulation, TheScenariosStopsAndTheLinesServingThem) {
  const auto sc = std::make_shared<const Scenario>(
      loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/singapore_av.toml", {"scenario.duration_s=60"}));
  LiveSimulation::Options options;
  options.startPaused = true;
  LiveSimulation live(sc, options, nullptr);
  ASSERT_EQ(live.stops().size(), sc->transit.stops.size());
  ASSERT_FALSE(live.stops().empty());
  EXPECT_EQ(&live.stops(), &sc->transit.stops);
  // The first stop of the first line is served by that line.
  const TransitLine& first = sc->transit.lines.front();
  const std::vector<std::string> lines = live.linesAtStop(first.stops.front());
  EXPECT_NE(std::find(lines.begin(), lines.end(), first.id), lines.end());
  // Frames carry one waiting count per stop from the start.
  ASSERT_TRUE(live.current());
  EXPECT_EQ(live.current()->stopWaiting.size(), sc->transit.stops.size());
  live.stop();
}

TEST(LiveSimulation, ClosingEarlyWritesNothing) {
  bool finished = false;
  {
    LiveSimulation::Options options;
    options.speed = 5;
    LiveSimulation live(hangzhou(3600), options, [&finished](const World&, double) {
      finished = true;
      return LiveSimulation::FinishResult{};
    });
    std::this_thread::sleep_for(30ms);
  }  // the destructor stops the thread mid-run
  EXPECT_FALSE(finished);
}

}  // namespace
}  // namespace traffic::render
