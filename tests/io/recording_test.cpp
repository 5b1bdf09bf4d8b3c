// Recordings (issue 5, "Recording and replay"): frames and the network come back exactly, seeking
// finds the right frame, and cut, damaged or foreign files are reported precisely instead of being
// played back wrong.
#include "traffic/recording.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "common/run_cli.h"
#include "common/temp_dir.h"
#include "common/test_networks.h"
#include "common/text.h"
#include "base/crc32.h"
#include "traffic/demand.h"
#include "traffic/errors.h"
#include "traffic/world.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

using traffic::testing::contains;

std::vector<char> readBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const fs::path& p, const std::vector<char>& bytes, std::size_t count) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(count));
}

/// Runs `f` and returns the LoadError message it throws (fails the test when it throws none).
std::string loadErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const LoadError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a LoadError";
  return {};
}

// ---- a recorded run of the Hangzhou peak, shared by the tests of this suite --------------------

class RecordingOfARun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_dir = new TempDir();
    s_scenario = new Scenario(loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/hangzhou_peak.toml",
                                           {"scenario.duration_s=300"}));
    s_file = s_dir->path() / "peak.tsrec";
    World world(*s_scenario, WorldOptions{1});
    RecordingWriter writer(s_file, *s_scenario);
    s_headerBytes = writer.bytesWritten();
    auto record = [&] {
      s_live.push_back(world.frame());
      writer.write(s_live.back());
      s_frameEnds.push_back(writer.bytesWritten());
    };
    record();
    while (!world.finished()) {
      world.step();
      record();
    }
    writer.close();
  }
  static void TearDownTestSuite() {
    delete s_scenario;
    delete s_dir;
    s_live.clear();
    s_frameEnds.clear();
  }

  /// A copy of the recording cut after `bytes` bytes.
  static fs::path cutCopy(std::size_t bytes, const TempDir& dir) {
    const fs::path p = dir.path() / ("cut_" + std::to_string(bytes) + ".tsrec");
    writeBytes(p, readBytes(s_file), bytes);
    return p;
  }

  static inline TempDir* s_dir = nullptr;
  static inline Scenario* s_scenario = nullptr;
  static inline fs::path s_file;
  static inline std::vector<Frame> s_live;
  static inline std::vector<std::uint64_t> s_frameEnds;  // file size after each frame
  static inline std::uint64_t s_headerBytes = 0;
};

TEST_F(RecordingOfARun, FramesReadBackEqualTheLiveFramesBitForBit) {
  const RecordingReader reader(s_file);
  ASSERT_EQ(reader.frameCount(), 301u);  // t = 0 and after each of 300 steps
  ASSERT_EQ(s_live.size(), 301u);
  EXPECT_FALSE(reader.truncated());
  EXPECT_TRUE(reader.truncationMessage().empty());
  EXPECT_TRUE(reader.complete());
  EXPECT_TRUE(reader.incompleteMessage().empty());
  std::size_t vehicles = 0;
  for (std::size_t i = 0; i < s_live.size(); ++i) {
    const Frame f = reader.frame(i);
    ASSERT_EQ(f, s_live[i]) << "frame " << i;
    EXPECT_EQ(reader.frameTime(i), s_live[i].timeS);
    EXPECT_EQ(reader.frameStep(i), s_live[i].step);
    // operator== on floats lets -0 equal +0; the bits must match too.
    for (std::size_t k = 0; k < f.vehicles.size(); ++k) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(f.vehicles[k].positionM), std::bit_cast<std::uint32_t>(s_live[i].vehicles[k].positionM));
      ASSERT_EQ(std::bit_cast<std::uint32_t>(f.vehicles[k].speedMps), std::bit_cast<std::uint32_t>(s_live[i].vehicles[k].speedMps));
    }
    vehicles += f.vehicles.size();
  }
  // The run is not empty: otherwise the comparison above would prove little.
  EXPECT_GT(vehicles, 20'000u);
  EXPECT_GT(s_live.back().vehicles.size(), 100u);
}

TEST_F(RecordingOfARun, HeaderAndTripTableDescribeTheScenario) {
  const RecordingReader reader(s_file);
  const RecordingHeader& h = reader.header();
  EXPECT_EQ(h.formatVersion, kRecordingFormatVersion);
  EXPECT_EQ(h.scenarioName, "hangzhou_peak");
  EXPECT_EQ(h.mapDescription, s_scenario->mapDescription);
  EXPECT_EQ(h.stepS, s_scenario->stepS);
  EXPECT_EQ(h.durationS, 300);
  EXPECT_EQ(h.seed, s_scenario->seed);
  EXPECT_EQ(h.policyName, s_scenario->signalPolicy.name);

  ASSERT_EQ(reader.vehicleTypes().size(), s_scenario->vehicleTypes.size());
  for (std::size_t t = 0; t < reader.vehicleTypes().size(); ++t) {
    EXPECT_EQ(reader.vehicleTypes()[t].name, s_scenario->vehicleTypes[t].name);
    EXPECT_EQ(reader.vehicleTypes()[t].lengthM, s_scenario->vehicleTypes[t].lengthM);
  }
  const auto& trips = reader.trips();
  ASSERT_EQ(trips.size(), s_scenario->demand.trips.size());
  ASSERT_GT(trips.size(), 6000u);
  for (std::size_t i = 0; i < trips.size(); ++i) {
    const Trip& trip = s_scenario->demand.trips[i];
    ASSERT_EQ(trips[i].id, trip.id);
    ASSERT_EQ(trips[i].type, trip.type.value);
    ASSERT_EQ(trips[i].vehicleClass, s_scenario->vehicleTypes[trip.type.index()].vehicleClass);
    ASSERT_EQ(trips[i].signalPriority, s_scenario->vehicleTypes[trip.type.index()].signalPriority);
    ASSERT_EQ(trips[i].departS, trip.departS);
    const auto route = s_scenario->demand.routes.route(trip.route);
    ASSERT_EQ(trips[i].route, std::vector<RoadId>(route.begin(), route.end()));
  }
}

