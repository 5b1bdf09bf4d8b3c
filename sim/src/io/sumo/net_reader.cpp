// SUMO .net.xml -> RoadNetwork (see traffic/loaders/sumo.h for the mapping).
//
// The file is walked once to sort its elements by kind, then junctions, edges, connections and
// programs are read in the order the builder needs them. Cross references (an edge's junctions, a
// connection's lanes, a program's link indices) are checked here in SUMO's terms, so that a bad
// file names the SUMO element, not a trafficsim id.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <memory>
#include <span>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "io/sumo/sumo_xml.h"
#include "base/log.h"
#include "traffic/errors.h"
#include "traffic/loaders/sumo.h"

namespace traffic {
namespace {

using sumo::inQuotes;
using sumo::XmlFile;

constexpr double kDefaultLaneWidthM = 3.2;  // SUMO's default lane width
constexpr double kDefaultSpeedMps = 13.89;  // SUMO's default edge speed
// The longest all-red phase read as the clearance between two stages. Clearance intervals last
// a few seconds (all-red rarely beyond 6 s even at wide junctions; the maps read so far use 2 to
// 5 s); a light that shows nothing green for longer is holding its links red on purpose.
constexpr double kLongestClearanceS = 10.0;

// The trafficsim classes a SUMO permission list admits. A car or shuttle drives where SUMO's
// "passenger" may, a bus where "bus" may, a bike where "bicycle" may.
ClassMask classesOf(const std::vector<std::string>& sumoClasses) {
  ClassMask mask;
  for (const std::string& c : sumoClasses) {
    if (c == "all") return ClassMask::all();
    if (c == "passenger") mask.add(VehicleClass::Car).add(VehicleClass::Shuttle);
    if (c == "bus") mask.add(VehicleClass::Bus);
    if (c == "bicycle") mask.add(VehicleClass::Bike);
  }
  return mask;
}

ClassMask lanePermissions(const pugi::xml_node& lane) {
  if (const pugi::xml_attribute allow = lane.attribute("allow")) return classesOf(sumo::splitList(allow.value()));
  if (const pugi::xml_attribute disallow = lane.attribute("disallow")) {
    const ClassMask banned = classesOf(sumo::splitList(disallow.value()));
    return ClassMask{static_cast<std::uint8_t>(ClassMask::all().bits & ~banned.bits)};
  }
  return ClassMask::all();
}

TurnType turnOf(std::string_view dir) {
  if (dir == "r" || dir == "R") return TurnType::Right;
  if (dir == "l" || dir == "L") return TurnType::Left;
  if (dir == "t") return TurnType::UTurn;
  return TurnType::Straight;  // "s" and "invalid" (SUMO could not tell)
}

bool isGreen(char c) { return c == 'G' || c == 'g' || c == 's'; }
bool isOff(char c) { return c == 'o' || c == 'O'; }

// The most frequent value (rounded to 0.1 s); ties go to the smaller value.
double mostCommon(const std::vector<double>& values) {
  std::map<long long, int> counts;
  for (double v : values) ++counts[std::llround(v * 10)];
  long long best = 0;
  int bestCount = 0;
  for (const auto& [v, n] : counts)
    if (n > bestCount) best = v, bestCount = n;
  return static_cast<double>(best) / 10.0;
}

struct EdgeInfo {
  RoadId road;                   // invalid when the edge was left out
  std::vector<int> laneOfIndex;  // SUMO lane index -> trafficsim lane index, -1 when left out
};

struct InternalLane {
  std::vector<Vec2> shape;
  double speedMps = kDefaultSpeedMps;  // netconvert's speed for the link (the curve's bound included)
};

// One connection between two roads, in the order of its movement's connectors.
struct LinkSpec {
  std::string tl;
  int tlIndex = -1;
  int junctionIndex = -1;
  bool waitsInside = false;  // its via lane leads on to another (an internal junction)
  char offState = 'o';       // the connection's state with its light switched off ('O': right of way)
  double speedMps = 0;  // of its internal lanes; 0 without
};

class NetReader {
 public:
  NetReader(const std::filesystem::path& file, std::span<const std::filesystem::path> additionalFiles,
            const ResourceLimits& limits, const SumoNetworkOptions& options)
      : m_xml(file, "SUMO network", limits.maxInputMb * 1'000'000, sumo::kRaiseInputLimit),
        m_builder(m_xml.name()),
        m_additionalFiles(additionalFiles.begin(), additionalFiles.end()),
        m_limits(limits),
        m_options(options) {}
  NetReader(std::string_view text, const std::string& name, std::span<const SumoText> additional)
      : m_xml(name, text), m_builder(m_xml.name()), m_additionalTexts(additional.begin(), additional.end()) {}

  SumoNetwork read() {
    const pugi::xml_node root = m_xml.root();
    if (std::string_view(root.name()) != "net")
      m_xml.fail(root, "", "not a SUMO network: the root element is <" + std::string(root.name()) + ">, expected <net>");
    if (root.attribute("lefthand").as_bool())
      m_xml.fail(root, "net", "left-hand traffic networks are not supported (trafficsim drives on the right)");
    for (pugi::xml_node n : root.children()) {
      if (n.type() != pugi::node_element) continue;
      const std::string_view name = n.name();
      if (name == "edge") m_edges.push_back(n);
      else if (name == "junction") m_junctions.push_back(n);
      else if (name == "connection") m_connections.push_back(n);
      else if (name == "tlLogic") m_tlLogics.push_back({n, &m_xml});
      else if (name == "location") continue;  // geo-projection: positions are already metres
      else m_ignored.add("<" + std::string(name) + "> elements");
    }
    readAdditionalFiles();
    countNeighbours();
    readJunctions();
    readEdges();
    readConnections();
    readTrafficLights();
    readRightOfWay();
    readFoes();
    SumoNetwork out;
    out.network = m_builder.build();
    out.junctions = std::move(m_sumoJunctions);
    out.laneLengthsM = std::move(m_laneLengths);
    out.skippedEdges = m_skippedEdges;
    finishLinks(out);
    out.timing = m_timing;
    m_ignored.report(m_xml.name(), "not used by trafficsim");
    if (m_unequalLanes > 0)
      simLog().info("{}: {} edges have lanes of different lengths (up to {:.2f} m apart); each road uses the mean",
                    m_xml.name(), m_unequalLanes, m_maxLaneSpreadM);
    return out;
  }

