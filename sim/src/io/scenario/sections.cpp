// The section readers of a scenario file: [scenario], [map] (a CityFlow map or a generated grid,
// with [[map.lanes]] permissions), [[vehicle_type]], [signals] (with detectors), [dynamics] and
// [outputs]. Each states the keys it accepts, reads them with their units' checks, and fills the
// Scenario; demand, transit and fleets come after, once the map and types are known.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/scenario/toml_reader.h"
#include "traffic/car_following.h"
#include "traffic/errors.h"
#include "traffic/sensing.h"
#include "traffic/grid.h"
#include "traffic/loaders/citybrain.h"
#include "traffic/loaders/cityflow.h"
#include "traffic/loaders/sumo.h"

namespace traffic::toml_reader {

void readLimits(const Loader& loader, const TableView& root, ResourceLimits& limits) {
  const TableView t = subTable(loader, root, "limits",
                               {"max_trips", "max_passengers", "max_requests", "max_timeseries_rows", "max_input_mb",
                                "max_network_mb"});
  auto read = [&t](std::string_view key, std::uint64_t& value) {
    if (!t.node(key)) return;
    const std::int64_t v = *t.integer(key);
    // The upper bound only keeps products (bytes, estimates) far from overflow.
    constexpr std::int64_t kMost = 1'000'000'000'000;
    if (v < 1 || v > kMost)
      t.fail(key, "must be a whole number from 1 to " + std::to_string(kMost) + ", got " + std::to_string(v));
    value = static_cast<std::uint64_t>(v);
  };
  read("max_trips", limits.maxTrips);
  read("max_passengers", limits.maxPassengers);
  read("max_requests", limits.maxRequests);
  read("max_timeseries_rows", limits.maxTimeseriesRows);
  read("max_input_mb", limits.maxInputMb);
  read("max_network_mb", limits.maxNetworkMb);
  if (limits.maxInputMb > 1'000'000'000)
    t.fail("max_input_mb", "must be at most 1000000000 (1 PB), got " + std::to_string(limits.maxInputMb));
}

void readScenarioTable(const Loader& loader, const TableView& root, const fs::path& file, Scenario& sc) {
  const TableView t = subTable(loader, root, "scenario", {"name", "description", "duration_s", "step_s", "seed"});
  sc.name = t.string("name").value_or(file.stem().string());
  // The name becomes the default results folder, so it must be a plain file name.
  if (!validName(sc.name)) {
    if (t.node("name")) t.fail("name", "'" + sc.name + "' is not a usable name: use letters, digits, '_', '-' and '.'");
    t.failTable("the file name '" + sc.name + "' is not a usable scenario name; set scenario.name");
  }
  sc.description = t.string("description").value_or("");
  sc.durationS = t.positive("duration_s", 3600);
  sc.stepS = t.positive("step_s", 1.0);
  if (sc.stepS > 5) t.fail("step_s", "must be at most 5 s, got " + formatNumber(sc.stepS));
  if (sc.stepS > sc.durationS)
    t.fail("step_s", "the step (" + formatNumber(sc.stepS) + " s) is longer than duration_s (" +
                         formatNumber(sc.durationS) + " s)");
  const std::int64_t seed = t.integer("seed").value_or(1);
  if (seed < 0) t.fail("seed", "must be >= 0, got " + std::to_string(seed));
  sc.seed = static_cast<std::uint64_t>(seed);
}

/// [[map.lanes]]: which vehicle classes may use a lane (bus lanes, bike lanes).
void applyLaneUse(const Loader& loader, const TableView& map, RoadNetwork& net) {
  const toml::array* list = map.tableArray("lanes");
  if (list == nullptr) return;
  std::vector<std::string> classNames;
  for (int c = 0; c < kVehicleClassCount; ++c) classNames.emplace_back(toString(static_cast<VehicleClass>(c)));
  for (std::size_t i = 0; i < list->size(); ++i) {
    const TableView t(loader, *list->get(i)->as_table(), "map.lanes[" + std::to_string(i) + "]", {"road", "lane", "allow"});
    const std::string roadName = t.requiredString("road");
    const auto roadId = net.findRoad(roadName);
    if (!roadId) t.fail("road", "unknown road '" + shown(roadName) + "'");
    const Road& road = net.road(*roadId);
    std::vector<LaneId> lanes = road.lanes;
    if (t.node("lane")) {
      const std::int64_t index = *t.integer("lane");
      if (index < 0 || index >= static_cast<std::int64_t>(road.lanes.size()))
        t.fail("lane", "road '" + roadName + "' has lanes 0 to " + std::to_string(road.lanes.size() - 1) +
                           " (0 is the leftmost), got " + std::to_string(index));
      lanes = {road.lanes[static_cast<std::size_t>(index)]};
    }
    const toml::array* allow = t.array("allow");
    if (allow == nullptr) t.failTable("missing allow = [\"bus\", ...] (the classes that may use the lane)");
    ClassMask mask;
    for (const auto& element : *allow) {
      const auto name = element.value<std::string>();
      const auto cls = name ? parseVehicleClass(*name) : std::nullopt;
      if (!cls)
        loader.fail(&element, t.keyLabel("allow"),
                    "unknown vehicle class" + (name ? " '" + *name + "'" + didYouMean(*name, classNames) : std::string()) +
                        "; classes: " + joinList(classNames));
      mask.add(*cls);
    }
    if (mask.bits == 0) t.fail("allow", "lists no class: a lane nobody may use would only block its road");
    for (LaneId lane : lanes) net.setLaneAllowed(lane, mask);
  }
}

std::vector<fs::path> readMap(const Loader& loader, const TableView& root, Scenario& sc) {
  if (root.node("map") == nullptr)
    root.failTable("missing [map]: name a CityFlow road network with map.cityflow = \"path/roadnet.json\", "
                   "a SUMO network with map.sumo = \"path/x.net.xml\", "
                   "a City Brain Challenge network with map.citybrain = \"path/roadnet.txt\" "
                   "or describe a generated grid in a [map.grid] table");
  const TableView t = subTable(loader, root, "map", {"cityflow", "sumo", "sumo_additional", "sumo_lights_off", "citybrain", "grid", "lanes"});
  const bool hasCityflow = t.node("cityflow") != nullptr;
  const bool hasSumo = t.node("sumo") != nullptr;
  const bool hasCitybrain = t.node("citybrain") != nullptr;
  const bool hasGrid = t.node("grid") != nullptr;
  if (int(hasCityflow) + int(hasSumo) + int(hasCitybrain) + int(hasGrid) != 1) {
    std::vector<std::string> given;
    if (hasCityflow) given.emplace_back("map.cityflow");
    if (hasSumo) given.emplace_back("map.sumo");
    if (hasCitybrain) given.emplace_back("map.citybrain");
    if (hasGrid) given.emplace_back("[map.grid]");
    if (given.empty())
      t.failTable("empty: give map.cityflow = \"path/roadnet.json\", map.sumo = \"path/x.net.xml\", "
                  "map.citybrain = \"path/roadnet.txt\" or a [map.grid] table");
    t.failTable(given.size() == 2 ? "give either " + given[0] + " or " + given[1] + ", not both"
                                  : "give only one of map.cityflow, map.sumo, map.citybrain and [map.grid]");
  }

  if (!hasSumo && t.node("sumo_additional")) t.fail("sumo_additional", "only applies to map.sumo");
  if (!hasSumo && t.node("sumo_lights_off")) t.fail("sumo_lights_off", "only applies to map.sumo");

  if (hasCityflow || hasSumo || hasCitybrain) {
    const char* key = hasSumo ? "sumo" : hasCitybrain ? "citybrain" : "cityflow";
    if (!t.string(key)) t.fail(key, "expected a file path (a string)");
    const std::string written = *t.string(key);
    const fs::path file = hasCitybrain ? loader.resolveCitybrainFile(t.node(key), "map.citybrain", written)
                                       : loader.resolveFile(t.node(key), std::string("map.") + key, written);
    RoadNetwork net;
    std::vector<fs::path> additional;
    if (hasSumo) {
      // map.sumo_additional: SUMO additional files, for the traffic-light programs they hold (and
      // their demand, which the demand reader takes).
      if (const toml::node* n = t.node("sumo_additional")) {
        std::vector<const toml::node*> items;
        if (const toml::array* arr = n->as_array())
          for (const auto& element : *arr) items.push_back(&element);
        else
          items.push_back(n);
        for (const toml::node* item : items) {
          if (!item->is_string())
            loader.fail(item, "map.sumo_additional", "expected file paths (strings), found " + std::string(typeName(item->type())));
          additional.push_back(loader.resolveFile(item, "map.sumo_additional", *item->value<std::string>()));
        }
      }
      // map.sumo_lights_off: every light switched off, as SUMO's tls.all-off.
      const SumoNetworkOptions options{.lightsOff = t.boolean("sumo_lights_off").value_or(false)};
      SumoNetwork sumo = loadSumoNetwork(file, additional, loader.limits(), options);
      // The map's programs come with their own clearance times; [signals] may still override them.
      sc.signalTiming = sumo.timing;
      net = std::move(sumo.network);
    } else if (hasCitybrain) {
      net = loadCitybrainRoadnet(file, loader.limits());
      // The challenge's clearance: no yellow, 5 s all-red; [signals] may still override it.
      sc.signalTiming = citybrainSignalTiming();
    } else {
      net = loadCityflowRoadnet(file, loader.limits());
    }
    applyLaneUse(loader, t, net);
    sc.network = std::make_shared<const RoadNetwork>(std::move(net));
    // Relative to the working directory when the map lies below it (as when running from the
    // repository root), else absolute: "../../x" says less than "/data/x".
    std::error_code ec;
    const fs::path shown = fs::proximate(file, ec);
    const bool below = !ec && !shown.empty() && *shown.begin() != "..";
    sc.mapDescription = below ? shown.string() : fs::absolute(file, ec).lexically_normal().string();
    if (hasSumo && t.boolean("sumo_lights_off").value_or(false)) sc.mapDescription += " (traffic lights switched off)";
    return additional;
  }

  const TableView g = subTable(loader, t, "grid",
                               {"rows", "columns", "block_length_m", "lanes_per_direction", "left_turn_lane",
                                "lane_width_m", "speed_limit_mps", "green_s", "protected_lefts"});
  GridSpec spec;
  if (!g.node("rows") || !g.node("columns"))
    g.failTable("missing " + std::string(g.node("rows") ? "columns" : "rows") + ": a grid needs rows and columns");
  spec.rows = g.integerInRange("rows", spec.rows, 1, 1000);
  spec.columns = g.integerInRange("columns", spec.columns, 1, 1000);
  spec.blockLengthM = g.positive("block_length_m", spec.blockLengthM);
  spec.lanesPerDirection = g.integerInRange("lanes_per_direction", spec.lanesPerDirection, 1, 8);
  spec.leftTurnLane = g.boolean("left_turn_lane").value_or(spec.leftTurnLane);
  spec.laneWidthM = g.positive("lane_width_m", spec.laneWidthM);
  spec.speedLimitMps = g.positive("speed_limit_mps", spec.speedLimitMps);
  spec.greenS = g.positive("green_s", spec.greenS);
  spec.protectedLefts = g.boolean("protected_lefts").value_or(spec.protectedLefts);
  // Checked before building: measured 2026-12-06 on 100 x 100 grids with 1 to 8 lanes, a junction
  // with its roads, lanes, connectors and conflicts takes about 10 + 0.5 L + 0.6 L^2 KB, L lanes per
  // road and direction (the left-turn lane included).
  const double lanes = spec.lanesPerDirection + (spec.leftTurnLane ? 1.0 : 0.0);
  const double estimateMb =
      static_cast<double>(spec.rows) * static_cast<double>(spec.columns) * (10 + 0.5 * lanes + 0.6 * lanes * lanes) / 1000;
  if (estimateMb > static_cast<double>(loader.limits().maxNetworkMb))
    g.failTable("a " + std::to_string(spec.rows) + " x " + std::to_string(spec.columns) + " grid with " +
                formatNumber(lanes) + " lanes per road and direction needs about " + formatNumber(std::round(estimateMb)) +
                " MB, more than limits.max_network_mb = " + std::to_string(loader.limits().maxNetworkMb) +
                "; make it smaller, or raise the limit with [limits] max_network_mb = N if the machine has the memory");
  try {
    RoadNetwork net = generateGrid(spec);
    applyLaneUse(loader, t, net);
    sc.network = std::make_shared<const RoadNetwork>(std::move(net));
  } catch (const LoadError& e) {
    if (e.entity().starts_with("map.lanes")) throw;
    // The generator reads no file, so whatever it rejects came from [map.grid] of this scenario.
    g.failTable(e.entity().empty() ? e.reason() : e.entity() + ": " + e.reason());
  }
  sc.mapDescription = "grid " + std::to_string(spec.rows) + "x" + std::to_string(spec.columns) + " (" +
                      formatNumber(spec.blockLengthM) + " m blocks, " + std::to_string(spec.lanesPerDirection) +
                      (spec.leftTurnLane ? "+1" : "") + " lanes per direction)";
  return {};
}

void readVehicleTypes(const Loader& loader, const TableView& root, Scenario& sc) {
  const toml::array* list = root.tableArray("vehicle_type");
  if (list == nullptr) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string label = "vehicle_type[" + std::to_string(i) + "]";
    const TableView t(loader, *list->get(i)->as_table(), label,
                      {"name", "class", "length_m", "width_m", "max_speed_mps", "accel_mps2", "comfort_decel_mps2",
                       "max_decel_mps2", "min_gap_m", "headway_s", "accel_exponent", "politeness",
                       "lane_change_threshold_mps2", "speed_factor", "lateral_accel_mps2", "signal_priority", "cooperative",
                       "cooperative_headway_s", "signal_aware", "car_following", "krauss_sigma"});
    const std::string name = t.requiredString("name");
    requirePrintable(t, "name", name);
    for (const auto& other : sc.vehicleTypes)
      if (other.name == name) t.fail("name", "vehicle type '" + name + "' is declared twice");
    VehicleClass cls = VehicleClass::Car;
    if (auto written = t.string("class")) {
      auto parsed = parseVehicleClass(*written);
      if (!parsed) {
        std::vector<std::string> names;
        for (int c = 0; c < kVehicleClassCount; ++c) names.emplace_back(toString(static_cast<VehicleClass>(c)));
        t.fail("class", "unknown vehicle class '" + shown(*written) + "'" + didYouMean(*written, names) + "; classes: " + joinList(names));
      }
      cls = *parsed;
    }
    // Keys left out take the typical values of the class.
    VehicleType type = defaultVehicleType(cls);
    type.name = name;
    type.lengthM = t.number("length_m", type.lengthM);
    type.widthM = t.number("width_m", type.widthM);
    type.maxSpeedMps = t.number("max_speed_mps", type.maxSpeedMps);
    type.accelMps2 = t.number("accel_mps2", type.accelMps2);
    type.comfortDecelMps2 = t.number("comfort_decel_mps2", type.comfortDecelMps2);
    type.maxDecelMps2 = t.number("max_decel_mps2", type.maxDecelMps2);
    type.minGapM = t.number("min_gap_m", type.minGapM);
    type.headwayS = t.number("headway_s", type.headwayS);
    type.accelExponent = t.number("accel_exponent", type.accelExponent);
    type.politeness = t.number("politeness", type.politeness);
    type.laneChangeThresholdMps2 = t.number("lane_change_threshold_mps2", type.laneChangeThresholdMps2);
    type.speedFactor = t.number("speed_factor", type.speedFactor);
    type.lateralAccelMps2 = t.number("lateral_accel_mps2", type.lateralAccelMps2);
    type.cooperative = t.boolean("cooperative").value_or(type.cooperative);
    type.cooperativeHeadwayS = t.number("cooperative_headway_s", type.cooperativeHeadwayS);
    type.signalAware = t.boolean("signal_aware").value_or(type.signalAware);
    type.kraussSigma = t.number("krauss_sigma", type.kraussSigma);
    if (auto model = t.string("car_following")) {
      auto parsed = parseCarFollowingModel(*model);
      if (!parsed) {
        const std::vector<std::string> names{"idm", "iidm", "krauss", "cacc", "cityflow"};
        t.fail("car_following", "unknown car-following model '" + *model + "'" + didYouMean(*model, names) +
                                    "; use one of: " + joinList(names));
      }
      type.carFollowing = *parsed;
    }
    if (auto priority = t.string("signal_priority")) {
      auto parsed = parseSignalPriority(*priority);
      if (!parsed) {
        const std::vector<std::string> names{"none", "transit", "emergency"};
        t.fail("signal_priority", "unknown signal priority '" + shown(*priority) + "'" + didYouMean(*priority, names) +
                                      "; use one of: " + joinList(names));
      }
      type.signalPriority = *parsed;
    }
    if (auto reason = validate(type); !reason.empty())
      loader.fail(list->get(i), "vehicle type '" + type.name + "'", reason);
    sc.vehicleTypes.push_back(std::move(type));
  }
}

/// Reads [[signals.detector]] placements and checks that every detector lies on its lane (so the
/// map must be loaded). A detector_distance_m that was set explicitly must fit every lane that
/// leads to a signal (left at its default it moves to the start of shorter lanes).
void readDetectors(const Loader& loader, const TableView& t, Scenario& sc) {
  const RoadNetwork& net = *sc.network;
  if (t.node("detector_distance_m")) {
    const double distance = sc.signalSensing.detectorDistanceM;
    for (const Junction& j : net.junctions()) {
      if (!j.program) continue;
      for (RoadId r : j.incoming) {
        const Road& road = net.road(r);
        if (road.lengthM < distance)
          t.fail("detector_distance_m",
                 formatNumber(distance) + " m before the stop line is off road '" + road.name + "', which is only " +
                     formatNumber(road.lengthM) + " m long; use at most " + formatNumber(road.lengthM) +
                     " m, or leave the key out (detectors then sit at the start of short lanes) and place "
                     "detectors on long lanes with [[signals.detector]]");
      }
    }
  }
  const toml::array* list = t.tableArray("detector");
  if (list == nullptr) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const TableView d(loader, *list->get(i)->as_table(), "signals.detector[" + std::to_string(i) + "]",
                      {"road", "lane", "distance_m"});
    const std::string roadName = d.requiredString("road");
    const auto roadId = net.findRoad(roadName);
    if (!roadId) d.fail("road", "unknown road '" + shown(roadName) + "' in map " + sc.mapDescription);
    const Road& road = net.road(*roadId);
    if (!d.node("distance_m")) d.failTable("missing distance_m (metres before the stop line)");
    const double distance = d.positive("distance_m", 0, true);
    std::vector<LaneId> lanes = road.lanes;
    if (d.node("lane")) {
      const int count = static_cast<int>(road.lanes.size());
      const std::int64_t index = *d.integer("lane");
      if (index < 0 || index >= count)
        d.fail("lane", "road '" + roadName + "' has lanes 0 to " + std::to_string(count - 1) + " (0 is the leftmost), got " +
                           std::to_string(index));
      lanes = {road.lanes[static_cast<std::size_t>(index)]};
    }
    for (LaneId lane : lanes) {
      if (distance > net.lane(lane).lengthM)
        d.fail("distance_m", formatNumber(distance) + " m before the stop line is off lane " +
                                 std::to_string(net.lane(lane).indexInRoad) + " of road '" + roadName + "', which is " +
                                 formatNumber(net.lane(lane).lengthM) + " m long; use at most " +
                                 formatNumber(net.lane(lane).lengthM));
      sc.signalSensing.detectors.push_back(DetectorPlacement{lane, distance});
    }
  }
}