TEST_F(RecordingOfARun, SeekingFindsTheLastFrameAtOrBeforeATime) {
  const RecordingReader reader(s_file);
  EXPECT_EQ(reader.frameAtOrBefore(-10), 0u);
  EXPECT_EQ(reader.frameAtOrBefore(0), 0u);
  EXPECT_EQ(reader.frameAtOrBefore(0.5), 0u);
  EXPECT_EQ(reader.frameAtOrBefore(1), 1u);
  EXPECT_EQ(reader.frameAtOrBefore(120.99), 120u);
  EXPECT_EQ(reader.frameAtOrBefore(300), 300u);
  EXPECT_EQ(reader.frameAtOrBefore(1e9), 300u);
  // Random access in any order gives the same frames.
  for (std::size_t i : {250u, 3u, 299u, 0u, 150u}) EXPECT_EQ(reader.frame(reader.frameAtOrBefore(static_cast<double>(i))), s_live[i]);
  EXPECT_THROW((void)reader.frame(301), std::out_of_range);
}

// Issue 14: a killed run's recording ends on a frame boundary as often as not, and replayed as if
// the run had finished. Only a closed writer leaves the end record.
TEST_F(RecordingOfARun, ARecordingWithoutItsEndRecordSaysTheRunDidNotFinish) {
  TempDir dir;
  for (std::size_t k : {std::size_t{0}, std::size_t{99}, s_frameEnds.size() - 1}) {
    SCOPED_TRACE(k);
    const fs::path p = cutCopy(s_frameEnds[k], dir);
    const RecordingReader reader(p);
    EXPECT_FALSE(reader.truncated());
    EXPECT_EQ(reader.frameCount(), k + 1);
    EXPECT_FALSE(reader.complete());
    EXPECT_TRUE(contains(reader.incompleteMessage(), p.string())) << reader.incompleteMessage();
    EXPECT_TRUE(contains(reader.incompleteMessage(), "did not finish")) << reader.incompleteMessage();
    EXPECT_TRUE(contains(reader.incompleteMessage(), "frames 0 to " + std::to_string(k))) << reader.incompleteMessage();
  }
  // A cut inside the end record itself, and bytes after it.
  const std::uint64_t last = s_frameEnds.back();
  const RecordingReader inside(cutCopy(last + 10, dir));
  EXPECT_FALSE(inside.complete());
  EXPECT_EQ(inside.frameCount(), s_frameEnds.size());
  std::vector<char> bytes = readBytes(s_file);
  bytes.push_back(0);
  const fs::path extra = dir.path() / "extra.tsrec";
  writeBytes(extra, bytes, bytes.size());
  EXPECT_TRUE(contains(loadErrorOf([&] { RecordingReader r(extra); }), "end record")) << extra;
}

TEST_F(RecordingOfARun, ACutInsideTheHeaderIsAnError) {
  TempDir dir;
  for (std::size_t cut : {std::size_t{3}, std::size_t{12}, std::size_t{40}, static_cast<std::size_t>(s_headerBytes / 2),
                          static_cast<std::size_t>(s_headerBytes - 1)}) {
    SCOPED_TRACE(cut);
    const fs::path p = cutCopy(cut, dir);
    const std::string msg = loadErrorOf([&] { RecordingReader r(p); });
    EXPECT_TRUE(contains(msg, p.string())) << msg;
    EXPECT_TRUE(contains(msg, "ends inside its header")) << msg;
  }
}

TEST_F(RecordingOfARun, ACutInsideAFrameLeavesTheFramesBeforeItPlayable) {
  TempDir dir;
  // Cut inside the record header of frame k, inside its payload, and one byte before its end.
  for (std::size_t k : {1u, 37u, 300u}) {
    const std::uint64_t start = s_frameEnds[k - 1];
    for (std::uint64_t cut : {start + 5, start + 40, s_frameEnds[k] - 1}) {
      SCOPED_TRACE("frame " + std::to_string(k) + ", cut at " + std::to_string(cut));
      const fs::path p = cutCopy(cut, dir);
      const RecordingReader reader(p);
      EXPECT_TRUE(reader.truncated());
      EXPECT_TRUE(contains(reader.truncationMessage(), "ends inside frame " + std::to_string(k))) << reader.truncationMessage();
      EXPECT_TRUE(contains(reader.truncationMessage(), p.string())) << reader.truncationMessage();
      ASSERT_EQ(reader.frameCount(), k);
      EXPECT_EQ(reader.frame(k - 1), s_live[k - 1]);
      EXPECT_EQ(reader.frame(0), s_live[0]);
      EXPECT_EQ(reader.frameAtOrBefore(1e9), k - 1);
    }
  }
  // A cut exactly between two frames is not truncated: every frame in it plays.
  const RecordingReader reader(cutCopy(s_frameEnds[99], dir));
  EXPECT_FALSE(reader.truncated());
  EXPECT_EQ(reader.frameCount(), 100u);
  // And a recording with a header but no frame yet opens with none.
  const RecordingReader empty(cutCopy(s_headerBytes, dir));
  EXPECT_FALSE(empty.truncated());
  EXPECT_EQ(empty.frameCount(), 0u);
  EXPECT_EQ(empty.frameAtOrBefore(10), 0u);
}

TEST_F(RecordingOfARun, ADamagedByteInAFrameIsReportedWithTheFrameAndOffset) {
  TempDir dir;
  std::vector<char> bytes = readBytes(s_file);
  const std::size_t k = 200;
  const std::uint64_t start = s_frameEnds[k - 1];
  bytes[start + 32 + (s_frameEnds[k] - start - 32) / 2] ^= 0x10;  // middle of frame 200's payload
  const fs::path p = dir.path() / "damaged.tsrec";
  writeBytes(p, bytes, bytes.size());

  const RecordingReader reader(p);  // only record headers are checked on open
  ASSERT_EQ(reader.frameCount(), 301u);
  EXPECT_EQ(reader.frame(k - 1), s_live[k - 1]);
  EXPECT_EQ(reader.frame(k + 1), s_live[k + 1]);
  const std::string msg = loadErrorOf([&] { (void)reader.frame(k); });
  EXPECT_TRUE(contains(msg, p.string())) << msg;
  EXPECT_TRUE(contains(msg, "frame 200")) << msg;
  EXPECT_TRUE(contains(msg, "byte offset " + std::to_string(start))) << msg;
  EXPECT_TRUE(contains(msg, "damaged")) << msg;
}

