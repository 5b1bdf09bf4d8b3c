// Signal policies against their definitions, on hand-made sensor readings: each test sets the
// lanes' queues, detectors and flows, and checks the phase the policy asks for against what the
// algorithm's definition says, with expected numbers computed here from the readings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "common/test_networks.h"
#include "signals/policies/actuated.h"
#include "signals/policies/green_wave.h"
#include "signals/policies/lookahead_pressure.h"
#include "signals/policies/max_pressure.h"
#include "signals/policies/phase_lanes.h"
#include "signals/policies/sotl.h"
#include "signals/policies/webster.h"
#include "traffic/errors.h"
#include "traffic/grid.h"
#include "common/policy_sensors.h"
#include "traffic/signal.h"

namespace traffic {
namespace {

constexpr SignalTiming kTiming = testing::kSensorTiming;

using testing::Sensors;


// The cross junction "c": phase 0 serves the north and south approaches, phase 1 east and west.
Sensors cross() { return Sensors(testing::crossJunction(200, 2, true), "c"); }

// A single grid junction with four phases: 0 north-south through and right, 1 north-south left,
// 2 east-west through and right, 3 east-west left. Lane 0 of each approach turns left only.
Sensors fourPhase() {
  GridSpec spec;
  spec.rows = 1;
  spec.columns = 1;
  return Sensors(generateGrid(spec), "j_0_0");
}
// Approach roads of grid junction j_0_0 from the north, south, east and west.
const std::string kGridN = "road_j_1_0_j_0_0", kGridS = "road_j_-1_0_j_0_0", kGridE = "road_j_0_1_j_0_0",
                  kGridW = "road_j_0_-1_j_0_0";

std::unique_ptr<SignalPolicy> make(const std::string& name, std::map<std::string, double> params = {}) {
  return makeSignalPolicy(PolicySpec{name, std::move(params)}, "s.toml");
}

TEST(PoliciesNetwork, CrossJunctionPhasesAreNorthSouthThenEastWest) {
  Sensors s = cross();
  ASSERT_EQ(s.phases().size(), 2u);
  const std::vector<std::vector<std::string>> expected{{"n_in", "s_in"}, {"e_in", "w_in"}};
  for (std::size_t p = 0; p < 2; ++p) {
    ASSERT_FALSE(s.phases()[p].green.empty());
    for (MovementId m : s.phases()[p].green) {
      const std::string& from = s.net().road(s.net().movement(m).fromRoad).name;
      EXPECT_NE(std::find(expected[p].begin(), expected[p].end(), from), expected[p].end()) << "phase " << p << ": " << from;
    }
  }
}

TEST(PoliciesRegistry, ListsFixedTimeFirstAndBuildsEveryPolicyByName) {
  const auto names = signalPolicyNames();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "fixed_time");
  for (const char* expected : {"webster", "green_wave", "actuated", "sotl", "max_pressure"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  for (const std::string& name : names) EXPECT_EQ(make(name)->name(), name);
}

void expectParamError(const std::string& policy, std::map<std::string, double> params, const std::string& key) {
  try {
    (void)make(policy, std::move(params));
    ADD_FAILURE() << policy << ": no error for " << key;
  } catch (const LoadError& e) {
    EXPECT_EQ(e.entity(), "signals.params." + key) << e.what();
    EXPECT_EQ(e.file(), "s.toml");
  }
}

TEST(PoliciesRegistry, RejectsUnknownParameters) {
  for (const char* policy : {"webster", "green_wave", "actuated", "sotl", "max_pressure"})
    expectParamError(policy, {{"cycle_length", 90}}, "cycle_length");
  // A parameter of another policy is unknown here too.
  expectParamError("max_pressure", {{"max_gap_s", 3}}, "max_gap_s");
}

TEST(PoliciesRegistry, RejectsOutOfRangeValues) {
  expectParamError("webster", {{"saturation_flow_veh_per_h_per_lane", 0}}, "saturation_flow_veh_per_h_per_lane");
  expectParamError("webster", {{"startup_lost_s", -1}}, "startup_lost_s");
  expectParamError("webster", {{"min_cycle_s", -40}}, "min_cycle_s");
  expectParamError("green_wave", {{"design_speed_mps", 0}}, "design_speed_mps");
  expectParamError("green_wave", {{"green_s", -10}}, "green_s");
  expectParamError("actuated", {{"max_gap_s", -0.5}}, "max_gap_s");
  expectParamError("actuated", {{"min_green_s", -5}}, "min_green_s");
  expectParamError("sotl", {{"threshold", -60}}, "threshold");
  expectParamError("sotl", {{"min_green_s", -1}}, "min_green_s");
  expectParamError("sotl", {{"platoon_size", 2.5}}, "platoon_size");
  expectParamError("max_pressure", {{"min_phase_s", -10}}, "min_phase_s");
}

TEST(PoliciesRegistry, RejectsMinimumAboveMaximum) {
  expectParamError("webster", {{"min_cycle_s", 120}, {"max_cycle_s", 90}}, "min_cycle_s");
  expectParamError("webster", {{"min_cycle_s", 200}}, "min_cycle_s");  // above the default maximum 180
  expectParamError("actuated", {{"min_green_s", 40}, {"max_green_s", 30}}, "min_green_s");
  expectParamError("actuated", {{"min_green_s", 61}}, "min_green_s");  // above the default maximum 60
  // Equal bounds are a valid (fixed) choice.
  EXPECT_NO_THROW((void)make("webster", {{"min_cycle_s", 90}, {"max_cycle_s", 90}}));
  EXPECT_NO_THROW((void)make("actuated", {{"min_green_s", 30}, {"max_green_s", 30}}));
}

// --- max_pressure ---------------------------------------------------------------------------

// Pressure straight from the definition: every connector of the phase's movements, from-lane
// queue minus to-lane queue, each lane pair once.
double expectedPressure(Sensors& s, int phase) {
  std::vector<std::pair<LaneId, LaneId>> pairs;
  for (MovementId m : s.phases()[static_cast<std::size_t>(phase)].green)
    for (ConnectorId c : s.net().movement(m).connectors) {
      const auto pair = std::make_pair(s.net().connector(c).from, s.net().connector(c).to);
      if (std::find(pairs.begin(), pairs.end(), pair) == pairs.end()) pairs.push_back(pair);
    }
  double total = 0;
  const SignalObservation obs = s.observe(0, 0);
  for (const auto& [from, to] : pairs) total += obs.allLanes[from.index()].queue - obs.allLanes[to.index()].queue;
  return total;
}

TEST(PoliciesMaxPressure, PicksTheHighestPressurePhase) {
  Sensors s = cross();
  s.lane("n_in", 0).queue = 2;
  s.lane("e_in", 0).queue = 5;
  s.lane("w_in", 1).queue = 4;
  // East-west: e_in lane 0 feeds the straight and the left turn (2 x 5), w_in lane 1 the straight
  // and the right turn (2 x 4); north-south only n_in lane 0 (2 x 2).
  EXPECT_DOUBLE_EQ(expectedPressure(s, 1), 18);
  EXPECT_DOUBLE_EQ(expectedPressure(s, 0), 4);
  EXPECT_DOUBLE_EQ(MaxPressurePolicy::pressure(s.observe(0, 15), 1), 18);
  EXPECT_DOUBLE_EQ(MaxPressurePolicy::pressure(s.observe(0, 15), 0), 4);
  const auto policy = make("max_pressure");
  EXPECT_EQ(policy->decide(s.observe(0, 15)), 1);
  EXPECT_EQ(policy->decide(s.observe(1, 15)), 1);  // already serving it: hold
}

TEST(PoliciesMaxPressure, DownstreamQueuesReducePressure) {
  // On the grid junction the middle lane of each exit is fed only by the through movement
  // arriving opposite it, so a queue there weighs on one phase alone.
  Sensors s = fourPhase();
  for (const std::string& road : {kGridN, kGridS, kGridE, kGridW}) s.lane(road, 1).queue = 3;
  // Equal upstream queues; the exits north and south are backed up.
  s.lane("road_j_0_0_j_1_0", 1).queue = 6;
  s.lane("road_j_0_0_j_-1_0", 1).queue = 6;
  EXPECT_DOUBLE_EQ(expectedPressure(s, 0), 2 * (3 - 6));
  EXPECT_DOUBLE_EQ(expectedPressure(s, 2), 2 * 3);
  for (int p = 0; p < 4; ++p) EXPECT_DOUBLE_EQ(MaxPressurePolicy::pressure(s.observe(0, 15), p), expectedPressure(s, p));
  EXPECT_EQ(make("max_pressure")->decide(s.observe(0, 15)), 2);
}

TEST(PoliciesMaxPressure, HoldsUntilTheMinimumPhaseTime) {
  Sensors s = cross();
  s.lane("e_in", 1).queue = 10;
  const auto byDefault = make("max_pressure");
  EXPECT_EQ(byDefault->decide(s.observe(0, 9.9)), 0);
  EXPECT_EQ(byDefault->decide(s.observe(0, 10)), 1);
  const auto longer = make("max_pressure", {{"min_phase_s", 20}});
  EXPECT_EQ(longer->decide(s.observe(0, 19.9)), 0);
  EXPECT_EQ(longer->decide(s.observe(0, 20)), 1);
}

TEST(PoliciesMaxPressure, TiesKeepTheCurrentPhaseElseTheLowestIndex) {
  Sensors s = cross();
  s.lane("n_in", 1).queue = 3;
  s.lane("e_in", 1).queue = 3;
  ASSERT_DOUBLE_EQ(expectedPressure(s, 0), expectedPressure(s, 1));
  const auto policy = make("max_pressure");
  EXPECT_EQ(policy->decide(s.observe(0, 30)), 0);
  EXPECT_EQ(policy->decide(s.observe(1, 30)), 1);
  // A third phase equal to the first: from the east-west phase, now without pressure, the lower
  // of the two tied phases wins.
  s.lane("e_in", 1).queue = 0;
  s.phases().push_back(s.phases()[0]);
  EXPECT_EQ(policy->decide(s.observe(1, 30)), 0);
}

TEST(PoliciesMaxPressure, CountsEachLanePairOnce) {
  Sensors s = cross();
  s.lane("n_in", 0).queue = 4;
  const double once = MaxPressurePolicy::pressure(s.observe(0, 0), 0);
  // The same movements listed twice in a phase add nothing.
  auto& green = s.phases()[0].green;
  const std::vector<MovementId> copy = green;
  green.insert(green.end(), copy.begin(), copy.end());
  EXPECT_DOUBLE_EQ(MaxPressurePolicy::pressure(s.observe(0, 0), 0), once);
  EXPECT_DOUBLE_EQ(once, 8);  // straight and left turn from n_in lane 0
}

// --- actuated ---------------------------------------------------------------------------------

// map_program: the map's programs as the map defines them (SUMO's static and actuated lights).
TEST(PoliciesMapProgram, RunsFixedStagesForTheirProgrammedTimesAsFixedTimeDoes) {
  Sensors s = cross();
  s.lane("n_in", 1).detectorGapS = 0.5f;  // detectors say nothing to a fixed stage
  const auto mapProgram = make("map_program");
  const auto fixedTime = make("fixed_time");
  const double green = s.phases()[0].durationS;
  for (double t : {0.0, 5.0, green - 0.1, green, green + 7})
    for (int phase : {0, 1}) EXPECT_EQ(mapProgram->decide(s.observe(phase, t)), fixedTime->decide(s.observe(phase, t))) << t;
}

TEST(PoliciesMapProgram, EndsAnActuatedStageByGapOutBetweenItsBounds) {
  Sensors s = cross();
  s.phases()[0].minDurS = 5;  // as SUMO's minDur and maxDur on an actuated light's phase
  s.phases()[0].maxDurS = 40;
  const auto policy = make("map_program");  // max gap 3 s, as SUMO's default
  s.lane("n_in", 1).detectorGapS = 1.0f;
  EXPECT_EQ(policy->decide(s.observe(0, 3)), 0);   // before its minimum
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 0);  // vehicles still cross at short gaps
  EXPECT_EQ(policy->decide(s.observe(0, 40)), 1);  // its maximum ends it anyway
  s.lane("n_in", 1).detectorGapS = 3.5f;
  EXPECT_EQ(policy->decide(s.observe(0, 3)), 0);
  EXPECT_EQ(policy->decide(s.observe(0, 5)), 1);  // gapped out at its minimum
  // Nobody waits on the other stage's lanes, and it still ends: stages follow in program order.
  s.lane("n_in", 0).detectorOccupied = true;  // a vehicle over a detector extends it
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 0);
  s.lane("n_in", 0).detectorOccupied = false;
  s.lane("w_in", 0).detectorGapS = 0.5f;  // detectors on red lanes do not
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 1);
  // The maximum gap is a parameter.
  EXPECT_EQ(make("map_program", {{"max_gap_s", 4}})->decide(s.observe(0, 20)), 0);
}

