// A signal policy steered from outside the engine: an agent (Python, a learning algorithm, a
// remote service) asks for a phase at the junctions it controls, and every other junction keeps the
// scenario's own policy.
//
// Why a policy and not a way to set the lights: it sits where every policy sits, behind the signal
// controller, so the controller's guarantees hold for outside control too. A requested phase is
// served only after the current green has had its minimum, with yellow and all-red in between, and
// emergency pre-emption and transit priority still override it. A request is sticky: the junction
// holds the requested phase until another request or release().
//
// Threading: the world calls decide() from worker threads during a step; request() and release()
// must be called between steps (from the thread that steps the world), which is what makes the
// unsynchronised reads in decide() safe. Determinism: decide() is a pure function of the requests
// and the observation, so a run is reproducible given the same requests at the same steps.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "traffic/road_network.h"
#include "traffic/signal.h"

namespace traffic {

class ExternalPhasePolicy final : public SignalPolicy {
 public:
  /// `fallback` decides for every junction without a request; `net` must outlive the policy.
  ExternalPhasePolicy(const RoadNetwork& net, std::unique_ptr<SignalPolicy> fallback);

  [[nodiscard]] std::string_view name() const override { return m_fallback->name(); }
  [[nodiscard]] bool usesObservations() const override { return m_fallback->usesObservations(); }
  [[nodiscard]] int decide(const SignalObservation& obs) const override;
  /// The requests, then the fallback policy's own state (checkpoints).
  [[nodiscard]] std::vector<std::uint8_t> saveState() const override;
  void restoreState(std::span<const std::uint8_t> bytes) override;

  /// Serve `phase` (an index into the junction's signal program) at `junction` from now on.
  /// Throws std::out_of_range for a junction or phase index out of range and std::invalid_argument
  /// for a junction without a signal program; nothing changes then.
  void request(JunctionId junction, int phase);
  /// Give `junction` back to the fallback policy. Throws std::out_of_range for a bad index.
  void release(JunctionId junction);
  void releaseAll();
  /// The phase requested at `junction`, or -1 when the fallback policy decides there.
  [[nodiscard]] int requested(JunctionId junction) const;
  [[nodiscard]] const SignalPolicy& fallback() const { return *m_fallback; }

 private:
  const RoadNetwork* m_net;
  std::unique_ptr<SignalPolicy> m_fallback;
  std::vector<std::int32_t> m_requested;  // per junction, -1: the fallback decides
};

}  // namespace traffic
