// Recordings: the byte codec, the writer and the reader (see recording.h; the layout is described
// in docs/recording-format.md).
//
// Everything is encoded field by field, little-endian, with LEB128-style variable-length integers
// for counts and ids; no struct is ever dumped as raw memory, so the file does not depend on the
// compiler, the platform or the padding of our types. Floating-point values are stored as their
// exact bit patterns: a replay must reproduce the live frames bit for bit.
//
// A frame is made compact by grouping its vehicles by track (lane or connector): the track is
// written once per group as a small signed difference to the previous group's, and each vehicle
// then costs a varint id difference, one byte of class and flags, its position and, unless it is
// standing still (speed exactly 0, common in queues), its speed.
#include "traffic/recording.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <span>
#include <stdexcept>
#include <string_view>

#include "base/crc32.h"
#include "base/log.h"
#include "traffic/errors.h"
#include "traffic/scenario.h"

namespace traffic {

namespace recording_detail {

// ---- primitive encoding ---------------------------------------------------------------------

/// Appends little-endian fields to a byte vector.
class ByteWriter {
 public:
  std::vector<std::uint8_t> bytes;

  void u8(std::uint8_t v) { bytes.push_back(v); }
  void u32(std::uint32_t v) { fixed(v); }
  void u64(std::uint64_t v) { fixed(v); }
  void f32(float v) { u32(std::bit_cast<std::uint32_t>(v)); }
  void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
  /// Seven bits per byte, low bits first; the high bit says another byte follows.
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      bytes.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    bytes.push_back(static_cast<std::uint8_t>(v));
  }
  /// Signed values folded onto unsigned ones (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...) so that small
  /// negative differences stay small.
  void zigzag(std::int64_t v) { varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }
  void str(std::string_view s) {
    varint(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  template <class Tag>
  void id(Id<Tag> v) {
    varint(v.value);
  }
  template <class Tag>
  void ids(const std::vector<Id<Tag>>& v) {
    varint(v.size());
    for (Id<Tag> x : v) id(x);
  }
  void polyline(const Polyline& p) {
    varint(p.points.size());
    for (const Vec2& q : p.points) {
      f64(q.x);
      f64(q.y);
    }
  }

 private:
  /// Little-endian whatever the machine: a plain copy where the machine is little-endian (the
  /// common case, and the hot path when recording every step), byte by byte elsewhere.
  template <class T>
  void fixed(T v) {
    const std::size_t at = bytes.size();
    bytes.resize(at + sizeof(T));
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(bytes.data() + at, &v, sizeof(T));
    } else {
      for (std::size_t i = 0; i < sizeof(T); ++i) bytes[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
  }
};

/// Malformed or inconsistent bytes inside a section or frame whose checksum was fine: a file
/// written by a buggy or foreign writer. Turned into a LoadError with the file and place.
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads what ByteWriter wrote, checking every read against the end and every index against the
/// size of what it indexes, so that no input can make the reader (or a viewer using what it
/// returns) touch memory out of bounds.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : m_bytes(bytes) {}

  [[nodiscard]] std::size_t remaining() const { return m_bytes.size() - m_pos; }
  [[nodiscard]] bool atEnd() const { return m_pos == m_bytes.size(); }

  std::uint8_t u8() {
    need(1);
    return m_bytes[m_pos++];
  }
  std::uint32_t u32() {
    need(4);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(m_bytes[m_pos++]) << (8 * i);
    return v;
  }
  std::uint64_t u64() {
    need(8);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(m_bytes[m_pos++]) << (8 * i);
    return v;
  }
  float f32() { return std::bit_cast<float>(u32()); }
  double f64() { return std::bit_cast<double>(u64()); }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = u8();
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw DecodeError("a variable-length number runs over 10 bytes");
  }
  std::int64_t zigzag() {
    const std::uint64_t u = varint();
    return static_cast<std::int64_t>(u >> 1) ^ -static_cast<std::int64_t>(u & 1);
  }
  /// A count of items that take at least `minBytesEach` bytes each: rejects counts the remaining
  /// bytes cannot hold, before anything is allocated for them.
  std::size_t count(std::size_t minBytesEach, const char* what) {
    const std::uint64_t n = varint();
    if (minBytesEach > 0 && n > remaining() / minBytesEach)
      throw DecodeError(std::string("the number of ") + what + " (" + std::to_string(n) + ") is more than the data holds");
    return static_cast<std::size_t>(n);
  }
  std::string str(const char* what) {
    const std::size_t n = count(1, what);
    std::string s(reinterpret_cast<const char*>(m_bytes.data() + m_pos), n);
    m_pos += n;
    return s;
  }
  /// An index that must be below `limit`.
  std::uint32_t index(std::size_t limit, const char* what) {
    const std::uint64_t v = varint();
    if (v >= limit)
      throw DecodeError(std::string(what) + " " + std::to_string(v) + " does not exist (there are " + std::to_string(limit) + ")");
    return static_cast<std::uint32_t>(v);
  }
  template <class IdT>
  IdT id(std::size_t limit, const char* what) {
    return IdT(index(limit, what));
  }
  template <class IdT>
  std::vector<IdT> ids(std::size_t limit, const char* what) {
    std::vector<IdT> out(count(1, what));
    for (IdT& x : out) x = id<IdT>(limit, what);
    return out;
  }
  Polyline polyline(const char* what) {
    Polyline p;
    p.points.resize(count(16, what));
    if (p.points.size() < 2) throw DecodeError(std::string(what) + " has fewer than 2 points");
    for (Vec2& q : p.points) {
      q.x = f64();
      q.y = f64();
    }
    return p;
  }

 private:
  void need(std::size_t n) const {
    if (remaining() < n) throw DecodeError("the data ends in the middle of a field");
  }
  std::span<const std::uint8_t> m_bytes;
  std::size_t m_pos = 0;
};

}  // namespace recording_detail

using recording_detail::ByteReader;
using recording_detail::ByteWriter;
using recording_detail::DecodeError;

// ---- the road network -----------------------------------------------------------------------

/// Stores a built network field by field and restores it without the builder: trimming, curve
/// fitting and conflict detection are not re-run, so the restored network is the recorded one
/// exactly, whatever later versions of the builder would compute from the same map.
struct NetworkCodec {
  static void encode(const RoadNetwork& net, ByteWriter& w) {
    w.varint(net.m_junctions.size());
    w.varint(net.m_roads.size());
    w.varint(net.m_lanes.size());
    w.varint(net.m_connectors.size());
    w.varint(net.m_movements.size());
    for (const Junction& j : net.m_junctions) {
      w.str(j.name);
      w.f64(j.position.x);
      w.f64(j.position.y);
      w.f64(j.widthM);
      w.u8(j.boundary ? 1 : 0);
      w.ids(j.incoming);
      w.ids(j.outgoing);
      w.ids(j.movements);
      w.ids(j.connectors);
      w.u8(j.program ? 1 : 0);
      if (j.program) {
        w.f64(j.program->offsetS);
        w.varint(j.program->phases.size());
        for (const SignalPhase& phase : j.program->phases) {
          w.f64(phase.durationS);
          w.ids(phase.green);
        }
      }
    }
    for (const Road& r : net.m_roads) {
      w.str(r.name);
      w.id(r.from);
      w.id(r.to);
      w.ids(r.lanes);
      w.f64(r.lengthM);
      w.ids(r.movementsOut);
    }
    for (const Lane& l : net.m_lanes) {
      w.id(l.road);
      w.varint(l.indexInRoad);
      w.f64(l.lengthM);
      w.f64(l.widthM);
      w.f64(l.speedLimitMps);
      w.u8(l.allowed.bits);
      w.polyline(l.shape);
      w.ids(l.outgoing);
    }
    for (const Connector& c : net.m_connectors) {
      w.id(c.junction);
      w.id(c.movement);
      w.id(c.from);
      w.id(c.to);
      w.f64(c.lengthM);
      w.f64(c.speedLimitMps);
      w.polyline(c.shape);
      w.varint(c.conflicts.size());
      for (const Conflict& k : c.conflicts) {
        w.id(k.other);
        w.f64(k.atM);
        w.f64(k.otherAtM);
        w.u8(k.merging ? 1 : 0);
      }
    }
    for (const Movement& m : net.m_movements) {
      w.id(m.junction);
      w.id(m.fromRoad);
      w.id(m.toRoad);
      w.u8(static_cast<std::uint8_t>(m.turn));
      w.ids(m.connectors);
    }
  }

