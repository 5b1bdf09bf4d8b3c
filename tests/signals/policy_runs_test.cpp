// Whole runs of the signal policies, judged from outside the controller:
//
//  - safety: for every registered policy, on a busy hand-built junction and on the Jinan network,
//    the light sequence every movement shows (green -> yellow for exactly yellow_s -> red, minimum
//    green, all-red before a conflicting movement turns green) together with the world's own
//    invariants, after every step;
//  - theory: the mean (stop-line) delay at an isolated fixed-time junction under Poisson arrivals
//    against Webster's delay formula, with the saturation flow and effective green measured in
//    the same simulator;
//  - effect: an adaptive policy (max pressure) beats the map's fixed plan on the Hangzhou peak.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "common/test_networks.h"
#include "traffic/random.h"
#include "traffic/signal.h"
#include "traffic/world.h"

namespace traffic {
namespace {

using Trips = std::vector<std::tuple<double, std::vector<std::string>>>;

std::shared_ptr<const RoadNetwork> share(RoadNetwork net) {
  return std::make_shared<const RoadNetwork>(std::move(net));
}

using testing::standardCar;

std::string shippedScenario(const std::string& name) {
  return std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/" + name + ".toml";
}

bool isGreen(SignalState s) { return s == SignalState::GreenPermissive || s == SignalState::GreenProtected; }

// ---- safety ----------------------------------------------------------------------------------

// Every `headwayS`, one trip from each of the four approaches of the cross junction, cycling
// through straight, left and right so that every movement of both phases has demand.
Trips busyCrossDemand(double untilS, double headwayS) {
  const std::map<std::string, std::vector<std::string>> exits{{"n", {"s_out", "e_out", "w_out"}},
                                                              {"s", {"n_out", "w_out", "e_out"}},
                                                              {"e", {"w_out", "s_out", "n_out"}},
                                                              {"w", {"e_out", "n_out", "s_out"}}};
  Trips trips;
  std::size_t k = 0;
  for (double t = 0; t < untilS; t += headwayS)
    for (const auto& [from, to] : exits) trips.push_back({t, {from + "_in", to[k++ % 3]}});
  return trips;
}

// Watches the light of every movement of every junction step by step and checks the sequence a
// safe controller must show, without looking inside the controller:
//  - green (permissive or protected, either way) ends only in yellow (when yellow_s > 0), after at
//    least min_green_s;
//  - yellow follows only green, lasts exactly yellow_s, and is followed by red;
//  - a movement turns green only when no conflicting movement (one with a connector that a
//    Conflict of this movement's connectors names) is yellow or has been red for less than
//    all_red_s since its yellow.
// The states read after a step are those in force during that step, [t - step_s, t).
class SignalSequenceWatcher {
 public:
  // `checkFirstGreens`: whether the greens shown from the first step on must last the minimum too
  // (see PolicyRunsSafety.TheFirstGreenLastsTheMinimumToo).
  SignalSequenceWatcher(const RoadNetwork& net, SignalTiming timing, double stepS, bool checkFirstGreens = true)
      : m_net(net),
        m_timing(timing),
        m_stepS(stepS),
        m_checkFirstGreens(checkFirstGreens),
        m_tracks(net.movements().size()),
        m_foes(net.movements().size()) {
    for (std::size_t m = 0; m < net.movements().size(); ++m)
      for (ConnectorId c : net.movements()[m].connectors)
        for (const Conflict& k : net.connector(c).conflicts) {
          const MovementId foe = net.connector(k.other).movement;
          if (foe.index() == m) continue;
          auto& foes = m_foes[m];
          if (std::find(foes.begin(), foes.end(), foe) == foes.end()) foes.push_back(foe);
        }
  }

