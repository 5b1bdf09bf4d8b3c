// The lookahead_pressure signal policy on hand-made sensor readings: each test sets queues, approaching
// vehicles, occupancies and waiting times on a small network and checks the weights against the
// definition in sim/src/signals/policies/lookahead_pressure.h (numbers worked by hand in the comments) and the
// phase the policy asks for.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/test_networks.h"
#include "signals/policies/lookahead_pressure.h"
#include "signals/policies/max_pressure.h"
#include "traffic/errors.h"
#include "traffic/grid.h"
#include "common/policy_sensors.h"
#include "traffic/signal.h"

namespace traffic {
namespace {

constexpr SignalTiming kTiming = testing::kSensorTiming;

using testing::Sensors;


// The cross junction "c" with two lanes per approach: phase 0 serves north and south, phase 1 east
// and west. Lane 0 of an approach goes straight (to lane 0) and left; lane 1 straight (to lane 1)
// and right. So e_in lane 1 feeds w_out lane 1 and n_out lane 1; n_in lane 0 feeds s_out lane 0
// and e_out lane 0: two lane pairs each.
Sensors cross() { return Sensors(testing::crossJunction(200, 2, true), "c"); }

std::unique_ptr<SignalPolicy> make(std::map<std::string, double> params = {}) {
  return makeSignalPolicy(PolicySpec{"lookahead_pressure", std::move(params)}, "s.toml");
}

LookaheadPressurePolicy policy(LookaheadPressureParams p = {}) { return LookaheadPressurePolicy(p); }

// --- weights --------------------------------------------------------------------------------------

TEST(PoliciesLookaheadPressure, PicksThePhaseWithTheHighestLookAheadWeight) {
  Sensors s = cross();
  s.lane("n_in", 0).queue = 3;        // phase 0: 2 pairs x 3 = 6
  s.lane("e_in", 1).queue = 1;        // phase 1: 1 queued and 5 more moving towards the red light:
  s.lane("e_in", 1).approaching = 6;  // demand 1 + 1 x 5 = 6, 2 pairs x 6 = 12
  const LookaheadPressurePolicy cb = policy();
  EXPECT_DOUBLE_EQ(cb.laneDemand(s.observe(0, 15), s.laneId("e_in", 1)), 6);
  EXPECT_DOUBLE_EQ(cb.weight(s.observe(0, 15), 0), 6);
  EXPECT_DOUBLE_EQ(cb.weight(s.observe(0, 15), 1), 12);
  EXPECT_EQ(make()->decide(s.observe(0, 15)), 1);
  // Max pressure, counting only the halted vehicles (2 against 6), keeps phase 0.
  EXPECT_DOUBLE_EQ(MaxPressurePolicy::pressure(s.observe(0, 15), 1), 2);
  EXPECT_EQ(makeSignalPolicy(PolicySpec{"max_pressure", {}}, "s.toml")->decide(s.observe(0, 15)), 0);
  // Without the look-ahead lookahead_pressure sees what max pressure sees.
  EXPECT_EQ(make({{"approach_weight", 0}})->decide(s.observe(0, 15)), 0);
}

TEST(PoliciesLookaheadPressure, DownstreamQueuesAreSubtracted) {
  // A four-phase grid junction: 0 north-south through and right, 2 east-west through and right.
  // The middle lane (1) of each exit is fed only by the through movement arriving opposite it.
  GridSpec spec;
  spec.rows = 1;
  spec.columns = 1;
  Sensors s(generateGrid(spec), "j_0_0");
  s.lane("road_j_1_0_j_0_0", 1).queue = 3;
  s.lane("road_j_-1_0_j_0_0", 1).queue = 3;  // phase 0: 6
  s.lane("road_j_0_1_j_0_0", 1).queue = 5;
  s.lane("road_j_0_-1_j_0_0", 1).queue = 5;  // phase 2: 10 > 6 + 2
  const LookaheadPressurePolicy cb = policy();
  EXPECT_DOUBLE_EQ(cb.weight(s.observe(0, 15), 0), 6);
  EXPECT_DOUBLE_EQ(cb.weight(s.observe(0, 15), 2), 10);
  EXPECT_EQ(make()->decide(s.observe(0, 15)), 2);
  // Queues on the east and west exits take 2 each off phase 2: 6, no better than phase 0.
  s.lane("road_j_0_0_j_0_1", 1).queue = 2;
  s.lane("road_j_0_0_j_0_-1", 1).queue = 2;
  EXPECT_DOUBLE_EQ(cb.weight(s.observe(0, 15), 2), 6);
  EXPECT_DOUBLE_EQ(cb.weight(s.observe(0, 15), 0), 6);
  EXPECT_EQ(make()->decide(s.observe(0, 15)), 0);
}

TEST(PoliciesLookaheadPressure, KeepsTheGreenForAPlatoonArrivingOnIt) {
  Sensors s = cross();
  s.lane("e_in", 1).approaching = 4;  // 4 vehicles moving towards phase 1's stop line
  s.lane("n_in", 0).queue = 7;        // phase 0: 14
  const LookaheadPressurePolicy cb = policy();
  // On green the platoon counts twice (approach 1 + platoon 1): 2 pairs x 8 = 16 > 14, so hold.
  EXPECT_DOUBLE_EQ(cb.laneDemand(s.observe(1, 15), s.laneId("e_in", 1)), 8);
  EXPECT_DOUBLE_EQ(cb.weight(s.observe(1, 15), 1), 16);
  EXPECT_EQ(make()->decide(s.observe(1, 15)), 1);
  // Without the bonus it weighs 8 and loses to 14.
  EXPECT_EQ(make({{"platoon_weight", 0}})->decide(s.observe(1, 15)), 0);
  // On red the same vehicles count once: phase 0 keeps its green.
  EXPECT_DOUBLE_EQ(cb.weight(s.observe(0, 15), 1), 8);
  EXPECT_EQ(make()->decide(s.observe(0, 15)), 0);
}

TEST(PoliciesLookaheadPressure, UpstreamQueuesOneJunctionBackCountDiscounted) {
  // Two grid junctions in a row; look at j_0_1, whose west approach comes from j_0_0. Phase 0:
  // north-south through and right, 2: east-west through and right. Lanes: 0 left only, 1 through,
  // 2 through and right.
  GridSpec spec;
  spec.rows = 1;
  spec.columns = 2;
  Sensors s(generateGrid(spec), "j_0_1");
  const std::string west = "road_j_0_0_j_0_1", upstream = "road_j_0_-1_j_0_0";
  s.lane("road_j_1_1_j_0_1", 1).queue = 2;  // phase 0: one pair x 2 = 2
  // Queues on j_0_0's west approach: lane 1 goes only straight on, onto west lane 1 (all of its 8);
  // lane 2 splits over straight on (onto west lane 2) and right (half of its 6, so 3).
  s.lane(upstream, 1).queue = 8;
  s.lane(upstream, 2).queue = 6;
  const auto obs = [&] { return s.observe(0, 15); };

  const LookaheadPressurePolicy off = policy();  // upstream_weight 0 by default
  EXPECT_DOUBLE_EQ(off.laneDemand(obs(), s.laneId(west, 1)), 0);
  EXPECT_FALSE(off.canServe(obs(), 2));
  EXPECT_EQ(make()->decide(obs()), 0);

  LookaheadPressureParams half;
  half.upstreamWeight = 0.5;
  const LookaheadPressurePolicy on = policy(half);
  EXPECT_DOUBLE_EQ(on.laneDemand(obs(), s.laneId(west, 1)), 4);
  EXPECT_DOUBLE_EQ(on.laneDemand(obs(), s.laneId(west, 2)), 1.5);
  // Phase 2: west lane 1 (one pair, 4) + west lane 2 (through and right, 2 x 1.5) = 7 > 2 + 2.
  EXPECT_DOUBLE_EQ(on.weight(obs(), 2), 7);
  EXPECT_EQ(make({{"upstream_weight", 0.5}})->decide(obs()), 2);
  // A quarter: 3.5, within the hysteresis.
  EXPECT_EQ(make({{"upstream_weight", 0.25}})->decide(obs()), 0);
  // Lanes that do not feed this junction's approach (j_0_0's north approach) add nothing.
  s.lane(upstream, 1).queue = 0;
  s.lane(upstream, 2).queue = 0;
  s.lane("road_j_1_0_j_0_0", 1).queue = 30;
  EXPECT_DOUBLE_EQ(on.weight(obs(), 2), 0);
}

TEST(PoliciesLookaheadPressure, MovementsGreenInEveryPhaseDoNotCount) {
  Sensors s = cross();
  s.lane("e_in", 1).queue = 10;  // straight (phase 1) and right turn: 2 pairs, weight 20
  const LookaheadPressurePolicy cb = policy();
  EXPECT_DOUBLE_EQ(cb.weight(s.observe(0, 15), 1), 20);
  // Let the east approach's right turn run in phase 0 too: its pair then adds the same to both
  // phases, and is left out of both; the straight pair stays with phase 1.
  MovementId eastRight;
  for (MovementId m : s.phases()[1].green)
    if (s.net().road(s.net().movement(m).fromRoad).name == "e_in" && s.net().movement(m).turn == TurnType::Right)
      eastRight = m;
  ASSERT_TRUE(eastRight.valid());
  s.phases()[0].green.push_back(eastRight);
  EXPECT_DOUBLE_EQ(cb.weight(s.observe(0, 15), 1), 10);
  EXPECT_DOUBLE_EQ(cb.weight(s.observe(0, 15), 0), 0);
}

TEST(PoliciesLookaheadPressure, WithoutLookAheadWeightsEqualMaxPressure) {
  // A four-phase grid junction (no movement green in every phase), over a sweep of queues.
  GridSpec spec;
  spec.rows = 1;
  spec.columns = 1;
  Sensors s(generateGrid(spec), "j_0_0");
  LookaheadPressureParams p;
  p.approachWeight = 0;
  p.platoonWeight = 0;
  p.upstreamWeight = 0;
  p.spillbackOccupancy = 1e9;
  const LookaheadPressurePolicy cb = policy(p);
  std::uint32_t x = 12345;  // a fixed linear congruential sequence of queue lengths
  for (int round = 0; round < 20; ++round) {
    for (std::size_t l = 0; l < s.net().lanes().size(); ++l) {
      x = x * 1664525u + 1013904223u;
      LaneObservation& o = s.lane(LaneId(l));
      o.queue = static_cast<std::uint16_t>(x >> 28);            // 0..15
      o.approaching = static_cast<std::uint16_t>(o.queue + 3);  // ignored with approach weight 0
    }
    for (int phase = 0; phase < 4; ++phase)
      EXPECT_DOUBLE_EQ(cb.weight(s.observe(0, 15), phase), MaxPressurePolicy::pressure(s.observe(0, 15), phase))
          << "round " << round << ", phase " << phase;
  }
}

// --- spill-back -----------------------------------------------------------------------------------

TEST(PoliciesLookaheadPressure, RefusesAPhaseWhoseOnlyDemandFlowsIntoFullLanes) {
  Sensors s = cross();
  s.lane("n_in", 0).queue = 1;   // phase 0: 2
  s.lane("e_in", 1).queue = 10;  // phase 1: 20 while its exits have room
  const auto cb = make();
  EXPECT_EQ(cb->decide(s.observe(0, 15)), 1);
  // Both lanes e_in lane 1 feeds are nearly full: those pairs weigh at most 0.
  s.lane("w_out", 1).occupancy = 0.9f;
  s.lane("n_out", 1).occupancy = 0.9f;
  const LookaheadPressurePolicy plain = policy();
  EXPECT_DOUBLE_EQ(plain.weight(s.observe(0, 15), 1), 0);
  EXPECT_FALSE(plain.canServe(s.observe(0, 15), 1));
  EXPECT_EQ(cb->decide(s.observe(0, 15)), 0);
  EXPECT_EQ(cb->decide(s.observe(0, 100)), 0);  // not even after max_phase_s
  // Max pressure only sees queues (the vehicles on the full lanes are moving) and would send them.
  EXPECT_EQ(makeSignalPolicy(PolicySpec{"max_pressure", {}}, "s.toml")->decide(s.observe(0, 15)), 1);
  // A full lane with a longer queue than the demand makes the pair negative: 10 - 12 = -2.
  s.lane("w_out", 1).queue = 12;
  EXPECT_DOUBLE_EQ(plain.weight(s.observe(0, 15), 1), -2);
  s.lane("w_out", 1).queue = 0;
  // One exit free again: the right turn into n_out carries phase 1 (10 > 2 + 2).
  s.lane("n_out", 1).occupancy = 0.5f;
  EXPECT_DOUBLE_EQ(plain.weight(s.observe(0, 15), 1), 10);
  EXPECT_EQ(cb->decide(s.observe(0, 15)), 1);
  // The threshold is a parameter: at 0.95, 0.9 is not full.
  s.lane("n_out", 1).occupancy = 0.9f;
  EXPECT_EQ(cb->decide(s.observe(0, 15)), 0);
  EXPECT_EQ(make({{"spillback_occupancy", 0.95}})->decide(s.observe(0, 15)), 1);
}

TEST(PoliciesLookaheadPressure, LeavesAPhaseThatFeedsOnlyFullLanesBeforeTheMinimum) {
  Sensors s = cross();
  s.lane("e_in", 1).queue = 10;  // phase 1 is green, its demand heads into...
  s.lane("w_out", 1).occupancy = 0.9f;
  s.lane("n_out", 1).occupancy = 0.9f;  // ...full lanes
  s.lane("n_in", 0).queue = 2;          // while phase 0 could serve someone
  const auto cb = make();
  EXPECT_EQ(cb->decide(s.observe(1, 6)), 0);  // before min_phase_s (10 s)
  // With room downstream the same green is held until the minimum.
  s.lane("w_out", 1).occupancy = 0.2f;
  EXPECT_EQ(cb->decide(s.observe(1, 6)), 1);
  // And an empty phase is left early too, but only for one that has demand.
  s.lane("e_in", 1).queue = 0;
  EXPECT_EQ(cb->decide(s.observe(1, 6)), 0);
  s.lane("n_in", 0).queue = 0;
  EXPECT_EQ(cb->decide(s.observe(1, 6)), 1);
}

// --- timing and fairness --------------------------------------------------------------------------

TEST(PoliciesLookaheadPressure, HoldsUntilTheMinimumPhaseTime) {
  Sensors s = cross();
  s.lane("n_in", 0).queue = 1;   // the green phase 0 still serves someone (2)
  s.lane("e_in", 1).queue = 10;  // phase 1: 20
  const auto byDefault = make();
  EXPECT_EQ(byDefault->decide(s.observe(0, 9.9)), 0);
  EXPECT_EQ(byDefault->decide(s.observe(0, 10)), 1);
  const auto longer = make({{"min_phase_s", 20}});
  EXPECT_EQ(longer->decide(s.observe(0, 19.9)), 0);
  EXPECT_EQ(longer->decide(s.observe(0, 20)), 1);
}

TEST(PoliciesLookaheadPressure, SwitchesAfterTheMaximumPhaseTimeWhenOthersWait) {
  Sensors s = cross();
  s.lane("n_in", 0).queue = 20;  // phase 0: 40, far ahead
  s.lane("e_in", 0).queue = 1;   // phase 1: 2
  const auto byDefault = make();
  EXPECT_EQ(byDefault->decide(s.observe(0, 30)), 0);
  EXPECT_EQ(byDefault->decide(s.observe(0, 59.9)), 0);
  EXPECT_EQ(byDefault->decide(s.observe(0, 60)), 1);
  const auto shorter = make({{"max_phase_s", 30}});
  EXPECT_EQ(shorter->decide(s.observe(0, 29.9)), 0);
  EXPECT_EQ(shorter->decide(s.observe(0, 30)), 1);
  // Nobody waiting elsewhere: the green stays, however long.
  s.lane("e_in", 0).queue = 0;
  EXPECT_EQ(byDefault->decide(s.observe(0, 300)), 0);
}

TEST(PoliciesLookaheadPressure, AQueueThatWaitedTheMaximumTakesTheGreen) {
  Sensors s = cross();
  s.lane("n_in", 0).queue = 20;      // phase 0: 40
  s.lane("e_in", 0).queue = 2;       // phase 1: 4, but waiting...
  s.lane("e_in", 0).waitingS = 239;  // ...just under 120 s each on average
  const auto byDefault = make();
  EXPECT_EQ(byDefault->decide(s.observe(0, 15)), 0);
  s.lane("e_in", 0).waitingS = 240;  // 120 s on average
  EXPECT_EQ(byDefault->decide(s.observe(0, 15)), 1);
  EXPECT_EQ(byDefault->decide(s.observe(0, 9)), 0);  // still after the minimum phase time only
  EXPECT_EQ(make({{"max_wait_s", 300}})->decide(s.observe(0, 15)), 0);
}

TEST(PoliciesLookaheadPressure, CloseWeightsKeepTheCurrentPhase) {
  Sensors s = cross();
  s.lane("n_in", 0).queue = 3;  // phase 0: 6
  s.lane("e_in", 1).queue = 4;  // phase 1: 8, within the 2-vehicle margin
  EXPECT_EQ(make()->decide(s.observe(0, 15)), 0);
  EXPECT_EQ(make({{"hysteresis_veh", 0}})->decide(s.observe(0, 15)), 1);
  s.lane("e_in", 1).queue = 5;  // 10 > 6 + 2
  EXPECT_EQ(make()->decide(s.observe(0, 15)), 1);
  // Exactly equal weights keep the current phase even without a margin.
  s.lane("e_in", 1).queue = 3;
  EXPECT_EQ(make({{"hysteresis_veh", 0}})->decide(s.observe(0, 15)), 0);
  EXPECT_EQ(make({{"hysteresis_veh", 0}})->decide(s.observe(1, 15)), 1);
}

TEST(PoliciesLookaheadPressure, WithoutSensorsOrPhasesHolds) {
  Sensors s = cross();
  s.lane("e_in", 1).queue = 10;
  SignalObservation bare = s.observe(0, 30);
  bare.network = nullptr;
  EXPECT_EQ(make()->decide(bare), 0);
  s.phases().resize(1);
  EXPECT_EQ(make()->decide(s.observe(0, 30)), 0);
}

// --- parameters -----------------------------------------------------------------------------------

void expectParamError(std::map<std::string, double> params, const std::string& key) {
  try {
    (void)make(std::move(params));
    ADD_FAILURE() << "no error for " << key;
  } catch (const LoadError& e) {
    EXPECT_EQ(e.entity(), "signals.params." + key) << e.what();
    EXPECT_EQ(e.file(), "s.toml");
  }
}

TEST(PoliciesLookaheadPressureParams, IsRegisteredByName) {
  const auto names = signalPolicyNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "lookahead_pressure"), names.end());
  EXPECT_EQ(make()->name(), "lookahead_pressure");
  EXPECT_TRUE(make()->usesObservations());
}

