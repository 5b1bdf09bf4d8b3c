// Shared by the libFuzzer harnesses: the readers under test take paths, so each input is written
// to a file in a private folder first (a few microseconds; the readers' own work is what costs).
// For the scenario harness the folder holds a maps/ folder beside a scenarios/ folder, so that a
// scenario input finds the files it names as "../maps/NAME". Those are small on purpose: whole
// CityFlow maps and flow files took 0.1 to 1 s per execution under AddressSanitizer, and their
// reader has its own harness (cityflow). maps/ holds tests/fuzz/maps/ (one signalised Hangzhou
// junction with its neighbours, four flows over it, a request file) and the tests' small SUMO and
// City Brain files; the seeds in tests/fuzz/seeds/scenario_toml/ name them.
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
    return d;
  }();
  return dir;
}

/// Copies the files scenario inputs may name into the work folder's maps/ (once).
inline void prepareMaps() {
  static const bool done = [] {
    namespace fs = std::filesystem;
    const fs::path source(TRAFFIC_SOURCE_DIR);
    const fs::path maps = workDir() / "maps";
    fs::create_directories(maps);
    for (const auto& entry : fs::directory_iterator(source / "tests/fuzz/maps"))
      fs::copy_file(entry.path(), maps / entry.path().filename(), fs::copy_options::overwrite_existing);
    for (const char* name : {"sumo/cross_tls.net.xml", "sumo/cross_night.add.xml", "sumo/routes.rou.xml",
                             "citybrain/roadnet_plus.txt", "citybrain/flow_plus.txt"}) {
      const fs::path file = source / "tests/data" / name;
      fs::copy_file(file, maps / file.filename(), fs::copy_options::overwrite_existing);
    }
    return true;
  }();
  (void)done;
}

/// Writes the input to `name` under the work folder and returns its path. The old file is removed
/// first rather than truncated: ext4 writes a file truncated to nothing back to disk when it is
/// closed (its auto_da_alloc guard against lost renames), which took 7 % of the scenario harness's
/// samples (`perf record`: do_truncate, ext4_release_file).
inline std::filesystem::path writeInput(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const auto path = workDir() / name;
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace traffic::fuzz
