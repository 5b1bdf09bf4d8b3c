// CityFlow roadnet and flow files -> RoadNetwork and Demand.
//
// The JSON is read whole with nlohmann::json and walked with small accessors that know which file
// and which entity they are reading, so every wrong key or type becomes a LoadError naming both
// (CityFlow itself reports only "load config failed"). Cross references (roads of a roadLink, the
// roads of a route) are checked here in CityFlow's own terms before the builder sees them; the
// builder's own checks remain as a second line.
#include "traffic/loaders/cityflow.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/cityflow/cityflow_json.h"
#include "io/input_file.h"
#include "traffic/errors.h"

namespace traffic {
namespace {

using nlohmann::json;

// Guards against a flow entry that would expand into an absurd number of vehicles.
constexpr double kMaxVehiclesPerEntry = 10'000'000;

std::string inQuotes(const std::string& s) { return "'" + s + "'"; }

// Typed access to JSON values, failing with the file and the entity being read.
class Reader {
 public:
  explicit Reader(std::string file) : m_file(std::move(file)) {}

  [[noreturn]] void fail(const std::string& entity, const std::string& reason) const {
    throw LoadError(m_file, entity, reason);
  }

  const json& member(const json& obj, const char* key, const std::string& entity) const {
    if (!obj.is_object()) fail(entity, "must be a JSON object");
    auto it = obj.find(key);
    if (it == obj.end()) fail(entity, std::string("missing key '") + key + "'");
    return *it;
  }
  const json* optionalMember(const json& obj, const char* key, const std::string& entity) const {
    if (!obj.is_object()) fail(entity, "must be a JSON object");
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
  double number(const json& obj, const char* key, const std::string& entity) const {
    const json& v = member(obj, key, entity);
    if (!v.is_number()) fail(entity, std::string("'") + key + "' must be a number");
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(entity, std::string("'") + key + "' must be finite");
    return d;
  }
  int integer(const json& obj, const char* key, const std::string& entity) const {
    const json& v = member(obj, key, entity);
    if (!v.is_number_integer()) fail(entity, std::string("'") + key + "' must be an integer");
    return v.get<int>();
  }
  std::string string(const json& obj, const char* key, const std::string& entity) const {
    const json& v = member(obj, key, entity);
    if (!v.is_string()) fail(entity, std::string("'") + key + "' must be a string");
    return v.get<std::string>();
  }
  bool boolean(const json& obj, const char* key, const std::string& entity) const {
    const json& v = member(obj, key, entity);
    if (!v.is_boolean()) fail(entity, std::string("'") + key + "' must be true or false");
    return v.get<bool>();
  }
  const json& array(const json& obj, const char* key, const std::string& entity) const {
    const json& v = member(obj, key, entity);
    if (!v.is_array()) fail(entity, std::string("'") + key + "' must be an array");
    return v;
  }
  Vec2 point(const json& obj, const std::string& entity) const {
    return {number(obj, "x", entity), number(obj, "y", entity)};
  }
  std::vector<Vec2> points(const json& arr, const std::string& entity) const {
    std::vector<Vec2> out;
    out.reserve(arr.size());
    for (const json& p : arr) out.push_back(point(p, entity));
    return out;
  }

 private:
  std::string m_file;
};

TurnType parseTurn(const Reader& rd, const std::string& type, const std::string& entity) {
  if (type == "go_straight") return TurnType::Straight;
  if (type == "turn_left") return TurnType::Left;
  if (type == "turn_right") return TurnType::Right;
  if (type == "turn_u") return TurnType::UTurn;
  rd.fail(entity, "unknown roadLink type '" + type + "' (expected go_straight, turn_left or turn_right)");
}

bool sameParameters(const VehicleType& a, const VehicleType& b) {
  return a.vehicleClass == b.vehicleClass && a.lengthM == b.lengthM && a.widthM == b.widthM &&
         a.maxSpeedMps == b.maxSpeedMps && a.accelMps2 == b.accelMps2 && a.comfortDecelMps2 == b.comfortDecelMps2 &&
         a.maxDecelMps2 == b.maxDecelMps2 && a.minGapM == b.minGapM && a.headwayS == b.headwayS;
}

bool isCityflowTypeName(const std::string& name) {
  return name == "cityflow" || name.rfind("cityflow_", 0) == 0;
}

}  // namespace

json parseCityflowFile(const std::filesystem::path& file, std::uint64_t maxBytes, const char* what) {
  // Regular files only, within the cap (issue 14: /dev/zero was read until bad_alloc).
  const std::string text = readInputFile(file, maxBytes, what,
                                         "raise [limits] max_input_mb in the scenario if the file is right");
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based and may point one past the end of the text.
    const std::size_t upTo = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(upTo), '\n'));
    throw LoadError(file.string(), "", std::string("malformed JSON: ") + e.what(), line);
  } catch (const json::exception& e) {
    // A number beyond the range of a double (1e99999) is out_of_range, not a parse_error (found
    // by the cityflow fuzzer, issue 14).
    throw LoadError(file.string(), "", std::string("malformed JSON: ") + e.what());
  }
}