  static RoadNetwork decode(ByteReader& r) {
    RoadNetwork net;
    // Every entity takes at least a few bytes, so these bounds only reject absurd counts.
    const std::size_t nJ = r.count(4, "junctions"), nR = r.count(4, "roads"), nL = r.count(4, "lanes"),
                      nC = r.count(4, "connectors"), nM = r.count(4, "movements");
    auto flag = [&r](const char* what) {
      const std::uint8_t b = r.u8();
      if (b > 1) throw DecodeError(std::string(what) + " is " + std::to_string(b) + ", not 0 or 1");
      return b == 1;
    };
    net.m_junctions.resize(nJ);
    for (Junction& j : net.m_junctions) {
      j.name = r.str("junction name bytes");
      j.position.x = r.f64();
      j.position.y = r.f64();
      j.widthM = r.f64();
      j.boundary = flag("a junction's boundary flag");
      j.incoming = r.ids<RoadId>(nR, "road");
      j.outgoing = r.ids<RoadId>(nR, "road");
      j.movements = r.ids<MovementId>(nM, "movement");
      j.connectors = r.ids<ConnectorId>(nC, "connector");
      if (flag("a junction's signal program flag")) {
        SignalProgram program;
        program.offsetS = r.f64();
        program.phases.resize(r.count(9, "signal phases"));
        for (SignalPhase& phase : program.phases) {
          phase.durationS = r.f64();
          phase.green = r.ids<MovementId>(nM, "movement");
        }
        j.program = std::move(program);
      }
    }
    net.m_roads.resize(nR);
    for (Road& road : net.m_roads) {
      road.name = r.str("road name bytes");
      road.from = r.id<JunctionId>(nJ, "junction");
      road.to = r.id<JunctionId>(nJ, "junction");
      road.lanes = r.ids<LaneId>(nL, "lane");
      road.lengthM = r.f64();
      road.movementsOut = r.ids<MovementId>(nM, "movement");
    }
    net.m_lanes.resize(nL);
    for (Lane& lane : net.m_lanes) {
      lane.road = r.id<RoadId>(nR, "road");
      lane.indexInRoad = static_cast<std::uint16_t>(r.index(0x10000, "lane index in road"));
      lane.lengthM = r.f64();
      lane.widthM = r.f64();
      lane.speedLimitMps = r.f64();
      lane.allowed.bits = r.u8();
      lane.shape = r.polyline("a lane shape");
      lane.outgoing = r.ids<ConnectorId>(nC, "connector");
    }
    net.m_connectors.resize(nC);
    for (Connector& c : net.m_connectors) {
      c.junction = r.id<JunctionId>(nJ, "junction");
      c.movement = r.id<MovementId>(nM, "movement");
      c.from = r.id<LaneId>(nL, "lane");
      c.to = r.id<LaneId>(nL, "lane");
      c.lengthM = r.f64();
      c.speedLimitMps = r.f64();
      c.shape = r.polyline("a connector shape");
      c.conflicts.resize(r.count(18, "conflicts"));
      for (Conflict& k : c.conflicts) {
        k.other = r.id<ConnectorId>(nC, "connector");
        k.atM = r.f64();
        k.otherAtM = r.f64();
        k.merging = flag("a conflict's merging flag");
      }
    }
    net.m_movements.resize(nM);
    for (Movement& m : net.m_movements) {
      m.junction = r.id<JunctionId>(nJ, "junction");
      m.fromRoad = r.id<RoadId>(nR, "road");
      m.toRoad = r.id<RoadId>(nR, "road");
      const std::uint8_t turn = r.u8();
      if (turn > static_cast<std::uint8_t>(TurnType::UTurn))
        throw DecodeError("a movement has turn type " + std::to_string(turn) + ", which does not exist");
      m.turn = static_cast<TurnType>(turn);
      m.connectors = r.ids<ConnectorId>(nC, "connector");
    }
    if (!r.atEnd()) throw DecodeError(std::to_string(r.remaining()) + " bytes follow the last movement");

    for (std::size_t i = 0; i < nJ; ++i)
      if (!net.m_junctionByName.emplace(net.m_junctions[i].name, JunctionId(i)).second)
        throw DecodeError("two junctions are named '" + net.m_junctions[i].name + "'");
    for (std::size_t i = 0; i < nR; ++i)
      if (!net.m_roadByName.emplace(net.m_roads[i].name, RoadId(i)).second)
        throw DecodeError("two roads are named '" + net.m_roads[i].name + "'");
    net.buildRoutingGraph();
    return net;
  }
};

namespace {

namespace fs = std::filesystem;

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

// The writer hands frames to the file in batches of about this size, and at least once a second.
// A crash loses at most the batch in memory; everything before it stays readable.
constexpr std::size_t kFlushBytes = 256 * 1024;
constexpr double kFlushIntervalS = 1.0;

// Bits of the byte that opens each vehicle in a frame.
constexpr std::uint8_t kFlagsMask = 0x0F;     // FrameVehicle::flags when they fit in 4 bits
constexpr unsigned kClassShift = 4;           // vehicle class in bits 4-5 when it fits in 2 bits
constexpr std::uint8_t kSpeedZero = 1u << 6;  // speed is exactly +0.0 and not stored
constexpr std::uint8_t kExtended = 1u << 7;   // class, flags and load follow in full

std::string sectionName(std::uint32_t tag) {
  if (tag == kTagHeader) return "run header";
  if (tag == kTagNetwork) return "road network";
  if (tag == kTagTrips) return "trip table";
  if (tag == kTagStops) return "transit stops";
  return "unknown";
}

std::string bytesAt(std::uint64_t offset) { return "byte offset " + std::to_string(offset); }

// ---- frames -----------------------------------------------------------------------------------

void encodeFrame(const Frame& f, ByteWriter& w) {
  // Signal states, two bits each, four to a byte.
  w.varint(f.movementStates.size());
  std::uint8_t packed = 0;
  for (std::size_t i = 0; i < f.movementStates.size(); ++i) {
    const auto s = static_cast<std::uint8_t>(f.movementStates[i]);
    if (s > 3) throw std::logic_error("recording format 1 stores 4 signal states; got state " + std::to_string(s));
    packed = static_cast<std::uint8_t>(packed | (s << (2 * (i % 4))));
    if (i % 4 == 3) {
      w.u8(packed);
      packed = 0;
    }
  }
  if (f.movementStates.size() % 4 != 0) w.u8(packed);

  w.varint(f.stats.running);
  w.varint(f.stats.waitingToEnter);
  w.varint(f.stats.arrived);
  w.f32(f.stats.meanSpeedMps);
  w.f32(f.stats.delayIndex);

  // Passengers waiting per transit stop: one byte for "no stops" in scenarios without transit.
  w.varint(f.stopWaiting.size());
  for (std::uint16_t n : f.stopWaiting) w.varint(n);

  // Signal controllers: junction (delta from the previous one), phase, next phase, stage, time.
  w.varint(f.signals.size());
  std::int64_t previousJunction = 0;
  for (const FrameSignal& c : f.signals) {
    w.zigzag(static_cast<std::int64_t>(c.junction) - previousJunction);
    previousJunction = c.junction;
    w.u8(c.phase);
    w.u8(c.next);
    w.u8(c.stage);
    w.f32(c.timeInStageS);
  }

  // Vehicles in runs of the same track; a track that comes back later simply starts another run,
  // so any order is stored exactly (World::frame() gives one run per occupied track).
  auto keyOf = [](const FrameVehicle& v) {
    return (static_cast<std::int64_t>(v.track) << 1) | (v.onConnector() ? 1 : 0);
  };
  std::size_t runs = 0;
  for (std::size_t i = 0; i < f.vehicles.size(); ++i)
    if (i == 0 || keyOf(f.vehicles[i]) != keyOf(f.vehicles[i - 1])) ++runs;
  w.varint(runs);
  std::int64_t previousKey = 0;
  std::int64_t previousId = 0;
  for (std::size_t begin = 0; begin < f.vehicles.size();) {
    const std::int64_t key = keyOf(f.vehicles[begin]);
    std::size_t end = begin + 1;
    while (end < f.vehicles.size() && keyOf(f.vehicles[end]) == key) ++end;
    w.zigzag(key - previousKey);
    w.varint(end - begin);
    previousKey = key;
    for (std::size_t i = begin; i < end; ++i) {
      const FrameVehicle& v = f.vehicles[i];
      w.zigzag(static_cast<std::int64_t>(v.id) - previousId);
      previousId = v.id;
      const auto cls = static_cast<std::uint8_t>(v.vehicleClass);
      const bool zero = std::bit_cast<std::uint32_t>(v.speedMps) == 0;
      // Cars and empty vehicles fit one byte; a transit vehicle with passengers, or one at a stop,
      // takes the extended form.
      if (cls < 4 && v.flags <= kFlagsMask && v.load == 0) {
        w.u8(static_cast<std::uint8_t>(v.flags | (cls << kClassShift) | (zero ? kSpeedZero : 0)));
      } else {
        w.u8(static_cast<std::uint8_t>(kExtended | (zero ? kSpeedZero : 0)));
        w.u8(cls);
        w.u8(v.flags);
        w.varint(v.load);
      }
      w.f32(v.positionM);
      if (!zero) w.f32(v.speedMps);
    }
    begin = end;
  }
}

struct FrameLimits {
  std::size_t lanes = 0, connectors = 0, movements = 0, trips = 0, stops = 0, junctions = 0;
};

Frame decodeFrame(ByteReader& r, const FrameLimits& limits) {
  Frame f;
  const std::size_t states = r.count(0, "signal states");
  if (states != limits.movements)
    throw DecodeError("it has " + std::to_string(states) + " signal states but the network has " +
                      std::to_string(limits.movements) + " movements");
  f.movementStates.resize(states);
  std::uint8_t packed = 0;
  for (std::size_t i = 0; i < states; ++i) {
    if (i % 4 == 0) packed = r.u8();
    f.movementStates[i] = static_cast<SignalState>((packed >> (2 * (i % 4))) & 3u);
  }

  auto u32 = [&r](const char* what) {
    const std::uint64_t v = r.varint();
    if (v > std::numeric_limits<std::uint32_t>::max()) throw DecodeError(std::string(what) + " is out of range");
    return static_cast<std::uint32_t>(v);
  };
  f.stats.running = u32("the running count");
  f.stats.waitingToEnter = u32("the waiting count");
  f.stats.arrived = r.varint();
  f.stats.meanSpeedMps = r.f32();
  f.stats.delayIndex = r.f32();

  const std::size_t stops = r.count(1, "waiting counts");
  if (stops != limits.stops)
    throw DecodeError("it has " + std::to_string(stops) + " waiting counts but the recording has " +
                      std::to_string(limits.stops) + " transit stops");
  f.stopWaiting.resize(stops);
  for (std::uint16_t& n : f.stopWaiting) {
    const std::uint64_t v = r.varint();
    if (v > std::numeric_limits<std::uint16_t>::max()) throw DecodeError("a stop's waiting count is out of range");
    n = static_cast<std::uint16_t>(v);
  }

  // A controller takes at least 8 bytes.
  const std::size_t controllers = r.count(8, "signal controllers");
  if (controllers > limits.junctions)
    throw DecodeError("it has " + std::to_string(controllers) + " signal controllers but the network has " +
                      std::to_string(limits.junctions) + " junctions");
  f.signals.resize(controllers);
  std::int64_t junction = 0;
  for (FrameSignal& c : f.signals) {
    junction += r.zigzag();
    if (junction < 0 || static_cast<std::uint64_t>(junction) >= limits.junctions)
      throw DecodeError("a signal controller's junction " + std::to_string(junction) + " does not exist");
    c.junction = static_cast<std::uint32_t>(junction);
    c.phase = r.u8();
    c.next = r.u8();
    c.stage = r.u8();
    if (c.stage > FrameSignal::kAllRed)
      throw DecodeError("a signal controller's stage " + std::to_string(c.stage) + " does not exist");
    c.timeInStageS = r.f32();
  }

  // A run takes at least 2 bytes and a vehicle at least 6, which bounds the counts.
  const std::size_t runs = r.count(2, "track runs");
  std::int64_t key = 0;
  std::int64_t id = 0;
  for (std::size_t k = 0; k < runs; ++k) {
    key += r.zigzag();
    const bool connector = (key & 1) != 0;
    const std::int64_t track = key >> 1;
    const std::size_t trackLimit = connector ? limits.connectors : limits.lanes;
    if (key < 0 || static_cast<std::uint64_t>(track) >= trackLimit)
      throw DecodeError(std::string(connector ? "connector " : "lane ") + std::to_string(track) + " does not exist");
    const std::size_t n = r.count(6, "vehicles on a track");
    if (n == 0) throw DecodeError("a track run holds no vehicles");
    for (std::size_t i = 0; i < n; ++i) {
      id += r.zigzag();
      if (id < 0 || static_cast<std::uint64_t>(id) >= limits.trips)
        throw DecodeError("vehicle " + std::to_string(id) + " is not in the trip table");
      FrameVehicle v;
      v.id = static_cast<std::uint32_t>(id);
      v.track = static_cast<std::uint32_t>(track);
      const std::uint8_t head = r.u8();
      std::uint8_t cls = 0;
      if ((head & kExtended) != 0) {
        cls = r.u8();
        v.flags = r.u8();
        const std::uint64_t load = r.varint();
        if (load > std::numeric_limits<std::uint16_t>::max()) throw DecodeError("a vehicle load is out of range");
        v.load = static_cast<std::uint16_t>(load);
      } else {
        cls = static_cast<std::uint8_t>((head >> kClassShift) & 3u);
        v.flags = static_cast<std::uint8_t>(head & kFlagsMask);
      }
      if (cls >= kVehicleClassCount) throw DecodeError("vehicle class " + std::to_string(cls) + " does not exist");
      v.vehicleClass = static_cast<VehicleClass>(cls);
      if (v.onConnector() != connector)
        throw DecodeError("vehicle " + std::to_string(id) + " disagrees with its track on being inside a junction");
      v.positionM = r.f32();
      v.speedMps = (head & kSpeedZero) != 0 ? 0.0f : r.f32();
      f.vehicles.push_back(v);
    }
  }
  if (!r.atEnd()) throw DecodeError(std::to_string(r.remaining()) + " bytes follow the last vehicle");
  return f;
}

// ---- header sections --------------------------------------------------------------------------

void encodeHeader(const Scenario& sc, ByteWriter& w) {
  w.str(sc.name);
  w.str(sc.mapDescription);
  w.f64(sc.stepS);
  w.f64(sc.durationS);
  w.u64(sc.seed);
  w.str(sc.signalPolicy.name);
}

RecordingHeader decodeHeader(ByteReader& r, std::uint32_t version) {
  RecordingHeader h;
  h.formatVersion = version;
  h.scenarioName = r.str("scenario name bytes");
  h.mapDescription = r.str("map description bytes");
  h.stepS = r.f64();
  h.durationS = r.f64();
  h.seed = r.u64();
  h.policyName = r.str("policy name bytes");
  if (!r.atEnd()) throw DecodeError(std::to_string(r.remaining()) + " bytes follow the policy name");
  return h;
}

void encodeTrips(const Scenario& sc, ByteWriter& w) {
  w.varint(sc.vehicleTypes.size());
  for (const VehicleType& t : sc.vehicleTypes) {
    w.str(t.name);
    w.u8(static_cast<std::uint8_t>(t.vehicleClass));
    w.u8(static_cast<std::uint8_t>(t.signalPriority));
    w.f64(t.lengthM);
    w.f64(t.widthM);
    w.f64(t.maxSpeedMps);
  }
  w.varint(sc.demand.trips.size());
  for (const Trip& trip : sc.demand.trips) {
    w.str(trip.id);
    w.id(trip.type);
    w.f64(trip.departS);
    const std::span<const RoadId> route = sc.demand.routes.route(trip.route);
    w.varint(route.size());
    for (RoadId road : route) w.id(road);
  }
}

void decodeTrips(ByteReader& r, std::size_t roads, std::vector<RecordedVehicleType>& types,
                 std::vector<RecordedTrip>& trips) {
  types.resize(r.count(27, "vehicle types"));
  for (RecordedVehicleType& t : types) {
    t.name = r.str("vehicle type name bytes");
    const std::uint8_t cls = r.u8();
    if (cls >= kVehicleClassCount) throw DecodeError("vehicle class " + std::to_string(cls) + " does not exist");
    t.vehicleClass = static_cast<VehicleClass>(cls);
    const std::uint8_t priority = r.u8();
    if (priority > static_cast<std::uint8_t>(SignalPriority::Emergency))
      throw DecodeError("signal priority " + std::to_string(priority) + " does not exist");
    t.signalPriority = static_cast<SignalPriority>(priority);
    t.lengthM = r.f64();
    t.widthM = r.f64();
    t.maxSpeedMps = r.f64();
  }
  trips.resize(r.count(11, "trips"));
  for (RecordedTrip& trip : trips) {
    trip.id = r.str("trip id bytes");
    trip.type = r.index(types.size(), "vehicle type");
    trip.vehicleClass = types[trip.type].vehicleClass;
    trip.signalPriority = types[trip.type].signalPriority;
    trip.departS = r.f64();
    trip.route.resize(r.count(1, "roads in a route"));
    for (RoadId& road : trip.route) road = r.id<RoadId>(roads, "road");
  }
  if (!r.atEnd()) throw DecodeError(std::to_string(r.remaining()) + " bytes follow the last trip");
}

void encodeStops(const Scenario& sc, ByteWriter& w) {
  const Transit& transit = sc.transit;
  w.varint(transit.stops.size());
  for (const TransitStop& stop : transit.stops) {
    w.str(stop.id);
    w.id(stop.lane);
    w.f64(stop.positionM);
    w.u8(stop.bay ? 1 : 0);
  }
  w.varint(transit.lines.size());
  for (const TransitLine& line : transit.lines) {
    w.str(line.id);
    w.varint(line.stops.size());
    for (std::uint32_t stop : line.stops) w.varint(stop);
  }
}

void decodeStops(ByteReader& r, const RoadNetwork& net, std::vector<TransitStop>& stops,
                 std::vector<RecordedTransitLine>& lines) {
  // A stop takes at least 11 bytes (empty id, one-byte lane, position, bay flag).
  stops.resize(r.count(11, "transit stops"));
  std::set<std::string> ids;
  for (TransitStop& stop : stops) {
    stop.id = r.str("stop id bytes");
    if (!ids.insert(stop.id).second) throw DecodeError("two transit stops are named '" + stop.id + "'");
    stop.lane = r.id<LaneId>(net.lanes().size(), "lane");
    stop.positionM = r.f64();
    const double laneM = net.lane(stop.lane).lengthM;
    if (!(stop.positionM >= 0 && stop.positionM <= laneM))
      throw DecodeError("stop '" + stop.id + "' lies at " + std::to_string(stop.positionM) + " m on lane " +
                        std::to_string(stop.lane.value) + ", which is " + std::to_string(laneM) + " m long");
    const std::uint8_t bay = r.u8();
    if (bay > 1) throw DecodeError("stop '" + stop.id + "' has bay flag " + std::to_string(bay) + ", not 0 or 1");
    stop.bay = bay == 1;
  }
  lines.resize(r.count(2, "transit lines"));
  for (RecordedTransitLine& line : lines) {
    line.id = r.str("line id bytes");
    line.stops.resize(r.count(1, "stops of a line"));
    for (std::uint32_t& stop : line.stops) stop = r.index(stops.size(), "transit stop");
  }
  if (!r.atEnd()) throw DecodeError(std::to_string(r.remaining()) + " bytes follow the last transit line");
}

void appendSection(std::uint32_t tag, const ByteWriter& payload, ByteWriter& out) {
  out.u32(tag);
  out.u32(static_cast<std::uint32_t>(payload.bytes.size()));
  out.u32(crc32(payload.bytes));
  out.bytes.insert(out.bytes.end(), payload.bytes.begin(), payload.bytes.end());
}

std::string systemError() { return std::strerror(errno); }

}  // namespace

// ---- writer -----------------------------------------------------------------------------------

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

RecordingWriter::RecordingWriter(const std::filesystem::path& path, const Scenario& scenario)
    : m(std::make_unique<Impl>()) {
  m->path = path;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw LoadError(path.string(), "", "cannot write the recording there: it is a folder; give a file name, e.g. " +
                                           (path / (scenario.name + ".tsrec")).string());
  m->file = std::fopen(path.c_str(), "wb");
  if (m->file == nullptr)
    throw LoadError(path.string(), "",
                    "cannot create the recording: " + systemError() + "; check that the folder exists and is writable");

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
    close();
  } catch (const std::exception& e) {
    simLog().error("{}", e.what());
  }
}

void RecordingWriter::write(const Frame& frame) {
  if (!m->failure.empty()) throw std::runtime_error(m->failure);
  if (m->file == nullptr) throw std::logic_error("RecordingWriter::write after close (" + m->path.string() + ")");
  if (!(frame.timeS >= m->lastTimeS))
    throw std::invalid_argument("RecordingWriter::write: frame at " + std::to_string(frame.timeS) +
                                " s comes after one at " + std::to_string(m->lastTimeS) + " s");
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

void RecordingWriter::close() {
  if (m->file == nullptr) return;
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

// ---- reader -----------------------------------------------------------------------------------

namespace {

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
};

void RecordingReader::Impl::open() {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail("", "is a folder, not a recording file");
  file.reset(std::fopen(path.c_str(), "rb"));
  if (!file) fail("", "cannot open the recording: " + systemError());
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
  indexFrames(offset);
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
    const std::string playable =
        k == 0 ? "no frame is complete"
               : "frames 0 to " + std::to_string(k - 1) + " (up to " + std::to_string(frames.back().timeS) + " s) are playable";
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
      fail(entity, "is damaged: its time " + std::to_string(e.timeS) + " s is before the previous frame's");
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
