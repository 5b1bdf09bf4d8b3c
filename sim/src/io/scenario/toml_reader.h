// Private to sim/src/io/scenario/: what the pieces of the scenario reader share.
//
// Loader owns the parsed document's file name and the record of which nodes came from --set, so
// that every error names the file and the line, or the override that caused it. TableView is one
// table together with the keys it accepts: constructing it rejects any other key (with a
// suggestion), and its accessors check types and ranges, so a section reader states its keys once
// and never reads an unchecked value. DemandReader turns demand, transit and fleet tables into
// trips; it keeps the state they share (entry ids, the router, road names for suggestions).
//
// Every file that includes this header is compiled with TOML_HEADER_ONLY=1 (sim/CMakeLists.txt):
// toml++ must be used in one mode only.
#pragma once

// toml++ 3.3 asserts things about its input that malformed documents break (" [{" fails parse_key's
// "a bare key character or a quote"); with NDEBUG it turns those asserts into assumptions, which
// clang compiles as __builtin_assume: undefined behaviour on bad input. They are only optimisation
// hints, so they are switched off here (GCC ignores them anyway). See also findUnsafeTomlCharacter.
#include <toml++/impl/preprocessor.h>
#undef TOML_ASSUME
#define TOML_ASSUME(...) static_assert(true)
#include <toml++/toml.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "traffic/errors.h"
#include "traffic/limits.h"
#include "traffic/loaders/citybrain.h"
#include "traffic/loaders/sumo.h"
#include "traffic/scenario.h"

namespace traffic::toml_reader {

namespace fs = std::filesystem;

// ---- messages (toml_view.cpp) ----------------------------------------------------------------

std::size_t editDistance(std::string_view a, std::string_view b);

/// " (did you mean 'x'?)" when one candidate is close enough to be a plausible typo, else "".
template <class Range>
std::string didYouMean(std::string_view wrong, const Range& candidates) {
  if (wrong.size() > 200) return {};  // not a typo, and edit distances would cost seconds
  std::string best;
  std::size_t bestDistance = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const std::string_view candidate(c);
    const std::size_t d = editDistance(wrong, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = std::string(candidate);
    }
  }
  const std::size_t tolerance = std::max<std::size_t>(2, wrong.size() / 3);
  if (best.empty() || bestDistance > tolerance) return {};
  return " (did you mean '" + best + "'?)";
}

template <class Range>
std::string joinList(const Range& items, std::size_t limit = 40) {
  std::string out;
  std::size_t n = 0;
  for (const auto& item : items) {
    if (n == limit) return out + ", ...";
    if (n++ > 0) out += ", ";
    out += std::string_view(item);
  }
  return out;
}

/// Where a document has a character that toml++ 3.3 (Debian 12) must not be shown: a non-ASCII
/// character outside strings and comments (TOML allows none there), right after a backslash in a
/// string, or first on a line continued by a line-ending backslash. At those places the library
/// classifies whitespace with a table that reaches __builtin_unreachable for most of U+00A1-U+0499
/// (accented letters, Greek, Cyrillic) and a few other ranges: undefined behaviour, found by the
/// scenario fuzzer. Strings and comments may hold any character; they are never classified.
struct UnsafeTomlCharacter {
  int line = 0;    ///< 1-based
  int column = 0;  ///< 1-based, in characters
  std::string reason;
};
std::optional<UnsafeTomlCharacter> findUnsafeTomlCharacter(std::string_view document);

std::string_view typeName(toml::node_type t);
std::string trim(std::string_view s);
std::vector<std::string> splitDots(std::string_view s);
std::optional<std::size_t> parseIndex(std::string_view s);
std::string formatNumber(double v);
/// A TOML number as a double: floats as they are, integers converted (rounded beyond 2^53, where
/// toml++'s value<double>() gives nothing and dereferencing it read garbage; issue 14). Nothing for
/// other types.
std::optional<double> numberOf(const toml::node& node);
/// A user's text as it may appear in a message: at most `limit` characters, control characters
/// (NUL included) escaped; an error that echoes a 100 KB string helps nobody.
std::string shown(std::string_view text, std::size_t limit = 120);

// ---- the loader (toml_view.cpp, overrides.cpp) -----------------------------------------------

const toml::table& emptyTable();

class Loader {
 public:
  explicit Loader(fs::path file) : m_file(std::move(file)), m_fileName(m_file.string()) {}

  [[nodiscard]] const std::string& fileName() const { return m_fileName; }