TEST_F(RecordingOfARun, ADamagedFrameRecordHeaderOrNetworkIsAnErrorOnOpen) {
  TempDir dir;
  const std::vector<char> original = readBytes(s_file);
  {
    std::vector<char> bytes = original;
    const std::uint64_t start = s_frameEnds[41];  // frame 42's record header: its time field
    bytes[start + 9] ^= 0x01;
    const fs::path p = dir.path() / "head.tsrec";
    writeBytes(p, bytes, bytes.size());
    const std::string msg = loadErrorOf([&] { RecordingReader r(p); });
    EXPECT_TRUE(contains(msg, "frame 42")) << msg;
    EXPECT_TRUE(contains(msg, "byte offset " + std::to_string(start))) << msg;
  }
  {
    std::vector<char> bytes = original;
    // Sections follow the 16-byte preamble as tag, length, CRC (4 bytes each) and the payload.
    auto u32At = [&](std::size_t at) {
      std::uint32_t v = 0;
      for (std::size_t i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
      return v;
    };
    const std::size_t network = 16 + 12 + u32At(20);
    ASSERT_EQ(std::string(&bytes[network], 4), "NETW");
    bytes[network + 12 + u32At(network + 4) / 2] ^= 0x40;  // the middle of the road network
    const fs::path p = dir.path() / "net.tsrec";
    writeBytes(p, bytes, bytes.size());
    const std::string msg = loadErrorOf([&] { RecordingReader r(p); });
    EXPECT_TRUE(contains(msg, p.string())) << msg;
    EXPECT_TRUE(contains(msg, "road network section")) << msg;
    EXPECT_TRUE(contains(msg, "damaged")) << msg;
  }
}

TEST_F(RecordingOfARun, ANewerFormatVersionIsRefusedByNumber) {
  TempDir dir;
  std::vector<char> bytes = readBytes(s_file);
  bytes[8] = 3;  // the version field follows the 8 signature bytes, little-endian
  const fs::path p = dir.path() / "v3.tsrec";
  writeBytes(p, bytes, bytes.size());
  const std::string msg = loadErrorOf([&] { RecordingReader r(p); });
  EXPECT_TRUE(contains(msg, p.string())) << msg;
  EXPECT_TRUE(contains(msg, "recording format version 3 is newer than this build reads (2)")) << msg;
}

// ---- the road network -----------------------------------------------------------------------

void expectSamePolyline(const Polyline& a, const Polyline& b, const std::string& what) {
  ASSERT_EQ(a.points.size(), b.points.size()) << what;
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.points[i].x), std::bit_cast<std::uint64_t>(b.points[i].x)) << what << " point " << i;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.points[i].y), std::bit_cast<std::uint64_t>(b.points[i].y)) << what << " point " << i;
  }
}

/// Every field of every entity, doubles compared exactly.
void expectSameNetwork(const RoadNetwork& a, const RoadNetwork& b) {
  ASSERT_EQ(a.junctions().size(), b.junctions().size());
  ASSERT_EQ(a.roads().size(), b.roads().size());
  ASSERT_EQ(a.lanes().size(), b.lanes().size());
  ASSERT_EQ(a.connectors().size(), b.connectors().size());
  ASSERT_EQ(a.movements().size(), b.movements().size());
  for (std::size_t i = 0; i < a.junctions().size(); ++i) {
    const Junction& x = a.junctions()[i];
    const Junction& y = b.junctions()[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.position.x, y.position.x);
    EXPECT_EQ(x.position.y, y.position.y);
    EXPECT_EQ(x.widthM, y.widthM);
    EXPECT_EQ(x.boundary, y.boundary);
    EXPECT_EQ(x.incoming, y.incoming);
    EXPECT_EQ(x.outgoing, y.outgoing);
    EXPECT_EQ(x.movements, y.movements);
    EXPECT_EQ(x.connectors, y.connectors);
    ASSERT_EQ(x.program.has_value(), y.program.has_value()) << x.name;
    if (x.program) {
      EXPECT_EQ(x.program->offsetS, y.program->offsetS);
      ASSERT_EQ(x.program->phases.size(), y.program->phases.size());
      for (std::size_t p = 0; p < x.program->phases.size(); ++p) {
        EXPECT_EQ(x.program->phases[p].durationS, y.program->phases[p].durationS);
        EXPECT_EQ(x.program->phases[p].green, y.program->phases[p].green);
      }
    }
    EXPECT_EQ(b.findJunction(x.name), JunctionId(i));
  }
  for (std::size_t i = 0; i < a.roads().size(); ++i) {
    const Road& x = a.roads()[i];
    const Road& y = b.roads()[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.from, y.from);
    EXPECT_EQ(x.to, y.to);
    EXPECT_EQ(x.lanes, y.lanes);
    EXPECT_EQ(x.lengthM, y.lengthM);
    EXPECT_EQ(x.movementsOut, y.movementsOut);
    EXPECT_EQ(b.findRoad(x.name), RoadId(i));
  }
  for (std::size_t i = 0; i < a.lanes().size(); ++i) {
    const Lane& x = a.lanes()[i];
    const Lane& y = b.lanes()[i];
    EXPECT_EQ(x.road, y.road);
    EXPECT_EQ(x.indexInRoad, y.indexInRoad);
    EXPECT_EQ(x.lengthM, y.lengthM);
    EXPECT_EQ(x.widthM, y.widthM);
    EXPECT_EQ(x.speedLimitMps, y.speedLimitMps);
    EXPECT_EQ(x.allowed, y.allowed);
    expectSamePolyline(x.shape, y.shape, "lane " + std::to_string(i));
    EXPECT_EQ(x.outgoing, y.outgoing);
  }
  for (std::size_t i = 0; i < a.connectors().size(); ++i) {
    const Connector& x = a.connectors()[i];
    const Connector& y = b.connectors()[i];
    EXPECT_EQ(x.junction, y.junction);
    EXPECT_EQ(x.movement, y.movement);
    EXPECT_EQ(x.from, y.from);
    EXPECT_EQ(x.to, y.to);
    EXPECT_EQ(x.lengthM, y.lengthM);
    EXPECT_EQ(x.speedLimitMps, y.speedLimitMps);
    expectSamePolyline(x.shape, y.shape, "connector " + std::to_string(i));
    ASSERT_EQ(x.conflicts.size(), y.conflicts.size());
    for (std::size_t k = 0; k < x.conflicts.size(); ++k) {
      EXPECT_EQ(x.conflicts[k].other, y.conflicts[k].other);
      EXPECT_EQ(x.conflicts[k].atM, y.conflicts[k].atM);
      EXPECT_EQ(x.conflicts[k].otherAtM, y.conflicts[k].otherAtM);
      EXPECT_EQ(x.conflicts[k].merging, y.conflicts[k].merging);
    }
  }
  for (std::size_t i = 0; i < a.movements().size(); ++i) {
    const Movement& x = a.movements()[i];
    const Movement& y = b.movements()[i];
    EXPECT_EQ(x.junction, y.junction);
    EXPECT_EQ(x.fromRoad, y.fromRoad);
    EXPECT_EQ(x.toRoad, y.toRoad);
    EXPECT_EQ(x.turn, y.turn);
    EXPECT_EQ(x.connectors, y.connectors);
  }
  EXPECT_EQ(a.totalLaneLengthM(), b.totalLaneLengthM());
}

