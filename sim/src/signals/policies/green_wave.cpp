#include "signals/policies/green_wave.h"

#include <cmath>

namespace traffic {

double greenWaveAxisPositionM(const RoadNetwork& net, JunctionId junction, std::span<const SignalPhase> phases) {
  const Vec2 here = net.junction(junction).position;
  if (phases.empty() || phases.front().green.empty()) return here.x;
  const auto& green = phases.front().green;
  MovementId through = green.front();
  for (MovementId m : green) {
    if (net.movement(m).turn == TurnType::Straight) {
      through = m;
      break;
    }
  }
  // The direction the through traffic arrives from, judged from the approach road's end junctions
  // (a road's shape may bend; its ends say which axis it follows).
  const Vec2 upstream = net.junction(net.road(net.movement(through).fromRoad).from).position;
  const Vec2 d = here - upstream;
  return std::abs(d.x) >= std::abs(d.y) ? here.x : here.y;
}

double GreenWavePolicy::greenOf(const SignalObservation& obs, std::size_t phase) const {
  return m_params.greenS.value_or(obs.phases[phase].durationS);
}

double GreenWavePolicy::cycleS(const SignalObservation& obs) const {
  double cycle = 0;
  for (std::size_t p = 0; p < obs.phases.size(); ++p) cycle += greenOf(obs, p) + obs.timing.yellowS + obs.timing.allRedS;
  return cycle;
}

double GreenWavePolicy::offsetS(const SignalObservation& obs) const {
  const double cycle = cycleS(obs);
  if (obs.network == nullptr || cycle <= 0) return 0;
  const double shift =
      obs.offsetS + greenWaveAxisPositionM(*obs.network, obs.junction, obs.phases) / m_params.designSpeedMps;
  const double offset = std::fmod(shift, cycle);
  return offset < 0 ? offset + cycle : offset;
}

int GreenWavePolicy::decide(const SignalObservation& obs) const {
  const int n = static_cast<int>(obs.phases.size());
  const double cycle = cycleS(obs);
  if (n <= 1 || cycle <= 0) return obs.currentPhase;
  double t = std::fmod(obs.nowS - offsetS(obs), cycle);
  if (t < 0) t += cycle;
  // Walk the timeline: a green slot belongs to its phase; a clearance slot to the phase after it,
  // which is what the controller should be clearing towards.
  const double clearanceS = obs.timing.yellowS + obs.timing.allRedS;
  double startS = 0;
  for (int p = 0; p < n; ++p) {
    const double greenS = greenOf(obs, static_cast<std::size_t>(p));
    if (t + 1e-9 < startS + greenS) return p;
    if (t + 1e-9 < startS + greenS + clearanceS) return (p + 1) % n;
    startS += greenS + clearanceS;
  }
  return 0;  // rounding at the very end of the cycle: phase 0 is next
}

}  // namespace traffic
