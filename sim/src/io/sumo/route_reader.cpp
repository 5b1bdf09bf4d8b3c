// SUMO .rou.xml -> vehicle types and trips (see traffic/loaders/sumo.h for the mapping).
//
// Vehicles, trips and flows are expanded at load into trafficsim trips, in the file's order and
// then sorted by departure; random flows (probability, exp(...)) draw from counter-based streams
// keyed by the seed and the flow id, so a flow's departures do not depend on the other flows.
// SUMO routes a trip at its departure on current travel times; trafficsim routes it at load on
// free-flow times, which is the same for uncongested networks and the documented difference
// otherwise. A vehicle whose route its class cannot drive under trafficsim's class mapping is
// left out and counted (the class mapping is coarser than SUMO's, see sumoDefaultVehicleType).
//
// Additional files are read by the same reader (SUMO takes demand from them as from route files):
// their demand elements and bus stops here, their traffic-light programs by the network reader,
// which also reports what neither reads. A vehicle, trip or flow with <stop>s at bus stops or lane
// positions becomes a transit line of its own (see addLine); a trip without from and to is routed
// from its first stop's road through each stop's road to its last, as SUMO routes it.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <map>
#include <unordered_map>

#include "io/sumo/sumo_xml.h"
#include "base/log.h"
#include "traffic/errors.h"
#include "traffic/car_following.h"
#include "traffic/loaders/sumo.h"
#include "traffic/random.h"
#include "traffic/transit.h"

namespace traffic {
namespace {

using sumo::inQuotes;
using sumo::XmlFile;

// Guards against a flow that would expand into an absurd number of vehicles.
constexpr double kMaxVehiclesPerFlow = 10'000'000;
// A probability flow draws once per second of its interval: about three years at most.
constexpr double kMaxProbabilityDraws = 100'000'000;
// SUMO's end of a flow without one.
constexpr double kDefaultFlowEndS = 86400;

bool oneOf(std::string_view v, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), v) != options.end();
}

// A <stop> of a vehicle that trafficsim runs: the transit stop it halts at and how long it stands.
struct VehicleStop {
  std::uint32_t stop = 0;  // index into Transit::stops
  double standS = 0;
  pugi::xml_node node;     // for messages
};

class RouteReader {
 public:
  // `transit` receives bus stops and the lines of vehicles that stop; without it stops are reported
  // and not run. `additional`: an additional file (any root element; bus stops read; elements
  // that are not demand are left to the network reader, which reports them).
  RouteReader(XmlFile xml, const RoadNetwork& net, std::vector<VehicleType>& types, Demand& demand, Transit* transit,
              bool additional, const SumoDemandOptions& options, const ResourceLimits& limits)
      : m_xml(std::move(xml)), m_net(net), m_types(types), m_demand(demand), m_transit(transit),
        m_additional(additional), m_options(options), m_limits(limits), m_router(net) {
    if (m_transit != nullptr)
      for (std::size_t i = 0; i < m_transit->stops.size(); ++i)
        m_stopIndex.emplace(m_transit->stops[i].id, static_cast<std::uint32_t>(i));
  }

  // Returns the number of vehicle, trip and flow elements in the file.
  std::size_t read() {
    const pugi::xml_node root = m_xml.root();
    const std::string_view rootName = root.name();
    // SUMO accepts any root element in an additional file (<additional>, <add>, <routes>, ...).
    if (!m_additional && rootName != "routes" && rootName != "additional")
      m_xml.fail(root, "", "not a SUMO route file: the root element is <" + std::string(rootName) + ">, expected <routes>");
    // Stops, types and named routes first: vehicles may refer to them wherever they stand.
    for (pugi::xml_node n : root.children()) {
      if (n.type() != pugi::node_element) continue;
      const std::string_view name = n.name();
      if (name == "vType") readVType(n);
      else if (name == "route") readNamedRoute(n);
      else if (name == "vTypeDistribution") readVTypeDistribution(n);
      else if (name == "busStop" && m_additional) readBusStop(n);
    }
    for (pugi::xml_node n : root.children("routeDistribution")) readRouteDistribution(n);
    std::size_t vehicles = 0;
    for (pugi::xml_node n : root.children()) {
      if (n.type() != pugi::node_element) continue;
      const std::string_view name = n.name();
      if (name == "vType" || name == "route" || name == "routeDistribution" || name == "vTypeDistribution") continue;
      if (name == "vehicle" || name == "trip" || name == "flow") ++vehicles;
      if (name == "vehicle") readVehicle(n);
      else if (name == "trip") readTrip(n);
      else if (name == "flow") readFlow(n);
      else if (m_additional && (name == "busStop" || !sumo::isDemandElement(name))) continue;
      else m_ignored.add("<" + std::string(name) + "> elements", inQuotes(n.attribute("id").as_string()));
    }
    m_ignored.report(m_xml.name(), "not modelled by trafficsim");
    m_dropped.report(m_xml.name(), "left out of the run");
    if (m_beforeBegin > 0 || m_afterEnd > 0)
      simLog().info("{}: {} vehicles depart before the begin time ({} s) and {} at or after the end; they are not run",
                    m_xml.name(), m_beforeBegin, m_options.beginS, m_afterEnd);
    if (!m_additional || vehicles > 0) simLog().info("{}: {} trips", m_xml.name(), m_added);
    if (m_busStops > 0) simLog().info("{}: {} bus stops", m_xml.name(), m_busStops);
    return vehicles;
  }

 private:
  // ---- types --------------------------------------------------------------------------------

  void readVType(const pugi::xml_node& n) {
    const std::string id = m_xml.requiredString(n, "id", "vType");
    const std::string entity = "vType " + inQuotes(id);
    if (findType(id)) return;  // declared by the scenario or an earlier file: that one stands
    const std::string vClass = n.attribute("vClass").as_string("passenger");
    auto type = sumoDefaultVehicleType(vClass);
    if (!type) {
      m_unusableTypes.emplace(id, vClass);
      m_ignored.add("vTypes of a class trafficsim does not drive (their vehicles are left out)", entity + " vClass " + inQuotes(vClass));
      return;
    }
    type->name = id;
    for (const pugi::xml_attribute& a : n.attributes()) {
      const std::string_view k = a.name();
      if (k == "id" || k == "vClass" || k == "probability") continue;  // probability: within a distribution
      if (k == "accel") type->accelMps2 = m_xml.number(n, "accel", entity);
      else if (k == "decel") type->comfortDecelMps2 = m_xml.number(n, "decel", entity);
      else if (k == "emergencyDecel") type->maxDecelMps2 = m_xml.number(n, "emergencyDecel", entity);
      else if (k == "tau") type->headwayS = m_xml.number(n, "tau", entity);
      else if (k == "minGap") type->minGapM = m_xml.number(n, "minGap", entity);
      else if (k == "length") type->lengthM = m_xml.number(n, "length", entity);
      else if (k == "width") type->widthM = m_xml.number(n, "width", entity);
      else if (k == "maxSpeed") type->maxSpeedMps = m_xml.number(n, "maxSpeed", entity);
      else if (k == "speedFactor") type->speedFactor = speedFactor(n, entity);
      else if (k == "carFollowModel") {
        // Krauss when asked for by name; IDM otherwise (sumoDefaultVehicleType says why).
        if (std::string_view(a.value()) == "Krauss") type->carFollowing = CarFollowingModel::Krauss;
        else if (std::string_view(a.value()) != "IDM")
          m_ignored.add("vType carFollowModel other than Krauss or IDM (trafficsim drives IDM)", entity + " " + a.value());
      } else if (k == "sigma") {
        type->kraussSigma = m_xml.number(n, "sigma", entity);
      } else if (k == "speedDev") {
        m_ignored.add("vType 'speedDev' (use dynamics.driver_variation for spread between drivers)", entity);
      } else {
        m_ignored.add("vType attribute '" + std::string(k) + "'", entity);
      }
    }
    // SUMO lets emergencyDecel fall below decel only with a warning; trafficsim requires the hard
    // limit to be at least the comfortable one.
    type->maxDecelMps2 = std::max(type->maxDecelMps2, type->comfortDecelMps2);
    if (std::string why = validate(*type); !why.empty()) m_xml.fail(n, entity, why);
    m_types.push_back(std::move(*type));
  }

