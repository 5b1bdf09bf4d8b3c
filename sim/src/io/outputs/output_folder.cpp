#include "traffic/output_folder.h"

#include <signal.h>
#include <unistd.h>
#include <zlib.h>

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
  // Appended rather than "." + name + ...: GCC 12 raises a false -Wrestrict on a string built by
  // prepending (GCC bug 105329, see CMakeLists.txt).
  std::string partialPrefix = ".";
  partialPrefix += dir.filename().string();
  partialPrefix += ".partial-";
  std::error_code ec;
  std::vector<fs::path> previous, abandoned;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(prefix) && it->is_directory() && !writerAlive(name.substr(prefix.size())))
      previous.push_back(it->path());
    // A run streams its files into its staging folder for as long as it runs; one killed leaves
    // the folder behind, never to be published.
    else if (name.starts_with(partialPrefix) && it->is_directory() && !writerAlive(name.substr(partialPrefix.size())))
      abandoned.push_back(it->path());
  }
  for (const fs::path& stale : abandoned) discard(stale);
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

StagingFolder::StagingFolder(const fs::path& requested) : m_dir(outputFolderPath(requested)) {
  recoverInterruptedPublish(m_dir);
  std::error_code ec;
  if (!m_dir.parent_path().empty()) {
    fs::create_directories(m_dir.parent_path(), ec);
    if (ec) ioFailure(m_dir.parent_path(), "cannot create the folder", ec);
  }
  m_staging = siblingName(m_dir, "partial");
  discard(m_staging);
  fs::create_directory(m_staging, ec);
  if (ec) ioFailure(m_staging, "cannot create the folder", ec);
}

StagingFolder::~StagingFolder() {
  if (!m_published) discard(m_staging);
}

void StagingFolder::publish() {
  // Whatever happens below, the staging folder is not ours to clean up twice.
  m_published = true;
  // rename() cannot replace a non-empty folder, so the old one steps aside first and is only
  // deleted once the new one is in place; if the swap fails, the old one goes back.
  std::error_code ec;
  fs::path previous;
  if (fs::exists(fs::symlink_status(m_dir, ec))) {
    previous = siblingName(m_dir, "previous");
    fs::rename(m_dir, previous, ec);
    if (ec) {
      const std::error_code moveError = ec;
      discard(m_staging);
      ioFailure(m_dir, "cannot move the earlier results aside in", moveError);
    }
  }
  fs::rename(m_staging, m_dir, ec);
  if (ec) {
    const std::error_code renameError = ec;
    if (!previous.empty()) fs::rename(previous, m_dir, ec);
    discard(m_staging);
    ioFailure(m_dir, "cannot move the new results into", renameError);
  }
  if (!previous.empty()) discard(previous);
}

void publishFolder(const fs::path& requested, const std::vector<OutputFile>& files) {
  StagingFolder staging(requested);
  for (const OutputFile& f : files) writeFile(staging.path() / f.name, f.content);
  staging.publish();
}

// zlib's stream, kept out of the header so that only this file includes zlib.h.
struct StreamedFile::Deflater {
  z_stream z{};
};

StreamedFile::StreamedFile(const fs::path& path, Compression compression) : m_path(path) {
  m_file = std::fopen(path.c_str(), "wb");
  if (!m_file) ioFailure(path, "cannot create", std::error_code(errno, std::generic_category()));
  if (compression == Compression::Gzip) {
    m_deflater = std::make_unique<Deflater>();
    // windowBits 15 + 16: a gzip wrapper, whose header zlib writes without a time stamp or name.
    if (deflateInit2(&m_deflater->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      m_deflater.reset();
      std::fclose(m_file);
      m_file = nullptr;
      ioFailure(path, "cannot start compressing (zlib is out of memory)");
    }
  }
  m_buffer.reserve(kFlushBytes + kFlushBytes / 4);
}

StreamedFile::~StreamedFile() {
  if (m_deflater) deflateEnd(&m_deflater->z);
  if (m_file) std::fclose(m_file);
}

void StreamedFile::writeRaw(const char* data, std::size_t size) {
  if (size > 0 && std::fwrite(data, 1, size, m_file) != size)
    ioFailure(m_path, "cannot write", std::error_code(errno, std::generic_category()));
}

void StreamedFile::flush() {
  if (!m_file) ioFailure(m_path, "cannot write (already closed)");
  m_contentBytes += m_buffer.size();
  if (!m_deflater) {
    writeRaw(m_buffer.data(), m_buffer.size());
    m_buffer.clear();
    return;
  }
  z_stream& z = m_deflater->z;
  z.next_in = reinterpret_cast<Bytef*>(m_buffer.data());
  z.avail_in = static_cast<uInt>(m_buffer.size());
  char out[1 << 16];
  do {
    z.next_out = reinterpret_cast<Bytef*>(out);
    z.avail_out = sizeof out;
    deflate(&z, Z_NO_FLUSH);
    writeRaw(out, sizeof out - z.avail_out);
  } while (z.avail_out == 0);
  m_buffer.clear();
}

void StreamedFile::close() {
  flush();
  if (m_deflater) {
    z_stream& z = m_deflater->z;
    char out[1 << 16];
    int status = Z_OK;
    do {
      z.next_out = reinterpret_cast<Bytef*>(out);
      z.avail_out = sizeof out;
      status = deflate(&z, Z_FINISH);
      writeRaw(out, sizeof out - z.avail_out);
    } while (status == Z_OK);
    deflateEnd(&z);
    m_deflater.reset();
    if (status != Z_STREAM_END) ioFailure(m_path, "cannot finish compressing");
  }
  std::FILE* file = m_file;
  m_file = nullptr;
  if (std::fflush(file) != 0) {
    const int err = errno;
    std::fclose(file);
    ioFailure(m_path, "cannot write", std::error_code(err, std::generic_category()));
  }
  if (std::fclose(file) != 0) ioFailure(m_path, "cannot close", std::error_code(errno, std::generic_category()));
}

std::string compressedName(const std::string& name, Compression compression) {
  return compression == Compression::Gzip ? name + ".gz" : name;
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