TEST(PoliciesActuated, ExtendsWhileGapsAreShortAndGapsOutAfterTheMaximumGap) {
  Sensors s = cross();
  s.lane("e_in", 0).approaching = 2;  // someone waits for the other phase
  const auto policy = make("actuated");  // max gap 3 s, max green 60 s
  for (double gap : {0.0, 1.0, 2.9}) {
    s.lane("n_in", 1).detectorGapS = static_cast<float>(gap);
    EXPECT_EQ(policy->decide(s.observe(0, 20)), 0) << "gap " << gap;
  }
  for (double gap : {3.0, 3.5, 100.0}) {
    s.lane("n_in", 1).detectorGapS = static_cast<float>(gap);
    EXPECT_EQ(policy->decide(s.observe(0, 20)), 1) << "gap " << gap;
  }
  // A vehicle standing on the detector extends too, whatever the gap since the last one.
  s.lane("s_in", 0).detectorOccupied = true;
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 0);
  // Detectors on red lanes do not extend the green.
  s.lane("s_in", 0).detectorOccupied = false;
  s.lane("w_in", 0).detectorGapS = 0.5;
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 1);
}

// Vehicles queued between the detector and the stop line never cross the detector; the green
// lasts until they have gone (up to max-out), or a short min green strands them.
TEST(PoliciesActuated, ExtendsWhileAQueueRemainsOnAGreenLane) {
  Sensors s = cross();
  s.lane("e_in", 0).approaching = 2;
  const auto policy = make("actuated");
  s.lane("n_in", 1).detectorGapS = 100.0f;  // nobody crossed the detector lately...
  s.lane("n_in", 1).queue = 3;              // ...but three vehicles still wait at the stop line
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 0);
  EXPECT_EQ(policy->decide(s.observe(0, 60)), 1);  // max-out still ends it
  s.lane("n_in", 1).queue = 0;
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 1);
  s.lane("w_in", 1).queue = 5;  // a queue on a red lane does not extend the green
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 1);
}

