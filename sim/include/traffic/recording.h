// Recordings: a compact binary file of a run's frames, for replay.
//
// `trafficsim run SCENARIO --record FILE` writes one; `trafficsim replay FILE` plays it back with
// seek, pause and speed control. A recording is self-contained: besides the frames it holds the
// built road network (restored exactly, without re-running the builder's geometry), the vehicle
// types, the trip table and the transit stops with the lines serving them, so a replay needs
// neither the scenario nor its map files.
//
// Guarantees:
//  - Frames are stored bit for bit: RecordingReader::frame(i) == the Frame that was written.
//  - The writer appends directly to FILE (no temporary file renamed at the end) and hands its
//    buffer to the system every 256 KiB of frames, at least once a second, and on close. A run
//    that crashes or is killed leaves a file that reads up to the last complete frame on disk; the
//    reader then reports truncated() instead of failing.
//  - Every section and every frame carries a CRC32; a damaged byte is reported (LoadError naming
//    the file, the frame number and the byte offset), never played back as wrong data.
//  - Closing the writer ends the file with an end record (format 2) saying how many frames it holds
//    and whether the run reached its end. A file without one was left by a run that was killed or
//    crashed (or is still being written); the reader then reports complete() == false with a
//    message, so a viewer can say the run did not finish (issue 14: such files replayed as if
//    complete).
//  - Opening a file that is not a recording, that was cut inside its header, or that has a newer
//    format version throws LoadError with a message naming the file and what is wrong.
//
// The byte layout is described in docs/recording-format.md. Neither class is safe to use from
// several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "traffic/frame.h"
#include "traffic/ids.h"
#include "traffic/road_network.h"
#include "traffic/transit.h"
#include "traffic/vehicle_type.h"

namespace traffic {

struct Scenario;

/// The format version this build writes, and the newest it reads.
/// 2 added the end record; version 1 files are read as before (and count as complete).
inline constexpr std::uint32_t kRecordingFormatVersion = 2;

/// What the recording says about the run it came from.
struct RecordingHeader {
  std::uint32_t formatVersion = kRecordingFormatVersion;
  std::string scenarioName;
  std::string mapDescription;
  double stepS = 1;
  double durationS = 0;
  std::uint64_t seed = 1;
  std::string policyName;
};

/// A vehicle type as far as a viewer needs it (to draw and label vehicles).
struct RecordedVehicleType {
  std::string name;
  VehicleClass vehicleClass = VehicleClass::Car;
  SignalPriority signalPriority = SignalPriority::None;
  double lengthM = 5;
  double widthM = 2;
  double maxSpeedMps = 16.67;
};

/// One trip of the scenario's demand; the index in RecordingReader::trips() is FrameVehicle::id.
struct RecordedTrip {
  std::string id;
  std::uint32_t type = 0;  ///< index in RecordingReader::vehicleTypes()
  VehicleClass vehicleClass = VehicleClass::Car;
  SignalPriority signalPriority = SignalPriority::None;
  double departS = 0;
  std::vector<RoadId> route;
};

/// A transit line as far as a viewer needs it: its name and the stops it serves.
struct RecordedTransitLine {
  std::string id;
  std::vector<std::uint32_t> stops;  ///< indices into RecordingReader::stops(), in the order served
  bool operator==(const RecordedTransitLine&) const = default;
};

class RecordingWriter {
 public:
  /// Creates `path` and writes the header, network, vehicle types and trips. An existing file is
  /// replaced when `replaceExisting`, else refused (the check and the creation are one atomic
  /// step, O_EXCL, so no file that appears in between is replaced either). Throws LoadError naming
  /// the path when it cannot be created or written.
  RecordingWriter(const std::filesystem::path& path, const Scenario& scenario, bool replaceExisting = true);
  /// Closes the file if close() was not called; never throws (a failure is logged).
  ~RecordingWriter();
  RecordingWriter(const RecordingWriter&) = delete;
  RecordingWriter& operator=(const RecordingWriter&) = delete;

  /// Appends one frame. Frames must come in order of time (std::invalid_argument otherwise).
  /// Throws std::runtime_error naming the file when the disk write fails (full disk, removed
  /// device): a failing disk is not the user's input, so it is not a LoadError.
  void write(const Frame& frame);
  /// Writes the end record, flushes and closes; further write() calls throw std::logic_error.
  /// `runFinished` says whether the run reached its end (false for an interrupted run; the
  /// destructor closes with false). Throws std::runtime_error on failure. Calling it twice is
  /// harmless.
  void close(bool runFinished = true);

  [[nodiscard]] const std::filesystem::path& path() const;
  [[nodiscard]] std::size_t framesWritten() const;
  /// Bytes given to the file so far (header and frames), flushed or not.
  [[nodiscard]] std::uint64_t bytesWritten() const;
  /// Bytes of frame records only, and the vehicles in them: for the bytes-per-vehicle-step figure.
  [[nodiscard]] std::uint64_t frameBytesWritten() const;
  [[nodiscard]] std::uint64_t vehicleStepsWritten() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

class RecordingReader {
 public:
  /// Opens `path`, checks magic, version and the header sections, restores the network and indexes
  /// the frames (reading only their small record headers). Throws LoadError.
  explicit RecordingReader(const std::filesystem::path& path);
  ~RecordingReader();
  RecordingReader(RecordingReader&&) noexcept;
  RecordingReader& operator=(RecordingReader&&) noexcept;

  [[nodiscard]] const std::filesystem::path& path() const;
  [[nodiscard]] const RecordingHeader& header() const;
  [[nodiscard]] const RoadNetwork& network() const;
  [[nodiscard]] std::shared_ptr<const RoadNetwork> sharedNetwork() const;
  [[nodiscard]] const std::vector<RecordedVehicleType>& vehicleTypes() const;
  /// Indexed by vehicle id (FrameVehicle::id).
  [[nodiscard]] const std::vector<RecordedTrip>& trips() const;
  /// The scenario's transit stops, in Scenario::transit.stops order (Frame::stopWaiting's order);
  /// empty when it has none.
  [[nodiscard]] const std::vector<TransitStop>& stops() const;
  /// The scenario's transit lines, with the stops each serves.
  [[nodiscard]] const std::vector<RecordedTransitLine>& transitLines() const;

  [[nodiscard]] std::size_t frameCount() const;
  /// Simulated time and step of frame `i` (< frameCount()), from the index: no file access.
  [[nodiscard]] double frameTime(std::size_t i) const;
  [[nodiscard]] std::uint64_t frameStep(std::size_t i) const;
  /// Reads and decodes frame `i` (< frameCount(); std::out_of_range otherwise). Throws LoadError
  /// naming the file, the frame and the byte offset when the frame's bytes are damaged.
  [[nodiscard]] Frame frame(std::size_t i) const;
  /// The last frame whose time is <= timeS; 0 when timeS is before the first frame or there are
  /// no frames.
  [[nodiscard]] std::size_t frameAtOrBefore(double timeS) const;

  /// The file ends in the middle of a frame (a run that crashed or is still being written):
  /// frames before the cut are playable.
  [[nodiscard]] bool truncated() const;
  /// Says where the file was cut; empty when not truncated().
  [[nodiscard]] const std::string& truncationMessage() const;
  /// The file ends with the end record of a run that reached its end (always true for format 1
  /// files, which have no end record). False for a run that was killed, crashed or interrupted,
  /// and for a file still being written; the frames it has are playable all the same.
  [[nodiscard]] bool complete() const;
  /// Why the recording is not complete(), naming the file and the last playable frame; empty
  /// when complete().
  [[nodiscard]] const std::string& incompleteMessage() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace traffic
