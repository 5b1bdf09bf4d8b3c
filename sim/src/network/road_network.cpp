// Building and validating the immutable road network.
//
// Everything the simulation needs to know about the static network is derived here, once: lane
// shapes from road centre lines, connector shapes where the map gives none, the conflict points
// between connectors of a junction and the routing graph. The builder checks the input as it
// arrives, so a bad map fails with the file, the entity and the reason instead of surfacing later
// as a vehicle stuck on a lane that leads nowhere.
#include "traffic/road_network.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "network/road_graph.h"
#include "traffic/errors.h"

namespace traffic {
namespace {

// A connector shorter than this would make vehicles skip through a junction in zero time; the
// boxes of width-0 junctions (corridors, boundary points) produce such connectors.
constexpr double kMinConnectorLengthM = 0.1;
constexpr int kCurveSegments = 10;

bool finite(Vec2 p) { return std::isfinite(p.x) && std::isfinite(p.y); }

std::string inQuotes(const std::string& s) { return "'" + s + "'"; }

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// A cubic Bezier from `p0` leaving along `d0` to `p3` arriving along `d3`. The handle length is
// the one that makes a symmetric turn approximate a circular arc (4/3 tan(theta/4) of the
// radius, expressed in terms of the chord); it degrades to a third of the chord for a straight
// connector and two thirds for a U-turn.
Polyline junctionCurve(Vec2 p0, Vec2 d0, Vec2 p3, Vec2 d3) {
  const double chord = length(p3 - p0);
  if (chord < 1e-9) return Polyline{{p0, p3}};
  const double cosTheta = std::clamp(d0.x * d3.x + d0.y * d3.y, -1.0, 1.0);
  const double theta = std::acos(cosTheta);
  double handle = chord / 3.0;
  if (theta > 1e-6) handle = chord * (4.0 / 3.0) * std::tan(theta / 4.0) / (2.0 * std::sin(theta / 2.0));
  const Vec2 p1 = p0 + d0 * handle;
  const Vec2 p2 = p3 - d3 * handle;
  Polyline out;
  out.points.reserve(kCurveSegments + 1);
  for (int i = 0; i <= kCurveSegments; ++i) {
    const double t = static_cast<double>(i) / kCurveSegments;
    const double u = 1 - t;
    const double b0 = u * u * u, b1 = 3 * u * u * t, b2 = 3 * u * t * t, b3 = t * t * t;
    out.points.push_back({b0 * p0.x + b1 * p1.x + b2 * p2.x + b3 * p3.x, b0 * p0.y + b1 * p1.y + b2 * p2.y + b3 * p3.y});
  }
  return out;
}

// The points of two polylines closest to each other, as distances along each. For paths that do
// not cross, the nearest pair has an end of a segment of one of them on the other's segment.
Crossing closestApproach(const Polyline& a, const Polyline& b) {
  auto dot = [](Vec2 u, Vec2 v) { return u.x * v.x + u.y * v.y; };
  Crossing best{0, 0};
  double bestD2 = std::numeric_limits<double>::infinity();
  // `p` (at `alongP` on its own path) against segment q0-q1 that starts `alongQ` along the other.
  auto consider = [&](Vec2 p, double alongP, Vec2 q0, Vec2 q1, double alongQ, bool pOnA) {
    const Vec2 seg = q1 - q0;
    const double len2 = dot(seg, seg);
    const double t = len2 > 0 ? std::clamp(dot(p - q0, seg) / len2, 0.0, 1.0) : 0.0;
    const Vec2 d = p - (q0 + seg * t);
    const double d2 = dot(d, d);
    if (d2 >= bestD2) return;
    bestD2 = d2;
    const double onQ = alongQ + t * std::sqrt(len2);
    best = pOnA ? Crossing{alongP, onQ} : Crossing{onQ, alongP};
  };
  auto sweep = [&](const Polyline& p, const Polyline& q, bool pIsA) {
    double alongP = 0;
    for (std::size_t i = 0; i < p.points.size(); ++i) {
      if (i > 0) alongP += length(p.points[i] - p.points[i - 1]);
      double alongQ = 0;
      for (std::size_t k = 1; k < q.points.size(); ++k) {
        consider(p.points[i], alongP, q.points[k - 1], q.points[k], alongQ, pIsA);
        alongQ += length(q.points[k] - q.points[k - 1]);
      }
    }
  };
  sweep(a, b, true);
  sweep(b, a, false);
  return best;
}

}  // namespace

std::string_view toString(TurnType t) {
  switch (t) {
    case TurnType::Straight: return "straight";
    case TurnType::Right: return "right";
    case TurnType::Left: return "left";
    case TurnType::UTurn: return "uturn";
  }
  return "unknown";
}

std::string_view toString(RightOfWay r) {
  switch (r) {
    case RightOfWay::ByTurn: return "by_turn";
    case RightOfWay::Priority: return "priority";
    case RightOfWay::RightBeforeLeft: return "right_before_left";
    case RightOfWay::AllWayStop: return "allway_stop";
    case RightOfWay::Unregulated: return "unregulated";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// RoadNetwork

RoadNetwork::RoadNetwork() : m_graph(std::make_unique<RoadGraph>()) {}
RoadNetwork::~RoadNetwork() = default;
RoadNetwork::RoadNetwork(RoadNetwork&&) noexcept = default;
RoadNetwork& RoadNetwork::operator=(RoadNetwork&&) noexcept = default;

std::optional<RoadId> RoadNetwork::findRoad(const std::string& name) const {
  auto it = m_roadByName.find(name);
  if (it == m_roadByName.end()) return std::nullopt;
  return it->second;
}

std::optional<JunctionId> RoadNetwork::findJunction(const std::string& name) const {
  auto it = m_junctionByName.find(name);
  if (it == m_junctionByName.end()) return std::nullopt;
  return it->second;
}

std::optional<MovementId> RoadNetwork::movementBetween(RoadId from, RoadId to) const {
  if (!from.valid() || from.index() >= m_roads.size()) return std::nullopt;
  for (MovementId m : m_roads[from.index()].movementsOut)
    if (m_movements[m.index()].toRoad == to) return m;
  return std::nullopt;
}

double RoadNetwork::totalLaneLengthM() const {
  double sum = 0;
  for (const Lane& lane : m_lanes) sum += lane.lengthM;
  return sum;
}

void RoadNetwork::buildRoutingGraph() {
  RoadGraph& graph = *m_graph;
  graph.turns = RoadGraph::TurnGraph(m_roads.size());
  graph.roadFreeFlowS.assign(m_roads.size(), 0.0);
  for (std::size_t r = 0; r < m_roads.size(); ++r) {
    const Road& road = m_roads[r];
    double slowest = std::numeric_limits<double>::infinity();
    for (LaneId l : road.lanes) slowest = std::min(slowest, m_lanes[l.index()].speedLimitMps);
    graph.roadFreeFlowS[r] = road.lengthM / slowest;
  }
  // A turn weighs the free-flow time of the road it leads onto and, where the map gives the path
  // through the junction its own speed (SUMO's internal lanes), the time to cross the junction on
  // its fastest connector, as SUMO's router counts internal lanes: between two routes of equal road
  // lengths, the one through tight or long junction paths is the slower. Other maps' connectors
  // are drawn by trafficsim, and their routes are weighed by the roads alone.
  for (std::size_t m = 0; m < m_movements.size(); ++m) {
    const Movement& mv = m_movements[m];
    double crossingS = std::numeric_limits<double>::infinity();
    for (ConnectorId c : mv.connectors) {
      const Connector& k = m_connectors[c.index()];
      crossingS = k.speedFromMap ? std::min(crossingS, k.lengthM / k.speedLimitMps) : 0.0;
      if (crossingS == 0.0) break;
    }
    if (!std::isfinite(crossingS)) crossingS = 0.0;
    boost::add_edge(mv.fromRoad.index(), mv.toRoad.index(),
                    RoadGraph::TurnArc{MovementId(m), graph.roadFreeFlowS[mv.toRoad.index()] + crossingS}, graph.turns);
  }
}

// ---------------------------------------------------------------------------------------------
// RoadNetworkBuilder

RoadNetworkBuilder::RoadNetworkBuilder(std::string source) : m_source(std::move(source)) {}

JunctionId RoadNetworkBuilder::addJunction(std::string name, Vec2 position, double widthM, bool boundary) {
  const std::string entity = "junction " + inQuotes(name);
  if (name.empty()) throw LoadError(m_source, "junction", "name must not be empty");
  if (m_net.m_junctionByName.contains(name)) throw LoadError(m_source, entity, "duplicate junction name");
  if (!finite(position)) throw LoadError(m_source, entity, "position must be finite");
  if (!std::isfinite(widthM) || widthM < 0) throw LoadError(m_source, entity, "width must be a finite number >= 0");

  const JunctionId id(m_net.m_junctions.size());
  Junction j;
  j.name = name;
  j.position = position;
  j.widthM = widthM;
  j.boundary = boundary;
  m_net.m_junctions.push_back(std::move(j));
  m_net.m_junctionByName.emplace(std::move(name), id);
  return id;
}

RoadId RoadNetworkBuilder::addRoad(std::string name, JunctionId from, JunctionId to, std::vector<Vec2> points,
                                   std::vector<LaneSpec> lanes) {
  const std::string entity = "road " + inQuotes(name);
  if (name.empty()) throw LoadError(m_source, "road", "name must not be empty");
  if (m_net.m_roadByName.contains(name)) throw LoadError(m_source, entity, "duplicate road name");
  const std::size_t junctionCount = m_net.m_junctions.size();
  if (!from.valid() || from.index() >= junctionCount)
    throw LoadError(m_source, entity, "starts at an unknown junction (id " + std::to_string(from.value) + ")");
  if (!to.valid() || to.index() >= junctionCount)
    throw LoadError(m_source, entity, "ends at an unknown junction (id " + std::to_string(to.value) + ")");
  if (points.size() < 2)
    throw LoadError(m_source, entity, "needs at least 2 points, has " + std::to_string(points.size()));
  for (std::size_t i = 0; i < points.size(); ++i)
    if (!finite(points[i])) throw LoadError(m_source, entity, "point " + std::to_string(i) + " is not finite");
  if (lanes.empty()) throw LoadError(m_source, entity, "has no lanes");
  if (lanes.size() > 0xFFFF) throw LoadError(m_source, entity, "has too many lanes");
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const std::string lane = "lane " + std::to_string(i) + ": ";
    if (!std::isfinite(lanes[i].widthM) || lanes[i].widthM <= 0)
      throw LoadError(m_source, entity, lane + "width must be a finite number > 0");
    if (!std::isfinite(lanes[i].speedLimitMps) || lanes[i].speedLimitMps <= 0)
      throw LoadError(m_source, entity, lane + "speed limit must be a finite number > 0");
  }

  const RoadId id(m_net.m_roads.size());
  Road road;
  road.name = name;
  road.from = from;
  road.to = to;
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    road.lanes.emplace_back(m_net.m_lanes.size());
    Lane lane;
    lane.road = id;
    lane.indexInRoad = static_cast<std::uint16_t>(i);
    lane.widthM = lanes[i].widthM;
    lane.speedLimitMps = lanes[i].speedLimitMps;
    lane.allowed = lanes[i].allowed;
    lane.mapIndex = lanes[i].mapIndex;
    m_net.m_lanes.push_back(std::move(lane));
  }
  m_net.m_roads.push_back(std::move(road));
  m_net.m_roadByName.emplace(std::move(name), id);
  m_net.m_junctions[from.index()].outgoing.push_back(id);
  m_net.m_junctions[to.index()].incoming.push_back(id);
  m_pendingRoads.push_back({std::move(points), std::move(lanes), std::nullopt});
  return id;
}

MovementId RoadNetworkBuilder::addMovement(RoadId from, RoadId to, TurnType turn,
                                           std::vector<ConnectorSpec> connectors) {
  const std::size_t roadCount = m_net.m_roads.size();
  if (!from.valid() || from.index() >= roadCount)
    throw LoadError(m_source, "movement", "starts on an unknown road (id " + std::to_string(from.value) + ")");
  if (!to.valid() || to.index() >= roadCount)
    throw LoadError(m_source, "movement", "ends on an unknown road (id " + std::to_string(to.value) + ")");
  const Road& fromRoad = m_net.m_roads[from.index()];
  const Road& toRoad = m_net.m_roads[to.index()];
  const std::string entity = "movement " + inQuotes(fromRoad.name) + " -> " + inQuotes(toRoad.name);
  if (fromRoad.to != toRoad.from) {
    throw LoadError(m_source, entity,
                    "road " + inQuotes(fromRoad.name) + " ends at junction " +
                        inQuotes(m_net.m_junctions[fromRoad.to.index()].name) + " but road " + inQuotes(toRoad.name) +
                        " starts at junction " + inQuotes(m_net.m_junctions[toRoad.from.index()].name));
  }
  for (MovementId m : fromRoad.movementsOut)
    if (m_net.m_movements[m.index()].toRoad == to) throw LoadError(m_source, entity, "duplicate movement");
  if (connectors.empty()) throw LoadError(m_source, entity, "has no lane connectors");
  for (std::size_t i = 0; i < connectors.size(); ++i) {
    const ConnectorSpec& c = connectors[i];
    const std::string which = "connector " + std::to_string(i) + ": ";
    if (c.fromLane < 0 || static_cast<std::size_t>(c.fromLane) >= fromRoad.lanes.size())
      throw LoadError(m_source, entity,
                      which + "road " + inQuotes(fromRoad.name) + " has no lane " + std::to_string(c.fromLane) + " (it has " +
                          std::to_string(fromRoad.lanes.size()) + " lanes)");
    if (c.toLane < 0 || static_cast<std::size_t>(c.toLane) >= toRoad.lanes.size())
      throw LoadError(m_source, entity,
                      which + "road " + inQuotes(toRoad.name) + " has no lane " + std::to_string(c.toLane) + " (it has " +
                          std::to_string(toRoad.lanes.size()) + " lanes)");
    if (c.points.size() == 1) throw LoadError(m_source, entity, which + "a shape needs at least 2 points");
    for (const Vec2& p : c.points)
      if (!finite(p)) throw LoadError(m_source, entity, which + "shape has a non-finite point");
    for (std::size_t k = 0; k < i; ++k)
      if (connectors[k].fromLane == c.fromLane && connectors[k].toLane == c.toLane)
        throw LoadError(m_source, entity,
                        which + "duplicates connector " + std::to_string(k) + " (lane " + std::to_string(c.fromLane) +
                            " -> lane " + std::to_string(c.toLane) + ")");
  }

  const MovementId id(m_net.m_movements.size());
  Movement movement;
  movement.junction = fromRoad.to;
  movement.fromRoad = from;
  movement.toRoad = to;
  movement.turn = turn;
  m_net.m_movements.push_back(std::move(movement));
  m_net.m_roads[from.index()].movementsOut.push_back(id);
  m_net.m_junctions[fromRoad.to.index()].movements.push_back(id);
  m_pendingMovements.push_back({std::move(connectors)});
  return id;
}

void RoadNetworkBuilder::setSignalProgram(JunctionId junction, SignalProgram program) {
  if (!junction.valid() || junction.index() >= m_net.m_junctions.size())
    throw LoadError(m_source, "signal program",
                    "refers to an unknown junction (id " + std::to_string(junction.value) + ")");
  const Junction& j = m_net.m_junctions[junction.index()];
  const std::string entity = "junction " + inQuotes(j.name);
  if (program.phases.empty()) throw LoadError(m_source, entity, "signal program has no phases");
  if (!std::isfinite(program.offsetS)) throw LoadError(m_source, entity, "signal offset must be finite");
  for (std::size_t p = 0; p < program.phases.size(); ++p) {
    const SignalPhase& phase = program.phases[p];
    const std::string which = "phase " + std::to_string(p) + ": ";
    if (!std::isfinite(phase.durationS) || phase.durationS <= 0)
      throw LoadError(m_source, entity, which + "duration must be a finite number of seconds > 0, got " + number(phase.durationS));
    for (MovementId m : phase.green) {
      if (!m.valid() || m.index() >= m_net.m_movements.size())
        throw LoadError(m_source, entity, which + "gives green to an unknown movement (id " + std::to_string(m.value) + ")");
      const Movement& mv = m_net.m_movements[m.index()];
      if (mv.junction != junction)
        throw LoadError(m_source, entity,
                        which + "gives green to movement " + inQuotes(m_net.m_roads[mv.fromRoad.index()].name) + " -> " +
                            inQuotes(m_net.m_roads[mv.toRoad.index()].name) + " of junction " +
                            inQuotes(m_net.m_junctions[mv.junction.index()].name));
    }
    for (MovementId m : phase.minor)
      if (std::find(phase.green.begin(), phase.green.end(), m) == phase.green.end())
        throw LoadError(m_source, entity, which + "lists a minor green (id " + std::to_string(m.value) + ") that is not green");
  }
  m_net.m_junctions[junction.index()].program = std::move(program);
}

void RoadNetworkBuilder::setRightOfWay(JunctionId junction, RightOfWay rule) {
  if (!junction.valid() || junction.index() >= m_net.m_junctions.size())
    throw LoadError(m_source, "right of way", "refers to an unknown junction (id " + std::to_string(junction.value) + ")");
  m_net.m_junctions[junction.index()].rightOfWay = rule;
}

namespace {

// Checks that `connector` names one of `movement`'s connectors; `what` says who asked.
void checkConnectorIndex(const std::string& source, std::size_t movements, MovementId movement, int connector,
                         std::size_t connectorsOfMovement, const std::string& what) {
  if (!movement.valid() || movement.index() >= movements)
    throw LoadError(source, what, "refers to an unknown movement (id " + std::to_string(movement.value) + ")");
  if (connector < 0 || static_cast<std::size_t>(connector) >= connectorsOfMovement)
    throw LoadError(source, what,
                    "refers to connector " + std::to_string(connector) + " of a movement that has " +
                        std::to_string(connectorsOfMovement));
}

}  // namespace

void RoadNetworkBuilder::setYield(MovementId movement, int connector, MovementId foeMovement, int foeConnector) {
  const auto count = [&](MovementId m) {
    return m.valid() && m.index() < m_pendingMovements.size() ? m_pendingMovements[m.index()].connectors.size() : 0;
  };
  checkConnectorIndex(m_source, m_net.m_movements.size(), movement, connector, count(movement), "right of way");
  checkConnectorIndex(m_source, m_net.m_movements.size(), foeMovement, foeConnector, count(foeMovement), "right of way");
  if (m_net.m_movements[movement.index()].junction != m_net.m_movements[foeMovement.index()].junction)
    throw LoadError(m_source, "right of way", "a connector yields to a connector of another junction");
  m_pendingYields.push_back({movement, foeMovement, connector, foeConnector});
}

void RoadNetworkBuilder::setFoesKnown(MovementId movement, int connector) {
  const std::size_t n =
      movement.valid() && movement.index() < m_pendingMovements.size() ? m_pendingMovements[movement.index()].connectors.size() : 0;
  checkConnectorIndex(m_source, m_net.m_movements.size(), movement, connector, n, "conflicts");
  m_pendingFoesKnown.emplace_back(movement, connector);
}

void RoadNetworkBuilder::setFoe(MovementId movement, int connector, MovementId foeMovement, int foeConnector) {
  const auto count = [&](MovementId m) {
    return m.valid() && m.index() < m_pendingMovements.size() ? m_pendingMovements[m.index()].connectors.size() : 0;
  };
  checkConnectorIndex(m_source, m_net.m_movements.size(), movement, connector, count(movement), "conflicts");
  checkConnectorIndex(m_source, m_net.m_movements.size(), foeMovement, foeConnector, count(foeMovement), "conflicts");
  if (m_net.m_movements[movement.index()].junction != m_net.m_movements[foeMovement.index()].junction)
    throw LoadError(m_source, "conflicts", "a connector is a foe of a connector of another junction");
  m_pendingFoes.push_back({movement, foeMovement, connector, foeConnector});
}

void RoadNetworkBuilder::setStopFirst(MovementId movement, int connector) {
  const std::size_t n =
      movement.valid() && movement.index() < m_pendingMovements.size() ? m_pendingMovements[movement.index()].connectors.size() : 0;
  checkConnectorIndex(m_source, m_net.m_movements.size(), movement, connector, n, "stop sign");
  m_pendingStops.emplace_back(movement, connector);
}

void RoadNetworkBuilder::setWaitsInside(MovementId movement, int connector) {
  const std::size_t n =
      movement.valid() && movement.index() < m_pendingMovements.size() ? m_pendingMovements[movement.index()].connectors.size() : 0;
  checkConnectorIndex(m_source, m_net.m_movements.size(), movement, connector, n, "internal stop");
  m_pendingInside.emplace_back(movement, connector);
}

void RoadNetworkBuilder::setMapSpeed(MovementId movement, int connector, double speedMps) {
  const std::size_t n =
      movement.valid() && movement.index() < m_pendingMovements.size() ? m_pendingMovements[movement.index()].connectors.size() : 0;
  checkConnectorIndex(m_source, m_net.m_movements.size(), movement, connector, n, "speed");
  if (!std::isfinite(speedMps) || speedMps <= 0)
    throw LoadError(m_source, "speed", "a connector's speed must be a finite number of m/s > 0, got " + number(speedMps));
  m_pendingSpeeds.push_back({movement, connector, speedMps});
}

void RoadNetworkBuilder::setRoadLength(RoadId road, double lengthM) {
  if (!road.valid() || road.index() >= m_net.m_roads.size())
    throw LoadError(m_source, "road length", "refers to an unknown road (id " + std::to_string(road.value) + ")");
  if (!std::isfinite(lengthM) || lengthM <= 0)
    throw LoadError(m_source, "road " + inQuotes(m_net.m_roads[road.index()].name),
                    "length must be a finite number of metres > 0, got " + number(lengthM));
  m_pendingRoads[road.index()].lengthM = lengthM;
}

std::optional<RoadId> RoadNetworkBuilder::findRoad(const std::string& name) const { return m_net.findRoad(name); }

std::optional<JunctionId> RoadNetworkBuilder::findJunction(const std::string& name) const {
  return m_net.findJunction(name);
}

RoadNetwork RoadNetworkBuilder::build() {
  RoadNetwork& net = m_net;

  // Lanes run from stop line to stop line: trim the centre line by each junction's box and shift
  // it to the right (right-hand traffic; lane 0 next to the centre line, the last at the kerb).
  for (std::size_t r = 0; r < net.m_roads.size(); ++r) {
    Road& road = net.m_roads[r];
    const PendingRoad& pending = m_pendingRoads[r];
    const Polyline centre{pending.points};
    const double fullM = centre.length();
    const double startTrimM = net.m_junctions[road.from.index()].widthM;
    const double endTrimM = net.m_junctions[road.to.index()].widthM;
    const double lengthM = pending.lengthM.value_or(fullM - startTrimM - endTrimM);
    if (!(lengthM > 0)) {
      throw LoadError(m_source, "road " + inQuotes(road.name),
                      "length between the junction boxes is " + number(lengthM) + " m (centre line " + number(fullM) +
                          " m, junction widths " + number(startTrimM) + " m and " + number(endTrimM) + " m)");
    }
    road.lengthM = lengthM;
    const Polyline reference = centre.slice(startTrimM, fullM - endTrimM);
    double besideM = 0;
    for (std::size_t i = 0; i < road.lanes.size(); ++i) {
      Lane& lane = net.m_lanes[road.lanes[i].index()];
      lane.lengthM = lengthM;
      const std::vector<Vec2>& drawn = pending.lanes[i].shape;
      lane.shape = drawn.size() >= 2 ? Polyline{drawn} : reference.offset(-(besideM + lane.widthM / 2));
      besideM += lane.widthM;
    }
  }

  // Connectors, in movement order, so that ids follow the order the map declared them.
  for (std::size_t m = 0; m < net.m_movements.size(); ++m) {
    Movement& movement = net.m_movements[m];
    const Road& fromRoad = net.m_roads[movement.fromRoad.index()];
    const Road& toRoad = net.m_roads[movement.toRoad.index()];
    for (ConnectorSpec& spec : m_pendingMovements[m].connectors) {
      const ConnectorId id(net.m_connectors.size());
      Connector c;
      c.junction = movement.junction;
      c.movement = MovementId(m);
      c.from = fromRoad.lanes[static_cast<std::size_t>(spec.fromLane)];
      c.to = toRoad.lanes[static_cast<std::size_t>(spec.toLane)];
      const Lane& inLane = net.m_lanes[c.from.index()];
      const Lane& outLane = net.m_lanes[c.to.index()];
      if (!spec.points.empty()) {
        c.shape.points = std::move(spec.points);
      } else {
        const Polyline& a = inLane.shape;
        const Polyline& b = outLane.shape;
        c.shape = junctionCurve(a.points.back(), a.directionAt(a.length()), b.points.front(), b.directionAt(0));
      }
      c.lengthM = std::max(c.shape.length(), kMinConnectorLengthM);
      c.speedLimitMps = std::min(inLane.speedLimitMps, outLane.speedLimitMps);
      net.m_lanes[c.from.index()].outgoing.push_back(id);
      movement.connectors.push_back(id);
      net.m_junctions[movement.junction.index()].connectors.push_back(id);
      net.m_connectors.push_back(std::move(c));
    }
  }

  // Which pairs the map says conflict (setFoesKnown, setFoe), by connector id.
  auto connectorOf = [&](MovementId m, int k) { return net.m_movements[m.index()].connectors[static_cast<std::size_t>(k)]; };
  std::vector<bool> foesKnown(net.m_connectors.size(), false);
  for (const auto& [m, k] : m_pendingFoesKnown) foesKnown[connectorOf(m, k).index()] = true;
  std::set<std::pair<ConnectorId, ConnectorId>> mapFoes;
  for (const PendingYield& f : m_pendingFoes) {
    const ConnectorId a = connectorOf(f.movement, f.connector), b = connectorOf(f.foeMovement, f.foeConnector);
    mapFoes.emplace(std::min(a, b), std::max(a, b));
  }

  // Conflicts between connectors of one junction. Connectors that leave the same lane share that
  // lane's queue, so they never meet inside the junction; connectors that enter the same lane meet
  // at its start; all others conflict where their shapes cross, unless the map lists the
  // junction's foes: then it decides, and the shapes only say where.
  for (const Junction& junction : net.m_junctions) {
    const std::vector<ConnectorId>& ids = junction.connectors;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      for (std::size_t k = i + 1; k < ids.size(); ++k) {
        Connector& a = net.m_connectors[ids[i].index()];
        Connector& b = net.m_connectors[ids[k].index()];
        if (a.from == b.from) continue;
        if (a.to == b.to) {
          a.conflicts.push_back({ids[k], a.lengthM, b.lengthM, true});
          b.conflicts.push_back({ids[i], b.lengthM, a.lengthM, true});
          continue;
        }
        const bool fromMap = foesKnown[ids[i].index()] && foesKnown[ids[k].index()];
        if (fromMap && !mapFoes.contains({std::min(ids[i], ids[k]), std::max(ids[i], ids[k])})) continue;
        Crossing x{};
        bool meet = firstCrossing(a.shape, b.shape, x);
        if (!meet && fromMap) {
          // Foes whose drawn paths never cross (two turns that only come close) meet where they
          // come closest.
          x = closestApproach(a.shape, b.shape);
          meet = true;
        }
        if (meet) {
          a.conflicts.push_back({ids[k], std::min(x.alongA, a.lengthM), std::min(x.alongB, b.lengthM), false});
          b.conflicts.push_back({ids[i], std::min(x.alongB, b.lengthM), std::min(x.alongA, a.lengthM), false});
        }
      }
    }
  }
  for (Connector& c : net.m_connectors) {
    std::stable_sort(c.conflicts.begin(), c.conflicts.end(), [](const Conflict& x, const Conflict& y) {
      return x.atM < y.atM || (x.atM == y.atM && x.other < y.other);
    });
    // Grown one at a time above, a list can hold room for as many again; it never changes after
    // this, and a city has millions of them.
    c.conflicts.shrink_to_fit();
  }

