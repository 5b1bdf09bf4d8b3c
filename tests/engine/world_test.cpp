// Whole-world behaviour on small hand-built networks: free flow, red lights, conservation,
// no overlap, lane changes, gridlock handling, entry queues, determinism across thread counts,
// and queue discharge against the capacity implied by the IDM parameters.
#include "traffic/world.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "common/test_networks.h"
#include "traffic/car_following.h"

namespace traffic {
namespace {

using testing::makeScenario;

std::shared_ptr<const RoadNetwork> share(RoadNetwork net) { return std::make_shared<const RoadNetwork>(std::move(net)); }

using testing::standardCar;

// Runs to the end, checking every invariant after every step.
void runValidated(World& world) {
  while (!world.finished()) {
    world.step();
    const std::string err = world.checkInvariants();
    ASSERT_TRUE(err.empty()) << "t=" << world.timeS() << ": " << err;
  }
}

// Trips on the four approaches of the cross junction: straight, left and right, every `headwayS`.
std::vector<std::tuple<double, std::vector<std::string>>> crossDemand(double untilS, double headwayS) {
  const std::map<std::string, std::vector<std::string>> exits{{"n", {"s_out", "e_out", "w_out"}},
                                                              {"s", {"n_out", "w_out", "e_out"}},
                                                              {"e", {"w_out", "s_out", "n_out"}},
                                                              {"w", {"e_out", "n_out", "s_out"}}};
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  int k = 0;
  for (double t = 0; t < untilS; t += headwayS)
    for (const auto& [from, to] : exits) trips.push_back({t, {from + "_in", to[static_cast<std::size_t>(k++) % 3]}});
  return trips;
}

TEST(World, LoneVehicleTravelsAtFreeFlowSpeed) {
  Scenario sc = makeScenario(share(testing::straightRoad(1000, 1, 15.0)), {{0.0, {"road"}}}, standardCar());
  sc.durationS = 200;
  World world(sc);
  world.run();
  const auto trips = world.tripRecords();
  ASSERT_EQ(trips.size(), 1u);
  ASSERT_GE(trips[0].arriveS, 0);
  const double tt = trips[0].arriveS - trips[0].departS;
  // Free-flow time plus what the start from standstill costs (about v0 / 2a with IDM's approach).
  EXPECT_GT(tt, trips[0].freeFlowS);
  EXPECT_LT(tt, trips[0].freeFlowS + 15.0 / (2 * 2.0) + 5.0);
  EXPECT_EQ(world.counts().arrived, 1u);
}

// Watches every vehicle cross a stop line (onto a connector, or straight onto the exit road when
// a step carries it over the whole junction box) and returns the movements used, with the time.
class CrossingWatcher {
 public:
  explicit CrossingWatcher(const RoadNetwork& net) : m_net(net) {}

  struct Crossing {
    std::uint32_t vehicle;
    MovementId movement;
    double timeS;
  };

  // Call after each step with the movement states that were in force during that step.
  void observe(const World& world, std::vector<Crossing>& out) {
    for (const VehicleView& v : world.snapshot().vehicles) {
      auto& last = m_lastRoad[v.id.value];
      if (v.onConnector) {
        if (!m_crossed[v.id.value]) out.push_back({v.id.value, m_net.connector(v.connector).movement, world.timeS()});
        m_crossed[v.id.value] = true;
        continue;
      }
      const RoadId road = m_net.lane(v.lane).road;
      if (last.valid() && road != last && !m_crossed[v.id.value])
        out.push_back({v.id.value, *m_net.movementBetween(last, road), world.timeS()});
      if (road != last) m_crossed[v.id.value] = false;
      last = road;
    }
  }

