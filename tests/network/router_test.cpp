#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/test_networks.h"
#include "traffic/demand.h"
#include "traffic/grid.h"

namespace traffic {
namespace {

std::vector<std::string> names(const RoadNetwork& net, const std::vector<RoadId>& route) {
  std::vector<std::string> out;
  for (RoadId r : route) out.push_back(net.road(r).name);
  return out;
}

RoadId road(const RoadNetwork& net, const std::string& name) { return *net.findRoad(name); }

TEST(Router, FollowsACorridor) {
  const RoadNetwork net = testing::corridor(4, 100, 1, 10);
  Router router(net);
  auto route = router.shortestRoute(road(net, "r0"), road(net, "r3"));
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(names(net, *route), (std::vector<std::string>{"r0", "r1", "r2", "r3"}));
  EXPECT_FALSE(router.shortestRoute(road(net, "r3"), road(net, "r0")).has_value());  // one-way
  auto self = router.shortestRoute(road(net, "r2"), road(net, "r2"));
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(names(net, *self), (std::vector<std::string>{"r2"}));
}

// The engine keeps a vehicle's place on its route in 16 bits, and its re-routes put the road the
// vehicle is on in front of the route found: a route found has at most kMaxRouteRoads - 1 roads.
TEST(Router, FindsNoRouteLongerThanTheEngineCanPrependARoadTo) {
  const RoadNetwork net = testing::corridor(static_cast<int>(kMaxRouteRoads), 10, 1, 10);
  Router router(net);
  const RoadId first = road(net, "r0");
  const RoadId fits = road(net, "r" + std::to_string(kMaxRouteRoads - 2));
  const RoadId tooFar = road(net, "r" + std::to_string(kMaxRouteRoads - 1));
  // The first query from r0 stops at its destination, the second caches r0's whole tree and the
  // others walk it: the bound holds on every path.
  for (int pass = 0; pass < 2; ++pass) {
    const auto longest = router.shortestRoute(first, fits);
    ASSERT_TRUE(longest.has_value()) << pass;
    EXPECT_EQ(longest->size(), kMaxRouteRoads - 1);
    EXPECT_EQ(longest->back(), fits);
    EXPECT_FALSE(router.shortestRoute(first, tooFar).has_value()) << pass;
  }
  // Shorter routes to the same road are found.
  const auto shorter = router.shortestRoute(road(net, "r1"), tooFar);
  ASSERT_TRUE(shorter.has_value());
  EXPECT_EQ(shorter->size(), kMaxRouteRoads - 1);
}

TEST(Router, NoUturnMeansNoRouteBack) {
  const RoadNetwork net = testing::crossJunction(100, 2, false);
  Router router(net);
  auto left = router.shortestRoute(road(net, "n_in"), road(net, "e_out"));
  ASSERT_TRUE(left.has_value());
  EXPECT_EQ(names(net, *left), (std::vector<std::string>{"n_in", "e_out"}));
  EXPECT_FALSE(router.shortestRoute(road(net, "n_in"), road(net, "n_out")).has_value());
  EXPECT_FALSE(router.shortestRoute(road(net, "n_in"), RoadId(999)).has_value());
}

// A square block A-B-C-D (counter-clockwise from the south-west corner) entered from the south at
// A. Going to B directly needs a right turn at A, which is not allowed; the legal route goes round
// the block through D and C, three times as long.
RoadNetwork squareWithBannedTurn() {
  RoadNetworkBuilder b("square");
  const std::vector<RoadNetworkBuilder::LaneSpec> one{{3.5, 10, ClassMask::all(), {}}};
  const JunctionId s = b.addJunction("s", {0, -100}, 0, true);
  const JunctionId a = b.addJunction("A", {0, 0}, 0, false);
  const JunctionId bj = b.addJunction("B", {100, 0}, 0, false);
  const JunctionId c = b.addJunction("C", {100, 100}, 0, false);
  const JunctionId d = b.addJunction("D", {0, 100}, 0, false);
  const JunctionId e = b.addJunction("e", {200, 0}, 0, true);
  const RoadId in = b.addRoad("in", s, a, {{0, -100}, {0, 0}}, one);
  const RoadId ab = b.addRoad("AB", a, bj, {{0, 0}, {100, 0}}, one);
  const RoadId ad = b.addRoad("AD", a, d, {{0, 0}, {0, 100}}, one);
  const RoadId dc = b.addRoad("DC", d, c, {{0, 100}, {100, 100}}, one);
  const RoadId cb = b.addRoad("CB", c, bj, {{100, 100}, {100, 0}}, one);
  const RoadId out = b.addRoad("out", bj, e, {{100, 0}, {200, 0}}, one);
  b.addMovement(in, ad, TurnType::Straight, {{0, 0, {}}});
  b.addMovement(ad, dc, TurnType::Right, {{0, 0, {}}});
  b.addMovement(dc, cb, TurnType::Right, {{0, 0, {}}});
  b.addMovement(cb, out, TurnType::Left, {{0, 0, {}}});
  b.addMovement(ab, out, TurnType::Straight, {{0, 0, {}}});
  return b.build();
}

TEST(Router, RespectsTurnRestrictions) {
  const RoadNetwork net = squareWithBannedTurn();
  Router router(net);
  auto route = router.shortestRoute(road(net, "in"), road(net, "out"));
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(names(net, *route), (std::vector<std::string>{"in", "AD", "DC", "CB", "out"}));
  EXPECT_FALSE(firstDisconnected(net, *route).has_value());
  // Asking again gives the cached answer.
  EXPECT_EQ(*router.shortestRoute(road(net, "in"), road(net, "out")), *route);
  EXPECT_FALSE(router.shortestRoute(road(net, "in"), road(net, "AB")).has_value());
}

TEST(Router, PicksTheFastestRouteOnAGrid) {
  GridSpec spec;
  spec.rows = 3;
  spec.columns = 3;
  const RoadNetwork net = generateGrid(spec);
  Router router(net);
  // Straight across the middle row: three junctions, four roads.
  auto route = router.shortestRoute(road(net, "road_j_1_-1_j_1_0"), road(net, "road_j_1_2_j_1_3"));
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(names(net, *route), (std::vector<std::string>{"road_j_1_-1_j_1_0", "road_j_1_0_j_1_1",
                                                          "road_j_1_1_j_1_2", "road_j_1_2_j_1_3"}));
  // Corner to corner needs 2 + 2 inner blocks whatever the order of turns.
  auto diagonal = router.shortestRoute(road(net, "road_j_0_-1_j_0_0"), road(net, "road_j_2_2_j_3_2"));
  ASSERT_TRUE(diagonal.has_value());
  EXPECT_EQ(diagonal->size(), 6u);
  EXPECT_FALSE(firstDisconnected(net, *diagonal).has_value());
}

TEST(Router, FirstDisconnectedFindsTheGap) {
  const RoadNetwork net = testing::crossJunction(100, 2, false);
  const std::vector<RoadId> ok{road(net, "n_in"), road(net, "s_out")};
  EXPECT_FALSE(firstDisconnected(net, ok).has_value());
  const std::vector<RoadId> uturn{road(net, "n_in"), road(net, "n_out")};
  EXPECT_EQ(firstDisconnected(net, uturn), std::optional<std::size_t>(1));
  const std::vector<RoadId> invalid{road(net, "n_in"), RoadId(77)};
  EXPECT_EQ(firstDisconnected(net, invalid), std::optional<std::size_t>(1));
  EXPECT_FALSE(firstDisconnected(net, std::vector<RoadId>{}).has_value());
}

}  // namespace

// The answer never depends on the cache: an origin's first query stops the search at the
// destination, its later ones walk a cached tree or, with no room for trees, search again.
TEST(Router, RoutesDoNotDependOnTheCacheBudget) {
  GridSpec spec;
  spec.rows = 5;
  spec.columns = 5;
  const RoadNetwork net = generateGrid(spec);
  Router cached(net);
  Router uncached(net, 0);
  Router tight(net, 3 * net.roads().size() * sizeof(std::uint32_t));  // three trees at most
  std::size_t routes = 0;
  for (std::size_t o = 0; o < net.roads().size(); o += 3) {
    for (std::size_t d = 0; d < net.roads().size(); d += 2) {
      const RoadId origin{o}, destination{d};
      const auto a = cached.shortestRoute(origin, destination);
      EXPECT_EQ(a, uncached.shortestRoute(origin, destination)) << o << " -> " << d;
      EXPECT_EQ(a, tight.shortestRoute(origin, destination)) << o << " -> " << d;
      if (a) {
        ++routes;
        EXPECT_FALSE(firstDisconnected(net, *a).has_value());
      }
    }
  }
  EXPECT_GT(routes, 1000u);
}

}  // namespace traffic
