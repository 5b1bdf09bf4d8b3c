// The signal controller: green -> yellow -> all-red -> green, with minimum green, driven by a
// policy. See signal.h for why safety lives here and not in the policies.
#include <algorithm>

#include "traffic/signal.h"

#include "signals/policies/phase_lanes.h"

namespace traffic {

char toChar(SignalState s) {
  switch (s) {
    case SignalState::Red: return 'r';
    case SignalState::Yellow: return 'y';
    case SignalState::GreenPermissive: return 'g';
    case SignalState::GreenProtected: return 'G';
  }
  return '?';
}

namespace {

bool movementsConflict(const RoadNetwork& net, MovementId a, MovementId b) {
  for (ConnectorId ca : net.movement(a).connectors)
    for (const Conflict& c : net.connector(ca).conflicts)
      if (net.connector(c.other).movement == b) return true;
  return false;
}

}  // namespace

std::vector<SignalState> phaseMovementStates(const RoadNetwork& net, JunctionId junction, const SignalPhase& phase) {
  const Junction& j = net.junction(junction);
  std::vector<SignalState> states(j.movements.size(), SignalState::Red);
  auto isGreen = [&](MovementId m) { return std::find(phase.green.begin(), phase.green.end(), m) != phase.green.end(); };
  if (j.rightOfWay != RightOfWay::ByTurn) {
    // The map says who gives way (Conflict::yields): its minor greens are the permissive ones.
    for (std::size_t k = 0; k < j.movements.size(); ++k) {
      const MovementId m = j.movements[k];
      if (!isGreen(m)) continue;
      const bool minor = std::find(phase.minor.begin(), phase.minor.end(), m) != phase.minor.end();
      states[k] = minor ? SignalState::GreenPermissive : SignalState::GreenProtected;
    }
    return states;
  }
  for (std::size_t k = 0; k < j.movements.size(); ++k) {
    const MovementId m = j.movements[k];
    if (!isGreen(m)) continue;
    states[k] = SignalState::GreenProtected;
    // Yield to any conflicting green movement that ranks before this one (straight before turns).
    // Equal ranks that conflict (a malformed program) both yield, which is safe if slow.
    for (MovementId other : j.movements) {
      if (other == m || !isGreen(other)) continue;
      if (net.movement(other).priorityRank() <= net.movement(m).priorityRank() && movementsConflict(net, m, other)) {
        states[k] = SignalState::GreenPermissive;
        break;
      }
    }
  }
  return states;
}

std::vector<SignalState> unsignalisedMovementStates(const RoadNetwork& net, JunctionId junction) {
  SignalPhase all;
  all.green = net.junction(junction).movements;
  // Where the map gives right of way, a movement is minor when one of its connectors gives way
  // somewhere or stops first.
  if (net.junction(junction).rightOfWay != RightOfWay::ByTurn) {
    for (MovementId m : all.green) {
      bool minor = false;
      for (ConnectorId c : net.movement(m).connectors) {
        const Connector& con = net.connector(c);
        minor = minor || con.stopFirst ||
                std::any_of(con.conflicts.begin(), con.conflicts.end(), [](const Conflict& k) { return k.yields; });
      }
      if (minor) all.minor.push_back(m);
    }
  }
  return phaseMovementStates(net, junction, all);
}

SignalController::SignalController(const RoadNetwork& net, JunctionId junction, SignalTiming timing,
                                   PriorityRules priority)
    : m_junction(junction), m_timing(timing), m_policyTiming(timing), m_priority(priority) {
  const Junction& j = net.junction(junction);
  m_movements = j.movements;
  if (j.program && !j.program->phases.empty()) {
    m_program = &*j.program;
    for (const SignalPhase& p : m_program->phases) m_phaseStates.push_back(phaseMovementStates(net, junction, p));
    m_phaseLanes = policy_detail::derivePhaseLanes(net, junction, m_program->phases);
    if (m_timing.mapClearance) {
      // Cycle-length formulas (Webster, green waves) see the program's mean clearance per stage.
      double yellow = 0, allRed = 0;
      const auto n = static_cast<int>(m_program->phases.size());
      for (int p = 0; p < n; ++p) {
        yellow += yellowAfter(p);
        allRed += allRedAfter(p);
      }
      m_policyTiming.yellowS = yellow / n;
      m_policyTiming.allRedS = allRed / n;
    }
  } else {
    m_phaseStates.push_back(unsignalisedMovementStates(net, junction));
  }
}

double SignalController::yellowAfter(int phase) const {
  if (m_timing.mapClearance && m_program) {
    const double s = m_program->phases[static_cast<std::size_t>(phase)].yellowAfterS;
    if (s >= 0) return s;
  }
  return m_timing.yellowS;
}

double SignalController::allRedAfter(int phase) const {
  if (m_timing.mapClearance && m_program) {
    const double s = m_program->phases[static_cast<std::size_t>(phase)].allRedAfterS;
    if (s >= 0) return s;
  }
  return m_timing.allRedS;
}

void SignalController::writeStates(std::span<SignalState> movementStates) const {
  const auto& current = m_phaseStates[static_cast<std::size_t>(m_phase)];
  const auto& next = m_phaseStates[static_cast<std::size_t>(m_next)];
  for (std::size_t k = 0; k < m_movements.size(); ++k) {
    SignalState s = current[k];
    if (m_stage != Stage::Green) {
      // A movement green in both phases keeps its green through the change; one that loses it
      // shows yellow, then red during all-red.
      const bool staysGreen = s != SignalState::Red && next[k] != SignalState::Red;
      if (!staysGreen && s != SignalState::Red) s = m_stage == Stage::Yellow ? SignalState::Yellow : SignalState::Red;
    }
    movementStates[m_movements[k].index()] = s;
  }
}

void SignalController::switchTo(int phase) {
  m_next = phase;
  m_stage = yellowAfter(m_phase) > 0 ? Stage::Yellow : (allRedAfter(m_phase) > 0 ? Stage::AllRed : Stage::Green);
  m_timeInStage = 0;
  if (m_stage == Stage::Green) {
    m_phase = m_next;
    m_extendedS = 0;
  }
}

double SignalController::timeUntilGreen(MovementId movement) const {
  const auto k = static_cast<std::size_t>(std::find(m_movements.begin(), m_movements.end(), movement) - m_movements.begin());
  if (k == m_movements.size() || !m_program) return 0;
  const auto n = static_cast<int>(m_phaseStates.size());
  auto green = [&](int p) { return m_phaseStates[static_cast<std::size_t>(p)][k] != SignalState::Red; };
  auto duration = [&](int p) {
    return std::max(m_timing.minGreenS, m_program->phases[static_cast<std::size_t>(p)].durationS);
  };
  auto clearance = [&](int p) { return yellowAfter(p) + allRedAfter(p); };
  double t = 0;
  int phase = 0;
  switch (m_stage) {
    case Stage::Green:
      if (green(m_phase)) return 0;
      t = std::max(0.0, duration(m_phase) - m_timeInStage) + clearance(m_phase);
      phase = (m_phase + 1) % n;
      break;
    case Stage::Yellow:
      if (green(m_phase) && green(m_next)) return 0;  // stays green through the change
      t = std::max(0.0, yellowAfter(m_phase) - m_timeInStage) + allRedAfter(m_phase);
      phase = m_next;
      break;
    case Stage::AllRed:
      t = std::max(0.0, allRedAfter(m_phase) - m_timeInStage);
      phase = m_next;
      break;
  }
  for (int i = 0; i < n; ++i, phase = (phase + 1) % n) {
    if (green(phase)) return t;
    t += duration(phase) + clearance(phase);
  }
  return t;  // no phase serves it; never green
}

int SignalController::phaseServing(MovementId movement) const {
  const auto k = static_cast<std::size_t>(std::find(m_movements.begin(), m_movements.end(), movement) - m_movements.begin());
  if (k == m_movements.size()) return -1;
  if (m_phaseStates[static_cast<std::size_t>(m_phase)][k] != SignalState::Red) return m_phase;
  int permissive = -1;
  for (std::size_t p = 0; p < m_phaseStates.size(); ++p) {
    if (m_phaseStates[p][k] == SignalState::GreenProtected) return static_cast<int>(p);
    if (m_phaseStates[p][k] == SignalState::GreenPermissive && permissive < 0) permissive = static_cast<int>(p);
  }
  return permissive;
}

int SignalController::withPriority(const SignalObservation& obs, int policyChoice, double dtS) {
  // The nearest request of a kind that some phase can serve; ties go to the lower vehicle id, so
  // the choice does not depend on the order requests were collected in.
  auto nearest = [&](SignalPriority kind) -> const PriorityRequest* {
    const PriorityRequest* best = nullptr;
    for (const PriorityRequest& r : obs.requests) {
      if (r.kind != kind || phaseServing(r.movement) < 0) continue;
      if (!best || r.distanceM < best->distanceM || (r.distanceM == best->distanceM && r.vehicle < best->vehicle)) best = &r;
    }
    return best;
  };
  if (m_priority.emergencyPreemption) {
    if (const PriorityRequest* r = nearest(SignalPriority::Emergency)) {
      const int phase = phaseServing(r->movement);
      if (phase != m_phase) ++m_preemptions;
      m_preempted = true;
      return phase;
    }
  }
  m_preempted = false;
  if (m_priority.transitPriority) {
    if (const PriorityRequest* r = nearest(SignalPriority::Transit)) {
      const int phase = phaseServing(r->movement);
      if (phase == m_phase) {
        if (policyChoice != m_phase && m_extendedS + 1e-9 < m_priority.transitMaxExtensionS) {
          if (m_extendedS == 0) ++m_transitExtensions;
          m_extendedS += dtS;
          return m_phase;
        }
      } else if (m_earlyGreenFor != r->vehicle) {
        m_earlyGreenFor = r->vehicle;
        ++m_transitEarlyGreens;
        return phase;
      }
    }
  }
  return policyChoice;
}

void SignalController::update(double nowS, double dtS, const SignalPolicy& policy, std::span<SignalState> movementStates,
                              const SignalObservation& sensed) {
  // The lights of the first stage have been shown for no time yet at the first update; after
  // that, each update comes one step after the previous one.
  if (m_started) m_timeInStage += dtS;
  m_started = true;
  if (m_program) {
    switch (m_stage) {
      case Stage::Green: {
        if (m_timeInStage + 1e-9 < m_timing.minGreenS) break;
        SignalObservation obs = sensed;
        obs.junction = m_junction;
        obs.timing = m_policyTiming;
        obs.nowS = nowS;
        obs.currentPhase = m_phase;
        obs.timeInPhaseS = m_timeInStage;
        obs.phases = m_program->phases;
        obs.offsetS = m_program->offsetS;
        if (obs.network == m_phaseLanes.network) obs.phaseLanes = &m_phaseLanes;
        const int want = withPriority(obs, policy.decide(obs), dtS);
        if (want != m_phase && want >= 0 && want < static_cast<int>(m_phaseStates.size())) switchTo(want);
        break;
      }
      case Stage::Yellow:
        if (m_timeInStage + 1e-9 >= yellowAfter(m_phase)) {
          m_timeInStage = 0;
          if (allRedAfter(m_phase) > 0) {
            m_stage = Stage::AllRed;
          } else {
            m_stage = Stage::Green;
            m_phase = m_next;
            m_extendedS = 0;
          }
        }
        break;
      case Stage::AllRed:
        if (m_timeInStage + 1e-9 >= allRedAfter(m_phase)) {
          m_timeInStage = 0;
          m_stage = Stage::Green;
          m_phase = m_next;
          m_extendedS = 0;
        }
        break;
    }
  }
  writeStates(movementStates);
}

}  // namespace traffic