TEST(PoliciesActuated, ConfiguredGapIsUsed) {
  Sensors s = cross();
  s.lane("e_in", 0).approaching = 1;
  s.lane("n_in", 0).detectorGapS = 4.0f;
  EXPECT_EQ(make("actuated")->decide(s.observe(0, 20)), 1);
  EXPECT_EQ(make("actuated", {{"max_gap_s", 5}})->decide(s.observe(0, 20)), 0);
  s.lane("n_in", 0).detectorGapS = 5.0f;
  EXPECT_EQ(make("actuated", {{"max_gap_s", 5}})->decide(s.observe(0, 20)), 1);
}

TEST(PoliciesActuated, MaxesOutAtMaximumGreen) {
  Sensors s = cross();
  s.lane("w_in", 1).approaching = 1;
  s.lane("n_in", 0).detectorGapS = 0.5f;  // a steady stream on green
  const auto byDefault = make("actuated");
  EXPECT_EQ(byDefault->decide(s.observe(0, 59.9)), 0);
  EXPECT_EQ(byDefault->decide(s.observe(0, 60)), 1);
  const auto shorter = make("actuated", {{"max_green_s", 25}});
  EXPECT_EQ(shorter->decide(s.observe(0, 24.9)), 0);
  EXPECT_EQ(shorter->decide(s.observe(0, 25)), 1);
}