 private:
  // Additional files may bring traffic-light programs, which replace the network's as later
  // programs do in SUMO. Their demand and bus stops are the route reader's (loadSumoAdditionalDemand);
  // what neither reads (detectors, POIs, ...) is reported here.
  void readAdditionalFiles() {
    for (const std::filesystem::path& file : m_additionalFiles)
      m_additional.push_back(
          std::make_unique<XmlFile>(file, "SUMO additional file", m_limits.maxInputMb * 1'000'000, sumo::kRaiseInputLimit));
    for (const SumoText& t : m_additionalTexts) m_additional.push_back(std::make_unique<XmlFile>(t.name, t.text));
    for (const auto& additional : m_additional) {
      const XmlFile& xml = *additional;
      // SUMO accepts any root element here (<additional>, <add>, <tlLogics>, ...); so do we.
      const pugi::xml_node root = xml.root();
      sumo::Ignored ignored;
      for (pugi::xml_node n : root.children()) {
        if (n.type() != pugi::node_element) continue;
        if (std::string_view(n.name()) == "tlLogic") m_tlLogics.push_back({n, &xml});
        else if (!sumo::isDemandElement(n.name()))
          ignored.add("<" + std::string(n.name()) + "> elements", inQuotes(n.attribute("id").as_string()));
      }
      ignored.report(xml.name(), "not read (additional files give trafficsim traffic-light programs, demand and bus stops)");
    }
  }

  void readJunctions() {
    for (const pugi::xml_node& n : m_junctions) {
      const std::string id = m_xml.requiredString(n, "id", "junction");
      const std::string entity = "junction " + inQuotes(id);
      const std::string type = n.attribute("type").as_string("priority");
      if (type == "internal") continue;  // waiting positions inside another junction
      const Vec2 position{m_xml.number(n, "x", entity), m_xml.number(n, "y", entity)};
      if (m_builder.findJunction(id)) m_xml.fail(n, entity, "duplicate junction id");
      const auto neighbours = m_neighbourCount.find(id);
      const bool boundary = type == "dead_end" ||
                            (type.rfind("traffic_light", 0) != 0 && (neighbours == m_neighbourCount.end() || neighbours->second <= 1));
      // Width 0: SUMO's lane shapes already end at the junction's border.
      m_builder.addJunction(id, position, 0.0, boundary);
      SumoJunction info;
      info.type = type;
      for (const pugi::xml_node& r : n.children("request")) {
        const int index = m_xml.integer(r, "index", entity + " request");
        if (index < 0 || index > 100000) m_xml.fail(r, entity + " request", "index must be >= 0, got " + std::to_string(index));
        const auto k = static_cast<std::size_t>(index);
        if (info.response.size() <= k) info.response.resize(k + 1), info.foes.resize(k + 1);
        info.response[k] = r.attribute("response").as_string();
        info.foes[k] = r.attribute("foes").as_string();
        const std::string requestEntity = entity + " request " + std::to_string(index);
        for (const std::string* bits : {&info.response[k], &info.foes[k]})
          if (bits->find_first_not_of("01") != std::string::npos)
            m_xml.fail(r, requestEntity, "response and foes must be strings of 0 and 1, got '" + *bits + "'");
        if (info.response[k].size() != info.foes[k].size() ||
            (k > 0 && !info.response[0].empty() && info.response[k].size() != info.response[0].size()))
          m_xml.fail(r, requestEntity, "response and foes must have one bit per link of the junction, as its other requests");
      }
      // The junction's link index of each internal lane: intLanes lists one per link, in order.
      const auto internal = sumo::splitList(n.attribute("intLanes").as_string());
      for (std::size_t k = 0; k < internal.size(); ++k) m_linkOfVia[internal[k]] = static_cast<int>(k);
      m_incLanes.push_back(sumo::splitList(n.attribute("incLanes").as_string()));
      m_sumoJunctions.push_back(std::move(info));
      m_junctionNodes.push_back(n);
    }
  }

