#include "network/box_geometry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "common/test_networks.h"
#include "traffic/scenario.h"

namespace traffic {
namespace {

// A four-leg junction (box 15 m) with two lanes per road and straight (both lanes), left (lane 0)
// and right (lane 1) turns from every approach, its movements and connectors declared in order or
// all in reverse, so that connector ids, and with them which connector of each pair comes first,
// are swapped between the two.
RoadNetwork crossing(bool reversed) {
  RoadNetworkBuilder b("crossing");
  const JunctionId centre = b.addJunction("c", {0, 0}, 15, false);
  struct Leg {
    std::string name;
    Vec2 at;
  };
  const Leg legs[] = {{"n", {0, 200}}, {"e", {200, 0}}, {"s", {0, -200}}, {"w", {-200, 0}}};  // clockwise
  const std::vector<RoadNetworkBuilder::LaneSpec> lanes(2);
  std::vector<RoadId> in, out;
  for (const Leg& leg : legs) {
    const JunctionId end = b.addJunction(leg.name, leg.at, 0, true);
    in.push_back(b.addRoad(leg.name + "_in", end, centre, {leg.at, {0, 0}}, lanes));
    out.push_back(b.addRoad(leg.name + "_out", centre, end, {{0, 0}, leg.at}, lanes));
  }
  struct Turn {
    RoadId from, to;
    TurnType type;
    std::vector<RoadNetworkBuilder::ConnectorSpec> connectors;
  };
  std::vector<Turn> turns;
  for (std::size_t i = 0; i < 4; ++i) {
    turns.push_back({in[i], out[(i + 2) % 4], TurnType::Straight, {{0, 0, {}}, {1, 1, {}}}});
    turns.push_back({in[i], out[(i + 1) % 4], TurnType::Left, {{0, 0, {}}}});
    turns.push_back({in[i], out[(i + 3) % 4], TurnType::Right, {{1, 1, {}}}});
  }
  if (reversed) {
    std::reverse(turns.begin(), turns.end());
    for (Turn& t : turns) std::reverse(t.connectors.begin(), t.connectors.end());
  }
  for (Turn& t : turns) b.addMovement(t.from, t.to, t.type, std::move(t.connectors));
  return b.build();
}

// A connector by what it joins: road names and lane indices at both ends.
using Key = std::tuple<std::string, int, std::string, int>;
Key keyOf(const RoadNetwork& net, ConnectorId id) {
  const Connector& c = net.connector(id);
  const Lane& from = net.lane(c.from);
  const Lane& to = net.lane(c.to);
  return {net.road(from.road).name, from.indexInRoad, net.road(to.road).name, to.indexInRoad};
}

// The New York map (CityFlow's 16x3 grid): sharply angled connectors, some of which come within a
// vehicle width of each other without crossing.
std::shared_ptr<const RoadNetwork> newYork() {
  return loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/newyork_16x3.toml").network;
}

// Checks the zones of every connector of `net` and returns how many only come close.
std::size_t checkZones(const RoadNetwork& net) {
  const BoxGeometry g = buildBoxGeometry(net);
  EXPECT_EQ(g.zones.size(), net.connectors().size());
  EXPECT_EQ(g.sharedStarts.size(), net.connectors().size());
  std::size_t closeOnly = 0;
  for (std::size_t i = 0; i < net.connectors().size(); ++i) {
    const Connector& c = net.connectors()[i];
    const std::span<const ConflictZone> zones = g.zones[i];
    EXPECT_GE(zones.size(), c.conflicts.size());
    for (std::size_t k = 0; k < zones.size(); ++k) {
      const ConflictZone& z = zones[k];
      const Connector& other = net.connector(z.other);
      EXPECT_LE(0.0, z.fromM);
      EXPECT_LT(z.fromM, z.toM);
      EXPECT_LE(z.toM, c.lengthM);
      EXPECT_LE(0.0, z.otherFromM);
      EXPECT_LT(z.otherFromM, z.otherToM);
      EXPECT_LE(z.otherToM, other.lengthM);
      if (k < c.conflicts.size()) {
        const Conflict& conflict = c.conflicts[k];
        EXPECT_EQ(z.other, conflict.other);
        EXPECT_EQ(z.merging, conflict.merging);
        // The zone holds the conflict point; a merge's runs to the common end.
        EXPECT_LE(z.fromM, conflict.atM);
        EXPECT_GE(z.toM, conflict.atM);
        EXPECT_LE(z.otherFromM, conflict.otherAtM);
        EXPECT_GE(z.otherToM, conflict.otherAtM);
        if (z.merging) {
          EXPECT_EQ(z.toM, c.lengthM);
        }
      } else {
        ++closeOnly;
        EXPECT_FALSE(z.merging);
        EXPECT_NE(c.from, other.from);
        EXPECT_NE(c.to, other.to);
      }
    }
    // The connectors leaving the same lane.
    const std::span<const SharedStart> shared = g.sharedStarts[i];
    EXPECT_EQ(shared.size(), net.lane(c.from).outgoing.size() - 1);
    for (const SharedStart& s : shared) {
      EXPECT_EQ(net.connector(s.other).from, c.from);
      EXPECT_GT(s.sharedM, 0.0);
      EXPECT_LE(s.sharedM, c.lengthM);
    }
  }
  return closeOnly;
}

TEST(BoxGeometry, ZonesListEveryConflictFirstThenPathsThatOnlyComeClose) {
  EXPECT_EQ(checkZones(crossing(false)), 0u);
  EXPECT_GT(checkZones(*newYork()), 0u);
}

// Every zone of `net` is listed once by each of its two connectors, as the same stretches.
void checkMirrored(const RoadNetwork& net) {
  const BoxGeometry g = buildBoxGeometry(net);
  for (std::size_t i = 0; i < net.connectors().size(); ++i) {
    for (const ConflictZone& z : g.zones[i]) {
      const std::span<const ConflictZone> theirs = g.zones[z.other.index()];
      ASSERT_EQ(std::count_if(theirs.begin(), theirs.end(), [&](const ConflictZone& t) { return t.other.index() == i; }), 1);
      const ConflictZone& t = *std::find_if(theirs.begin(), theirs.end(), [&](const ConflictZone& x) { return x.other.index() == i; });
      EXPECT_EQ(t.merging, z.merging);
      EXPECT_EQ(t.fromM, z.otherFromM);
      EXPECT_EQ(t.toM, z.otherToM);
      EXPECT_EQ(t.otherFromM, z.fromM);
      EXPECT_EQ(t.otherToM, z.toM);
    }
  }
}

TEST(BoxGeometry, AZoneSeenFromTheOtherConnectorIsTheSameZone) {
  checkMirrored(crossing(false));
  checkMirrored(*newYork());
}

// Each pair is measured once, from its first connector, and the second takes that zone: declaring
// the connectors in reverse order swaps which side measures, and must not change a bit.
TEST(BoxGeometry, MeasuringAPairFromEitherSideGivesTheSameZones) {
  const RoadNetwork forward = crossing(false);
  const RoadNetwork backward = crossing(true);
  const BoxGeometry gf = buildBoxGeometry(forward);
  const BoxGeometry gb = buildBoxGeometry(backward);
  std::map<Key, ConnectorId> twin;
  for (std::size_t i = 0; i < backward.connectors().size(); ++i) twin[keyOf(backward, ConnectorId(i))] = ConnectorId(i);
  ASSERT_EQ(twin.size(), forward.connectors().size());
  std::size_t compared = 0;
  for (std::size_t i = 0; i < forward.connectors().size(); ++i) {
    const ConnectorId j = twin.at(keyOf(forward, ConnectorId(i)));
    ASSERT_EQ(gf.zones[i].size(), gb.zones[j.index()].size());
    for (const ConflictZone& z : gf.zones[i]) {
      const ConnectorId other = twin.at(keyOf(forward, z.other));
      const std::span<const ConflictZone> theirs = gb.zones[j.index()];
      const auto t = std::find_if(theirs.begin(), theirs.end(), [&](const ConflictZone& x) { return x.other == other; });
      ASSERT_NE(t, theirs.end());
      EXPECT_EQ(t->merging, z.merging);
      EXPECT_EQ(t->fromM, z.fromM);
      EXPECT_EQ(t->toM, z.toM);
      EXPECT_EQ(t->otherFromM, z.otherFromM);
      EXPECT_EQ(t->otherToM, z.otherToM);
      ++compared;
    }
    ASSERT_EQ(gf.sharedStarts[i].size(), gb.sharedStarts[j.index()].size());
    for (const SharedStart& s : gf.sharedStarts[i]) {
      const ConnectorId other = twin.at(keyOf(forward, s.other));
      const std::span<const SharedStart> theirs = gb.sharedStarts[j.index()];
      const auto t = std::find_if(theirs.begin(), theirs.end(), [&](const SharedStart& x) { return x.other == other; });
      ASSERT_NE(t, theirs.end());
      EXPECT_EQ(t->sharedM, s.sharedM);
      EXPECT_EQ(t->otherSharedM, s.otherSharedM);
    }
  }
  EXPECT_GT(compared, forward.connectors().size());
}

TEST(BoxGeometry, IsBuiltOnceAndSharedByEveryUserOfTheNetwork) {
  const RoadNetwork net = testing::crossJunction(100, 2, true);
  const BoxGeometry& first = boxGeometryOf(net);
  EXPECT_EQ(&boxGeometryOf(net), &first);
  const BoxGeometry fresh = buildBoxGeometry(net);
  EXPECT_EQ(first.zones.begin, fresh.zones.begin);
  EXPECT_EQ(first.zones.items.size(), fresh.zones.items.size());
  // One allocation per list, sized to what it holds.
  EXPECT_EQ(first.zones.begin.size(), net.connectors().size() + 1);
  EXPECT_EQ(first.zones.items.capacity(), first.zones.items.size());
  EXPECT_EQ(first.sharedStarts.items.capacity(), first.sharedStarts.items.size());
}

TEST(BoxGeometry, ANetworkWithoutJunctionBoxesHasNoZones) {
  const RoadNetwork net = testing::straightRoad(100, 2, 13.89);
  const BoxGeometry g = buildBoxGeometry(net);
  EXPECT_EQ(g.zones.size(), 0u);
  EXPECT_TRUE(g.zones.items.empty());
  EXPECT_TRUE(g.sharedStarts.items.empty());
}

}  // namespace
}  // namespace traffic
