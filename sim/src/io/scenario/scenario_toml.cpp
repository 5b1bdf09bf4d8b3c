// Scenario files (TOML) to a validated Scenario.
//
// Each table states the keys it accepts before anything is read from it, so a misspelt key fails the
// load with a suggestion instead of quietly falling back to a default; a silent default for
// "duraton_s" would cost a researcher an hour-long run with the wrong settings. Command-line
// overrides (--set) are grafted onto the parsed document before validation, so they go through
// exactly the same checks as the file, and every error caused by one says so.
//
// Paths in the file are relative to the file's folder (a scenario can be run from anywhere); paths
// given with --set are relative to the current directory, as a shell user would expect.

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/log.h"
#include "traffic/car_following.h"
#include "traffic/errors.h"
#include "traffic/grid.h"
#include "traffic/loaders/cityflow.h"
#include "traffic/loaders/sumo.h"
#include "traffic/random.h"
#include "traffic/scenario.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

// ---- suggestions ---------------------------------------------------------------------------

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// " (did you mean 'x'?)" when one candidate is close enough to be a plausible typo, else "".
template <class Range>
std::string didYouMean(std::string_view wrong, const Range& candidates) {
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

std::string_view typeName(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "a list";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

std::vector<std::string> splitDots(std::string_view s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = s.find('.', start);
    parts.push_back(trim(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start)));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

std::optional<std::size_t> parseIndex(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  std::size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  return v;
}

std::string formatNumber(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// ---- the loader ----------------------------------------------------------------------------

const toml::table& emptyTable() {
  static const toml::table kEmpty;
  return kEmpty;
}

class Loader {
 public:
  explicit Loader(fs::path file) : m_file(std::move(file)), m_fileName(m_file.string()) {}

  [[nodiscard]] const std::string& fileName() const { return m_fileName; }

  [[noreturn]] void fail(const toml::node* node, const std::string& entity, const std::string& reason) const {
    if (node != nullptr) {
      if (auto it = m_overrideOf.find(node); it != m_overrideOf.end())
        throw LoadError(m_fileName, entity + " (from --set " + it->second + ")", reason);
      const auto line = node->source().begin.line;
      if (line > 0) throw LoadError(m_fileName, entity, reason, static_cast<int>(line));
    }
    throw LoadError(m_fileName, entity, reason);
  }

  [[nodiscard]] bool fromOverride(const toml::node* node) const { return m_overrideOf.count(node) > 0; }

  toml::table parse() const {
    std::error_code ec;
    if (!fs::exists(m_file, ec)) throw LoadError(m_fileName, "", "scenario file not found");
    if (fs::is_directory(m_file, ec))
      throw LoadError(m_fileName, "", "this is a directory; expected a scenario file (.toml)");
    if (isSumoConfig(m_file)) return sumoConfigAsScenario(readSumoConfig(m_file));
    std::ifstream in(m_file, std::ios::binary);
    if (!in) throw LoadError(m_fileName, "", "cannot open the scenario file for reading");
    std::ostringstream text;
    text << in.rdbuf();
    try {
      const std::string document = text.str();
      return toml::parse(std::string_view(document), std::string_view(m_fileName));
    } catch (const toml::parse_error& e) {
      const auto line = e.source().begin.line;
      throw LoadError(m_fileName, "", "invalid TOML: " + std::string(e.description()),
                      line > 0 ? std::optional<int>(static_cast<int>(line)) : std::nullopt);
    }
  }

  // A SUMO configuration read as the scenario it describes: its network, route files and time
  // window; everything else keeps the defaults of a scenario file, and --set applies on top.
  toml::table sumoConfigAsScenario(const SumoConfig& cfg) const {
    toml::table scenario{{"name", m_file.stem().string()}};
    // SUMO without an end runs until the last vehicle has left; trafficsim needs a duration.
    scenario.insert("duration_s", cfg.endS ? *cfg.endS - cfg.beginS : 3600.0);
    if (cfg.stepS) scenario.insert("step_s", *cfg.stepS);
    if (cfg.seed) scenario.insert("seed", static_cast<std::int64_t>(*cfg.seed));
    toml::array routes;
    for (const fs::path& f : cfg.routeFiles) routes.push_back(f.string());
    toml::table map{{"sumo", cfg.netFile.string()}};
    if (!cfg.additionalFiles.empty()) {
      toml::array additional;
      for (const fs::path& f : cfg.additionalFiles) additional.push_back(f.string());
      map.insert("sumo_additional", std::move(additional));
    }
    toml::table root{{"scenario", std::move(scenario)},
                     {"map", std::move(map)},
                     {"demand", toml::table{{"sumo_routes", std::move(routes)}, {"sumo_begin_s", cfg.beginS}}}};
    // SUMO's time-to-teleport: <= 0 switches teleporting off.
    if (cfg.timeToTeleportS) {
      toml::table dynamics;
      if (*cfg.timeToTeleportS > 0) dynamics.insert("gridlock_timeout_s", *cfg.timeToTeleportS);
      else dynamics.insert("gridlock_action", "wait");
      root.insert("dynamics", std::move(dynamics));
    }
    return root;
  }

  void applyOverrides(toml::table& root, const std::vector<std::string>& overrides) {
    struct Applied {
      std::string text;
      std::vector<std::string> path;
      std::size_t firstCreated;  // segments from here on were created by this override
    };
    std::vector<Applied> applied;
    for (const auto& text : overrides) {
      const std::string entity = "--set " + text;
      const auto eq = text.find('=');
      if (eq == std::string::npos)
        throw LoadError(m_fileName, entity, "expected key=value, for example scenario.seed=7");
      const auto path = splitDots(text.substr(0, eq));
      for (const auto& segment : path)
        if (segment.empty())
          throw LoadError(m_fileName, entity, "the key is empty or has an empty part; expected a dotted key such as signals.policy");
      toml::table value = parseOverrideValue(trim(std::string_view(text).substr(eq + 1)));

      toml::node* current = &root;
      std::size_t firstCreated = path.size() - 1;
      bool created = false;
      std::string prefix;
      for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        const auto& segment = path[i];
        if (auto* table = current->as_table()) {
          toml::node* child = table->get(segment);
          if (child == nullptr) {
            child = table->insert(segment, toml::table{}).first->second.as_table();
            if (!created) firstCreated = i;
            created = true;
          }
          current = child;
        } else if (auto* array = current->as_array()) {
          const auto index = parseIndex(segment);
          if (!index || *index >= array->size())
            throw LoadError(m_fileName, entity,
                            "'" + prefix + "' is a list of " + std::to_string(array->size()) +
                                " entries; expected an index from 0 to " +
                                std::to_string(array->empty() ? 0 : array->size() - 1) + " instead of '" + segment + "'");
          current = array->get(*index);
        } else {
          throw LoadError(m_fileName, entity,
                          "'" + prefix + "' is " + std::string(typeName(current->type())) + ", not a table");
        }
        prefix += (prefix.empty() ? "" : ".") + segment;
      }
      toml::node& newValue = *value.get("v");
      const auto& last = path.back();
      if (auto* table = current->as_table()) {
        newValue.visit([&](auto& n) { table->insert_or_assign(last, std::move(n)); });
      } else if (auto* array = current->as_array()) {
        const auto index = parseIndex(last);
        if (!index || *index >= array->size())
          throw LoadError(m_fileName, entity,
                          "'" + prefix + "' is a list of " + std::to_string(array->size()) +
                              " entries; '" + last + "' is not an index into it");
        newValue.visit([&](auto& n) { array->replace(array->cbegin() + static_cast<std::ptrdiff_t>(*index), std::move(n)); });
      } else {
        throw LoadError(m_fileName, entity,
                        "'" + prefix + "' is " + std::string(typeName(current->type())) + ", not a table");
      }
      applied.push_back({text, path, firstCreated});
    }

    // Remember which nodes came from which override only now: a later override may have replaced
    // a node an earlier one created. Node addresses are stable from here on.
    for (const auto& a : applied) {
      toml::node* current = &root;
      for (std::size_t i = 0; i < a.path.size() && current != nullptr; ++i) {
        if (auto* table = current->as_table())
          current = table->get(a.path[i]);
        else if (auto* array = current->as_array())
          current = parseIndex(a.path[i]) ? array->get(*parseIndex(a.path[i])) : nullptr;
        else
          current = nullptr;
        if (current != nullptr && (i >= a.firstCreated || i + 1 == a.path.size())) m_overrideOf[current] = a.text;
      }
    }
  }

  /// Resolves a path-valued key and checks that the file exists; `label` is the key, for messages.
  fs::path resolveFile(const toml::node* node, const std::string& label, const std::string& value) const {
    if (value.empty()) fail(node, label, "the path is empty");
    fs::path p(value);
    const bool relative = p.is_relative();
    if (relative) {
      if (fromOverride(node)) {
        std::error_code ec;
        const auto cwd = fs::current_path(ec);
        if (!ec) p = cwd / p;
      } else {
        p = m_file.parent_path() / p;
      }
    }
    p = p.lexically_normal();
    std::error_code ec;
    if (!fs::exists(p, ec))
      fail(node, label,
           "file not found: '" + p.string() + "'" +
               (!relative            ? std::string()
                : fromOverride(node) ? std::string(" (relative paths given with --set start at the current directory)")
                                     : std::string(" (relative paths start at the scenario file's folder)")));
    if (fs::is_directory(p, ec)) fail(node, label, "'" + p.string() + "' is a directory; expected a file");
    return p;
  }

 private:
  static toml::table parseOverrideValue(const std::string& valueText) {
    // Values are TOML when they parse as TOML (7, 2.5, false, [1, 2], "quoted"); anything else is
    // taken as a bare string, so that --set signals.policy=fixed_time needs no shell quoting.
    try {
      const std::string document = "v = " + valueText;
      toml::table parsed = toml::parse(std::string_view(document), std::string_view("--set"));
      if (parsed.size() == 1 && parsed.contains("v")) return parsed;
    } catch (const toml::parse_error&) {
    }
    toml::table fallback;
    fallback.insert("v", valueText);
    return fallback;
  }

  fs::path m_file;
  std::string m_fileName;
  std::unordered_map<const toml::node*, std::string> m_overrideOf;
};

/// A table together with the keys it accepts; construction rejects any other key.
class TableView {
 public:
  TableView(const Loader& loader, const toml::table& table, std::string label,
            std::initializer_list<std::string_view> accepted)
      : m_loader(loader), m_table(table), m_label(std::move(label)) {
    for (auto&& [key, value] : table) {
      const std::string_view k = key.str();
      if (std::find(accepted.begin(), accepted.end(), k) != accepted.end()) continue;
      const std::string where = m_label.empty()                            ? "at the top level"
                                : m_label.find('[') != std::string::npos ? "in " + m_label
                                                                          : "in [" + m_label + "]";
      loader.fail(&value, keyLabel(k),
                  "unknown key" + didYouMean(k, accepted) + "; accepted keys " + where + ": " + joinList(accepted));
    }
  }

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

  std::optional<double> number(std::string_view key) const {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_number()) wrongType(key, "a number");
    const double v = *n->value<double>();
    if (!std::isfinite(v)) fail(key, "must be a finite number");
    return v;
  }
  double number(std::string_view key, double fallback) const { return number(key).value_or(fallback); }

  /// A number > 0 (or >= 0 when `allowZero`).
  double positive(std::string_view key, double fallback, bool allowZero = false) const {
    const double v = number(key, fallback);
    if (allowZero ? v < 0 : v <= 0)
      fail(key, "must be " + std::string(allowZero ? ">= 0" : "> 0") + ", got " + formatNumber(v));
    return v;
  }

  std::optional<std::int64_t> integer(std::string_view key) const {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_integer()) wrongType(key, "an integer");
    return n->as_integer()->get();
  }
  int integerInRange(std::string_view key, int fallback, int lo, int hi) const {
    const std::int64_t v = integer(key).value_or(fallback);
    if (v < lo || v > hi)
      fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + std::to_string(v));
    return static_cast<int>(v);
  }

  std::optional<bool> boolean(std::string_view key) const {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_boolean()) wrongType(key, "true or false");
    return n->as_boolean()->get();
  }

  std::optional<std::string> string(std::string_view key) const {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string()) wrongType(key, "a string");
    return n->as_string()->get();
  }
  std::string requiredString(std::string_view key) const {
    auto s = string(key);
    if (!s) m_loader.fail(&m_table, keyLabel(key), "missing; this key is required");
    if (s->empty()) fail(key, "must not be empty");
    return *s;
  }

  const toml::table* table(std::string_view key) const {
    const toml::node* n = node(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) wrongType(key, "a table");
    return n->as_table();
  }
  const toml::array* array(std::string_view key) const {
    const toml::node* n = node(key);
    if (n == nullptr) return nullptr;
    if (!n->is_array()) wrongType(key, "a list");
    return n->as_array();
  }
  /// A list of tables, written either as [[key]] sections or as a list of inline tables.
  const toml::array* tableArray(std::string_view key) const {
    const toml::node* n = node(key);
    if (n == nullptr) return nullptr;
    if (n->is_table())
      fail(key, "expected a list of tables: write [[" + keyLabel(key) + "]] (double brackets) for each entry");
    if (!n->is_array()) wrongType(key, "a list of tables");
    const toml::array* arr = n->as_array();
    for (const auto& element : *arr)
      if (!element.is_table())
        m_loader.fail(&element, keyLabel(key), "every entry must be a table, found " + std::string(typeName(element.type())));
    return arr;
  }

 private:
  [[noreturn]] void wrongType(std::string_view key, const std::string& expected) const {
    const toml::node* n = node(key);
    std::string got(typeName(n->type()));
    if (auto s = n->value<std::string>()) got += " ('" + *s + "')";
    fail(key, "expected " + expected + ", got " + got);
  }

  const Loader& m_loader;
  const toml::table& m_table;
  std::string m_label;
};

