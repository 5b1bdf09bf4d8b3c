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
