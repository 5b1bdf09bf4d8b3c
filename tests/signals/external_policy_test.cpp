// ExternalPhasePolicy and registerSignalPolicy. Issue 13: control from Python goes through them.
#include "traffic/external_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "traffic/errors.h"
#include "traffic/observation.h"
#include "traffic/world.h"

namespace traffic {
namespace {

Scenario hangzhou(std::vector<std::string> overrides = {}) {
  overrides.push_back("scenario.duration_s=600");
  return loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/hangzhou_real.toml", overrides);
}

// phase, next phase, stage of one junction.
std::tuple<int, int, int> signalOf(const World& world, JunctionId j) {
  const std::size_t n = world.scenario().network->junctions().size();
  std::vector<std::int32_t> phase(n), next(n), stage(n);
  observeSignals(world, SignalArrays{phase, next, stage, {}});
  return {phase[j.index()], next[j.index()], stage[j.index()]};
}

ExternalPhasePolicy* installExternal(World& world, const Scenario& sc) {
  auto policy = std::make_unique<ExternalPhasePolicy>(*sc.network, makeSignalPolicy(sc.signalPolicy, "test"));
  ExternalPhasePolicy* raw = policy.get();
  world.setSignalPolicy(std::move(policy));
  return raw;
}

TEST(ExternalPhasePolicy, WithoutRequestsTheRunIsTheFallbacksToTheBit) {
  for (const char* name : {"fixed_time", "max_pressure"}) {
    const Scenario sc = hangzhou({std::string("signals.policy=") + name});
    World plain(sc, WorldOptions{1});
    World steered(sc, WorldOptions{1});
    installExternal(steered, sc);
    plain.run();
    steered.run();
    EXPECT_EQ(plain.stateHash(), steered.stateHash()) << name;
  }
}

TEST(ExternalPhasePolicy, RequestGoesThroughClearanceAndHolds) {
  const Scenario sc = hangzhou();
  World world(sc, WorldOptions{1});
  ExternalPhasePolicy* control = installExternal(world, sc);
  const JunctionId j = *sc.network->findJunction("intersection_1_1");
  for (int i = 0; i < 10; ++i) world.step();
  control->request(j, 3);
  EXPECT_EQ(control->requested(j), 3);
  world.step();
  EXPECT_EQ(signalOf(world, j), std::make_tuple(0, 3, 1));  // yellow
  for (int i = 0; i < 3; ++i) world.step();
  EXPECT_EQ(signalOf(world, j), std::make_tuple(0, 3, 2));  // all-red
  for (int i = 0; i < 2; ++i) world.step();
  EXPECT_EQ(signalOf(world, j), std::make_tuple(3, 3, 0));
  for (int i = 0; i < 120; ++i) world.step();
  EXPECT_EQ(signalOf(world, j), std::make_tuple(3, 3, 0));  // held past the programme's 30 s
  control->release(j);
  EXPECT_EQ(control->requested(j), -1);
  for (int i = 0; i < 40; ++i) world.step();
  EXPECT_NE(std::get<0>(signalOf(world, j)), 3);  // fixed time again
  EXPECT_TRUE(world.checkInvariants().empty());
}

TEST(ExternalPhasePolicy, RejectsBadRequests) {
  const Scenario sc = hangzhou();
  ExternalPhasePolicy control(*sc.network, makeSignalPolicy(sc.signalPolicy, "test"));
  const JunctionId signal = *sc.network->findJunction("intersection_1_1");
  const JunctionId boundary = *sc.network->findJunction("intersection_0_1");
  EXPECT_THROW(control.request(JunctionId(sc.network->junctions().size()), 0), std::out_of_range);
  EXPECT_THROW(control.request(signal, 8), std::out_of_range);
  EXPECT_THROW(control.request(signal, -1), std::out_of_range);
  EXPECT_THROW(control.request(boundary, 0), std::invalid_argument);
  EXPECT_THROW(control.release(JunctionId(9999)), std::out_of_range);
  EXPECT_EQ(control.requested(signal), -1);
}

// A policy from outside the project: holds whatever phase is green.
class HoldPolicy final : public SignalPolicy {
 public:
  [[nodiscard]] std::string_view name() const override { return "test_hold_phase"; }
  [[nodiscard]] bool usesObservations() const override { return false; }
  [[nodiscard]] int decide(const SignalObservation& obs) const override { return obs.currentPhase; }
};

TEST(RegisterSignalPolicy, ANamedOutsidePolicyIsChosenByScenarios) {
  registerSignalPolicy("test_hold_phase", [](const PolicySpec& spec, const std::string& file) {
    for (const auto& [key, value] : spec.params)
      throw LoadError(file, "signals.params." + key, "test_hold_phase takes no parameters");
    return std::make_unique<HoldPolicy>();
  });
  const auto names = signalPolicyNames();
  EXPECT_EQ(names.front(), "fixed_time");
  EXPECT_NE(std::find(names.begin(), names.end(), "test_hold_phase"), names.end());
  const Scenario sc = hangzhou({"signals.policy=test_hold_phase"});
  World world(sc, WorldOptions{1});
  world.run();
  const JunctionId j = *sc.network->findJunction("intersection_2_2");
  EXPECT_EQ(signalOf(world, j), std::make_tuple(0, 0, 0));  // never left phase 0
  EXPECT_THROW((void)hangzhou({"signals.policy=test_hold_phase", "signals.params.gain=2"}), LoadError);
  EXPECT_THROW(registerSignalPolicy("max_pressure", [](const PolicySpec&, const std::string&) {
                 return std::make_unique<HoldPolicy>();
               }),
               std::invalid_argument);
  EXPECT_THROW(registerSignalPolicy("", {}), std::invalid_argument);
}

}  // namespace
}  // namespace traffic
