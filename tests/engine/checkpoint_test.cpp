// Checkpoints (traffic/checkpoint.h): a world restored from a checkpoint taken at time T continues
// exactly as the run that was never stopped, for every shipped scenario, one and two threads,
// several policies and an external policy; a checkpoint of another scenario, truncated or
// corrupted is refused with a LoadError and leaves the world as it was.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "common/temp_dir.h"
#include "traffic/checkpoint.h"
#include "traffic/errors.h"
#include "traffic/external_policy.h"
#include "traffic/outputs.h"
#include "traffic/world.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

Scenario shipped(const std::string& name, double durationS, std::vector<std::string> overrides = {}) {
  overrides.push_back("scenario.duration_s=" + std::to_string(durationS));
  return loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/" + name + ".toml", overrides);
}

// Every output file of a finished world, by name (a fixed wall time, and summary.json without its
// thread count, which the restored world may not share: results do not depend on it). Written to
// a folder of its own: ctest runs these tests in parallel processes, and a shared path under /tmp
// let one test read another's files (a failure seen now and then under `ctest -j2`).
std::map<std::string, std::string> outputsOf(const Scenario& sc, const World& world, const std::string& tag) {
  const testing::TempDir tmp;
  const fs::path dir = tmp.path() / ("checkpoint_test_" + tag);
  writeRunOutputs(dir, sc, world.summary(1.0), world.tripRecords(), world.timeseries(), world.transitRecords());
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string content = text.str();
    if (entry.path().filename() == "summary.json") {
      const std::size_t at = content.find("\"threads\"");
      if (at != std::string::npos) content.erase(at, content.find('\n', at) - at);
    }
    files[entry.path().filename().string()] = content;
  }
  return files;
}

WorldOptions withThreads(int threads) {
  WorldOptions o;
  o.threads = threads;
  o.minVehiclesForParallel = threads > 1 ? 0 : o.minVehiclesForParallel;  // the parallel path from the start
  return o;
}

// Runs `sc` to the end uninterrupted, and again checkpointed at `atS` and restored into a fresh
// world (with `threads`); the restored run must have the same state hash after every step and the
// same outputs. `policy`, when given, makes the policy of both worlds (the external path).
void expectResumesExactly(const Scenario& sc, double atS, int threads,
                          const std::function<std::unique_ptr<SignalPolicy>()>& policy = {},
                          const std::function<void(World&, SignalPolicy*)>& drive = {}) {
  World straight(sc, withThreads(threads));
  World first(sc, withThreads(threads));
  SignalPolicy* straightPolicy = nullptr;
  SignalPolicy* firstPolicy = nullptr;
  SignalPolicy* resumedPolicy = nullptr;
  auto give = [&policy](World& w, SignalPolicy*& held) {
    if (!policy) return;
    auto p = policy();
    held = p.get();
    w.setSignalPolicy(std::move(p));
  };
  give(straight, straightPolicy);
  give(first, firstPolicy);
  while (first.timeS() < atS - 1e-9 && !first.finished()) {
    if (drive) {
      drive(straight, straightPolicy);
      drive(first, firstPolicy);
    }
    straight.step();
    first.step();
  }
  const std::vector<std::uint8_t> bytes = first.checkpoint();
  World resumed(sc, withThreads(threads == 1 ? 2 : 1));  // another thread count: results do not depend on it
  give(resumed, resumedPolicy);
  resumed.restore(bytes);
  ASSERT_EQ(resumed.stateHash(), straight.stateHash()) << "right after restoring at t=" << atS;
  ASSERT_EQ(resumed.checkpoint(), bytes) << "a restored world checkpoints to the same bytes";
  while (!straight.finished()) {
    if (drive) {
      drive(straight, straightPolicy);
      drive(resumed, resumedPolicy);
    }
    straight.step();
    resumed.step();
    ASSERT_EQ(resumed.stateHash(), straight.stateHash()) << "t=" << straight.timeS();
  }
  ASSERT_TRUE(resumed.finished());
  const auto resumedFiles = outputsOf(sc, resumed, "resumed");
  const auto straightFiles = outputsOf(sc, straight, "straight");
  ASSERT_EQ(resumedFiles.size(), straightFiles.size());
  for (const auto& [name, content] : straightFiles) {
    ASSERT_TRUE(resumedFiles.count(name)) << name;
    EXPECT_TRUE(resumedFiles.at(name) == content) << name << " differs from the uninterrupted run's";
  }
}

struct ShippedCase {
  const char* scenario;
  double durationS;
  double atS;
};

class CheckpointShipped : public ::testing::TestWithParam<std::tuple<ShippedCase, int>> {};