  void readEdges() {
    for (const pugi::xml_node& e : m_edges) {
      const std::string id = m_xml.requiredString(e, "id", "edge");
      const std::string entity = "edge " + inQuotes(id);
      const std::string function = e.attribute("function").as_string("normal");
      if (function == "internal") {
        for (const pugi::xml_node& l : e.children("lane")) {
          const std::string laneId = m_xml.requiredString(l, "id", entity);
          const std::string laneEntity = entity + " lane " + inQuotes(laneId);
          InternalLane lane{m_xml.shape(l, "shape", laneEntity), m_xml.number(l, "speed", laneEntity, kDefaultSpeedMps)};
          if (!(lane.speedMps > 0) || !std::isfinite(lane.speedMps)) m_xml.fail(l, laneEntity, "speed must be > 0 m/s");
          m_internalLanes[laneId] = std::move(lane);
        }
        continue;
      }
      if (function == "crossing" || function == "walkingarea") {
        m_ignored.add("pedestrian " + function + " edges");
        m_pedestrianEdges.insert(id);
        continue;
      }
      if (m_edgeInfo.contains(id)) m_xml.fail(e, entity, "duplicate edge id");
      const std::string fromName = m_xml.requiredString(e, "from", entity);
      const std::string toName = m_xml.requiredString(e, "to", entity);
      const auto from = m_builder.findJunction(fromName);
      if (!from) m_xml.fail(e, entity, "'from' names junction " + inQuotes(fromName) + ", which is not in the network");
      const auto to = m_builder.findJunction(toName);
      if (!to) m_xml.fail(e, entity, "'to' names junction " + inQuotes(toName) + ", which is not in the network");

      struct SumoLane {
        int index;
        pugi::xml_node node;
      };
      std::vector<SumoLane> lanes;
      for (const pugi::xml_node& l : e.children("lane")) lanes.push_back({m_xml.integer(l, "index", entity + " lane"), l});
      if (lanes.empty()) m_xml.fail(e, entity, "has no lanes");
      for (const SumoLane& l : lanes) {
        if (l.index < 0 || l.index >= static_cast<int>(lanes.size()))
          m_xml.fail(l.node, entity + " lane " + std::to_string(l.index),
                     "index must be between 0 and " + std::to_string(lanes.size() - 1) + " (the edge has " +
                         std::to_string(lanes.size()) + " lanes)");
      }
      // trafficsim's lane 0 is the leftmost, SUMO's the rightmost.
      std::sort(lanes.begin(), lanes.end(), [](const SumoLane& a, const SumoLane& b) { return a.index > b.index; });
      for (std::size_t k = 1; k < lanes.size(); ++k)
        if (lanes[k].index == lanes[k - 1].index)
          m_xml.fail(lanes[k].node, entity + " lane " + std::to_string(lanes[k].index), "duplicate lane index");

      EdgeInfo info;
      info.laneOfIndex.assign(lanes.size(), -1);
      std::vector<RoadNetworkBuilder::LaneSpec> specs;
      std::vector<double> lengths;
      for (const SumoLane& l : lanes) {
        const std::string laneEntity = entity + " lane " + std::to_string(l.index);
        RoadNetworkBuilder::LaneSpec spec;
        spec.allowed = lanePermissions(l.node);
        spec.mapIndex = l.index;
        spec.shape = m_xml.shape(l.node, "shape", laneEntity);
        spec.speedLimitMps = m_xml.number(l.node, "speed", laneEntity, kDefaultSpeedMps);
        if (!(spec.speedLimitMps > 0)) m_xml.fail(l.node, laneEntity, "speed must be > 0 m/s");
        spec.widthM = m_xml.number(l.node, "width", laneEntity, kDefaultLaneWidthM);
        if (!(spec.widthM > 0)) m_xml.fail(l.node, laneEntity, "width must be > 0 m");
        const double length = m_xml.number(l.node, "length", laneEntity, Polyline{spec.shape}.length());
        if (length < 0) m_xml.fail(l.node, laneEntity, "length is negative");
        if (length == 0) m_xml.fail(l.node, laneEntity, "length is 0");
        if (spec.allowed.bits == 0) {
          m_ignored.add("lanes no trafficsim class may use (sidewalks, rail, ...)", inQuotes(id) + " lane " + std::to_string(l.index));
          continue;
        }
        info.laneOfIndex[static_cast<std::size_t>(l.index)] = static_cast<int>(specs.size());
        specs.push_back(std::move(spec));
        lengths.push_back(length);
      }
      if (specs.empty()) {
        ++m_skippedEdges;
        m_ignored.add("edges without a lane for cars, buses or bikes", inQuotes(id));
        m_edgeInfo.emplace(id, std::move(info));
        continue;
      }
      const double meanM = std::accumulate(lengths.begin(), lengths.end(), 0.0) / static_cast<double>(lengths.size());
      const auto [shortest, longest] = std::minmax_element(lengths.begin(), lengths.end());
      if (*longest - *shortest > 0.5) {
        ++m_unequalLanes;
        m_maxLaneSpreadM = std::max(m_maxLaneSpreadM, *longest - *shortest);
      }
      std::vector<Vec2> points = specs.front().shape;
      const RoadId road = m_builder.addRoad(id, *from, *to, std::move(points), std::move(specs));
      m_builder.setRoadLength(road, meanM);
      m_laneLengths.insert(m_laneLengths.end(), lengths.begin(), lengths.end());
      info.road = road;
      m_edgeInfo.emplace(id, std::move(info));
      m_roadEnds.emplace_back(*from, *to);
    }
  }

  // dead_end junctions, and junctions with one neighbour, are where vehicles enter and leave;
  // counted over the edges' end points before any junction is added, since the builder takes the
  // flag with the junction.
  void countNeighbours() {
    std::unordered_map<std::string, std::vector<std::string>> neighbours;
    for (const pugi::xml_node& e : m_edges) {
      const std::string_view function = e.attribute("function").as_string("normal");
      if (function == "internal" || function == "crossing" || function == "walkingarea") continue;
      const std::string from = e.attribute("from").as_string(), to = e.attribute("to").as_string();
      if (from == to) continue;
      neighbours[from].push_back(to);
      neighbours[to].push_back(from);
    }
    for (auto& [junction, list] : neighbours) {
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
      m_neighbourCount[junction] = list.size();
    }
  }

  // The path through the junction: the via lane, then any further internal lanes it leads to;
  // its shape, and its speed (the slowest of those lanes').
  struct ViaPath {
    std::vector<Vec2> points;
    double speedMps = 0;  // 0 when the via lane is not in the file
  };
  ViaPath viaPath(const std::string& via) const {
    ViaPath path;
    std::vector<Vec2>& points = path.points;
    std::string lane = via;
    for (int guard = 0; !lane.empty() && guard < 8; ++guard) {
      auto it = m_internalLanes.find(lane);
      if (it == m_internalLanes.end()) break;
      path.speedMps = path.speedMps > 0 ? std::min(path.speedMps, it->second.speedMps) : it->second.speedMps;
      for (const Vec2& p : it->second.shape) {
        if (!points.empty() && std::abs(points.back().x - p.x) < 1e-6 && std::abs(points.back().y - p.y) < 1e-6) continue;
        points.push_back(p);
      }
      auto next = m_internalNext.find(lane);
      lane = next == m_internalNext.end() ? std::string() : next->second;
    }
    if (points.size() < 2) points.clear();
    return path;
  }