  // speedFactor is a number or a distribution "norm(mean,dev)" / "normc(mean,dev,min,max)"; the
  // mean is taken and the spread reported.
  double speedFactor(const pugi::xml_node& n, const std::string& entity) {
    const std::string text = n.attribute("speedFactor").as_string();
    const auto open = text.find('(');
    if (open == std::string::npos) return m_xml.number(n, "speedFactor", entity);
    m_ignored.add("vType speedFactor distributions (the mean is used)", entity + " " + text);
    const auto parts = sumo::splitList(std::string_view(text).substr(open + 1, text.size() - open - 2));
    char* end = nullptr;
    const double mean = parts.empty() ? NAN : std::strtod(parts[0].c_str(), &end);
    if (!(mean > 0)) m_xml.fail(n, entity, "speedFactor '" + text + "' has no positive mean");
    return mean;
  }

  std::optional<VehicleTypeId> findType(const std::string& name) const {
    for (std::size_t t = 0; t < m_types.size(); ++t)
      if (m_types[t].name == name) return VehicleTypeId(t);
    return std::nullopt;
  }

  // <vTypeDistribution>: its own <vType>s with a probability each, or `vTypes` naming types
  // declared before it (with `probabilities`, else each type's weight is 1).
  void readVTypeDistribution(const pugi::xml_node& n) {
    const std::string id = m_xml.requiredString(n, "id", "vTypeDistribution");
    const std::string entity = "vTypeDistribution " + inQuotes(id);
    if (m_typeDistributions.contains(id) || findType(id)) m_xml.fail(n, entity, "duplicate type id");
    std::vector<std::pair<std::string, double>> members;
    for (const pugi::xml_node& t : n.children("vType")) {
      readVType(t);
      members.emplace_back(m_xml.requiredString(t, "id", entity + " vType"), m_xml.number(t, "probability", entity + " vType", 1.0));
    }
    const auto names = sumo::splitList(n.attribute("vTypes").as_string());
    const auto weights = sumo::splitList(n.attribute("probabilities").as_string());
    if (!weights.empty() && weights.size() != names.size())
      m_xml.fail(n, entity, "'probabilities' has " + std::to_string(weights.size()) + " values for " +
                                std::to_string(names.size()) + " vTypes");
    for (std::size_t i = 0; i < names.size(); ++i) {
      double w = 1.0;
      if (!weights.empty()) {
        char* end = nullptr;
        w = std::strtod(weights[i].c_str(), &end);
        if (end != weights[i].c_str() + weights[i].size() || !std::isfinite(w))
          m_xml.fail(n, entity, "'probabilities' value '" + weights[i] + "' is not a number");
      }
      members.emplace_back(names[i], w);
    }
    std::vector<std::pair<VehicleTypeId, double>> choices;
    for (const auto& [name, weight] : members) {
      if (weight < 0) m_xml.fail(n, entity, "probability of " + inQuotes(name) + " must be >= 0");
      if (auto t = findType(name)) choices.emplace_back(*t, weight);
      else if (!m_unusableTypes.contains(name))
        m_xml.fail(n, entity, "names vType " + inQuotes(name) + ", which is not defined before it");
    }
    double total = 0;
    for (const auto& c : choices) total += c.second;
    if (choices.empty() || !(total > 0)) {
      m_unusableTypes.emplace(id, "distribution");
      m_ignored.add("vTypeDistributions with no type trafficsim drives (their vehicles are left out)", entity);
      return;
    }
    m_typeDistributions.emplace(id, std::move(choices));
  }

  // A vehicle, trip or flow without `type` is of SUMO's "DEFAULT_VEHTYPE", which a route file may
  // define as a vTypeDistribution (the sumo-tools games do).
  static std::string typeName(const pugi::xml_node& n) { return n.attribute("type").as_string("DEFAULT_VEHTYPE"); }

  // The type of a vehicle; nullopt (and reported) for a type trafficsim cannot drive. A vehicle
  // of a vTypeDistribution draws its type from the seed and `vehicleId`.
  std::optional<VehicleTypeId> typeOf(const pugi::xml_node& n, const std::string& entity, const std::string& vehicleId) {
    std::string name = typeName(n);
    if (auto t = findType(name)) return t;
    if (auto d = m_typeDistributions.find(name); d != m_typeDistributions.end()) {
      const auto& choices = d->second;
      double total = 0;
      for (const auto& c : choices) total += c.second;
      double u = uniform01(m_options.seed, hashName("sumo.vTypeDistribution"), hashName(vehicleId)) * total;
      for (const auto& c : choices) {
        if (u < c.second) return c.first;
        u -= c.second;
      }
      return choices.back().first;
    }
    if (m_unusableTypes.contains(name)) {
      m_dropped.add("vehicles of a vType trafficsim does not drive", entity);
      return std::nullopt;
    }
    // SUMO's built-in default types, created on first use.
    std::string vClass;
    if (name == "DEFAULT_VEHTYPE") vClass = "passenger";
    else if (name == "DEFAULT_BIKETYPE") vClass = "bicycle";
    else if (name == "DEFAULT_TAXITYPE") vClass = "taxi";
    else m_xml.fail(n, entity, "type " + inQuotes(name) + " is not defined (no <vType id=" + inQuotes(name) + "> before it)");
    VehicleType t = *sumoDefaultVehicleType(vClass);
    t.name = name;
    m_types.push_back(std::move(t));
    return VehicleTypeId(m_types.size() - 1);
  }

  // ---- routes -------------------------------------------------------------------------------

  // The roads of the edges `attr` lists (a route's, or a trip's from, via or to).
  std::vector<RoadId> edges(const pugi::xml_node& n, const char* attr, const std::string& entity) const {
    return roadsOf(n, entity, edgeNames(n, attr, entity));
  }

  // A route's `edges`: at most kMaxRouteRoads of them, counted before any is looked up.
  std::vector<RoadId> routeEdges(const pugi::xml_node& n, const std::string& entity) const {
    const auto names = edgeNames(n, "edges", entity);
    if (names.size() > kMaxRouteRoads) m_xml.fail(n, entity, routeTooLongReason(names.size()));
    return roadsOf(n, entity, names);
  }

  std::vector<std::string> edgeNames(const pugi::xml_node& n, const char* attr, const std::string& entity) const {
    auto names = sumo::splitList(m_xml.requiredString(n, attr, entity));
    if (names.empty()) m_xml.fail(n, entity, std::string("'") + attr + "' lists no edge");
    return names;
  }

  std::vector<RoadId> roadsOf(const pugi::xml_node& n, const std::string& entity, const std::vector<std::string>& names) const {
    std::vector<RoadId> out;
    out.reserve(names.size());
    for (const std::string& e : names) {
      const auto road = m_net.findRoad(e);
      if (!road)
        m_xml.fail(n, entity, "edge " + inQuotes(e) + " is not a road of the network (unknown, or it has no lane for cars, buses or bikes)");
      out.push_back(*road);
    }
    return out;
  }

  void checkConnected(const pugi::xml_node& n, const std::string& entity, const std::vector<RoadId>& route) const {
    if (auto gap = firstDisconnected(m_net, route))
      m_xml.fail(n, entity, "edges " + inQuotes(m_net.road(route[*gap - 1]).name) + " and " + inQuotes(m_net.road(route[*gap]).name) +
                                " are not joined by a connection");
  }