// Issue 12: the policy was called city_brain, a name that suggested Alibaba's City Brain. The old
// name stays accepted for existing scenario files and builds the same policy under its new name.
TEST(PoliciesLookaheadPressureParams, CityBrainIsADeprecatedAliasOfTheSamePolicy) {
  const auto names = signalPolicyNames();
  EXPECT_EQ(std::find(names.begin(), names.end(), "city_brain"), names.end()) << "aliases are not listed";
  EXPECT_EQ(renamedSignalPolicy("city_brain"), "lookahead_pressure");
  EXPECT_EQ(renamedSignalPolicy("lookahead_pressure"), "");
  EXPECT_EQ(renamedSignalPolicy("max_pressure"), "");
  EXPECT_EQ(canonicalSignalPolicyName("city_brain"), "lookahead_pressure");
  EXPECT_EQ(canonicalSignalPolicyName("max_pressure"), "max_pressure");

  const auto aliased = makeSignalPolicy(PolicySpec{"city_brain", {{"approach_weight", 0}}}, "s.toml");
  EXPECT_EQ(aliased->name(), "lookahead_pressure");
  // Same parameters, same decisions: the observation where the look-ahead changes the answer.
  Sensors s = cross();
  s.lane("n_in", 0).queue = 3;
  s.lane("e_in", 1).queue = 1;
  s.lane("e_in", 1).approaching = 6;
  EXPECT_EQ(aliased->decide(s.observe(0, 15)), 0);
  EXPECT_EQ(makeSignalPolicy(PolicySpec{"city_brain", {}}, "s.toml")->decide(s.observe(0, 15)), 1);
  EXPECT_EQ(make()->decide(s.observe(0, 15)), 1);

  // Parameter errors through the old name still name the key.
  try {
    (void)makeSignalPolicy(PolicySpec{"city_brain", {{"max_wait_s", 0}}}, "s.toml");
    ADD_FAILURE() << "no error for max_wait_s";
  } catch (const LoadError& e) {
    EXPECT_EQ(e.entity(), "signals.params.max_wait_s") << e.what();
  }
  // A plug-in cannot take over the old name of a built-in policy.
  EXPECT_THROW(registerSignalPolicy("city_brain", [](const PolicySpec&, const std::string&) {
                 return std::unique_ptr<SignalPolicy>();
               }),
               std::invalid_argument);
}

