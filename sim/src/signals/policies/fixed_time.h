// Fixed-time control: every phase is held for its programmed green time, in program order.
#pragma once

#include <optional>

#include "traffic/signal.h"

namespace traffic {

class FixedTimePolicy final : public SignalPolicy {
 public:
  /// `greenS`, when set, replaces every phase's programmed duration.
  explicit FixedTimePolicy(std::optional<double> greenS = std::nullopt) : m_greenS(greenS) {}
  [[nodiscard]] std::string_view name() const override { return "fixed_time"; }
  [[nodiscard]] int decide(const SignalObservation& obs) const override;
  [[nodiscard]] bool usesObservations() const override { return false; }

 private:
  std::optional<double> m_greenS;
};

}  // namespace traffic
