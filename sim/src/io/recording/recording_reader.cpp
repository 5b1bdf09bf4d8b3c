// RecordingReader: checks the preamble and header sections when opened, indexes the frame records
// by their headers (stopping, with a message, at a file cut short by a run that stopped early), and
// decodes a frame on request after checking its checksum. Every failure is a LoadError naming the
// file, the section or frame and its byte offset.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/crc32.h"
#include "io/input_file.h"
#include "io/recording/recording_format.h"
#include "traffic/errors.h"
#include "traffic/recording.h"

namespace traffic {

using namespace recording_detail;

namespace {

namespace fs = std::filesystem;

std::string sectionName(std::uint32_t tag) {
  if (tag == kTagHeader) return "run header";
  if (tag == kTagNetwork) return "road network";
  if (tag == kTagTrips) return "trip table";
  if (tag == kTagStops) return "transit stops";
  return "unknown";
}

std::string bytesAt(std::uint64_t offset) { return "byte offset " + std::to_string(offset); }

// A time as a user reads it: "3599 s", not std::to_string's "3599.000000", and no 309 digits for a
// damaged 1e308.
std::string secondsText(double s) { return numberText(s); }

struct FrameEntry {
  std::uint64_t offset = 0;  // of the record header
  std::uint32_t payloadBytes = 0;
  std::uint32_t payloadCrc = 0;
  double timeS = 0;
  std::uint64_t step = 0;
};

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};

}  // namespace

struct RecordingReader::Impl {
  fs::path path;
  std::unique_ptr<std::FILE, FileCloser> file;
  std::uint64_t fileBytes = 0;
  RecordingHeader header;
  std::shared_ptr<const RoadNetwork> network;
  std::vector<RecordedVehicleType> types;
  std::vector<RecordedTrip> trips;
  std::vector<TransitStop> stops;
  std::vector<RecordedTransitLine> lines;
  std::vector<FrameEntry> frames;
  FrameLimits limits;
  std::string truncation;
  std::uint32_t formatVersion = 0;
  bool ended = false;        // the end record was read
  bool runFinished = false;  // ... and says the run reached its end
  std::string incomplete;
  mutable std::vector<std::uint8_t> buffer;

  [[noreturn]] void fail(const std::string& entity, const std::string& reason) const {
    throw LoadError(path.string(), entity, reason);
  }
  /// Reads exactly `n` bytes at `offset` into `out`; false when the file has fewer.
  bool readAt(std::uint64_t offset, std::size_t n, std::vector<std::uint8_t>& out) const {
    out.resize(n);
    if (n == 0) return true;
    if (::fseeko(file.get(), static_cast<off_t>(offset), SEEK_SET) != 0) return false;
    return std::fread(out.data(), 1, n, file.get()) == n;
  }

  void open();
  std::uint64_t readSection(std::uint64_t offset, std::uint32_t tag, std::vector<std::uint8_t>& payload);
  void indexFrames(std::uint64_t offset);
  bool readEndRecord(std::uint64_t offset);
  [[nodiscard]] std::string playable() const {
    const std::size_t k = frames.size();
    return k == 0 ? "no frame is complete"
                  : "frames 0 to " + std::to_string(k - 1) + " (up to " + secondsText(frames.back().timeS) +
                        " s) are playable";
  }
};