TEST_P(CheckpointShipped, RestoredRunContinuesBitIdentically) {
  const auto& [c, threads] = GetParam();
  expectResumesExactly(shipped(c.scenario, c.durationS), c.atS, threads);
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, CheckpointShipped,
    ::testing::Combine(::testing::Values(ShippedCase{"hangzhou_real", 900, 437}, ShippedCase{"hangzhou_peak", 900, 600},
                                     ShippedCase{"jinan_real", 600, 311}, ShippedCase{"newyork_16x3", 600, 300},
                                     ShippedCase{"grid_10x10", 600, 250}, ShippedCase{"grid_30x30", 300, 200},
                                     ShippedCase{"singapore_av", 1500, 900},
                                     ShippedCase{"singapore_av_peak", 1500, 1100}),
                     ::testing::Values(1, 2)),
    [](const auto& info) {
      return std::string(std::get<0>(info.param).scenario) + "_" + std::to_string(std::get<1>(info.param)) + "threads";
    });

// Runs held at timing points, and passengers boarding while the doors are open, resume exactly:
// the peak buses held by headway and by schedule, taken in the middle of the peak.
TEST(Checkpoint, HeldTransitRunsResumeExactly) {
  expectResumesExactly(shipped("singapore_av_peak", 1500, {"transit.line.2.holding=headway", "transit.line.3.holding=schedule"}),
                       1200, 1);
}

TEST(Checkpoint, EveryScenarioFileIsCovered) {
  // A scenario added to scenarios/ must be added to the list above.
  std::set<std::string> listed = {"hangzhou_real", "hangzhou_peak", "jinan_real",        "newyork_16x3",
                                  "grid_10x10",    "grid_30x30",    "singapore_av",      "nanchang_citybrain",
                                  "singapore_av_peak"};
  for (const auto& entry : fs::directory_iterator(std::string(TRAFFIC_SOURCE_DIR) + "/scenarios"))
    if (entry.path().extension() == ".toml") {
      EXPECT_TRUE(listed.count(entry.path().stem().string())) << entry.path();
    }
}

// The City Brain Challenge city reads its data from ../shared, which may be absent.
TEST(Checkpoint, NanchangResumesExactly) {
  if (!fs::exists(fs::path(TRAFFIC_SOURCE_DIR) / ".." / "shared" / "data" / "citybrain"))
    GTEST_SKIP() << "nanchang_citybrain: its data in ../shared is absent";
  expectResumesExactly(shipped("nanchang_citybrain", 240), 120, 2);
}

TEST(Checkpoint, AdaptivePoliciesResumeExactly) {
  for (const char* policy : {"max_pressure", "actuated", "lookahead_pressure", "sotl", "webster"}) {
    SCOPED_TRACE(policy);
    expectResumesExactly(shipped("hangzhou_real", 900, {std::string("signals.policy=") + policy}), 450, 1);
  }
}

TEST(Checkpoint, ExternalPolicyKeepsItsRequests) {
  const Scenario sc = shipped("hangzhou_real", 900);
  auto policy = [&sc] {
    return std::make_unique<ExternalPhasePolicy>(*sc.network, makeSignalPolicy({"max_pressure", {}}, "test"));
  };
  // Requests made before the checkpoint only: the restored world must remember them.
  auto drive = [&sc](World& w, SignalPolicy* p) {
    if (w.stepCount() % 40 != 0 || w.timeS() > 400) return;
    auto& external = dynamic_cast<ExternalPhasePolicy&>(*p);
    for (std::size_t j = 0; j < sc.network->junctions().size(); ++j)
      if (sc.network->junctions()[j].program)
        external.request(JunctionId(j), static_cast<int>((w.stepCount() / 40 + j) % sc.network->junctions()[j].program->phases.size()));
  };
  expectResumesExactly(sc, 450, 1, policy, drive);
}

TEST(Checkpoint, RefusesAnotherScenarioOrSeed) {
  const Scenario a = shipped("hangzhou_real", 300);
  const Scenario b = shipped("hangzhou_real", 300, {"scenario.seed=2"});
  World wa(a, withThreads(1));
  for (int i = 0; i < 50; ++i) wa.step();
  World wb(b, withThreads(1));
  const std::uint64_t before = wb.stateHash();
  try {
    wb.restore(wa.checkpoint(), "a.ckpt");
    FAIL() << "restored a checkpoint of another seed";
  } catch (const LoadError& e) {
    EXPECT_EQ(e.file(), "a.ckpt");
    EXPECT_NE(std::string(e.what()).find("another scenario"), std::string::npos) << e.what();
  }
  EXPECT_EQ(wb.stateHash(), before);
  EXPECT_EQ(wb.stepCount(), 0u);
}

TEST(Checkpoint, RefusesAnotherPolicy) {
  const Scenario sc = shipped("hangzhou_real", 300);
  World w(sc, withThreads(1));
  for (int i = 0; i < 50; ++i) w.step();
  World other(sc, withThreads(1));
  other.setSignalPolicy(makeSignalPolicy({"max_pressure", {}}, "test"));
  EXPECT_THROW(other.restore(w.checkpoint()), LoadError);
}