RoadNetwork loadCityflowRoadnet(const std::filesystem::path& file, const ResourceLimits& limits) {
  return cityflowRoadnetFromJson(parseCityflowFile(file, limits.maxInputMb * 1'000'000, "map file"), file.string());
}

RoadNetwork cityflowRoadnetFromJson(const json& doc, const std::string& path) {
  const Reader rd(path);
  RoadNetworkBuilder b(path);

  const json& intersections = rd.array(doc, "intersections", "roadnet");
  const json& roads = rd.array(doc, "roads", "roadnet");

  // Intersections first: roads refer to them.
  std::vector<std::string> names;
  names.reserve(intersections.size());
  for (std::size_t k = 0; k < intersections.size(); ++k) {
    const json& in = intersections[k];
    const std::string id = rd.string(in, "id", "intersection #" + std::to_string(k));
    const std::string entity = "intersection " + inQuotes(id);
    if (b.findJunction(id)) rd.fail(entity, "duplicate intersection id");
    const Vec2 position = rd.point(rd.member(in, "point", entity), entity);
    const double width = rd.number(in, "width", entity);
    if (width < 0) rd.fail(entity, "'width' must be >= 0");
    const bool isVirtual = rd.boolean(in, "virtual", entity);
    // CityFlow does not trim roads at virtual intersections; neither do we.
    b.addJunction(id, position, isVirtual ? 0.0 : width, isVirtual);
    names.push_back(id);
  }

  std::vector<std::pair<JunctionId, JunctionId>> roadEnds;  // by RoadId
  for (std::size_t k = 0; k < roads.size(); ++k) {
    const json& r = roads[k];
    const std::string id = rd.string(r, "id", "road #" + std::to_string(k));
    const std::string entity = "road " + inQuotes(id);
    if (b.findRoad(id)) rd.fail(entity, "duplicate road id");
    const std::string start = rd.string(r, "startIntersection", entity);
    const std::string end = rd.string(r, "endIntersection", entity);
    const auto from = b.findJunction(start);
    if (!from) rd.fail(entity, "startIntersection " + inQuotes(start) + " is not an intersection of the map");
    const auto to = b.findJunction(end);
    if (!to) rd.fail(entity, "endIntersection " + inQuotes(end) + " is not an intersection of the map");
    std::vector<Vec2> points = rd.points(rd.array(r, "points", entity), entity);
    std::vector<RoadNetworkBuilder::LaneSpec> lanes;
    const json& laneArray = rd.array(r, "lanes", entity);
    for (std::size_t l = 0; l < laneArray.size(); ++l) {
      const std::string laneEntity = entity + ", lane " + std::to_string(l);
      RoadNetworkBuilder::LaneSpec spec;
      spec.widthM = rd.number(laneArray[l], "width", laneEntity);
      spec.speedLimitMps = rd.number(laneArray[l], "maxSpeed", laneEntity);
      lanes.push_back(spec);
    }
    b.addRoad(id, *from, *to, std::move(points), std::move(lanes));
    roadEnds.emplace_back(*from, *to);
  }

  // roadLinks become movements; remember each intersection's movement ids by roadLink index for
  // its signal phases.
  for (std::size_t k = 0; k < intersections.size(); ++k) {
    const json& in = intersections[k];
    const std::string entity = "intersection " + inQuotes(names[k]);
    const JunctionId junction = *b.findJunction(names[k]);
    const json& links = rd.array(in, "roadLinks", entity);
    std::vector<MovementId> movementOfLink;
    std::vector<TurnType> turnOfLink;
    for (std::size_t li = 0; li < links.size(); ++li) {
      const json& link = links[li];
      const std::string which = "roadLink " + std::to_string(li);
      const std::string linkEntity = entity + ", " + which;
      const TurnType turn = parseTurn(rd, rd.string(link, "type", linkEntity), linkEntity);
      const std::string startName = rd.string(link, "startRoad", linkEntity);
      const std::string endName = rd.string(link, "endRoad", linkEntity);
      const auto startRoad = b.findRoad(startName);
      if (!startRoad) rd.fail(entity, which + " refers to missing road " + inQuotes(startName));
      const auto endRoad = b.findRoad(endName);
      if (!endRoad) rd.fail(entity, which + " refers to missing road " + inQuotes(endName));
      const RoadId s = *startRoad;
      const RoadId e = *endRoad;
      if (roadEnds[s.index()].second != junction)
        rd.fail(entity, which + ": startRoad " + inQuotes(startName) + " does not end at this intersection");
      if (roadEnds[e.index()].first != junction)
        rd.fail(entity, which + ": endRoad " + inQuotes(endName) + " does not start at this intersection");
      std::vector<RoadNetworkBuilder::ConnectorSpec> connectors;
      const json& laneLinks = rd.array(link, "laneLinks", linkEntity);
      for (std::size_t ll = 0; ll < laneLinks.size(); ++ll) {
        const std::string laneEntity = linkEntity + ", laneLink " + std::to_string(ll);
        RoadNetworkBuilder::ConnectorSpec spec;
        spec.fromLane = rd.integer(laneLinks[ll], "startLaneIndex", laneEntity);
        spec.toLane = rd.integer(laneLinks[ll], "endLaneIndex", laneEntity);
        if (const json* pts = rd.optionalMember(laneLinks[ll], "points", laneEntity)) {
          if (!pts->is_array()) rd.fail(laneEntity, "'points' must be an array");
          spec.points = rd.points(*pts, laneEntity);
        }
        connectors.push_back(std::move(spec));
      }
      try {
        movementOfLink.push_back(b.addMovement(s, e, turn, std::move(connectors)));
      } catch (const LoadError& err) {
        // Restate the builder's finding in CityFlow's terms.
        rd.fail(linkEntity, err.entity() + ": " + err.reason());
      }
      turnOfLink.push_back(turn);
    }

    // Signal program. Virtual intersections and intersections without links have none.
    const bool isVirtual = rd.boolean(in, "virtual", entity);
    const json* light = rd.optionalMember(in, "trafficLight", entity);
    if (isVirtual || links.empty() || light == nullptr) continue;
    const std::string lightEntity = entity + ", trafficLight";
    const json& indices = rd.array(*light, "roadLinkIndices", lightEntity);
    std::vector<std::size_t> linkOfIndex;
    for (std::size_t i = 0; i < indices.size(); ++i) {
      if (!indices[i].is_number_integer()) rd.fail(lightEntity, "roadLinkIndices must hold integers");
      const auto v = indices[i].get<long long>();
      if (v < 0 || static_cast<std::size_t>(v) >= links.size())
        rd.fail(lightEntity, "roadLinkIndices[" + std::to_string(i) + "] = " + std::to_string(v) +
                                 " is not a roadLink of the intersection (it has " + std::to_string(links.size()) + ")");
      linkOfIndex.push_back(static_cast<std::size_t>(v));
    }
    SignalProgram program;
    const json& phases = rd.array(*light, "lightphases", lightEntity);
    for (std::size_t p = 0; p < phases.size(); ++p) {
      const std::string phaseEntity = lightEntity + ", lightphase " + std::to_string(p);
      const double time = rd.number(phases[p], "time", phaseEntity);
      if (time < 0) rd.fail(phaseEntity, "'time' must be >= 0");
      const json& available = rd.array(phases[p], "availableRoadLinks", phaseEntity);
      SignalPhase phase;
      phase.durationS = time;
      bool onlyRightTurns = true;
      for (const json& a : available) {
        if (!a.is_number_integer()) rd.fail(phaseEntity, "availableRoadLinks must hold integers");
        const auto v = a.get<long long>();
        if (v < 0 || static_cast<std::size_t>(v) >= linkOfIndex.size())
          rd.fail(phaseEntity, "availableRoadLinks names index " + std::to_string(v) + " but roadLinkIndices has " +
                                   std::to_string(linkOfIndex.size()) + " entries");
        const std::size_t link = linkOfIndex[static_cast<std::size_t>(v)];
        phase.green.push_back(movementOfLink[link]);
        onlyRightTurns = onlyRightTurns && turnOfLink[link] == TurnType::Right;
      }
      // CityFlow's short all-right-turn phase is its clearance interval; our controller makes its
      // own yellow and all-red, so it is dropped.
      if (onlyRightTurns) continue;
      if (time <= 0) rd.fail(phaseEntity, "'time' must be > 0 for a phase with green movements");
      program.phases.push_back(std::move(phase));
    }
    if (!program.phases.empty()) b.setSignalProgram(junction, std::move(program));
  }

  return b.build();
}