void readSignals(const Loader& loader, const TableView& root, Scenario& sc) {
  const TableView t = subTable(loader, root, "signals",
                               {"policy", "yellow_s", "all_red_s", "min_green_s", "approach_distance_m",
                                "detector_distance_m", "detector", "flow_window_s", "params", "preemption",
                                "preemption_distance_m", "transit_priority", "transit_distance_m",
                                "transit_max_extension_s"});
  if (auto policy = t.string("policy")) {
    const auto names = signalPolicyNames();
    // A deprecated name (city_brain) loads as the policy's current name, with a warning, so that
    // outputs name the policy that actually ran.
    const std::string name = canonicalSignalPolicyName(*policy);
    if (std::find(names.begin(), names.end(), name) == names.end())
      t.fail("policy", "unknown signal policy '" + shown(*policy) + "'" + didYouMean(*policy, names) +
                           "; available: " + joinList(names));
    sc.signalPolicy.name = name;
  }
  sc.signalTiming.yellowS = t.positive("yellow_s", sc.signalTiming.yellowS, true);
  sc.signalTiming.allRedS = t.positive("all_red_s", sc.signalTiming.allRedS, true);
  // A clearance the scenario (or --set, or a protocol) gives replaces the map programs' own.
  if (t.node("yellow_s") || t.node("all_red_s")) sc.signalTiming.mapClearance = false;
  sc.signalTiming.minGreenS = t.positive("min_green_s", sc.signalTiming.minGreenS, true);
  sc.signalSensing.approachDistanceM = t.positive("approach_distance_m", sc.signalSensing.approachDistanceM);
  sc.signalSensing.detectorDistanceM = t.positive("detector_distance_m", sc.signalSensing.detectorDistanceM, true);
  sc.signalSensing.flowWindowS = t.positive("flow_window_s", sc.signalSensing.flowWindowS);
  PriorityRules& priority = sc.priorityRules;
  priority.emergencyPreemption = t.boolean("preemption").value_or(priority.emergencyPreemption);
  priority.emergencyDistanceM = t.positive("preemption_distance_m", priority.emergencyDistanceM);
  priority.transitPriority = t.boolean("transit_priority").value_or(priority.transitPriority);
  priority.transitDistanceM = t.positive("transit_distance_m", priority.transitDistanceM);
  priority.transitMaxExtensionS = t.positive("transit_max_extension_s", priority.transitMaxExtensionS, true);
  if (const toml::table* params = t.table("params")) {
    for (auto&& [key, value] : *params) {
      if (!value.is_number())
        loader.fail(&value, "signals.params." + std::string(key.str()),
                    "policy parameters are numbers, got " + std::string(typeName(value.type())));
      const double v = *numberOf(value);
      if (!std::isfinite(v)) loader.fail(&value, "signals.params." + std::string(key.str()), "must be a finite number");
      sc.signalPolicy.params[std::string(key.str())] = v;
    }
  }
  readDetectors(loader, t, sc);
  // Build the policy once now so that bad names or parameters fail at load, not at the first step.
  (void)makeSignalPolicy(sc.signalPolicy, loader.fileName());
}