void RecordingReader::Impl::open() {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail("", "is a folder, not a recording file");
  // Regular files only (issue 14: a FIFO blocked the open, /dev/zero read as an endless file).
  const int fd = openRegularFile(path, "recording");
  file.reset(::fdopen(fd, "rb"));
  if (!file) {
    ::close(fd);
    fail("", "cannot open the recording: " + systemError());
  }
  if (::fseeko(file.get(), 0, SEEK_END) != 0) fail("", "cannot read the recording: " + systemError());
  fileBytes = static_cast<std::uint64_t>(::ftello(file.get()));

  const std::string notRecording =
      "not a trafficsim recording (it does not start with the recording signature); record one with "
      "'trafficsim run SCENARIO --record FILE'";
  if (fileBytes == 0) fail("", "the file is empty: " + notRecording);
  std::vector<std::uint8_t> bytes;
  const std::size_t magicPresent = static_cast<std::size_t>(std::min<std::uint64_t>(fileBytes, kMagic.size()));
  if (!readAt(0, magicPresent, bytes)) fail("", "cannot read the recording: " + systemError());
  if (!std::equal(bytes.begin(), bytes.end(), kMagic.begin())) fail("", notRecording);
  if (fileBytes < kPreambleBytes)
    fail("", "the file ends inside its header after " + std::to_string(fileBytes) +
                 " bytes; the recording is incomplete (the run stopped before writing it); record the run again");
  if (!readAt(0, kPreambleBytes, bytes)) fail("", "cannot read the recording: " + systemError());
  ByteReader preamble{std::span<const std::uint8_t>(bytes).subspan(kMagic.size())};
  const std::uint32_t version = preamble.u32();
  if (version > kRecordingFormatVersion)
    fail("", "recording format version " + std::to_string(version) + " is newer than this build reads (" +
                 std::to_string(kRecordingFormatVersion) + "); replay it with a newer trafficsim");
  if (version == 0) fail("", "recording format version 0 does not exist; the file is damaged");

  std::uint64_t offset = kPreambleBytes;
  offset = readSection(offset, kTagHeader, bytes);
  try {
    ByteReader r(bytes);
    header = decodeHeader(r, version);
  } catch (const DecodeError& e) {
    fail("run header", std::string("is inconsistent: ") + e.what());
  }
  offset = readSection(offset, kTagNetwork, bytes);
  try {
    ByteReader r(bytes);
    network = std::make_shared<const RoadNetwork>(NetworkCodec::decode(r));
  } catch (const DecodeError& e) {
    fail("road network", std::string("is inconsistent: ") + e.what());
  }
  offset = readSection(offset, kTagTrips, bytes);
  try {
    ByteReader r(bytes);
    decodeTrips(r, network->roads().size(), types, trips);
  } catch (const DecodeError& e) {
    fail("trip table", std::string("is inconsistent: ") + e.what());
  }
  offset = readSection(offset, kTagStops, bytes);
  try {
    ByteReader r(bytes);
    decodeStops(r, *network, stops, lines);
  } catch (const DecodeError& e) {
    fail("transit stops", std::string("are inconsistent: ") + e.what());
  }
  limits = {network->lanes().size(), network->connectors().size(), network->movements().size(), trips.size(),
            stops.size(), network->junctions().size()};
  formatVersion = version;
  indexFrames(offset);
  if (version >= 2 && !ended)
    incomplete = !truncation.empty()
                     ? truncation
                     : path.string() + ": the recording has no end record: the run that wrote it was killed or crashed " +
                           "(or is still running), so it did not finish; " + playable();
  else if (ended && !runFinished)
    incomplete = path.string() + ": the run was stopped before its end (at " +
                 (frames.empty() ? std::string("0") : secondsText(frames.back().timeS)) + " s of " +
                 secondsText(header.durationS) + " s); " + playable();
}

std::uint64_t RecordingReader::Impl::readSection(std::uint64_t offset, std::uint32_t tag,
                                                  std::vector<std::uint8_t>& payload) {
  const std::string name = sectionName(tag);
  const std::string cut = "the file ends inside its header (in the " + name + " section, at " + bytesAt(offset) +
                          ", file size " + std::to_string(fileBytes) +
                          " bytes); the recording is incomplete (the run stopped before its first frame); record "
                          "the run again";
  if (fileBytes - offset < kSectionHeaderBytes) fail("", cut);
  if (!readAt(offset, kSectionHeaderBytes, payload)) fail("", "cannot read the recording: " + systemError());
  ByteReader head(payload);
  const std::uint32_t foundTag = head.u32();
  const std::uint32_t length = head.u32();
  const std::uint32_t crc = head.u32();
  if (foundTag != tag)
    fail("", "expected the " + name + " section at " + bytesAt(offset) + " but found something else; the file is damaged");
  const std::uint64_t start = offset + kSectionHeaderBytes;
  if (fileBytes - start < length) fail("", cut);
  if (!readAt(start, length, payload)) fail("", "cannot read the recording: " + systemError());
  if (crc32(payload) != crc)
    fail(name + " section (" + bytesAt(start) + " to " + std::to_string(start + length) + ")",
         "is damaged: its checksum does not match; the file was changed or corrupted after it was written");
  return start + length;
}