TEST(PoliciesActuated, HoldsMinimumGreen) {
  Sensors s = cross();
  s.lane("e_in", 1).approaching = 3;  // demand on red, nothing on green: gapped out at once
  const auto policy = make("actuated", {{"min_green_s", 15}});
  EXPECT_EQ(policy->decide(s.observe(0, 14.9)), 0);
  EXPECT_EQ(policy->decide(s.observe(0, 15)), 1);
  // By default the controller's minimum green (5 s here).
  EXPECT_EQ(make("actuated")->decide(s.observe(0, 5)), 1);
}

TEST(PoliciesActuated, HoldsWithoutDemandElsewhere) {
  Sensors s = cross();
  const auto policy = make("actuated");
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 0);   // gapped out, nobody waiting
  EXPECT_EQ(policy->decide(s.observe(0, 120)), 0);  // past max green, nobody waiting
  s.lane("n_in", 0).approaching = 5;                // demand only on the green phase
  EXPECT_EQ(policy->decide(s.observe(0, 120)), 0);
  s.lane("w_in", 1).detectorOccupied = true;  // a vehicle on a red detector is demand
  EXPECT_EQ(policy->decide(s.observe(0, 120)), 1);
}

TEST(PoliciesActuated, SkipsPhasesWithoutDemand) {
  Sensors s = fourPhase();
  s.lane(kGridE, 0).approaching = 1;  // east-west left turn only
  const auto policy = make("actuated");
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 3);
  s.lane(kGridN, 0).approaching = 1;  // now also a north-south left turn: it comes first in order
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 1);
  EXPECT_EQ(policy->decide(s.observe(2, 20)), 3);  // from phase 2, phase 3 comes before phase 1
}

TEST(PoliciesActuated, LanesGreenInEveryPhaseDoNotExtend) {
  Sensors s = cross();
  // Let the east approach's right turn run in both phases: its lane (e_in 1, shared with the
  // straight) is then green whatever the phase and says nothing about which phase to serve.
  MovementId eastRight;
  for (MovementId m : s.phases()[1].green)
    if (s.net().road(s.net().movement(m).fromRoad).name == "e_in" && s.net().movement(m).turn == TurnType::Right)
      eastRight = m;
  ASSERT_TRUE(eastRight.valid());
  s.phases()[0].green.push_back(eastRight);
  s.lane("w_in", 0).approaching = 1;
  s.lane("e_in", 1).detectorGapS = 0.5f;
  EXPECT_EQ(make("actuated")->decide(s.observe(0, 20)), 1);
  // ...whereas a lane green in this phase only does.
  s.lane("n_in", 1).detectorGapS = 0.5f;
  EXPECT_EQ(make("actuated")->decide(s.observe(0, 20)), 0);
}

// --- sotl ---------------------------------------------------------------------------------------