  void readNamedRoute(const pugi::xml_node& n) {
    const std::string id = m_xml.requiredString(n, "id", "route");
    const std::string entity = "route " + inQuotes(id);
    std::vector<RoadId> route = routeEdges(n, entity);
    checkConnected(n, entity, route);
    if (!m_namedRoutes.emplace(id, std::move(route)).second) m_xml.fail(n, entity, "duplicate route id");
    for (const pugi::xml_attribute& a : n.attributes())
      if (!oneOf(a.name(), {"id", "edges"})) m_ignored.add("route attribute '" + std::string(a.name()) + "'", entity);
  }

  // <routeDistribution>: routes (inline or by refId) with probabilities; each vehicle that refers
  // to it draws one, from the seed and its own id, so a draw does not depend on other vehicles.
  void readRouteDistribution(const pugi::xml_node& n) {
    const std::string id = m_xml.requiredString(n, "id", "routeDistribution");
    const std::string entity = "routeDistribution " + inQuotes(id);
    if (m_namedRoutes.contains(id) || m_routeDistributions.contains(id)) m_xml.fail(n, entity, "duplicate route id");
    std::vector<std::pair<std::vector<RoadId>, double>> choices;
    for (const pugi::xml_node& r : n.children("route")) {
      const double probability = m_xml.number(r, "probability", entity + " route", 1.0);
      if (probability < 0) m_xml.fail(r, entity + " route", "probability must be >= 0");
      if (const pugi::xml_attribute ref = r.attribute("refId")) {
        auto it = m_namedRoutes.find(ref.value());
        if (it == m_namedRoutes.end()) m_xml.fail(r, entity, "refId names route " + inQuotes(ref.value()) + ", which is not defined");
        choices.emplace_back(it->second, probability);
      } else {
        std::vector<RoadId> route = routeEdges(r, entity + " route");
        checkConnected(r, entity + " route", route);
        choices.emplace_back(std::move(route), probability);
      }
    }
    double total = 0;
    for (const auto& c : choices) total += c.second;
    if (choices.empty() || !(total > 0)) m_xml.fail(n, entity, "needs at least one route with a probability > 0");
    m_routeDistributions.emplace(id, std::move(choices));
  }

  const std::vector<RoadId>& draw(const std::vector<std::pair<std::vector<RoadId>, double>>& choices,
                                  const std::string& vehicleId) const {
    double total = 0;
    for (const auto& c : choices) total += c.second;
    double u = uniform01(m_options.seed, hashName("sumo.routeDistribution"), hashName(vehicleId)) * total;
    for (const auto& c : choices) {
      if (u < c.second) return c.first;
      u -= c.second;
    }
    for (auto it = choices.rbegin(); it != choices.rend(); ++it)
      if (it->second > 0) return it->first;
    return choices.back().first;
  }

  [[nodiscard]] bool isDistribution(const pugi::xml_node& n) const {
    return m_routeDistributions.contains(n.attribute("route").as_string());
  }

  // The route of a vehicle or flow: a `route` reference or an inline <route>; nullopt (counted)
  // for what trafficsim does not draw from (route distributions, trips between zones).
  // `vehicleId` keys the draw from a route distribution.
  std::optional<std::vector<RoadId>> explicitRoute(const pugi::xml_node& n, const std::string& entity,
                                                   const std::string& vehicleId) {
    if (n.child("routeDistribution")) {
      m_dropped.add("vehicles with their own <routeDistribution> (route alternatives; not supported)", entity);
      return std::nullopt;
    }
    if (auto d = m_routeDistributions.find(n.attribute("route").as_string()); d != m_routeDistributions.end())
      return draw(d->second, vehicleId);
    if (!n.attribute("route") && !n.child("route") &&
        (n.attribute("fromJunction") || n.attribute("fromTaz") || n.attribute("fromXY") || n.attribute("fromLonLat"))) {
      m_dropped.add("vehicles between junctions, zones or coordinates (only edges are supported)", entity);
      return std::nullopt;
    }
    if (const pugi::xml_attribute ref = n.attribute("route")) {
      auto it = m_namedRoutes.find(ref.value());
      if (it == m_namedRoutes.end())
        m_xml.fail(n, entity, "route " + inQuotes(ref.value()) + " is not defined in this file");
      return it->second;
    }
    const pugi::xml_node inner = n.child("route");
    if (!inner) m_xml.fail(n, entity, "has neither a 'route' attribute nor a <route> inside");
    std::vector<RoadId> route = routeEdges(inner, entity + " route");
    checkConnected(inner, entity + " route", route);
    return route;
  }

  // from -> via... -> to, shortest on free-flow times; nullopt when there is no way. The legs are
  // counted as they are joined: a route longer than kMaxRouteRoads is refused as soon as it is.
  std::optional<std::vector<RoadId>> routedRoute(const pugi::xml_node& n, const std::string& entity) {
    std::vector<RoadId> stops = edges(n, "from", entity);
    if (n.attribute("via")) {
      const auto via = edges(n, "via", entity);
      stops.insert(stops.end(), via.begin(), via.end());
    }
    const auto to = edges(n, "to", entity);
    stops.insert(stops.end(), to.begin(), to.end());
    std::vector<RoadId> route{stops.front()};
    for (std::size_t k = 1; k < stops.size(); ++k) {
      auto leg = m_router.shortestRoute(route.back(), stops[k]);
      if (!leg) return std::nullopt;
      route.insert(route.end(), leg->begin() + 1, leg->end());
      if (route.size() > kMaxRouteRoads) m_xml.fail(n, entity, routeTooLongReason(route.size(), k + 1 < stops.size()));
    }
    return route;
  }

  // Whether a vehicle of class `cls` can drive `route` on lanes its class may use.
  bool drivable(std::span<const RoadId> route, VehicleClass cls) const {
    const auto& first = m_net.road(route[0]).lanes;
    if (std::none_of(first.begin(), first.end(), [&](LaneId l) { return m_net.lane(l).allowed.allows(cls); })) return false;
    for (std::size_t k = 0; k + 1 < route.size(); ++k) {
      const auto movement = m_net.movementBetween(route[k], route[k + 1]);
      if (!movement) return false;
      bool ok = false;
      for (ConnectorId c : m_net.movement(*movement).connectors)
        ok = ok || (m_net.lane(m_net.connector(c).from).allowed.allows(cls) && m_net.lane(m_net.connector(c).to).allowed.allows(cls));
      if (!ok) return false;
    }
    return true;
  }

  std::optional<RouteId> routeId(const std::vector<RoadId>& route, VehicleTypeId type, const std::string& entity) {
    if (!drivable(route, m_types[type.index()].vehicleClass)) {
      m_dropped.add("vehicles whose route their class may not drive under trafficsim's class mapping", entity);
      return std::nullopt;
    }
    std::vector<std::uint32_t> key(route.size());
    for (std::size_t i = 0; i < route.size(); ++i) key[i] = route[i].value;
    auto [it, inserted] = m_routeIds.try_emplace(std::move(key), RouteId{});
    if (inserted) it->second = m_demand.routes.add(route);
    return it->second;
  }

  // ---- stops --------------------------------------------------------------------------------

