#include "traffic/errors.h"

namespace traffic {
namespace {

std::string compose(const std::string& file, const std::string& entity, const std::string& reason,
                    std::optional<int> line) {
  std::string msg;
  if (!file.empty()) {
    msg += file;
    if (line) msg += ":" + std::to_string(*line);
    msg += ": ";
  }
  if (!entity.empty()) msg += entity + ": ";
  msg += reason;
  return msg;
}

}  // namespace

LoadError::LoadError(std::string file, std::string entity, std::string reason, std::optional<int> line)
    : std::runtime_error(compose(file, entity, reason, line)),
      m_file(std::move(file)),
      m_entity(std::move(entity)),
      m_reason(std::move(reason)),
      m_line(line) {}

}  // namespace traffic