TEST(PoliciesSotl, SwitchesExactlyWhenRedDemandReachesTheThreshold) {
  Sensors s = cross();
  // Red (east-west) demand: kappa = waiting + approaching x time in phase = 20 + 2 t -> 60 at t = 20.
  s.lane("e_in", 0).waitingS = 14;
  s.lane("e_in", 0).approaching = 1;
  s.lane("w_in", 1).waitingS = 6;
  s.lane("w_in", 1).approaching = 1;
  // Green lanes count for nothing, however long their queue has waited.
  s.lane("n_in", 0).waitingS = 500;
  s.lane("n_in", 0).approaching = 8;
  const double thresholdTime = (60.0 - 20.0) / 2.0;
  EXPECT_DOUBLE_EQ(SotlPolicy::redDemandVehS(s.observe(0, thresholdTime), 1), 60);
  const auto policy = make("sotl");
  EXPECT_EQ(policy->decide(s.observe(0, thresholdTime - 0.1)), 0);
  EXPECT_EQ(policy->decide(s.observe(0, thresholdTime)), 1);
  // A configured threshold: 20 + 2 t = 100 at t = 40.
  const auto higher = make("sotl", {{"threshold", 100}});
  EXPECT_EQ(higher->decide(s.observe(0, 39.9)), 0);
  EXPECT_EQ(higher->decide(s.observe(0, 40)), 1);
}

TEST(PoliciesSotl, NotBeforeMinimumGreen) {
  Sensors s = cross();
  s.lane("e_in", 1).waitingS = 1000;  // far above the threshold
  const auto policy = make("sotl");
  EXPECT_EQ(policy->decide(s.observe(0, 9.9)), 0);
  EXPECT_EQ(policy->decide(s.observe(0, 10)), 1);
  const auto longer = make("sotl", {{"min_green_s", 25}});
  EXPECT_EQ(longer->decide(s.observe(0, 24.9)), 0);
  EXPECT_EQ(longer->decide(s.observe(0, 25)), 1);
}

TEST(PoliciesSotl, LetsAShortPlatoonCrossButCutsALongOne) {
  Sensors s = cross();
  s.lane("e_in", 1).waitingS = 70;  // kappa 70 >= 60
  s.lane("n_in", 1).detectorOccupied = true;
  s.lane("n_in", 1).approaching = 2;
  s.lane("s_in", 0).approaching = 1;  // 3 on green in all: a platoon of platoon_size
  const auto policy = make("sotl");
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 0);
  EXPECT_EQ(make("sotl", {{"platoon_size", 0}})->decide(s.observe(0, 20)), 1);  // never waits for one
  s.lane("s_in", 0).approaching = 2;  // 4: too many to wait for
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 1);
  EXPECT_EQ(make("sotl", {{"platoon_size", 4}})->decide(s.observe(0, 20)), 0);
  // Nobody over a green detector: nothing is about to cross.
  s.lane("s_in", 0).approaching = 1;
  s.lane("n_in", 1).detectorOccupied = false;
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 1);
  // Red demand of twice the threshold is not kept waiting even by a short platoon.
  s.lane("n_in", 1).detectorOccupied = true;
  s.lane("e_in", 1).waitingS = 120;
  EXPECT_EQ(policy->decide(s.observe(0, 20)), 1);
}

TEST(PoliciesSotl, SwitchesToTheMostDemandingPhase) {
  Sensors s = fourPhase();
  s.lane(kGridN, 0).waitingS = 70;  // phase 1 (north-south left)
  s.lane(kGridW, 0).waitingS = 90;  // phase 3 (east-west left)
  s.lane(kGridE, 1).waitingS = 10;  // phase 2 (east-west through)
  const auto policy = make("sotl");
  EXPECT_EQ(policy->decide(s.observe(0, 12)), 3);
  s.lane(kGridE, 1).approaching = 10;  // phase 2: 10 + 10 x 12 = 130
  EXPECT_DOUBLE_EQ(SotlPolicy::redDemandVehS(s.observe(0, 12), 2), 130);
  EXPECT_EQ(policy->decide(s.observe(0, 12)), 2);
}

// --- webster --------------------------------------------------------------------------------------

