// Frames of a recording: signal states, network figures, signal controllers and vehicles.
//
// A frame is made compact by grouping its vehicles by track (lane or connector): the track is
// written once per group as a small signed difference to the previous group's, and each vehicle
// then costs a varint id difference, one byte of class and flags, its position and, unless it is
// standing still (speed exactly 0, common in queues), its speed. Decoding checks every id against
// the FrameLimits of the recording.
#include <algorithm>
#include <string>
#include <vector>

#include "io/recording/recording_format.h"

namespace traffic::recording_detail {

// Bits of the byte that opens each vehicle in a frame.
constexpr std::uint8_t kFlagsMask = 0x0F;     // FrameVehicle::flags when they fit in 4 bits
constexpr unsigned kClassShift = 4;           // vehicle class in bits 4-5 when it fits in 2 bits
constexpr std::uint8_t kSpeedZero = 1u << 6;  // speed is exactly +0.0 and not stored
constexpr std::uint8_t kExtended = 1u << 7;   // class, flags and load follow in full

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

}  // namespace traffic::recording_detail
