// On-demand fleet readers: [[fleet]] (vehicles at depots, dispatcher, rebalancer) and its ride
// requests, drawn from a Poisson rate between zones and/or read from a CSV file.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <sstream>
#include <unordered_set>
#include <vector>

#include "io/input_file.h"
#include "io/scenario/request_file.h"
#include "io/scenario/toml_reader.h"
#include "traffic/errors.h"
#include "traffic/random.h"

namespace traffic::toml_reader {

// A road where a fleet vehicle may stop: vehicles continue from there, so it must have turns on.
RoadId DemandReader::serviceRoad(const std::string& label, const toml::node* node, const std::string& name) {
  const RoadId id = road(label, node, name);
  if (const std::string why = leadsOut(id); !why.empty()) m_loader.fail(node, label, why);
  return id;
}

// Why an on-demand vehicle cannot stop on `id`, or empty when it can.
std::string DemandReader::leadsOut(RoadId id) const {
  if (!m_sc.network->road(id).movementsOut.empty()) return {};
  return "road '" + m_sc.network->road(id).name +
         "' leads out of the network; on-demand vehicles stop only on roads they can drive on from";
}

void DemandReader::readFleet(const toml::table& table, std::size_t index) {
  TableView named(m_loader, table, "fleet[" + std::to_string(index) + "]",
                  {"id", "type", "vehicles", "capacity", "depots", "max_wait_s", "max_detour", "detour_slack_s",
                   "door_s", "boarding_s", "dispatcher", "rebalancer", "rebalance_every_s", "requests_per_hour",
                   "zones", "requests_begin_s", "requests_end_s", "requests_file"});
  FleetSpec fleet;
  fleet.id = uniqueId(named);
  named.relabel("fleet '" + fleet.id + "'");
  fleet.type = vehicleType(named);
  if (!named.node("vehicles")) named.failTable("missing vehicles (how many vehicles the fleet has)");
  const std::int64_t vehicles = *named.integer("vehicles");
  if (vehicles < 1 || vehicles > 100000) named.fail("vehicles", "must be between 1 and 100000, got " + std::to_string(vehicles));
  fleet.vehicles = static_cast<std::uint32_t>(vehicles);
  requireTrips(named, "vehicles", static_cast<double>(vehicles));
  const std::int64_t capacity = named.integer("capacity").value_or(4);
  if (capacity < 1) named.fail("capacity", "must be at least 1 rider, got " + std::to_string(capacity));
  fleet.capacity = static_cast<std::uint32_t>(std::min<std::int64_t>(capacity, 1000));
  const toml::array* depots = named.array("depots");
  if (depots == nullptr || depots->empty()) named.failTable("needs depots = [\"road\", ...], where its vehicles start");
  for (const auto& element : *depots) {
    const auto name = element.value<std::string>();
    if (!name) m_loader.fail(&element, named.keyLabel("depots"), "expected road names");
    fleet.depots.push_back(serviceRoad(named.keyLabel("depots"), &element, *name));
  }
  fleet.maxWaitS = named.positive("max_wait_s", fleet.maxWaitS);
  fleet.maxDetour = named.number("max_detour", fleet.maxDetour);
  if (fleet.maxDetour < 1) named.fail("max_detour", "must be >= 1 (a ride cannot beat the direct route), got " + formatNumber(fleet.maxDetour));
  fleet.detourSlackS = named.positive("detour_slack_s", fleet.detourSlackS, true);
  fleet.doorS = named.positive("door_s", fleet.doorS, true);
  fleet.boardingS = named.positive("boarding_s", fleet.boardingS, true);
  fleet.dispatcher = named.string("dispatcher").value_or(fleet.dispatcher);
  if (!makeDispatcher(fleet.dispatcher)) {
    const auto names = dispatcherNames();
    named.fail("dispatcher", "unknown dispatcher '" + shown(fleet.dispatcher) + "'" + didYouMean(fleet.dispatcher, names) +
                                 "; available: " + joinList(names));
  }
  fleet.rebalancer = named.string("rebalancer").value_or(fleet.rebalancer);
  if (const auto names = rebalancerNames(); std::find(names.begin(), names.end(), fleet.rebalancer) == names.end())
    named.fail("rebalancer", "unknown rebalancer '" + shown(fleet.rebalancer) + "'" + didYouMean(fleet.rebalancer, names) +
                                 "; available: " + joinList(names));
  fleet.rebalanceEveryS = named.positive("rebalance_every_s", fleet.rebalanceEveryS);

  const auto fleetIndex = static_cast<std::uint32_t>(m_sc.fleets.fleets.size());
  for (std::uint32_t k = 0; k < fleet.vehicles; ++k) {
    const RoadId depot = fleet.depots[k % fleet.depots.size()];
    m_sc.demand.trips.push_back(Trip{fleet.id + "_" + std::to_string(k), fleet.type, 0.0,
                                     m_sc.demand.routes.add(std::vector<RoadId>{depot}), UINT32_MAX, fleetIndex});
  }

  // Requests: a Poisson rate between zones, and/or a file.
  if (named.node("requests_per_hour")) {
    const double perHour = named.positive("requests_per_hour", 0);
    const toml::array* zones = named.array("zones");
    if (zones == nullptr || zones->size() < 2)
      named.failTable("requests_per_hour needs zones = [\"road\", ...] (at least two roads where riders start and end)");
    std::vector<RoadId> zoneRoads;
    for (const auto& element : *zones) {
      const auto name = element.value<std::string>();
      if (!name) m_loader.fail(&element, named.keyLabel("zones"), "expected road names");
      zoneRoads.push_back(serviceRoad(named.keyLabel("zones"), &element, *name));
    }
    const double begin = named.positive("requests_begin_s", 0, true);
    const double end = named.number("requests_end_s", m_sc.durationS);
    if (end <= begin) named.fail("requests_end_s", "must be after requests_begin_s");
    requireRequests(named, "requests_per_hour", perHour * (end - begin) / 3600.0);
    const std::uint64_t stream = mix(hashName("fleet.requests"), hashName(fleet.id));
    double t = begin;
    m_sc.seedShapesInputs = true;
    for (std::uint64_t k = 0;; ++k) {
      t += -3600.0 / perHour * std::log(1.0 - uniform01(m_sc.seed, stream, 3 * k));
      if (t >= end) break;
      const auto n = zoneRoads.size();
      const auto from = std::min(n - 1, static_cast<std::size_t>(uniform01(m_sc.seed, stream, 3 * k + 1) * static_cast<double>(n)));
      auto to = std::min(n - 2, static_cast<std::size_t>(uniform01(m_sc.seed, stream, 3 * k + 2) * static_cast<double>(n - 1)));
      if (to >= from) ++to;  // a different zone
      addRequest(named, fleetIndex, fleet.id + "_r" + std::to_string(k), t, zoneRoads[from], zoneRoads[to], "");
    }
  }
  if (const auto file = named.string("requests_file")) readRequestsFile(named, fleetIndex, fleet.id, *file);
  m_sc.fleets.fleets.push_back(std::move(fleet));
}

void DemandReader::addRequest(const TableView& named, std::uint32_t fleet, std::string id, double timeS, RoadId from, RoadId to,
                const std::string& where) {
  if (!router().shortestRoute(from, to))
    named.failTable((where.empty() ? std::string() : where + ": ") + "request '" + id + "': road '" +
                    m_sc.network->road(to).name + "' cannot be reached from '" + m_sc.network->road(from).name + "'");
  m_sc.fleets.requests.push_back(RideRequest{std::move(id), fleet, timeS, from, to});
}

// A CSV of requests: a header naming time_s, from and to (and optionally id), one request a line.
void DemandReader::readRequestsFile(const TableView& named, std::uint32_t fleet, const std::string& fleetId, const std::string& written) {
  const fs::path path = m_loader.resolveFile(named.node("requests_file"), named.keyLabel("requests_file"), written);
  // Regular files only, within limits.max_input_mb (issue 14: /dev/zero was read until bad_alloc).
  std::istringstream in(readInputFile(path, m_loader.maxInputBytes(), "request file",
                                      "raise [limits] max_input_mb in the scenario if the file is right"));
  std::string line;
  auto where = [&](std::size_t n) { return path.string() + ":" + std::to_string(n); };
  if (!std::getline(in, line)) named.fail("requests_file", "'" + path.string() + "' is empty; expected a header time_s,from,to");
  auto split = [](const std::string& text) {
    std::vector<std::string> cells;
    std::string cell;
    for (char c : text) {
      if (c == ',') {
        cells.push_back(cell);
        cell.clear();
      } else if (c != '\r') {
        cell += c;
      }
    }
    cells.push_back(cell);
    return cells;
  };
  const auto header = split(line);
  auto column = [&](const char* name) -> std::ptrdiff_t {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : it - header.begin();
  };
  // Every column must be known and named once: a misspelt "tme_s" or an extra column would
  // otherwise be ignored without a word (issue 14).
  const std::vector<std::string> known{"id", "time_s", "from", "to"};
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (std::find(known.begin(), known.end(), header[c]) == known.end())
      named.fail("requests_file", where(1) + ": unknown column '" + shown(header[c], 60) + "'" +
                                      didYouMean(header[c], known) + "; the columns are id (optional), time_s, from, to");
    if (std::find(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(c), header[c]) !=
        header.begin() + static_cast<std::ptrdiff_t>(c))
      named.fail("requests_file", where(1) + ": the column '" + header[c] + "' is named twice");
  }
  const std::ptrdiff_t cTime = column("time_s"), cFrom = column("from"), cTo = column("to"), cId = column("id");
  std::unordered_set<std::string> ids;
  for (const RideRequest& r : m_sc.fleets.requests) ids.insert(r.id);
  if (cTime < 0 || cFrom < 0 || cTo < 0)
    named.fail("requests_file", where(1) + ": the header must name the columns time_s, from and to (and may name id)");
  for (std::size_t n = 2; std::getline(in, line); ++n) {
    if (line.empty() || line == "\r") continue;
    const auto cells = split(line);
    if (cells.size() != header.size())
      named.fail("requests_file", where(n) + ": " + std::to_string(cells.size()) + " cells, the header has " +
                                      std::to_string(header.size()));
    double t = 0;
    try {
      std::size_t used = 0;
      t = std::stod(cells[static_cast<std::size_t>(cTime)], &used);
      if (used != cells[static_cast<std::size_t>(cTime)].size() || !std::isfinite(t) || t < 0) throw std::invalid_argument("");
    } catch (const std::exception&) {
      named.fail("requests_file",
                 where(n) + ": time_s '" + shown(cells[static_cast<std::size_t>(cTime)], 60) + "' is not a time >= 0");
    }
    auto roadAt = [&](std::ptrdiff_t c) {
      const std::string& name = cells[static_cast<std::size_t>(c)];
      const auto id = m_sc.network->findRoad(name);
      if (!id) named.fail("requests_file", where(n) + ": unknown road '" + shown(name) + "'");
      if (const std::string why = leadsOut(*id); !why.empty()) named.fail("requests_file", where(n) + ": " + why);
      return *id;
    };
    const RoadId from = roadAt(cFrom), to = roadAt(cTo);
    if (from == to) named.fail("requests_file", where(n) + ": origin and destination are the same road");
    const std::string id = cId >= 0 ? cells[static_cast<std::size_t>(cId)] : fleetId + "_f" + std::to_string(n - 1);
    if (id.empty()) named.fail("requests_file", where(n) + ": the id is empty");
    if (std::any_of(id.begin(), id.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
      named.fail("requests_file", where(n) + ": the id '" + shown(id) + "' contains a control character");
    if (!ids.insert(id).second)
      named.fail("requests_file", where(n) + ": the request id '" + shown(id) + "' is used twice; ids must differ");
    if (m_sc.fleets.requests.size() >= m_loader.limits().maxRequests)
      named.fail("requests_file", where(n) + ": more than limits.max_requests = " +
                                      std::to_string(m_loader.limits().maxRequests) +
                                      " ride requests; raise the limit with [limits] max_requests = N if the machine "
                                      "has the memory");
    addRequest(named, fleet, id, t, from, to, where(n));
  }
}

}  // namespace traffic::toml_reader

namespace traffic {

void readFleetRequestsFile(Scenario& sc, std::size_t fleet, const std::filesystem::path& file, const ResourceLimits& limits) {
  using namespace toml_reader;
  if (fleet >= sc.fleets.fleets.size())
    throw LoadError(sc.sourceFile.string(), "fleet", "the scenario has no fleet number " + std::to_string(fleet));
  Loader loader(sc.sourceFile);
  loader.setLimits(limits);
  // The fleet's table as the reader sees it, holding only the key that names the file.
  toml::table table;
  table.insert("requests_file", file.string());
  const TableView named(loader, table, "fleet '" + sc.fleets.fleets[fleet].id + "'", {"requests_file"});
  DemandReader(loader, sc).readRequestsFileOf(named, static_cast<std::uint32_t>(fleet), file.string());
  std::stable_sort(sc.fleets.requests.begin(), sc.fleets.requests.end(),
                   [](const RideRequest& a, const RideRequest& b) { return a.timeS < b.timeS; });
}

}  // namespace traffic