  void readConnections() {
    // Connections from internal lanes chain the internal lanes of one link (through an internal
    // junction); record them first.
    for (const pugi::xml_node& c : m_connections) {
      const std::string_view from = c.attribute("from").as_string();
      if (!from.empty() && from.front() != ':') ++m_linksPerLane[std::string(from) + "_" + c.attribute("fromLane").as_string()];
      if (from.empty() || from.front() != ':') continue;
      const std::string via = c.attribute("via").as_string();
      if (via.empty()) continue;
      m_internalNext[std::string(from) + "_" + c.attribute("fromLane").as_string()] = via;
    }

    struct Pending {
      RoadId from, to;
      TurnType turn;
      std::vector<RoadNetworkBuilder::ConnectorSpec> connectors;
      std::vector<LinkSpec> links;
    };
    std::vector<Pending> movements;
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> movementOf;
    for (const pugi::xml_node& c : m_connections) {
      const std::string from = m_xml.requiredString(c, "from", "connection");
      if (!from.empty() && from.front() == ':') continue;
      // The connection's place among its lane's connections in file order (every one of them
      // counts, as in SUMO's link numbering, whether or not its link is found by its via lane).
      const int linkInLane = m_linksCounted[from + "_" + c.attribute("fromLane").as_string()]++;
      const std::string to = m_xml.requiredString(c, "to", "connection");
      const int fromLane = m_xml.integer(c, "fromLane", "connection from " + inQuotes(from));
      const int toLane = m_xml.integer(c, "toLane", "connection from " + inQuotes(from));
      const std::string entity = "connection " + inQuotes(from) + " lane " + std::to_string(fromLane) + " -> " + inQuotes(to) +
                                 " lane " + std::to_string(toLane);
      if (m_pedestrianEdges.contains(from) || m_pedestrianEdges.contains(to)) {
        m_ignored.add("connections to or from pedestrian crossings and walking areas", entity);
        continue;
      }
      const auto fromIt = m_edgeInfo.find(from);
      const auto toIt = m_edgeInfo.find(to);
      if (fromIt == m_edgeInfo.end()) m_xml.fail(c, entity, "edge " + inQuotes(from) + " is not in the network");
      if (toIt == m_edgeInfo.end()) m_xml.fail(c, entity, "edge " + inQuotes(to) + " is not in the network");
      const EdgeInfo& a = fromIt->second;
      const EdgeInfo& b = toIt->second;
      if (fromLane < 0 || fromLane >= static_cast<int>(a.laneOfIndex.size()))
        m_xml.fail(c, entity, "edge " + inQuotes(from) + " has no lane " + std::to_string(fromLane));
      if (toLane < 0 || toLane >= static_cast<int>(b.laneOfIndex.size()))
        m_xml.fail(c, entity, "edge " + inQuotes(to) + " has no lane " + std::to_string(toLane));
      const int ourFrom = a.laneOfIndex[static_cast<std::size_t>(fromLane)];
      const int ourTo = b.laneOfIndex[static_cast<std::size_t>(toLane)];
      if (!a.road.valid() || !b.road.valid() || ourFrom < 0 || ourTo < 0) {
        m_ignored.add("connections of lanes that were left out", entity);
        continue;
      }
      if (m_roadEnds[a.road.index()].second != m_roadEnds[b.road.index()].first)
        m_xml.fail(c, entity, "edge " + inQuotes(from) + " does not end where edge " + inQuotes(to) + " starts");
      const auto key = std::make_pair(a.road.value, b.road.value);
      auto [it, inserted] = movementOf.try_emplace(key, movements.size());
      if (inserted) movements.push_back({a.road, b.road, turnOf(c.attribute("dir").as_string("s")), {}, {}});
      Pending& m = movements[it->second];
      RoadNetworkBuilder::ConnectorSpec spec;
      spec.fromLane = ourFrom;
      spec.toLane = ourTo;
      LinkSpec link;
      const std::string via = c.attribute("via").as_string();
      if (!via.empty()) {
        // SUMO drives a link at its internal lanes' speed. netconvert sets it from the two lanes'
        // speeds and bounds it by the curve's radius (at 5.5 m/s^2 lateral acceleration, the net's
        // `limitTurnSpeed`) unless the network was built with `junctions.limit-turn-speed` off
        // (RESCO's Cologne maps): the connector takes it as the map's own (Connector::speedFromMap).
        ViaPath path = viaPath(via);
        link.waitsInside = m_internalNext.contains(via);
        spec.points = std::move(path.points);
        link.speedMps = path.speedMps;
      }
      for (const auto& existing : m.connectors)
        if (existing.fromLane == ourFrom && existing.toLane == ourTo) m_xml.fail(c, entity, "duplicate connection");
      m.connectors.push_back(std::move(spec));
      link.tl = c.attribute("tl").as_string();
      if (!link.tl.empty()) {
        link.tlIndex = m_xml.integer(c, "linkIndex", entity);
        if (link.tlIndex < 0) m_xml.fail(c, entity, "linkIndex must be >= 0 for a signalised connection");
        // netconvert writes a signalised connection's state as its light's off-state: 'O' (right
        // of way) or 'o' (give way); upper case is the right of way whatever the letter.
        const std::string_view state = c.attribute("state").as_string("o");
        link.offState = !state.empty() && std::isupper(static_cast<unsigned char>(state[0])) ? 'O' : 'o';
      }
      link.junctionIndex = junctionLink(a.road, from, fromLane, linkInLane, via);
      m.links.push_back(std::move(link));
    }
    for (Pending& m : movements) {
      // Movement ids follow this order, so m_movementLinks and m_movementJunction are indexed by them.
      const MovementId id = m_builder.addMovement(m.from, m.to, m.turn, std::move(m.connectors));
      for (std::size_t k = 0; k < m.links.size(); ++k)
        if (m.links[k].speedMps > 0) m_builder.setMapSpeed(id, static_cast<int>(k), m.links[k].speedMps);
      for (std::size_t k = 0; k < m.links.size(); ++k)
        if (m.links[k].waitsInside) m_builder.setWaitsInside(id, static_cast<int>(k));
      m_movementLinks.push_back(std::move(m.links));
      m_movementJunction.push_back(m_roadEnds[m.from.index()].second);
    }
  }