TEST(PoliciesWebster, CycleAndGreensFollowTheFormulaForMeasuredFlows) {
  Sensors s = cross();
  s.lane("n_in", 0).flowVehPerH = 450;
  s.lane("n_in", 1).flowVehPerH = 300;
  s.lane("s_in", 0).flowVehPerH = 360;
  s.lane("e_in", 1).flowVehPerH = 720;
  s.lane("w_in", 0).flowVehPerH = 540;
  // Worked by hand: critical lanes n_in 0 and e_in 1 with a saturation flow of 1800 veh/h.
  const double y0 = 450.0 / 1800, y1 = 720.0 / 1800, total = y0 + y1;
  const double lostS = 2 * (3 + 2) + 2 * 2.0;
  const double cycleS = (1.5 * lostS + 5) / (1 - total);  // 74.29 s, inside [40, 180]
  const double green0 = (cycleS - 2 * (3 + 2)) * y0 / total;
  const double green1 = (cycleS - 2 * (3 + 2)) * y1 / total;
  EXPECT_NEAR(cycleS, 74.2857, 1e-3);

  const WebsterParams params;
  EXPECT_DOUBLE_EQ(websterFlowRatio(s.observe(0, 0), 0, 1800), y0);
  EXPECT_DOUBLE_EQ(websterFlowRatio(s.observe(0, 0), 1, 1800), y1);
  EXPECT_NEAR(websterCycleS(total, 2, kTiming, params), cycleS, 1e-9);
  const std::vector<double> ratios{y0, y1};
  const auto greens = websterGreensS(ratios, kTiming, params);
  ASSERT_EQ(greens.size(), 2u);
  EXPECT_NEAR(greens[0], green0, 1e-9);
  EXPECT_NEAR(greens[1], green1, 1e-9);
  // Greens plus clearances fill the cycle.
  EXPECT_NEAR(greens[0] + greens[1] + 2 * 5, cycleS, 1e-9);

  // The policy ends each phase at its Webster green.
  const auto policy = make("webster");
  EXPECT_EQ(policy->decide(s.observe(0, green0 - 0.05)), 0);
  EXPECT_EQ(policy->decide(s.observe(0, green0 + 0.05)), 1);
  EXPECT_EQ(policy->decide(s.observe(1, green1 - 0.05)), 1);
  EXPECT_EQ(policy->decide(s.observe(1, green1 + 0.05)), 0);
}

TEST(PoliciesWebster, CycleIsClampedAndGreensKeepTheMinimum) {
  const WebsterParams params;
  // Light traffic: (1.5 * 14 + 5) / (1 - 0.1) = 28.9 s -> the 40 s minimum.
  EXPECT_DOUBLE_EQ(websterCycleS(0.1, 2, kTiming, params), 40);
  // Oversaturated: Y is capped at 0.95, (26) / 0.05 = 520 s -> the 180 s maximum.
  EXPECT_DOUBLE_EQ(websterCycleS(1.4, 2, kTiming, params), 180);
  WebsterParams wide = params;
  wide.maxCycleS = 1000;
  EXPECT_NEAR(websterCycleS(1.4, 2, kTiming, wide), 26 / 0.05, 1e-9);
  // A phase with almost no flow still gets the minimum green.
  const std::vector<double> ratios{0.005, 0.5};
  const auto greens = websterGreensS(ratios, kTiming, params);
  EXPECT_DOUBLE_EQ(greens[0], kTiming.minGreenS);
  EXPECT_GT(greens[1], 30);
}

TEST(PoliciesWebster, SaturationFlowParameterScalesTheRatios) {
  Sensors s = cross();
  s.lane("n_in", 0).flowVehPerH = 600;
  s.lane("e_in", 0).flowVehPerH = 300;
  // With 1200 veh/h/lane: y = 0.5 and 0.25, Y = 0.75, C0 = 26 / 0.25 = 104 s, g0 = 94 * 2 / 3.
  const double green0 = (26 / 0.25 - 10) * 0.5 / 0.75;
  const auto policy = make("webster", {{"saturation_flow_veh_per_h_per_lane", 1200}});
  EXPECT_EQ(policy->decide(s.observe(0, green0 - 0.05)), 0);
  EXPECT_EQ(policy->decide(s.observe(0, green0 + 0.05)), 1);
  // The same flows at the default 1800 veh/h/lane give a shorter cycle and green.
  EXPECT_EQ(make("webster")->decide(s.observe(0, green0 - 0.05)), 1);
}

TEST(PoliciesWebster, WithoutMeasuredFlowsServesTheProgrammedDurations) {
  Sensors s = cross();
  const auto policy = make("webster");
  EXPECT_EQ(policy->decide(s.observe(0, 29.9)), 0);  // crossJunction programs 30 s per phase
  EXPECT_EQ(policy->decide(s.observe(0, 30)), 1);
  // Likewise when the controller passes no sensors at all.
  SignalObservation bare = s.observe(1, 29.9);
  bare.network = nullptr;
  bare.allLanes = {};
  bare.incoming = {};
  bare.outgoing = {};
  EXPECT_EQ(policy->decide(bare), 1);
  bare.timeInPhaseS = 30;
  EXPECT_EQ(policy->decide(bare), 0);
}

// --- green_wave -----------------------------------------------------------------------------------

// The time in [0, cycle) at which `policy` ends phase 0's green: where, scanning a cycle in small
// steps, its answer for a junction showing phase 0 turns from "hold" to "switch".
double greenEndS(const SignalPolicy& policy, Sensors& s, double cycleS, double stepS) {
  bool previousHold = policy.decide(s.observe(0, 100, -stepS)) == 0;
  for (double t = 0; t < cycleS; t += stepS) {
    const bool hold = policy.decide(s.observe(0, 100, t)) == 0;
    if (!hold && previousHold) return t;
    previousHold = hold;
  }
  return -1;
}