  // Call after every step; returns the first violation seen in it, or an empty string.
  std::string observe(const World& world) {
    const double t0 = world.timeS() - m_stepS;  // start of the step the states were shown for
    constexpr double kEps = 1e-6;
    std::ostringstream err;
    std::vector<std::size_t> turnedGreen;
    for (std::size_t m = 0; m < m_tracks.size(); ++m) {
      Track& tr = m_tracks[m];
      const SignalState now = world.movementState(MovementId(m));
      if (!tr.seen) {
        tr = {now, t0, kNever, true, true};
        continue;
      }
      const SignalState was = tr.state;
      const bool changed = isGreen(was) != isGreen(now) || (!isGreen(now) && was != now);
      if (!changed) {
        tr.state = now;  // includes a permissive <-> protected change within green
        continue;
      }
      if (isGreen(was)) {
        ++m_greensEnded;
        const bool shortGreen = t0 - tr.since < m_timing.minGreenS - kEps;
        if (shortGreen && tr.shownFromStart) ++m_shortFirstGreens;
        if (shortGreen && (m_checkFirstGreens || !tr.shownFromStart) && err.str().empty())
          err << describe(m) << " was green for " << t0 - tr.since << " s, less than the minimum "
              << m_timing.minGreenS << " s (green from t=" << tr.since << ")";
        if (m_timing.yellowS > 0 && now != SignalState::Yellow && err.str().empty())
          err << describe(m) << " went from green to " << toChar(now) << " without yellow";
      } else if (was == SignalState::Yellow) {
        ++m_yellowsEnded;
        if (now != SignalState::Red && err.str().empty())
          err << describe(m) << " went from yellow to " << toChar(now) << " instead of red";
        if (std::abs((t0 - tr.since) - m_timing.yellowS) > kEps && err.str().empty())
          err << describe(m) << " was yellow for " << t0 - tr.since << " s instead of " << m_timing.yellowS << " s";
        tr.redAfterYellowSince = t0;
      } else {  // was red
        if (now == SignalState::Yellow && err.str().empty())
          err << describe(m) << " went from red to yellow";
        if (isGreen(now)) turnedGreen.push_back(m);
      }
      tr.state = now;
      tr.since = t0;
      tr.shownFromStart = false;
    }
    // Green starts are judged against the foes' states of this same step (a foe that turned red
    // at t0 has been red for 0 s).
    for (std::size_t m : turnedGreen) {
      ++m_greensStarted;
      bool afterClearance = false;
      for (MovementId foe : m_foes[m]) {
        const Track& f = m_tracks[foe.index()];
        if (f.state == SignalState::Yellow && err.str().empty())
          err << describe(m) << " turned green while conflicting " << describe(foe.index()) << " is yellow";
        if (f.redAfterYellowSince != kNever && f.state == SignalState::Red) {
          afterClearance = true;
          if (t0 - f.redAfterYellowSince < m_timing.allRedS - kEps && err.str().empty())
            err << describe(m) << " turned green " << t0 - f.redAfterYellowSince << " s after conflicting "
                << describe(foe.index()) << " turned red, less than all-red " << m_timing.allRedS << " s";
        }
      }
      if (afterClearance) ++m_greensStartedAfterFoeCleared;
    }
    if (!err.str().empty()) return "t=" + std::to_string(t0) + ": " + err.str();
    return {};
  }

  [[nodiscard]] std::size_t greensEnded() const { return m_greensEnded; }
  [[nodiscard]] std::size_t yellowsEnded() const { return m_yellowsEnded; }
  [[nodiscard]] std::size_t greensStarted() const { return m_greensStarted; }
  /// Green starts with a conflicting movement that had been cleared (yellow, then red) before.
  [[nodiscard]] std::size_t greensStartedAfterFoeCleared() const { return m_greensStartedAfterFoeCleared; }
  /// Greens shown from the first step that ended before the minimum green.
  [[nodiscard]] std::size_t shortFirstGreens() const { return m_shortFirstGreens; }

 private:
  static constexpr double kNever = -std::numeric_limits<double>::infinity();
  struct Track {
    SignalState state = SignalState::Red;
    double since = 0;  ///< start of the current green (either kind), yellow or red
    double redAfterYellowSince = kNever;
    bool seen = false;
    bool shownFromStart = false;  ///< the state shown since the first step
  };

  std::string describe(std::size_t m) const {
    const Movement& mv = m_net.movements()[m];
    return "movement " + std::to_string(m) + " (" + m_net.road(mv.fromRoad).name + " -> " + m_net.road(mv.toRoad).name +
           " at '" + m_net.junction(mv.junction).name + "')";
  }

