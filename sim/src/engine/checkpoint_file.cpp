// Checkpoint files: read whole, written atomically (traffic/checkpoint.h).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

#include "traffic/checkpoint.h"
#include "traffic/errors.h"

namespace traffic {

namespace fs = std::filesystem;

std::vector<std::uint8_t> readCheckpointFile(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw LoadError(file.string(), "checkpoint", fs::exists(file, ec) ? "not a regular file" : "no such file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw LoadError(file.string(), "checkpoint", std::string("cannot open it: ") + std::strerror(errno));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw LoadError(file.string(), "checkpoint", "reading it failed");
  return bytes;
}

void writeCheckpointFile(const fs::path& file, std::span<const std::uint8_t> bytes, bool replace) {
  std::error_code ec;
  if (fs::exists(file, ec) && !replace)
    throw std::runtime_error(file.string() + ": exists; choose another file or pass --force to replace it");
  if (fs::is_directory(file, ec)) throw std::runtime_error(file.string() + ": is a folder, not a file");
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  const fs::path tmp = dir / ("." + file.filename().string() + ".tmp-" + std::to_string(::getpid()));
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw std::runtime_error(file.string() + ": cannot write it: " + std::strerror(errno));
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() && std::fflush(f) == 0 &&
                    ::fsync(::fileno(f)) == 0;
    const int err = errno;
    if (std::fclose(f) != 0 || !ok) {
      fs::remove(tmp, ec);
      throw std::runtime_error(file.string() + ": writing it failed: " + std::strerror(ok ? errno : err));
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error(file.string() + ": cannot put it in place: " + ec.message());
  }
}

}  // namespace traffic