TableView subTable(const Loader& loader, const TableView& parent, std::string_view key,
                   std::initializer_list<std::string_view> accepted) {
  const toml::table* t = parent.table(key);
  return TableView(loader, t ? *t : emptyTable(), parent.keyLabel(key), accepted);
}

bool validName(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.size() > 200) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

// ---- sections ------------------------------------------------------------------------------

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
    if (!roadId) t.fail("road", "unknown road '" + roadName + "'");
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

void readMap(const Loader& loader, const TableView& root, Scenario& sc) {
  if (root.node("map") == nullptr)
    root.failTable("missing [map]: name a CityFlow road network with map.cityflow = \"path/roadnet.json\", "
                   "a SUMO network with map.sumo = \"path/x.net.xml\" "
                   "or describe a generated grid in a [map.grid] table");
  const TableView t = subTable(loader, root, "map", {"cityflow", "sumo", "sumo_additional", "grid", "lanes"});
  const bool hasCityflow = t.node("cityflow") != nullptr;
  const bool hasSumo = t.node("sumo") != nullptr;
  const bool hasGrid = t.node("grid") != nullptr;
  if (int(hasCityflow) + int(hasSumo) + int(hasGrid) != 1) {
    std::vector<std::string> given;
    if (hasCityflow) given.emplace_back("map.cityflow");
    if (hasSumo) given.emplace_back("map.sumo");
    if (hasGrid) given.emplace_back("[map.grid]");
    if (given.empty())
      t.failTable("empty: give map.cityflow = \"path/roadnet.json\", map.sumo = \"path/x.net.xml\" or a [map.grid] table");
    t.failTable(given.size() == 2 ? "give either " + given[0] + " or " + given[1] + ", not both"
                                  : "give only one of map.cityflow, map.sumo and [map.grid]");
  }

  if (!hasSumo && t.node("sumo_additional")) t.fail("sumo_additional", "only applies to map.sumo");

  if (hasCityflow || hasSumo) {
    const char* key = hasSumo ? "sumo" : "cityflow";
    if (!t.string(key)) t.fail(key, "expected a file path (a string)");
    const std::string written = *t.string(key);
    const fs::path file = loader.resolveFile(t.node(key), std::string("map.") + key, written);
    RoadNetwork net;
    if (hasSumo) {
      // map.sumo_additional: SUMO additional files, for the traffic-light programs they hold.
      std::vector<fs::path> additional;
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
      SumoNetwork sumo = loadSumoNetwork(file, additional);
      // The map's programs come with their own clearance times; [signals] may still override them.
      sc.signalTiming = sumo.timing;
      net = std::move(sumo.network);
    } else {
      net = loadCityflowRoadnet(file);
    }
    applyLaneUse(loader, t, net);
    sc.network = std::make_shared<const RoadNetwork>(std::move(net));
    // Relative to the working directory when the map lies below it (as when running from the
    // repository root), else absolute: "../../x" says less than "/data/x".
    std::error_code ec;
    const fs::path shown = fs::proximate(file, ec);
    const bool below = !ec && !shown.empty() && *shown.begin() != "..";
    sc.mapDescription = below ? shown.string() : fs::absolute(file, ec).lexically_normal().string();
    return;
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
}

void readVehicleTypes(const Loader& loader, const TableView& root, Scenario& sc) {
  const toml::array* list = root.tableArray("vehicle_type");
  if (list == nullptr) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string label = "vehicle_type[" + std::to_string(i) + "]";
    const TableView t(loader, *list->get(i)->as_table(), label,
                      {"name", "class", "length_m", "width_m", "max_speed_mps", "accel_mps2", "comfort_decel_mps2",
                       "max_decel_mps2", "min_gap_m", "headway_s", "accel_exponent", "politeness",
                       "lane_change_threshold_mps2", "speed_factor", "signal_priority", "cooperative",
                       "cooperative_headway_s", "signal_aware", "car_following", "krauss_sigma"});
    const std::string name = t.requiredString("name");
    for (const auto& other : sc.vehicleTypes)
      if (other.name == name) t.fail("name", "vehicle type '" + name + "' is declared twice");
    VehicleClass cls = VehicleClass::Car;
    if (auto written = t.string("class")) {
      auto parsed = parseVehicleClass(*written);
      if (!parsed) {
        std::vector<std::string> names;
        for (int c = 0; c < kVehicleClassCount; ++c) names.emplace_back(toString(static_cast<VehicleClass>(c)));
        t.fail("class", "unknown vehicle class '" + *written + "'" + didYouMean(*written, names) + "; classes: " + joinList(names));
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
    type.cooperative = t.boolean("cooperative").value_or(type.cooperative);
    type.cooperativeHeadwayS = t.number("cooperative_headway_s", type.cooperativeHeadwayS);
    type.signalAware = t.boolean("signal_aware").value_or(type.signalAware);
    type.kraussSigma = t.number("krauss_sigma", type.kraussSigma);
    if (auto model = t.string("car_following")) {
      auto parsed = parseCarFollowingModel(*model);
      if (!parsed) {
        const std::vector<std::string> names{"idm", "iidm", "krauss", "cacc"};
        t.fail("car_following", "unknown car-following model '" + *model + "'" + didYouMean(*model, names) +
                                    "; use one of: " + joinList(names));
      }
      type.carFollowing = *parsed;
    }
    if (auto priority = t.string("signal_priority")) {
      auto parsed = parseSignalPriority(*priority);
      if (!parsed) {
        const std::vector<std::string> names{"none", "transit", "emergency"};
        t.fail("signal_priority", "unknown signal priority '" + *priority + "'" + didYouMean(*priority, names) +
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
    if (!roadId) d.fail("road", "unknown road '" + roadName + "' in map " + sc.mapDescription);
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
    if (std::find(names.begin(), names.end(), *policy) == names.end())
      t.fail("policy", "unknown signal policy '" + *policy + "'" + didYouMean(*policy, names) +
                           "; available: " + joinList(names));
    sc.signalPolicy.name = *policy;
  }
  sc.signalTiming.yellowS = t.positive("yellow_s", sc.signalTiming.yellowS, true);
  sc.signalTiming.allRedS = t.positive("all_red_s", sc.signalTiming.allRedS, true);
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
      const double v = *value.value<double>();
      if (!std::isfinite(v)) loader.fail(&value, "signals.params." + std::string(key.str()), "must be a finite number");
      sc.signalPolicy.params[std::string(key.str())] = v;
    }
  }
  readDetectors(loader, t, sc);
  // Build the policy once now so that bad names or parameters fail at load, not at the first step.
  (void)makeSignalPolicy(sc.signalPolicy, loader.fileName());
}

// ---- seeded variation between runs -----------------------------------------------------------
//
// Dataset demand is fixed, so without these options every seed of a CityFlow scenario gives the
// same run. Both draw from counter-based streams keyed by the trip id or the type name (not by
// position in the trip list), so adding a flow leaves the draws of every other trip unchanged, and
// the same seed gives the same perturbed demand under every signal policy (common random numbers,
// which make policy comparisons over seeds sharper).

constexpr double kMaxDriverVariation = 0.5;
constexpr std::size_t kDriverVariants = 8;

/// Shifts each departure by a uniform draw in [-jitterS, +jitterS], clamped at 0.
void jitterDepartures(Demand& demand, double jitterS, std::uint64_t seed) {
  if (jitterS <= 0) return;
  const std::uint64_t stream = hashName("demand.departure_jitter_s");
  for (Trip& trip : demand.trips) {
    const double shift = jitterS * (2 * uniform01(seed, stream, hashName(trip.id)) - 1);
    trip.departS = std::max(0.0, trip.departS + shift);
  }
}

/// Gives every vehicle type `kDriverVariants` variants, appended as "<name>~1".."<name>~8", whose
/// speed factor and desired headway are the type's scaled by independent draws in [1-v, 1+v], and
/// moves each trip to one of its type's variants. The original types stay (flows name them) but
/// carry no trips. Eight variants rather than one parameter set per vehicle: the engine keeps a
/// type index per vehicle, and a handful of driver kinds already spreads platoons and headways.
void varyDrivers(Scenario& sc, double variation) {
  if (variation <= 0) return;
  const std::uint64_t speedStream = hashName("dynamics.driver_variation.speed_factor");
  const std::uint64_t headwayStream = hashName("dynamics.driver_variation.headway_s");
  const std::uint64_t assignStream = hashName("dynamics.driver_variation.variant");
  auto scale = [&](std::uint64_t stream, const std::string& typeName, std::size_t k) {
    return 1 + variation * (2 * uniform01(sc.seed, mix(stream, hashName(typeName)), k) - 1);
  };
  const std::size_t baseCount = sc.vehicleTypes.size();
  // The engine stores a vehicle's type in 16 bits.
  if (baseCount * (kDriverVariants + 1) > std::size_t{std::numeric_limits<std::uint16_t>::max()} + 1)
    throw LoadError(sc.sourceFile.string(), "dynamics.driver_variation",
                    "too many vehicle types (" + std::to_string(baseCount) + ") to give each " +
                        std::to_string(kDriverVariants) + " driver variants");
  for (std::size_t i = 0; i < baseCount; ++i) {
    for (std::size_t k = 0; k < kDriverVariants; ++k) {
      VehicleType variant = sc.vehicleTypes[i];
      variant.name = sc.vehicleTypes[i].name + "~" + std::to_string(k + 1);
      variant.speedFactor *= scale(speedStream, sc.vehicleTypes[i].name, k);
      variant.headwayS *= scale(headwayStream, sc.vehicleTypes[i].name, k);
      sc.vehicleTypes.push_back(std::move(variant));
    }
  }
  for (Trip& trip : sc.demand.trips) {
    const double u = uniform01(sc.seed, assignStream, hashName(trip.id));
    const auto k = std::min(kDriverVariants - 1, static_cast<std::size_t>(u * static_cast<double>(kDriverVariants)));
    trip.type = VehicleTypeId(baseCount + trip.type.index() * kDriverVariants + k);
  }
}

/// Reads [dynamics]; returns driver_variation, which is applied once the demand is known.
double readDynamics(const Loader& loader, const TableView& root, Scenario& sc) {
  const TableView t = subTable(loader, root, "dynamics",
                               {"lane_changing", "gridlock_timeout_s", "gridlock_action", "driver_variation"});
  sc.laneChanging = t.boolean("lane_changing").value_or(sc.laneChanging);
  sc.gridlockTimeoutS = t.positive("gridlock_timeout_s", sc.gridlockTimeoutS);
  if (auto action = t.string("gridlock_action")) {
    if (*action == "teleport")
      sc.gridlockAction = GridlockAction::Teleport;
    else if (*action == "wait")
      sc.gridlockAction = GridlockAction::Wait;
    else
      t.fail("gridlock_action", "unknown action '" + *action + "'; use \"teleport\" or \"wait\"");
  }
  const double variation = t.positive("driver_variation", 0, true);
  if (variation > kMaxDriverVariation)
    t.fail("driver_variation", "must be at most " + formatNumber(kMaxDriverVariation) + " (a spread of ±" +
                                   formatNumber(kMaxDriverVariation * 100) + "%), got " + formatNumber(variation));
  return variation;
}

void readOutputs(const Loader& loader, const TableView& root, Scenario& sc) {
  const TableView t = subTable(loader, root, "outputs", {"timeseries_interval_s"});
  sc.timeseriesIntervalS = t.positive("timeseries_interval_s", sc.timeseriesIntervalS);
}

// ---- demand --------------------------------------------------------------------------------

class DemandReader {
 public:
  DemandReader(const Loader& loader, Scenario& sc)
      : m_loader(loader), m_sc(sc), m_declaredTypes(!sc.vehicleTypes.empty()) {}

  void read(const TableView& root) {
    if (root.node("demand") == nullptr && root.node("transit") == nullptr && root.node("fleet") == nullptr)
      root.failTable("missing [demand]: add demand.cityflow_flows, [[demand.flow]] or [[demand.od]] entries");
    const TableView t =
        subTable(m_loader, root, "demand",
                 {"cityflow_flows", "sumo_routes", "sumo_begin_s", "flow", "od", "trip", "departure_jitter_s"});
    const double jitterS = t.positive("departure_jitter_s", 0, true);

    if (const toml::node* n = t.node("cityflow_flows")) {
      std::vector<const toml::node*> files;
      if (n->is_string()) {
        files.push_back(n);
      } else if (const toml::array* arr = n->as_array()) {
        for (const auto& element : *arr) {
          if (!element.is_string())
            m_loader.fail(&element, "demand.cityflow_flows", "expected file paths (strings), found " +
                                                                 std::string(typeName(element.type())));
          files.push_back(&element);
        }
      } else {
        t.fail("cityflow_flows", "expected a path or a list of paths, got " + std::string(typeName(n->type())));
      }
      for (const toml::node* f : files) {
        const fs::path path = m_loader.resolveFile(f, "demand.cityflow_flows", *f->value<std::string>());
        loadCityflowFlows(path, *m_sc.network, m_sc.vehicleTypes, m_sc.demand);
      }
    }

    if (const toml::node* n = t.node("sumo_routes")) {
      SumoDemandOptions options;
      options.beginS = t.positive("sumo_begin_s", 0, true);
      options.endS = options.beginS + m_sc.durationS;
      options.seed = m_sc.seed;
      for (const toml::node* f : filePaths(t, n, "demand.sumo_routes")) {
        const fs::path path = m_loader.resolveFile(f, "demand.sumo_routes", *f->value<std::string>());
        loadSumoRoutes(path, *m_sc.network, m_sc.vehicleTypes, m_sc.demand, options);
      }
    } else if (t.node("sumo_begin_s")) {
      t.fail("sumo_begin_s", "only applies to demand.sumo_routes, which is not given");
    }

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
    m_sc.demand.sortByDeparture();
  }

 private:
  void readFlow(const toml::table& table, std::size_t index) {
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
    expandFlow(*m_sc.network, router(), flow, m_sc.seed, m_loader.fileName(), m_sc.demand);
  }

  /// An explicit `route` (checked to be connected), or `from` and `to` (two roads, to be routed).
  std::vector<RoadId> routeOrEnds(const TableView& named) {
    const bool hasRoute = named.node("route") != nullptr;
    const bool hasEnds = named.node("from") != nullptr || named.node("to") != nullptr;
    if (hasRoute == hasEnds)
      named.failTable(hasRoute ? "give either route or from/to, not both"
                               : "needs a route = [\"road\", ...] or from = \"road\" and to = \"road\"");
    if (!hasRoute) return {endRoad(named, "from"), endRoad(named, "to")};
    std::vector<RoadId> roads;
    const toml::array* route = named.array("route");
    if (route->empty()) named.fail("route", "the route is empty");
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
  void readTrip(const toml::table& table, std::size_t index) {
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

  void readOd(const toml::table& table, std::size_t index) {
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

    if (const toml::array* profile = named.array("profile")) {
      if (named.node("begin_s") || named.node("end_s"))
        named.failTable("give either profile or begin_s/end_s, not both");
      double weightedLength = 0;
      for (std::size_t i = 0; i < profile->size(); ++i) {
        const toml::node* point = profile->get(i);
        const toml::array* pair = point->as_array();
        if (pair == nullptr || pair->size() != 2 || !pair->get(0)->is_number() || !pair->get(1)->is_number())
          m_loader.fail(point, named.keyLabel("profile"), "each point must be [time_s, weight]");
        const double timeS = *pair->get(0)->value<double>();
        const double weight = *pair->get(1)->value<double>();
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
  }

  std::string uniqueId(const TableView& t) {
    std::string id = t.requiredString("id");
    if (!m_entryIds.insert(id).second)
      t.fail("id", "the id '" + id + "' is used by another flow or OD entry; ids name the trips, so they must differ");
    return id;
  }

  VehicleTypeId vehicleType(const TableView& t) {
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
    t.fail("type", "unknown vehicle type '" + name + "'" + didYouMean(name, names) +
                       (names.empty() ? std::string("; no [[vehicle_type]] is declared")
                                      : "; declared types: " + joinList(names)));
  }

  RoadId road(const std::string& label, const toml::node* node, const std::string& name) {
    if (auto id = m_sc.network->findRoad(name)) return *id;
    if (m_roadNames.empty())
      for (const auto& r : m_sc.network->roads()) m_roadNames.push_back(r.name);
    m_loader.fail(node, label,
                  "unknown road '" + name + "'" + didYouMean(name, m_roadNames) + " in map " + m_sc.mapDescription);
  }

  RoadId endRoad(const TableView& t, std::string_view key) {
    if (!t.node(key)) t.failTable("missing " + std::string(key) + " (a road name)");
    return road(t.keyLabel(key), t.node(key), *t.string(key));
  }

  Router& router() {
    if (!m_router) m_router.emplace(*m_sc.network);
    return *m_router;
  }

  // ---- public transport ----

  void readTransit(const TableView& root) {
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

  void readStop(const toml::table& table, std::size_t index) {
    TableView named(m_loader, table, "transit.stop[" + std::to_string(index) + "]", {"id", "road", "lane", "position_m", "bay"});
    TransitStop stop;
    stop.id = named.requiredString("id");
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

  void readLine(const toml::table& table, std::size_t index) {
    TableView named(m_loader, table, "transit.line[" + std::to_string(index) + "]",
                    {"id", "type", "route", "from", "to", "stops", "headway_s", "begin_s", "end_s", "departures_s",
                     "capacity", "door_s", "boarding_s", "alighting_s", "passengers_per_hour", "priority_when_late_s",
                     "schedule_slack", "dwell_allowance_s", "skip_empty_stops"});
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

    // Runs: a headway between begin and end, or a timetable.
    if (named.node("departures_s") != nullptr) {
      if (named.node("headway_s") || named.node("begin_s") || named.node("end_s"))
        named.failTable("give either departures_s or headway_s (with begin_s, end_s), not both");
      for (const auto& element : *named.array("departures_s")) {
        const auto v = element.value<double>();
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
    m_sc.transit.lines.push_back(std::move(line));

    // Passengers at every stop but the last, to any later stop with equal probability.
    if (const toml::node* rate = named.node("passengers_per_hour")) {
      std::vector<double> perStop(stopCount, 0);
      if (rate->is_number()) {
        std::fill(perStop.begin(), perStop.end(), named.positive("passengers_per_hour", 0, true));
      } else if (const toml::array* list = rate->as_array(); list && list->size() == stopCount) {
        for (std::size_t k = 0; k < stopCount; ++k) {
          const auto v = list->get(k)->value<double>();
          if (!v || !std::isfinite(*v) || *v < 0)
            m_loader.fail(list->get(k), named.keyLabel("passengers_per_hour"), "rates must be numbers >= 0");
          perStop[k] = *v;
        }
      } else {
        named.fail("passengers_per_hour", "expected a number (every stop) or a list with one rate per stop (" +
                                              std::to_string(stopCount) + ")");
      }
      for (std::size_t from = 0; from + 1 < stopCount; ++from)
        for (std::size_t to = from + 1; to < stopCount; ++to)
          expandPassengers(m_sc.transit, lineIndex, static_cast<std::uint16_t>(from), static_cast<std::uint16_t>(to),
                           perStop[from] / static_cast<double>(stopCount - from - 1), 0, lastDeparture, m_sc.seed);
    }
  }

  // ---- on-demand fleets ----

  // A road where a fleet vehicle may stop: vehicles continue from there, so it must have turns on.
  RoadId serviceRoad(const std::string& label, const toml::node* node, const std::string& name) {
    const RoadId id = road(label, node, name);
    if (const std::string why = leadsOut(id); !why.empty()) m_loader.fail(node, label, why);
    return id;
  }

  // Why an on-demand vehicle cannot stop on `id`, or empty when it can.
  std::string leadsOut(RoadId id) const {
    if (!m_sc.network->road(id).movementsOut.empty()) return {};
    return "road '" + m_sc.network->road(id).name +
           "' leads out of the network; on-demand vehicles stop only on roads they can drive on from";
  }

  void readFleet(const toml::table& table, std::size_t index) {
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
      named.fail("dispatcher", "unknown dispatcher '" + fleet.dispatcher + "'" + didYouMean(fleet.dispatcher, names) +
                                   "; available: " + joinList(names));
    }
    fleet.rebalancer = named.string("rebalancer").value_or(fleet.rebalancer);
    if (const auto names = rebalancerNames(); std::find(names.begin(), names.end(), fleet.rebalancer) == names.end())
      named.fail("rebalancer", "unknown rebalancer '" + fleet.rebalancer + "'" + didYouMean(fleet.rebalancer, names) +
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
      const std::uint64_t stream = mix(hashName("fleet.requests"), hashName(fleet.id));
      double t = begin;
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

  void addRequest(const TableView& named, std::uint32_t fleet, std::string id, double timeS, RoadId from, RoadId to,
                  const std::string& where) {
    if (!router().shortestRoute(from, to))
      named.failTable((where.empty() ? std::string() : where + ": ") + "request '" + id + "': road '" +
                      m_sc.network->road(to).name + "' cannot be reached from '" + m_sc.network->road(from).name + "'");
    m_sc.fleets.requests.push_back(RideRequest{std::move(id), fleet, timeS, from, to});
  }

  // A CSV of requests: a header naming time_s, from and to (and optionally id), one request a line.
  void readRequestsFile(const TableView& named, std::uint32_t fleet, const std::string& fleetId, const std::string& written) {
    const fs::path path = m_loader.resolveFile(named.node("requests_file"), named.keyLabel("requests_file"), written);
    std::ifstream in(path);
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
    const std::ptrdiff_t cTime = column("time_s"), cFrom = column("from"), cTo = column("to"), cId = column("id");
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
        named.fail("requests_file", where(n) + ": time_s '" + cells[static_cast<std::size_t>(cTime)] + "' is not a time >= 0");
      }
      auto roadAt = [&](std::ptrdiff_t c) {
        const std::string& name = cells[static_cast<std::size_t>(c)];
        const auto id = m_sc.network->findRoad(name);
        if (!id) named.fail("requests_file", where(n) + ": unknown road '" + name + "'");
        if (const std::string why = leadsOut(*id); !why.empty()) named.fail("requests_file", where(n) + ": " + why);
        return *id;
      };
      const RoadId from = roadAt(cFrom), to = roadAt(cTo);
      if (from == to) named.fail("requests_file", where(n) + ": origin and destination are the same road");
      const std::string id = cId >= 0 ? cells[static_cast<std::size_t>(cId)] : fleetId + "_f" + std::to_string(n - 1);
      addRequest(named, fleet, id, t, from, to, where(n));
    }
  }

  // A path or a list of paths under `label`.
  std::vector<const toml::node*> filePaths(const TableView& t, const toml::node* n, const std::string& label) const {
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

  // [[transit.demand]]: an origin-destination rate between two stops of a line.
  void readPassengerDemand(const toml::table& table, std::size_t index) {
    TableView named(m_loader, table, "transit.demand[" + std::to_string(index) + "]",
                    {"line", "from", "to", "per_hour", "begin_s", "end_s"});
    const std::string lineId = named.requiredString("line");
    const auto& lines = m_sc.transit.lines;
    const auto it = std::find_if(lines.begin(), lines.end(), [&](const TransitLine& l) { return l.id == lineId; });
    if (it == lines.end()) named.fail("line", "unknown line '" + lineId + "'; declare it with [[transit.line]]");
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
    const double begin = named.positive("begin_s", 0, true);
    const double end = named.number("end_s", m_sc.durationS);
    if (end <= begin) named.fail("end_s", "must be after begin_s");
    expandPassengers(m_sc.transit, static_cast<std::uint32_t>(it - lines.begin()), from, to, perHour, begin, end, m_sc.seed);
  }

  // Free-flow time over the first `distanceM` of `road` for a vehicle of `type`.
  double runningTime(RoadId road, double distanceM, const VehicleType& type) const {
    const LaneId lane = m_sc.network->road(road).lanes.front();
    return distanceM / desiredSpeed(type, m_sc.network->lane(lane).speedLimitMps);
  }

  // Every trip can drive its route on lanes its class may use: its first road has such a lane, and
  // each turn has a connector between two of them.
  void checkLaneUse() const {
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

  void checkTripIds() const {
    std::unordered_set<std::string_view> seen;
    seen.reserve(m_sc.demand.trips.size());
    for (const auto& trip : m_sc.demand.trips)
      if (!seen.insert(trip.id).second)
        throw LoadError(m_loader.fileName(), "demand",
                        "two trips share the id '" + trip.id + "'; rename the flow or OD entry that produces it");
  }

 private:
  const Loader& m_loader;
  Scenario& m_sc;
  bool m_declaredTypes;
  std::optional<Router> m_router;
  std::unordered_set<std::string> m_entryIds;
  std::vector<std::string> m_roadNames;
};

}  // namespace

Scenario loadScenario(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  Loader loader(file);
  toml::table document = loader.parse();
  loader.applyOverrides(document, overrides);

  const TableView root(loader, document, "",
                       {"scenario", "map", "demand", "transit", "fleet", "vehicle_type", "signals", "dynamics", "outputs"});
  Scenario sc;
  sc.sourceFile = file;
  readScenarioTable(loader, root, file, sc);
  const double driverVariation = readDynamics(loader, root, sc);
  readOutputs(loader, root, sc);
  readVehicleTypes(loader, root, sc);
  readMap(loader, root, sc);
  readSignals(loader, root, sc);

  DemandReader(loader, sc).read(root);
  varyDrivers(sc, driverVariation);

  std::size_t late = 0;
  for (const auto& trip : sc.demand.trips) late += trip.departS >= sc.durationS ? 1 : 0;
  if (late > 0)
    simLog().info("{}: {} of {} trips depart at or after the end of the run ({} s) and will not run", loader.fileName(),
                  late, sc.demand.trips.size(), sc.durationS);
  return sc;
}

}  // namespace traffic