TEST_F(RecordingOfARun, RestoredHangzhouNetworkEqualsTheOriginalFieldByField) {
  const RecordingReader reader(s_file);
  const RoadNetwork& original = *s_scenario->network;
  const RoadNetwork& restored = reader.network();
  // Real data: signal programs, curved connectors and conflicts are all there to compare.
  std::size_t programs = 0, conflicts = 0;
  for (const Junction& j : original.junctions()) programs += j.program ? 1 : 0;
  for (const Connector& c : original.connectors()) conflicts += c.conflicts.size();
  ASSERT_EQ(programs, 16u);
  ASSERT_GT(conflicts, 1000u);
  expectSameNetwork(original, restored);
}

TEST_F(RecordingOfARun, RestoredNetworkRoutesTheSame) {
  const RecordingReader reader(s_file);
  const RoadNetwork& original = *s_scenario->network;
  Router a(original);
  Router b(reader.network());
  std::size_t found = 0;
  const std::size_t roads = original.roads().size();
  for (std::size_t from = 0; from < roads; from += 3) {
    for (std::size_t to = 1; to < roads; to += 7) {
      const auto ra = a.shortestRoute(RoadId(from), RoadId(to));
      const auto rb = b.shortestRoute(RoadId(from), RoadId(to));
      ASSERT_EQ(ra, rb) << original.roads()[from].name << " -> " << original.roads()[to].name;
      found += ra ? 1 : 0;
    }
  }
  EXPECT_GT(found, 100u);
  for (const Movement& m : original.movements()) EXPECT_EQ(reader.network().movementBetween(m.fromRoad, m.toRoad), original.movementBetween(m.fromRoad, m.toRoad));
}

// ---- hand-made frames and files ----------------------------------------------------------------

Scenario crossScenario() {
  return testing::makeScenario(std::make_shared<const RoadNetwork>(testing::crossJunction(200, 2, true)),
                               {{0.0, {"n_in", "s_out"}}, {2.0, {"e_in", "w_out"}}, {4.0, {"s_in", "e_out"}}},
                               testing::standardCar());
}

TEST(Recording, Crc32MatchesTheStandardCheckValue) {
  // The check value of CRC-32 (IEEE) for the ASCII digits 1 to 9, so that any standard tool
  // (zlib, Python's binascii.crc32) verifies a recording's checksums.
  const std::string digits = "123456789";
  EXPECT_EQ(crc32(std::span(reinterpret_cast<const std::uint8_t*>(digits.data()), digits.size())), 0xCBF43926u);
}

TEST(Recording, TheHangzhouPeakHourTakesUnderTwelveBytesPerVehicleStep) {
  // A size, not a speed, so it is asserted: compactness is a property of the format. CityFlow's
  // replay text takes about 62 bytes per vehicle-step. (About 10.9 at the time of writing; the
  // light first minutes alone come to about 12, as every frame also carries its record header,
  // the signal states and the statistics.)
  TempDir dir;
  const Scenario sc = loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/hangzhou_peak.toml");
  World world(sc);
  RecordingWriter writer(dir.path() / "peak.tsrec", sc);
  writer.write(world.frame());
  world.run([&](const World& w) { writer.write(w.frame()); });
  writer.close();
  ASSERT_EQ(writer.framesWritten(), 3601u);
  ASSERT_GT(writer.vehicleStepsWritten(), 1'000'000u);
  const double perVehicleStep =
      static_cast<double>(writer.frameBytesWritten()) / static_cast<double>(writer.vehicleStepsWritten());
  EXPECT_LT(perVehicleStep, 12.0);
  EXPECT_EQ(fs::file_size(writer.path()), writer.bytesWritten());
  std::cout << "[          ] " << perVehicleStep << " bytes per vehicle-step, " << writer.bytesWritten() << " bytes\n";
}