double cyclicDifference(double a, double b, double cycleS) {
  const double d = std::fmod(a - b, cycleS);
  return d < 0 ? d + cycleS : d;
}

TEST(PoliciesGreenWave, OffsetsDifferByDistanceOverDesignSpeed) {
  GridSpec spec;
  spec.rows = 3;
  spec.columns = 3;
  spec.blockLengthM = 300;
  spec.greenS = 30;
  spec.protectedLefts = false;  // phase 0: north-south, phase 1: east-west
  const RoadNetwork grid = generateGrid(spec);
  Sensors south(generateGrid(spec), "j_0_0");
  Sensors north(generateGrid(spec), "j_2_0");
  Sensors east(generateGrid(spec), "j_0_2");
  const double cycleS = 2 * (30 + 3 + 2);
  const double designMps = 11;

  // Phase 0 runs north-south, so the offsets follow y: 600 m apart in y, none in x.
  const Vec2 a = grid.junction(*grid.findJunction("j_0_0")).position;
  const Vec2 b = grid.junction(*grid.findJunction("j_2_0")).position;
  ASSERT_DOUBLE_EQ(b.y - a.y, 600);
  const double expectedLagS = std::fmod((b.y - a.y) / designMps, cycleS);  // 54.5 s

  const auto policy = make("green_wave");
  const auto& wave = dynamic_cast<const GreenWavePolicy&>(*policy);
  EXPECT_NEAR(wave.cycleS(south.observe(0, 0)), cycleS, 1e-9);
  EXPECT_NEAR(cyclicDifference(wave.offsetS(north.observe(0, 0)), wave.offsetS(south.observe(0, 0)), cycleS),
              expectedLagS, 1e-9);
  EXPECT_NEAR(wave.offsetS(east.observe(0, 0)), wave.offsetS(south.observe(0, 0)), 1e-9);

  // And in behaviour: the northern junction ends phase 0's green that much later.
  const double stepS = 0.05;
  const double southEnd = greenEndS(*policy, south, cycleS, stepS);
  const double northEnd = greenEndS(*policy, north, cycleS, stepS);
  const double eastEnd = greenEndS(*policy, east, cycleS, stepS);
  ASSERT_GE(southEnd, 0);
  ASSERT_GE(northEnd, 0);
  EXPECT_NEAR(cyclicDifference(northEnd, southEnd, cycleS), expectedLagS, stepS + 1e-9);
  EXPECT_NEAR(eastEnd, southEnd, 1e-9);

  // A slower design speed stretches the lag: 600 / 8 = 75 s = 5 s modulo the 70 s cycle.
  const auto slow = make("green_wave", {{"design_speed_mps", 8}});
  EXPECT_NEAR(cyclicDifference(greenEndS(*slow, north, cycleS, stepS), greenEndS(*slow, south, cycleS, stepS),
                               cycleS),
              std::fmod(600.0 / 8, cycleS), stepS + 1e-9);
}

TEST(PoliciesGreenWave, FollowsTheTimelineOfGreensAndClearances) {
  Sensors s = cross();  // at the origin: offset 0; greens 30 s, clearance 5 s, cycle 70 s
  const auto policy = make("green_wave");
  EXPECT_EQ(policy->decide(s.observe(0, 100, 0)), 0);
  EXPECT_EQ(policy->decide(s.observe(0, 100, 29.9)), 0);
  EXPECT_EQ(policy->decide(s.observe(0, 100, 30)), 1);  // phase 0's slot ends: clear towards 1
  EXPECT_EQ(policy->decide(s.observe(1, 100, 36)), 1);  // phase 1's green slot
  EXPECT_EQ(policy->decide(s.observe(1, 100, 64.9)), 1);
  EXPECT_EQ(policy->decide(s.observe(1, 100, 65)), 0);
  EXPECT_EQ(policy->decide(s.observe(0, 100, 70 + 10)), 0);  // next cycle
  // Out of step (phase 0 showing in phase 1's slot): ask for phase 1 at once.
  EXPECT_EQ(policy->decide(s.observe(0, 100, 50)), 1);
  // green_s replaces the programmed greens: cycle 2 x (20 + 5) = 50 s.
  const auto shorter = make("green_wave", {{"green_s", 20}});
  EXPECT_EQ(shorter->decide(s.observe(0, 100, 19.9)), 0);
  EXPECT_EQ(shorter->decide(s.observe(0, 100, 20)), 1);
  EXPECT_EQ(shorter->decide(s.observe(0, 100, 50 + 5)), 0);
}

// --- all policies -----------------------------------------------------------------------------------