void readSensing(const Loader& loader, const TableView& root, Scenario& sc) {
  const TableView t = subTable(loader, root, "sensing",
                               {"model", "stopbar_m", "standing_s", "occupancy_window_s", "range_m",
                                "miss_probability", "position_noise_m", "penetration"});
  SensingSpec& s = sc.sensing;
  s.declared = root.node("sensing") != nullptr;
  if (auto model = t.string("model"))
    if (!parseSensingModel(*model, s.model))
      t.fail("model", "unknown sensing model '" + shown(*model) + "'; available: " + sensingModelNames());
  // A parameter of another model is a mistake (a camera range on loops would silently do nothing).
  const std::vector<std::string> mine = sensingParameterNames(s.model);
  for (const char* key : {"stopbar_m", "standing_s", "occupancy_window_s", "range_m", "miss_probability",
                          "position_noise_m", "penetration"})
    if (t.node(key) && std::find(mine.begin(), mine.end(), key) == mine.end())
      t.fail(key, std::string("is not a parameter of sensing model '") + toString(s.model) + "' (its parameters: " +
                      (mine.empty() ? std::string("none") : joinList(mine)) + ")");
  s.stopbarM = t.positive("stopbar_m", s.stopbarM);
  s.standingS = t.positive("standing_s", s.standingS);
  s.occupancyWindowS = t.positive("occupancy_window_s", s.occupancyWindowS);
  s.rangeM = t.positive("range_m", s.rangeM);
  s.missProbability = t.positive("miss_probability", s.missProbability, true);
  if (s.missProbability >= 1) t.fail("miss_probability", "must be below 1 (a camera that never sees anything)");
  s.positionNoiseM = t.positive("position_noise_m", s.positionNoiseM, true);
  s.penetration = t.positive("penetration", s.penetration);
  if (s.penetration > 1) t.fail("penetration", "is a share of vehicles, at most 1");
  checkSensingFeedsPolicy(s, sc.signalSensing, *makeSignalPolicy(sc.signalPolicy, loader.fileName()),
                          loader.fileName());
}

