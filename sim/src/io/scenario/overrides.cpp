// Command-line overrides (--set key=value): each value is parsed as TOML (or taken as a bare
// string) and grafted onto the parsed document before validation, so an override goes through
// exactly the same checks as the file. The nodes an override created or replaced are remembered,
// so that every error caused by one says "(from --set ...)" instead of pointing at a line of the
// file that does not say so.
#include <string>
#include <vector>

#include "io/scenario/toml_reader.h"
#include "traffic/errors.h"

namespace traffic::toml_reader {

void Loader::applyOverrides(toml::table& root, const std::vector<std::string>& overrides) {
  m_overrideOf.clear();  // a fresh document: addresses remembered from an earlier one mean nothing
  struct Applied {
    std::string text;
    std::vector<std::string> path;
    std::size_t firstCreated;  // segments from here on were created by this override
  };
  std::vector<Applied> applied;
  for (const auto& text : overrides) {
    const std::string entity = "--set " + shown(text);
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
                              std::to_string(array->empty() ? 0 : array->size() - 1) + " instead of '" + shown(segment) + "'");
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
                            " entries; '" + shown(last) + "' is not an index into it");
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

toml::table Loader::parseOverrideValue(const std::string& valueText) {
  // Values are TOML when they parse as TOML (7, 2.5, false, [1, 2], "quoted"); anything else is
  // taken as a bare string, so that --set signals.policy=fixed_time needs no shell quoting. So is
  // a value with a character toml++ must not be shown (findUnsafeTomlCharacter).
  const std::string document = "v = " + valueText;
  if (!findUnsafeTomlCharacter(document)) {
    try {
      toml::table parsed = toml::parse(std::string_view(document), std::string_view("--set"));
      if (parsed.size() == 1 && parsed.contains("v")) return parsed;
    } catch (const toml::parse_error&) {
    }
  }
  toml::table fallback;
  fallback.insert("v", valueText);
  return fallback;
}

}  // namespace traffic::toml_reader
