#include "traffic/output_folder.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace traffic {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void ioFailure(const fs::path& path, const std::string& what, const std::error_code& ec = {}) {
  std::string msg = what + " '" + path.string() + "'";
  if (ec) msg += ": " + ec.message();
  throw std::runtime_error(msg);
}

void writeFile(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) ioFailure(path, "cannot create", std::error_code(errno, std::generic_category()));
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.flush();
  if (!out) ioFailure(path, "cannot write", std::error_code(errno, std::generic_category()));
  out.close();
  if (out.fail()) ioFailure(path, "cannot close", std::error_code(errno, std::generic_category()));
}

/// A name next to `dir` that no other writer uses: process id plus a per-process counter.
fs::path siblingName(const fs::path& dir, const char* purpose) {
  static std::atomic<unsigned> counter{0};
  return dir.parent_path() / ("." + dir.filename().string() + "." + purpose + "-" + std::to_string(::getpid()) + "-" +
                              std::to_string(counter.fetch_add(1)));
}

/// Removes a folder we created, without letting a second failure hide the first.
void discard(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

/// Whether the process that named an aside folder "PID-N" still runs: its folder is then part of a
/// publish in progress, not a leftover of a killed one.
bool writerAlive(const std::string& pidAndCounter) {
  long pid = 0;
  const auto [end, ec] = std::from_chars(pidAndCounter.data(), pidAndCounter.data() + pidAndCounter.size(), pid);
  if (ec != std::errc() || end == pidAndCounter.data() || pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

fs::path outputFolderPath(const fs::path& requested) {
  fs::path d = requested.lexically_normal();
  if (d.filename().empty()) d = d.parent_path();
  const auto name = d.filename().string();
  if (name.empty() || name == "." || name == "..")
    throw std::runtime_error("output folder '" + requested.string() +
                                "' must name a folder of its own (for example results/run1), not '.' or '..'");
  return d;
}

void recoverInterruptedPublish(const fs::path& requested) {
  const fs::path dir = outputFolderPath(requested);
  const fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
  const std::string prefix = "." + dir.filename().string() + ".previous-";
  std::error_code ec;
  std::vector<fs::path> previous;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec))
    if (const std::string name = it->path().filename().string(); name.starts_with(prefix) && it->is_directory() &&
                                                                  !writerAlive(name.substr(prefix.size())))
      previous.push_back(it->path());
  if (previous.empty()) return;
  // Killed between the two renames: the earlier results are only in the aside folder; put them
  // back. Killed after the second: the new folder is in place and the aside one is stale.
  std::sort(previous.begin(), previous.end());
  if (!fs::exists(fs::symlink_status(dir, ec))) {
    fs::rename(previous.back(), dir, ec);
    if (ec) ioFailure(dir, "cannot restore the earlier results (from '" + previous.back().string() + "') into", ec);
    previous.pop_back();
  }
  for (const fs::path& stale : previous) discard(stale);
}

void checkFolderReplaceable(const fs::path& requested, const std::function<bool(const std::string&)>& replaceable) {
  const fs::path dir = outputFolderPath(requested);
  recoverInterruptedPublish(dir);
  std::error_code ec;
  const auto status = fs::symlink_status(dir, ec);
  if (ec || status.type() == fs::file_type::not_found) {
    // Issue 14: a folder that cannot be created was found only after the whole run. The nearest
    // existing folder on the path must be a writable folder (not a file, not read-only).
    fs::path existing = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
    while (!fs::exists(fs::symlink_status(existing, ec)) && existing.has_parent_path() &&
           existing != existing.parent_path())
      existing = existing.parent_path();
    if (!fs::exists(existing, ec)) existing = ".";
    if (!fs::is_directory(existing, ec))
      throw std::runtime_error("output folder '" + dir.string() + "' cannot be created: '" + existing.string() +
                               "' is a file, not a folder; choose another --out");
    if (::access(existing.c_str(), W_OK | X_OK) != 0)
      throw std::runtime_error("output folder '" + dir.string() + "' cannot be created: no permission to write into '" +
                               existing.string() + "'; choose another --out");
    return;
  }
  if (status.type() != fs::file_type::directory)
    throw std::runtime_error("output folder '" + dir.string() + "' exists and is not a folder; choose another --out");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file() || !replaceable(it->path().filename().string()))
      throw std::runtime_error("output folder '" + dir.string() + "' holds '" + it->path().filename().string() +
                                  "', which is not an output of this command; results replace the whole folder, so "
                                  "choose an empty or new folder with --out");
  }
  if (ec) throw std::runtime_error("cannot list the output folder '" + dir.string() + "': " + ec.message());
}

void publishFolder(const fs::path& requested, const std::vector<OutputFile>& files) {
  const fs::path dir = outputFolderPath(requested);
  recoverInterruptedPublish(dir);
  std::error_code ec;
  if (!dir.parent_path().empty()) {
    fs::create_directories(dir.parent_path(), ec);
    if (ec) ioFailure(dir.parent_path(), "cannot create the folder", ec);
  }
  const fs::path staging = siblingName(dir, "partial");
  discard(staging);
  fs::create_directory(staging, ec);
  if (ec) ioFailure(staging, "cannot create the folder", ec);
  try {
    for (const OutputFile& f : files) writeFile(staging / f.name, f.content);
  } catch (...) {
    discard(staging);
    throw;
  }
  // rename() cannot replace a non-empty folder, so the old one steps aside first and is only
  // deleted once the new one is in place; if the swap fails, the old one goes back.
  fs::path previous;
  if (fs::exists(fs::symlink_status(dir, ec))) {
    previous = siblingName(dir, "previous");
    fs::rename(dir, previous, ec);
    if (ec) {
      const std::error_code moveError = ec;
      discard(staging);
      ioFailure(dir, "cannot move the earlier results aside in", moveError);
    }
  }
  fs::rename(staging, dir, ec);
  if (ec) {
    const std::error_code renameError = ec;
    if (!previous.empty()) fs::rename(previous, dir, ec);
    discard(staging);
    ioFailure(dir, "cannot move the new results into", renameError);
  }
  if (!previous.empty()) discard(previous);
}

namespace csv {

void appendFixed(std::string& out, double v, int decimals) {
  if (!std::isfinite(v)) return;
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  // Only astronomically large values do not fit; fall back to the general form for them.
  if (result.ec != std::errc()) result = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, result.ptr);
}

void appendInteger(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, result.ptr);
}

void appendText(std::string& out, const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace csv
}  // namespace traffic