  // A SUMO lane id ("edge_2"): the edge's road and the lane of SUMO index 2 on it.
  LaneId laneOf(const pugi::xml_node& n, const std::string& entity, const std::string& sumoLane) const {
    const auto cut = sumoLane.rfind('_');
    int index = -1;
    if (cut != std::string::npos) {
      const char* first = sumoLane.data() + cut + 1;
      const char* last = sumoLane.data() + sumoLane.size();
      if (const auto [end, ec] = std::from_chars(first, last, index); ec != std::errc() || end != last) index = -1;
    }
    const auto road = cut == std::string::npos ? std::nullopt : m_net.findRoad(sumoLane.substr(0, cut));
    if (road && index >= 0)
      for (LaneId l : m_net.road(*road).lanes)
        if (m_net.lane(l).mapIndex == index) return l;
    m_xml.fail(n, entity, "lane " + inQuotes(sumoLane) +
                              " is not a lane of the network (unknown, or a lane no car, bus or bike may use, which "
                              "trafficsim leaves out)");
  }

  // A position on a lane as SUMO writes it: negative counts from the end; `fallback` when absent.
  double lanePosition(const pugi::xml_node& n, const char* attr, const std::string& entity, LaneId lane, double fallback) {
    const double length = m_net.lane(lane).lengthM;
    double pos = m_xml.number(n, attr, entity, fallback);
    if (pos < 0) pos += length;
    if (pos < 0)
      m_xml.fail(n, entity, std::string(attr) + " " + n.attribute(attr).as_string() + " m is off the lane (" +
                                std::to_string(length) + " m long; a negative position counts from its end)");
    // The road's length is the mean of its SUMO lanes (loadSumoNetwork), so a position near the end
    // of a longer lane may lie past it; it is taken as the end, reported when more than 1 m past.
    if (pos > length + 1.0) m_ignored.add("stop positions past the end of their lane (taken as its end)", entity);
    return std::min(pos, length);
  }

  // <busStop id lane startPos endPos>: a transit stop where a stopping vehicle's front halts at
  // endPos, on the lane (SUMO's stops are in the lane unless a stop says parking, not modelled).
  void readBusStop(const pugi::xml_node& n) {
    const std::string id = m_xml.requiredString(n, "id", "busStop");
    const std::string entity = "busStop " + inQuotes(id);
    if (m_transit == nullptr) {
      m_ignored.add("<busStop> elements (no transit to map them to)", inQuotes(id));
      return;
    }
    if (m_stopIndex.contains(id)) m_xml.fail(n, entity, "duplicate stop id");
    TransitStop stop;
    stop.id = id;
    stop.lane = laneOf(n, entity, m_xml.requiredString(n, "lane", entity));
    const double length = m_net.lane(stop.lane).lengthM;
    const double start = lanePosition(n, "startPos", entity, stop.lane, 0.0);
    stop.positionM = lanePosition(n, "endPos", entity, stop.lane, length);
    if (start > stop.positionM) m_xml.fail(n, entity, "startPos must not lie after endPos");
    for (const pugi::xml_attribute& a : n.attributes())
      if (!oneOf(a.name(), {"id", "lane", "startPos", "endPos", "name", "lines", "color", "friendlyPos"}))
        m_ignored.add("busStop attribute '" + std::string(a.name()) + "'", entity);
    for (const pugi::xml_node& c : n.children())
      if (c.type() == pugi::node_element) m_ignored.add("busStop <" + std::string(c.name()) + "> elements", entity);
    m_stopIndex.emplace(id, static_cast<std::uint32_t>(m_transit->stops.size()));
    m_transit->stops.push_back(std::move(stop));
    ++m_busStops;
  }

  // The vehicle's <stop>s trafficsim runs, in order: at a bus stop, or on a lane at endPos. Two in
  // a row at the same place are one stand of both durations (SUMO ends the first and starts the
  // second where the vehicle stands). What a stop asks beyond its place and duration is reported.
  std::vector<VehicleStop> readStops(const pugi::xml_node& n, const std::string& entity, const std::string& vehicleId) {
    std::vector<VehicleStop> stops;
    std::size_t k = 0;
    for (const pugi::xml_node& c : n.children("stop")) {
      const std::string stopEntity = entity + " stop " + std::to_string(k++);
      if (m_transit == nullptr) {
        m_ignored.add("vehicle <stop>s (the vehicle drives its route without them)", stopEntity);
        continue;
      }
      std::optional<std::uint32_t> index;
      if (const pugi::xml_attribute busStop = c.attribute("busStop")) {
        const auto it = m_stopIndex.find(busStop.value());
        if (it == m_stopIndex.end())
          m_xml.fail(c, stopEntity, "busStop " + inQuotes(busStop.value()) + " is not defined (no <busStop> with that id in an additional file)");
        index = it->second;
      } else if (const pugi::xml_attribute lane = c.attribute("lane")) {
        // A stop on a lane: a transit stop of its own, named after the vehicle and the stop.
        TransitStop stop;
        stop.id = vehicleId + ".stop" + std::to_string(k - 1);
        stop.lane = laneOf(c, stopEntity, lane.value());
        stop.positionM = lanePosition(c, "endPos", stopEntity, stop.lane, m_net.lane(stop.lane).lengthM);
        if (m_stopIndex.contains(stop.id)) m_xml.fail(c, stopEntity, "its stop id " + inQuotes(stop.id) + " is taken");
        index = static_cast<std::uint32_t>(m_transit->stops.size());
        m_stopIndex.emplace(stop.id, *index);
        m_transit->stops.push_back(std::move(stop));
      } else {
        const char* kind = c.attribute("parkingArea") ? "parkingArea" : c.attribute("trainStop") ? "trainStop"
                           : c.attribute("containerStop") ? "containerStop" : c.attribute("chargingStation") ? "chargingStation"
                           : c.attribute("edge") ? "edge" : "no place";
        m_ignored.add(std::string("vehicle <stop>s at a ") + kind + " (only bus stops and lane positions are run; the vehicle drives past)", stopEntity);
        continue;
      }
      const double duration = m_xml.number(c, "duration", stopEntity, 0.0);
      if (duration < 0) m_xml.fail(c, stopEntity, "duration must be >= 0 s");
      for (const pugi::xml_attribute& a : c.attributes()) {
        const std::string_view key = a.name();
        if (oneOf(key, {"busStop", "lane", "startPos", "endPos", "duration", "friendlyPos", "index"})) continue;
        if (oneOf(key, {"triggered", "parking", "containerTriggered"}) && std::string_view(a.value()) == "false") continue;
        m_ignored.add("stop attribute '" + std::string(key) + "' (not modelled: the vehicle stands for the duration)",
                      stopEntity + " " + std::string(key) + "=\"" + a.value() + "\"");
      }
      if (!stops.empty() && stops.back().stop == *index) stops.back().standS += duration;
      else stops.push_back({*index, duration, c});
    }
    return stops;
  }

  // The shortest way from `road` back to itself through another road, or nullopt.
  std::optional<std::vector<RoadId>> loopFrom(RoadId road) {
    std::optional<std::vector<RoadId>> best;
    double bestM = std::numeric_limits<double>::infinity();
    for (MovementId m : m_net.road(road).movementsOut) {
      auto back = m_router.shortestRoute(m_net.movement(m).toRoad, road);
      if (!back) continue;
      double lengthM = 0;
      for (RoadId r : *back) lengthM += m_net.road(r).lengthM;
      if (lengthM < bestM) {
        bestM = lengthM;
        back->insert(back->begin(), road);
        best = std::move(back);
      }
    }
    return best;
  }

