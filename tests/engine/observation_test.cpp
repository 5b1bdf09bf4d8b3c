// observation.h against the world's own pictures (snapshot, frame, counts) on real data.
// Issue 13: the Python binding reads observations through these functions.
#include "traffic/observation.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "traffic/scenario.h"

namespace traffic {
namespace {

Scenario hangzhou() {
  return loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/hangzhou_real.toml", {"scenario.duration_s=1200"});
}

TEST(Observation, LaneFiguresAgreeWithTheSnapshot) {
  const Scenario sc = hangzhou();
  World world(sc, WorldOptions{1});
  for (int i = 0; i < 900; ++i) world.step();
  const std::size_t lanes = sc.network->lanes().size();
  std::vector<std::int32_t> vehicles(lanes), halting(lanes);
  std::vector<double> speed(lanes), occupancy(lanes), waiting(lanes);
  observeLanes(world, LaneArrays{vehicles, halting, speed, occupancy, waiting});

  std::map<std::uint32_t, int> count, halted;
  std::map<std::uint32_t, double> speedSum;
  const WorldSnapshot snap = world.snapshot();
  for (const VehicleView& v : snap.vehicles) {
    if (v.onConnector) continue;
    ++count[v.lane.value];
    speedSum[v.lane.value] += v.speedMps;
    if (v.speedMps < 0.1) ++halted[v.lane.value];
  }
  int total = 0;
  for (std::size_t l = 0; l < lanes; ++l) {
    const auto id = static_cast<std::uint32_t>(l);
    EXPECT_EQ(vehicles[l], count[id]) << "lane " << l;
    EXPECT_EQ(halting[l], halted[id]) << "lane " << l;
    EXPECT_DOUBLE_EQ(speed[l], count[id] ? speedSum[id] / count[id] : 0.0) << "lane " << l;
    EXPECT_EQ(occupancy[l] > 0, count[id] > 0);
    EXPECT_EQ(waiting[l] > 0, halted[id] > 0 && waiting[l] > 0);
    total += vehicles[l];
  }
  EXPECT_GT(total, 100);
  EXPECT_EQ(vehiclesInNetwork(world), world.counts().running);
  EXPECT_EQ(vehiclesInNetwork(world), snap.vehicles.size());
}

TEST(Observation, VehiclesInEngineOrderWithTheirTracks) {
  const Scenario sc = hangzhou();
  World world(sc, WorldOptions{1});
  for (int i = 0; i < 600; ++i) world.step();
  const std::size_t n = vehiclesInNetwork(world);
  std::vector<std::uint32_t> id(n);
  std::vector<std::int32_t> lane(n), connector(n);
  std::vector<double> position(n), speed(n), waiting(n);
  std::vector<std::uint8_t> inBay(n, 7);
  observeVehicles(world, VehicleArrays{id, lane, connector, position, speed, waiting, inBay});
  const WorldSnapshot snap = world.snapshot();
  ASSERT_EQ(snap.vehicles.size(), n);
  for (std::size_t k = 0; k < n; ++k) {
    const VehicleView& v = snap.vehicles[k];
    EXPECT_EQ(id[k], v.id.value);
    EXPECT_EQ(lane[k], v.onConnector ? -1 : static_cast<std::int32_t>(v.lane.value));
    EXPECT_EQ(connector[k], v.onConnector ? static_cast<std::int32_t>(v.connector.value) : -1);
    EXPECT_EQ(position[k], v.positionM);
    EXPECT_EQ(speed[k], v.speedMps);
    EXPECT_EQ(waiting[k] > 0, v.speedMps < 0.1 && waiting[k] > 0);
    EXPECT_EQ(inBay[k], 0);  // no stop bays on this map
  }
}

TEST(Observation, SignalsMatchTheFrame) {
  const Scenario sc = hangzhou();
  World world(sc, WorldOptions{1});
  for (int i = 0; i < 77; ++i) world.step();
  const std::size_t junctions = sc.network->junctions().size();
  std::vector<std::int32_t> phase(junctions), next(junctions), stage(junctions);
  std::vector<double> time(junctions);
  observeSignals(world, SignalArrays{phase, next, stage, time});
  const Frame frame = world.frame();
  std::size_t seen = 0;
  for (const FrameSignal& f : frame.signals) {
    EXPECT_EQ(phase[f.junction], f.phase);
    EXPECT_EQ(next[f.junction], f.next);
    EXPECT_EQ(stage[f.junction], f.stage);
    EXPECT_FLOAT_EQ(static_cast<float>(time[f.junction]), f.timeInStageS);
    ++seen;
  }
  std::size_t without = 0;
  for (std::size_t j = 0; j < junctions; ++j) without += phase[j] == -1 ? 1 : 0;
  EXPECT_EQ(seen + without, junctions);
}

TEST(Observation, RejectsArraysOfTheWrongSizeAndSkipsEmptyOnes) {
  const Scenario sc = hangzhou();
  World world(sc, WorldOptions{1});
  world.step();
  std::vector<std::int32_t> tooShort(3);
  EXPECT_THROW(observeLanes(world, LaneArrays{tooShort, {}, {}, {}, {}}), std::invalid_argument);
  EXPECT_THROW(observeSignals(world, SignalArrays{{}, {}, tooShort, {}}), std::invalid_argument);
  std::vector<std::int32_t> halting(sc.network->lanes().size(), -7);
  observeLanes(world, LaneArrays{{}, halting, {}, {}, {}});
  for (std::int32_t h : halting) EXPECT_GE(h, 0);
}

}  // namespace
}  // namespace traffic