TEST(Recording, UnusualFramesAreStoredExactly) {
  TempDir dir;
  const Scenario sc = crossScenario();
  const RoadNetwork& net = *sc.network;
  Frame f;
  f.timeS = 12.5;
  f.step = 125;
  f.movementStates.resize(net.movements().size());
  for (std::size_t i = 0; i < f.movementStates.size(); ++i) f.movementStates[i] = static_cast<SignalState>(i % 4);
  auto vehicle = [](std::uint32_t id, std::uint32_t track, float pos, float speed, VehicleClass cls, std::uint8_t flags) {
    FrameVehicle v;
    v.id = id;
    v.track = track;
    v.positionM = pos;
    v.speedMps = speed;
    v.vehicleClass = cls;
    v.flags = flags;
    return v;
  };
  // Negative zero and tiny speeds, flags beyond the four known bits, a track that appears twice
  // apart, ids going down, a connector after a lane.
  f.vehicles = {vehicle(2, 5, 120.25f, -0.0f, VehicleClass::Bus, FrameVehicle::kTransit),
                vehicle(2, 4, 60.0f, 0.0f, VehicleClass::Bus, FrameVehicle::kTransit | FrameVehicle::kDwelling | FrameVehicle::kInBay),
                vehicle(0, 5, 80.0f, 1e-30f, VehicleClass::Shuttle, 0xF0),
                vehicle(1, 3, 0.0f, 0.0f, VehicleClass::Bike, FrameVehicle::kHalted),
                vehicle(1, 5, 3.5f, 13.0f, VehicleClass::Car, 0),
                vehicle(2, 0, 7.0f, 9.5f, VehicleClass::Car, FrameVehicle::kOnConnector | FrameVehicle::kEmergency)};
  f.vehicles[0].load = 37;
  f.vehicles[1].load = 65535;
  f.stats = {4, 7, 123456789012ull, 3.25f, 1.75f};
  Frame empty;
  empty.timeS = 13;
  empty.step = 126;
  empty.movementStates.assign(net.movements().size(), SignalState::Red);

  const fs::path p = dir.path() / "x.tsrec";
  {
    RecordingWriter w(p, sc);
    w.write(f);
    w.write(empty);
  }  // closed by the destructor
  const RecordingReader reader(p);
  ASSERT_EQ(reader.frameCount(), 2u);
  const Frame back = reader.frame(0);
  EXPECT_EQ(back, f);
  ASSERT_EQ(back.vehicles.size(), f.vehicles.size());
  for (std::size_t k = 0; k < f.vehicles.size(); ++k)
    EXPECT_EQ(std::bit_cast<std::uint32_t>(back.vehicles[k].speedMps), std::bit_cast<std::uint32_t>(f.vehicles[k].speedMps));
  EXPECT_EQ(reader.frame(1), empty);
  EXPECT_EQ(reader.trips().size(), 3u);
  EXPECT_EQ(reader.trips()[1].id, "t1");
  expectSameNetwork(*sc.network, reader.network());
}

TEST(Recording, FramesThatDoNotFitTheNetworkAreRejectedOnRead) {
  TempDir dir;
  const Scenario sc = crossScenario();
  const std::size_t movements = sc.network->movements().size();
  auto frameWith = [&](FrameVehicle v, std::size_t states) {
    Frame f;
    f.movementStates.assign(states, SignalState::Red);
    f.vehicles = {v};
    f.stats.running = 1;
    return f;
  };
  FrameVehicle unknownTrip;
  unknownTrip.id = 3;  // the scenario has trips 0 to 2
  FrameVehicle unknownLane;
  unknownLane.track = static_cast<std::uint32_t>(sc.network->lanes().size());
  FrameVehicle unknownConnector;
  unknownConnector.flags = FrameVehicle::kOnConnector;
  unknownConnector.track = static_cast<std::uint32_t>(sc.network->connectors().size());
  const fs::path p = dir.path() / "bad.tsrec";
  {
    RecordingWriter w(p, sc);  // the writer stores what it is given; the reader checks it
    w.write(frameWith(unknownTrip, movements));
    w.write(frameWith(unknownLane, movements));
    w.write(frameWith(unknownConnector, movements));
    w.write(frameWith(FrameVehicle{}, movements + 1));
    w.write(frameWith(FrameVehicle{}, movements));
  }
  const RecordingReader reader(p);
  ASSERT_EQ(reader.frameCount(), 5u);
  EXPECT_TRUE(contains(loadErrorOf([&] { (void)reader.frame(0); }), "vehicle 3 is not in the trip table"));
  EXPECT_TRUE(contains(loadErrorOf([&] { (void)reader.frame(1); }), "lane " + std::to_string(sc.network->lanes().size()) + " does not exist"));
  EXPECT_TRUE(contains(loadErrorOf([&] { (void)reader.frame(2); }), "connector " + std::to_string(sc.network->connectors().size()) + " does not exist"));
  const std::string states = loadErrorOf([&] { (void)reader.frame(3); });
  EXPECT_TRUE(contains(states, "frame 3")) << states;
  EXPECT_TRUE(contains(states, "signal states")) << states;
  EXPECT_EQ(reader.frame(4).vehicles.size(), 1u);
}

TEST(Recording, ForgedBytesWithValidChecksumsNeverCrashTheReader) {
  // Checksums catch damage; a file made by another program could still carry valid checksums
  // over nonsense. Change one byte at a time inside a section or a frame, fix the checksums up,
  // and check that the reader either reads it or throws LoadError, and never returns an index
  // that points outside the network.
  TempDir dir;
  const Scenario sc = crossScenario();
  const fs::path original = dir.path() / "cross.tsrec";
  std::vector<std::uint64_t> frameEnds;
  std::uint64_t headerBytes = 0;
  {
    World world(sc, WorldOptions{1});
    RecordingWriter w(original, sc);
    headerBytes = w.bytesWritten();
    while (world.timeS() < 20) {
      world.step();
      w.write(world.frame());
      frameEnds.push_back(w.bytesWritten());
    }
  }
  const std::vector<char> clean = readBytes(original);
  auto u32At = [](const std::vector<char>& b, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
    return v;
  };
  auto putU32 = [](std::vector<char>& b, std::size_t at, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  auto crcOf = [](const std::vector<char>& b, std::size_t at, std::size_t n) {
    return crc32(std::span(reinterpret_cast<const std::uint8_t*>(b.data()) + at, n));
  };
  // Payload ranges: the three header sections, then each frame.
  struct Range {
    std::size_t recordStart, payloadStart, payloadBytes;
    bool frame;
  };
  std::vector<Range> ranges;
  for (std::size_t at = 16; at < headerBytes;) {
    const std::size_t n = u32At(clean, at + 4);
    ranges.push_back({at, at + 12, n, false});
    at += 12 + n;
  }
  ASSERT_EQ(ranges.size(), 4u);  // HEAD, NETW, TRIP, STOP
  std::uint64_t previous = headerBytes;
  for (std::uint64_t end : frameEnds) {
    ranges.push_back({previous, previous + 32, end - previous - 32, true});
    previous = end;
  }

  std::uint64_t state = 12345;  // a small LCG: the test is the same every run
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::size_t>(state >> 33);
  };
  const fs::path forged = dir.path() / "forged.tsrec";
  std::size_t rejected = 0, accepted = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<char> bytes = clean;
    const Range& r = ranges[next() % ranges.size()];
    if (r.payloadBytes == 0) continue;
    bytes[r.payloadStart + next() % r.payloadBytes] ^= static_cast<char>(1 + next() % 255);
    if (r.frame) {
      putU32(bytes, r.recordStart + 24, crcOf(bytes, r.payloadStart, r.payloadBytes));
      putU32(bytes, r.recordStart + 28, crcOf(bytes, r.recordStart, 28));
    } else {
      putU32(bytes, r.recordStart + 8, crcOf(bytes, r.payloadStart, r.payloadBytes));
    }
    writeBytes(forged, bytes, bytes.size());
    try {
      const RecordingReader reader(forged);
      for (std::size_t i = 0; i < reader.frameCount(); ++i) {
        const Frame f = reader.frame(i);
        ASSERT_EQ(f.movementStates.size(), reader.network().movements().size());
        ASSERT_EQ(f.stopWaiting.size(), reader.stops().size());
        for (const FrameVehicle& v : f.vehicles) {
          ASSERT_LT(v.id, reader.trips().size());
          ASSERT_LT(v.track, v.onConnector() ? reader.network().connectors().size() : reader.network().lanes().size());
        }
      }
      ++accepted;
    } catch (const LoadError&) {
      ++rejected;
    }
  }
  // Both outcomes occur: many changes are caught, others (a position, a name) are plausible data.
  EXPECT_GT(rejected, 100u);
  EXPECT_GT(accepted, 100u);
}