  // The junction's index of a connection's link. intLanes lists one internal lane per link: for a
  // link through an internal junction (a left turn that waits inside the box, `cont="1"`) the one
  // after that junction, so the via lane is followed along its chain until one is listed. (Such a
  // link used to fall through to the count below, which skipped the connections found by their
  // via lanes, and so took the index of its lane's previous link: a left turn got the response of
  // the straight beside it, no yields at all, and the U-turn after it the left turn's. RESCO's
  // maps have 41 such links on cologne3, 32 on arterial4x4, 10 on ingolstadt7, 8 on cologne1.)
  // Without internal lanes, a junction numbers its links along incLanes, each lane's connections
  // in file order (`linkInLane`).
  int junctionLink(RoadId road, const std::string& edge, int fromLane, int linkInLane, std::string via) const {
    for (int hops = 0; !via.empty() && hops < 8; ++hops) {
      if (auto v = m_linkOfVia.find(via); v != m_linkOfVia.end()) return v->second;
      auto next = m_internalNext.find(via);
      if (next == m_internalNext.end()) break;
      via = next->second;
    }
    const JunctionId j = m_roadEnds[road.index()].second;
    const auto& inc = m_incLanes[j.index()];
    const std::string lane = edge + "_" + std::to_string(fromLane);
    int before = 0;
    for (const std::string& l : inc) {
      if (l == lane) return before + linkInLane;
      before += m_linksPerLane.contains(l) ? m_linksPerLane.at(l) : 0;
    }
    return -1;
  }