TEST(PoliciesLookaheadPressureParams, ErrorsNameTheKey) {
  expectParamError({{"cycle_length", 90}}, "cycle_length");
  expectParamError({{"max_gap_s", 3}}, "max_gap_s");  // another policy's parameter
  expectParamError({{"min_phase_s", -1}}, "min_phase_s");
  expectParamError({{"max_phase_s", 0}}, "max_phase_s");
  expectParamError({{"min_phase_s", 30}, {"max_phase_s", 20}}, "min_phase_s");
  expectParamError({{"min_phase_s", 61}}, "min_phase_s");  // above the default maximum of 60
  expectParamError({{"approach_weight", -0.5}}, "approach_weight");
  expectParamError({{"platoon_weight", -1}}, "platoon_weight");
  expectParamError({{"upstream_weight", -0.1}}, "upstream_weight");
  expectParamError({{"spillback_occupancy", 0}}, "spillback_occupancy");
  expectParamError({{"hysteresis_veh", -2}}, "hysteresis_veh");
  expectParamError({{"max_wait_s", 0}}, "max_wait_s");
  // Boundary values are valid choices.
  EXPECT_NO_THROW((void)make({{"min_phase_s", 0}, {"approach_weight", 0}, {"hysteresis_veh", 0}}));
  EXPECT_NO_THROW((void)make({{"min_phase_s", 30}, {"max_phase_s", 30}}));
}

}  // namespace
}  // namespace traffic
