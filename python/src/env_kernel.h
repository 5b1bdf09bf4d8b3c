// The per-step arithmetic of the signal-control environments (python/trafficsim/env.py), for all
// agents at once: sumo-rl's observation vectors, the built-in rewards and the system figures of
// `info`, computed from one reading of the lanes and signals.
//
// Why it exists: an environment step for 16 agents was a dozen numpy calls and a few dicts built in
// Python, as long as the engine's own step when agents act every second. Here it is one pass over
// flat index arrays built once, with no Python object created; the binding (module.cpp) then wraps
// the results in the dicts the PettingZoo API returns.
//
// Guarantees:
// - The figures are those env.py defines (its docstring), computed in the same order as its numpy
//   version did, so rewards and observations are the same numbers.
// - Threading: one kernel belongs to one environment; observe() only reads the world, between steps.
// - Errors: the constructor checks every index against the network and throws std::invalid_argument
//   naming the agent and the bad value; observe() cannot fail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "traffic/world.h"

namespace traffic::python {

/// The rewards env.py computes itself (a callable reward is Python's and is computed there).
enum class EnvReward : int { None = -1, DiffWaitingTime = 0, Pressure = 1, Queue = 2, Delay = 3, AverageSpeed = 4 };

/// The agents' layout, agent by agent: its junction, its phase count, its incoming and outgoing
/// lanes (concatenated over agents, with a count per agent), and per incoming lane the capacity
/// (vehicles that fit) and the speed limit.
struct EnvLayout {
  std::vector<std::int32_t> junction;
  std::vector<std::int32_t> phaseCount;
  std::vector<std::int32_t> inLanes, inCount;
  std::vector<std::int32_t> outLanes, outCount;
  std::vector<double> capacity;
  std::vector<double> speedLimitMps;
  double minGreenS = 0;
  EnvReward reward = EnvReward::None;
};

/// The network-wide figures env.py puts in every agent's info.
struct EnvTotals {
  double timeS = 0;
  std::uint64_t step = 0;
  std::int64_t stopped = 0;
  double waitingS = 0;
  double meanSpeedMps = 0;
  std::int64_t vehicles = 0;
};

class EnvKernel {
 public:
  /// Throws std::invalid_argument when an index or size does not fit `world`'s network.
  EnvKernel(EnvLayout layout, const std::vector<std::string>& names, const World& world);

  std::size_t agents() const { return m_layout.junction.size(); }
  /// Length of all agents' observations together, and where agent k's starts (k = agents(): the end).
  std::size_t observationSize() const { return m_obsOffset.back(); }
  std::size_t observationOffset(std::size_t k) const { return m_obsOffset[k]; }
  int phaseCount(std::size_t k) const { return m_layout.phaseCount[k]; }
  int junction(std::size_t k) const { return m_layout.junction[k]; }
  EnvReward reward() const { return m_layout.reward; }

  /// Reads the world and writes every agent's observation into `obs` (observationSize() floats),
  /// its reward into `rewards` (agents() doubles; untouched for EnvReward::None) and the totals.
  /// `start` begins an episode: the waiting-time difference restarts from the current waiting.
  void observe(const World& world, bool start, float* obs, double* rewards, EnvTotals& totals);

 private:
  EnvLayout m_layout;
  std::vector<std::size_t> m_obsOffset;  // agents() + 1
  std::vector<std::size_t> m_inStart, m_outStart;  // agents() + 1
  std::vector<double> m_lastWaiting;     // per agent, for the waiting-time difference
  // The last reading of the lanes and signals, reused from step to step.
  std::vector<std::int32_t> m_vehicles, m_halting, m_phase, m_nextPhase, m_stage;
  std::vector<double> m_meanSpeed, m_waiting, m_timeInStage;
};

}  // namespace traffic::python