  void readTrafficLights() {
    std::map<std::string, std::size_t> tlIndex;
    for (const auto& [n, source] : m_tlLogics) {
      const XmlFile& xml = *source;
      const std::string id = xml.requiredString(n, "id", "tlLogic");
      const std::string entity = "tlLogic " + inQuotes(id);
      // SUMO makes each program it loads the default, so the last one of a light runs.
      const auto earlier = tlIndex.find(id);
      if (earlier != tlIndex.end())
        m_ignored.add("earlier programs of a traffic light (the last one loaded runs, as in SUMO)",
                      entity + " programID " + inQuotes(m_lights[earlier->second].programId));
      SumoTrafficLight tl;
      tl.id = id;
      tl.type = n.attribute("type").as_string("static");
      tl.programId = n.attribute("programID").as_string();
      tl.offsetS = xml.number(n, "offset", entity, 0.0);
      if (tl.type != "static" && tl.type != "actuated")
        m_ignored.add("traffic lights of a type other than static or actuated (run as static)", entity + " type " + inQuotes(tl.type));
      int p = 0;
      for (const pugi::xml_node& ph : n.children("phase")) {
        const std::string phaseEntity = entity + " phase " + std::to_string(p++);
        SumoPhase phase;
        phase.durationS = xml.number(ph, "duration", phaseEntity);
        if (!(phase.durationS > 0)) xml.fail(ph, phaseEntity, "duration must be > 0 s");
        phase.minDurS = xml.optionalNumber(ph, "minDur", phaseEntity);
        phase.maxDurS = xml.optionalNumber(ph, "maxDur", phaseEntity);
        phase.state = xml.requiredString(ph, "state", phaseEntity);
        phase.name = ph.attribute("name").as_string();
        for (char ch : phase.state)
          if (std::string_view("GgyrsuoOY").find(ch) == std::string_view::npos)
            xml.fail(ph, phaseEntity, std::string("state has the unknown signal '") + ch + "' (expected G g y r s u o O)");
        tl.phases.push_back(std::move(phase));
      }
      if (tl.phases.empty()) xml.fail(n, entity, "has no phases");
      if (earlier != tlIndex.end()) {
        m_lights[earlier->second] = std::move(tl);
        m_tlNodes[earlier->second] = {n, source};
        continue;
      }
      tlIndex.emplace(id, m_lights.size());
      m_lights.push_back(std::move(tl));
      m_tlNodes.push_back({n, source});
    }

    // Check every signalised connection against its program, and give each junction the stages
    // its links see.
    std::vector<std::string> junctionTl(m_sumoJunctions.size());
    for (std::size_t m = 0; m < m_movementLinks.size(); ++m) {
      for (const LinkSpec& link : m_movementLinks[m]) {
        if (link.tl.empty()) continue;
        auto it = tlIndex.find(link.tl);
        if (it == tlIndex.end())
          throw LoadError(m_xml.name(), "connection at junction " + inQuotes(junctionName(m_movementJunction[m])),
                          "names traffic light " + inQuotes(link.tl) + ", which has no <tlLogic>");
        const SumoTrafficLight& tl = m_lights[it->second];
        for (std::size_t p = 0; p < tl.phases.size(); ++p)
          if (link.tlIndex >= static_cast<int>(tl.phases[p].state.size()))
            m_tlNodes[it->second].second->fail(m_tlNodes[it->second].first, "tlLogic " + inQuotes(tl.id) + " phase " + std::to_string(p),
                       "state has " + std::to_string(tl.phases[p].state.size()) + " signals but a connection uses linkIndex " +
                           std::to_string(link.tlIndex));
        std::string& chosen = junctionTl[m_movementJunction[m].index()];
        if (chosen.empty()) chosen = link.tl;
        else if (chosen != link.tl)
          m_ignored.add("junctions with links of two traffic lights (the first light controls the junction)",
                        inQuotes(junctionName(m_movementJunction[m])));
      }
    }

    // SUMO's tls.all-off: every light shows each of its links' off-state, for good. Such a link
    // is not signalled (below): always open, giving way as the junction's response says.
    if (m_options.lightsOff && !m_lights.empty()) {
      std::vector<std::string> off(m_lights.size());
      for (std::size_t i = 0; i < m_lights.size(); ++i) off[i].assign(m_lights[i].phases.front().state.size(), 'o');
      for (const auto& links : m_movementLinks)
        for (const LinkSpec& link : links)
          if (auto it = tlIndex.find(link.tl); !link.tl.empty() && it != tlIndex.end())
            off[it->second][static_cast<std::size_t>(link.tlIndex)] = link.offState;
      for (std::size_t i = 0; i < m_lights.size(); ++i) {
        SumoPhase dark;
        // One stage as long as the cycle, at least an hour: no policy has another to switch to.
        for (const SumoPhase& p : m_lights[i].phases) dark.durationS += p.durationS;
        dark.durationS = std::max(dark.durationS, 3600.0);
        dark.state = std::move(off[i]);
        m_lights[i].phases.assign(1, std::move(dark));
      }
      simLog().info("{}: {} traffic lights switched off (tls.all-off): their links give way by their off-states",
                    m_xml.name(), m_lights.size());
    }

    std::vector<std::vector<std::size_t>> movementsAt(m_sumoJunctions.size());
    for (std::size_t m = 0; m < m_movementJunction.size(); ++m) movementsAt[m_movementJunction[m].index()].push_back(m);

    std::vector<double> yellows, allReds, greens;
    for (std::size_t j = 0; j < junctionTl.size(); ++j) {
      if (junctionTl[j].empty()) continue;
      SumoTrafficLight& tl = m_lights[tlIndex.at(junctionTl[j])];
      tl.junctions.push_back(JunctionId(j));
      SignalProgram program;
      program.offsetS = tl.offsetS;
      bool afterYellow = false;
      // The clearance after each stage, as the program runs it: its yellow phases and its short
      // red-only phases before the next green. Those before the first stage follow the last one.
      double leadYellowS = 0, leadAllRedS = 0;
      auto addClearance = [&](double SignalPhase::*field, double& lead, double s) {
        if (program.phases.empty()) {
          lead += s;
          return;
        }
        double& after = program.phases.back().*field;
        after = std::max(after, 0.0) + s;
      };
      // Each phase as this junction's links see it: a yellow, a green stage, or red only.
      enum class Seen { Yellow, Green, Red };
      struct SeenPhase {
        Seen kind;
        SignalPhase stage;
      };
      std::vector<SeenPhase> seen;
      for (const SumoPhase& phase : tl.phases) {
        bool yellow = false, anyGreen = false;
        SignalPhase stage;
        stage.durationS = phase.durationS;
        for (std::size_t m : movementsAt[j]) {
          bool green = false;
          bool minor = false;  // some link of it gives way on this green (the junction's response bits)
          for (const LinkSpec& link : m_movementLinks[m]) {
            // Links of no light, or of a light switched off, are not signalled: always open, and
            // they give way as the junction's response says.
            if (link.tl != junctionTl[j] || isOff(phase.state[static_cast<std::size_t>(link.tlIndex)])) {
              green = true;
              minor = minor || link.tl != junctionTl[j] || phase.state[static_cast<std::size_t>(link.tlIndex)] == 'o';
              continue;
            }
            const char s = phase.state[static_cast<std::size_t>(link.tlIndex)];
            yellow = yellow || s == 'y' || s == 'Y';
            anyGreen = anyGreen || isGreen(s);
            green = green || isGreen(s);
            minor = minor || s == 'g' || s == 's';
          }
          if (green) stage.green.push_back(MovementId(m));
          if (green && minor) stage.minor.push_back(MovementId(m));
        }
        // An actuated light's phase with a range to run in (SUMO ignores minDur and maxDur on
        // static lights, and fixes a phase that has no range).
        const Seen kind = yellow ? Seen::Yellow : anyGreen ? Seen::Green : Seen::Red;
        if (kind == Seen::Green && tl.type == "actuated" && phase.minDurS && phase.maxDurS && *phase.minDurS < *phase.maxDurS) {
          stage.minDurS = std::max(0.0, *phase.minDurS);
          stage.maxDurS = *phase.maxDurS;
        }
        seen.push_back({kind, std::move(stage)});
      }
      for (std::size_t i = 0; i < seen.size(); ++i) {
        SignalPhase& stage = seen[i].stage;
        if (seen[i].kind == Seen::Yellow) {
          yellows.push_back(stage.durationS);
          addClearance(&SignalPhase::yellowAfterS, leadYellowS, stage.durationS);
          afterYellow = true;
          continue;
        }
        if (seen[i].kind == Seen::Red) {
          // Phases that show the junction's signalled links no green, one after another: the
          // all-red clearance between two stages when together as short as one; longer, a stage of
          // its own in which the light holds its links red (a ramp meter closing its ramp, the
          // pedestrians' part of a crossing's cycle, the other junctions' greens of a joined
          // light), as SUMO runs it. Treated as clearance, a long one made every policy wait
          // through it after each green; dropped, the light showed its next green for good.
          double runS = 0;
          std::size_t end = i;
          while (end < seen.size() && seen[end].kind == Seen::Red) runS += seen[end++].stage.durationS;
          if (runS <= kLongestClearanceS) {
            if (afterYellow) allReds.push_back(stage.durationS);
            addClearance(&SignalPhase::allRedAfterS, leadAllRedS, runS);
            afterYellow = false;
            i = end - 1;
            continue;
          }
          stage.durationS = runS;
          i = end - 1;
        }
        afterYellow = false;
        // Consecutive phases with the same greens (SUMO splits a stage to change a minor link) are
        // one stage here, unless a clearance stands between them.
        // A movement minor in any of them stays minor for the whole stage: it gives way only to
        // foes that have green, so a turn that becomes protected once the opposing flow has red
        // loses nothing.
        if (!program.phases.empty() && program.phases.back().green == stage.green &&
            program.phases.back().yellowAfterS < 0 && program.phases.back().allRedAfterS < 0) {
          SignalPhase& merged = program.phases.back();
          if (merged.actuated() || stage.actuated()) {
            // The stage's range: each part's own, a fixed part counting its duration.
            auto low = [](const SignalPhase& p) { return p.actuated() ? p.minDurS : p.durationS; };
            auto high = [](const SignalPhase& p) { return p.actuated() ? p.maxDurS : p.durationS; };
            const double minS = low(merged) + low(stage), maxS = high(merged) + high(stage);
            merged.minDurS = minS;
            merged.maxDurS = maxS;
          }
          merged.durationS += stage.durationS;
          for (MovementId m : stage.minor)
            if (std::find(merged.minor.begin(), merged.minor.end(), m) == merged.minor.end()) merged.minor.push_back(m);
        } else
          program.phases.push_back(std::move(stage));
      }
      if (!program.phases.empty()) {
        SignalPhase& last = program.phases.back();
        if (leadYellowS > 0) last.yellowAfterS = std::max(last.yellowAfterS, 0.0) + leadYellowS;
        if (leadAllRedS > 0) last.allRedAfterS = std::max(last.allRedAfterS, 0.0) + leadAllRedS;
        // One green stage and a red after it (a crossing whose other stage is the pedestrians'):
        // the red is a stage of its own, so that the light cycles as SUMO runs it rather than
        // staying green (no policy switches from a program's only stage to itself).
        if (program.phases.size() == 1 && last.allRedAfterS > 0) {
          // Its green: the movements no light stops (those of a red-only phase).
          const auto redPhase = std::find_if(seen.begin(), seen.end(), [](const SeenPhase& p) { return p.kind == Seen::Red; });
          SignalPhase red = redPhase != seen.end() ? redPhase->stage : SignalPhase{};
          red.durationS = last.allRedAfterS;
          last.allRedAfterS = 0;
          program.phases.push_back(std::move(red));
        }
        // A stage the program follows with the next green at once has no clearance.
        for (SignalPhase& stage : program.phases) {
          stage.yellowAfterS = std::max(stage.yellowAfterS, 0.0);
          stage.allRedAfterS = std::max(stage.allRedAfterS, 0.0);
        }
      }
      if (std::all_of(program.phases.begin(), program.phases.end(), [](const SignalPhase& p) { return p.green.empty(); })) {
        m_ignored.add("traffic-light junctions whose program never shows green (left unsignalised)", inQuotes(junctionName(JunctionId(j))));
        continue;
      }
      for (const SignalPhase& s : program.phases) greens.push_back(s.durationS);
      m_builder.setSignalProgram(JunctionId(j), std::move(program));
    }
    if (!yellows.empty()) m_timing.yellowS = mostCommon(yellows);
    m_timing.allRedS = allReds.empty() ? 0.0 : mostCommon(allReds);
    // Each stage is cleared as its program clears it; the most common values above are what
    // `info` shows and what stages without a program of their own would get.
    m_timing.mapClearance = true;
    if (!greens.empty()) m_timing.minGreenS = std::min(m_timing.minGreenS, *std::min_element(greens.begin(), greens.end()));
  }

