// The environments' observations, rewards and totals for all agents in one pass (env_kernel.h).
//
// Each figure is the one env.py documents, summed in the order numpy's bincount summed it (lane by
// lane within an agent), so the rewards are the same doubles as before the kernel existed.
#include "env_kernel.h"

#include <algorithm>
#include <stdexcept>

#include "traffic/observation.h"
#include "traffic/road_network.h"
#include "traffic/scenario.h"

namespace traffic::python {

namespace {

std::vector<std::size_t> starts(const std::vector<std::int32_t>& counts) {
  std::vector<std::size_t> out(counts.size() + 1, 0);
  for (std::size_t k = 0; k < counts.size(); ++k) out[k + 1] = out[k] + static_cast<std::size_t>(counts[k]);
  return out;
}

}  // namespace

EnvKernel::EnvKernel(EnvLayout layout, const std::vector<std::string>& names, const World& world)
    : m_layout(std::move(layout)) {
  const RoadNetwork& net = *world.scenario().network;
  const std::size_t lanes = net.lanes().size();
  const std::size_t junctions = net.junctions().size();
  const std::size_t n = m_layout.junction.size();
  const auto bad = [&](std::size_t k, const std::string& what) {
    const std::string name = k < names.size() ? names[k] : std::to_string(k);
    return std::invalid_argument("environment agent '" + name + "': " + what);
  };
  if (names.size() != n || m_layout.phaseCount.size() != n || m_layout.inCount.size() != n ||
      m_layout.outCount.size() != n)
    throw std::invalid_argument("environment layout: " + std::to_string(n) +
                                " agents, but the names, phase counts and lane counts differ in length");
  m_inStart = starts(m_layout.inCount);
  m_outStart = starts(m_layout.outCount);
  if (m_inStart.back() != m_layout.inLanes.size() || m_outStart.back() != m_layout.outLanes.size() ||
      m_layout.capacity.size() != m_layout.inLanes.size() || m_layout.speedLimitMps.size() != m_layout.inLanes.size())
    throw std::invalid_argument("environment layout: the lane lists do not add up to the lane counts");
  m_obsOffset.assign(n + 1, 0);
  for (std::size_t k = 0; k < n; ++k) {
    if (m_layout.junction[k] < 0 || static_cast<std::size_t>(m_layout.junction[k]) >= junctions)
      throw bad(k, "junction index " + std::to_string(m_layout.junction[k]) + " out of range");
    if (m_layout.phaseCount[k] <= 0) throw bad(k, "no phases");
    for (std::size_t i = m_inStart[k]; i < m_inStart[k + 1]; ++i) {
      if (m_layout.inLanes[i] < 0 || static_cast<std::size_t>(m_layout.inLanes[i]) >= lanes)
        throw bad(k, "incoming lane index " + std::to_string(m_layout.inLanes[i]) + " out of range");
      if (!(m_layout.capacity[i] > 0) || !(m_layout.speedLimitMps[i] > 0))
        throw bad(k, "lane capacity and speed limit must be > 0");
    }
    for (std::size_t i = m_outStart[k]; i < m_outStart[k + 1]; ++i)
      if (m_layout.outLanes[i] < 0 || static_cast<std::size_t>(m_layout.outLanes[i]) >= lanes)
        throw bad(k, "outgoing lane index " + std::to_string(m_layout.outLanes[i]) + " out of range");
    m_obsOffset[k + 1] = m_obsOffset[k] + static_cast<std::size_t>(m_layout.phaseCount[k]) + 1 +
                         2 * static_cast<std::size_t>(m_layout.inCount[k]);
  }
  m_lastWaiting.assign(n, 0.0);
  m_vehicles.resize(lanes);
  m_halting.resize(lanes);
  m_meanSpeed.resize(lanes);
  m_waiting.resize(lanes);
  m_phase.resize(junctions);
  m_nextPhase.resize(junctions);
  m_stage.resize(junctions);
  m_timeInStage.resize(junctions);
}

void EnvKernel::observe(const World& world, bool start, float* obs, double* rewards, EnvTotals& totals) {
  observeLanes(world, LaneArrays{m_vehicles, m_halting, m_meanSpeed, {}, m_waiting});
  observeSignals(world, SignalArrays{m_phase, m_nextPhase, m_stage, m_timeInStage});
  const std::size_t n = agents();

  // [phase one-hot, minimum-green flag, density per incoming lane, queue per incoming lane]
  std::fill(obs, obs + observationSize(), 0.0f);
  for (std::size_t k = 0; k < n; ++k) {
    const auto j = static_cast<std::size_t>(m_layout.junction[k]);
    const bool green = m_stage[j] == static_cast<std::int32_t>(SignalStageCode::Green);
    const std::int32_t phase = green ? m_phase[j] : m_nextPhase[j];
    float* o = obs + m_obsOffset[k];
    const std::int32_t phases = m_layout.phaseCount[k];
    if (phase >= 0 && phase < phases) o[phase] = 1.0f;
    o[phases] = green && m_timeInStage[j] + 1e-9 >= m_layout.minGreenS ? 1.0f : 0.0f;
    const std::size_t lanes = static_cast<std::size_t>(m_layout.inCount[k]);
    float* density = o + phases + 1;
    float* queue = density + lanes;
    for (std::size_t i = 0; i < lanes; ++i) {
      const std::size_t at = m_inStart[k] + i;
      const auto lane = static_cast<std::size_t>(m_layout.inLanes[at]);
      density[i] = static_cast<float>(std::min(m_vehicles[lane] / m_layout.capacity[at], 1.0));
      queue[i] = static_cast<float>(std::min(m_halting[lane] / m_layout.capacity[at], 1.0));
    }
  }

  // Sum of f(incoming lane) per agent, lane by lane.
  const auto perAgentIn = [&](std::size_t k, auto&& f) {
    double sum = 0;
    for (std::size_t at = m_inStart[k]; at < m_inStart[k + 1]; ++at) sum += f(at, static_cast<std::size_t>(m_layout.inLanes[at]));
    return sum;
  };
  for (std::size_t k = 0; k < n; ++k) {
    switch (m_layout.reward) {
      case EnvReward::None:
        break;
      case EnvReward::DiffWaitingTime:
        break;  // below, for every reward: its state must follow the episode
      case EnvReward::Pressure: {
        double out = 0;
        for (std::size_t at = m_outStart[k]; at < m_outStart[k + 1]; ++at)
          out += m_vehicles[static_cast<std::size_t>(m_layout.outLanes[at])];
        rewards[k] = out - perAgentIn(k, [&](std::size_t, std::size_t lane) { return double(m_vehicles[lane]); });
        break;
      }
      case EnvReward::Queue:
        rewards[k] = -perAgentIn(k, [&](std::size_t, std::size_t lane) { return double(m_halting[lane]); });
        break;
      case EnvReward::Delay:
        rewards[k] = -perAgentIn(k, [&](std::size_t at, std::size_t lane) {
          return m_vehicles[lane] * (1.0 - m_meanSpeed[lane] / m_layout.speedLimitMps[at]);
        });
        break;
      case EnvReward::AverageSpeed: {
        const double total = perAgentIn(k, [&](std::size_t, std::size_t lane) { return double(m_vehicles[lane]); });
        const double moving = perAgentIn(k, [&](std::size_t at, std::size_t lane) {
          return m_vehicles[lane] * (m_meanSpeed[lane] / m_layout.speedLimitMps[at]);
        });
        rewards[k] = total > 0 ? moving / std::max(total, 1.0) : 1.0;
        break;
      }
    }
    if (m_layout.reward == EnvReward::DiffWaitingTime || start) {
      const double now = perAgentIn(k, [&](std::size_t, std::size_t lane) { return m_waiting[lane]; }) / 100.0;
      if (m_layout.reward == EnvReward::DiffWaitingTime && !start) rewards[k] = m_lastWaiting[k] - now;
      m_lastWaiting[k] = now;
    }
  }

  totals.timeS = world.timeS();
  totals.step = world.stepCount();
  totals.stopped = 0;
  totals.waitingS = 0;
  totals.vehicles = 0;
  double speedSum = 0;
  for (std::size_t lane = 0; lane < m_vehicles.size(); ++lane) {
    totals.stopped += m_halting[lane];
    totals.waitingS += m_waiting[lane];
    totals.vehicles += m_vehicles[lane];
    speedSum += m_meanSpeed[lane] * m_vehicles[lane];
  }
  totals.meanSpeedMps = totals.vehicles > 0 ? speedSum / static_cast<double>(totals.vehicles) : 0.0;
}

}  // namespace traffic::python
