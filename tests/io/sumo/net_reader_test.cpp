// SUMO network reader (sim/src/io/sumo/net_reader.cpp), issue 11: lane order, lengths, shapes,
// permissions, boundaries, programs, right-of-way data and errors, on small hand-written networks
// under tests/data/sumo/.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "traffic/demand.h"
#include "traffic/errors.h"
#include "traffic/loaders/sumo.h"
#include "traffic/signal.h"

namespace traffic {
namespace {

const std::filesystem::path kData = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "tests/data/sumo";

const Road& roadNamed(const RoadNetwork& net, const std::string& name) {
  const auto id = net.findRoad(name);
  EXPECT_TRUE(id.has_value()) << name;
  return net.road(*id);
}

std::string movementName(const RoadNetwork& net, MovementId m) {
  const Movement& mv = net.movement(m);
  return net.road(mv.fromRoad).name + ">" + net.road(mv.toRoad).name;
}

std::vector<std::string> greenNames(const RoadNetwork& net, const SignalPhase& phase) {
  std::vector<std::string> out;
  for (MovementId m : phase.green) out.push_back(movementName(net, m));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SumoNetReader, LanesAreReversedSoThatLaneZeroIsTheLeftmost) {
  const SumoNetwork sumo = loadSumoNetwork(kData / "cross_tls.net.xml");
  const RoadNetwork& net = sumo.network;
  const Road& wc = roadNamed(net, "WC");
  ASSERT_EQ(wc.lanes.size(), 2u);
  // SUMO lane 1 (y = -1.6, next to the centre line) is trafficsim's lane 0.
  EXPECT_DOUBLE_EQ(net.lane(wc.lanes[0]).shape.points.front().y, -1.6);
  EXPECT_DOUBLE_EQ(net.lane(wc.lanes[1]).shape.points.front().y, -4.8);
  // The shapes are SUMO's, used as given.
  EXPECT_DOUBLE_EQ(net.lane(wc.lanes[1]).shape.points.front().x, -100.0);
  EXPECT_DOUBLE_EQ(net.lane(wc.lanes[1]).shape.points.back().x, -10.0);
}

TEST(SumoNetReader, UnequalLaneLengthsGiveTheRoadTheirMeanAndAreKept) {
  const SumoNetwork sumo = loadSumoNetwork(kData / "cross_tls.net.xml");
  const RoadNetwork& net = sumo.network;
  const Road& wc = roadNamed(net, "WC");
  EXPECT_DOUBLE_EQ(wc.lengthM, 89.5);
  for (LaneId l : wc.lanes) EXPECT_DOUBLE_EQ(net.lane(l).lengthM, 89.5);
  // As written: our lane 0 is SUMO's lane 1 (89 m), our lane 1 SUMO's lane 0 (90 m).
  ASSERT_EQ(sumo.laneLengthsM.size(), net.lanes().size());
  EXPECT_DOUBLE_EQ(sumo.laneLengthsM[wc.lanes[0].index()], 89.0);
  EXPECT_DOUBLE_EQ(sumo.laneLengthsM[wc.lanes[1].index()], 90.0);
  EXPECT_DOUBLE_EQ(roadNamed(net, "CE").lengthM, 90.0);
}

TEST(SumoNetReader, PermissionsMapOntoClassesAndSidewalksAreLeftOut) {
  const SumoNetwork sumo = loadSumoNetwork(kData / "cross_tls.net.xml");
  const RoadNetwork& net = sumo.network;
  const Road& wc = roadNamed(net, "WC");
  // WC's SUMO lane 0 (kerb) is a bus lane: trafficsim's lane 1.
  EXPECT_EQ(net.lane(wc.lanes[1]).allowed, ClassMask::only(VehicleClass::Bus));
  EXPECT_EQ(net.lane(wc.lanes[0]).allowed, ClassMask::all());
  // disallow="pedestrian rail" leaves every trafficsim class.
  EXPECT_EQ(net.lane(roadNamed(net, "SC").lanes[1]).allowed, ClassMask::all());
  // SC has a sidewalk (SUMO lane 0) that no trafficsim class may use: two lanes remain.
  const Road& sc = roadNamed(net, "SC");
  ASSERT_EQ(sc.lanes.size(), 2u);
  EXPECT_DOUBLE_EQ(net.lane(sc.lanes[0]).shape.points.front().x, 1.6);
  EXPECT_DOUBLE_EQ(net.lane(sc.lanes[1]).shape.points.front().x, 4.8);
  EXPECT_DOUBLE_EQ(net.lane(sc.lanes[0]).speedLimitMps, 11.11);
}

TEST(SumoNetReader, ConnectionsBecomeMovementsWithTurnsAndViaShapes) {
  const SumoNetwork sumo = loadSumoNetwork(kData / "cross_tls.net.xml");
  const RoadNetwork& net = sumo.network;
  const RoadId wc = *net.findRoad("WC");
  const auto straight = net.movementBetween(wc, *net.findRoad("CE"));
  const auto left = net.movementBetween(wc, *net.findRoad("CN"));
  const auto right = net.movementBetween(wc, *net.findRoad("CS"));
  ASSERT_TRUE(straight && left && right);
  EXPECT_EQ(net.movement(*straight).turn, TurnType::Straight);
  EXPECT_EQ(net.movement(*left).turn, TurnType::Left);
  EXPECT_EQ(net.movement(*right).turn, TurnType::Right);
  // Two lane connections straight on: SUMO lane 0 -> 0 and 1 -> 1, i.e. our 1 -> 1 and 0 -> 0.
  ASSERT_EQ(net.movement(*straight).connectors.size(), 2u);
  const Connector& kerb = net.connector(net.movement(*straight).connectors[0]);
  EXPECT_EQ(net.lane(kerb.from).indexInRoad, 1);
  EXPECT_EQ(net.lane(kerb.to).indexInRoad, 1);
  // The left turn runs along its internal lane :C_3_0 (3 points, through the junction's centre).
  const Connector& turn = net.connector(net.movement(*left).connectors[0]);
  ASSERT_EQ(turn.shape.points.size(), 3u);
  EXPECT_DOUBLE_EQ(turn.shape.points[1].x, 0.0);
  EXPECT_DOUBLE_EQ(turn.shape.points[1].y, 0.0);
  // Crossing connectors conflict: the left turn from W crosses traffic straight on from E.
  const auto oncoming = net.movementBetween(*net.findRoad("EC"), *net.findRoad("CW"));
  ASSERT_TRUE(oncoming);
  bool crosses = false;
  for (const Conflict& c : turn.conflicts) crosses = crosses || net.connector(c.other).movement == *oncoming;
  EXPECT_TRUE(crosses);
}

// A connector takes its internal lanes' speed (netconvert's, the curve's bound included), the
// slowest of a chain of them, and not the slower of its two lanes' limits.
TEST(SumoNetReader, ConnectorsTakeTheSpeedOfTheirInternalLanes) {
  const SumoNetwork sumo = loadSumoNetwork(kData / "tee_priority.net.xml");
  const RoadNetwork& net = sumo.network;
  const auto speedOf = [&](const std::string& from, const std::string& to) {
    const auto m = net.movementBetween(*net.findRoad(from), *net.findRoad(to));
    EXPECT_TRUE(m.has_value()) << from << " -> " << to;
    const Connector& c = net.connector(net.movement(*m).connectors.at(0));
    EXPECT_TRUE(c.speedFromMap) << from << " -> " << to;
    return c.speedLimitMps;
  };
  EXPECT_DOUBLE_EQ(speedOf("SJ", "JB"), 6.0);   // :J_4_0; the lanes allow 8.33 and 13.89
  EXPECT_DOUBLE_EQ(speedOf("SJ", "JA"), 6.0);   // :J_2_0 then :J_3_0, through the internal junction
  EXPECT_DOUBLE_EQ(speedOf("AJ", "JB"), 13.89);
}

// Routes count the time to cross each junction on the map's internal lanes, as SUMO's router does:
// over U the roads are 2 m shorter, but the path through J1 onto them is driven at 3 m/s.
TEST(SumoNetReader, RoutesCountTheTimeThroughTheJunctions) {
  const SumoNetwork sumo = loadSumoNetwork(kData / "two_paths.net.xml");
  const RoadNetwork& net = sumo.network;
  Router router(net);
  const auto route = router.shortestRoute(*net.findRoad("AJ1"), *net.findRoad("J2B"));
  ASSERT_TRUE(route.has_value());
  std::vector<std::string> names;
  for (RoadId r : *route) names.push_back(net.road(r).name);
  EXPECT_EQ(names, (std::vector<std::string>{"AJ1", "J1L", "LJ2", "J2B"}));
}

TEST(SumoNetReader, DeadEndsAreBoundariesAndTheSignalIsNot) {
  const SumoNetwork sumo = loadSumoNetwork(kData / "cross_tls.net.xml");
  const RoadNetwork& net = sumo.network;
  for (const char* name : {"W", "E", "N", "S"}) EXPECT_TRUE(net.junction(*net.findJunction(name)).boundary) << name;
  EXPECT_FALSE(net.junction(*net.findJunction("C")).boundary);
  EXPECT_EQ(sumo.junctions[net.findJunction("C")->index()].type, "traffic_light");
}

TEST(SumoNetReader, GreenPhasesBecomeStagesAndClearanceComesFromTheMap) {
  const SumoNetwork sumo = loadSumoNetwork(kData / "cross_tls.net.xml");
  const RoadNetwork& net = sumo.network;
  const Junction& c = net.junction(*net.findJunction("C"));
  ASSERT_TRUE(c.program.has_value());
  ASSERT_EQ(c.program->phases.size(), 2u);
  EXPECT_DOUBLE_EQ(c.program->phases[0].durationS, 30);
  EXPECT_DOUBLE_EQ(c.program->phases[1].durationS, 25);
  // East-west: the W and E approaches.
  EXPECT_EQ(greenNames(net, c.program->phases[0]),
            (std::vector<std::string>{"EC>CN", "EC>CS", "EC>CW", "WC>CE", "WC>CN", "WC>CS"}));
  // North-south, with the permissive (g) left turns.
  EXPECT_EQ(greenNames(net, c.program->phases[1]),
            (std::vector<std::string>{"NC>CE", "NC>CS", "NC>CW", "SC>CE", "SC>CN", "SC>CW"}));
  // The map's yellow (3 s) and all-red (2 s) time the controller's clearance.
  EXPECT_DOUBLE_EQ(sumo.timing.yellowS, 3);
  EXPECT_DOUBLE_EQ(sumo.timing.allRedS, 2);
  EXPECT_DOUBLE_EQ(sumo.timing.minGreenS, 5);
  // The program as written, for controllers that run SUMO's phases themselves.
  ASSERT_EQ(sumo.trafficLights.size(), 1u);
  const SumoTrafficLight& tl = sumo.trafficLights[0];
  EXPECT_EQ(tl.id, "C");
  ASSERT_EQ(tl.phases.size(), 6u);
  EXPECT_EQ(tl.phases[1].state, "yyyyrrrryyyyrrrr");
  EXPECT_EQ(tl.phases[0].minDurS, 10);
  EXPECT_EQ(tl.phases[0].maxDurS, 50);
  EXPECT_EQ(tl.phases[0].name, "east-west");
  ASSERT_EQ(tl.links.size(), 16u);
  EXPECT_EQ(movementName(net, net.connector(tl.links[3]).movement), "WC>CN");
  EXPECT_EQ(movementName(net, net.connector(tl.links[15]).movement), "SC>CW");
  ASSERT_EQ(tl.junctions.size(), 1u);
  EXPECT_EQ(net.junction(tl.junctions[0]).name, "C");
}

TEST(SumoNetReader, PriorityJunctionKeepsTypeAndRequestMatrices) {
  const SumoNetwork sumo = loadSumoNetwork(kData / "tee_priority.net.xml");
  const RoadNetwork& net = sumo.network;
  const JunctionId j = *net.findJunction("J");
  EXPECT_FALSE(net.junction(j).program.has_value());
  EXPECT_FALSE(net.junction(j).boundary);
  // The internal junction is no junction of trafficsim's network.
  EXPECT_FALSE(net.findJunction(":J_3_0").has_value());
  const SumoJunction& info = sumo.junctions[j.index()];
  EXPECT_EQ(info.type, "priority");
  ASSERT_EQ(info.response.size(), 4u);
  EXPECT_EQ(info.response[2], "0011");
  EXPECT_EQ(info.foes[0], "0100");
  // Links are numbered by intLanes: 2 is the minor road's left turn, 3 its right turn.
  ASSERT_EQ(info.links.size(), 4u);
  EXPECT_EQ(movementName(net, net.connector(info.links[0]).movement), "AJ>JB");
  EXPECT_EQ(movementName(net, net.connector(info.links[2]).movement), "SJ>JA");
  EXPECT_EQ(movementName(net, net.connector(info.links[3]).movement), "SJ>JB");
  // The left turn follows both of its internal lanes (:J_2_0 then :J_3_0).
  const Connector& left = net.connector(info.links[2]);
  EXPECT_DOUBLE_EQ(left.shape.points.front().y, -6.0);
  EXPECT_DOUBLE_EQ(left.shape.points.back().x, -6.0);
  EXPECT_EQ(left.shape.points.size(), 5u);
}

std::string teeText() {
  std::ifstream in(kData / "tee_priority.net.xml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void replaceOnce(std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

// Whether connector `a` gives way to connector `b` at a conflict between them.
bool yieldsTo(const RoadNetwork& net, ConnectorId a, ConnectorId b) {
  for (const Conflict& k : net.connector(a).conflicts)
    if (k.other == b) return k.yields;
  return false;
}

TEST(SumoNetReader, TheResponseMatrixSaysWhoGivesWay) {
  // tee_priority's request 2 (the minor road's left turn) has response "0011": bits 0 and 1, the
  // last two characters, are the two main-road links. Request 3 (its right turn) has "0001": it
  // gives way to link 0, whose lane it merges into.
  const SumoNetwork sumo = loadSumoNetwork(kData / "tee_priority.net.xml");
  const RoadNetwork& net = sumo.network;
  const JunctionId j = *net.findJunction("J");
  EXPECT_EQ(net.junction(j).rightOfWay, RightOfWay::Priority);
  const auto& link = sumo.junctions[j.index()].links;
  EXPECT_TRUE(yieldsTo(net, link[2], link[0]));
  EXPECT_TRUE(yieldsTo(net, link[2], link[1]));
  EXPECT_TRUE(yieldsTo(net, link[3], link[0]));
  EXPECT_FALSE(yieldsTo(net, link[0], link[2]));
  EXPECT_FALSE(yieldsTo(net, link[1], link[2]));
  EXPECT_FALSE(yieldsTo(net, link[0], link[3]));
  for (ConnectorId c : net.junction(j).connectors) EXPECT_FALSE(net.connector(c).stopFirst);
  // The minor road's movements show a permissive green, the main road's a protected one.
  const std::vector<SignalState> states = unsignalisedMovementStates(net, j);
  for (std::size_t k = 0; k < net.junction(j).movements.size(); ++k) {
    const std::string name = movementName(net, net.junction(j).movements[k]);
    EXPECT_EQ(states[k], name.rfind("SJ", 0) == 0 ? SignalState::GreenPermissive : SignalState::GreenProtected) << name;
  }
}

TEST(SumoNetReader, LinksThroughAnInternalJunctionTakeTheirOwnIndex) {
  // internal_left's junction C numbers its links along incLanes: n_in 0-3, e_in lane 0 4-5, e_in
  // lane 1 6-8 (straight, left turn, U-turn), s_in 9-12, w_in lane 0 13-14, lane 1 15-17. The left
  // turn and the U-turn wait inside the junction: their via lanes (:C_7_0, :C_8_0) are not in
  // intLanes, which lists the lanes after the internal junction (:C_18_0, :C_19_0) in their
  // places. Each must keep its own index, so that it gives way as its own request says: the left
  // turn (request 7, response bits 13-15) to the opposite straights and right turn, the straight
  // beside it (request 6) to nobody.
  const SumoNetwork sumo = loadSumoNetwork(kData / "internal_left.net.xml");
  const RoadNetwork& net = sumo.network;
  const JunctionId j = *net.findJunction("C");
  const auto& link = sumo.junctions[j.index()].links;
  ASSERT_EQ(link.size(), 18u);
  EXPECT_EQ(movementName(net, net.connector(link[6]).movement), "e_in>w_out");
  EXPECT_EQ(movementName(net, net.connector(link[7]).movement), "e_in>s_out");
  EXPECT_EQ(movementName(net, net.connector(link[8]).movement), "e_in>e_out");
  EXPECT_EQ(movementName(net, net.connector(link[16]).movement), "w_in>n_out");
  for (int foe : {13, 14, 15}) EXPECT_TRUE(yieldsTo(net, link[7], link[static_cast<std::size_t>(foe)])) << foe;
  for (const Conflict& k : net.connector(link[6]).conflicts) EXPECT_FALSE(k.yields);
  EXPECT_TRUE(yieldsTo(net, link[8], link[14]));  // the U-turn (request 8) to the opposite straights too
  // So the left turn is the minor movement and the straight beside it the major one.
  const std::vector<SignalState> states = unsignalisedMovementStates(net, j);
  for (std::size_t k = 0; k < net.junction(j).movements.size(); ++k) {
    const std::string name = movementName(net, net.junction(j).movements[k]);
    if (name == "e_in>s_out" || name == "w_in>n_out") {
      EXPECT_EQ(states[k], SignalState::GreenPermissive) << name;
    } else if (name == "e_in>w_out" || name == "w_in>e_out") {
      EXPECT_EQ(states[k], SignalState::GreenProtected) << name;
    }
  }
}

TEST(SumoNetReader, TheFirstCharacterOfAResponseIsTheHighestLink) {
  // "0010" on the right turn: bit 1 set, so it gives way to link 1 (BJ>JA, which it does not
  // meet: nothing to act on) and not to link 0.
  std::string text = teeText();
  replaceOnce(text, R"(<request index="3" response="0001")", R"(<request index="3" response="0010")");
  const SumoNetwork sumo = loadSumoNetworkText(text, "tee.net.xml");
  const auto& link = sumo.junctions[sumo.network.findJunction("J")->index()].links;
  EXPECT_FALSE(yieldsTo(sumo.network, link[3], link[0]));
}

// The conflict between connectors `a` and `b`, if any.
const Conflict* conflictBetween(const RoadNetwork& net, ConnectorId a, ConnectorId b) {
  for (const Conflict& k : net.connector(a).conflicts)
    if (k.other == b) return &k;
  return nullptr;
}

TEST(SumoNetReader, TheFoesMatrixDecidesWhichConnectorsConflict) {
  // tee_priority as written: the minor road's left turn (link 2, S to A) crosses the main road's
  // eastbound straight (link 0) and merges with the westbound one (link 1); its foes "0011" say
  // both, and link 0's "0100" says link 2.
  {
    const SumoNetwork sumo = loadSumoNetwork(kData / "tee_priority.net.xml");
    const auto& link = sumo.junctions[sumo.network.findJunction("J")->index()].links;
    const Conflict* crossing = conflictBetween(sumo.network, link[2], link[0]);
    ASSERT_NE(crossing, nullptr);
    EXPECT_FALSE(crossing->merging);
    EXPECT_GT(crossing->atM, 0);
    EXPECT_LT(crossing->atM, sumo.network.connector(link[2]).lengthM);
    ASSERT_NE(conflictBetween(sumo.network, link[0], link[2]), nullptr);
    EXPECT_TRUE(conflictBetween(sumo.network, link[2], link[1])->merging);
    // Links 1 and 3 are no foes and their paths stay apart: no conflict.
    EXPECT_EQ(conflictBetween(sumo.network, link[3], link[1]), nullptr);
  }
  // The same shapes with links 0 and 2 no foes (neither request names the other): their paths
  // still cross, but no conflict is made between them; the merge of links 1 and 2 stays.
  {
    std::string text = teeText();
    replaceOnce(text, R"(<request index="0" response="0000" foes="0100")", R"(<request index="0" response="0000" foes="0000")");
    replaceOnce(text, R"(<request index="2" response="0011" foes="0011")", R"(<request index="2" response="0010" foes="0010")");
    const SumoNetwork sumo = loadSumoNetworkText(text, "tee.net.xml");
    const auto& link = sumo.junctions[sumo.network.findJunction("J")->index()].links;
    EXPECT_EQ(conflictBetween(sumo.network, link[2], link[0]), nullptr);
    EXPECT_EQ(conflictBetween(sumo.network, link[0], link[2]), nullptr);
    ASSERT_NE(conflictBetween(sumo.network, link[2], link[1]), nullptr);
    EXPECT_TRUE(yieldsTo(sumo.network, link[2], link[1]));
  }
  // Only one side names the other (SUMO writes the matrix symmetric; a file need not be): foes.
  {
    std::string text = teeText();
    replaceOnce(text, R"(<request index="0" response="0000" foes="0100")", R"(<request index="0" response="0000" foes="0000")");
    const SumoNetwork sumo = loadSumoNetworkText(text, "tee.net.xml");
    const auto& link = sumo.junctions[sumo.network.findJunction("J")->index()].links;
    EXPECT_NE(conflictBetween(sumo.network, link[2], link[0]), nullptr);
    EXPECT_NE(conflictBetween(sumo.network, link[0], link[2]), nullptr);
  }
}

TEST(SumoNetReader, FoesWhosePathsNeverMeetConflictWhereTheyComeClosest) {
  // Links 1 (B to A) and 3 (the right turn S to B) made foes: their paths neither cross nor merge,
  // so the conflict lies at their closest approach, on both sides, within each connector.
  std::string text = teeText();
  replaceOnce(text, R"(<request index="1" response="0000" foes="0100")", R"(<request index="1" response="0000" foes="1100")");
  replaceOnce(text, R"(<request index="3" response="0001" foes="0001")", R"(<request index="3" response="0001" foes="0011")");
  const SumoNetwork sumo = loadSumoNetworkText(text, "tee.net.xml");
  const RoadNetwork& net = sumo.network;
  const auto& link = sumo.junctions[net.findJunction("J")->index()].links;
  const Conflict* k = conflictBetween(net, link[3], link[1]);
  const Conflict* back = conflictBetween(net, link[1], link[3]);
  ASSERT_NE(k, nullptr);
  ASSERT_NE(back, nullptr);
  EXPECT_FALSE(k->merging);
  EXPECT_DOUBLE_EQ(k->atM, back->otherAtM);
  EXPECT_DOUBLE_EQ(k->otherAtM, back->atM);
  const Connector& right = net.connector(link[3]);
  const Connector& straight = net.connector(link[1]);
  EXPECT_GE(k->atM, 0);
  EXPECT_LE(k->atM, right.lengthM);
  EXPECT_GE(k->otherAtM, 0);
  EXPECT_LE(k->otherAtM, straight.lengthM);
  // No point of the two paths is closer than the two conflict points.
  const double d = length(right.shape.pointAt(k->atM) - straight.shape.pointAt(k->otherAtM));
  for (double s = 0; s <= right.lengthM; s += 0.25)
    for (double u = 0; u <= straight.lengthM; u += 0.25)
      EXPECT_GE(length(right.shape.pointAt(s) - straight.shape.pointAt(u)), d - 1e-9);
}

TEST(SumoNetReader, JunctionTypesMapOntoRightOfWay) {
  const std::vector<std::pair<std::string, RightOfWay>> types{
      {"right_before_left", RightOfWay::RightBeforeLeft}, {"zipper", RightOfWay::RightBeforeLeft},
      {"allway_stop", RightOfWay::AllWayStop}, {"priority_stop", RightOfWay::Priority},
      {"unregulated", RightOfWay::Unregulated}};
  for (const auto& [type, rule] : types) {
    std::string text = teeText();
    replaceOnce(text, R"(<junction id="J" type="priority")", R"(<junction id="J" type=")" + type + "\"");
    const SumoNetwork sumo = loadSumoNetworkText(text, "tee.net.xml");
    const RoadNetwork& net = sumo.network;
    const JunctionId j = *net.findJunction("J");
    EXPECT_EQ(net.junction(j).rightOfWay, rule) << type;
    const auto& link = sumo.junctions[j.index()].links;
    // Stops: every link at an all-way stop; the links that give way at a priority_stop.
    EXPECT_EQ(net.connector(link[0]).stopFirst, type == "allway_stop") << type;
    EXPECT_EQ(net.connector(link[2]).stopFirst, type == "allway_stop" || type == "priority_stop") << type;
    // An all-way stop serves first come first served instead.
    EXPECT_EQ(yieldsTo(net, link[2], link[0]), type != "unregulated" && type != "allway_stop") << type;
  }
}

TEST(SumoNetReader, MinorGreensOfALightGiveWay) {
  // The tee under a light whose green shows 'G' to the main road and 'g' to the minor road.
  std::string text = teeText();
  replaceOnce(text, R"(<junction id="J" type="priority")", R"(<junction id="J" type="traffic_light")");
  const std::array<std::string, 4> connections{R"(from="AJ" to="JB" fromLane="0" toLane="0")", R"(from="BJ" to="JA" fromLane="0" toLane="0")",
                                               R"(from="SJ" to="JA" fromLane="0" toLane="0")", R"(from="SJ" to="JB" fromLane="0" toLane="0")"};
  for (std::size_t k = 0; k < connections.size(); ++k)
    replaceOnce(text, connections[k], connections[k] + R"( tl="J" linkIndex=")" + std::to_string(k) + "\"");
  replaceOnce(text, "</net>", R"(<tlLogic id="J" type="static" programID="0" offset="0">
        <phase duration="30" state="GGgg"/><phase duration="3" state="yyyy"/><phase duration="20" state="GGrr"/>
    </tlLogic></net>)");
  const SumoNetwork sumo = loadSumoNetworkText(text, "tee.net.xml");
  const RoadNetwork& net = sumo.network;
  const JunctionId j = *net.findJunction("J");
  EXPECT_EQ(net.junction(j).rightOfWay, RightOfWay::Priority);
  ASSERT_TRUE(net.junction(j).program.has_value());
  const SignalPhase& first = net.junction(j).program->phases.at(0);
  std::vector<std::string> minor;
  for (MovementId m : first.minor) minor.push_back(movementName(net, m));
  std::sort(minor.begin(), minor.end());
  EXPECT_EQ(minor, (std::vector<std::string>{"SJ>JA", "SJ>JB"}));
  const std::vector<SignalState> states = phaseMovementStates(net, j, first);
  for (std::size_t k = 0; k < net.junction(j).movements.size(); ++k) {
    const std::string name = movementName(net, net.junction(j).movements[k]);
    EXPECT_EQ(states[k], name.rfind("SJ", 0) == 0 ? SignalState::GreenPermissive : SignalState::GreenProtected) << name;
  }
}

TEST(SumoNetReader, ALongPhaseWithoutGreenIsAStageNotClearance) {
  // The tee as a ramp meter (sumo-tools' highway game): the light controls the minor road's two
  // links only, the main road's links belong to no light, and the program holds the ramp red for
  // 600 s after a 2 s yellow. SUMO runs that red; read as the all-red after the yellow it vanished
  // and the ramp showed green for good.
  std::string text = teeText();
  replaceOnce(text, R"(<junction id="J" type="priority")", R"(<junction id="J" type="traffic_light")");
  replaceOnce(text, R"(from="SJ" to="JA" fromLane="0" toLane="0")", R"(from="SJ" to="JA" fromLane="0" toLane="0" tl="J" linkIndex="0")");
  replaceOnce(text, R"(from="SJ" to="JB" fromLane="0" toLane="0")", R"(from="SJ" to="JB" fromLane="0" toLane="0" tl="J" linkIndex="1")");
  replaceOnce(text, "</net>", R"(<tlLogic id="J" type="static" programID="0" offset="0">
        <phase duration="2" state="yy"/><phase duration="600" state="rr"/><phase duration="2" state="yy"/><phase duration="600" state="GG"/>
    </tlLogic></net>)");
  const SumoNetwork sumo = loadSumoNetworkText(text, "meter.net.xml");
  const RoadNetwork& net = sumo.network;
  const Junction& j = net.junction(*net.findJunction("J"));
  ASSERT_TRUE(j.program.has_value());
  ASSERT_EQ(j.program->phases.size(), 2u);
  // The red stage: only the main road, which no light controls, goes.
  EXPECT_DOUBLE_EQ(j.program->phases[0].durationS, 600);
  EXPECT_EQ(greenNames(net, j.program->phases[0]), (std::vector<std::string>{"AJ>JB", "BJ>JA"}));
  EXPECT_DOUBLE_EQ(j.program->phases[1].durationS, 600);
  EXPECT_EQ(greenNames(net, j.program->phases[1]), (std::vector<std::string>{"AJ>JB", "BJ>JA", "SJ>JA", "SJ>JB"}));
  // The 600 s red is no clearance interval.
  EXPECT_DOUBLE_EQ(sumo.timing.yellowS, 2);
  EXPECT_DOUBLE_EQ(sumo.timing.allRedS, 0);

  // A short red after the yellow is clearance. The program's one green stage is then followed by
  // its clearance (the two yellows, 4 s, and the 4 s red), and the red becomes a stage of its own
  // so that the meter cycles in 608 s as in SUMO instead of showing green for good; the main road,
  // which no light controls, goes on through it.
  std::string cleared = text;
  replaceOnce(cleared, R"(<phase duration="600" state="rr"/>)", R"(<phase duration="4" state="rr"/>)");
  const SumoNetwork withClearance = loadSumoNetworkText(cleared, "meter.net.xml");
  const Junction& k = withClearance.network.junction(*withClearance.network.findJunction("J"));
  ASSERT_TRUE(k.program.has_value());
  ASSERT_EQ(k.program->phases.size(), 2u);
  EXPECT_DOUBLE_EQ(k.program->phases[0].durationS, 600);
  EXPECT_DOUBLE_EQ(k.program->phases[0].yellowAfterS, 4);
  EXPECT_DOUBLE_EQ(k.program->phases[0].allRedAfterS, 0);
  EXPECT_DOUBLE_EQ(k.program->phases[1].durationS, 4);
  EXPECT_EQ(greenNames(withClearance.network, k.program->phases[1]), (std::vector<std::string>{"AJ>JB", "BJ>JA"}));
  EXPECT_DOUBLE_EQ(withClearance.timing.allRedS, 4);
}

TEST(SumoNetReader, ABadResponseNamesTheJunctionAndTheRequest) {
  std::string text = teeText();
  replaceOnce(text, R"(response="0011")", R"(response="00x1")");
  try {
    loadSumoNetworkText(text, "tee.net.xml");
    FAIL() << "expected a LoadError";
  } catch (const LoadError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("tee.net.xml"), std::string::npos) << what;
    EXPECT_NE(what.find("junction \"J\" request 2"), std::string::npos) << what;
    EXPECT_NE(what.find("00x1"), std::string::npos) << what;
  }
}

TEST(SumoNetReader, TheLastProgramOfALightRunsAsInSumo) {
  const SumoNetwork sumo = loadSumoNetwork(kData / "two_programs.net.xml");
  const RoadNetwork& net = sumo.network;
  const Junction& m = net.junction(*net.findJunction("m"));
  ASSERT_TRUE(m.program.has_value());
  ASSERT_EQ(m.program->phases.size(), 2u);
  EXPECT_DOUBLE_EQ(m.program->phases[0].durationS, 20);
  EXPECT_DOUBLE_EQ(m.program->phases[1].durationS, 40);
  EXPECT_EQ(greenNames(net, m.program->phases[0]), (std::vector<std::string>{"am>mb"}));
  EXPECT_EQ(greenNames(net, m.program->phases[1]), (std::vector<std::string>{"am>mc"}));
  EXPECT_DOUBLE_EQ(m.program->offsetS, 5);
  ASSERT_EQ(sumo.trafficLights.size(), 1u);
  EXPECT_EQ(sumo.trafficLights[0].programId, "late");
  EXPECT_EQ(sumo.trafficLights[0].type, "actuated");
  // Yellow 3 s and 4 s once each: the shorter; the 1 s all-red after the second yellow.
  EXPECT_DOUBLE_EQ(sumo.timing.yellowS, 3);
  EXPECT_DOUBLE_EQ(sumo.timing.allRedS, 1);
}

TEST(SumoNetReader, ProgramsInAdditionalFilesReplaceTheNetworks) {
  const std::vector<std::filesystem::path> additional{kData / "cross_night.add.xml"};
  const SumoNetwork sumo = loadSumoNetwork(kData / "cross_tls.net.xml", additional);
  const Junction& c = sumo.network.junction(*sumo.network.findJunction("C"));
  ASSERT_TRUE(c.program.has_value());
  ASSERT_EQ(c.program->phases.size(), 2u);
  EXPECT_DOUBLE_EQ(c.program->phases[0].durationS, 20);
  EXPECT_DOUBLE_EQ(c.program->phases[1].durationS, 15);
  EXPECT_EQ(sumo.trafficLights.at(0).programId, "night");
  // Its yellow is 4 s and it has no all-red.
  EXPECT_DOUBLE_EQ(sumo.timing.yellowS, 4);
  EXPECT_DOUBLE_EQ(sumo.timing.allRedS, 0);
  // An additional file without programs (SUMO takes any root element) leaves the network's.
  const std::vector<std::filesystem::path> none{kData / "routes.rou.xml"};
  const SumoNetwork unchanged = loadSumoNetwork(kData / "cross_tls.net.xml", none);
  EXPECT_DOUBLE_EQ(unchanged.network.junction(*unchanged.network.findJunction("C")).program->phases[0].durationS, 30);
}

TEST(SumoNetReader, LightsOffLeaveEveryLinkOpenGivingWayByItsOffState) {
  // cross_tls's light C: every connection's state is 'O' except the two left turns from NC and
  // SC ('o'). Switched off (SUMO's tls.all-off), C shows one stage for good in which every
  // movement is green and those two give way.
  const SumoNetwork sumo = loadSumoNetwork(kData / "cross_tls.net.xml", {}, {}, SumoNetworkOptions{.lightsOff = true});
  const RoadNetwork& net = sumo.network;
  const Junction& c = net.junction(*net.findJunction("C"));
  ASSERT_TRUE(c.program.has_value());
  ASSERT_EQ(c.program->phases.size(), 1u);
  const SignalPhase& dark = c.program->phases[0];
  EXPECT_EQ(dark.green.size(), c.movements.size());
  std::vector<std::string> minor;
  for (MovementId m : dark.minor) minor.push_back(movementName(net, m));
  std::sort(minor.begin(), minor.end());
  EXPECT_EQ(minor, (std::vector<std::string>{"NC>CE", "SC>CW"}));
  EXPECT_GE(dark.durationS, 3600);
  // With the lights on, the same file keeps its four phases.
  const SumoNetwork on = loadSumoNetwork(kData / "cross_tls.net.xml");
  EXPECT_GT(on.network.junction(*on.network.findJunction("C")).program->phases.size(), 1u);
}

// cross_tls.net.xml with a program for its light C given as an additional file's text.
SumoNetwork crossWithProgram(const std::string& phases, const std::string& type = "static") {
  std::ifstream in(kData / "cross_tls.net.xml", std::ios::binary);
  const std::string net(std::istreambuf_iterator<char>(in), {});
  const std::string program =
      "<additional><tlLogic id=\"C\" type=\"" + type + "\" programID=\"p\" offset=\"0\">" + phases + "</tlLogic></additional>";
  const SumoText additional[] = {{"program.add.xml", program}};
  return loadSumoNetworkText(net, "cross_tls.net.xml", additional);
}

std::string phase(double s, const char* state) {
  return "<phase duration=\"" + std::to_string(s) + "\" state=\"" + state + "\"/>";
}

TEST(SumoNetReader, EachStageKeepsTheClearanceItsProgramGivesIt) {
  const SumoNetwork sumo = crossWithProgram(phase(20, "GGGGrrrrGGGGrrrr") + phase(4, "yyyyrrrryyyyrrrr") +
                                            phase(2, "rrrrrrrrrrrrrrrr") + phase(15, "rrrrGGGgrrrrGGGg") +
                                            phase(3, "rrrryyyyrrrryyyy"));
  EXPECT_TRUE(sumo.timing.mapClearance);
  const SignalProgram& p = *sumo.network.junction(*sumo.network.findJunction("C")).program;
  ASSERT_EQ(p.phases.size(), 2u);
  EXPECT_DOUBLE_EQ(p.phases[0].durationS, 20);
  EXPECT_DOUBLE_EQ(p.phases[0].yellowAfterS, 4);
  EXPECT_DOUBLE_EQ(p.phases[0].allRedAfterS, 2);
  EXPECT_DOUBLE_EQ(p.phases[1].durationS, 15);
  EXPECT_DOUBLE_EQ(p.phases[1].yellowAfterS, 3);
  EXPECT_DOUBLE_EQ(p.phases[1].allRedAfterS, 0);

  // Fixed time runs the program's own cycle: 20 + 4 + 2 + 15 + 3 = 44 s. With [signals]-style
  // timing instead (3 s yellow and 2 s all-red after every stage) it is 45 s.
  for (const bool own : {true, false}) {
    SCOPED_TRACE(own);
    SignalTiming timing{3.0, 2.0, 5.0};
    timing.mapClearance = own;
    const JunctionId c = *sumo.network.findJunction("C");
    SignalController controller(sumo.network, c, timing);
    const auto policy = makeSignalPolicy(PolicySpec{"fixed_time", {}}, "test");
    std::vector<SignalState> states(sumo.network.movements().size());
    std::vector<double> greenStarts;
    for (double t = 0; t < 200; t += 0.5) {
      controller.update(t, 0.5, *policy, states);
      if (controller.greenJustStarted() && controller.currentPhase() == 0) greenStarts.push_back(t);
    }
    ASSERT_GE(greenStarts.size(), 3u);
    EXPECT_NEAR(greenStarts[2] - greenStarts[1], own ? 44.0 : 45.0, 1e-9);
  }
}

TEST(SumoNetReader, AnActuatedLightsPhasesKeepTheirRangeAndAStaticLightsDoNot) {
  // The first green is actuated (5 to 50 s) and followed by a fixed 5 s with the same greens: one
  // stage of 15 s that may run from 10 to 55 s. The second green has no range: fixed.
  const std::string phases = R"(<phase duration="10" minDur="5" maxDur="50" state="GGGGrrrrGGGGrrrr"/>)"
                             R"(<phase duration="5" state="GGGGrrrrGGGGrrrr"/>)"
                             R"(<phase duration="3" state="yyyyrrrryyyyrrrr"/>)"
                             R"(<phase duration="20" minDur="20" maxDur="20" state="rrrrGGGgrrrrGGGg"/>)"
                             R"(<phase duration="3" state="rrrryyyyrrrryyyy"/>)";
  const SumoNetwork actuated = crossWithProgram(phases, "actuated");
  const SignalProgram& p = *actuated.network.junction(*actuated.network.findJunction("C")).program;
  ASSERT_EQ(p.phases.size(), 2u);
  EXPECT_TRUE(p.phases[0].actuated());
  EXPECT_DOUBLE_EQ(p.phases[0].durationS, 15);
  EXPECT_DOUBLE_EQ(p.phases[0].minDurS, 10);
  EXPECT_DOUBLE_EQ(p.phases[0].maxDurS, 55);
  EXPECT_FALSE(p.phases[1].actuated());
  // SUMO runs a static light's phases for their durations, whatever minDur and maxDur say.
  const SumoNetwork fixed = crossWithProgram(phases, "static");
  EXPECT_FALSE(fixed.network.junction(*fixed.network.findJunction("C")).program->phases[0].actuated());
}

TEST(SumoNetReader, ALongRedIsAStageAndALoneGreenStillCycles) {
  // Red-only phases that together outlast a clearance (8 + 8 s) are a stage in which the light
  // holds its links red, as the pedestrians' part of a crossing's cycle.
  const SumoNetwork red = crossWithProgram(phase(20, "GGGGrrrrGGGGrrrr") + phase(3, "yyyyrrrryyyyrrrr") +
                                           phase(8, "rrrrrrrrrrrrrrrr") + phase(8, "rrrrrrrrrrrrrrrr") +
                                           phase(15, "rrrrGGGgrrrrGGGg") + phase(3, "rrrryyyyrrrryyyy"));
  const SignalProgram& p = *red.network.junction(*red.network.findJunction("C")).program;
  ASSERT_EQ(p.phases.size(), 3u);
  EXPECT_DOUBLE_EQ(p.phases[1].durationS, 16);
  EXPECT_TRUE(p.phases[1].green.empty());
  EXPECT_DOUBLE_EQ(p.phases[0].allRedAfterS, 0);
  // One green stage with a red after it: two stages, so that the light does not stay green.
  const SumoNetwork lone =
      crossWithProgram(phase(40, "GGGGGGGGGGGGGGGG") + phase(3, "yyyyyyyyyyyyyyyy") + phase(7, "rrrrrrrrrrrrrrrr"));
  const SignalProgram& q = *lone.network.junction(*lone.network.findJunction("C")).program;
  ASSERT_EQ(q.phases.size(), 2u);
  EXPECT_DOUBLE_EQ(q.phases[0].yellowAfterS, 3);
  EXPECT_DOUBLE_EQ(q.phases[1].durationS, 7);
  EXPECT_TRUE(q.phases[1].green.empty());
}

TEST(SumoNetReader, ProgramsGivenAsTextReplaceTheNetworksAsFromFiles) {
  auto readAll = [](const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string net = readAll(kData / "cross_tls.net.xml");
  const std::string night = readAll(kData / "cross_night.add.xml");
  const SumoText additional[] = {{"night.add.xml", night}};
  const SumoNetwork sumo = loadSumoNetworkText(net, "cross_tls.net.xml", additional);
  const Junction& c = sumo.network.junction(*sumo.network.findJunction("C"));
  ASSERT_TRUE(c.program.has_value());
  ASSERT_EQ(c.program->phases.size(), 2u);
  EXPECT_DOUBLE_EQ(c.program->phases[1].durationS, 15);
  EXPECT_EQ(sumo.trafficLights.at(0).programId, "night");
  // A program with fewer signals than the light's links: the error names the text it came from.
  const std::string shortProgram = "<additional><tlLogic id=\"C\" type=\"static\" programID=\"x\" offset=\"0\">"
                                   "<phase duration=\"10\" state=\"GG\"/></tlLogic></additional>";
  const SumoText bad[] = {{"short.add.xml", shortProgram}};
  try {
    (void)loadSumoNetworkText(net, "cross_tls.net.xml", bad);
    ADD_FAILURE() << "a program shorter than the light's links was accepted";
  } catch (const LoadError& e) {
    EXPECT_NE(std::string(e.what()).find("short.add.xml"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("linkIndex"), std::string::npos) << e.what();
  }
}

std::string loadError(const std::string& file) {
  try {
    (void)loadSumoNetwork(kData / "bad" / file);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "no error";
}

TEST(SumoNetReader, ErrorsNameTheFileTheLineAndTheElement) {
  const std::string negative = loadError("negative_length.net.xml");
  EXPECT_NE(negative.find("negative_length.net.xml"), std::string::npos) << negative;
  EXPECT_NE(negative.find("edge \"e12\" lane 2"), std::string::npos) << negative;
  EXPECT_NE(negative.find("length is negative"), std::string::npos) << negative;
  EXPECT_NE(negative.find("7"), std::string::npos) << negative;  // line 7

  const std::string junction = loadError("unknown_junction.net.xml");
  EXPECT_NE(junction.find("edge \"ab\""), std::string::npos) << junction;
  EXPECT_NE(junction.find("\"c\""), std::string::npos) << junction;

  const std::string state = loadError("short_state.net.xml");
  EXPECT_NE(state.find("tlLogic \"m\""), std::string::npos) << state;
  EXPECT_NE(state.find("linkIndex 1"), std::string::npos) << state;

  const std::string character = loadError("bad_state_char.net.xml");
  EXPECT_NE(character.find("tlLogic \"m\" phase 1"), std::string::npos) << character;
  EXPECT_NE(character.find("'x'"), std::string::npos) << character;

  const std::string malformed = loadError("malformed.net.xml");
  EXPECT_NE(malformed.find("malformed XML"), std::string::npos) << malformed;
  EXPECT_NE(malformed.find("malformed.net.xml"), std::string::npos) << malformed;

  const std::string missing = loadError("does_not_exist.net.xml");
  EXPECT_NE(missing.find("not found"), std::string::npos) << missing;
  // A route file is not a network.
  try {
    (void)loadSumoNetwork(kData / "routes.rou.xml");
    ADD_FAILURE() << "a route file loaded as a network";
  } catch (const LoadError& e) {
    EXPECT_NE(std::string(e.what()).find("not a SUMO network"), std::string::npos) << e.what();
  }
}

TEST(SumoNetReader, LineNumbersComeFromTheElement) {
  try {
    (void)loadSumoNetwork(kData / "bad" / "negative_length.net.xml");
    FAIL() << "expected a LoadError";
  } catch (const LoadError& e) {
    ASSERT_TRUE(e.line().has_value());
    EXPECT_EQ(*e.line(), 7);
  }
}

// The six RESCO networks, when ../shared is present (they may not be copied into the repository).
TEST(SumoNetReader, LoadsTheRescoNetworks) {
  const auto resco = std::filesystem::path(TRAFFIC_SOURCE_DIR) / ".." / "shared" / "data" / "sumo" / "resco";
  if (!std::filesystem::exists(resco)) GTEST_SKIP() << "RESCO data not present at " << resco;
  for (const char* name : {"cologne1", "cologne3", "ingolstadt1", "ingolstadt7", "grid4x4", "arterial4x4"}) {
    const auto file = resco / name / (std::string(name) + ".net.xml");
    const SumoNetwork sumo = loadSumoNetwork(file);
    std::size_t signalised = 0;
    for (const Junction& j : sumo.network.junctions()) signalised += j.program ? 1 : 0;
    EXPECT_GT(sumo.network.roads().size(), 0u) << name;
    EXPECT_GE(signalised, 1u) << name;
    for (const Junction& j : sumo.network.junctions()) {
      if (!j.program) continue;
      for (const SignalPhase& p : j.program->phases) EXPECT_GT(p.durationS, 0) << name << " " << j.name;
    }
  }
}

}  // namespace
}  // namespace traffic
