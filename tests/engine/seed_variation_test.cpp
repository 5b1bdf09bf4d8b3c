// Seeded variation between runs of one scenario: [demand] departure_jitter_s and [dynamics]
// driver_variation. Both are off by default (datasets stay exact); when on, the seed changes the
// demand and the drivers, and so the results, while the same seed reproduces them exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "traffic/errors.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

using traffic::testing::TempDir;

/// A 2x2 grid with a periodic flow (exact departures every 10 s) of cars and one of buses.
const std::string kBase = R"([scenario]
name = "variation"
duration_s = 900
seed = 1

[map.grid]
rows = 2
columns = 2

[[vehicle_type]]
name = "car"
max_speed_mps = 20
speed_factor = 1.1
headway_s = 1.5

[[vehicle_type]]
name = "bus"
class = "bus"
length_m = 12
max_speed_mps = 12

[[demand.flow]]
id = "east"
from = "road_j_0_-1_j_0_0"
to = "road_j_0_1_j_0_2"
veh_per_hour = 360

[[demand.flow]]
id = "north"
type = "bus"
from = "road_j_-1_1_j_0_1"
to = "road_j_1_1_j_2_1"
veh_per_hour = 60
)";

struct Loaded {
  TempDir dir;
  fs::path file;
  explicit Loaded(const std::string& text) : file(dir.write("s.toml", text)) {}
  [[nodiscard]] Scenario load(const std::vector<std::string>& overrides = {}) const { return loadScenario(file, overrides); }
};

std::map<std::string, double> departuresById(const Scenario& sc) {
  std::map<std::string, double> out;
  for (const Trip& t : sc.demand.trips) out[t.id] = t.departS;
  return out;
}