// ---- transit: stops, waiting passengers and loads ---------------------------------------------

TEST(Recording, TransitStopsWaitingPassengersAndLoadsRoundTrip) {
  // The Singapore scenario has four lines (bays included) and an on-demand fleet: frames carry
  // passengers waiting at stops and loads on board, and both must come back exactly.
  TempDir dir;
  const Scenario sc =
      loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/singapore_av.toml", {"scenario.duration_s=600"});
  ASSERT_GE(sc.transit.stops.size(), 10u);
  const fs::path p = dir.path() / "sg.tsrec";
  std::vector<Frame> live;
  std::vector<TimeseriesRow> timeseries;
  {
    World world(sc, WorldOptions{1});
    RecordingWriter writer(p, sc);
    live.push_back(world.frame());
    writer.write(live.back());
    world.run([&](const World& w) {
      live.push_back(w.frame());
      writer.write(live.back());
    });
    writer.close();
    timeseries = world.timeseries();
  }
  // The counts agree with the engine's own totals (timeseries.csv) wherever both exist.
  std::size_t compared = 0;
  for (const TimeseriesRow& row : timeseries) {
    const auto frame = std::find_if(live.begin(), live.end(), [&](const Frame& f) { return f.timeS == row.timeS; });
    if (frame == live.end()) continue;
    std::uint32_t waiting = 0, onBoard = 0;
    for (std::uint16_t n : frame->stopWaiting) waiting += n;
    for (const FrameVehicle& v : frame->vehicles) onBoard += v.load;
    EXPECT_EQ(waiting, row.passengersWaiting) << "at " << row.timeS << " s";
    EXPECT_EQ(onBoard, row.passengersOnBoard) << "at " << row.timeS << " s";
    ++compared;
  }
  EXPECT_GT(compared, 5u);
  const RecordingReader reader(p);

  const std::vector<TransitStop>& stops = reader.stops();
  ASSERT_EQ(stops.size(), sc.transit.stops.size());
  std::size_t bays = 0;
  for (std::size_t i = 0; i < stops.size(); ++i) {
    EXPECT_EQ(stops[i].id, sc.transit.stops[i].id);
    EXPECT_EQ(stops[i].lane, sc.transit.stops[i].lane);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(stops[i].positionM), std::bit_cast<std::uint64_t>(sc.transit.stops[i].positionM));
    EXPECT_EQ(stops[i].bay, sc.transit.stops[i].bay);
    bays += stops[i].bay ? 1 : 0;
  }
  EXPECT_GT(bays, 0u);
  ASSERT_EQ(reader.transitLines().size(), sc.transit.lines.size());
  for (std::size_t l = 0; l < sc.transit.lines.size(); ++l) {
    EXPECT_EQ(reader.transitLines()[l].id, sc.transit.lines[l].id);
    EXPECT_EQ(reader.transitLines()[l].stops, sc.transit.lines[l].stops);
  }

  ASSERT_EQ(reader.frameCount(), live.size());
  std::size_t framesWithWaiting = 0, loadedVehicles = 0, maxWaiting = 0;
  for (std::size_t i = 0; i < live.size(); ++i) {
    const Frame f = reader.frame(i);
    ASSERT_EQ(f, live[i]) << "frame " << i;
    ASSERT_EQ(f.stopWaiting, live[i].stopWaiting) << "frame " << i;
    ASSERT_EQ(f.stopWaiting.size(), stops.size());
    std::size_t waiting = 0;
    for (std::uint16_t n : f.stopWaiting) {
      waiting += n;
      maxWaiting = std::max<std::size_t>(maxWaiting, n);
    }
    framesWithWaiting += waiting > 0 ? 1 : 0;
    for (const FrameVehicle& v : f.vehicles) loadedVehicles += v.load > 0 ? 1 : 0;
  }
  // Not vacuous: people wait at stops in most frames, and vehicles carry them.
  EXPECT_GT(framesWithWaiting, live.size() / 2);
  EXPECT_GT(maxWaiting, 1u);
  EXPECT_GT(loadedVehicles, 100u);
  // Nobody waits before the first passenger arrives.
  EXPECT_EQ(std::count(live[0].stopWaiting.begin(), live[0].stopWaiting.end(), 0), static_cast<long>(stops.size()));
}

