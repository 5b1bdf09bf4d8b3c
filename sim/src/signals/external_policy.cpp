// ExternalPhasePolicy: requested phases where asked, the fallback policy elsewhere (see
// traffic/external_policy.h for why control from outside goes through a policy).
#include "traffic/external_policy.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace traffic {

ExternalPhasePolicy::ExternalPhasePolicy(const RoadNetwork& net, std::unique_ptr<SignalPolicy> fallback)
    : m_net(&net), m_fallback(std::move(fallback)), m_requested(net.junctions().size(), -1) {
  if (!m_fallback) throw std::invalid_argument("ExternalPhasePolicy needs a fallback policy");
}

int ExternalPhasePolicy::decide(const SignalObservation& obs) const {
  const std::int32_t want = obs.junction.index() < m_requested.size() ? m_requested[obs.junction.index()] : -1;
  return want >= 0 ? want : m_fallback->decide(obs);
}

// Little-endian: the junction count, each junction's request (int32, -1 for none), the length of
// the fallback's state and that state.
std::vector<std::uint8_t> ExternalPhasePolicy::saveState() const {
  std::vector<std::uint8_t> out;
  auto put32 = [&out](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  put32(static_cast<std::uint32_t>(m_requested.size()));
  for (std::int32_t r : m_requested) put32(static_cast<std::uint32_t>(r));
  const std::vector<std::uint8_t> fallback = m_fallback->saveState();
  put32(static_cast<std::uint32_t>(fallback.size()));
  out.insert(out.end(), fallback.begin(), fallback.end());
  return out;
}

void ExternalPhasePolicy::restoreState(std::span<const std::uint8_t> bytes) {
  std::size_t at = 0;
  auto get32 = [&]() {
    if (bytes.size() - at < 4) throw std::invalid_argument("the external policy's state ends early");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(bytes[at++]) << (8 * i);
    return v;
  };
  if (get32() != m_requested.size())
    throw std::invalid_argument("the external policy's state is for another number of junctions");
  std::vector<std::int32_t> requested(m_requested.size());
  for (std::size_t j = 0; j < requested.size(); ++j) {
    requested[j] = static_cast<std::int32_t>(get32());
    const Junction& junction = m_net->junction(JunctionId(j));
    const int phases = junction.program ? static_cast<int>(junction.program->phases.size()) : 0;
    if (requested[j] < -1 || requested[j] >= phases)
      throw std::invalid_argument("junction '" + junction.name + "': requested phase " + std::to_string(requested[j]) +
                                  " out of range");
  }
  const std::uint32_t n = get32();
  if (bytes.size() - at != n) throw std::invalid_argument("the external policy's state has a wrong length");
  m_fallback->restoreState(bytes.subspan(at));
  m_requested = std::move(requested);
}

void ExternalPhasePolicy::request(JunctionId junction, int phase) {
  if (junction.index() >= m_requested.size())
    throw std::out_of_range("junction index " + std::to_string(junction.value) + " out of range (the network has " +
                            std::to_string(m_requested.size()) + " junctions)");
  const Junction& j = m_net->junction(junction);
  if (!j.program || j.program->phases.empty())
    throw std::invalid_argument("junction '" + j.name + "' has no signal program to control");
  const auto phases = static_cast<int>(j.program->phases.size());
  if (phase < 0 || phase >= phases)
    throw std::out_of_range("junction '" + j.name + "': phase " + std::to_string(phase) + " out of range (it has " +
                            std::to_string(phases) + " phases, 0 to " + std::to_string(phases - 1) + ")");
  m_requested[junction.index()] = phase;
}

void ExternalPhasePolicy::release(JunctionId junction) {
  if (junction.index() >= m_requested.size())
    throw std::out_of_range("junction index " + std::to_string(junction.value) + " out of range (the network has " +
                            std::to_string(m_requested.size()) + " junctions)");
  m_requested[junction.index()] = -1;
}

void ExternalPhasePolicy::releaseAll() { std::fill(m_requested.begin(), m_requested.end(), -1); }

int ExternalPhasePolicy::requested(JunctionId junction) const {
  return junction.index() < m_requested.size() ? m_requested[junction.index()] : -1;
}

}  // namespace traffic