  // The map's right of way, on the conflicts it concerns.
  for (const PendingYield& y : m_pendingYields) {
    const ConnectorId foe = connectorOf(y.foeMovement, y.foeConnector);
    for (Conflict& k : net.m_connectors[connectorOf(y.movement, y.connector).index()].conflicts)
      if (k.other == foe) k.yields = true;
  }
  for (const auto& [m, k] : m_pendingStops) net.m_connectors[connectorOf(m, k).index()].stopFirst = true;
  for (const auto& [m, k] : m_pendingInside) net.m_connectors[connectorOf(m, k).index()].waitsInside = true;
  for (const PendingSpeed& p : m_pendingSpeeds) {
    // No faster than the lane it leads onto: SUMO sets an internal lane's speed to the mean of its
    // two lanes', and its drivers brake for the exit lane's limit before the junction; a vehicle
    // here looks one track ahead, and a connector of a few metres leaves no room to brake on it.
    Connector& c = net.m_connectors[connectorOf(p.movement, p.connector).index()];
    c.speedLimitMps = std::min(p.speedMps, net.m_lanes[c.to.index()].speedLimitMps);
    c.speedFromMap = true;
  }

  net.buildRoutingGraph();

  m_pendingRoads.clear();
  m_pendingMovements.clear();
  m_pendingYields.clear();
  m_pendingStops.clear();
  m_pendingInside.clear();
  m_pendingSpeeds.clear();
  m_pendingFoesKnown.clear();
  m_pendingFoes.clear();
  return std::move(m_net);
}

}  // namespace traffic