 private:
  const RoadNetwork& m_net;
  std::map<std::uint32_t, RoadId> m_lastRoad;
  std::map<std::uint32_t, bool> m_crossed;
};

TEST(World, VehiclesNeverEnterTheJunctionOnRed) {
  Scenario sc = makeScenario(share(testing::crossJunction(300, 2, true)), crossDemand(240, 4.0), standardCar());
  sc.durationS = 400;
  World world(sc);
  CrossingWatcher watcher(*sc.network);
  std::vector<CrossingWatcher::Crossing> crossings;
  while (!world.finished()) {
    world.step();
    // Signals change only at the start of a step, so the states now are those of the whole step.
    std::vector<CrossingWatcher::Crossing> now;
    watcher.observe(world, now);
    for (const auto& c : now)
      EXPECT_NE(world.movementState(c.movement), SignalState::Red)
          << "vehicle " << c.vehicle << " entered on red at t=" << c.timeS;
    crossings.insert(crossings.end(), now.begin(), now.end());
  }
  EXPECT_GT(crossings.size(), 200u);
  EXPECT_GT(world.counts().arrived, 200u);
}

TEST(World, ConservationAndNoOverlapAtABusySignalisedJunction) {
  Scenario sc = makeScenario(share(testing::crossJunction(250, 2, true)), crossDemand(600, 2.0), standardCar());
  sc.durationS = 900;
  World world(sc, WorldOptions{1, false});
  runValidated(world);
  const VehicleCounts c = world.counts();
  EXPECT_EQ(c.spawned, c.arrived + c.running + c.waitingToEnter);
  EXPECT_GT(c.arrived, 500u);
}

TEST(World, LaneChangesHappenAndNeverOverlap) {
  // Slow and fast drivers on a three-lane corridor: the fast ones overtake.
  auto net = share(testing::corridor(3, 600, 3, 25.0));
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  for (int i = 0; i < 300; ++i) trips.push_back({i * 1.5, {"r0", "r1", "r2"}});
  Scenario sc = makeScenario(net, trips, standardCar());
  VehicleType slow = standardCar();
  slow.name = "slow";
  slow.maxSpeedMps = 10;
  sc.vehicleTypes.push_back(slow);
  for (std::size_t i = 0; i < sc.demand.trips.size(); i += 3) sc.demand.trips[i].type = VehicleTypeId(1);
  sc.durationS = 700;
  World world(sc);
  runValidated(world);
  EXPECT_GT(world.counts().laneChanges, 50u);
  EXPECT_EQ(world.counts().arrived, 300u);
}

TEST(World, StuckVehiclesAreReportedAndTeleportedOrKeptWaiting) {
  // A signal that stays green for one approach only: the other approaches wait for ever.
  auto net = share(testing::crossJunction(200, 1, true));
  for (GridlockAction action : {GridlockAction::Teleport, GridlockAction::Wait}) {
    Scenario sc = makeScenario(net, crossDemand(60, 10.0), standardCar());
    sc.signalPolicy = PolicySpec{"fixed_time", {{"green_s", 100000}}};
    sc.gridlockTimeoutS = 60;
    sc.gridlockAction = action;
    sc.durationS = 1200;
    World world(sc);
    runValidated(world);
    const VehicleCounts c = world.counts();
    EXPECT_GT(c.gridlockReports, 0u);
    EXPECT_EQ(c.spawned, c.arrived + c.running + c.waitingToEnter);
    if (action == GridlockAction::Teleport) {
      EXPECT_EQ(c.teleported, c.gridlockReports);
      EXPECT_EQ(c.arrived, c.spawned);  // everyone got through, some by teleport
    } else {
      EXPECT_EQ(c.teleported, 0u);
      EXPECT_GT(c.running, 0u);
    }
  }
}

TEST(World, VehiclesThatCannotEnterWaitInTheEntryQueue) {
  // Ten vehicles a second onto one lane: far more than it can take.
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  for (int i = 0; i < 1000; ++i) trips.push_back({i * 0.1, {"road"}});
  Scenario sc = makeScenario(share(testing::straightRoad(500, 1, 15.0)), trips, standardCar());
  sc.durationS = 101;  // the step starting at t = 100 s releases the last departures
  World world(sc);
  std::uint64_t maxWaiting = 0;
  while (!world.finished()) {
    world.step();
    const VehicleCounts c = world.counts();
    ASSERT_EQ(c.spawned, c.arrived + c.running + c.waitingToEnter);
    maxWaiting = std::max(maxWaiting, c.waitingToEnter);
  }
  EXPECT_EQ(world.counts().spawned, 1000u);
  EXPECT_GT(maxWaiting, 500u);
  EXPECT_EQ(world.tripRecords().size(), 1000u);
}

TEST(World, SameScenarioGivesIdenticalStateForAnyThreadCount) {
  auto net = share(testing::crossJunction(250, 3, true));
  Scenario sc = makeScenario(net, crossDemand(500, 1.5), standardCar());
  sc.durationS = 600;
  std::vector<std::uint64_t> hashes;
  for (int threads : {1, 2, 4, 8}) {
    WorldOptions opts;
    opts.threads = threads;
    opts.minVehiclesForParallel = 0;  // use the parallel path even on this small world
    World world(sc, opts);
    world.run();
    hashes.push_back(world.stateHash());
    EXPECT_GT(world.counts().arrived, 0u);
  }
  for (std::size_t i = 1; i < hashes.size(); ++i) EXPECT_EQ(hashes[i], hashes[0]) << "thread count #" << i;
  World again(sc, WorldOptions{1});
  again.run();
  EXPECT_EQ(again.stateHash(), hashes[0]);
}

// A queue released by a long green discharges at the flow the car-following model allows. For
// IDM that flow is the maximum over speeds of v / (s_e(v) + l), the capacity of its fundamental
// diagram; the measured discharge rate over a saturated green must match it within 10%.
TEST(World, QueueDischargeMatchesTheCapacityImpliedByIdm) {
  const VehicleType t = standardCar();
  const double v0 = 15.0;
  double capacityVehPerS = 0;
  for (double v = 0.1; v < v0; v += 0.01)
    capacityVehPerS = std::max(capacityVehPerS, v / (idmEquilibriumGap(t, v0, v) + t.lengthM));

  // West to east through a junction that is red for the first 300 s, so that a long queue
  // forms, then green for long enough to discharge it.
  auto net = share(testing::crossJunction(1500, 1, true));
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  for (int i = 0; i < 150; ++i) trips.push_back({i * 1.0, {"w_in", "e_out"}});
  Scenario sc = makeScenario(net, trips, t);
  sc.signalTiming.minGreenS = 1;
  // The program starts with north-south green; hold it 300 s, then east-west as long.
  sc.signalPolicy = PolicySpec{"fixed_time", {{"green_s", 300}}};
  sc.durationS = 405;  // 100 s into the east-west green (300 + 3 + 2 ..)
  World world(sc);
  CrossingWatcher watcher(*sc.network);
  std::vector<CrossingWatcher::Crossing> seen;
  std::vector<double> crossings;  // times at which vehicles entered the junction
  while (!world.finished()) {
    world.step();
    seen.clear();
    watcher.observe(world, seen);
    for (const auto& c : seen) crossings.push_back(c.timeS);
  }
  ASSERT_GT(crossings.size(), 30u);
  // Skip the start-up of the first vehicles; measure the saturated flow after it.
  const std::size_t from = 5;
  const double rate = static_cast<double>(crossings.size() - 1 - from) / (crossings.back() - crossings[from]);
  EXPECT_NEAR(rate, capacityVehPerS, 0.1 * capacityVehPerS)
      << "measured " << rate * 3600 << " veh/h, IDM capacity " << capacityVehPerS * 3600 << " veh/h";
}

}  // namespace
}  // namespace traffic

