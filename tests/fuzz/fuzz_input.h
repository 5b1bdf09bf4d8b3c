// Shared by the libFuzzer harnesses: the readers under test take paths, so each input is written
// to a file in a private folder first (a few microseconds; the readers' own work is what costs).
// For the scenario harness the folder holds a maps/ folder beside a scenarios/ folder, so that scenario inputs seeded from
// scenarios/*.toml find their maps as the shipped files do ("../maps/..."). Those maps are the
// repository's maps/, compacted and with flow files cut to their first entries: every file a
// shipped scenario names is there and consistent, but loading it takes milliseconds, not the
// 0.1 to 1 s of whole CityFlow maps and flow files under AddressSanitizer.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace traffic::fuzz {

/// Entries kept of each CityFlow flow file in the work folder's maps/.
inline constexpr std::size_t kFlowEntries = 20;

inline const std::filesystem::path& workDir() {
  static const std::filesystem::path dir = [] {
    const auto d = std::filesystem::temp_directory_path() / ("trafficsim-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d / "scenarios");
    return d;
  }();
  return dir;
}

/// Writes the compacted copies of maps/ into the work folder (once; for the scenario harness).
inline void prepareMaps() {
  static const bool done = [] {
    const std::filesystem::path maps = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "maps";
    for (const auto& entry : std::filesystem::recursive_directory_iterator(maps)) {
      if (entry.path().extension() != ".json") continue;
      const auto out = workDir() / "maps" / std::filesystem::relative(entry.path(), maps);
      std::filesystem::create_directories(out.parent_path());
      nlohmann::json doc = nlohmann::json::parse(std::ifstream(entry.path()));
      if (doc.is_array() && doc.size() > kFlowEntries) doc.erase(doc.begin() + kFlowEntries, doc.end());
      std::ofstream(out) << doc.dump();
    }
    return true;
  }();
  (void)done;
}

/// Writes the input to `name` under the work folder and returns its path.
inline std::filesystem::path writeInput(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const auto path = workDir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace traffic::fuzz