// Over a sweep of readings, every policy answers a valid phase and gives the same answer twice
// (no hidden state, no randomness).
TEST(PoliciesAll, AnswerValidPhasesDeterministically) {
  Sensors s = fourPhase();
  std::vector<std::unique_ptr<SignalPolicy>> policies;
  for (const std::string& name : signalPolicyNames()) policies.push_back(make(name));
  const std::vector<std::string> roads{kGridN, kGridS, kGridE, kGridW};
  for (int k = 0; k < 200; ++k) {
    s.setSweepReading(k, roads);
    const int phase = k % 4;
    const double inPhase = 5 + (k % 13) * 6;
    for (const auto& policy : policies) {
      const int answer = policy->decide(s.observe(phase, inPhase, k * 3.7));
      EXPECT_GE(answer, 0) << policy->name();
      EXPECT_LT(answer, 4) << policy->name();
      EXPECT_EQ(policy->decide(s.observe(phase, inPhase, k * 3.7)), answer) << policy->name();
    }
  }
}

// The controller hands policies the lanes each phase serves, derived once per junction
// (PhaseLanes); an observation without them has the helpers scan the network. Both must answer
// the same, in the same order: lane by lane on every junction of a grid, and every policy's
// decision over a sweep of readings.
TEST(PoliciesAll, PhaseLanesAnswerAsTheNetworkScan) {
  GridSpec spec;
  spec.rows = 2;
  spec.columns = 3;
  const RoadNetwork net = generateGrid(spec);
  using Pair = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>;
  int checkedPairs = 0;
  for (std::size_t j = 0; j < net.junctions().size(); ++j) {
    const Junction& junction = net.junctions()[j];
    if (!junction.program) continue;
    SignalObservation scan;
    scan.junction = JunctionId(j);
    scan.network = &net;
    scan.phases = junction.program->phases;
    const PhaseLanes lanes = policy_detail::derivePhaseLanes(net, JunctionId(j), junction.program->phases);
    SignalObservation derived = scan;
    derived.phaseLanes = &lanes;
    ASSERT_EQ(lanes.phaseCount(), junction.program->phases.size());
    for (int p = -1; p <= static_cast<int>(junction.program->phases.size()); ++p) {
      std::vector<Pair> fromScan, fromDerived;
      policy_detail::forEachLanePair(scan, p, [&](MovementId m, LaneId a, LaneId b) {
        fromScan.emplace_back(m.value, a.value, b.value);
      });
      policy_detail::forEachLanePair(derived, p, [&](MovementId m, LaneId a, LaneId b) {
        fromDerived.emplace_back(m.value, a.value, b.value);
      });
      EXPECT_EQ(fromScan, fromDerived) << junction.name << " phase " << p;
      checkedPairs += static_cast<int>(fromScan.size());
      std::vector<std::uint32_t> servedScan, servedDerived;
      policy_detail::forEachServedLane(scan, p, [&](LaneId l, const LaneObservation&) { servedScan.push_back(l.value); });
      policy_detail::forEachServedLane(derived, p, [&](LaneId l, const LaneObservation&) { servedDerived.push_back(l.value); });
      EXPECT_EQ(servedScan, servedDerived) << junction.name << " phase " << p;
      for (std::size_t l = 0; l < net.lanes().size(); ++l)
        EXPECT_EQ(policy_detail::phaseServesLane(scan, p, LaneId(l)), policy_detail::phaseServesLane(derived, p, LaneId(l)))
            << junction.name << " phase " << p << " lane " << l;
    }
  }
  EXPECT_GT(checkedPairs, 80);  // 16 lane pairs a junction on this grid

  Sensors s = fourPhase();
  const PhaseLanes lanes = policy_detail::derivePhaseLanes(s.net(), s.id(), s.phases());
  std::vector<std::unique_ptr<SignalPolicy>> policies;
  for (const std::string& name : signalPolicyNames()) policies.push_back(make(name));
  const LookaheadPressurePolicy lookahead;
  const std::vector<std::string> roads{kGridN, kGridS, kGridE, kGridW};
  std::map<std::string, int> switches;
  for (int k = 0; k < 200; ++k) {
    s.setSweepReading(k, roads);
    const int phase = k % 4;
    const double inPhase = 5 + (k % 13) * 6;
    const SignalObservation without = s.observe(phase, inPhase, k * 3.7);
    SignalObservation with = without;
    with.phaseLanes = &lanes;
    for (const auto& policy : policies) {
      const int answer = policy->decide(without);
      EXPECT_EQ(policy->decide(with), answer) << policy->name() << " reading " << k;
      if (answer != phase) ++switches[std::string(policy->name())];
    }
    for (int p = 0; p < 4; ++p) {
      EXPECT_EQ(lookahead.weight(with, p), lookahead.weight(without, p)) << "reading " << k << " phase " << p;
      EXPECT_EQ(lookahead.canServe(with, p), lookahead.canServe(without, p)) << "reading " << k << " phase " << p;
    }
  }
  // The sweep makes the adaptive policies change their minds, so the answers compared are not all "hold".
  EXPECT_GT(switches["lookahead_pressure"], 10);
  EXPECT_GT(switches["max_pressure"], 10);
}

}  // namespace
}  // namespace traffic
