// libFuzzer harness for checkpoints (World::restore, sim/src/engine/checkpoint.cpp). The input is
// the payload of a checkpoint (what follows the header) of tests/fuzz/checkpoint.toml, a 2x2 grid
// written for this harness that carries every kind of state the format has: ordinary, transit,
// fleet and emergency vehicles, an entry queue, signals with priority requests and a pre-emption,
// loop detectors, transit runs with passengers, fleet vehicles with riders and open requests. The
// harness puts a valid header with the right length and checksum in front of the input, so that
// mutations reach the decoder instead of stopping at the checksum. Restoring must succeed or throw
// LoadError; a world that accepted the bytes must then step without a crash or an invariant
// failure it did not have. No seeds are needed: the empty input stands for a real checkpoint, taken
// once at t = 120 s.
//
// The scenario is small on purpose. The harness restored grid_10x10 before (100 signalised
// junctions, no transit, no fleet): building its worlds, the harness's and the one restore decodes
// into, took half of each execution, and its checkpoints were 688 KB (28 executions per CPU second;
// now 700 to 1,000, see tests/fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "traffic/checkpoint.h"
#include "traffic/errors.h"
#include "traffic/world.h"

namespace {

constexpr std::size_t kHeaderBytes = 52;  // traffic/checkpoint.h: magic, version, fingerprint, steps, time, length, checksum

const traffic::Scenario& scenario() {
  static const traffic::Scenario sc = traffic::loadScenario(std::string(TRAFFIC_SOURCE_DIR) + "/tests/fuzz/checkpoint.toml");
  return sc;
}

const std::vector<std::uint8_t>& validCheckpoint() {
  static const std::vector<std::uint8_t> bytes = [] {
    traffic::World w(scenario(), traffic::WorldOptions{1});
    while (w.timeS() < 120) w.step();
    return w.checkpoint();
  }();
  return bytes;
}

void put64(std::vector<std::uint8_t>& out, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t>& valid = validCheckpoint();
  std::vector<std::uint8_t> bytes(valid.begin(), valid.begin() + kHeaderBytes);
  if (size == 0) bytes = valid;  // the empty input stands for the real checkpoint
  else bytes.insert(bytes.end(), data, data + size);
  put64(bytes, 36, bytes.size() - kHeaderBytes);
  std::uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a, as the format's checksum
  for (std::size_t i = kHeaderBytes; i < bytes.size(); ++i) {
    h ^= bytes[i];
    h *= 0x100000001B3ull;
  }
  put64(bytes, 44, h);
  // One world for all inputs: restore decodes into a fresh world of the scenario and swaps it in
  // only when it accepts the bytes, so what an input does never depends on the inputs before it
  // (the policy object, which the world keeps, holds no state a checkpoint does not restore).
  static traffic::World world(scenario(), traffic::WorldOptions{1});
  try {
    world.restore(bytes, "fuzz input");
  } catch (const traffic::LoadError&) {
    return 0;
  }
  for (int i = 0; i < 20 && !world.finished(); ++i) world.step();
  return 0;
}
