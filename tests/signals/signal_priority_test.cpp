// Emergency pre-emption and transit priority: the controller's rules on hand-made requests, and
// whole runs in which an ambulance crosses congested signals.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "common/test_networks.h"
#include "traffic/scenario.h"
#include "traffic/signal.h"
#include "traffic/world.h"

namespace traffic {
namespace {

// A policy that never wants to change: whatever happens comes from the priority rules.
class HoldPolicy : public SignalPolicy {
 public:
  std::string_view name() const override { return "hold"; }
  bool usesObservations() const override { return false; }
  int decide(const SignalObservation& obs) const override { return obs.currentPhase; }
};

// A policy that always wants the next phase as soon as min green allows.
class RushPolicy : public SignalPolicy {
 public:
  std::string_view name() const override { return "rush"; }
  bool usesObservations() const override { return false; }
  int decide(const SignalObservation& obs) const override {
    return (obs.currentPhase + 1) % static_cast<int>(obs.phases.size());
  }
};

struct CrossFixture {
  RoadNetwork net = testing::crossJunction(300, 2, true);
  JunctionId c = *net.findJunction("c");
  std::vector<SignalState> states = std::vector<SignalState>(net.movements().size(), SignalState::Red);

  MovementId movement(const char* from, const char* to) const {
    return *net.movementBetween(*net.findRoad(from), *net.findRoad(to));
  }
  // Phase 0 serves north-south, phase 1 east-west (see crossJunction).
  bool green(MovementId m) const {
    return states[m.index()] == SignalState::GreenProtected || states[m.index()] == SignalState::GreenPermissive;
  }
};

SignalObservation withRequests(const RoadNetwork& net, std::span<const PriorityRequest> requests) {
  SignalObservation obs;
  obs.network = &net;
  obs.requests = requests;
  return obs;
}

TEST(SignalPriority, EmergencyRequestSwitchesToItsPhaseAfterClearanceAndHoldsIt) {
  CrossFixture f;
  SignalController controller(f.net, f.c, SignalTiming{3, 2, 5});
  HoldPolicy hold;
  const MovementId eastWest = f.movement("w_in", "e_out");
  const std::vector<PriorityRequest> requests{{eastWest, SignalPriority::Emergency, 200, 7}};
  double t = 0;
  controller.update(t, 1, hold, f.states, withRequests(f.net, requests));
  EXPECT_FALSE(f.green(eastWest));  // phase 0 (north-south) runs its min green first
  int firstGreen = -1;
  for (int step = 1; step <= 30; ++step) {
    t += 1;
    controller.update(t, 1, hold, f.states, withRequests(f.net, requests));
    if (f.green(eastWest) && firstGreen < 0) firstGreen = step;
  }
  // 5 s min green, 3 s yellow, 2 s all-red: green from the 10th step on, then held.
  EXPECT_EQ(firstGreen, 10);
  EXPECT_TRUE(f.green(eastWest));
  EXPECT_TRUE(controller.preempted());
  EXPECT_EQ(controller.preemptions(), 1u);
}

TEST(SignalPriority, EmergencyHoldsAgainstAPolicyThatWantsToChangeThenRecovers) {
  CrossFixture f;
  SignalController controller(f.net, f.c, SignalTiming{3, 2, 5});
  RushPolicy rush;
  const MovementId northSouth = f.movement("n_in", "s_out");
  const std::vector<PriorityRequest> requests{{northSouth, SignalPriority::Emergency, 100, 1}};
  for (int step = 0; step < 40; ++step) {
    controller.update(step, 1, rush, f.states, withRequests(f.net, requests));
    EXPECT_TRUE(f.green(northSouth)) << "step " << step;  // phase 0 already serves it: held throughout
  }
  EXPECT_EQ(controller.preemptions(), 0u);  // no change was needed
  // The ambulance has passed: the policy takes over and changes phase after the clearance.
  bool changed = false;
  for (int step = 40; step < 60; ++step) {
    controller.update(step, 1, rush, f.states, withRequests(f.net, {}));
    changed = changed || !f.green(northSouth);
  }
  EXPECT_TRUE(changed);
  EXPECT_FALSE(controller.preempted());
}

TEST(SignalPriority, NearestEmergencyVehicleWinsAndPreemptionCanBeSwitchedOff) {
  CrossFixture f;
  const MovementId northSouth = f.movement("n_in", "s_out");
  const MovementId eastWest = f.movement("e_in", "w_out");
  // Farther north-south ambulance, nearer east-west one: east-west is served.
  const std::vector<PriorityRequest> requests{{northSouth, SignalPriority::Emergency, 400, 1},
                                              {eastWest, SignalPriority::Emergency, 50, 2}};
  HoldPolicy hold;
  SignalController on(f.net, f.c, SignalTiming{3, 2, 5});
  for (int step = 0; step < 20; ++step) on.update(step, 1, hold, f.states, withRequests(f.net, requests));
  EXPECT_TRUE(f.green(eastWest));

  PriorityRules off;
  off.emergencyPreemption = false;
  SignalController ignored(f.net, f.c, SignalTiming{3, 2, 5}, off);
  for (int step = 0; step < 20; ++step) ignored.update(step, 1, hold, f.states, withRequests(f.net, requests));
  EXPECT_TRUE(f.green(northSouth));  // the hold policy keeps phase 0
  EXPECT_EQ(ignored.preemptions(), 0u);
}

TEST(SignalPriority, TransitExtensionIsBoundedByItsMaximum) {
  CrossFixture f;
  PriorityRules rules;
  rules.transitMaxExtensionS = 8;
  SignalController controller(f.net, f.c, SignalTiming{3, 2, 5}, rules);
  RushPolicy rush;  // wants to change at min green (5 s)
  const MovementId northSouth = f.movement("s_in", "n_out");
  const std::vector<PriorityRequest> bus{{northSouth, SignalPriority::Transit, 60, 3}};
  int greenSteps = 0;
  for (int step = 0; step < 30; ++step) {
    controller.update(step, 1, rush, f.states, withRequests(f.net, bus));
    if (!f.green(northSouth)) break;
    ++greenSteps;
  }
  // Green for the min green (5 s) plus at most 8 s of extension, instead of 5 s.
  EXPECT_EQ(greenSteps, 5 + 8);
  EXPECT_EQ(controller.transitExtensions(), 1u);
}

TEST(SignalPriority, TransitEarlyGreenOncePerBus) {
  CrossFixture f;
  SignalController controller(f.net, f.c, SignalTiming{3, 2, 5});
  HoldPolicy hold;
  const MovementId eastWest = f.movement("w_in", "e_out");
  const std::vector<PriorityRequest> bus{{eastWest, SignalPriority::Transit, 80, 5}};
  int firstGreen = -1;
  for (int step = 0; step < 20; ++step) {
    controller.update(step, 1, hold, f.states, withRequests(f.net, bus));
    if (f.green(eastWest) && firstGreen < 0) firstGreen = step;
  }
  EXPECT_EQ(firstGreen, 10);  // min green, yellow and all-red first: no safety rule is bent
  EXPECT_EQ(controller.transitEarlyGreens(), 1u);
}

// ---- whole runs -----------------------------------------------------------------------------

// A signalised cross junction with heavy north-south traffic and an ambulance arriving from the
// west behind a queue: with pre-emption it gets green well before the fixed-time program would
// give it.
Scenario congestedCross(bool preemption) {
  auto net = std::make_shared<const RoadNetwork>(testing::crossJunction(400, 2, true));
  std::vector<std::tuple<double, std::vector<std::string>>> trips;
  for (int k = 0; k < 120; ++k) {
    trips.emplace_back(k * 2.0, std::vector<std::string>{"n_in", "s_out"});
    trips.emplace_back(k * 2.0 + 1, std::vector<std::string>{"s_in", "n_out"});
    if (k % 3 == 0) trips.emplace_back(k * 2.0, std::vector<std::string>{"w_in", "e_out"});
  }
  trips.emplace_back(61.0, std::vector<std::string>{"w_in", "e_out"});  // the ambulance
  Scenario sc = testing::makeScenario(net, trips, testing::standardCar());
  VehicleType ambulance = testing::standardCar();
  ambulance.name = "ambulance";
  ambulance.signalPriority = SignalPriority::Emergency;
  sc.vehicleTypes.push_back(ambulance);
  const auto it = std::find_if(sc.demand.trips.begin(), sc.demand.trips.end(),
                               [](const Trip& t) { return t.departS == 61.0; });
  it->type = VehicleTypeId(sc.vehicleTypes.size() - 1);
  it->id = "ambulance";
  sc.durationS = 600;
  sc.signalPolicy = PolicySpec{"fixed_time", {{"green_s", 60}}};
  sc.priorityRules.emergencyPreemption = preemption;
  sc.priorityRules.emergencyDistanceM = 400;
  return sc;
}

struct RunResult {
  double ambulanceTravelS = -1;
  Summary summary;
  VehicleCounts counts;
};

RunResult run(const Scenario& sc) {
  World world(sc, WorldOptions{.threads = 1, .validate = true});
  world.run();
  RunResult r;
  r.summary = world.summary(0);
  r.counts = world.counts();
  for (const TripRecord& t : world.tripRecords())
    if (sc.demand.trips[t.tripIndex].id == "ambulance" && t.arriveS >= 0) r.ambulanceTravelS = t.arriveS - t.departS;
  return r;
}

TEST(SignalPriority, PreemptionCutsTheAmbulanceTravelTimeAndEveryVehicleIsAccountedFor) {
  const Scenario withPreemption = congestedCross(true);
  const Scenario without = congestedCross(false);
  const RunResult a = run(withPreemption);
  const RunResult b = run(without);
  ASSERT_GT(a.ambulanceTravelS, 0);
  ASSERT_GT(b.ambulanceTravelS, 0);
  // Fixed time holds east-west red for 60 s of every 130 s; the ambulance arrives early in a red.
  EXPECT_LT(a.ambulanceTravelS, b.ambulanceTravelS - 20) << a.ambulanceTravelS << " vs " << b.ambulanceTravelS;
  EXPECT_GE(a.summary.preemptions, 1u);
  EXPECT_EQ(b.summary.preemptions, 0u);
  EXPECT_EQ(a.summary.emergencyVehicles, 1u);
  EXPECT_EQ(a.summary.emergencyArrived, 1u);
  EXPECT_DOUBLE_EQ(a.summary.emergencyMeanTravelTimeS, a.ambulanceTravelS);
  for (const RunResult* r : {&a, &b}) {
    // Conservation: every trip whose departure came is arrived, on the road or waiting to enter.
    EXPECT_EQ(r->counts.spawned, withPreemption.demand.trips.size());
    EXPECT_EQ(r->counts.spawned, r->counts.arrived + r->counts.running + r->counts.waitingToEnter);
  }
}

TEST(SignalPriority, AmbulancesOnTheHangzhouPeakArriveSoonerWithPreemption) {
  auto load = [](bool preemption) {
    return loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/hangzhou_peak.toml",
                        {std::string("signals.preemption=") + (preemption ? "true" : "false")});
  };
  const Scenario on = load(true);
  const Scenario off = load(false);
  World a(on, WorldOptions{.threads = 1});
  World b(off, WorldOptions{.threads = 1});
  a.run();
  b.run();
  const Summary sa = a.summary(0);
  const Summary sb = b.summary(0);
  ASSERT_EQ(sa.emergencyVehicles, 3u);
  EXPECT_EQ(sa.emergencyArrived, 3u);
  EXPECT_LT(sa.emergencyMeanTravelTimeS, 0.85 * sb.emergencyMeanTravelTimeS)
      << sa.emergencyMeanTravelTimeS << " vs " << sb.emergencyMeanTravelTimeS;
  EXPECT_GT(sa.preemptions, 0u);
  // Everyone else is still accounted for.
  const VehicleCounts c = a.counts();
  EXPECT_EQ(c.spawned, c.arrived + c.running + c.waitingToEnter);
}

}  // namespace
}  // namespace traffic
