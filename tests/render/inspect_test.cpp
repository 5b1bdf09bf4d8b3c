// Reading a junction's phase, stage and queues, and a vehicle's place on its route, back from a
// frame.
#include "traffic/render/inspect.h"

#include <gtest/gtest.h>

#include "common/test_networks.h"
#include "traffic/signal.h"
#include "traffic/world.h"

namespace traffic::render {
namespace {

using traffic::testing::crossJunction;

/// The network-wide state vector with `junction` showing phase `p` (or its yellow).
std::vector<SignalState> showing(const RoadNetwork& net, JunctionId junction, int p, bool yellow = false) {
  std::vector<SignalState> states(net.movements().size(), SignalState::Red);
  const Junction& j = net.junction(junction);
  const auto phase = phaseMovementStates(net, junction, j.program->phases[static_cast<std::size_t>(p)]);
  for (std::size_t k = 0; k < j.movements.size(); ++k)
    states[j.movements[k].index()] = yellow && phase[k] != SignalState::Red ? SignalState::Yellow : phase[k];
  return states;
}

TEST(InferPhase, ReadsTheServedPhaseFromTheLights) {
  const RoadNetwork net = crossJunction(100, 2, true);
  const JunctionId c = *net.findJunction("c");
  for (int p = 0; p < 2; ++p) {
    EXPECT_EQ(inferPhase(net, showing(net, c, p), c), p);
    EXPECT_EQ(inferPhase(net, showing(net, c, p, true), c), p) << "yellow still tells the phase being cleared";
  }
  const std::vector<SignalState> allRed(net.movements().size(), SignalState::Red);
  EXPECT_EQ(inferPhase(net, allRed, c), -1);
}

TEST(InferPhase, NoProgramNoPhase) {
  const RoadNetwork net = crossJunction(100, 2, false);
  const JunctionId c = *net.findJunction("c");
  const std::vector<SignalState> green(net.movements().size(), SignalState::GreenProtected);
  EXPECT_EQ(inferPhase(net, green, c), -1);
}

TEST(InspectJunction, StageFromTheLights) {
  const RoadNetwork net = crossJunction(100, 2, true);
  const JunctionId c = *net.findJunction("c");
  Frame f;
  f.movementStates = showing(net, c, 1);
  JunctionStatus st = inspectJunction(net, f, c);
  EXPECT_EQ(st.stage, JunctionStage::Green);
  EXPECT_EQ(st.phase, 1);
  EXPECT_EQ(st.phaseCount, 2);
  EXPECT_EQ(st.movements, 12);
  EXPECT_EQ(st.greenMovements, 6);  // the east-west straight, left and right turns
  f.movementStates = showing(net, c, 1, true);
  st = inspectJunction(net, f, c);
  EXPECT_EQ(st.stage, JunctionStage::Yellow);
  EXPECT_EQ(st.greenMovements, 0);
  f.movementStates.assign(net.movements().size(), SignalState::Red);
  st = inspectJunction(net, f, c);
  EXPECT_EQ(st.stage, JunctionStage::AllRed);
  EXPECT_EQ(st.phase, -1);
}

// With the controller's state in the frame, the panel tells the policy's choice during the change:
// in the all-red after phase 0 the lights alone cannot say which phase comes next.
TEST(InspectJunction, ThePolicysNextPhaseAndTheTimeInStageComeFromTheController) {
  const RoadNetwork net = crossJunction(100, 2, true);
  const JunctionId c = *net.findJunction("c");
  Frame f;
  f.movementStates.assign(net.movements().size(), SignalState::Red);
  f.signals = {FrameSignal{c.value, 0, 1, FrameSignal::kAllRed, 1.0f}};
  JunctionStatus st = inspectJunction(net, f, c);
  EXPECT_EQ(st.stage, JunctionStage::AllRed);
  EXPECT_EQ(st.phase, 0);
  EXPECT_EQ(st.nextPhase, 1);
  EXPECT_DOUBLE_EQ(st.timeInStageS, 1.0);
  f.movementStates = showing(net, c, 1);
  f.signals = {FrameSignal{c.value, 1, 1, FrameSignal::kGreen, 12.0f}};
  st = inspectJunction(net, f, c);
  EXPECT_EQ(st.stage, JunctionStage::Green);
  EXPECT_EQ(st.phase, 1);
  EXPECT_EQ(st.nextPhase, -1);  // a green holds until the policy chooses otherwise
  EXPECT_DOUBLE_EQ(st.timeInStageS, 12.0);
}

// Frames from a running world carry one controller per signalised junction, and the phase they
// report is the one whose movements are green.
TEST(InspectJunction, WorldFramesCarryTheControllers) {
  auto net = std::make_shared<const RoadNetwork>(crossJunction(200, 2, true));
  const Scenario sc = traffic::testing::makeScenario(net, {{0.0, {"w_in", "e_out"}}});
  World world(sc, WorldOptions{.threads = 1});
  for (int k = 0; k < 40; ++k) world.step();
  const Frame f = world.frame();
  const JunctionId c = *net->findJunction("c");
  ASSERT_EQ(f.signals.size(), 1u);
  EXPECT_EQ(f.signals[0].junction, c.value);
  const JunctionStatus st = inspectJunction(*net, f, c);
  if (st.stage == JunctionStage::Green) {
    EXPECT_EQ(st.phase, inferPhase(*net, f.movementStates, c));
  }
  EXPECT_GE(st.timeInStageS, 0);
}

TEST(InspectJunction, QueuesCountHaltedVehiclesPerIncomingLane) {
  const RoadNetwork net = crossJunction(100, 2, true);
  const JunctionId c = *net.findJunction("c");
  const Road& north = net.road(*net.findRoad("n_in"));
  const Road& east = net.road(*net.findRoad("e_in"));
  Frame f;
  f.movementStates.assign(net.movements().size(), SignalState::Red);
  auto add = [&](LaneId lane, bool halted) {
    FrameVehicle v;
    v.track = lane.value;
    v.flags = halted ? FrameVehicle::kHalted : 0;
    f.vehicles.push_back(v);
  };
  add(north.lanes[1], true);
  add(north.lanes[1], true);
  add(north.lanes[1], true);
  add(north.lanes[1], false);
  add(north.lanes[0], true);
  add(east.lanes[0], false);
  // A bus in a stop bay beside the lane is not in its queue.
  add(east.lanes[0], true);
  f.vehicles.back().flags |= FrameVehicle::kInBay;
  // A vehicle on an exit road and one inside the junction do not count.
  add(net.road(*net.findRoad("s_out")).lanes[0], true);
  FrameVehicle inside;
  inside.track = net.lane(north.lanes[0]).outgoing.at(0).value;
  inside.flags = FrameVehicle::kOnConnector | FrameVehicle::kHalted;
  f.vehicles.push_back(inside);

  const JunctionStatus st = inspectJunction(net, f, c);
  ASSERT_EQ(st.approaches.size(), 4u);
  int total = 0, halted = 0;
  for (const ApproachQueue& a : st.approaches) {
    total += a.vehicles();
    halted += a.halted();
    if (a.road == *net.findRoad("n_in")) {
      ASSERT_EQ(a.lanes.size(), 2u);
      EXPECT_EQ(a.lanes[0].halted, 1);
      EXPECT_EQ(a.lanes[1].halted, 3);
      EXPECT_EQ(a.lanes[1].vehicles, 4);
      EXPECT_EQ(a.halted(), 4);
    }
    if (a.road == *net.findRoad("e_in")) {
      EXPECT_EQ(a.vehicles(), 1);
      EXPECT_EQ(a.halted(), 0);
    }
  }
  EXPECT_EQ(total, 6);
  EXPECT_EQ(halted, 4);
}

TEST(InspectStop, PeopleWaitingAndTheVehiclesStandingThere) {
  const std::vector<TransitStop> stops{{"a", LaneId(3u), 80, false}, {"b", LaneId(5u), 40, true}};
  Frame f;
  f.stopWaiting = {4, 11};
  auto vehicle = [](std::uint32_t track, float pos, std::uint8_t flags, std::uint16_t load) {
    FrameVehicle v;
    v.track = track;
    v.positionM = pos;
    v.flags = flags;
    v.load = load;
    return v;
  };
  const std::uint8_t dwelling = FrameVehicle::kDwelling | FrameVehicle::kHalted;
  f.vehicles = {vehicle(3, 80, dwelling, 7),                      // at stop a
                vehicle(3, 60, dwelling, 2),                      // same lane, 20 m short of it
                vehicle(3, 79, FrameVehicle::kHalted, 5),         // queued, doors shut
                vehicle(5, 41, dwelling | FrameVehicle::kInBay, 3),  // in stop b's bay
                vehicle(3, 80, dwelling | FrameVehicle::kOnConnector, 9)};  // connector 3, not lane 3
  const StopStatus a = inspectStop(f, stops, 0);
  EXPECT_EQ(a.waiting, 4u);
  EXPECT_EQ(a.vehiclesAtStop, 1);
  EXPECT_EQ(a.onBoard, 7u);
  const StopStatus b = inspectStop(f, stops, 1);
  EXPECT_EQ(b.waiting, 11u);
  EXPECT_EQ(b.vehiclesAtStop, 1);
  EXPECT_EQ(b.onBoard, 3u);
  // An index past the stops, or a frame without counts, is empty rather than wrong.
  EXPECT_EQ(inspectStop(f, stops, 2).waiting, 0u);
  EXPECT_EQ(inspectStop(Frame{}, stops, 0).waiting, 0u);
}

TEST(RouteProgress, FindsTheCurrentRoad) {
  const std::vector<RoadId> route{RoadId(4u), RoadId(7u), RoadId(2u)};
  EXPECT_EQ(routeProgress(route, RoadId(7u)), 1u);
  EXPECT_EQ(routeProgress(route, RoadId(4u)), 0u);
  EXPECT_FALSE(routeProgress(route, RoadId(9u)));
}

TEST(FindVehicle, ById) {
  Frame f;
  f.vehicles.resize(3);
  f.vehicles[0].id = 5;
  f.vehicles[1].id = 9;
  f.vehicles[2].id = 2;
  ASSERT_NE(findVehicle(f, 9), nullptr);
  EXPECT_EQ(findVehicle(f, 9), &f.vehicles[1]);
  EXPECT_EQ(findVehicle(f, 3), nullptr);
}

}  // namespace
}  // namespace traffic::render