/// Reads [dynamics]; returns driver_variation, which is applied once the demand is known.
double readDynamics(const Loader& loader, const TableView& root, Scenario& sc) {
  const TableView t = subTable(loader, root, "dynamics",
                               {"lane_changing", "gridlock_timeout_s", "gridlock_action", "junction_entry", "driver_variation"});
  sc.laneChanging = t.boolean("lane_changing").value_or(sc.laneChanging);
  sc.gridlockTimeoutS = t.positive("gridlock_timeout_s", sc.gridlockTimeoutS);
  if (auto action = t.string("gridlock_action")) {
    if (*action == "teleport")
      sc.gridlockAction = GridlockAction::Teleport;
    else if (*action == "wait")
      sc.gridlockAction = GridlockAction::Wait;
    else
      t.fail("gridlock_action", "unknown action '" + shown(*action) + "'; use \"teleport\" or \"wait\"");
  }
  if (auto entry = t.string("junction_entry")) {
    if (*entry == "room_behind_queue")
      sc.junctionEntry = JunctionEntry::RoomBehindQueue;
    else if (*entry == "free_length")
      sc.junctionEntry = JunctionEntry::FreeLength;
    else
      t.fail("junction_entry", "unknown rule '" + shown(*entry) + "'; use \"room_behind_queue\" or \"free_length\"");
  }
  const double variation = t.positive("driver_variation", 0, true);
  if (variation > kMaxDriverVariation)
    t.fail("driver_variation", "must be at most " + formatNumber(kMaxDriverVariation) + " (a spread of ±" +
                                   formatNumber(kMaxDriverVariation * 100) + "%), got " + formatNumber(variation));
  return variation;
}

