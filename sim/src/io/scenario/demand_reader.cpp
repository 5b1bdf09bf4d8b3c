// Demand readers: [demand] with CityFlow flow files, [[demand.flow]] periodic flows, [[demand.od]]
// origin-destination entries with a time profile and [[demand.trip]] single vehicles, then the
// checks over all trips (unique ids, lanes each class may use). DemandReader::read also runs the
// transit and fleet readers (transit_reader.cpp, fleet_reader.cpp), which add trips of their own.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "io/scenario/toml_reader.h"
#include "traffic/errors.h"
#include "traffic/loaders/citybrain.h"
#include "traffic/loaders/cityflow.h"
#include "traffic/loaders/sumo.h"

namespace traffic::toml_reader {

// A path or a list of paths under `label`.
std::vector<const toml::node*> DemandReader::filePaths(const TableView& t, const toml::node* n,
                                                       const std::string& label) const {
  std::vector<const toml::node*> files;
  if (n->is_string()) {
    files.push_back(n);
  } else if (const toml::array* arr = n->as_array()) {
    for (const auto& element : *arr) {
      if (!element.is_string())
        m_loader.fail(&element, label, "expected file paths (strings), found " + std::string(typeName(element.type())));
      files.push_back(&element);
    }
  } else {
    t.fail(label.substr(label.find('.') + 1), "expected a path or a list of paths, got " + std::string(typeName(n->type())));
  }
  return files;
}

void DemandReader::read(const TableView& root) {
  if (root.node("demand") == nullptr && root.node("transit") == nullptr && root.node("fleet") == nullptr &&
      m_sumoAdditional.empty())
    root.failTable("missing [demand]: add demand.cityflow_flows, [[demand.flow]] or [[demand.od]] entries");
  const TableView t =
      subTable(m_loader, root, "demand",
               {"cityflow_flows", "sumo_routes", "sumo_begin_s", "citybrain_flows", "flow", "od", "trip", "departure_jitter_s"});
  const double jitterS = t.positive("departure_jitter_s", 0, true);

  if (const toml::node* n = t.node("cityflow_flows")) {
    for (const toml::node* f : filePaths(t, n, "demand.cityflow_flows")) {
      const fs::path path = m_loader.resolveFile(f, "demand.cityflow_flows", *f->value<std::string>());
      loadCityflowFlows(path, *m_sc.network, m_sc.vehicleTypes, m_sc.demand, m_loader.limits());
    }
  }

  if (const toml::node* n = t.node("citybrain_flows")) {
    for (const toml::node* f : filePaths(t, n, "demand.citybrain_flows")) {
      const fs::path path = m_loader.resolveCitybrainFile(f, "demand.citybrain_flows", *f->value<std::string>());
      loadCitybrainFlows(path, *m_sc.network, m_sc.vehicleTypes, m_sc.demand, m_loader.limits());
    }
  }

  // SUMO demand: the additional files' first (SUMO loads them before the route files, so their
  // vTypes and bus stops serve the route files), then the route files, each in the order given.
  const toml::node* sumoRoutes = t.node("sumo_routes");
  if (sumoRoutes != nullptr || !m_sumoAdditional.empty()) {
    SumoDemandOptions options;
    options.beginS = t.positive("sumo_begin_s", 0, true);
    options.endS = options.beginS + m_sc.durationS;
    options.seed = m_sc.seed;
    std::size_t additionalVehicles = 0;
    for (const fs::path& path : m_sumoAdditional)
      additionalVehicles += loadSumoAdditionalDemand(path, *m_sc.network, m_sc.vehicleTypes, m_sc.demand, m_sc.transit,
                                                     options, m_loader.limits());
    const auto routeFiles = sumoRoutes != nullptr ? filePaths(t, sumoRoutes, "demand.sumo_routes") : std::vector<const toml::node*>{};
    // A SUMO configuration without route files gives an empty list: its demand must then be in its
    // additional files.
    if (sumoRoutes != nullptr && routeFiles.empty() && additionalVehicles == 0)
      t.fail("sumo_routes", m_sumoAdditional.empty()
                                ? "names no route files; trafficsim needs demand to run"
                                : "names no route files and the additional files hold no vehicles, trips or flows; "
                                  "trafficsim needs demand to run");
    if (sumoRoutes != nullptr || additionalVehicles > 0) m_sc.seedShapesInputs = true;
    for (const toml::node* f : routeFiles) {
      const fs::path path = m_loader.resolveFile(f, "demand.sumo_routes", *f->value<std::string>());
      loadSumoRoutes(path, *m_sc.network, m_sc.vehicleTypes, m_sc.demand, options, m_loader.limits(), &m_sc.transit);
    }
  }
  if (sumoRoutes == nullptr && m_sumoAdditional.empty() && t.node("sumo_begin_s"))
    t.fail("sumo_begin_s", "only applies to demand.sumo_routes or map.sumo_additional, neither of which is given");

  if (const toml::array* flows = t.tableArray("flow"))
    for (std::size_t i = 0; i < flows->size(); ++i) readFlow(*flows->get(i)->as_table(), i);
  if (const toml::array* ods = t.tableArray("od"))
    for (std::size_t i = 0; i < ods->size(); ++i) readOd(*ods->get(i)->as_table(), i);
  if (const toml::array* trips = t.tableArray("trip"))
    for (std::size_t i = 0; i < trips->size(); ++i) readTrip(*trips->get(i)->as_table(), i);

  readTransit(root);
  if (const toml::array* fleets = root.tableArray("fleet"))
    for (std::size_t i = 0; i < fleets->size(); ++i) readFleet(*fleets->get(i)->as_table(), i);
  std::stable_sort(m_sc.fleets.requests.begin(), m_sc.fleets.requests.end(),
                   [](const RideRequest& a, const RideRequest& b) { return a.timeS < b.timeS; });
  if (m_sc.demand.trips.empty())
    t.failTable("the demand yields no vehicles; check the flow files, veh_per_hour and vehicles");
  checkTripIds();
  checkLaneUse();
  jitterDepartures(m_sc.demand, jitterS, m_sc.seed);
  if (jitterS > 0) m_sc.seedShapesInputs = true;
  m_sc.demand.sortByDeparture();
}

void DemandReader::readFlow(const toml::table& table, std::size_t index) {
  TableView named(m_loader, table, "demand.flow[" + std::to_string(index) + "]",
                  {"id", "type", "route", "from", "to", "begin_s", "end_s", "veh_per_hour", "poisson"});
  FlowSpec flow;
  flow.id = uniqueId(named);
  named.relabel("demand.flow '" + flow.id + "'");
  flow.type = vehicleType(named);
  flow.route = routeOrEnds(named);
  flow.routed = named.node("route") == nullptr;
  flow.beginS = named.positive("begin_s", 0, true);
  flow.endS = named.number("end_s", m_sc.durationS);
  if (flow.endS <= flow.beginS)
    named.fail("end_s", "must be after begin_s (" + formatNumber(flow.beginS) + " s), got " + formatNumber(flow.endS));
  if (!named.node("veh_per_hour")) named.failTable("missing veh_per_hour");
  flow.vehPerHour = named.positive("veh_per_hour", 0);
  flow.poisson = named.boolean("poisson").value_or(false);
  requireTrips(named, "veh_per_hour", flow.vehPerHour * (flow.endS - flow.beginS) / 3600.0);
  expandFlow(*m_sc.network, router(), flow, m_sc.seed, m_loader.fileName(), m_sc.demand);
  m_sc.seedShapesInputs = true;
}

/// An explicit `route` (checked to be connected), or `from` and `to` (two roads, to be routed).
std::vector<RoadId> DemandReader::routeOrEnds(const TableView& named) {
  const bool hasRoute = named.node("route") != nullptr;
  const bool hasEnds = named.node("from") != nullptr || named.node("to") != nullptr;
  if (hasRoute == hasEnds)
    named.failTable(hasRoute ? "give either route or from/to, not both"
                             : "needs a route = [\"road\", ...] or from = \"road\" and to = \"road\"");
  if (!hasRoute) return {endRoad(named, "from"), endRoad(named, "to")};
  std::vector<RoadId> roads;
  const toml::array* route = named.array("route");
  if (route->empty()) named.fail("route", "the route is empty");
  if (route->size() > kMaxRouteRoads) named.fail("route", routeTooLongReason(route->size()));
  for (const auto& element : *route) {
    if (!element.is_string())
      m_loader.fail(&element, named.keyLabel("route"), "expected road names, found " + std::string(typeName(element.type())));
    roads.push_back(road(named.keyLabel("route"), &element, *element.value<std::string>()));
  }
  if (auto bad = firstDisconnected(*m_sc.network, roads)) {
    const auto& net = *m_sc.network;
    named.fail("route", "road '" + net.road(roads[*bad]).name + "' does not follow from '" +
                            net.road(roads[*bad - 1]).name + "': the junction between them has no such turn");
  }
  return roads;
}

// One vehicle with its own departure: an ambulance call, a probe car.
void DemandReader::readTrip(const toml::table& table, std::size_t index) {
  TableView named(m_loader, table, "demand.trip[" + std::to_string(index) + "]",
                  {"id", "type", "route", "from", "to", "depart_s"});
  Trip trip;
  trip.id = uniqueId(named);
  named.relabel("demand.trip '" + trip.id + "'");
  trip.type = vehicleType(named);
  std::vector<RoadId> route = routeOrEnds(named);
  if (!named.node("route")) {
    auto found = router().shortestRoute(route.front(), route.back());
    if (!found)
      named.failTable("road '" + m_sc.network->road(route.back()).name + "' cannot be reached from '" +
                      m_sc.network->road(route.front()).name + "'");
    route = std::move(*found);
  }
  if (!named.node("depart_s")) named.failTable("missing depart_s (the departure time, s)");
  trip.departS = named.positive("depart_s", 0, true);
  trip.route = m_sc.demand.routes.add(route);
  m_sc.demand.trips.push_back(std::move(trip));
}

void DemandReader::readOd(const toml::table& table, std::size_t index) {
  TableView named(m_loader, table, "demand.od[" + std::to_string(index) + "]",
                  {"id", "type", "from", "to", "vehicles", "profile", "begin_s", "end_s"});
  OdSpec od;
  od.id = uniqueId(named);
  named.relabel("demand.od '" + od.id + "'");
  od.type = vehicleType(named);
  od.origin = endRoad(named, "from");
  od.destination = endRoad(named, "to");
  if (!named.node("vehicles")) named.failTable("missing vehicles (the number of trips to spread over the profile)");
  od.totalVehicles = named.positive("vehicles", 0);
  requireTrips(named, "vehicles", od.totalVehicles);

  if (const toml::array* profile = named.array("profile")) {
    if (named.node("begin_s") || named.node("end_s"))
      named.failTable("give either profile or begin_s/end_s, not both");
    double weightedLength = 0;
    for (std::size_t i = 0; i < profile->size(); ++i) {
      const toml::node* point = profile->get(i);
      const toml::array* pair = point->as_array();
      if (pair == nullptr || pair->size() != 2 || !pair->get(0)->is_number() || !pair->get(1)->is_number())
        m_loader.fail(point, named.keyLabel("profile"), "each point must be [time_s, weight]");
      const double timeS = *numberOf(*pair->get(0));
      const double weight = *numberOf(*pair->get(1));
      if (!std::isfinite(timeS) || !std::isfinite(weight) || timeS < 0 || weight < 0)
        m_loader.fail(point, named.keyLabel("profile"), "times and weights must be finite and >= 0");
      if (!od.profile.empty()) {
        if (timeS <= od.profile.back().first)
          m_loader.fail(point, named.keyLabel("profile"), "times must increase from point to point");
        weightedLength += od.profile.back().second * (timeS - od.profile.back().first);
      }
      od.profile.emplace_back(timeS, weight);
    }
    if (od.profile.size() < 2) named.fail("profile", "needs at least two points: [[begin, weight], [end, 0]]");
    if (weightedLength <= 0) named.fail("profile", "all weights are zero, so no vehicle could depart");
  } else {
    const double beginS = named.positive("begin_s", 0, true);
    const double endS = named.number("end_s", m_sc.durationS);
    if (endS <= beginS)
      named.fail("end_s", "must be after begin_s (" + formatNumber(beginS) + " s), got " + formatNumber(endS));
    od.profile = {{beginS, 1.0}, {endS, 0.0}};
  }
  expandOd(*m_sc.network, router(), od, m_sc.seed, m_loader.fileName(), m_sc.demand);
  m_sc.seedShapesInputs = true;
}

std::string DemandReader::uniqueId(const TableView& t) {
  std::string id = t.requiredString("id");
  requirePrintable(t, "id", id);
  if (!m_entryIds.insert(id).second)
    t.fail("id", "the id '" + id + "' is used by another flow or OD entry; ids name the trips, so they must differ");
  return id;
}

VehicleTypeId DemandReader::vehicleType(const TableView& t) {
  const std::string name = t.string("type").value_or("car");
  auto& types = m_sc.vehicleTypes;
  for (std::size_t i = 0; i < types.size(); ++i)
    if (types[i].name == name) return VehicleTypeId(i);
  // Scenarios that declare no types still get a plain car, with the defaults of VehicleType.
  if (name == "car" && !m_declaredTypes) {
    types.push_back(VehicleType{});
    return VehicleTypeId(types.size() - 1);
  }
  std::vector<std::string> names;
  for (const auto& type : types) names.push_back(type.name);
  t.fail("type", "unknown vehicle type '" + shown(name) + "'" + didYouMean(name, names) +
                     (names.empty() ? std::string("; no [[vehicle_type]] is declared")
                                    : "; declared types: " + joinList(names)));
}

RoadId DemandReader::road(const std::string& label, const toml::node* node, const std::string& name) {
  if (auto id = m_sc.network->findRoad(name)) return *id;
  if (m_roadNames.empty())
    for (const auto& r : m_sc.network->roads()) m_roadNames.push_back(r.name);
  m_loader.fail(node, label,
                "unknown road '" + shown(name) + "'" + didYouMean(name, m_roadNames) + " in map " + m_sc.mapDescription);
}

RoadId DemandReader::endRoad(const TableView& t, std::string_view key) {
  if (!t.node(key)) t.failTable("missing " + std::string(key) + " (a road name)");
  return road(t.keyLabel(key), t.node(key), *t.string(key));
}

Router& DemandReader::router() {
  if (!m_router) m_router.emplace(*m_sc.network);
  return *m_router;
}

// Every trip can drive its route on lanes its class may use: its first road has such a lane, and
// each turn has a connector between two of them.
void DemandReader::checkLaneUse() const {
  const RoadNetwork& net = *m_sc.network;
  std::unordered_set<std::uint64_t> checked;
  for (const Trip& trip : m_sc.demand.trips) {
    const VehicleClass cls = m_sc.vehicleTypes[trip.type.index()].vehicleClass;
    if (!checked.insert((std::uint64_t{trip.route.value} << 8) | static_cast<std::uint64_t>(cls)).second) continue;
    const auto route = m_sc.demand.routes.route(trip.route);
    auto fail = [&](const std::string& what) {
      throw LoadError(m_loader.fileName(), "trip '" + trip.id + "'",
                      what + " that vehicles of class " + std::string(toString(cls)) +
                          " may use (see [[map.lanes]]); change the route or the lane permissions");
    };
    const auto& first = net.road(route[0]).lanes;
    if (std::none_of(first.begin(), first.end(), [&](LaneId l) { return net.lane(l).allowed.allows(cls); }))
      fail("its first road '" + net.road(route[0]).name + "' has no lane");
    for (std::size_t k = 0; k + 1 < route.size(); ++k) {
      const auto movement = net.movementBetween(route[k], route[k + 1]);
      bool ok = false;
      for (ConnectorId c : net.movement(*movement).connectors)
        ok = ok || (net.lane(net.connector(c).from).allowed.allows(cls) && net.lane(net.connector(c).to).allowed.allows(cls));
      if (!ok)
        fail("the turn from '" + net.road(route[k]).name + "' onto '" + net.road(route[k + 1]).name +
             "' joins no pair of lanes");
    }
  }
}

void DemandReader::checkTripIds() const {
  std::unordered_set<std::string_view> seen;
  seen.reserve(m_sc.demand.trips.size());
  for (const auto& trip : m_sc.demand.trips)
    if (!seen.insert(trip.id).second)
      throw LoadError(m_loader.fileName(), "demand",
                      "two trips share the id '" + trip.id + "'; rename the flow or OD entry that produces it");
}

// ---- resource limits (issue 14) ----
//
// Each count is estimated from the entry's own numbers before anything is made for it, so a typo
// of units or a hostile file ends here with a message, not in swap and the out-of-memory killer.

namespace {

[[noreturn]] void overLimit(const TableView& t, std::string_view key, double expected, const char* what,
                            std::size_t already, std::uint64_t limit, const char* limitKey, const char* perItem) {
  t.fail(key, "would make about " + formatNumber(std::ceil(expected)) + " " + what +
                  (already > 0 ? " (after " + std::to_string(already) + " already)" : std::string()) +
                  ", more than limits." + limitKey + " = " + std::to_string(limit) +
                  "; check the units, or raise the limit with [limits] " + limitKey +
                  " = N if the machine has the memory (about " + perItem + " each)");
}

}  // namespace

void DemandReader::requireTrips(const TableView& t, std::string_view key, double expected) const {
  const std::size_t already = m_sc.demand.trips.size();
  const std::uint64_t limit = m_loader.limits().maxTrips;
  if (!(static_cast<double>(already) + expected <= static_cast<double>(limit)))
    overLimit(t, key, expected, "vehicles", already, limit, "max_trips", "260 bytes");
}

void DemandReader::requirePassengers(const TableView& t, std::string_view key, double expected) const {
  const std::size_t already = m_sc.transit.passengers.size();
  const std::uint64_t limit = m_loader.limits().maxPassengers;
  if (!(static_cast<double>(already) + expected <= static_cast<double>(limit)))
    overLimit(t, key, expected, "passengers", already, limit, "max_passengers", "100 bytes");
}

void DemandReader::requireRequests(const TableView& t, std::string_view key, double expected) const {
  const std::size_t already = m_sc.fleets.requests.size();
  const std::uint64_t limit = m_loader.limits().maxRequests;
  if (!(static_cast<double>(already) + expected <= static_cast<double>(limit)))
    overLimit(t, key, expected, "ride requests", already, limit, "max_requests", "150 bytes");
}

}  // namespace traffic::toml_reader