  const RoadNetwork& m_net;
  SignalTiming m_timing;
  double m_stepS;
  bool m_checkFirstGreens;
  std::vector<Track> m_tracks;
  std::vector<std::vector<MovementId>> m_foes;
  std::size_t m_greensEnded = 0, m_yellowsEnded = 0, m_greensStarted = 0, m_greensStartedAfterFoeCleared = 0,
              m_shortFirstGreens = 0;
};

// Steps `world` to its end, checking the world's invariants and the light sequence after every
// step. Returns the first violation, or an empty string.
std::string runWatched(World& world, SignalSequenceWatcher& watcher) {
  while (!world.finished()) {
    world.step();
    if (std::string err = world.checkInvariants(); !err.empty())
      return "t=" + std::to_string(world.timeS()) + ": " + err;
    if (std::string err = watcher.observe(world); !err.empty()) return err;
  }
  return {};
}

// The project's policies. Other tests of this binary register policies of their own (a policy that
// holds its phase for ever, named test_*), which must not ask for greens to end.
std::vector<std::string> projectPolicies() {
  std::vector<std::string> names = signalPolicyNames();
  std::erase_if(names, [](const std::string& n) { return n.starts_with("test_"); });
  return names;
}

TEST(PolicyRunsSafety, EveryPolicyShowsASafeLightSequenceAtABusyCrossJunction) {
  auto net = share(testing::crossJunction(250, 2, true));
  const Trips demand = busyCrossDemand(600, 2.0);  // 7200 veh/h into one junction: saturated
  for (const std::string& policy : projectPolicies()) {
    SCOPED_TRACE("policy " + policy);
    Scenario sc = testing::makeScenario(net, demand, standardCar());
    sc.signalPolicy = PolicySpec{policy, {}};
    sc.durationS = 900;
    World world(sc, WorldOptions{1});
    SignalSequenceWatcher watcher(*net, sc.signalTiming, sc.stepS);
    EXPECT_EQ(runWatched(world, watcher), "");
    // The checks were exercised: both phases were served repeatedly, each change with clearance,
    // and the junction kept moving.
    EXPECT_GE(watcher.greensEnded(), 10u * 6u);  // 6 movements per phase, at least 10 changes
    // Every green that ended was followed by a yellow that ended, but for those still yellow at
    // the end of the run (at most the junction's 12 movements).
    EXPECT_LE(watcher.yellowsEnded(), watcher.greensEnded());
    EXPECT_LE(watcher.greensEnded() - watcher.yellowsEnded(), 12u);
    EXPECT_GE(watcher.greensStartedAfterFoeCleared(), 10u * 6u);
    // Since vehicles enter the box only with room behind the exit lane's queue and yield inside
    // it (issue 10), fewer arrive here than before with some policies; this floor checks that the
    // junction keeps moving, it is not a capacity figure.
    EXPECT_GT(world.counts().arrived, 400u) << "of " << world.counts().spawned;
  }
}

TEST(PolicyRunsSafety, EveryPolicyShowsASafeLightSequenceOnJinan) {
  for (const std::string& policy : projectPolicies()) {
    SCOPED_TRACE("policy " + policy);
    const Scenario sc =
        loadScenario(shippedScenario("jinan_real"), {"scenario.duration_s=900", "signals.policy=" + policy});
    ASSERT_EQ(sc.signalPolicy.name, policy);
    ASSERT_GT(sc.signalTiming.yellowS, 0);
    World world(sc, WorldOptions{1});
    SignalSequenceWatcher watcher(*sc.network, sc.signalTiming, sc.stepS);
    EXPECT_EQ(runWatched(world, watcher), "");
    // 12 junctions, many changes each (600 to 1900 greens ended, depending on the policy).
    EXPECT_GT(watcher.greensEnded(), 300u);
    EXPECT_GT(watcher.greensStartedAfterFoeCleared(), 300u);
    // Since vehicles enter the box only with room behind the exit lane's queue and yield inside
    // it (issue 10), fewer arrive here than before with some policies; this floor checks that the
    // junction keeps moving, it is not a capacity figure.
    EXPECT_GT(world.counts().arrived, 400u) << "of " << world.counts().spawned;  // 834 to 1059 of 1710
  }
}

// Asks for the next phase every time it is asked: the controller alone decides how long greens
// last.
class ImpatientPolicy final : public SignalPolicy {
 public:
  std::string_view name() const override { return "impatient"; }
  bool usesObservations() const override { return false; }
  int decide(const SignalObservation& obs) const override {
    return (obs.currentPhase + 1) % static_cast<int>(std::max<std::size_t>(obs.phases.size(), 1));
  }
};

// Green lengths of `movement` that began during the run (not shown from the first step).
std::vector<double> greenLengths(World& world, MovementId movement, SignalSequenceWatcher& watcher, std::string& err) {
  std::vector<double> lengths;
  double start = -1;
  bool wasGreen = true;  // a green shown from the first step is not measured
  while (!world.finished() && err.empty()) {
    world.step();
    err = watcher.observe(world);
    const double t0 = world.timeS() - world.scenario().stepS;
    const bool green = isGreen(world.movementState(movement));
    if (green && !wasGreen) start = t0;
    if (!green && wasGreen && start >= 0) lengths.push_back(t0 - start);
    wasGreen = green;
  }
  return lengths;
}

TEST(PolicyRunsSafety, APolicyThatAlwaysWantsToSwitchGetsExactlyTheMinimumGreen) {
  auto net = share(testing::crossJunction(250, 2, true));
  Scenario sc = testing::makeScenario(net, busyCrossDemand(300, 2.0), standardCar());
  sc.durationS = 300;
  World world(sc, WorldOptions{1});
  world.setSignalPolicy(std::make_unique<ImpatientPolicy>());
  SignalSequenceWatcher watcher(*net, sc.signalTiming, sc.stepS);
  std::string err;
  const MovementId westEast = *net->movementBetween(*net->findRoad("w_in"), *net->findRoad("e_out"));
  const auto lengths = greenLengths(world, westEast, watcher, err);
  EXPECT_EQ(err, "");
  // Cycle: 2 × (5 s green + 3 s yellow + 2 s all-red) = 20 s, so about 15 greens in 300 s.
  ASSERT_GE(lengths.size(), 12u);
  for (double g : lengths) EXPECT_DOUBLE_EQ(g, sc.signalTiming.minGreenS);
}

// The watcher is not vacuous: told to expect a longer yellow, all-red or minimum green than the
// controller gives (or a yellow where there is none), it reports the difference.
TEST(PolicyRunsSafety, TheSequenceWatcherReportsEveryKindOfShortcut) {
  auto net = share(testing::crossJunction(250, 2, true));
  const SignalTiming actual;  // yellow 3 s, all-red 2 s, minimum green 5 s
  struct Case {
    SignalTiming shown, expected;
    const char* message;
  };
  const std::vector<Case> cases{
      {actual, {4, 2, 5}, "was yellow for 3 s instead of 4 s"},
      {actual, {3, 3, 5}, "s after conflicting movement"},
      {actual, {3, 2, 6}, "was green for 5 s, less than the minimum 6 s"},
      {{0, 2, 5}, actual, "without yellow"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    Scenario sc = testing::makeScenario(net, busyCrossDemand(100, 2.0), standardCar());
    sc.signalTiming = c.shown;
    sc.durationS = 100;
    World world(sc, WorldOptions{1});
    world.setSignalPolicy(std::make_unique<ImpatientPolicy>());
    SignalSequenceWatcher watcher(*net, c.expected, sc.stepS);
    const std::string err = runWatched(world, watcher);
    EXPECT_NE(err.find(c.message), std::string::npos) << err;
  }
}

// Regression: the green shown from the start of a run used to last one step less than the
// minimum (4 s for a 5 s minimum), because the controller advanced its clock before the first
// lights had been shown. The other tests check first greens too now.
TEST(PolicyRunsSafety, TheFirstGreenLastsTheMinimumToo) {
  auto net = share(testing::crossJunction(250, 2, true));
  Scenario sc = testing::makeScenario(net, busyCrossDemand(60, 2.0), standardCar());
  sc.durationS = 60;
  World world(sc, WorldOptions{1});
  world.setSignalPolicy(std::make_unique<ImpatientPolicy>());
  SignalSequenceWatcher watcher(*net, sc.signalTiming, sc.stepS, /*checkFirstGreens=*/true);
  EXPECT_EQ(runWatched(world, watcher), "");
  EXPECT_EQ(watcher.shortFirstGreens(), 0u);
}

// ---- Webster's delay formula ---------------------------------------------------------------

// Records when vehicles cross the stop line of the west approach (first seen on a connector, or
// already on the exit road when a step carried them through the box).
class StopLineCounter {
 public:
  StopLineCounter(const RoadNetwork& net, std::size_t trips, RoadId approach)
      : m_net(net), m_approach(approach), m_crossed(trips, false) {}
  void observe(const World& world) {
    for (const VehicleView& v : world.snapshot().vehicles) {
      if (m_crossed[v.id.index()]) continue;
      if (v.onConnector || m_net.lane(v.lane).road != m_approach) {
        m_crossed[v.id.index()] = true;
        times.push_back(world.timeS());
        timeByTrip[v.id.index()] = world.timeS();
      }
    }
  }
  std::vector<double> times;  ///< in the order of crossing
  std::map<std::size_t, double> timeByTrip;

 private:
  const RoadNetwork& m_net;
  RoadId m_approach;
  std::vector<bool> m_crossed;
};

// What the isolated junction of the Webster test is made of, all measured in this simulator.
struct IsolatedJunction {
  std::shared_ptr<const RoadNetwork> net = share(testing::crossJunction(600, 1, true));
  RoadId west = *net->findRoad("w_in");
  MovementId westEast = *net->movementBetween(*net->findRoad("w_in"), *net->findRoad("e_out"));
  SignalTiming timing;  // yellow 3 s, all-red 2 s, minimum green 5 s

  Scenario scenario(const Trips& trips, double durationS, std::optional<double> greenS = {}) const {
    Scenario sc = testing::makeScenario(net, trips, standardCar());
    sc.signalTiming = timing;
    sc.signalPolicy = PolicySpec{"fixed_time", {}};
    if (greenS) sc.signalPolicy.params["green_s"] = *greenS;
    sc.durationS = durationS;
    sc.laneChanging = false;
    return sc;
  }
};

// Saturation flow of the west approach, veh/s: a standing queue of 80 vehicles released by a long
// green; the discharge rate between the 6th and the 60th vehicle (the start-up of the first ones
// is lost time, not flow).
double measureSaturationFlow(const IsolatedJunction& j) {
  Trips trips;
  for (int i = 0; i < 80; ++i) trips.push_back({i * 1.0, {"w_in", "e_out"}});
  // North-south green for 200 s while the queue forms, then east-west for 200 s.
  const Scenario sc = j.scenario(trips, 400, 200.0);
  World world(sc, WorldOptions{1});
  StopLineCounter counter(*j.net, trips.size(), j.west);
  while (!world.finished()) {
    world.step();
    counter.observe(world);
  }
  EXPECT_GE(counter.times.size(), 60u);
  if (counter.times.size() < 60) return 0;
  EXPECT_GT(counter.times[0], 205.0);  // nobody before the east-west green
  return 54.0 / (counter.times[59] - counter.times[5]);
}

struct CycleMeasurement {
  double cycleS = 0;           ///< observed period of the west-east green
  double displayedGreenS = 0;  ///< observed length of the west-east green
  double vehiclesPerCycle = 0; ///< discharged per cycle from an ever-standing queue
};

// Runs the map's two-phase program (30 s greens) with the west approach oversaturated (a vehicle
// a second) and counts what one cycle discharges: that count is the capacity per cycle, and
// count / saturation flow is the effective green by its definition.
CycleMeasurement measureSaturatedCycle(const IsolatedJunction& j) {
  Trips trips;
  for (int i = 0; i < 1800; ++i) trips.push_back({i * 1.0, {"w_in", "e_out"}});
  const Scenario sc = j.scenario(trips, 1800);
  World world(sc, WorldOptions{1});
  StopLineCounter counter(*j.net, trips.size(), j.west);
  std::vector<double> greenStarts, greenLengths;
  bool wasGreen = isGreen(world.movementState(j.westEast));
  while (!world.finished()) {
    world.step();
    counter.observe(world);
    const bool green = isGreen(world.movementState(j.westEast));
    if (green && !wasGreen) greenStarts.push_back(world.timeS() - sc.stepS);
    if (!green && wasGreen && !greenStarts.empty())
      greenLengths.push_back(world.timeS() - sc.stepS - greenStarts.back());
    wasGreen = green;
  }
  CycleMeasurement out;
  EXPECT_GE(greenStarts.size(), 20u);
  if (greenStarts.size() < 20 || greenLengths.empty()) return out;
  out.cycleS = (greenStarts.back() - greenStarts[1]) / static_cast<double>(greenStarts.size() - 2);
  out.displayedGreenS = greenLengths.back();
  // Whole cycles from the second green start on (the queue is long by then).
  const double from = greenStarts[1], to = greenStarts.back();
  std::size_t n = 0;
  for (double t : counter.times) n += t > from && t <= to;
  out.vehiclesPerCycle = static_cast<double>(n) / static_cast<double>(greenStarts.size() - 2);
  return out;
}

// Webster (1958), mean delay per vehicle at a fixed-time approach with random arrivals.
double websterDelay(double cycleS, double greenRatio, double flowVehPerS, double x) {
  const double lambda = greenRatio, q = flowVehPerS, c = cycleS;
  return c * (1 - lambda) * (1 - lambda) / (2 * (1 - lambda * x)) + x * x / (2 * q * (1 - x)) -
         0.65 * std::cbrt(c / (q * q)) * std::pow(x, 2 + 5 * lambda);
}

struct DelayMeasurement {
  double meanDelayS = 0;            ///< travel time minus the unimpeded time of the route
  double meanDelayVsFreeFlowS = 0;  ///< travel time minus TripRecord::freeFlowS
  double meanStopLineDelayS = 0;    ///< stop-line crossing time minus the unimpeded one
  double stoppedShare = 0;          ///< share of trips that stopped at least once
  std::size_t trips = 0;
};

// A lone vehicle from the start of the west approach to the end of the east exit when nothing
// stops it (the same junction without a signal).
struct Unimpeded {
  double travelS = 0;    ///< its travel time
  double freeFlowS = 0;  ///< its TripRecord::freeFlowS
  double stopLineS = 0;  ///< when it crossed the stop line, from its departure
};

// Poisson arrivals of `flowVehPerS` on the west approach (straight on) for `untilS`, seeded
// exponential gaps; mean delay of the trips that departed after `warmUpS`.
DelayMeasurement measureDelay(const IsolatedJunction& j, double flowVehPerS, double warmUpS, double untilS,
                              const Unimpeded& unimpeded, std::uint64_t seed) {
  Trips trips;
  double t = 0;
  for (std::uint64_t k = 0;; ++k) {
    t += -std::log(1.0 - uniform01(seed, hashName("webster arrivals"), k)) / flowVehPerS;
    if (t >= untilS) break;
    trips.push_back({t, {"w_in", "e_out"}});
  }
  const Scenario sc = j.scenario(trips, untilS + 600);  // long enough for the last ones to arrive
  World world(sc, WorldOptions{1});
  StopLineCounter counter(*j.net, trips.size(), j.west);
  while (!world.finished()) {
    world.step();
    counter.observe(world);
  }
  DelayMeasurement out;
  double sum = 0, sumFree = 0, sumStopLine = 0;
  std::size_t unfinished = 0, stopped = 0;
  for (const TripRecord& r : world.tripRecords()) {
    if (r.departS < warmUpS) continue;
    const auto crossed = counter.timeByTrip.find(r.tripIndex);
    if (r.arriveS < 0 || crossed == counter.timeByTrip.end()) {
      ++unfinished;
      continue;
    }
    const double travel = r.arriveS - r.departS;
    sum += travel - unimpeded.travelS;
    sumFree += travel - r.freeFlowS;
    sumStopLine += crossed->second - r.departS - unimpeded.stopLineS;
    stopped += r.stops > 0;
    ++out.trips;
  }
  EXPECT_EQ(unfinished, 0u);
  EXPECT_EQ(world.counts().teleported, 0u);
  if (out.trips > 0) {
    const auto n = static_cast<double>(out.trips);
    out.meanDelayS = sum / n;
    out.meanDelayVsFreeFlowS = sumFree / n;
    out.meanStopLineDelayS = sumStopLine / n;
    out.stoppedShare = static_cast<double>(stopped) / n;
  }
  return out;
}

Unimpeded unimpededTrip() {
  auto net = share(testing::crossJunction(600, 1, false));
  Scenario sc = testing::makeScenario(net, {{0.0, {"w_in", "e_out"}}}, standardCar());
  sc.durationS = 300;
  World world(sc, WorldOptions{1});
  StopLineCounter counter(*net, 1, *net->findRoad("w_in"));
  while (!world.finished()) {
    world.step();
    counter.observe(world);
  }
  const TripRecord r = world.tripRecords().at(0);
  EXPECT_GE(r.arriveS, 0);
  EXPECT_EQ(r.stops, 0u);
  EXPECT_EQ(counter.times.size(), 1u);
  return {r.arriveS - r.departS, r.freeFlowS, counter.times.empty() ? 0 : counter.times[0] - r.departS};
}

// Webster's formula for the mean delay at an isolated fixed-time approach with Poisson arrivals,
//   d = C(1-λ)² / (2(1-λx)) + x² / (2q(1-x)) - 0.65 (C/q²)^(1/3) x^(2+5λ),
// against the simulated mean delay at x = 0.5 and 0.8.
//
// Every input of the formula is measured in this simulator, not assumed:
//  - s, the saturation flow: discharge rate of a standing queue on this approach (about 1480
//    veh/h, the capacity of the IDM fundamental diagram for this car);
//  - C, the cycle: the observed period of the west-east green, 2 × (30 s green + 3 s yellow +
//    2 s all-red) = 70 s;
//  - g, the effective green: what one cycle discharges from a queue that never empties, divided
//    by s. That is the definition of effective green (capacity per cycle = s·g), so c = s·g/C is
//    the capacity the junction really has. It comes out at about 29.1 s, i.e. green + yellow
//    minus 3.9 s of lost time (the textbook guess is 2 s): the first vehicles start slowly, and
//    vehicles that can stop comfortably on yellow do, so little of the yellow is used.
//
// Which delay the formula describes. Webster's model is a queue served at the saturation flow
// during the effective green: a vehicle's delay ends when it crosses the stop line. That delay
// includes the deceleration, the waiting and the move-up in the queue, but not the acceleration
// still to come after the line. So the test compares the formula with the stop-line delay: the
// time a vehicle crosses the stop line minus the time a lone vehicle on the same route with no
// signal crosses it, counted from the scheduled departure. Measured over 12 seeds of 12 h, it
// lies within -3%..+7% of the formula at both x; the test asserts 15%.
//
// The delay in travel time (travel time minus TripRecord::freeFlowS, which a lone vehicle
// matches to 0.5 s) is larger by the acceleration losses after the line: a queue discharges at
// the IDM capacity state, about 9 m/s on a 13.9 m/s road, and its vehicles regain the free speed
// only as the platoon spreads out, about 9 s lost per stopped vehicle. That delay is 25-33%
// above Webster's (12 seeds of 12 h; 20-36% for runs of 3 h), so it is reported, and only
// checked to exceed the stop-line delay.
TEST(PolicyRunsTheory, FixedTimeStopLineDelayMatchesWebstersFormula) {
  const IsolatedJunction j;
  const double s = measureSaturationFlow(j);
  const CycleMeasurement cyc = measureSaturatedCycle(j);
  ASSERT_GT(s, 0);
  ASSERT_GT(cyc.vehiclesPerCycle, 0);
  const double displayedGreen = 30, cycle = 2 * (30 + j.timing.yellowS + j.timing.allRedS);
  EXPECT_NEAR(cyc.cycleS, cycle, 1e-9);
  EXPECT_NEAR(cyc.displayedGreenS, displayedGreen, 1e-9);
  const double g = cyc.vehiclesPerCycle / s;
  // Lost time per phase (green + yellow - effective green) of the usual size, 2 to 5 s.
  const double lostS = displayedGreen + j.timing.yellowS - g;
  EXPECT_GE(lostS, 2.0) << "effective green " << g << " s";
  EXPECT_LE(lostS, 5.0) << "effective green " << g << " s";
  const double lambda = g / cycle;
  const double capacity = s * lambda;  // veh/s

  const Unimpeded unimpeded = unimpededTrip();
  // Vehicles enter at speed and nothing else slows a lone vehicle: its travel time is the
  // free-flow time (to within the step).
  EXPECT_NEAR(unimpeded.travelS, unimpeded.freeFlowS, 1.0);

  std::ostringstream report;
  report << "s = " << s * 3600 << " veh/h, C = " << cycle << " s, effective green " << g << " s (displayed "
         << displayedGreen << " s), capacity " << capacity * 3600 << " veh/h; unimpeded trip " << unimpeded.travelS
         << " s, free-flow " << unimpeded.freeFlowS << " s\n";
  const double warmUpS = 900, untilS = 12 * 3600.0;
  for (double x : {0.5, 0.8}) {
    SCOPED_TRACE("x = " + std::to_string(x));
    const double q = x * capacity;
    const double expected = websterDelay(cycle, lambda, q, x);
    const DelayMeasurement d = measureDelay(j, q, warmUpS, untilS, unimpeded, 7);
    report << "x = " << x << ": q = " << q * 3600 << " veh/h, Webster " << expected << " s; simulated at the stop line "
           << d.meanStopLineDelayS << " s, in travel time " << d.meanDelayVsFreeFlowS << " s (vs the lone vehicle "
           << d.meanDelayS << " s); stopped " << d.stoppedShare << " of " << d.trips << " trips\n";
    EXPECT_GT(d.trips, static_cast<std::size_t>(0.9 * q * (untilS - warmUpS)));
    EXPECT_NEAR(d.meanStopLineDelayS, expected, 0.15 * expected);
    EXPECT_GT(d.meanDelayVsFreeFlowS, d.meanStopLineDelayS);
  }
  std::cout << report.str();
}

// ---- policy effect on the peak --------------------------------------------------------------

TEST(PolicyRunsEffect, MaxPressureAndCityBrainBeatTheFixedPlanOnTheHangzhouPeak) {
  std::map<std::string, Summary> summaries;
  for (const char* policy : {"fixed_time", "max_pressure", "city_brain"}) {
    const Scenario sc =
        loadScenario(shippedScenario("hangzhou_peak"),
                     {"scenario.duration_s=1800", std::string("signals.policy=") + policy});
    World world(sc, WorldOptions{1});
    world.run();
    summaries[policy] = world.summary(1.0);
  }
  const Summary& fixed = summaries["fixed_time"];
  for (const char* policy : {"max_pressure", "city_brain"}) {
    const Summary& adaptive = summaries[policy];
    std::cout << "hangzhou_peak 1800 s: mean travel time incl. unfinished: fixed_time "
              << fixed.meanTravelTimeWithUnfinishedS << " s, " << policy << " "
              << adaptive.meanTravelTimeWithUnfinishedS << " s; arrived " << fixed.vehicles.arrived << " vs "
              << adaptive.vehicles.arrived << "\n";
    // Measured for max_pressure: 276 s against 391 s (-29%), 1257 against 952 arrivals. Assert a
    // clear margin, not just any improvement.
    EXPECT_LT(adaptive.meanTravelTimeWithUnfinishedS, 0.9 * fixed.meanTravelTimeWithUnfinishedS) << policy;
    EXPECT_GE(adaptive.vehicles.arrived, fixed.vehicles.arrived) << policy;
  }
}

}  // namespace
}  // namespace traffic