void loadCityflowFlows(const std::filesystem::path& file, const RoadNetwork& net, std::vector<VehicleType>& types,
                       Demand& demand, const ResourceLimits& limits) {
  cityflowFlowsFromJson(parseCityflowFile(file, limits.maxInputMb * 1'000'000, "flow file"), file.string(), net, types,
                        demand, limits);
}

void cityflowFlowsFromJson(const json& doc, const std::string& path, const RoadNetwork& net, std::vector<VehicleType>& types,
                           Demand& demand, const ResourceLimits& limits) {
  const Reader rd(path);
  if (!doc.is_array()) rd.fail("flow file", "must be a JSON array of flow entries");

  std::map<std::vector<std::uint32_t>, RouteId> routeIds;
  std::vector<RoadId> route;
  std::vector<std::uint32_t> key;
  for (std::size_t k = 0; k < doc.size(); ++k) {
    const json& entry = doc[k];
    const std::string entity = "flow " + std::to_string(k);

    // Vehicle parameters.
    const std::string vEntity = entity + ", vehicle";
    const json& v = rd.member(entry, "vehicle", entity);
    VehicleType type;
    type.name.clear();
    type.lengthM = rd.number(v, "length", vEntity);
    type.widthM = rd.number(v, "width", vEntity);
    type.maxSpeedMps = rd.number(v, "maxSpeed", vEntity);
    type.accelMps2 = rd.number(v, "usualPosAcc", vEntity);
    type.comfortDecelMps2 = rd.number(v, "usualNegAcc", vEntity);
    // A maximum deceleration below the usual one is read as "no harder braking than usual".
    type.maxDecelMps2 = std::max(rd.number(v, "maxNegAcc", vEntity), type.comfortDecelMps2);
    type.minGapM = rd.number(v, "minGap", vEntity);
    type.headwayS = rd.number(v, "headwayTime", vEntity);
    // CityFlow's own speed rule with these parameters: with IDM, headwayTime = 2 s as IDM's T
    // discharged a signalised lane at 1,112 veh/h where CityFlow's rule gives about 1,470
    // (docs/validation.md).
    type.carFollowing = CarFollowingModel::Cityflow;
    if (const json* maxPosAcc = rd.optionalMember(v, "maxPosAcc", vEntity); maxPosAcc && !maxPosAcc->is_number())
      rd.fail(vEntity, "'maxPosAcc' must be a number");
    if (std::string why = validate(type); !why.empty()) rd.fail(vEntity, why);

    VehicleTypeId typeId;
    for (std::size_t t = 0; t < types.size() && !typeId.valid(); ++t)
      if (isCityflowTypeName(types[t].name) && sameParameters(types[t], type)) typeId = VehicleTypeId(t);
    if (!typeId.valid()) {
      // First free name of "cityflow", "cityflow_2", "cityflow_3", ...
      for (int n = 1;; ++n) {
        const std::string name = n == 1 ? "cityflow" : "cityflow_" + std::to_string(n);
        if (std::none_of(types.begin(), types.end(), [&](const VehicleType& t) { return t.name == name; })) {
          type.name = name;
          break;
        }
      }
      typeId = VehicleTypeId(types.size());
      types.push_back(type);
    }

    // Route.
    const json& names = rd.array(entry, "route", entity);
    if (names.empty()) rd.fail(entity, "route is empty");
    if (names.size() > kMaxRouteRoads) rd.fail(entity, routeTooLongReason(names.size()));
    route.clear();
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!names[i].is_string()) rd.fail(entity, "route entry " + std::to_string(i) + " must be a road name");
      const std::string name = names[i].get<std::string>();
      const auto id = net.findRoad(name);
      if (!id) rd.fail(entity, "route names road " + inQuotes(name) + ", which is not in the map");
      route.push_back(*id);
    }
    if (auto gap = firstDisconnected(net, route)) {
      rd.fail(entity, "roads " + inQuotes(net.road(route[*gap - 1]).name) + " and " + inQuotes(net.road(route[*gap]).name) +
                          " are not joined by any roadLink");
    }
    key.assign(route.size(), 0);
    for (std::size_t i = 0; i < route.size(); ++i) key[i] = route[i].value;
    auto [it, inserted] = routeIds.try_emplace(key, RouteId{});
    if (inserted) it->second = demand.routes.add(route);
    const RouteId routeId = it->second;

    // Departures: startTime, startTime + interval, ... up to endTime inclusive.
    const double start = rd.number(entry, "startTime", entity);
    const double end = rd.number(entry, "endTime", entity);
    const double interval = rd.number(entry, "interval", entity);
    if (start < 0) rd.fail(entity, "'startTime' must be >= 0");
    if (end < start) rd.fail(entity, "'endTime' must be >= 'startTime'");
    if (end > start && !(interval > 0)) rd.fail(entity, "'interval' must be > 0 when 'endTime' > 'startTime'");
    if (end > start && (end - start) / interval > kMaxVehiclesPerEntry)
      rd.fail(entity, "would create more than " + std::to_string(static_cast<long long>(kMaxVehiclesPerEntry)) +
                          " vehicles");
    const double count = end > start ? std::floor((end - start) / interval) + 1 : 1;
    if (static_cast<double>(demand.trips.size()) + count > static_cast<double>(limits.maxTrips))
      rd.fail(entity, "its " + std::to_string(static_cast<long long>(count)) + " vehicles would take the scenario past " +
                          std::to_string(limits.maxTrips) +
                          " trips (limits.max_trips); raise it with [limits] max_trips in the scenario if the machine "
                          "has the memory (about 260 bytes per trip)");
    const std::string prefix = "flow_" + std::to_string(k) + "_";
    for (std::size_t n = 0;; ++n) {
      const double t = start + static_cast<double>(n) * (end > start ? interval : 0.0);
      // A small tolerance so that an end time on the grid is included despite rounding.
      if (n > 0 && (end == start || t > end + 1e-9)) break;
      demand.trips.push_back({prefix + std::to_string(n), typeId, t, routeId});
    }
  }
  demand.sortByDeparture();
}

}  // namespace traffic
