// Errors raised while loading scenarios and maps, and for other input the user can fix.
//
// Loading either yields a complete, validated world or throws LoadError; there is no half-loaded
// state. The message names the file, the entity inside it and the reason, so that a user can fix
// the input without reading our source. Command-line tools map LoadError to exit code 2.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace traffic {

class LoadError : public std::runtime_error {
 public:
  /// `file` may be empty for errors not tied to a file; `line` is 1-based when the parser knows it.
  LoadError(std::string file, std::string entity, std::string reason, std::optional<int> line = std::nullopt);

  [[nodiscard]] const std::string& file() const { return m_file; }
  [[nodiscard]] const std::string& entity() const { return m_entity; }
  [[nodiscard]] const std::string& reason() const { return m_reason; }
  [[nodiscard]] std::optional<int> line() const { return m_line; }

 private:
  std::string m_file;
  std::string m_entity;
  std::string m_reason;
  std::optional<int> m_line;
};

/// Input the user can fix that is not a scenario error: an unusable output folder, a bad
/// combination of options. Command-line tools print it after "error: " and exit with code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace traffic