  [[noreturn]] void fail(const toml::node* node, const std::string& entity, const std::string& reason) const {
    if (node != nullptr) {
      if (auto it = m_overrideOf.find(node); it != m_overrideOf.end())
        throw LoadError(m_fileName, entity + " (from --set " + shown(it->second) + ")", reason);
      const auto line = node->source().begin.line;
      if (line > 0) throw LoadError(m_fileName, entity, reason, static_cast<int>(line));
    }
    throw LoadError(m_fileName, entity, reason);
  }

  [[nodiscard]] bool fromOverride(const toml::node* node) const { return m_overrideOf.count(node) > 0; }

  /// The scenario's [limits], read first (sections.cpp, readLimits) so every reader can check
  /// counts against them before allocating.
  [[nodiscard]] const ResourceLimits& limits() const { return m_limits; }
  void setLimits(const ResourceLimits& limits) { m_limits = limits; }
  /// The cap for map, flow and request files, in bytes.
  [[nodiscard]] std::uint64_t maxInputBytes() const { return m_limits.maxInputMb * 1'000'000; }

  toml::table parse() const;
  /// A SUMO configuration read as the scenario it describes (sumo_config.cpp).
  toml::table sumoConfigAsScenario(const SumoConfig& cfg) const;
  /// A City Brain Challenge configuration (simulator.cfg) read as the scenario it describes
  /// (citybrain_config.cpp).
  toml::table citybrainConfigAsScenario(const CitybrainConfig& cfg) const;
  /// Grafts each "key=value" onto the document (overrides.cpp).
  void applyOverrides(toml::table& root, const std::vector<std::string>& overrides);
  /// Resolves a path-valued key and checks that the file exists; `label` is the key, for messages.
  fs::path resolveFile(const toml::node* node, const std::string& label, const std::string& value) const;
  /// resolveFile for the challenge's files, which trafficsim may not ship: a missing file's error
  /// says where to get them (citybrain_config.cpp).
  fs::path resolveCitybrainFile(const toml::node* node, const std::string& label, const std::string& value) const;

 private:
  static toml::table parseOverrideValue(const std::string& valueText);

  fs::path m_file;
  std::string m_fileName;
  std::unordered_map<const toml::node*, std::string> m_overrideOf;
  ResourceLimits m_limits;
};

/// A table together with the keys it accepts; construction rejects any other key.
class TableView {
 public:
  TableView(const Loader& loader, const toml::table& table, std::string label,
            std::initializer_list<std::string_view> accepted);

  [[nodiscard]] std::string keyLabel(std::string_view key) const {
    return m_label.empty() ? std::string(key) : m_label + "." + std::string(key);
  }
  [[nodiscard]] const toml::node* node(std::string_view key) const { return m_table.get(key); }
  [[noreturn]] void fail(std::string_view key, const std::string& reason) const {
    m_loader.fail(node(key), keyLabel(key), reason);
  }
  [[noreturn]] void failTable(const std::string& reason) const {
    // The document itself starts at line 1, which would point nowhere useful.
    m_loader.fail(m_label.empty() ? nullptr : &m_table, m_label, reason);
  }
  /// Messages about an entry read better with its id than with its position in the list.
  void relabel(std::string label) { m_label = std::move(label); }

  std::optional<double> number(std::string_view key) const;
  double number(std::string_view key, double fallback) const { return number(key).value_or(fallback); }
  /// A number > 0 (or >= 0 when `allowZero`).
  double positive(std::string_view key, double fallback, bool allowZero = false) const;
  std::optional<std::int64_t> integer(std::string_view key) const;
  int integerInRange(std::string_view key, int fallback, int lo, int hi) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<std::string> string(std::string_view key) const;
  std::string requiredString(std::string_view key) const;
  const toml::table* table(std::string_view key) const;
  const toml::array* array(std::string_view key) const;
  /// A list of tables, written either as [[key]] sections or as a list of inline tables.
  const toml::array* tableArray(std::string_view key) const;

 private:
  [[noreturn]] void wrongType(std::string_view key, const std::string& expected) const;

  const Loader& m_loader;
  const toml::table& m_table;
  std::string m_label;
};

/// Fails on `key` when `text` holds a control character (NUL, tab, newline, ...): ids end up in
/// CSV files and messages, where such bytes break rows or hide what the id is (issue 14).
void requirePrintable(const TableView& t, std::string_view key, const std::string& text);

TableView subTable(const Loader& loader, const TableView& parent, std::string_view key,
                   std::initializer_list<std::string_view> accepted);
bool validName(std::string_view name);

// ---- sections (sections.cpp) -----------------------------------------------------------------

