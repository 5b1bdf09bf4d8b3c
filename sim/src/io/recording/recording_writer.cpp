// RecordingWriter: writes the preamble and header sections at construction, then frames as the
// run produces them, in batches handed to the file at least once a second, so that a run that
// crashes leaves a recording readable up to its last batch.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

#include "base/crc32.h"
#include "base/log.h"
#include "io/recording/recording_format.h"
#include "traffic/errors.h"
#include "traffic/recording.h"
#include "traffic/scenario.h"

namespace traffic {

using namespace recording_detail;

namespace {

namespace fs = std::filesystem;

// The writer hands frames to the file in batches of about this size, and at least once a second.
// A crash loses at most the batch in memory; everything before it stays readable.
constexpr std::size_t kFlushBytes = 256 * 1024;
constexpr double kFlushIntervalS = 1.0;

}  // namespace

struct RecordingWriter::Impl {
  fs::path path;
  std::FILE* file = nullptr;
  ByteWriter out;  // encoded but not yet handed to the file
  std::size_t frames = 0;
  std::uint64_t bytes = 0;
  std::uint64_t frameBytes = 0;
  std::uint64_t vehicleSteps = 0;
  double lastTimeS = -std::numeric_limits<double>::infinity();
  std::chrono::steady_clock::time_point lastFlush = std::chrono::steady_clock::now();
  std::string failure;  // set when a write failed; the file is closed then
  std::string failureReason;

  /// Hands the pending bytes to the file. On failure the file is closed for good: retrying could
  /// write part of a record twice, whereas a file that simply stops is a readable, truncated one.
  void flush() {
    std::vector<std::uint8_t>& pending = out.bytes;
    const bool ok = (pending.empty() || std::fwrite(pending.data(), 1, pending.size(), file) == pending.size()) &&
                    std::fflush(file) == 0;
    pending.clear();
    if (!ok) {
      failureReason = systemError();  // before fclose can change errno
      failure = path.string() + ": writing the recording failed: " + failureReason;
      std::fclose(file);
      file = nullptr;
      throw std::runtime_error(failure);
    }
    lastFlush = std::chrono::steady_clock::now();
  }
};

RecordingWriter::RecordingWriter(const std::filesystem::path& path, const Scenario& scenario, bool replaceExisting)
    : m(std::make_unique<Impl>()) {
  m->path = path;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw LoadError(path.string(), "", "cannot write the recording there: it is a folder; give a file name, e.g. " +
                                           (path / (scenario.name + ".tsrec")).string());
  // "x": create exclusively (O_EXCL), failing with EEXIST when the file exists.
  m->file = std::fopen(path.c_str(), replaceExisting ? "wb" : "wbx");
  if (m->file == nullptr) {
    if (errno == EEXIST)
      throw LoadError(path.string(), "", "the file already exists and is not replaced; give a new file name");
    throw LoadError(path.string(), "",
                    "cannot create the recording: " + systemError() + "; check that the folder exists and is writable");
  }

  ByteWriter& out = m->out;
  out.bytes.assign(kMagic.begin(), kMagic.end());
  out.u32(kRecordingFormatVersion);
  out.u32(0);  // reserved for flags, 0 in version 1
  ByteWriter section;
  encodeHeader(scenario, section);
  appendSection(kTagHeader, section, out);
  section.bytes.clear();
  NetworkCodec::encode(*scenario.network, section);
  appendSection(kTagNetwork, section, out);
  section.bytes.clear();
  encodeTrips(scenario, section);
  appendSection(kTagTrips, section, out);
  section.bytes.clear();
  encodeStops(scenario, section);
  appendSection(kTagStops, section, out);
  m->bytes = out.bytes.size();
  try {
    m->flush();
  } catch (const std::runtime_error&) {
    throw LoadError(path.string(), "", "cannot write the recording: " + m->failureReason);
  }
}

RecordingWriter::~RecordingWriter() {
  if (m == nullptr || m->file == nullptr) return;
  try {
    close(false);  // not closed by its owner: unwinding after an error, so the run did not finish
  } catch (const std::exception& e) {
    simLog().error("{}", e.what());
  }
}

void RecordingWriter::write(const Frame& frame) {
  if (!m->failure.empty()) throw std::runtime_error(m->failure);
  if (m->file == nullptr) throw std::logic_error("RecordingWriter::write after close (" + m->path.string() + ")");
  if (!(frame.timeS >= m->lastTimeS))
    throw std::invalid_argument("RecordingWriter::write: frame at " + numberText(frame.timeS) +
                                " s comes after one at " + numberText(m->lastTimeS) + " s");
  m->lastTimeS = frame.timeS;

  // Encoded in place after what is already pending; the record header goes in front once the
  // payload's length and checksum are known.
  ByteWriter& w = m->out;
  const std::size_t start = w.bytes.size();
  w.bytes.resize(start + kFrameHeaderBytes);
  try {
    encodeFrame(frame, w);
  } catch (...) {
    w.bytes.resize(start);  // nothing of a frame that cannot be stored
    throw;
  }
  const std::size_t recordBytes = w.bytes.size() - start;
  const std::span<const std::uint8_t> payload(w.bytes.data() + start + kFrameHeaderBytes, recordBytes - kFrameHeaderBytes);
  if (payload.size() > std::numeric_limits<std::uint32_t>::max()) {
    w.bytes.resize(start);
    throw std::runtime_error(m->path.string() + ": a frame of " + std::to_string(payload.size()) +
                             " bytes is larger than the format allows (4 GiB)");
  }
  ByteWriter head;
  head.u32(kTagFrame);
  head.u32(static_cast<std::uint32_t>(payload.size()));
  head.f64(frame.timeS);
  head.u64(frame.step);
  head.u32(crc32(payload));
  head.u32(crc32(head.bytes));
  std::copy(head.bytes.begin(), head.bytes.end(), w.bytes.begin() + static_cast<std::ptrdiff_t>(start));

  ++m->frames;
  m->bytes += recordBytes;
  m->frameBytes += recordBytes;
  m->vehicleSteps += frame.vehicles.size();
  if (w.bytes.size() >= kFlushBytes ||
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m->lastFlush).count() >= kFlushIntervalS)
    m->flush();
}

void RecordingWriter::close(bool runFinished) {
  if (m->file == nullptr) return;
  ByteWriter payload;
  payload.u64(m->frames);
  payload.f64(m->frames > 0 ? m->lastTimeS : 0.0);
  payload.u8(runFinished ? 1 : 0);
  appendSection(kTagEnd, payload, m->out);
  m->bytes += kSectionHeaderBytes + payload.bytes.size();
  m->flush();  // closes the file itself when it fails
  std::FILE* file = m->file;
  m->file = nullptr;
  if (std::fclose(file) != 0) throw std::runtime_error(m->path.string() + ": closing the recording failed: " + systemError());
}

const std::filesystem::path& RecordingWriter::path() const { return m->path; }
std::size_t RecordingWriter::framesWritten() const { return m->frames; }
std::uint64_t RecordingWriter::bytesWritten() const { return m->bytes; }
std::uint64_t RecordingWriter::frameBytesWritten() const { return m->frameBytes; }
std::uint64_t RecordingWriter::vehicleStepsWritten() const { return m->vehicleSteps; }

}  // namespace traffic
