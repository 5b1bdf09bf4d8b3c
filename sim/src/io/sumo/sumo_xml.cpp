#include "io/sumo/sumo_xml.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/log.h"
#include "io/input_file.h"
#include "traffic/errors.h"

namespace traffic::sumo {
namespace {

std::optional<double> parseDouble(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

XmlFile::XmlFile(const std::filesystem::path& file, std::string_view what, std::uint64_t maxBytes,
                 const std::string& raiseHint)
    : m_path(file), m_name(file.string()) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw LoadError(m_name, "", std::string(what) + " not found");
  // Regular files only, within the size cap (issue 14: /dev/zero was read until bad_alloc, a FIFO
  // hung the loader).
  parse(readInputFile(file, maxBytes, std::string(what), raiseHint));
}

XmlFile::XmlFile(std::string name, std::string_view text)
    : m_path(name), m_name(std::move(name)) {
  parse(text);
}

void XmlFile::parse(std::string_view text) {
  m_lineStarts.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') m_lineStarts.push_back(i + 1);
  const pugi::xml_parse_result result = m_doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!result) {
    const auto offset = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, result.offset));
    const auto line = static_cast<int>(std::upper_bound(m_lineStarts.begin(), m_lineStarts.end(), offset) - m_lineStarts.begin());
    throw LoadError(m_name, "", "malformed XML: " + std::string(result.description()), line);
  }
  if (!m_doc.document_element()) throw LoadError(m_name, "", "the file holds no XML element");
}

std::optional<int> XmlFile::lineOf(const pugi::xml_node& node) const {
  const std::ptrdiff_t offset = node.offset_debug();
  if (offset < 0) return std::nullopt;
  return static_cast<int>(std::upper_bound(m_lineStarts.begin(), m_lineStarts.end(), static_cast<std::size_t>(offset)) -
                          m_lineStarts.begin());
}

void XmlFile::fail(const pugi::xml_node& node, const std::string& entity, const std::string& reason) const {
  throw LoadError(m_name, entity, reason, node ? lineOf(node) : std::nullopt);
}

std::string XmlFile::requiredString(const pugi::xml_node& node, const char* attr, const std::string& entity) const {
  const pugi::xml_attribute a = node.attribute(attr);
  if (!a) fail(node, entity, std::string("missing attribute '") + attr + "'");
  return a.value();
}

std::optional<double> XmlFile::optionalNumber(const pugi::xml_node& node, const char* attr,
                                              const std::string& entity) const {
  const pugi::xml_attribute a = node.attribute(attr);
  if (!a) return std::nullopt;
  const auto v = parseDouble(a.value());
  if (!v) fail(node, entity, std::string("'") + attr + "' must be a finite number, got '" + a.value() + "'");
  return v;
}

double XmlFile::number(const pugi::xml_node& node, const char* attr, const std::string& entity,
                       std::optional<double> fallback) const {
  if (auto v = optionalNumber(node, attr, entity)) return *v;
  if (fallback) return *fallback;
  fail(node, entity, std::string("missing attribute '") + attr + "'");
}

int XmlFile::integer(const pugi::xml_node& node, const char* attr, const std::string& entity,
                     std::optional<int> fallback) const {
  const pugi::xml_attribute a = node.attribute(attr);
  if (!a) {
    if (fallback) return *fallback;
    fail(node, entity, std::string("missing attribute '") + attr + "'");
  }
  const std::string_view text = a.value();
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    fail(node, entity, std::string("'") + attr + "' must be an integer, got '" + a.value() + "'");
  return v;
}

std::vector<Vec2> XmlFile::shape(const pugi::xml_node& node, const char* attr, const std::string& entity) const {
  const std::string text = requiredString(node, attr, entity);
  std::vector<Vec2> points;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size()) break;
    std::size_t end = text.find(' ', i);
    if (end == std::string::npos) end = text.size();
    const std::string_view point(text.data() + i, end - i);
    const std::size_t comma = point.find(',');
    const std::size_t comma2 = comma == std::string_view::npos ? comma : point.find(',', comma + 1);
    const auto x = comma == std::string_view::npos ? std::nullopt : parseDouble(point.substr(0, comma));
    const auto y = comma == std::string_view::npos ? std::nullopt
                                                   : parseDouble(point.substr(comma + 1, comma2 == std::string_view::npos
                                                                                             ? std::string_view::npos
                                                                                             : comma2 - comma - 1));
    if (!x || !y)
      fail(node, entity, std::string("'") + attr + "': point " + std::to_string(points.size()) + " '" +
                             std::string(point) + "' is not x,y");
    points.push_back({*x, *y});
    i = end;
  }
  if (points.size() < 2)
    fail(node, entity, std::string("'") + attr + "' needs at least 2 points, has " + std::to_string(points.size()));
  return points;
}

void Ignored::add(const std::string& what, std::string example) {
  auto& entry = m_counts[what];
  if (entry.first++ == 0) entry.second = std::move(example);
}

void Ignored::report(const std::string& file, std::string_view why) const {
  for (const auto& [what, entry] : m_counts) {
    if (entry.second.empty())
      simLog().warn("{}: {} {}: {}", file, entry.first, what, why);
    else
      simLog().warn("{}: {} {} (e.g. {}): {}", file, entry.first, what, entry.second, why);
  }
}

bool isDemandElement(std::string_view element) {
  for (std::string_view e : {"vType", "vTypeDistribution", "route", "routeDistribution", "vehicle", "trip", "flow", "person",
                             "personFlow", "container", "containerFlow", "interval", "busStop"})
    if (element == e) return true;
  return false;
}

std::vector<std::string> splitList(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  auto separator = [](char c) { return c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < text.size()) {
    while (i < text.size() && separator(text[i])) ++i;
    std::size_t end = i;
    while (end < text.size() && !separator(text[end])) ++end;
    if (end > i) out.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace traffic::sumo
