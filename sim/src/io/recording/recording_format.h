// Pieces shared by the recording writer and reader: the file's layout constants and the codecs of
// its sections and frames (docs/recording-format.md). Private to sim/src/io/recording/.
//
// The file is a preamble (magic, version, reserved), four sections (run header, road network, trip
// table, transit stops), each with its length and CRC, then frame records, each with a header that
// carries its own CRC so that a reader can index frames without decoding them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/recording/byte_io.h"
#include "traffic/frame.h"
#include "traffic/recording.h"
#include "traffic/road_network.h"

namespace traffic {

struct Scenario;

/// Stores a built network field by field and restores it without the builder: trimming, curve
/// fitting and conflict detection are not re-run, so the restored network is the recorded one
/// exactly, whatever later versions of the builder would compute from the same map.
/// (A friend of RoadNetwork; network_codec.cpp.)
struct NetworkCodec {
  static void encode(const RoadNetwork& net, recording_detail::ByteWriter& w);
  static RoadNetwork decode(recording_detail::ByteReader& r);
};

namespace recording_detail {

// ---- layout constants (docs/recording-format.md) ----------------------------------------------

// "TSIMREC" and a byte that is not text, so that a text file or a truncated download is never
// mistaken for a recording.
constexpr std::array<std::uint8_t, 8> kMagic{'T', 'S', 'I', 'M', 'R', 'E', 'C', 0x1A};
constexpr std::size_t kPreambleBytes = 16;       // magic, version, reserved
constexpr std::size_t kSectionHeaderBytes = 12;  // tag, payload length, payload CRC
constexpr std::size_t kFrameHeaderBytes = 32;    // tag, payload length, time, step, payload CRC, header CRC

constexpr std::uint32_t tagOf(const char (&s)[5]) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[3])) << 24;
}
constexpr std::uint32_t kTagHeader = tagOf("HEAD");
constexpr std::uint32_t kTagNetwork = tagOf("NETW");
constexpr std::uint32_t kTagTrips = tagOf("TRIP");
constexpr std::uint32_t kTagStops = tagOf("STOP");
constexpr std::uint32_t kTagFrame = tagOf("FRAM");
// Format 2: the last record, written when the writer closes the file: u64 frame count, f64 time of
// the last frame, u8 1 when the run reached its end (0: stopped early, e.g. Ctrl-C).
constexpr std::uint32_t kTagEnd = tagOf("ENDR");
constexpr std::uint32_t kEndPayloadBytes = 17;

/// Sizes of what a frame's ids index, so that decoding rejects any id out of range.
struct FrameLimits {
  std::size_t lanes = 0, connectors = 0, movements = 0, trips = 0, stops = 0, junctions = 0;
};

// Frames (frame_codec.cpp): vehicles grouped by track, see the file's header comment there.
void encodeFrame(const Frame& f, ByteWriter& w);
Frame decodeFrame(ByteReader& r, const FrameLimits& limits);

// Header sections (section_codec.cpp).
void encodeHeader(const Scenario& sc, ByteWriter& w);
RecordingHeader decodeHeader(ByteReader& r, std::uint32_t version);
void encodeTrips(const Scenario& sc, ByteWriter& w);
void decodeTrips(ByteReader& r, std::size_t roads, std::vector<RecordedVehicleType>& types,
                 std::vector<RecordedTrip>& trips);
void encodeStops(const Scenario& sc, ByteWriter& w);
void decodeStops(ByteReader& r, const RoadNetwork& net, std::vector<TransitStop>& stops,
                 std::vector<RecordedTransitLine>& lines);
/// A section record: tag, payload length, payload CRC, payload.
void appendSection(std::uint32_t tag, const ByteWriter& payload, ByteWriter& out);

/// strerror(errno), for messages about failed file operations.
std::string systemError();
/// A number for a message, in at most 10 significant digits: std::to_string prints a damaged
/// 1e308 with 309 digits.
std::string numberText(double v);

}  // namespace recording_detail
}  // namespace traffic