  // A route through the vehicle's stops: from `from` (or the first stop's road) through each stop's
  // road in order to `to` (or the last stop's road), shortest leg by leg on free-flow times; a stop
  // on the road the route is on but behind the last halt there takes the shortest loop back to it.
  std::optional<std::vector<RoadId>> routeThroughStops(const pugi::xml_node& n, const std::string& entity,
                                                       const std::vector<VehicleStop>& stops) {
    std::vector<std::pair<RoadId, double>> waypoints;  // road, position along it
    if (n.attribute("from")) waypoints.emplace_back(edges(n, "from", entity).front(), 0.0);
    for (const VehicleStop& st : stops) {
      const TransitStop& stop = m_transit->stops[st.stop];
      waypoints.emplace_back(m_net.lane(stop.lane).road, stop.positionM);
    }
    if (n.attribute("to")) {
      const RoadId to = edges(n, "to", entity).front();
      waypoints.emplace_back(to, m_net.road(to).lengthM);
    }
    std::vector<RoadId> route{waypoints.front().first};
    double atM = waypoints.front().second;
    for (std::size_t k = 1; k < waypoints.size(); ++k) {
      const auto [road, posM] = waypoints[k];
      if (road != route.back() || posM <= atM) {
        auto leg = road == route.back() ? loopFrom(road) : m_router.shortestRoute(route.back(), road);
        if (!leg) return std::nullopt;
        route.insert(route.end(), leg->begin() + 1, leg->end());
        if (route.size() > kMaxRouteRoads) m_xml.fail(n, entity, routeTooLongReason(route.size(), k + 1 < waypoints.size()));
      }
      atM = posM;
    }
    return route;
  }

  // Where each stop lies on `route` (the index of its road), in order; a stop not on the route
  // after the one before it is an error, as in SUMO.
  std::vector<std::uint16_t> placeStops(const std::string& entity, const std::vector<RoadId>& route,
                                        const std::vector<VehicleStop>& stops, VehicleTypeId type) const {
    std::vector<std::uint16_t> at;
    std::size_t routeAt = 0;
    double lastPosition = -1;
    for (const VehicleStop& st : stops) {
      const TransitStop& stop = m_transit->stops[st.stop];
      const RoadId road = m_net.lane(stop.lane).road;
      std::size_t k = routeAt;
      while (k < route.size() && !(route[k] == road && (k > routeAt || stop.positionM > lastPosition))) ++k;
      if (k == route.size())
        m_xml.fail(st.node, entity, "stop " + inQuotes(stop.id) + " (edge " + inQuotes(m_net.road(road).name) +
                                        ") is not on the vehicle's route after its previous stop");
      const VehicleClass cls = m_types[type.index()].vehicleClass;
      if (!m_net.lane(stop.lane).allowed.allows(cls))
        m_xml.fail(st.node, entity, "stop " + inQuotes(stop.id) + " is on a lane that vehicles of class " +
                                        std::string(toString(cls)) + " may not use");
      at.push_back(static_cast<std::uint16_t>(k));
      routeAt = k;
      lastPosition = stop.positionM;
    }
    return at;
  }

  // A vehicle (or flow) that stops becomes a transit line of its own, each vehicle one run of it:
  // trafficsim's stops phase is what halts vehicles at stops, keeps them standing and sends them
  // on, with their lane choice ahead of the stop and the viewer's plan of upcoming stops. Each
  // stop's duration is the line's stand time there; the doors take no time of their own (SUMO's
  // duration is the whole stand) and nobody rides (persons are not read). The schedule is the
  // free-flow time to each stop plus the stands before it; nothing holds to it.
  std::uint32_t addLine(const std::string& id, VehicleTypeId type, RouteId route, const std::vector<VehicleStop>& stops,
                        const std::vector<std::uint16_t>& stopRoute) {
    TransitLine line;
    line.id = id;
    line.type = type;
    line.route = route;
    line.doorS = 0;
    const VehicleType& t = m_types[type.index()];
    const auto roads = m_demand.routes.route(route);
    double elapsed = 0;
    std::size_t road = 0;
    for (std::size_t k = 0; k < stops.size(); ++k) {
      const TransitStop& stop = m_transit->stops[stops[k].stop];
      for (; road < stopRoute[k]; ++road) elapsed += m_net.road(roads[road]).lengthM / freeSpeed(roads[road], t);
      line.stops.push_back(stops[k].stop);
      line.stopRoute.push_back(stopRoute[k]);
      line.scheduleS.push_back(elapsed + stop.positionM / freeSpeed(roads[road], t));
      line.standS.push_back(stops[k].standS);
      elapsed += stops[k].standS;
    }
    line.timingPoint.assign(stops.size(), false);
    m_transit->lines.push_back(std::move(line));
    return static_cast<std::uint32_t>(m_transit->lines.size() - 1);
  }

  [[nodiscard]] double freeSpeed(RoadId road, const VehicleType& t) const {
    return desiredSpeed(t, m_net.lane(m_net.road(road).lanes.front()).speedLimitMps);
  }

  // A line some of whose runs were made: keeps their departures; one with none is taken back.
  void closeLine(std::uint32_t line, std::vector<double> departuresS) {
    if (departuresS.empty()) {
      m_transit->lines.pop_back();  // the last line added, which no trip refers to
      return;
    }
    m_transit->lines[line].departuresS = std::move(departuresS);
  }

  // ---- vehicles -----------------------------------------------------------------------------

  // The vehicle's departLane, departPos and departSpeed (SUMO's defaults, first, base and 0, where
  // absent), and a report of the attributes trafficsim does not use. A value trafficsim does not
  // model is reported once per kind and the vehicle enters as trafficsim's own insertion would in
  // that respect (DepartSpec's Auto).
  DepartSpec readDepartAttributes(const pugi::xml_node& n, const std::string& entity, std::string_view element) {
    DepartSpec spec;
    spec.lane = DepartSpec::Lane::First;
    spec.speed = DepartSpec::Speed::Given;
    spec.speedMps = 0;
    auto unsupported = [&](std::string_view k, std::string_view v) {
      m_ignored.add(std::string(element) + " " + std::string(k) + "=\"" + std::string(v) +
                        "\" (not modelled; trafficsim's own insertion decides this)",
                    entity);
    };
    for (const pugi::xml_attribute& a : n.attributes()) {
      const std::string_view k = a.name();
      const std::string_view v = a.value();
      if (oneOf(k, {"id", "type", "depart", "route", "from", "to", "via", "begin", "end", "period", "vehsPerHour",
                    "probability", "number"}))
        continue;
      if (k == "departLane") {
        if (v == "first") spec.lane = DepartSpec::Lane::First;
        else if (v == "random") spec.lane = DepartSpec::Lane::Random;
        else if (v == "free" || v == "allowed") spec.lane = DepartSpec::Lane::Free;
        else if (v == "best") spec.lane = DepartSpec::Lane::Best;
        else if (isNumber(v)) {
          const int index = m_xml.integer(n, "departLane", entity);
          if (index < 0) m_xml.fail(n, entity, "departLane must be a lane index >= 0, got " + std::string(v));
          spec.lane = DepartSpec::Lane::Index;
          spec.laneIndex = static_cast<std::uint16_t>(std::min(index, 0xFFFF));  // SUMO's number until add() maps it
        } else {
          unsupported(k, v);
          spec.lane = DepartSpec::Lane::Auto;
        }
        continue;
      }
      if (k == "departPos") {
        if (v == "base") spec.pos = DepartSpec::Pos::Auto;
        else if (v == "random") spec.pos = DepartSpec::Pos::Random;
        else if (v == "free") spec.pos = DepartSpec::Pos::Free;
        else if (v == "random_free") spec.pos = DepartSpec::Pos::RandomFree;
        else if (v == "last") spec.pos = DepartSpec::Pos::Last;
        else if (isNumber(v)) {
          spec.pos = DepartSpec::Pos::Given;
          spec.posM = m_xml.number(n, "departPos", entity);
        } else
          unsupported(k, v);
        continue;
      }
      if (k == "departSpeed") {
        if (v == "max") spec.speed = DepartSpec::Speed::Max;
        else if (v == "desired") spec.speed = DepartSpec::Speed::Desired;
        else if (v == "speedLimit") spec.speed = DepartSpec::Speed::SpeedLimit;
        else if (v == "random") spec.speed = DepartSpec::Speed::Random;
        else if (isNumber(v)) {
          spec.speed = DepartSpec::Speed::Given;
          spec.speedMps = m_xml.number(n, "departSpeed", entity);
          if (spec.speedMps < 0) m_xml.fail(n, entity, "departSpeed must be >= 0 m/s, got " + std::string(v));
        } else {
          unsupported(k, v);
          spec.speed = DepartSpec::Speed::Auto;
        }
        continue;
      }
      if (k == "arrivalLane" && v == "current") continue;
      if (k == "arrivalPos" && v == "max") continue;
      if (k == "color") continue;  // presentation only
      // One line per attribute, whatever its values: the first occurrence shows one.
      m_ignored.add(std::string(element) + " attribute '" + std::string(k) + "'", entity + " " + std::string(k) + "=\"" + std::string(v) + "\"");
    }
    return spec;
  }