  // Right of way from the junction's type and its request matrix. Bit j of request i's response
  // (the string's last character is bit 0, as SUMO reads it into a std::bitset) says that link i
  // gives way to link j (MSRightOfWayJunction::postloadInit); link indices are the junction's
  // (the order of its intLanes, or of its incLanes' connections), mapped onto our connectors.
  void readRightOfWay() {
    for (std::size_t j = 0; j < m_sumoJunctions.size(); ++j) {
      const SumoJunction& info = m_sumoJunctions[j];
      const std::string& type = info.type;
      RightOfWay rule = RightOfWay::ByTurn;
      if (type == "priority" || type == "priority_stop" || type.rfind("traffic_light", 0) == 0) rule = RightOfWay::Priority;
      if (type == "traffic_light_unregulated" || type == "unregulated") rule = RightOfWay::Unregulated;
      if (type == "right_before_left" || type == "left_before_right" || type == "zipper") rule = RightOfWay::RightBeforeLeft;
      if (type == "allway_stop") rule = RightOfWay::AllWayStop;
      // Without request matrices (hand-written networks) only the stops and the unregulated
      // junctions say anything; the others keep straight before turns.
      if (info.response.empty() && (rule == RightOfWay::Priority || rule == RightOfWay::RightBeforeLeft)) continue;
      if (type == "traffic_light_right_on_red")
        m_ignored.add("right turns on red at traffic_light_right_on_red junctions (they wait for green)", inQuotes(junctionName(JunctionId(j))));
      if (rule == RightOfWay::ByTurn) {
        if (type != "dead_end")
          m_ignored.add("right of way of junctions of other types (straight before turns is used)",
                        inQuotes(junctionName(JunctionId(j))) + " type " + inQuotes(type));
        continue;
      }
      m_builder.setRightOfWay(JunctionId(j), rule);
      if (rule == RightOfWay::Unregulated) continue;
      const auto linkAt = linksOf(JunctionId(j), info.response.size());
      for (std::size_t i = 0; i < linkAt.size(); ++i) {
        const auto [movement, connector] = linkAt[i];
        if (connector < 0) continue;
        const std::string& response = info.response[i];
        bool yieldsSomewhere = false;
        for (std::size_t b = 0; b < response.size(); ++b) {
          if (response[response.size() - 1 - b] != '1') continue;
          yieldsSomewhere = true;
          if (b >= linkAt.size() || linkAt[b].second < 0) continue;  // a pedestrian crossing or a link left out
          if (rule == RightOfWay::AllWayStop) continue;  // first come first served instead
          m_builder.setYield(movement, connector, linkAt[b].first, linkAt[b].second);
        }
        if (rule == RightOfWay::AllWayStop || (type == "priority_stop" && yieldsSomewhere)) m_builder.setStopFirst(movement, connector);
      }
    }
  }

