// Public transport readers: [[transit.stop]], [[transit.line]] (route, stops in route order,
// headway or timetable, schedule, doors and fares, holding, passengers per stop) and
// [[transit.demand]] passenger rates between two stops of a line, both with an optional time
// profile. Each run of a line becomes a trip of the demand.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "io/scenario/toml_reader.h"
#include "traffic/car_following.h"
#include "traffic/errors.h"

namespace traffic::toml_reader {

void DemandReader::readTransit(const TableView& root) {
  const TableView t = subTable(m_loader, root, "transit", {"stop", "line", "demand"});
  if (const toml::array* stops = t.tableArray("stop"))
    for (std::size_t i = 0; i < stops->size(); ++i) readStop(*stops->get(i)->as_table(), i);
  if (const toml::array* lines = t.tableArray("line"))
    for (std::size_t i = 0; i < lines->size(); ++i) readLine(*lines->get(i)->as_table(), i);
  if (const toml::array* demand = t.tableArray("demand"))
    for (std::size_t i = 0; i < demand->size(); ++i) readPassengerDemand(*demand->get(i)->as_table(), i);
  auto& passengers = m_sc.transit.passengers;
  std::stable_sort(passengers.begin(), passengers.end(),
                   [](const Passenger& a, const Passenger& b) { return a.arriveS < b.arriveS; });
}

void DemandReader::readStop(const toml::table& table, std::size_t index) {
  TableView named(m_loader, table, "transit.stop[" + std::to_string(index) + "]", {"id", "road", "lane", "position_m", "bay"});
  TransitStop stop;
  stop.id = named.requiredString("id");
  requirePrintable(named, "id", stop.id);
  for (const TransitStop& other : m_sc.transit.stops)
    if (other.id == stop.id) named.fail("id", "the stop id '" + stop.id + "' is used twice");
  named.relabel("transit.stop '" + stop.id + "'");
  const Road& road = m_sc.network->road(endRoad(named, "road"));
  const int lanes = static_cast<int>(road.lanes.size());
  const int lane = named.integerInRange("lane", lanes - 1, 0, lanes - 1);  // default: the kerb lane
  stop.lane = road.lanes[static_cast<std::size_t>(lane)];
  const double length = m_sc.network->lane(stop.lane).lengthM;
  stop.positionM = named.number("position_m", std::max(0.0, length - 15.0));
  if (stop.positionM < 0 || stop.positionM > length)
    named.fail("position_m", "must lie on the lane, between 0 and its length " + formatNumber(length) + " m, got " +
                                 formatNumber(stop.positionM));
  stop.bay = named.boolean("bay").value_or(false);
  m_sc.transit.stops.push_back(std::move(stop));
}

void DemandReader::readLine(const toml::table& table, std::size_t index) {
  TableView named(m_loader, table, "transit.line[" + std::to_string(index) + "]",
                  {"id", "type", "route", "from", "to", "stops", "headway_s", "begin_s", "end_s", "departures_s",
                   "capacity", "door_s", "boarding_s", "alighting_s", "passengers_per_hour", "priority_when_late_s",
                   "schedule_slack", "dwell_allowance_s", "skip_empty_stops", "doors", "fare", "holding",
                   "holding_headway_ratio", "timing_points", "demand_profile"});
  TransitLine line;
  line.id = uniqueId(named);
  named.relabel("transit.line '" + line.id + "'");
  line.type = vehicleType(named);
  const VehicleType& type = m_sc.vehicleTypes[line.type.index()];
  std::vector<RoadId> route = routeOrEnds(named);
  if (!named.node("route")) {
    auto found = router().shortestRoute(route.front(), route.back());
    if (!found) named.failTable("no route from road '" + m_sc.network->road(route.front()).name + "' to '" +
                                m_sc.network->road(route.back()).name + "'");
    route = std::move(*found);
  }
  line.route = m_sc.demand.routes.add(route);

  // Stops: on the route, in order, on lanes the line's vehicles may use.
  const toml::array* stops = named.array("stops");
  if (stops == nullptr || stops->empty()) named.failTable("needs stops = [\"stop id\", ...] (at least one)");
  std::size_t routeAt = 0;
  double lastPosition = -1;
  for (const auto& element : *stops) {
    const auto id = element.value<std::string>();
    const auto& all = m_sc.transit.stops;
    const auto it = std::find_if(all.begin(), all.end(), [&](const TransitStop& st) { return id && st.id == *id; });
    if (it == all.end())
      m_loader.fail(&element, named.keyLabel("stops"),
                    "unknown stop" + (id ? " '" + *id + "'" : std::string()) + "; declare it with [[transit.stop]]");
    const RoadId stopRoad = m_sc.network->lane(it->lane).road;
    std::size_t k = routeAt;
    while (k < route.size() && !(route[k] == stopRoad && (k > routeAt || it->positionM > lastPosition))) ++k;
    if (k == route.size())
      m_loader.fail(&element, named.keyLabel("stops"),
                    "stop '" + it->id + "' (road '" + m_sc.network->road(stopRoad).name + "') is not on the line's route" +
                        (line.stops.empty() ? std::string() : " after stop '" + all[line.stops.back()].id + "'") +
                        ": list stops in the order the route passes them");
    if (!m_sc.network->lane(it->lane).allowed.allows(type.vehicleClass))
      m_loader.fail(&element, named.keyLabel("stops"),
                    "stop '" + it->id + "' is on a lane that vehicles of class " + std::string(toString(type.vehicleClass)) +
                        " (type '" + type.name + "') may not use; move the stop to another lane or allow the class there");
    line.stops.push_back(static_cast<std::uint32_t>(it - all.begin()));
    line.stopRoute.push_back(static_cast<std::uint16_t>(k));
    routeAt = k;
    lastPosition = it->positionM;
  }

  const std::int64_t capacity = named.integer("capacity").value_or(60);
  if (capacity < 1) named.fail("capacity", "must be at least 1 passenger, got " + std::to_string(capacity));
  line.capacity = static_cast<std::uint32_t>(std::min<std::int64_t>(capacity, 100000));
  line.doorS = named.positive("door_s", line.doorS, true);
  line.boardingS = named.positive("boarding_s", line.boardingS, true);
  line.alightingS = named.positive("alighting_s", line.alightingS, true);
  line.priorityWhenLateS = named.number("priority_when_late_s", line.priorityWhenLateS);
  line.skipEmptyStops = named.boolean("skip_empty_stops").value_or(false);
  line.doors = static_cast<std::uint8_t>(named.integerInRange("doors", line.doors, 1, 8));
  if (const auto fare = named.string("fare")) {
    if (*fare == "on_board") line.fare = FarePayment::OnBoard;
    else if (*fare == "off_board") line.fare = FarePayment::OffBoard;
    else named.fail("fare", "unknown fare payment '" + shown(*fare) + "'; use \"on_board\" (boarding by the front door) or "
                            "\"off_board\" (every door)");
  }

  // Holding at timing points (every stop but the last unless listed).
  if (const auto holding = named.string("holding")) {
    if (*holding == "none") line.holding = Holding::None;
    else if (*holding == "schedule") line.holding = Holding::Schedule;
    else if (*holding == "headway") line.holding = Holding::Headway;
    else named.fail("holding", "unknown holding '" + shown(*holding) + "'; use \"none\", \"schedule\" or \"headway\"");
  }
  line.holdingHeadwayRatio = named.positive("holding_headway_ratio", line.holdingHeadwayRatio, true);
  if (line.holdingHeadwayRatio > 1)
    named.fail("holding_headway_ratio", "must be at most 1 (a run held for more than the scheduled headway falls behind "
                                        "its schedule for good), got " + formatNumber(line.holdingHeadwayRatio));
  line.timingPoint.assign(line.stops.size(), false);
  if (const toml::array* points = named.array("timing_points")) {
    if (line.holding == Holding::None) named.fail("timing_points", "has no effect without holding = \"schedule\" or \"headway\"");
    for (const auto& element : *points) {
      const auto id = element.value<std::string>();
      std::size_t k = 0;
      while (k < line.stops.size() && !(id && m_sc.transit.stops[line.stops[k]].id == *id)) ++k;
      if (k == line.stops.size())
        m_loader.fail(&element, named.keyLabel("timing_points"),
                      "'" + shown(id.value_or("")) + "' is not a stop of line '" + line.id + "'; list some of its stops");
      line.timingPoint[k] = true;
    }
  } else {
    for (std::size_t k = 0; k + 1 < line.stops.size(); ++k) line.timingPoint[k] = true;
  }

  // Runs: a headway between begin and end, or a timetable.
  if (named.node("departures_s") != nullptr) {
    if (named.node("headway_s") || named.node("begin_s") || named.node("end_s"))
      named.failTable("give either departures_s or headway_s (with begin_s, end_s), not both");
    for (const auto& element : *named.array("departures_s")) {
      const auto v = numberOf(element);
      if (!v || !std::isfinite(*v) || *v < 0 || (!line.departuresS.empty() && *v < line.departuresS.back()))
        m_loader.fail(&element, named.keyLabel("departures_s"), "departure times must be numbers >= 0, in increasing order");
      line.departuresS.push_back(*v);
    }
  } else {
    if (!named.node("headway_s")) named.failTable("needs headway_s (with begin_s, end_s) or departures_s = [...]");
    const double headway = named.positive("headway_s", 600);
    const double begin = named.positive("begin_s", 0, true);
    const double end = named.number("end_s", m_sc.durationS);
    if (end <= begin) named.fail("end_s", "must be after begin_s (" + formatNumber(begin) + " s), got " + formatNumber(end));
    // Issue 14: 0.001 s was accepted as 3,600,000 runs; runs cannot leave more often than steps.
    if (headway < m_sc.stepS)
      named.fail("headway_s", "must be at least the step (step_s = " + formatNumber(m_sc.stepS) + " s), got " +
                                  formatNumber(headway));
    requireTrips(named, "headway_s", (end - begin) / headway);
    for (double t = begin; t < end - 1e-9; t += headway) line.departuresS.push_back(t);
  }
  if (line.departuresS.empty()) named.failTable("has no departures");

  // Schedule: free-flow running time to each stop times the slack, plus a dwell allowance per stop.
  const double slack = named.number("schedule_slack", 1.2);
  if (slack < 1) named.fail("schedule_slack", "must be >= 1 (a schedule faster than free flow cannot be kept), got " +
                                              formatNumber(slack));
  const double allowance = named.positive("dwell_allowance_s", 15, true);
  double elapsed = 0;
  std::size_t road = 0;
  for (std::size_t k = 0; k < line.stops.size(); ++k) {
    for (; road < line.stopRoute[k]; ++road) elapsed += runningTime(route[road], m_sc.network->road(route[road]).lengthM, type);
    const double toStop = runningTime(route[road], m_sc.transit.stops[line.stops[k]].positionM, type);
    line.scheduleS.push_back(slack * (elapsed + toStop) + allowance * static_cast<double>(k));
  }

  const auto lineIndex = static_cast<std::uint32_t>(m_sc.transit.lines.size());
  for (std::size_t k = 0; k < line.departuresS.size(); ++k)
    m_sc.demand.trips.push_back(Trip{line.id + "_" + std::to_string(k), line.type, line.departuresS[k], line.route, lineIndex});
  const double lastDeparture = line.departuresS.back();
  const std::size_t stopCount = line.stops.size();
  if (named.node("demand_profile") && !named.node("passengers_per_hour"))
    named.fail("demand_profile", "shapes passengers_per_hour over time; give passengers_per_hour too");
  const auto profile = readRateProfile(named, "demand_profile", 0, lastDeparture);
  m_sc.transit.lines.push_back(std::move(line));

  // Passengers at every stop but the last, to any later stop with equal probability.
  if (const toml::node* rate = named.node("passengers_per_hour")) {
    std::vector<double> perStop(stopCount, 0);
    if (rate->is_number()) {
      std::fill(perStop.begin(), perStop.end(), named.positive("passengers_per_hour", 0, true));
    } else if (const toml::array* list = rate->as_array(); list && list->size() == stopCount) {
      for (std::size_t k = 0; k < stopCount; ++k) {
        const auto v = numberOf(*list->get(k));
        if (!v || !std::isfinite(*v) || *v < 0)
          m_loader.fail(list->get(k), named.keyLabel("passengers_per_hour"), "rates must be numbers >= 0");
        perStop[k] = *v;
      }
    } else {
      named.fail("passengers_per_hour", "expected a number (every stop) or a list with one rate per stop (" +
                                            std::to_string(stopCount) + ")");
    }
    double hours = 0;  // the profile's weighted length
    for (std::size_t i = 0; i + 1 < profile.size(); ++i)
      hours += profile[i].second * (profile[i + 1].first - profile[i].first) / 3600.0;
    double expected = 0;
    for (std::size_t from = 0; from + 1 < stopCount; ++from) expected += perStop[from] * hours;
    requirePassengers(named, "passengers_per_hour", expected);
    m_sc.seedShapesInputs = true;
    for (std::size_t from = 0; from + 1 < stopCount; ++from)
      for (std::size_t to = from + 1; to < stopCount; ++to)
        expandPassengers(m_sc.transit, lineIndex, static_cast<std::uint16_t>(from), static_cast<std::uint16_t>(to),
                         perStop[from] / static_cast<double>(stopCount - from - 1), profile, m_sc.seed);
  }
}

// [[transit.demand]]: an origin-destination rate between two stops of a line.
void DemandReader::readPassengerDemand(const toml::table& table, std::size_t index) {
  TableView named(m_loader, table, "transit.demand[" + std::to_string(index) + "]",
                  {"line", "from", "to", "per_hour", "begin_s", "end_s", "profile"});
  const std::string lineId = named.requiredString("line");
  const auto& lines = m_sc.transit.lines;
  const auto it = std::find_if(lines.begin(), lines.end(), [&](const TransitLine& l) { return l.id == lineId; });
  if (it == lines.end()) named.fail("line", "unknown line '" + shown(lineId) + "'; declare it with [[transit.line]]");
  auto position = [&](std::string_view key) -> std::uint16_t {
    const std::string id = named.requiredString(key);
    for (std::size_t k = 0; k < it->stops.size(); ++k)
      if (m_sc.transit.stops[it->stops[k]].id == id) return static_cast<std::uint16_t>(k);
    named.fail(key, "stop '" + id + "' is not served by line '" + lineId + "'");
  };
  const std::uint16_t from = position("from");
  const std::uint16_t to = position("to");
  if (to <= from) named.fail("to", "must be a stop after 'from' along line '" + lineId + "'");
  if (!named.node("per_hour")) named.failTable("missing per_hour (passengers per hour)");
  const double perHour = named.positive("per_hour", 0);
  if (named.node("profile") && (named.node("begin_s") || named.node("end_s")))
    named.failTable("give either profile or begin_s/end_s, not both");
  const double begin = named.positive("begin_s", 0, true);
  const double end = named.number("end_s", m_sc.durationS);
  if (end <= begin) named.fail("end_s", "must be after begin_s");
  const auto profile = readRateProfile(named, "profile", begin, end);
  double hours = 0;
  for (std::size_t i = 0; i + 1 < profile.size(); ++i)
    hours += profile[i].second * (profile[i + 1].first - profile[i].first) / 3600.0;
  requirePassengers(named, "per_hour", perHour * hours);
  expandPassengers(m_sc.transit, static_cast<std::uint32_t>(it - lines.begin()), from, to, perHour, profile, m_sc.seed);
  m_sc.seedShapesInputs = true;
}

// A time profile of passenger rates: [[time_s, factor], ...], each factor holding until the next
// point, the last point ending the demand. Without one: factor 1 from beginS to endS.
std::vector<std::pair<double, double>> DemandReader::readRateProfile(const TableView& named, std::string_view key,
                                                                     double beginS, double endS) {
  const toml::array* list = named.array(key);
  if (list == nullptr) return {{beginS, 1.0}, {endS, 0.0}};
  std::vector<std::pair<double, double>> profile;
  double weighted = 0;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::node* point = list->get(i);
    const toml::array* pair = point->as_array();
    if (pair == nullptr || pair->size() != 2 || !pair->get(0)->is_number() || !pair->get(1)->is_number())
      m_loader.fail(point, named.keyLabel(key), "each point must be [time_s, factor]");
    const double timeS = *numberOf(*pair->get(0));
    const double factor = *numberOf(*pair->get(1));
    if (!std::isfinite(timeS) || !std::isfinite(factor) || timeS < 0 || factor < 0)
      m_loader.fail(point, named.keyLabel(key), "times and factors must be finite and >= 0");
    if (!profile.empty()) {
      if (timeS <= profile.back().first) m_loader.fail(point, named.keyLabel(key), "times must increase from point to point");
      weighted += profile.back().second * (timeS - profile.back().first);
    }
    profile.emplace_back(timeS, factor);
  }
  if (profile.size() < 2) named.fail(key, "needs at least two points: [[begin_s, factor], [end_s, 0]]");
  if (weighted <= 0) named.fail(key, "all factors are zero, so no passenger would arrive");
  return profile;
}

// Free-flow time over the first `distanceM` of `road` for a vehicle of `type`.
double DemandReader::runningTime(RoadId road, double distanceM, const VehicleType& type) const {
  const LaneId lane = m_sc.network->road(road).lanes.front();
  return distanceM / desiredSpeed(type, m_sc.network->lane(lane).speedLimitMps);
}

}  // namespace traffic::toml_reader