namespace traffic {
namespace {

// Holds phase 0 for ever and keeps a copy of what it saw at the junction (single-threaded use).
class RecordingPolicy final : public SignalPolicy {
 public:
  explicit RecordingPolicy(std::vector<SignalObservation>* log, std::vector<std::vector<LaneObservation>>* lanes)
      : m_log(log), m_lanes(lanes) {}
  std::string_view name() const override { return "recording"; }
  int decide(const SignalObservation& obs) const override {
    m_log->push_back(obs);
    m_lanes->emplace_back(obs.allLanes.begin(), obs.allLanes.end());
    return obs.currentPhase;
  }

 private:
  std::vector<SignalObservation>* m_log;
  std::vector<std::vector<LaneObservation>>* m_lanes;
};

TEST(WorldSensing, LaneObservationsMatchTheVehicles) {
  // North-south is green for ever: west-east traffic queues, north-south traffic crosses the
  // detectors.
  auto net = std::make_shared<const RoadNetwork>(testing::crossJunction(300, 1, true));
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  for (int i = 0; i < 40; ++i) {
    trips.push_back({i * 4.0, {"w_in", "e_out"}});
    trips.push_back({i * 4.0, {"n_in", "s_out"}});
  }
  Scenario sc = testing::makeScenario(net, trips, standardCar());
  sc.signalPolicy = PolicySpec{"fixed_time", {{"green_s", 100000}}};
  sc.durationS = 170;
  std::vector<SignalObservation> log;
  std::vector<std::vector<LaneObservation>> lanes;
  World world(sc, WorldOptions{1});
  world.setSignalPolicy(std::make_unique<RecordingPolicy>(&log, &lanes));
  world.run();
  ASSERT_FALSE(lanes.empty());
  const LaneId west = net->road(*net->findRoad("w_in")).lanes[0];
  const LaneId north = net->road(*net->findRoad("n_in")).lanes[0];
  const LaneObservation& w = lanes.back()[west.index()];
  const LaneObservation& n = lanes.back()[north.index()];
  // The observation is taken at the start of the last step: compare with the state before it.
  EXPECT_GT(w.queue, 10);
  EXPECT_EQ(w.queue, w.vehicles);            // all of the west queue stands still
  EXPECT_GT(w.waitingS, 10.0f * w.queue);    // and has waited a while
  EXPECT_GE(w.detectorCount, 1);             // only the vehicles that got within 30 m of the line
  EXPECT_LE(w.detectorCount, 5);
  EXPECT_EQ(n.queue, 0);
  EXPECT_GT(n.detectorCount, 30);            // about one vehicle every 4 s since the start of green
  EXPECT_LT(n.detectorGapS, 5.0f);
  // 900 veh/h since about t = 30 s, smoothed over 900 s: 900 * (1 - exp(-140 / 900)) = 130 veh/h.
  EXPECT_GT(n.flowVehPerH, 90.0f);
  EXPECT_LT(n.flowVehPerH, 200.0f);
  EXPECT_EQ(log.back().incoming.size(), 4u);
  EXPECT_EQ(log.back().outgoing.size(), 4u);
  EXPECT_EQ(log.back().network, net.get());
}

}  // namespace
}  // namespace traffic
