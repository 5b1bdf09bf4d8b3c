// Which lanes a phase serves, and what their sensors say: the vocabulary shared by the adaptive
// signal policies.
//
// A phase serves a lane when one of the phase's green movements has a connector starting on it.
// Lanes are visited straight from the network's movement and connector lists, without building
// per-call sets: `decide` runs for every junction on worker threads, and a junction has a few
// dozen connectors at most, so a quadratic scan to skip duplicates is cheaper than an allocation.
//
// The controller derives the answers once per junction (PhaseLanes, derivePhaseLanes below) and
// its observations carry them; the scans are for observations built without them.
//
// Everything here is a pure function of the observation. When the observation carries no network
// (a controller that does not sense) or no reading for a lane, the lane reads as empty (no vehicles,
// no detector hit for ever), so policies degrade to their no-demand behaviour instead of failing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

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
  if (const PhaseLanes* pl = obs.phaseLanes) {
    const std::size_t n = pl->incoming.size();
    for (std::size_t i = 0; i < n; ++i)
      if (pl->incoming[i] == lane) return pl->serves[static_cast<std::size_t>(phase) * n + i] != 0;
  }  // not one of the junction's incoming lanes: scanned below
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
  if (const PhaseLanes* pl = obs.phaseLanes) {
    const auto p = static_cast<std::size_t>(phase);
    for (std::uint32_t k = pl->servedStart[p]; k < pl->servedStart[p + 1]; ++k) fn(pl->served[k], laneObservation(obs, pl->served[k]));
    return;
  }
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
  if (const PhaseLanes* pl = obs.phaseLanes) {
    const auto p = static_cast<std::size_t>(phase);
    for (std::uint32_t k = pl->pairStart[p]; k < pl->pairStart[p + 1]; ++k) fn(pl->pairs[k].movement, pl->pairs[k].from, pl->pairs[k].to);
    return;
  }
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

/// The PhaseLanes of junction `junction` under `phases`, by the scans above (the same answers, in
/// the same order, as an observation without them gets).
inline PhaseLanes derivePhaseLanes(const RoadNetwork& net, JunctionId junction, std::span<const SignalPhase> phases) {
  PhaseLanes pl;
  pl.network = &net;
  SignalObservation obs;  // what the scans read: no phaseLanes, so they scan
  obs.junction = junction;
  obs.network = &net;
  obs.phases = phases;
  for (RoadId r : net.junction(junction).incoming)
    for (LaneId l : net.road(r).lanes) pl.incoming.push_back(l);
  auto indexOf = [&pl](LaneId lane) {
    for (std::size_t i = 0; i < pl.incoming.size(); ++i)
      if (pl.incoming[i] == lane) return static_cast<std::uint32_t>(i);
    return static_cast<std::uint32_t>(pl.incoming.size());
  };
  auto everyPhase = [&phases](MovementId m) {
    for (const SignalPhase& p : phases)
      if (std::find(p.green.begin(), p.green.end(), m) == p.green.end()) return false;
    return true;
  };
  const std::size_t n = pl.incoming.size();
  pl.serves.assign(phases.size() * n, 0);
  for (std::size_t p = 0; p < phases.size(); ++p) {
    pl.pairStart.push_back(static_cast<std::uint32_t>(pl.pairs.size()));
    pl.servedStart.push_back(static_cast<std::uint32_t>(pl.served.size()));
    forEachLanePair(obs, static_cast<int>(p), [&](MovementId m, LaneId from, LaneId to) {
      pl.pairs.push_back({m, from, to, indexOf(from), everyPhase(m)});
    });
    forEachServedLane(obs, static_cast<int>(p), [&](LaneId lane, const LaneObservation&) {
      pl.served.push_back(lane);
      if (const std::uint32_t i = indexOf(lane); i < n) pl.serves[p * n + i] = 1;
    });
  }
  pl.pairStart.push_back(static_cast<std::uint32_t>(pl.pairs.size()));
  pl.servedStart.push_back(static_cast<std::uint32_t>(pl.served.size()));
  return pl;
}

}  // namespace traffic::policy_detail