void RecordingReader::Impl::indexFrames(std::uint64_t offset) {
  std::vector<std::uint8_t> head;
  while (offset < fileBytes) {
    const std::size_t k = frames.size();
    const std::string playable = this->playable();
    if (formatVersion >= 2 && readEndRecord(offset)) return;
    if (fileBytes - offset < kFrameHeaderBytes) {
      truncation = path.string() + ": the file ends inside frame " + std::to_string(k) + " (at " + bytesAt(offset) +
                   ", file size " + std::to_string(fileBytes) + "): the run that wrote it stopped early; " + playable;
      return;
    }
    if (!readAt(offset, kFrameHeaderBytes, head)) fail("", "cannot read the recording: " + systemError());
    ByteReader r(head);
    FrameEntry e;
    e.offset = offset;
    const std::uint32_t tag = r.u32();
    e.payloadBytes = r.u32();
    e.timeS = r.f64();
    e.step = r.u64();
    e.payloadCrc = r.u32();
    const std::uint32_t headCrc = r.u32();
    const std::string entity = "frame " + std::to_string(k) + " (" + bytesAt(offset) + ")";
    if (tag != kTagFrame || crc32(std::span(head).first(kFrameHeaderBytes - 4)) != headCrc)
      fail(entity, "is damaged: its record header does not match its checksum; the file was changed or corrupted "
                   "after it was written");
    if (!frames.empty() && !(e.timeS >= frames.back().timeS))
      fail(entity, "is damaged: its time " + secondsText(e.timeS) + " s is before the previous frame's");
    const std::uint64_t end = offset + kFrameHeaderBytes + e.payloadBytes;
    if (end > fileBytes) {
      truncation = path.string() + ": the file ends inside frame " + std::to_string(k) + " (which starts at " +
                   bytesAt(offset) + " and needs " + std::to_string(end - offset) + " bytes, " +
                   std::to_string(fileBytes - offset) + " present): the run that wrote it stopped early; " + playable;
      return;
    }
    frames.push_back(e);
    offset = end;
  }
}

/// Reads the end record when one starts at `offset`; false when something else does (a frame, or
/// too few bytes to tell).
bool RecordingReader::Impl::readEndRecord(std::uint64_t offset) {
  std::vector<std::uint8_t> bytes;
  if (fileBytes - offset < 4 || !readAt(offset, 4, bytes) || ByteReader(bytes).u32() != kTagEnd) return false;
  const std::string entity = "end record (" + bytesAt(offset) + ")";
  if (fileBytes - offset < kSectionHeaderBytes + kEndPayloadBytes) {
    truncation = path.string() + ": the file ends inside its end record (at " + bytesAt(offset) +
                 "): the run that wrote it stopped while closing it; " + playable();
    return true;
  }
  if (!readAt(offset, kSectionHeaderBytes + kEndPayloadBytes, bytes)) fail("", "cannot read the recording: " + systemError());
  ByteReader head(std::span<const std::uint8_t>(bytes).first(kSectionHeaderBytes));
  (void)head.u32();
  const std::uint32_t length = head.u32();
  const std::uint32_t crc = head.u32();
  const auto payload = std::span<const std::uint8_t>(bytes).subspan(kSectionHeaderBytes);
  if (length != kEndPayloadBytes || crc32(payload) != crc)
    fail(entity, "is damaged: its length or checksum does not match; the file was changed or corrupted after it was "
                 "written");
  ByteReader r(payload);
  const std::uint64_t count = r.u64();
  (void)r.f64();  // the last frame's time, for readers that do not index the frames
  const std::uint8_t finished = r.u8();
  if (count != frames.size())
    fail(entity, "is damaged: it counts " + std::to_string(count) + " frames, the file holds " +
                     std::to_string(frames.size()));
  if (finished > 1) fail(entity, "is damaged: its run-finished flag is " + std::to_string(finished) + ", not 0 or 1");
  if (offset + kSectionHeaderBytes + kEndPayloadBytes != fileBytes)
    fail(entity, "is followed by " + std::to_string(fileBytes - offset - kSectionHeaderBytes - kEndPayloadBytes) +
                     " more bytes; the file was changed after it was written");
  ended = true;
  runFinished = finished == 1;
  return true;
}