  static bool isNumber(std::string_view v) {
    return !v.empty() && v.find_first_not_of("0123456789.-+eE") == std::string_view::npos;
  }

  std::optional<double> departure(const pugi::xml_node& n, const std::string& entity) {
    const std::string text = m_xml.requiredString(n, "depart", entity);
    if (text == "triggered" || text == "containerTriggered" || text == "split") {
      m_dropped.add("vehicles with depart=\"" + text + "\"", entity);
      return std::nullopt;
    }
    const double t = text == "now" || text == "begin" ? m_options.beginS : m_xml.number(n, "depart", entity);
    if (t < 0) m_xml.fail(n, entity, "depart must be >= 0, got " + text);
    return t;
  }

  // Adds the vehicle as a trip (a run of `line` when it has one); false when it departs outside the
  // run's window.
  bool add(const pugi::xml_node& n, const std::string& id, VehicleTypeId type, double sumoDepartS, RouteId route,
           DepartSpec depart, std::uint32_t line = UINT32_MAX) {
    if (sumoDepartS < m_options.beginS) {
      ++m_beforeBegin;
      return false;
    }
    if (sumoDepartS >= m_options.endS) {
      ++m_afterEnd;
      return false;
    }
    // Flows are checked against the limit before their trips are made; this catches what an
    // estimate cannot (probability flows drawing more than their expectation, many vehicles).
    if (m_demand.trips.size() >= m_limits.maxTrips)
      throw LoadError(m_xml.name(), inQuotes(id), tripLimitReason());
    // The first road decides what the lane and position mean.
    const Road& first = m_net.road(m_demand.routes.route(route).front());
    const VehicleClass cls = m_types[type.index()].vehicleClass;
    const std::string entity = "vehicle " + inQuotes(id);
    if (depart.lane == DepartSpec::Lane::Index) {
      // SUMO numbers lanes from the right, over all of the edge's lanes (sidewalks included).
      const int sumoIndex = depart.laneIndex;
      auto it = std::find_if(first.lanes.begin(), first.lanes.end(), [&](LaneId l) { return m_net.lane(l).mapIndex == sumoIndex; });
      if (it == first.lanes.end())
        m_xml.fail(n, entity,
                   "departLane " + std::to_string(sumoIndex) + ": edge " + inQuotes(first.name) + " has no lane " +
                       std::to_string(sumoIndex) + " that vehicles may use (give another, or first, best, free, random)");
      if (!m_net.lane(*it).allowed.allows(cls))
        m_xml.fail(n, entity,
                   "departLane " + std::to_string(sumoIndex) + ": lane " + std::to_string(sumoIndex) + " of edge " +
                       inQuotes(first.name) + " does not allow its vehicle class (give another, or first, best, free, random)");
      depart.laneIndex = static_cast<std::uint16_t>(it - first.lanes.begin());
    }
    if (depart.pos == DepartSpec::Pos::Given) {
      const double along = depart.posM >= 0 ? depart.posM : first.lengthM + depart.posM;
      if (along < 0 || along > first.lengthM + 1e-9)
        m_xml.fail(n, entity,
                   "departPos " + std::to_string(depart.posM) + " m is off edge " + inQuotes(first.name) + " (" +
                       std::to_string(first.lengthM) + " m long; a negative position counts from its end)");
    }
    // Random choices drawn here, from the seed and the vehicle's id.
    const std::uint64_t who = hashName(id);
    if (depart.lane == DepartSpec::Lane::Random) depart.drawLane = uniform01(m_options.seed, hashName("sumo.departLane"), who);
    if (depart.pos == DepartSpec::Pos::Random || depart.pos == DepartSpec::Pos::RandomFree)
      depart.drawPos = uniform01(m_options.seed, hashName("sumo.departPos"), who);
    if (depart.speed == DepartSpec::Speed::Random) depart.drawSpeed = uniform01(m_options.seed, hashName("sumo.departSpeed"), who);
    Trip trip{id, type, sumoDepartS - m_options.beginS, route, line};
    trip.depart = depart;
    m_demand.trips.push_back(std::move(trip));
    ++m_added;
    return true;
  }

  // Adds a vehicle that may stop: a plain trip without stops, else the one run of a line of its own.
  void addStopping(const pugi::xml_node& n, const std::string& id, VehicleTypeId type, double sumoDepartS,
                   const std::vector<RoadId>& roads, RouteId route, const std::vector<VehicleStop>& stops,
                   DepartSpec depart) {
    if (stops.empty()) {
      add(n, id, type, sumoDepartS, route, depart);
      return;
    }
    const auto stopRoute = placeStops("vehicle " + inQuotes(id), roads, stops, type);
    const std::uint32_t line = addLine(id, type, route, stops, stopRoute);
    const bool added = add(n, id, type, sumoDepartS, route, depart, line);
    closeLine(line, added ? std::vector<double>{sumoDepartS - m_options.beginS} : std::vector<double>{});
  }

  [[nodiscard]] std::string tripLimitReason() const {
    return "the route files take the scenario past " + std::to_string(m_limits.maxTrips) +
           " trips (limits.max_trips); raise it with [limits] max_trips in the scenario if the machine has the memory "
           "(about 260 bytes per trip)";
  }

  // Resource limits (issue 14): `count`, a flow's vehicles as estimated before any is made, must
  // fit within limits.max_trips together with the trips read so far.
  void checkFlowCount(const pugi::xml_node& n, const std::string& entity, double count) const {
    if (static_cast<double>(m_demand.trips.size()) + count > static_cast<double>(m_limits.maxTrips)) {
      char text[32];
      std::snprintf(text, sizeof text, "%.0f", std::min(count, 1e18));
      m_xml.fail(n, entity, "its " + std::string(text) + " vehicles: " + tripLimitReason());
    }
  }

  void readVehicle(const pugi::xml_node& n) {
    const std::string id = m_xml.requiredString(n, "id", "vehicle");
    const std::string entity = "vehicle " + inQuotes(id);
    const DepartSpec departSpec = readDepartAttributes(n, entity, "vehicle");
    const auto depart = departure(n, entity);
    const auto type = typeOf(n, entity, id);
    if (!depart || !type) return;
    const auto stops = readStops(n, entity, id);
    const auto edges = explicitRoute(n, entity, id);
    if (!edges) return;
    const auto route = routeId(*edges, *type, entity);
    if (route) addStopping(n, id, *type, *depart, *edges, *route, stops, departSpec);
  }

