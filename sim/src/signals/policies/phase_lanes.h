// Which lanes a phase serves, and what their sensors say: the vocabulary shared by the adaptive
// signal policies.
//
// A phase serves a lane when one of the phase's green movements has a connector starting on it.
// Lanes are visited straight from the network's movement and connector lists, without building
// per-call sets: `decide` runs for every junction on worker threads, and a junction has a few
// dozen connectors at most, so a quadratic scan to skip duplicates is cheaper than an allocation.
//
// Everything here is a pure function of the observation. When the observation carries no network
// (a controller that does not sense) or no reading for a lane, the lane reads as empty (no vehicles,
// no detector hit for ever), so policies degrade to their no-demand behaviour instead of failing.
#pragma once

#include <cstddef>

#include "traffic/signal.h"

namespace traffic::policy_detail {

/// The sensors of `lane`: from `allLanes` when it covers the lane, else from the junction's own
/// incoming and outgoing readings, else an empty reading.
inline const LaneObservation& laneObservation(const SignalObservation& obs, LaneId lane) {
  static const LaneObservation kEmpty{};
  if (lane.index() < obs.allLanes.size()) return obs.allLanes[lane.index()];
  for (const LaneObservation& o : obs.incoming)
    if (o.lane == lane) return o;
  for (const LaneObservation& o : obs.outgoing)
    if (o.lane == lane) return o;
  return kEmpty;
}

/// Whether phase `phase` has a green movement leaving `lane`.
inline bool phaseServesLane(const SignalObservation& obs, int phase, LaneId lane) {
  if (obs.network == nullptr || phase < 0 || static_cast<std::size_t>(phase) >= obs.phases.size()) return false;
  for (MovementId m : obs.phases[static_cast<std::size_t>(phase)].green)
    for (ConnectorId c : obs.network->movement(m).connectors)
      if (obs.network->connector(c).from == lane) return true;
  return false;
}

/// Whether every phase of the program serves `lane` (a slip lane or a right turn that is never
/// stopped): such a lane says nothing about which phase to serve.
inline bool servedByEveryPhase(const SignalObservation& obs, LaneId lane) {
  for (std::size_t p = 0; p < obs.phases.size(); ++p)
    if (!phaseServesLane(obs, static_cast<int>(p), lane)) return false;
  return !obs.phases.empty();
}

/// Calls `fn(LaneId, const LaneObservation&)` once for each distinct incoming lane served by
/// `phase`, in the order of the phase's movements and their connectors.
template <class Fn>
void forEachServedLane(const SignalObservation& obs, int phase, Fn&& fn) {
  if (obs.network == nullptr || phase < 0 || static_cast<std::size_t>(phase) >= obs.phases.size()) return;
  const RoadNetwork& net = *obs.network;
  const auto& green = obs.phases[static_cast<std::size_t>(phase)].green;
  for (std::size_t i = 0; i < green.size(); ++i) {
    const auto& connectors = net.movement(green[i]).connectors;
    for (std::size_t k = 0; k < connectors.size(); ++k) {
      const LaneId lane = net.connector(connectors[k]).from;
      // Skip a lane already visited through an earlier connector of this phase.
      bool seen = false;
      for (std::size_t i2 = 0; i2 <= i && !seen; ++i2) {
        const auto& earlier = net.movement(green[i2]).connectors;
        const std::size_t end = i2 == i ? k : earlier.size();
        for (std::size_t k2 = 0; k2 < end && !seen; ++k2) seen = net.connector(earlier[k2]).from == lane;
      }
      if (!seen) fn(lane, laneObservation(obs, lane));
    }
  }
}

/// Calls `fn(MovementId, LaneId from, LaneId to)` once for each distinct (from lane, to lane) pair
/// of the green connectors of `phase`, with the first movement that has it.
template <class Fn>
void forEachLanePair(const SignalObservation& obs, int phase, Fn&& fn) {
  if (obs.network == nullptr || phase < 0 || static_cast<std::size_t>(phase) >= obs.phases.size()) return;
  const RoadNetwork& net = *obs.network;
  const auto& green = obs.phases[static_cast<std::size_t>(phase)].green;
  for (std::size_t i = 0; i < green.size(); ++i) {
    const auto& connectors = net.movement(green[i]).connectors;
    for (std::size_t k = 0; k < connectors.size(); ++k) {
      const Connector& c = net.connector(connectors[k]);
      bool seen = false;  // quadratic, but a phase has a few dozen connectors at most
      for (std::size_t i2 = 0; i2 <= i && !seen; ++i2) {
        const auto& earlier = net.movement(green[i2]).connectors;
        const std::size_t end = i2 == i ? k : earlier.size();
        for (std::size_t k2 = 0; k2 < end && !seen; ++k2) {
          const Connector& e = net.connector(earlier[k2]);
          seen = e.from == c.from && e.to == c.to;
        }
      }
      if (!seen) fn(green[i], c.from, c.to);
    }
  }
}

}  // namespace traffic::policy_detail
