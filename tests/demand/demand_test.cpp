#include "traffic/demand.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "common/test_networks.h"
#include "traffic/errors.h"
#include "traffic/random.h"

namespace traffic {
namespace {

void expectLoadError(const std::function<void()>& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected a LoadError";
  } catch (const LoadError& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

struct CorridorFixture : ::testing::Test {
  RoadNetwork net = testing::corridor(3, 100, 1, 10);
  Router router{net};
  Demand demand;
  RoadId r(int i) { return *net.findRoad("r" + std::to_string(i)); }
};

TEST(RoutePool, StoresRoutesBackToBack) {
  RoutePool pool;
  EXPECT_EQ(pool.size(), 0u);
  const std::vector<RoadId> a{RoadId(3), RoadId(1)};
  const std::vector<RoadId> b{RoadId(7)};
  const RouteId ia = pool.add(a);
  const RouteId ib = pool.add(b);
  EXPECT_EQ(ia.index(), 0u);
  EXPECT_EQ(ib.index(), 1u);
  EXPECT_EQ(pool.size(), 2u);
  ASSERT_EQ(pool.route(ia).size(), 2u);
  EXPECT_EQ(pool.route(ia)[1], RoadId(1));
  ASSERT_EQ(pool.route(ib).size(), 1u);
  EXPECT_EQ(pool.route(ib)[0], RoadId(7));
}

TEST(DemandSort, IsStableByDeparture) {
  Demand d;
  d.trips = {{"late", {}, 5, {}}, {"a", {}, 1, {}}, {"b", {}, 1, {}}, {"early", {}, 0, {}}, {"c", {}, 1, {}}};
  d.sortByDeparture();
  std::vector<std::string> ids;
  for (const Trip& t : d.trips) ids.push_back(t.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"early", "a", "b", "c", "late"}));
}

TEST(Random, CounterBasedDrawsAreDeterministicAndUniform) {
  EXPECT_EQ(mix(1, 2, 3), mix(1, 2, 3));
  EXPECT_NE(mix(1, 2, 3), mix(1, 3, 2));
  EXPECT_NE(mix(1, 2, 3), mix(2, 2, 3));
  EXPECT_EQ(hashName("flow_a"), hashName("flow_a"));
  EXPECT_NE(hashName("flow_a"), hashName("flow_b"));
  double sum = 0;
  int below = 0;
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) {
    const double u = uniform01(42, 7, static_cast<std::uint64_t>(i));
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    below += u < 0.25;
  }
  EXPECT_NEAR(sum / kN, 0.5, 0.01);
  EXPECT_NEAR(static_cast<double>(below) / kN, 0.25, 0.01);
}

TEST_F(CorridorFixture, FixedFlowReleasesAtASteadyPeriod) {
  FlowSpec f{"f", VehicleTypeId(0), {r(0), r(1), r(2)}, false, 10, 70, 600, false};
  expandFlow(net, router, f, 1, "s.toml", demand);
  ASSERT_EQ(demand.trips.size(), 10u);  // [10, 70) at 6 s
  for (std::size_t k = 0; k < 10; ++k) {
    EXPECT_DOUBLE_EQ(demand.trips[k].departS, 10 + 6.0 * static_cast<double>(k));
    EXPECT_EQ(demand.trips[k].id, "f_" + std::to_string(k));
    EXPECT_EQ(demand.trips[k].route, demand.trips[0].route);
  }
  EXPECT_EQ(demand.routes.size(), 1u);
  EXPECT_EQ(demand.routes.route(demand.trips[0].route).size(), 3u);
}

TEST_F(CorridorFixture, PoissonFlowMatchesTheRateAndTheSeed) {
  FlowSpec f{"p", VehicleTypeId(0), {r(0), r(2)}, true, 0, 3600, 1800, true};
  expandFlow(net, router, f, 7, "s.toml", demand);
  const std::size_t n = demand.trips.size();
  EXPECT_NEAR(static_cast<double>(n), 1800, 4 * std::sqrt(1800.0));
  for (std::size_t k = 1; k < n; ++k) EXPECT_LE(demand.trips[k - 1].departS, demand.trips[k].departS);
  EXPECT_GE(demand.trips.front().departS, 0);
  EXPECT_LT(demand.trips.back().departS, 3600);
  // Routed: origin and destination expanded through the corridor.
  EXPECT_EQ(demand.routes.route(demand.trips[0].route).size(), 3u);

  Demand same, other;
  expandFlow(net, router, f, 7, "s.toml", same);
  expandFlow(net, router, f, 8, "s.toml", other);
  ASSERT_EQ(same.trips.size(), n);
  for (std::size_t k = 0; k < n; ++k) EXPECT_EQ(same.trips[k].departS, demand.trips[k].departS);
  EXPECT_NE(other.trips.front().departS, demand.trips.front().departS);
}