  void readTrip(const pugi::xml_node& n) {
    const std::string id = m_xml.requiredString(n, "id", "trip");
    const std::string entity = "trip " + inQuotes(id);
    const DepartSpec departSpec = readDepartAttributes(n, entity, "trip");
    const auto depart = departure(n, entity);
    const auto type = typeOf(n, entity, id);
    if (!depart || !type) return;
    const auto stops = readStops(n, entity, id);
    if (stops.empty() && (!n.attribute("from") || !n.attribute("to"))) {
      // Trips between junctions, zones or coordinates need SUMO's devices; they are counted, not
      // run (and so are trips defined by stops when the stops are not read).
      m_dropped.add("trips without 'from' and 'to' edges or stops (by junction, zone or coordinates only)", entity);
      return;
    }
    const auto route = stops.empty() ? routedRoute(n, entity) : routeThroughStops(n, entity, stops);
    if (!route) {
      m_dropped.add("trips with no route between their edges or stops", entity);
      return;
    }
    if (auto r = routeId(*route, *type, entity)) addStopping(n, id, *type, *depart, *route, *r, stops, departSpec);
  }

  void readFlow(const pugi::xml_node& n) {
    const std::string id = m_xml.requiredString(n, "id", "flow");
    const std::string entity = "flow " + inQuotes(id);
    const DepartSpec departSpec = readDepartAttributes(n, entity, "flow");
    const auto type = typeOf(n, entity, id + ".0");
    if (!type) return;
    // On a route or type distribution every vehicle of the flow draws its own.
    const bool perVehicleRoute = isDistribution(n);
    const bool perVehicleType = m_typeDistributions.contains(typeName(n));
    const bool perVehicle = perVehicleRoute || perVehicleType;
    std::vector<VehicleStop> stops = readStops(n, entity, id);
    if (!stops.empty() && perVehicle) {
      m_ignored.add("flow <stop>s on a route or type distribution (not run; the vehicles drive their routes)", entity);
      stops.clear();
    }
    const bool byStops = !stops.empty() && !n.attribute("route") && !n.child("route");
    std::optional<std::vector<RoadId>> route;
    if ((n.attribute("from") && n.attribute("to")) || byStops) {
      route = stops.empty() ? routedRoute(n, entity) : routeThroughStops(n, entity, stops);
      if (!route) {
        m_dropped.add("flows with no route between their edges or stops", entity);
        return;
      }
    } else {
      route = explicitRoute(n, entity, id + ".0");
      if (!route) return;
    }
    const auto rid = perVehicle ? std::optional<RouteId>{} : routeId(*route, *type, entity);
    if (!rid && !perVehicle) return;
    // A flow that stops is one line, each of its vehicles a run.
    const std::uint32_t line = stops.empty() ? UINT32_MAX : addLine(id, *type, *rid, stops, placeStops(entity, *route, stops, *type));
    std::vector<double> runs;
    struct CloseLine {  // closes the line however the flow's reading ends
      RouteReader& reader;
      std::uint32_t line;
      std::vector<double>& runs;
      ~CloseLine() {
        if (line != UINT32_MAX) reader.closeLine(line, std::move(runs));
      }
    } closeAtEnd{*this, line, runs};

    const double begin = m_xml.number(n, "begin", entity, 0.0);
    const bool hasNumber = static_cast<bool>(n.attribute("number"));
    const int number = hasNumber ? m_xml.integer(n, "number", entity) : 0;
    if (number < 0) m_xml.fail(n, entity, "number must be >= 0");
    const double end = m_xml.number(n, "end", entity, hasNumber ? std::numeric_limits<double>::infinity() : kDefaultFlowEndS);
    if (end < begin) m_xml.fail(n, entity, "end must not be before begin");
    const int rates = (n.attribute("period") ? 1 : 0) + (n.attribute("vehsPerHour") ? 1 : 0) + (n.attribute("probability") ? 1 : 0);
    if (rates > 1) m_xml.fail(n, entity, "give one of period, vehsPerHour and probability");
    // As SUMO: with a rate, the flow stops at its end or after its number, not both.
    if (rates == 1 && hasNumber && n.attribute("end"))
      m_xml.fail(n, entity, "with period, vehsPerHour or probability give 'end' or 'number', not both");
    // Departures stop at `end` (exclusive) and at the run's end; `number` caps them too.
    const double stopS = std::min(end, m_options.endS);
    const std::size_t cap = hasNumber ? static_cast<std::size_t>(number) : SIZE_MAX;
    std::size_t k = 0;
    auto emit = [&](double t) {
      const std::string vehicle = id + "." + std::to_string(k);
      ++k;
      if (!perVehicle) {
        if (add(n, vehicle, *type, t, *rid, departSpec, line) && line != UINT32_MAX) runs.push_back(t - m_options.beginS);
        return;
      }
      const auto ownType = perVehicleType ? typeOf(n, entity, vehicle) : type;
      const auto ownRoute = perVehicleRoute ? explicitRoute(n, entity, vehicle) : route;
      if (!ownType || !ownRoute) return;
      if (const auto r = routeId(*ownRoute, *ownType, entity)) add(n, vehicle, *ownType, t, *r, departSpec);
    };
    const std::uint64_t stream = hashName("sumo.flow." + id);

    if (const pugi::xml_attribute p = n.attribute("probability")) {
      const double prob = m_xml.number(n, "probability", entity);
      if (prob <= 0 || prob > 1) m_xml.fail(n, entity, "probability must be in (0, 1], got " + std::string(p.value()));
      if (!std::isfinite(stopS)) m_xml.fail(n, entity, "a flow with a probability needs an end");
      // One draw per second: bound the seconds, not only the vehicles (a tiny probability over a
      // huge interval would otherwise loop for ever).
      const double draws = std::max(0.0, std::ceil(stopS - begin));
      if (draws > kMaxProbabilityDraws)
        m_xml.fail(n, entity, "a flow with a probability draws once per second; from begin to end is more than " +
                                  std::to_string(static_cast<long long>(kMaxProbabilityDraws)) + " s");
      checkFlowCount(n, entity, std::min(static_cast<double>(cap), draws * prob));
      // One draw per second of the interval, as SUMO does with its default 1 s step.
      for (std::uint64_t s = 0; begin + static_cast<double>(s) < stopS && k < cap; ++s)
        if (uniform01(m_options.seed, stream, s) < prob) emit(begin + static_cast<double>(s));
      return;
    }
    std::optional<double> periodS;
    bool poisson = false;
    if (const pugi::xml_attribute p = n.attribute("period")) {
      const std::string text = p.value();
      if (text.rfind("exp(", 0) == 0 && text.back() == ')') {
        char* endPtr = nullptr;
        const double rate = std::strtod(text.c_str() + 4, &endPtr);
        if (!(rate > 0) || endPtr != text.c_str() + text.size() - 1)
          m_xml.fail(n, entity, "period \"" + text + "\": exp(rate) needs a rate > 0 vehicles per second");
        periodS = 1.0 / rate;
        poisson = true;
      } else {
        periodS = m_xml.number(n, "period", entity);
        if (!(*periodS > 0)) m_xml.fail(n, entity, "period must be > 0 s");
      }
    } else if (n.attribute("vehsPerHour")) {
      const double vph = m_xml.number(n, "vehsPerHour", entity);
      if (!(vph > 0)) m_xml.fail(n, entity, "vehsPerHour must be > 0");
      periodS = 3600.0 / vph;
    } else if (hasNumber) {
      if (!std::isfinite(end)) m_xml.fail(n, entity, "a flow with only 'number' needs an 'end' to spread its vehicles over");
      if (number == 0) return;
      periodS = (end - begin) / number;
      if (!(*periodS > 0)) {
        checkFlowCount(n, entity, number);
        for (int i = 0; i < number; ++i) emit(begin);  // all at once when begin == end
        return;
      }
    } else {
      m_xml.fail(n, entity, "give one of period, vehsPerHour, probability or number");
    }
    const double span = std::isfinite(stopS) ? stopS - begin : static_cast<double>(cap) * *periodS;
    if (span / *periodS > kMaxVehiclesPerFlow && cap == SIZE_MAX)
      m_xml.fail(n, entity, "would create more than " + std::to_string(static_cast<long long>(kMaxVehiclesPerFlow)) + " vehicles");
    checkFlowCount(n, entity, std::min(static_cast<double>(cap), std::ceil(span / *periodS)));
    if (poisson) {
      double t = begin;
      for (std::uint64_t draw = 0; k < cap; ++draw) {
        const double u = uniform01(m_options.seed, stream, draw);
        t += -std::log1p(-u) * *periodS;
        if (t >= stopS) break;
        emit(t);
      }
      return;
    }
    for (std::size_t i = 0; k < cap; ++i) {
      const double t = begin + static_cast<double>(i) * *periodS;
      if (t >= stopS - 1e-9) break;
      emit(t);
    }
  }