TEST(Recording, AScenarioWithoutStopsRecordsNone) {
  TempDir dir;
  const Scenario sc = crossScenario();
  const fs::path p = dir.path() / "x.tsrec";
  World world(sc, WorldOptions{1});
  const Frame f = world.frame();
  EXPECT_TRUE(f.stopWaiting.empty());
  {
    RecordingWriter w(p, sc);
    w.write(f);
  }
  const RecordingReader reader(p);
  EXPECT_TRUE(reader.stops().empty());
  EXPECT_TRUE(reader.transitLines().empty());
  EXPECT_EQ(reader.frame(0), f);
}

TEST(Recording, InconsistentStopsOrWaitingCountsAreRejectedClearly) {
  TempDir dir;
  Scenario sc = crossScenario();
  const LaneId lane = sc.network->road(*sc.network->findRoad("n_in")).lanes.back();
  const double laneM = sc.network->lane(lane).lengthM;
  sc.transit.stops.push_back({"north", lane, laneM - 15, false});

  // Frames with a waiting count per stop read back; a frame with another number of counts is
  // refused by name (the writer stores what it is given, the reader checks it).
  const fs::path good = dir.path() / "good.tsrec";
  {
    RecordingWriter w(good, sc);
    Frame f;
    f.movementStates.assign(sc.network->movements().size(), SignalState::Red);
    f.stopWaiting = {300};
    w.write(f);
    f.timeS = 1;
    f.stopWaiting = {1, 2};
    w.write(f);
  }
  const RecordingReader reader(good);
  ASSERT_EQ(reader.stops().size(), 1u);
  EXPECT_EQ(reader.stops()[0].id, "north");
  EXPECT_EQ(reader.frame(0).stopWaiting, std::vector<std::uint16_t>{300});
  const std::string counts = loadErrorOf([&] { (void)reader.frame(1); });
  EXPECT_TRUE(contains(counts, "frame 1")) << counts;
  EXPECT_TRUE(contains(counts, "2 waiting counts but the recording has 1 transit stops")) << counts;

  // A stop off its lane, or on a lane the network does not have, makes the file unreadable with a
  // message naming the file, the section and the stop.
  auto openWith = [&](TransitStop stop, const std::string& name) {
    Scenario bad = crossScenario();
    bad.transit.stops.push_back(std::move(stop));
    const fs::path p = dir.path() / name;
    { RecordingWriter w(p, bad); }
    return loadErrorOf([&] { RecordingReader r(p); });
  };
  std::string msg = openWith({"far", lane, laneM + 50, false}, "far.tsrec");
  EXPECT_TRUE(contains(msg, "far.tsrec")) << msg;
  EXPECT_TRUE(contains(msg, "transit stops")) << msg;
  EXPECT_TRUE(contains(msg, "stop 'far' lies at")) << msg;
  msg = openWith({"nowhere", LaneId(static_cast<std::uint32_t>(sc.network->lanes().size())), 1, false}, "lane.tsrec");
  EXPECT_TRUE(contains(msg, "lane " + std::to_string(sc.network->lanes().size()) + " does not exist")) << msg;
}

TEST(Recording, TheHeaderIsOnDiskBeforeTheFirstFrame) {
  // A run that dies right after starting still leaves a file that opens (with no frames).
  TempDir dir;
  const Scenario sc = crossScenario();
  const fs::path p = dir.path() / "live.tsrec";
  RecordingWriter w(p, sc);
  const RecordingReader reader(p);
  EXPECT_EQ(reader.frameCount(), 0u);
  EXPECT_FALSE(reader.truncated());
  EXPECT_FALSE(reader.complete());  // still being written: no end record yet
  EXPECT_EQ(reader.header().scenarioName, "test");
  EXPECT_EQ(fs::file_size(p), w.bytesWritten());
}

TEST(Recording, AFileThatIsNotARecordingIsNamedAsSuch) {
  TempDir dir;
  const fs::path text = dir.write("notes.tsrec", "hello, this is a text file and not a recording\n");
  std::string msg = loadErrorOf([&] { RecordingReader r(text); });
  EXPECT_TRUE(contains(msg, text.string())) << msg;
  EXPECT_TRUE(contains(msg, "not a trafficsim recording")) << msg;

  const fs::path emptyFile = dir.write("empty.tsrec", "");
  msg = loadErrorOf([&] { RecordingReader r(emptyFile); });
  EXPECT_TRUE(contains(msg, "empty")) << msg;

  msg = loadErrorOf([&] { RecordingReader r(dir.path() / "missing.tsrec"); });
  EXPECT_TRUE(contains(msg, "missing.tsrec")) << msg;
  EXPECT_TRUE(contains(msg, "No such file")) << msg;

  msg = loadErrorOf([&] { RecordingReader r(dir.path()); });
  EXPECT_TRUE(contains(msg, "folder")) << msg;
}

TEST(Recording, AnUnwritablePathIsALoadErrorNamingIt) {
  TempDir dir;
  const Scenario sc = crossScenario();
  const fs::path p = dir.path() / "no" / "such" / "folder" / "x.tsrec";
  std::string msg = loadErrorOf([&] { RecordingWriter w(p, sc); });
  EXPECT_TRUE(contains(msg, p.string())) << msg;
  EXPECT_TRUE(contains(msg, "cannot create the recording")) << msg;
  msg = loadErrorOf([&] { RecordingWriter w(dir.path(), sc); });
  EXPECT_TRUE(contains(msg, "is a folder")) << msg;
  if (fs::exists("/dev/full")) {  // a device that is always full: the header cannot be written
    msg = loadErrorOf([&] { RecordingWriter w("/dev/full", sc); });
    EXPECT_TRUE(contains(msg, "/dev/full: cannot write the recording: No space left on device")) << msg;
  }
}

TEST(Recording, WritingAfterCloseOrBackInTimeIsRefused) {
  TempDir dir;
  const Scenario sc = crossScenario();
  RecordingWriter w(dir.path() / "x.tsrec", sc);
  Frame f;
  f.timeS = 5;
  f.movementStates.assign(sc.network->movements().size(), SignalState::Red);
  w.write(f);
  f.timeS = 4;
  EXPECT_THROW(w.write(f), std::invalid_argument);
  w.close();
  f.timeS = 6;
  EXPECT_THROW(w.write(f), std::logic_error);
  EXPECT_EQ(w.framesWritten(), 1u);
}