void readOutputs(const Loader& loader, const TableView& root, Scenario& sc) {
  const TableView t = subTable(loader, root, "outputs", {"timeseries_interval_s", "compress", "roads"});
  sc.timeseriesIntervalS = t.positive("timeseries_interval_s", sc.timeseriesIntervalS);
  sc.roadsOutput = t.boolean("roads").value_or(sc.roadsOutput);
  if (auto compress = t.string("compress")) {
    const std::vector<std::string> names{"none", "gzip"};
    if (*compress == "gzip")
      sc.outputCompression = Compression::Gzip;
    else if (*compress == "none")
      sc.outputCompression = Compression::None;
    else
      t.fail("compress", "unknown compression '" + shown(*compress) + "'" + didYouMean(*compress, names) +
                             "; use one of: " + joinList(names));
  }
  // Issue 14: rows are taken at steps, so an interval below the step only repeated rows (0.001 s
  // gave 600,002 rows for 600 steps), and a tiny one exhausted memory.
  if (sc.timeseriesIntervalS < sc.stepS)
    t.fail("timeseries_interval_s", "must be at least the step (step_s = " + formatNumber(sc.stepS) +
                                        " s): rows are taken once per step at most; got " +
                                        formatNumber(sc.timeseriesIntervalS));
  const double rows = sc.durationS / sc.timeseriesIntervalS;
  if (rows > static_cast<double>(loader.limits().maxTimeseriesRows))
    t.fail("timeseries_interval_s",
           "duration_s / timeseries_interval_s = " + formatNumber(sc.durationS) + " / " +
               formatNumber(sc.timeseriesIntervalS) + " would write about " + formatNumber(rows) +
               " rows of timeseries.csv, more than limits.max_timeseries_rows (" +
               std::to_string(loader.limits().maxTimeseriesRows) +
               "); use a longer interval or a shorter duration, or raise the limit with [limits] max_timeseries_rows");
}

}  // namespace traffic::toml_reader
