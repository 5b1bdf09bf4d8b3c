// `trafficsim info`: load and validate a scenario exactly as run does, and describe it.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace traffic::cli {

struct InfoOptions {
  std::string scenario;
  std::vector<std::string> overrides;
};

/// Registers `info` on `app`.
CLI::App* addInfoCommand(CLI::App& app, InfoOptions& info);
int infoCommand(const InfoOptions& opt);

}  // namespace traffic::cli