// ---- the command line -------------------------------------------------------------------------

TEST(RecordingCli, RunWithRecordWritesAReadableRecording) {
  TempDir dir;
  const fs::path rec = dir.path() / "hz.tsrec";
  const testing::CliResult r =
      testing::runCli("run " + testing::shippedScenario("hangzhou_real.toml") + " --duration 60 --out " +
                      testing::shellQuoted((dir.path() / "out").string()) + " --record " + testing::shellQuoted(rec.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "recording")) << r.out;
  EXPECT_TRUE(fs::exists(dir.path() / "out" / "summary.json"));  // the usual outputs too
  const RecordingReader reader(rec);
  EXPECT_EQ(reader.header().scenarioName, "hangzhou_real");
  ASSERT_EQ(reader.frameCount(), 61u);
  EXPECT_EQ(reader.frameTime(60), 60);
  EXPECT_GT(reader.frame(60).vehicles.size(), 10u);

  // The same run again, recorded by the library directly, gives the same last frame.
  const Scenario sc = loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/hangzhou_real.toml", {"scenario.duration_s=60"});
  World world(sc, WorldOptions{1});
  world.run();
  EXPECT_EQ(reader.frame(60), world.frame());
}

TEST(RecordingCli, RecordEveryKeepsOneFrameEachInterval) {
  TempDir dir;
  const fs::path rec = dir.path() / "hz.tsrec";
  const testing::CliResult r = testing::runCli("run " + testing::shippedScenario("hangzhou_real.toml") +
                                               " --duration 63 -q --out " + testing::shellQuoted((dir.path() / "out").string()) +
                                               " --record " + testing::shellQuoted(rec.string()) + " --record-every 10");
  ASSERT_EQ(r.code, 0) << r.err;
  const RecordingReader reader(rec);
  // 0, 10, ..., 60, and the last state at 63.
  ASSERT_EQ(reader.frameCount(), 8u);
  for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(reader.frameTime(i), 10.0 * static_cast<double>(i));
  EXPECT_EQ(reader.frameTime(7), 63);
  EXPECT_EQ(reader.frameAtOrBefore(35), 3u);
}

TEST(RecordingCli, ADiskFailureDuringTheRunStopsOnlyTheRecording) {
  // A file size limit (ulimit -f, with the signal it raises ignored) makes the recording's writes
  // fail part way through the run, as a full disk would: 512 KiB under dash, 1 MiB under bash,
  // either way after the 0.35 MB header and before the 1.6 MB the whole recording needs.
  TempDir dir;
  const fs::path rec = dir.path() / "hz.tsrec";
  const fs::path out = dir.path() / "out";
  const std::string command = "trap '' XFSZ; ulimit -f 1000; " + testing::shellQuoted(TRAFFIC_CLI_PATH) + " run " +
                              testing::shippedScenario("hangzhou_real.toml") + " --duration 600 -q --out " +
                              testing::shellQuoted(out.string()) + " --record " + testing::shellQuoted(rec.string()) +
                              " > " + testing::shellQuoted((dir.path() / "stdout").string()) + " 2> " +
                              testing::shellQuoted((dir.path() / "stderr").string()) + " < /dev/null";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  const std::string err = testing::readAll(dir.path() / "stderr");
  EXPECT_EQ(WEXITSTATUS(status), 1) << err;
  EXPECT_TRUE(contains(err, "writing the recording failed")) << err;
  EXPECT_TRUE(contains(err, "the recording stops at")) << err;
  EXPECT_TRUE(fs::exists(out / "summary.json"));  // the run itself finished and kept its results
  const RecordingReader reader(rec);             // and what was written plays
  EXPECT_GT(reader.frameCount(), 10u);
  EXPECT_LT(reader.frameCount(), 601u);
  EXPECT_EQ(reader.frame(reader.frameCount() - 1).step, reader.frameCount() - 1);
}

TEST(RecordingCli, AnUnwritableRecordPathStopsTheRunWithExitCode2) {
  TempDir dir;
  const fs::path rec = dir.path() / "missing" / "hz.tsrec";
  const fs::path out = dir.path() / "out";
  const testing::CliResult r = testing::runCli("run " + testing::shippedScenario("hangzhou_real.toml") +
                                               " --duration 60 --out " + testing::shellQuoted(out.string()) +
                                               " --record " + testing::shellQuoted(rec.string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, rec.string())) << r.err;
  EXPECT_TRUE(contains(r.err, "cannot create the recording")) << r.err;
  EXPECT_FALSE(contains(r.err, "progress")) << r.err;  // refused before the run
  EXPECT_FALSE(fs::exists(out));

  // Inside the results folder it would be deleted when the folder is replaced at the end.
  const testing::CliResult inside = testing::runCli("run " + testing::shippedScenario("hangzhou_real.toml") +
                                                    " --duration 60 --out " + testing::shellQuoted(out.string()) +
                                                    " --record " + testing::shellQuoted((out / "hz.tsrec").string()));
  EXPECT_EQ(inside.code, 2);
  EXPECT_TRUE(contains(inside.err, "cannot go inside the results folder")) << inside.err;

  const testing::CliResult every = testing::runCli("run " + testing::shippedScenario("hangzhou_real.toml") +
                                                   " --out " + testing::shellQuoted(out.string()) + " --record-every 5");
  EXPECT_EQ(every.code, 2);
  EXPECT_TRUE(contains(every.err, "--record")) << every.err;
}

TEST(Recording, AnInterruptedRunIsRecordedAsNotFinished) {
  TempDir dir;
  const Scenario sc = crossScenario();
  const fs::path p = dir.path() / "stopped.tsrec";
  {
    World world(sc, WorldOptions{1});
    RecordingWriter w(p, sc);
    w.write(world.frame());
    world.step();
    w.write(world.frame());
    w.close(false);
  }
  const RecordingReader reader(p);
  EXPECT_EQ(reader.frameCount(), 2u);
  EXPECT_FALSE(reader.truncated());
  EXPECT_FALSE(reader.complete());
  EXPECT_TRUE(contains(reader.incompleteMessage(), "stopped before its end")) << reader.incompleteMessage();
}

}  // namespace
}  // namespace traffic