  XmlFile m_xml;
  const RoadNetwork& m_net;
  std::vector<VehicleType>& m_types;
  Demand& m_demand;
  Transit* m_transit;
  bool m_additional;
  std::unordered_map<std::string, std::uint32_t> m_stopIndex;  // Transit::stops by id
  std::size_t m_busStops = 0;
  SumoDemandOptions m_options;
  ResourceLimits m_limits;
  Router m_router;
  sumo::Ignored m_ignored;
  sumo::Ignored m_dropped;
  std::unordered_map<std::string, std::vector<RoadId>> m_namedRoutes;
  std::unordered_map<std::string, std::string> m_unusableTypes;
  std::unordered_map<std::string, std::vector<std::pair<VehicleTypeId, double>>> m_typeDistributions;
  std::unordered_map<std::string, std::vector<std::pair<std::vector<RoadId>, double>>> m_routeDistributions;
  std::map<std::vector<std::uint32_t>, RouteId> m_routeIds;
  std::size_t m_beforeBegin = 0, m_afterEnd = 0, m_added = 0;
};

}  // namespace

std::optional<VehicleType> sumoDefaultVehicleType(const std::string& vClass) {
  // SUMO's documented defaults per class ("Vehicle Type Parameter Defaults"); the driving model's
  // shared defaults are accel 2.6, decel 4.5, emergencyDecel 9, tau 1, minGap 2.5.
  VehicleType t;
  t.vehicleClass = VehicleClass::Car;
  t.lengthM = 5.0;
  t.widthM = 1.8;
  t.minGapM = 2.5;
  t.accelMps2 = 2.6;
  t.comfortDecelMps2 = 4.5;
  t.maxDecelMps2 = 9.0;
  t.headwayS = 1.0;
  t.maxSpeedMps = 55.56;
  t.speedFactor = 1.0;
  if (oneOf(vClass, {"passenger", "private", "taxi", "hov", "evehicle", "custom1", "custom2", "vip", "authority", "army"})) {
    // as above
  } else if (vClass == "bus") {
    t.vehicleClass = VehicleClass::Bus;
    t = {.name = t.name, .vehicleClass = VehicleClass::Bus, .lengthM = 12.0, .widthM = 2.5, .maxSpeedMps = 27.78,
         .accelMps2 = 1.2, .comfortDecelMps2 = 4.0, .maxDecelMps2 = 7.0, .minGapM = 2.5, .headwayS = 1.0};
  } else if (vClass == "coach") {
    t = {.name = t.name, .vehicleClass = VehicleClass::Bus, .lengthM = 14.0, .widthM = 2.6, .maxSpeedMps = 27.78,
         .accelMps2 = 2.0, .comfortDecelMps2 = 4.0, .maxDecelMps2 = 7.0, .minGapM = 2.5, .headwayS = 1.0};
  } else if (vClass == "bicycle") {
    t = {.name = t.name, .vehicleClass = VehicleClass::Bike, .lengthM = 1.6, .widthM = 0.65, .maxSpeedMps = 5.56,
         .accelMps2 = 1.2, .comfortDecelMps2 = 3.0, .maxDecelMps2 = 7.0, .minGapM = 0.5, .headwayS = 1.0};
  } else if (oneOf(vClass, {"truck", "trailer"})) {
    t.lengthM = vClass == "truck" ? 7.1 : 16.5;
    t.widthM = 2.4;
    t.maxSpeedMps = vClass == "truck" ? 36.11 : 27.78;
    t.accelMps2 = vClass == "truck" ? 1.3 : 1.1;
    t.comfortDecelMps2 = 4.0;
    t.maxDecelMps2 = 7.0;
  } else if (oneOf(vClass, {"delivery", "emergency"})) {
    t.lengthM = 6.5;
    t.widthM = 2.16;
  } else if (oneOf(vClass, {"motorcycle", "moped"})) {
    t.lengthM = vClass == "motorcycle" ? 2.2 : 2.1;
    t.widthM = 0.9;
    t.maxSpeedMps = vClass == "motorcycle" ? 55.56 : 12.5;
    t.accelMps2 = vClass == "motorcycle" ? 6.0 : 1.1;
    t.comfortDecelMps2 = vClass == "motorcycle" ? 10.0 : 7.0;
    t.maxDecelMps2 = 10.0;
  } else {
    return std::nullopt;  // pedestrian, tram, rail, ship, ...
  }
  // SUMO drives Krauss (sigma 0.5) unless a vType names another model. trafficsim drives IDM
  // unless the vType names Krauss: with Krauss by default, the RESCO maps jammed (cologne1:
  // RESCO delay 122.5 s against SUMO's 58.9 s, 17 teleports; with IDM 55.0 s and 3, measured with
  // scripts/sumo-side-by-side.sh). A vType with carFollowModel="Krauss" gets SUMO's model and
  // sigma (docs/validation.md compares a signalised lane that way).
  t.carFollowing = CarFollowingModel::Idm;
  t.kraussSigma = 0.5;
  return t;
}

void loadSumoRoutes(const std::filesystem::path& file, const RoadNetwork& net, std::vector<VehicleType>& types,
                    Demand& demand, const SumoDemandOptions& options, const ResourceLimits& limits, Transit* transit) {
  RouteReader(XmlFile(file, "SUMO route file", limits.maxInputMb * 1'000'000, sumo::kRaiseInputLimit), net, types, demand,
              transit, false, options, limits)
      .read();
  demand.sortByDeparture();
}

void loadSumoRoutesText(std::string_view text, const std::string& name, const RoadNetwork& net,
                        std::vector<VehicleType>& types, Demand& demand, const SumoDemandOptions& options,
                        const ResourceLimits& limits, Transit* transit) {
  RouteReader(XmlFile(name, text), net, types, demand, transit, false, options, limits).read();
  demand.sortByDeparture();
}

std::size_t loadSumoAdditionalDemand(const std::filesystem::path& file, const RoadNetwork& net,
                                     std::vector<VehicleType>& types, Demand& demand, Transit& transit,
                                     const SumoDemandOptions& options, const ResourceLimits& limits) {
  const std::size_t vehicles =
      RouteReader(XmlFile(file, "SUMO additional file", limits.maxInputMb * 1'000'000, sumo::kRaiseInputLimit), net, types,
                  demand, &transit, true, options, limits)
          .read();
  demand.sortByDeparture();
  return vehicles;
}

std::size_t loadSumoAdditionalDemandText(std::string_view text, const std::string& name, const RoadNetwork& net,
                                         std::vector<VehicleType>& types, Demand& demand, Transit& transit,
                                         const SumoDemandOptions& options, const ResourceLimits& limits) {
  const std::size_t vehicles = RouteReader(XmlFile(name, text), net, types, demand, &transit, true, options, limits).read();
  demand.sortByDeparture();
  return vehicles;
}

}  // namespace traffic