// Every truncation and a flipped bit anywhere is a LoadError, never a crash, and the world is
// unchanged after it.
TEST(Checkpoint, TruncatedOrCorruptedIsAnErrorAndChangesNothing) {
  const Scenario sc = shipped("singapore_av", 600);
  World w(sc, withThreads(1));
  for (int i = 0; i < 400; ++i) w.step();
  const std::vector<std::uint8_t> bytes = w.checkpoint();
  World target(sc, withThreads(1));
  for (int i = 0; i < 10; ++i) target.step();
  const std::uint64_t before = target.stateHash();
  const std::size_t stride = std::max<std::size_t>(1, bytes.size() / 300);
  for (std::size_t n = 0; n < bytes.size(); n += stride) {
    EXPECT_THROW(target.restore(std::span(bytes).first(n)), LoadError) << n << " bytes";
    std::vector<std::uint8_t> flipped = bytes;
    flipped[n] ^= 0x10;
    EXPECT_THROW(target.restore(flipped), LoadError) << "bit flipped at " << n;
  }
  EXPECT_EQ(target.stateHash(), before);
  target.restore(bytes);
  EXPECT_EQ(target.stateHash(), w.stateHash());
}

// A checkpoint whose checksum is right but whose vehicle record says it serves a transit line or a
// fleet that its trip does not belong to is refused: the stops and the dispatcher would index
// their tables by it (found by the checkpoint fuzzer). The flags byte of record 0 is found from the
// format (checkpoint.cpp, encode): the 52-byte header, the clock section (25 bytes), the vehicles
// section's tag, record count and trips, then per record 44 bytes of numbers, three ids, the route
// index and the type (LEB128 varints), the flags.
TEST(Checkpoint, RefusesAnOrdinaryVehicleMarkedAsTransitOrFleet) {
  const Scenario sc = shipped("hangzhou_real", 300);
  World w(sc, withThreads(1));
  for (int i = 0; i < 60; ++i) w.step();
  const std::vector<std::uint8_t> bytes = w.checkpoint();
  const auto skipVarint = [&](std::size_t at) {
    while (bytes.at(at) & 0x80) ++at;
    return at + 1;
  };
  std::size_t at = 52 + 25 + 1;
  at = skipVarint(at);  // the number of records
  std::uint64_t count = 0;  // of the records' trips, listed next
  for (int shift = 0;; shift += 7) {
    count |= std::uint64_t{bytes.at(at) & 0x7Fu} << shift;
    if (!(bytes.at(at++) & 0x80)) break;
  }
  for (std::uint64_t k = 0; k < count; ++k) at = skipVarint(at);
  at += 44;
  for (int field = 0; field < 5; ++field) at = skipVarint(at);  // track, next connector, yield-to, route index, type
  const auto sealed = [&](std::uint8_t flags) {
    std::vector<std::uint8_t> out = bytes;
    out.at(at) = flags;
    std::uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a over the payload, as the format's checksum
    for (std::size_t i = 52; i < out.size(); ++i) {
      h ^= out[i];
      h *= 0x100000001B3ull;
    }
    for (int i = 0; i < 8; ++i) out[44 + i] = static_cast<std::uint8_t>(h >> (8 * i));
    return out;
  };
  World target(sc, withThreads(1));
  target.restore(sealed(bytes.at(at)));  // the same byte back: accepted
  EXPECT_EQ(target.stateHash(), w.stateHash());
  for (std::uint8_t mark : {std::uint8_t{1u << 4}, std::uint8_t{1u << 7}}) {  // transit, fleet (engine/vehicles.h)
    try {
      target.restore(sealed(static_cast<std::uint8_t>(bytes.at(at) | mark)));
      ADD_FAILURE() << "a vehicle marked " << int(mark) << " was accepted";
    } catch (const LoadError& e) {
      EXPECT_NE(std::string(e.what()).find("serving transit or a fleet"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(target.stateHash(), w.stateHash());
}

TEST(Checkpoint, FilesAreWrittenAtomicallyAndNeverReplacedUnasked) {
  const Scenario sc = shipped("hangzhou_real", 300);
  World w(sc, withThreads(1));
  for (int i = 0; i < 30; ++i) w.step();
  const testing::TempDir tmp;
  const fs::path file = tmp.path() / "checkpoint_test.ckpt";
  fs::remove(file);
  writeCheckpointFile(file, w.checkpoint(), false);
  EXPECT_THROW(writeCheckpointFile(file, w.checkpoint(), false), std::runtime_error);
  writeCheckpointFile(file, w.checkpoint(), true);
  const CheckpointHeader h = readCheckpointHeader(readCheckpointFile(file), file.string());
  EXPECT_EQ(h.steps, 30u);
  EXPECT_EQ(h.timeS, w.timeS());
  EXPECT_EQ(h.fingerprint, scenarioFingerprint(sc));
  std::size_t leftovers = 0;
  for (const auto& entry : fs::directory_iterator(file.parent_path()))
    leftovers += entry.path().filename().string().starts_with(".checkpoint_test.ckpt.tmp");
  EXPECT_EQ(leftovers, 0u);
  fs::remove(file);
  EXPECT_THROW(readCheckpointFile(file), LoadError);
}

}  // namespace
}  // namespace traffic
