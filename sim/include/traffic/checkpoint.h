// Checkpoints: the complete dynamic state of a World as bytes, and back.
//
// World::checkpoint() encodes everything that changes while a world runs (the clock, every
// vehicle's hot and cold record, who is on each lane and connector, stop bays, entry queues,
// signal controllers and the policy's own state, lane sensors, transit runs and passengers,
// fleet vehicles, plans and ride requests, the counters and the time series). World::restore()
// puts it into a world built from the same scenario, which then continues bit-identically: the
// same stateHash() at every later step and the same outputs as the run that was never stopped.
// (Wall-clock figures, the phase profile and wall_seconds, are not state and start again.)
// Random numbers are counter-based (random.h), so there is no generator state to save.
//
// Format (little-endian; docs/checkpoints.md):
//   8 bytes  magic "TSCKPT\r\n"
//   u32      format version (kCheckpointVersion; changes with the state's layout)
//   u64      scenario fingerprint (scenarioFingerprint)
//   u64      steps done, f64 simulated time
//   u64      payload length, u64 FNV-1a checksum of the payload
//   payload  the subsystems in a fixed order, each opened by its section tag
// A checkpoint of another scenario (or the same file with another seed, duration, policy or
// override), of another format version, truncated or corrupted is refused with a LoadError
// naming the source and the reason; no input makes the reader touch memory out of bounds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "traffic/scenario.h"

namespace traffic {

inline constexpr std::uint32_t kCheckpointVersion = 8;  // 2: transit dwell counts and holding; no junction scratch; per-trip time loss; 3: time waiting at an all-way stop; 4: routes after missed turns; 5: halts inside junction boxes; 6: fleet movement delays; 7: no per-track tallies (zero between steps); 8: the trip each vehicle record holds

/// A hash of what a run of `scenario` depends on: the network, the trips and their routes, the
/// vehicle types, transit and fleets, the seed, step, duration, signal policy and settings. Two
/// loads of the same file with the same overrides give the same value.
std::uint64_t scenarioFingerprint(const Scenario& scenario);

/// What the header of a checkpoint says.
struct CheckpointHeader {
  std::uint32_t version = 0;
  std::uint64_t fingerprint = 0;
  std::uint64_t steps = 0;
  double timeS = 0;
};

/// Reads and checks the header and the checksum of `bytes`; throws LoadError naming `source`.
CheckpointHeader readCheckpointHeader(std::span<const std::uint8_t> bytes, const std::string& source);

/// The bytes of a checkpoint file; throws LoadError naming the file when it cannot be read.
std::vector<std::uint8_t> readCheckpointFile(const std::filesystem::path& file);
/// Writes `bytes` to `file` atomically (a temporary file beside it, renamed into place), so that
/// an interrupted write never leaves a partial checkpoint under the name. Refuses an existing
/// file unless `replace`; throws std::runtime_error naming the file.
void writeCheckpointFile(const std::filesystem::path& file, std::span<const std::uint8_t> bytes, bool replace);

}  // namespace traffic