  // Our connector (movement, index in it) of each of a junction's `count` links; -1 where a link is
  // not one of ours (a pedestrian crossing, a connection left out).
  std::vector<std::pair<MovementId, int>> linksOf(JunctionId j, std::size_t count) const {
    std::vector<std::pair<MovementId, int>> linkAt(count, {MovementId(), -1});
    for (std::size_t m = 0; m < m_movementLinks.size(); ++m) {
      if (m_movementJunction[m] != j) continue;
      for (std::size_t k = 0; k < m_movementLinks[m].size(); ++k) {
        const int link = m_movementLinks[m][k].junctionIndex;
        if (link >= 0 && static_cast<std::size_t>(link) < linkAt.size()) linkAt[static_cast<std::size_t>(link)] = {MovementId(m), static_cast<int>(k)};
      }
    }
    return linkAt;
  }

  // Which links conflict, from the junction's foes matrix: bit k of request i's foes (the string's
  // last character is bit 0, as for the response; sumolib's Node.areFoes reads it the same way)
  // says that links i and k may not use the junction at once. SUMO writes the matrix symmetric;
  // a pair is taken as foes if either side says so. Junctions without a matrix (hand-written
  // networks, dead ends) keep the conflicts of their shapes.
  void readFoes() {
    for (std::size_t j = 0; j < m_sumoJunctions.size(); ++j) {
      const SumoJunction& info = m_sumoJunctions[j];
      if (info.foes.empty()) continue;
      const auto linkAt = linksOf(JunctionId(j), info.foes.size());
      for (std::size_t i = 0; i < linkAt.size(); ++i) {
        const auto [movement, connector] = linkAt[i];
        if (connector < 0 || info.foes[i].empty()) continue;
        m_builder.setFoesKnown(movement, connector);
        const std::string& foes = info.foes[i];
        for (std::size_t b = 0; b < foes.size() && b < linkAt.size(); ++b) {
          if (foes[foes.size() - 1 - b] != '1' || linkAt[b].second < 0 || b == i) continue;
          m_builder.setFoe(movement, connector, linkAt[b].first, linkAt[b].second);
        }
      }
    }
  }

  // Connector ids follow movement order and, within a movement, connection order.
  void finishLinks(SumoNetwork& out) {
    const RoadNetwork& net = out.network;
    std::map<std::string, std::size_t> lightOf;
    for (std::size_t t = 0; t < m_lights.size(); ++t) lightOf[m_lights[t].id] = t;
    for (std::size_t m = 0; m < m_movementLinks.size(); ++m) {
      const Movement& movement = net.movements()[m];
      for (std::size_t k = 0; k < m_movementLinks[m].size(); ++k) {
        const ConnectorId c = movement.connectors[k];
        const LinkSpec& link = m_movementLinks[m][k];
        SumoJunction& junction = out.junctions[movement.junction.index()];
        if (link.junctionIndex >= 0) {
          const auto i = static_cast<std::size_t>(link.junctionIndex);
          if (junction.links.size() <= i) junction.links.resize(i + 1);
          junction.links[i] = c;
        }
        if (!link.tl.empty()) {
          SumoTrafficLight& tl = m_lights[lightOf.at(link.tl)];
          const auto i = static_cast<std::size_t>(link.tlIndex);
          if (tl.links.size() <= i) tl.links.resize(i + 1);
          tl.links[i] = c;
        }
      }
    }
    out.trafficLights = std::move(m_lights);
  }

  std::string junctionName(JunctionId j) const { return m_junctionNodes[j.index()].attribute("id").as_string(); }

  XmlFile m_xml;
  RoadNetworkBuilder m_builder;
  sumo::Ignored m_ignored;
  std::vector<std::filesystem::path> m_additionalFiles;
  std::vector<SumoText> m_additionalTexts;
  ResourceLimits m_limits;
  SumoNetworkOptions m_options;
  std::vector<std::unique_ptr<XmlFile>> m_additional;  // kept alive: their nodes are read later
  std::vector<pugi::xml_node> m_edges, m_junctions, m_connections, m_junctionNodes;
  std::vector<std::pair<pugi::xml_node, const XmlFile*>> m_tlLogics, m_tlNodes;  // with the file they come from
  std::vector<SumoJunction> m_sumoJunctions;
  std::vector<std::vector<std::string>> m_incLanes;
  std::unordered_map<std::string, int> m_linkOfVia;
  std::unordered_map<std::string, int> m_linksPerLane, m_linksCounted;
  std::unordered_map<std::string, EdgeInfo> m_edgeInfo;
  std::unordered_map<std::string, InternalLane> m_internalLanes;
  std::unordered_set<std::string> m_pedestrianEdges;
  std::unordered_map<std::string, std::string> m_internalNext;
  std::vector<std::pair<JunctionId, JunctionId>> m_roadEnds;
  std::unordered_map<std::string, std::size_t> m_neighbourCount;
  std::vector<double> m_laneLengths;
  std::vector<std::vector<LinkSpec>> m_movementLinks;
  std::vector<JunctionId> m_movementJunction;
  std::vector<SumoTrafficLight> m_lights;
  SignalTiming m_timing;
  std::size_t m_skippedEdges = 0;
  std::size_t m_unequalLanes = 0;
  double m_maxLaneSpreadM = 0;
};

}  // namespace

SumoNetwork loadSumoNetwork(const std::filesystem::path& file, std::span<const std::filesystem::path> additionalFiles,
                            const ResourceLimits& limits, const SumoNetworkOptions& options) {
  return NetReader(file, additionalFiles, limits, options).read();
}

SumoNetwork loadSumoNetworkText(std::string_view text, const std::string& name, std::span<const SumoText> additional) {
  return NetReader(text, name, additional).read();
}

}  // namespace traffic
