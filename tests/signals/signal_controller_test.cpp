#include <gtest/gtest.h>

#include <map>

#include "common/test_networks.h"
#include "traffic/signal.h"

namespace traffic {
namespace {

bool conflicting(const RoadNetwork& net, MovementId a, MovementId b) {
  for (ConnectorId ca : net.movement(a).connectors)
    for (const Conflict& k : net.connector(ca).conflicts)
      if (net.connector(k.other).movement == b) return true;
  return false;
}

bool isGreen(SignalState s) { return s == SignalState::GreenProtected || s == SignalState::GreenPermissive; }

TEST(SignalController, TurnsAcrossProtectedTrafficArePermissive) {
  const RoadNetwork net = testing::crossJunction(200, 2, true);
  const JunctionId c = *net.findJunction("c");
  const Junction& j = net.junction(c);
  ASSERT_TRUE(j.program.has_value());
  const auto states = phaseMovementStates(net, c, j.program->phases[0]);
  for (std::size_t k = 0; k < j.movements.size(); ++k) {
    const Movement& m = net.movement(j.movements[k]);
    if (states[k] == SignalState::Red) continue;
    if (m.turn == TurnType::Straight) { EXPECT_EQ(states[k], SignalState::GreenProtected); }
    if (m.turn == TurnType::Left) { EXPECT_EQ(states[k], SignalState::GreenPermissive); }  // across oncoming
  }
}

// Over a long fixed-time run: never two conflicting movements both green with neither yielding,
// greens last at least the minimum, and a movement that loses its green shows yellow for the
// yellow time and then red through the all-red before any conflicting movement turns green.
TEST(SignalController, FixedTimeSequenceIsAlwaysSafe) {
  const RoadNetwork net = testing::crossJunction(200, 2, true);
  const JunctionId c = *net.findJunction("c");
  const SignalTiming timing{3.0, 2.0, 5.0};
  SignalController controller(net, c, timing);
  const auto policy = makeSignalPolicy(PolicySpec{"fixed_time", {{"green_s", 12}}}, "test");
  std::vector<SignalState> states(net.movements().size(), SignalState::Red);
  controller.writeStates(states);
  const double dt = 0.5;
  std::map<std::uint32_t, double> redSince;  // movement -> time it turned red
  std::map<std::uint32_t, double> greenSince;
  std::map<std::uint32_t, double> yellowFor;
  int switches = 0;
  std::vector<SignalState> previous = states;
  for (int step = 1; step <= 2000; ++step) {
    const double now = step * dt;
    controller.update(now, dt, *policy, states);
    const Junction& j = net.junction(c);
    for (MovementId a : j.movements) {
      const SignalState sa = states[a.index()];
      const SignalState pa = previous[a.index()];
      if (sa == SignalState::Yellow) { yellowFor[a.value] += dt; }
      if (pa == SignalState::Yellow && sa != SignalState::Yellow) {
        EXPECT_EQ(sa, SignalState::Red);
        EXPECT_NEAR(yellowFor[a.value], timing.yellowS, 1e-9);
        yellowFor[a.value] = 0;
        redSince[a.value] = now;
      }
      if (isGreen(pa) && sa == SignalState::Red) { ADD_FAILURE() << "green went straight to red at t=" << now; }
      if (!isGreen(pa) && isGreen(sa)) {
        greenSince[a.value] = now;
        ++switches;
        // Every conflicting movement has been red for at least the all-red time.
        for (MovementId b : j.movements) {
          if (b == a || !conflicting(net, a, b)) continue;
          EXPECT_FALSE(states[b.index()] == SignalState::GreenProtected &&
                       states[a.index()] == SignalState::GreenProtected);
          EXPECT_NE(states[b.index()], SignalState::Yellow);
          if (redSince.count(b.value)) { EXPECT_GE(now - redSince[b.value] + 1e-9, timing.allRedS); }
        }
      }
      if (isGreen(pa) && !isGreen(sa)) { EXPECT_GE(now - greenSince[a.value] + 1e-9, timing.minGreenS); }
      for (MovementId b : j.movements) {
        if (a < b && conflicting(net, a, b)) {
          EXPECT_FALSE(sa == SignalState::GreenProtected && states[b.index()] == SignalState::GreenProtected)
              << "conflicting protected greens at t=" << now;
        }
      }
    }
    previous = states;
  }
  EXPECT_GT(switches, 50);
}

TEST(SignalController, MinimumGreenHoldsEvenIfThePolicyAsksToSwitchAtOnce) {
  const RoadNetwork net = testing::crossJunction(200, 1, true);
  const JunctionId c = *net.findJunction("c");
  SignalController controller(net, c, SignalTiming{3.0, 1.0, 7.0});
  const auto policy = makeSignalPolicy(PolicySpec{"fixed_time", {{"green_s", 0.5}}}, "test");
  std::vector<SignalState> states(net.movements().size());
  // Updates come at the start of each step, from t = 0: the phase is left at the update at t = 7.
  double t = 0;
  for (;; t += 0.5) {
    controller.update(t, 0.5, *policy, states);
    if (controller.stage() != SignalController::Stage::Green) break;
  }
  EXPECT_NEAR(t, 7.0, 1e-9);
}

TEST(SignalPolicies, UnknownNamesAndBadParametersAreRejectedWithTheKey) {
  try {
    (void)makeSignalPolicy(PolicySpec{"fixed_tme", {}}, "s.toml");
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("s.toml"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("fixed_time"), std::string::npos);  // lists the known names
  }
  EXPECT_THROW((void)makeSignalPolicy(PolicySpec{"fixed_time", {{"green_s", -3}}}, "s.toml"), std::exception);
  EXPECT_THROW((void)makeSignalPolicy(PolicySpec{"fixed_time", {{"cycle", 60}}}, "s.toml"), std::exception);
}

}  // namespace
}  // namespace traffic