TEST_F(CorridorFixture, FlowErrorsNameTheFileAndTheFlow) {
  FlowSpec back{"back", VehicleTypeId(0), {r(2), r(0)}, true, 0, 100, 100, false};
  expectLoadError([&] { expandFlow(net, router, back, 1, "s.toml", demand); },
                  {"s.toml", "flow 'back'", "no route from road 'r2' to road 'r0'"});
  FlowSpec gap{"gap", VehicleTypeId(0), {r(0), r(2)}, false, 0, 100, 100, false};
  expectLoadError([&] { expandFlow(net, router, gap, 1, "s.toml", demand); },
                  {"s.toml", "flow 'gap'", "'r2'", "'r0'"});
  FlowSpec empty{"empty", VehicleTypeId(0), {}, false, 0, 100, 100, false};
  expectLoadError([&] { expandFlow(net, router, empty, 1, "s.toml", demand); }, {"flow 'empty'", "empty"});
  FlowSpec reversed{"rev", VehicleTypeId(0), {r(0)}, false, 100, 50, 100, false};
  expectLoadError([&] { expandFlow(net, router, reversed, 1, "s.toml", demand); }, {"flow 'rev'", "end"});
  FlowSpec huge{"huge", VehicleTypeId(0), {r(0)}, false, 0, 3600, 1e12, false};
  expectLoadError([&] { expandFlow(net, router, huge, 1, "s.toml", demand); }, {"flow 'huge'", "units"});
  EXPECT_TRUE(demand.trips.empty());
}

TEST_F(CorridorFixture, OdFollowsTheProfile) {
  // Weight 1 for [0, 100), 3 for [100, 200): a quarter of the vehicles in the first interval.
  OdSpec od{"od", VehicleTypeId(0), r(0), r(2), 200, {{0, 1}, {100, 3}, {200, 0}}};
  expandOd(net, router, od, 3, "s.toml", demand);
  ASSERT_EQ(demand.trips.size(), 200u);
  int first = 0;
  for (std::size_t k = 0; k < demand.trips.size(); ++k) {
    const double t = demand.trips[k].departS;
    EXPECT_GE(t, 0);
    EXPECT_LT(t, 200);
    if (k > 0) {
      EXPECT_LE(demand.trips[k - 1].departS, t);
    }
    first += t < 100;
  }
  EXPECT_NEAR(first, 50, 1);
  // Every 50 s of the uniform second interval holds 150 / 2 vehicles, to within one.
  int late = 0;
  for (const Trip& t : demand.trips) late += t.departS >= 150;
  EXPECT_NEAR(late, 75, 1);
  EXPECT_EQ(demand.routes.route(demand.trips[0].route).size(), 3u);

  Demand reseeded;
  expandOd(net, router, od, 4, "s.toml", reseeded);
  ASSERT_EQ(reseeded.trips.size(), 200u);
  EXPECT_NE(reseeded.trips[10].departS, demand.trips[10].departS);
}

TEST_F(CorridorFixture, OdErrorsNameTheFileAndTheOd) {
  OdSpec od{"peak_ne", VehicleTypeId(0), r(2), r(0), 10, {{0, 1}, {100, 0}}};
  expectLoadError([&] { expandOd(net, router, od, 1, "s.toml", demand); },
                  {"s.toml", "od 'peak_ne': no route from road 'r2' to road 'r0'"});
  OdSpec flat{"flat", VehicleTypeId(0), r(0), r(2), 10, {{0, 0}, {100, 0}}};
  expectLoadError([&] { expandOd(net, router, flat, 1, "s.toml", demand); }, {"od 'flat'", "positive weight"});
  OdSpec unordered{"unordered", VehicleTypeId(0), r(0), r(2), 10, {{50, 1}, {10, 0}}};
  expectLoadError([&] { expandOd(net, router, unordered, 1, "s.toml", demand); }, {"od 'unordered'", "increase"});
  OdSpec negative{"neg", VehicleTypeId(0), r(0), r(2), -3, {{0, 1}, {10, 0}}};
  expectLoadError([&] { expandOd(net, router, negative, 1, "s.toml", demand); }, {"od 'neg'", "total"});
  EXPECT_TRUE(demand.trips.empty());
}

}  // namespace
}  // namespace traffic
