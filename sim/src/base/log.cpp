#include "base/log.h"

#include <memory>

namespace traffic {

spdlog::logger& simLog() {
  // A logger without sinks stands in until the host registers "sim"; looked up on every call so
  // that a host may register it after the first library call.
  static auto silent = std::make_shared<spdlog::logger>("sim-silent");
  if (auto registered = spdlog::get("sim")) return *registered;
  return *silent;
}

}  // namespace traffic
