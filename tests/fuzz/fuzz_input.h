// Shared by the libFuzzer harnesses: the readers under test take paths, so each input is written
// to a file in a private folder first. The folder holds a link to the repository's maps/ beside a
// scenarios/ folder, so that scenario inputs seeded from scenarios/*.toml find their maps as the
// shipped files do ("../maps/...").
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace traffic::fuzz {

inline const std::filesystem::path& workDir() {
  static const std::filesystem::path dir = [] {
    const auto d = std::filesystem::temp_directory_path() / ("trafficsim-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d / "scenarios");
    std::error_code ec;
    std::filesystem::create_directory_symlink(std::filesystem::path(TRAFFIC_SOURCE_DIR) / "maps", d / "maps", ec);
    return d;
  }();
  return dir;
}

/// Writes the input to `name` under the work folder and returns its path.
inline std::filesystem::path writeInput(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const auto path = workDir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace traffic::fuzz