RecordingReader::RecordingReader(const std::filesystem::path& path) : m(std::make_unique<Impl>()) {
  m->path = path;
  m->open();
}

RecordingReader::~RecordingReader() = default;
RecordingReader::RecordingReader(RecordingReader&&) noexcept = default;
RecordingReader& RecordingReader::operator=(RecordingReader&&) noexcept = default;

const std::filesystem::path& RecordingReader::path() const { return m->path; }
const RecordingHeader& RecordingReader::header() const { return m->header; }
const RoadNetwork& RecordingReader::network() const { return *m->network; }
std::shared_ptr<const RoadNetwork> RecordingReader::sharedNetwork() const { return m->network; }
const std::vector<RecordedVehicleType>& RecordingReader::vehicleTypes() const { return m->types; }
const std::vector<RecordedTrip>& RecordingReader::trips() const { return m->trips; }
const std::vector<TransitStop>& RecordingReader::stops() const { return m->stops; }
const std::vector<RecordedTransitLine>& RecordingReader::transitLines() const { return m->lines; }
std::size_t RecordingReader::frameCount() const { return m->frames.size(); }
double RecordingReader::frameTime(std::size_t i) const { return m->frames.at(i).timeS; }
std::uint64_t RecordingReader::frameStep(std::size_t i) const { return m->frames.at(i).step; }
bool RecordingReader::truncated() const { return !m->truncation.empty(); }
const std::string& RecordingReader::truncationMessage() const { return m->truncation; }
bool RecordingReader::complete() const { return m->incomplete.empty(); }
const std::string& RecordingReader::incompleteMessage() const { return m->incomplete; }

Frame RecordingReader::frame(std::size_t i) const {
  const FrameEntry& e = m->frames.at(i);
  const std::string entity = "frame " + std::to_string(i) + " (" + bytesAt(e.offset) + ")";
  if (!m->readAt(e.offset + kFrameHeaderBytes, e.payloadBytes, m->buffer))
    m->fail(entity, "cannot be read: the file is shorter than when it was opened, or unreadable");
  if (crc32(m->buffer) != e.payloadCrc)
    m->fail(entity, "is damaged: its bytes do not match their checksum; the file was changed or corrupted after it "
                    "was written");
  try {
    ByteReader r(m->buffer);
    Frame f = decodeFrame(r, m->limits);
    f.timeS = e.timeS;
    f.step = e.step;
    return f;
  } catch (const DecodeError& err) {
    m->fail(entity, std::string("is inconsistent: ") + err.what());
  }
}

std::size_t RecordingReader::frameAtOrBefore(double timeS) const {
  const auto& frames = m->frames;
  const auto it = std::upper_bound(frames.begin(), frames.end(), timeS,
                                   [](double t, const FrameEntry& e) { return t < e.timeS; });
  return it == frames.begin() ? 0 : static_cast<std::size_t>(it - frames.begin()) - 1;
}

}  // namespace traffic