void expectLoadError(const Loaded& s, const std::vector<std::string>& overrides, std::initializer_list<std::string> parts) {
  try {
    (void)s.load(overrides);
    ADD_FAILURE() << "expected a LoadError";
  } catch (const LoadError& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

// ---- departure jitter -----------------------------------------------------------------------

TEST(DepartureJitter, OffByDefaultSoSeedsDoNotTouchPeriodicDemand) {
  const Loaded s(kBase);
  const Scenario a = s.load();
  const Scenario b = s.load({"scenario.seed=2"});
  EXPECT_EQ(departuresById(a), departuresById(b));
  EXPECT_EQ(departuresById(a), departuresById(s.load({"demand.departure_jitter_s=0"})));
  EXPECT_DOUBLE_EQ(a.demand.trips.front().departS, 0);
}

TEST(DepartureJitter, ShiftsEveryDepartureWithinTheBoundsAndKeepsTheListSorted) {
  const Loaded s(kBase);
  const auto exact = departuresById(s.load());
  const Scenario jittered = s.load({"demand.departure_jitter_s=30"});
  ASSERT_EQ(jittered.demand.trips.size(), exact.size());
  std::size_t moved = 0;
  for (const Trip& t : jittered.demand.trips) {
    const double base = exact.at(t.id);
    EXPECT_GE(t.departS, 0) << t.id;
    EXPECT_LE(std::abs(t.departS - base), 30 + 1e-9) << t.id;
    // Clamped at zero: a trip can only move earlier than 0 by being put at 0.
    if (t.departS == 0) {
      EXPECT_LE(base, 30) << t.id;
    }
    moved += t.departS != base ? 1 : 0;
  }
  EXPECT_GT(moved, exact.size() * 9 / 10);
  EXPECT_TRUE(std::is_sorted(jittered.demand.trips.begin(), jittered.demand.trips.end(),
                             [](const Trip& a, const Trip& b) { return a.departS < b.departS; }));
}

TEST(DepartureJitter, SpreadsOverTheWholeWindow) {
  // Uniform in [-j, +j]: of about 100 trips, both outer quarters of the window get a fair share.
  const Loaded s(kBase);
  const auto exact = departuresById(s.load());
  const Scenario jittered = s.load({"demand.departure_jitter_s=40"});
  std::size_t early = 0, late = 0;
  for (const Trip& t : jittered.demand.trips) {
    const double shift = t.departS - exact.at(t.id);
    if (exact.at(t.id) < 40) continue;  // clamped ones say nothing about the spread
    early += shift < -20 ? 1 : 0;
    late += shift > 20 ? 1 : 0;
  }
  EXPECT_GT(early, 15u);
  EXPECT_GT(late, 15u);
}

TEST(DepartureJitter, SameSeedSameDemandOtherSeedOtherDemand) {
  const Loaded s(kBase + "\n");
  const auto a = departuresById(s.load({"demand.departure_jitter_s=30"}));
  EXPECT_EQ(a, departuresById(s.load({"demand.departure_jitter_s=30"})));
  const auto b = departuresById(s.load({"demand.departure_jitter_s=30", "scenario.seed=2"}));
  ASSERT_EQ(a.size(), b.size());
  std::size_t differ = 0;
  for (const auto& [id, t] : a) differ += b.at(id) != t ? 1 : 0;
  EXPECT_GT(differ, a.size() * 9 / 10);
}

TEST(DepartureJitter, DrawsDependOnTheTripNotOnOtherFlows) {
  // Common random numbers: removing the bus flow leaves every car's jittered departure unchanged.
  const Loaded both(kBase);
  const std::string carsOnly = kBase.substr(0, kBase.find("[[demand.flow]]\nid = \"north\""));
  const Loaded cars(carsOnly);
  const auto withBuses = departuresById(both.load({"demand.departure_jitter_s=30"}));
  const auto alone = departuresById(cars.load({"demand.departure_jitter_s=30"}));
  ASSERT_FALSE(alone.empty());
  for (const auto& [id, t] : alone) EXPECT_EQ(withBuses.at(id), t) << id;
}

TEST(DepartureJitter, NegativeIsAnError) {
  const Loaded s(kBase);
  expectLoadError(s, {"demand.departure_jitter_s=-5"}, {"demand.departure_jitter_s", ">= 0", "--set"});
  expectLoadError(s, {"demand.departure_jitter_s=\"lots\""}, {"demand.departure_jitter_s", "expected a number"});
}

// ---- driver variation -----------------------------------------------------------------------

TEST(DriverVariation, OffByDefault) {
  const Loaded s(kBase);
  const Scenario sc = s.load();
  ASSERT_EQ(sc.vehicleTypes.size(), 2u);
  for (const Trip& t : sc.demand.trips) EXPECT_LT(t.type.index(), 2u);
  EXPECT_EQ(s.load({"dynamics.driver_variation=0"}).vehicleTypes.size(), 2u);
}

TEST(DriverVariation, EightVariantsPerTypeWithinTheSpread) {
  const Loaded s(kBase);
  const Scenario sc = s.load({"dynamics.driver_variation=0.2"});
  ASSERT_EQ(sc.vehicleTypes.size(), 2u + 2u * 8u);
  for (std::size_t base = 0; base < 2; ++base) {
    const VehicleType& original = sc.vehicleTypes[base];
    std::set<double> speedFactors, headways;
    for (std::size_t k = 0; k < 8; ++k) {
      const VehicleType& v = sc.vehicleTypes[2 + base * 8 + k];
      SCOPED_TRACE(v.name);
      EXPECT_EQ(v.name, original.name + "~" + std::to_string(k + 1));
      EXPECT_EQ(v.vehicleClass, original.vehicleClass);
      EXPECT_DOUBLE_EQ(v.lengthM, original.lengthM);
      EXPECT_DOUBLE_EQ(v.maxSpeedMps, original.maxSpeedMps);
      EXPECT_GE(v.speedFactor, original.speedFactor * 0.8 - 1e-12);
      EXPECT_LE(v.speedFactor, original.speedFactor * 1.2 + 1e-12);
      EXPECT_GE(v.headwayS, original.headwayS * 0.8 - 1e-12);
      EXPECT_LE(v.headwayS, original.headwayS * 1.2 + 1e-12);
      speedFactors.insert(v.speedFactor);
      headways.insert(v.headwayS);
    }
    EXPECT_EQ(speedFactors.size(), 8u);
    EXPECT_EQ(headways.size(), 8u);
  }
}

TEST(DriverVariation, TripsMoveToVariantsOfTheirOwnType) {
  const Loaded s(kBase);
  const Scenario plain = s.load();
  const Scenario varied = s.load({"dynamics.driver_variation=0.2"});
  ASSERT_EQ(plain.demand.trips.size(), varied.demand.trips.size());
  std::set<std::size_t> carVariants;
  for (std::size_t i = 0; i < varied.demand.trips.size(); ++i) {
    const Trip& t = varied.demand.trips[i];
    ASSERT_EQ(t.id, plain.demand.trips[i].id);  // no jitter: same order
    ASSERT_GE(t.type.index(), 2u) << t.id;
    const std::size_t original = (t.type.index() - 2) / 8;
    EXPECT_EQ(original, plain.demand.trips[i].type.index()) << t.id;
    if (original == 0) carVariants.insert(t.type.index());
  }
  EXPECT_GE(carVariants.size(), 6u) << "90 cars should use most of the 8 variants";
}

TEST(DriverVariation, SeedChangesVariantsAndAssignment) {
  const Loaded s(kBase);
  const Scenario a = s.load({"dynamics.driver_variation=0.2"});
  const Scenario again = s.load({"dynamics.driver_variation=0.2"});
  const Scenario b = s.load({"dynamics.driver_variation=0.2", "scenario.seed=2"});
  std::size_t sameAssignment = 0;
  for (std::size_t i = 0; i < a.demand.trips.size(); ++i) {
    EXPECT_EQ(a.demand.trips[i].type, again.demand.trips[i].type);
    sameAssignment += a.demand.trips[i].type == b.demand.trips[i].type ? 1 : 0;
  }
  EXPECT_LT(sameAssignment, a.demand.trips.size() / 2);
  EXPECT_EQ(a.vehicleTypes[2].speedFactor, again.vehicleTypes[2].speedFactor);
  EXPECT_NE(a.vehicleTypes[2].speedFactor, b.vehicleTypes[2].speedFactor);
}

TEST(DriverVariation, OutOfRangeIsAnError) {
  const Loaded s(kBase);
  expectLoadError(s, {"dynamics.driver_variation=0.8"}, {"dynamics.driver_variation", "at most 0.5"});
  expectLoadError(s, {"dynamics.driver_variation=-0.1"}, {"dynamics.driver_variation", ">= 0"});
}

// ---- whole runs -----------------------------------------------------------------------------

struct RunOutcome {
  Summary summary;
  std::uint64_t hash = 0;
};

RunOutcome simulate(const Scenario& sc) {
  World world(sc, WorldOptions{1});
  world.run();
  return {world.summary(0), world.stateHash()};
}

TEST(SeedVariation, SeedsGiveDifferentRunsAndTheSameSeedTheSameRun) {
  const Loaded s(kBase);
  const std::vector<std::string> on{"demand.departure_jitter_s=20", "dynamics.driver_variation=0.15"};
  std::vector<std::string> seed2 = on;
  seed2.push_back("scenario.seed=2");

  const Scenario a = s.load(on);
  const Scenario b = s.load(seed2);
  const RunOutcome ra = simulate(a);
  const RunOutcome ra2 = simulate(s.load(on));
  const RunOutcome rb = simulate(b);
  EXPECT_EQ(ra.hash, ra2.hash);
  EXPECT_EQ(ra.summary.meanTravelTimeWithUnfinishedS, ra2.summary.meanTravelTimeWithUnfinishedS);
  EXPECT_NE(ra.hash, rb.hash);
  EXPECT_NE(ra.summary.meanTravelTimeWithUnfinishedS, rb.summary.meanTravelTimeWithUnfinishedS);

  // Without the options the seed changes nothing in this scenario.
  const RunOutcome plain1 = simulate(s.load());
  const RunOutcome plain2 = simulate(s.load({"scenario.seed=2"}));
  EXPECT_EQ(plain1.hash, plain2.hash);
}

TEST(SeedVariation, FasterDriversFinishSooner) {
  // Against the parameters: a trip assigned to a variant with a higher speed factor has a shorter
  // free-flow time, since its desired speed on every lane is higher (the grid's limit is below the
  // car's top speed).
  const Loaded s(kBase);
  const Scenario sc = s.load({"dynamics.driver_variation=0.2"});
  World world(sc, WorldOptions{1});
  world.run();
  std::map<double, double> freeFlowBySpeedFactor;  // for the car flow, one route
  for (const TripRecord& r : world.tripRecords()) {
    const Trip& trip = sc.demand.trips[r.tripIndex];
    if (trip.id.rfind("east_", 0) != 0 || r.arriveS < 0) continue;
    freeFlowBySpeedFactor[sc.vehicleTypes[trip.type.index()].speedFactor] = r.freeFlowS;
  }
  ASSERT_GE(freeFlowBySpeedFactor.size(), 3u);
  double previous = INFINITY;
  for (const auto& [factor, freeFlow] : freeFlowBySpeedFactor) {
    EXPECT_LT(freeFlow, previous) << "speed factor " << factor;
    previous = freeFlow;
  }
}

}  // namespace
}  // namespace traffic
