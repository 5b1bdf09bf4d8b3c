// The TOML view of a scenario file: reading the document, the typed accessors of TableView that
// reject unknown keys and wrong types, and the helpers behind every message (suggestions, lists,
// type names, numbers as the user would write them).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/scenario/toml_reader.h"
#include "io/input_file.h"
#include "traffic/loaders/sumo.h"
#include "traffic/errors.h"
#include "traffic/limits.h"

namespace traffic::toml_reader {

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

std::optional<double> numberOf(const toml::node& node) {
  if (const auto* i = node.as_integer()) return static_cast<double>(i->get());
  if (const auto* f = node.as_floating_point()) return f->get();
  return std::nullopt;
}

std::string shown(std::string_view text, std::size_t limit) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  std::size_t used = 0;
  for (; used < text.size() && out.size() < limit; ++used) {
    const auto c = static_cast<unsigned char>(text[used]);
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (used < text.size()) out += "... (" + std::to_string(text.size() - used) + " more bytes)";
  return out;
}

std::optional<UnsafeTomlCharacter> findUnsafeTomlCharacter(std::string_view doc) {
  enum class In { Code, Comment, Basic, Literal, MultiBasic, MultiLiteral };
  In in = In::Code;
  bool continued = false;  // in a multi-line basic string, after a line-ending backslash
  int line = 1;
  std::size_t lineStart = 0;
  // A quote opens a string only where a key or a value begins. Inside a bare value (`x = 1'é`,
  // `x = 1979-05-27{'é'`) the parser reads on, classifying each character, until whitespace, a comma,
  // a closing bracket or a comment ends the value; a bare key also ends at '.' and '='. So does this
  // scan. Values are what follows a key's '=' to the end of the line, and everything inside the
  // brackets of an array or inline table opened there (arrays may span lines).
  bool bare = false;
  bool inValue = false;  // after a key's '=' on this line
  int brackets = 0;      // open arrays and inline tables of a value
  const auto byteAt = [&](std::size_t k) { return static_cast<unsigned char>(doc[k]); };
  const auto unsafe = [&](std::size_t at, std::string reason) {
    int column = 1;
    for (std::size_t k = lineStart; k < at; ++k)
      if ((byteAt(k) & 0xC0) != 0x80) ++column;  // count characters, not UTF-8 continuation bytes
    return UnsafeTomlCharacter{line, column, std::move(reason)};
  };
  const auto run = [&](std::size_t at, char quote) {
    std::size_t n = 0;
    while (at + n < doc.size() && doc[at + n] == quote) ++n;
    return n;
  };
  const auto horizontalSpace = [&](std::size_t k) { return doc[k] == ' ' || doc[k] == '\t' || doc[k] == '\r'; };
  const std::string afterBackslash =
      "a non-ASCII character right after a backslash in a string: write it as a \\u escape, or begin "
      "the continued line with an ASCII character";
  std::size_t i = doc.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // a byte-order mark is read as such
  for (; i < doc.size(); ++i) {
    const unsigned char c = byteAt(i);
    if (c == '\n') {
      ++line;
      lineStart = i + 1;
      bare = false;
      inValue = false;
      if (in == In::Comment || in == In::Basic || in == In::Literal) in = In::Code;
      continue;
    }
    switch (in) {
      case In::Code: {
        if (c >= 0x80)
          return unsafe(i, "a non-ASCII character where TOML allows only ASCII (outside a string value or a "
                           "comment): put the value in quotes");
        const bool value = inValue || brackets > 0;
        if (c == '#') {
          in = In::Comment;
          bare = false;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == ',') {
          bare = false;
        } else if (c == ']' || c == '}') {
          bare = false;
          if (value && brackets > 0) --brackets;
        } else if (!value && (c == '.' || c == '=')) {
          bare = false;
          if (c == '=') inValue = true;
        } else if (!bare && (c == '"' || c == '\'')) {
          const bool multi = run(i, static_cast<char>(c)) >= 3;
          in = c == '"' ? (multi ? In::MultiBasic : In::Basic) : (multi ? In::MultiLiteral : In::Literal);
          if (multi) i += 2;
          bare = true;  // what follows a closing quote directly belongs to the same malformed token
        } else if (!bare && value && (c == '[' || c == '{')) {
          ++brackets;
        } else if (bare || c != '[') {
          bare = true;  // '[' opening a table header in a key is structure, anything else a bare token
        }
        break;
      }
      case In::Comment:
        break;
      case In::Basic:
        if (c == '"') {
          in = In::Code;
        } else if (c == '\\' && i + 1 < doc.size() && doc[i + 1] != '\n') {
          if (byteAt(i + 1) >= 0x80) return unsafe(i + 1, afterBackslash);
          ++i;  // the escaped character
        }
        break;
      case In::Literal:
        if (c == '\'') in = In::Code;
        break;
      case In::MultiBasic:
        if (continued) {
          if (horizontalSpace(i)) break;
          if (c >= 0x80) return unsafe(i, afterBackslash);
          continued = false;
        }
        if (c == '\\') {
          // An escape, or a line-ending backslash (only spaces up to the end of the line). Either way
          // the parser classifies the characters after the spaces that follow it.
          std::size_t j = i + 1;
          while (j < doc.size() && horizontalSpace(j)) ++j;
          if (j < doc.size() && byteAt(j) >= 0x80) return unsafe(j, afterBackslash);
          if (j < doc.size() && doc[j] == '\n') {
            continued = true;
            i = j - 1;  // the newline is counted at the top of the loop
          } else if (i + 1 < doc.size()) {
            ++i;  // the escaped character
          }
        } else if (c == '"') {
          const std::size_t n = run(i, '"');  // up to two quotes may end the content before the closing three
          if (n >= 3) in = In::Code;
          i += std::min<std::size_t>(n, 5) - 1;
        }
        break;
      case In::MultiLiteral:
        if (c == '\'') {
          const std::size_t n = run(i, '\'');
          if (n >= 3) in = In::Code;
          i += std::min<std::size_t>(n, 5) - 1;
        }
        break;
    }
  }
  return std::nullopt;
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

toml::table Loader::parse() const {
  std::error_code ec;
  if (!fs::exists(m_file, ec)) throw LoadError(m_fileName, "", "scenario file not found");
  if (fs::is_directory(m_file, ec))
    throw LoadError(m_fileName, "", "this is a directory; expected a scenario file (.toml)");
  if (isSumoConfig(m_file)) return sumoConfigAsScenario(readSumoConfig(m_file));
  if (isCitybrainConfig(m_file)) return citybrainConfigAsScenario(readCitybrainConfig(m_file));
  // Regular files only, of a size a hand-written scenario can have (issue 14: /dev/zero was read
  // until bad_alloc, a FIFO hung).
  const std::string document = readInputFile(
      m_file, kMaxScenarioFileBytes, "scenario file",
      "put large demand into CityFlow flow files (demand.cityflow_flows) or request files (requests_file)");
  if (const auto bad = findUnsafeTomlCharacter(document))
    throw LoadError(m_fileName, "", "invalid TOML at column " + std::to_string(bad->column) + ": " + bad->reason,
                    bad->line);
  try {
    return toml::parse(std::string_view(document), std::string_view(m_fileName));
  } catch (const toml::parse_error& e) {
    const auto line = e.source().begin.line;
    throw LoadError(m_fileName, "", "invalid TOML: " + std::string(e.description()),
                    line > 0 ? std::optional<int>(static_cast<int>(line)) : std::nullopt);
  }
}

/// Resolves a path-valued key and checks that the file exists; `label` is the key, for messages.
fs::path Loader::resolveFile(const toml::node* node, const std::string& label, const std::string& value) const {
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

// ---- tables --------------------------------------------------------------------------------

TableView::TableView(const Loader& loader, const toml::table& table, std::string label,
                     std::initializer_list<std::string_view> accepted)
    : m_loader(loader), m_table(table), m_label(std::move(label)) {
  for (auto&& [key, value] : table) {
    const std::string_view k = key.str();
    if (std::find(accepted.begin(), accepted.end(), k) != accepted.end()) continue;
    const std::string where = m_label.empty()                            ? "at the top level"
                              : m_label.find('[') != std::string::npos ? "in " + m_label
                                                                        : "in [" + m_label + "]";
    loader.fail(&value, keyLabel(shown(k, 60)),
                "unknown key" + didYouMean(k, accepted) + "; accepted keys " + where + ": " + joinList(accepted));
  }
}

std::optional<double> TableView::number(std::string_view key) const {
  const toml::node* n = node(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_number()) wrongType(key, "a number");
  const double v = *numberOf(*n);
  if (!std::isfinite(v)) fail(key, "must be a finite number");
  return v;
}

/// A number > 0 (or >= 0 when `allowZero`).
double TableView::positive(std::string_view key, double fallback, bool allowZero) const {
  const double v = number(key, fallback);
  if (allowZero ? v < 0 : v <= 0)
    fail(key, "must be " + std::string(allowZero ? ">= 0" : "> 0") + ", got " + formatNumber(v));
  return v;
}

std::optional<std::int64_t> TableView::integer(std::string_view key) const {
  const toml::node* n = node(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_integer()) wrongType(key, "an integer");
  return n->as_integer()->get();
}

int TableView::integerInRange(std::string_view key, int fallback, int lo, int hi) const {
  const std::int64_t v = integer(key).value_or(fallback);
  if (v < lo || v > hi)
    fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + std::to_string(v));
  return static_cast<int>(v);
}

std::optional<bool> TableView::boolean(std::string_view key) const {
  const toml::node* n = node(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_boolean()) wrongType(key, "true or false");
  return n->as_boolean()->get();
}

std::optional<std::string> TableView::string(std::string_view key) const {
  const toml::node* n = node(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_string()) wrongType(key, "a string");
  return n->as_string()->get();
}

std::string TableView::requiredString(std::string_view key) const {
  auto s = string(key);
  if (!s) m_loader.fail(&m_table, keyLabel(key), "missing; this key is required");
  if (s->empty()) fail(key, "must not be empty");
  return *s;
}

const toml::table* TableView::table(std::string_view key) const {
  const toml::node* n = node(key);
  if (n == nullptr) return nullptr;
  if (!n->is_table()) wrongType(key, "a table");
  return n->as_table();
}

const toml::array* TableView::array(std::string_view key) const {
  const toml::node* n = node(key);
  if (n == nullptr) return nullptr;
  if (!n->is_array()) wrongType(key, "a list");
  return n->as_array();
}

/// A list of tables, written either as [[key]] sections or as a list of inline tables.
const toml::array* TableView::tableArray(std::string_view key) const {
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

[[noreturn]] void TableView::wrongType(std::string_view key, const std::string& expected) const {
  const toml::node* n = node(key);
  std::string got(typeName(n->type()));
  if (auto s = n->value<std::string>()) got += " ('" + shown(*s) + "')";
  fail(key, "expected " + expected + ", got " + got);
}

void requirePrintable(const TableView& t, std::string_view key, const std::string& text) {
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    t.fail(key, "'" + shown(text) + "' contains a control character; use printable characters");
}

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

}  // namespace traffic::toml_reader
