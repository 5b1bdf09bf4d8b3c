// Shared reading of SUMO's XML files (networks, routes, configurations).
//
// A file is read into memory once and parsed by pugixml in place, which is what keeps the
// largest networks within a fraction of a second. Every accessor knows the file and the element it
// reads, so a bad value becomes a LoadError naming the file, the line (computed from pugixml's
// byte offset) and the element's id. What the readers do not understand is tallied and logged
// once per kind with a count, never dropped silently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/geometry.h"

namespace traffic::sumo {

/// How to raise the size cap on a network, route or additional file, for XmlFile's message.
inline constexpr const char* kRaiseInputLimit = "raise [limits] max_input_mb in the scenario if the file is right";

class XmlFile {
 public:
  /// Reads and parses `file`; `what` names the kind of file in messages ("SUMO network"). Only a
  /// regular file of at most `maxBytes` is read (a folder, a device or a FIFO is a LoadError, and
  /// so is a larger file, whose message ends with `raiseHint`).
  XmlFile(const std::filesystem::path& file, std::string_view what, std::uint64_t maxBytes, const std::string& raiseHint);
  /// Parses `text` as the content of a file called `name` (readers given bytes, e.g. fuzzing).
  XmlFile(std::string name, std::string_view text);

  [[nodiscard]] const std::string& name() const { return m_name; }
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  [[nodiscard]] pugi::xml_node root() const { return m_doc.document_element(); }

  /// 1-based line of `node` in the file, when known.
  [[nodiscard]] std::optional<int> lineOf(const pugi::xml_node& node) const;

  [[noreturn]] void fail(const pugi::xml_node& node, const std::string& entity, const std::string& reason) const;

  /// Attribute accessors: "missing" and "not a number" are errors naming the element.
  [[nodiscard]] std::string requiredString(const pugi::xml_node& node, const char* attr, const std::string& entity) const;
  [[nodiscard]] std::optional<double> optionalNumber(const pugi::xml_node& node, const char* attr,
                                                     const std::string& entity) const;
  [[nodiscard]] double number(const pugi::xml_node& node, const char* attr, const std::string& entity,
                              std::optional<double> fallback = std::nullopt) const;
  [[nodiscard]] int integer(const pugi::xml_node& node, const char* attr, const std::string& entity,
                            std::optional<int> fallback = std::nullopt) const;
  /// A SUMO shape: "x,y x,y ..." (a third coordinate, the height, is ignored); at least 2 points.
  [[nodiscard]] std::vector<Vec2> shape(const pugi::xml_node& node, const char* attr, const std::string& entity) const;

 private:
  void parse(std::string_view text);

  std::filesystem::path m_path;
  std::string m_name;
  pugi::xml_document m_doc;
  std::vector<std::size_t> m_lineStarts;  // byte offset of the start of each line
};

/// Counts of what a reader met but does not model, logged once per kind at the end of a file.
class Ignored {
 public:
  void add(const std::string& what, std::string example = {});
  /// Logs one warning line per kind ("N x <what> (e.g. ...)") under the file's name.
  void report(const std::string& file, std::string_view why) const;
  [[nodiscard]] const std::map<std::string, std::pair<std::size_t, std::string>>& entries() const { return m_counts; }

 private:
  std::map<std::string, std::pair<std::size_t, std::string>> m_counts;
};

/// Whether an element of a route or additional file is demand (types, routes, vehicles, persons,
/// containers), which the route reader takes or reports, or a bus stop, which it reads from
/// additional files; the network reader leaves these to it.
bool isDemandElement(std::string_view element);

/// Whitespace- or comma-separated list, as SUMO writes edge lists and file lists.
std::vector<std::string> splitList(std::string_view text);

/// "x" with double quotes, the way messages quote SUMO ids.
inline std::string inQuotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace traffic::sumo