void readLimits(const Loader& loader, const TableView& root, ResourceLimits& limits);
void readScenarioTable(const Loader& loader, const TableView& root, const fs::path& file, Scenario& sc);
void applyLaneUse(const Loader& loader, const TableView& map, RoadNetwork& net);
/// Returns the SUMO additional files of map.sumo_additional (resolved), whose demand the demand
/// reader takes.
std::vector<fs::path> readMap(const Loader& loader, const TableView& root, Scenario& sc);
void readVehicleTypes(const Loader& loader, const TableView& root, Scenario& sc);
void readDetectors(const Loader& loader, const TableView& t, Scenario& sc);
void readSignals(const Loader& loader, const TableView& root, Scenario& sc);
/// Reads [sensing] and checks that the model can feed the policy read by readSignals.
void readSensing(const Loader& loader, const TableView& root, Scenario& sc);
/// Reads [dynamics]; returns driver_variation, which is applied once the demand is known.
double readDynamics(const Loader& loader, const TableView& root, Scenario& sc);
void readOutputs(const Loader& loader, const TableView& root, Scenario& sc);

// ---- seeded variation between runs (seed_variation.cpp) --------------------------------------

constexpr double kMaxDriverVariation = 0.5;
constexpr std::size_t kDriverVariants = 8;

void jitterDepartures(Demand& demand, double jitterS, std::uint64_t seed);
void varyDrivers(Scenario& sc, double variation);

// ---- demand, transit and fleets (demand_reader.cpp, transit_reader.cpp, fleet_reader.cpp) ----

class DemandReader {
 public:
  DemandReader(const Loader& loader, Scenario& sc, std::vector<fs::path> sumoAdditional = {})
      : m_loader(loader), m_sc(sc), m_declaredTypes(!sc.vehicleTypes.empty()), m_sumoAdditional(std::move(sumoAdditional)) {}

  void read(const TableView& root);
  /// A request file for fleet `fleet` of a scenario read before (request_file.h): the requests_file
  /// key of `named` names it.
  void readRequestsFileOf(const TableView& named, std::uint32_t fleet, const std::string& written) {
    readRequestsFile(named, fleet, m_sc.fleets.fleets.at(fleet).id, written);
  }

 private:
  // demand_reader.cpp
  void readFlow(const toml::table& table, std::size_t index);
  /// A path or a list of paths under `label` (e.g. demand.cityflow_flows).
  std::vector<const toml::node*> filePaths(const TableView& t, const toml::node* n, const std::string& label) const;
  std::vector<RoadId> routeOrEnds(const TableView& named);
  void readTrip(const toml::table& table, std::size_t index);
  void readOd(const toml::table& table, std::size_t index);
  std::string uniqueId(const TableView& t);
  VehicleTypeId vehicleType(const TableView& t);
  RoadId road(const std::string& label, const toml::node* node, const std::string& name);
  RoadId endRoad(const TableView& t, std::string_view key);
  Router& router();
  void checkLaneUse() const;
  void checkTripIds() const;
  /// Fails on `key` of `t` when `expected` more trips (an estimate, before they are made) would
  /// take the scenario past limits.max_trips.
  void requireTrips(const TableView& t, std::string_view key, double expected) const;
  /// The same for passengers (limits.max_passengers) and ride requests (limits.max_requests).
  void requirePassengers(const TableView& t, std::string_view key, double expected) const;
  void requireRequests(const TableView& t, std::string_view key, double expected) const;

  // transit_reader.cpp
  void readTransit(const TableView& root);
  void readStop(const toml::table& table, std::size_t index);
  void readLine(const toml::table& table, std::size_t index);
  void readPassengerDemand(const toml::table& table, std::size_t index);
  std::vector<std::pair<double, double>> readRateProfile(const TableView& named, std::string_view key, double beginS,
                                                         double endS);
  double runningTime(RoadId road, double distanceM, const VehicleType& type) const;

  // fleet_reader.cpp
  RoadId serviceRoad(const std::string& label, const toml::node* node, const std::string& name);
  std::string leadsOut(RoadId id) const;
  void readFleet(const toml::table& table, std::size_t index);
  void addRequest(const TableView& named, std::uint32_t fleet, std::string id, double timeS, RoadId from, RoadId to,
                  const std::string& where);
  void readRequestsFile(const TableView& named, std::uint32_t fleet, const std::string& fleetId,
                        const std::string& written);

  const Loader& m_loader;
  Scenario& m_sc;
  bool m_declaredTypes;
  std::vector<fs::path> m_sumoAdditional;  // map.sumo_additional, read for their demand
  std::optional<Router> m_router;
  std::unordered_set<std::string> m_entryIds;
  std::vector<std::string> m_roadNames;
};

}  // namespace traffic::toml_reader
