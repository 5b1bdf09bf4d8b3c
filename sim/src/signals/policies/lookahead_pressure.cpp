#include "signals/policies/lookahead_pressure.h"

#include <algorithm>
#include <array>

#include "signals/policies/phase_lanes.h"

namespace traffic {

using policy_detail::laneObservation;
using policy_detail::phaseServesLane;

namespace {

// Incoming lanes whose demand is computed once per call, and movements green in every phase.
// Real junctions have a dozen or two of each; beyond the capacity the policy computes on the fly
// (slower, same answer).
constexpr std::size_t kMaxLanes = 64;
constexpr std::size_t kMaxAlwaysGreen = 32;

bool greenInPhase(const SignalPhase& phase, MovementId m) {
  return std::find(phase.green.begin(), phase.green.end(), m) != phase.green.end();
}

bool greenInEveryPhase(const SignalObservation& obs, MovementId m) {
  for (const SignalPhase& phase : obs.phases)
    if (!greenInPhase(phase, m)) return false;
  return !obs.phases.empty();
}

}  // namespace

// What one call computes once and every phase's weight reads.
struct LookaheadPressurePolicy::Scratch {
  std::size_t laneCount = 0;
  std::array<LaneId, kMaxLanes> lanes;
  std::array<double, kMaxLanes> demand;  // the first laneCount are set
  std::size_t alwaysGreenCount = 0;
  std::array<MovementId, kMaxAlwaysGreen> alwaysGreen;
  bool alwaysGreenComplete = true;

  [[nodiscard]] const double* cachedDemand(LaneId lane) const {
    for (std::size_t i = 0; i < laneCount; ++i)
      if (lanes[i] == lane) return &demand[i];
    return nullptr;
  }
  [[nodiscard]] bool isAlwaysGreen(const SignalObservation& obs, MovementId m) const {
    if (!alwaysGreenComplete) return greenInEveryPhase(obs, m);
    for (std::size_t i = 0; i < alwaysGreenCount; ++i)
      if (alwaysGreen[i] == m) return true;
    return false;
  }
};

double LookaheadPressurePolicy::laneDemand(const SignalObservation& obs, LaneId lane) const {
  return laneDemand(obs, lane, phaseServesLane(obs, obs.currentPhase, lane));
}

double LookaheadPressurePolicy::laneDemand(const SignalObservation& obs, LaneId lane, bool green) const {
  const LaneObservation& o = laneObservation(obs, lane);
  // Halting vehicles stand at the front, so those within the approach distance are (nearly) the
  // queue; the rest of `approaching` is moving towards the stop line.
  const double queue = o.queue;
  const double moving = std::max(0.0, static_cast<double>(o.approaching) - queue);
  double demand = queue + (m_params.approachWeight + (green ? m_params.platoonWeight : 0.0)) * moving;
  if (m_params.upstreamWeight > 0 && obs.network != nullptr) {
    const RoadNetwork& net = *obs.network;
    const Junction& upstream = net.junction(net.road(net.lane(lane).road).from);
    double feed = 0;
    for (ConnectorId id : upstream.connectors) {
      const Connector& c = net.connector(id);
      if (c.to != lane) continue;
      // The upstream lane's queue is split evenly over the connectors leaving it.
      const auto fanOut = net.lane(c.from).outgoing.size();
      if (fanOut > 0) feed += laneObservation(obs, c.from).queue / static_cast<double>(fanOut);
    }
    demand += m_params.upstreamWeight * feed;
  }
  return demand;
}

void LookaheadPressurePolicy::evaluate(const SignalObservation& obs, Scratch& s) const {
  s.laneCount = 0;
  s.alwaysGreenCount = 0;
  s.alwaysGreenComplete = true;
  if (obs.network == nullptr) return;
  const RoadNetwork& net = *obs.network;
  if (const PhaseLanes* pl = obs.phaseLanes) {
    // The same lanes in the same order, with whether the current phase serves each at hand.
    const std::size_t n = pl->incoming.size();
    const bool current = obs.currentPhase >= 0 && static_cast<std::size_t>(obs.currentPhase) < pl->phaseCount();
    for (std::size_t i = 0; i < n && s.laneCount < kMaxLanes; ++i, ++s.laneCount) {
      const bool green = current && pl->serves[static_cast<std::size_t>(obs.currentPhase) * n + i] != 0;
      s.lanes[s.laneCount] = pl->incoming[i];
      s.demand[s.laneCount] = laneDemand(obs, pl->incoming[i], green);
    }
    return;  // phaseValue reads from the table which pairs every phase serves
  }
  for (RoadId r : net.junction(obs.junction).incoming)
    for (LaneId l : net.road(r).lanes) {
      if (s.laneCount == kMaxLanes) break;
      s.lanes[s.laneCount] = l;
      s.demand[s.laneCount] = laneDemand(obs, l, phaseServesLane(obs, obs.currentPhase, l));
      ++s.laneCount;
    }
  // A movement green in every phase is green in the first one.
  if (obs.phases.empty()) return;
  for (MovementId m : obs.phases.front().green) {
    if (!greenInEveryPhase(obs, m)) continue;
    if (s.alwaysGreenCount == kMaxAlwaysGreen) {
      s.alwaysGreenComplete = false;
      break;
    }
    s.alwaysGreen[s.alwaysGreenCount++] = m;
  }
}

LookaheadPressurePolicy::PhaseValue LookaheadPressurePolicy::phaseValue(const SignalObservation& obs, int phase,
                                                        const Scratch& s) const {
  PhaseValue v;
  // `demand`: of incoming lane `from`, computed once per call where it could be.
  auto add = [&](LaneId from, LaneId to, double demand) {
    const LaneObservation& down = laneObservation(obs, to);
    const bool full = down.occupancy >= m_params.spillbackOccupancy;
    const double w = demand - static_cast<double>(down.queue);
    v.weight += full ? std::min(0.0, w) : w;
    if (full) return;
    v.canServe = v.canServe || demand > 0;
    const LaneObservation& in = laneObservation(obs, from);
    if (phase != obs.currentPhase && in.queue > 0 && in.waitingS >= m_params.maxWaitS * in.queue)
      v.starvedWaitS = std::max(v.starvedWaitS, static_cast<double>(in.waitingS));
  };
  // A movement every phase serves adds the same to every phase: it says nothing.
  if (const PhaseLanes* pl = obs.phaseLanes) {
    if (phase < 0 || static_cast<std::size_t>(phase) >= pl->phaseCount()) return v;
    const auto p = static_cast<std::size_t>(phase);
    for (std::uint32_t k = pl->pairStart[p]; k < pl->pairStart[p + 1]; ++k) {
      const PhaseLanes::Pair& pair = pl->pairs[k];
      if (pair.everyPhase) continue;
      add(pair.from, pair.to, pair.fromIndex < s.laneCount ? s.demand[pair.fromIndex] : laneDemand(obs, pair.from));
    }
    return v;
  }
  policy_detail::forEachLanePair(obs, phase, [&](MovementId movement, LaneId from, LaneId to) {
    if (s.isAlwaysGreen(obs, movement)) return;
    const double* cached = s.cachedDemand(from);
    add(from, to, cached != nullptr ? *cached : laneDemand(obs, from));
  });
  return v;
}

double LookaheadPressurePolicy::weight(const SignalObservation& obs, int phase) const {
  Scratch s;
  evaluate(obs, s);
  return phaseValue(obs, phase, s).weight;
}

bool LookaheadPressurePolicy::canServe(const SignalObservation& obs, int phase) const {
  Scratch s;
  evaluate(obs, s);
  return phaseValue(obs, phase, s).canServe;
}

int LookaheadPressurePolicy::decide(const SignalObservation& obs) const {
  const int n = static_cast<int>(obs.phases.size());
  const int current = obs.currentPhase;
  if (n <= 1 || current < 0 || current >= n || obs.network == nullptr) return current;
  Scratch s;
  evaluate(obs, s);

  const PhaseValue now = phaseValue(obs, current, s);
  int best = -1;  // the heaviest other phase that can serve someone; ties: the lowest index
  double bestWeight = 0;
  int starved = -1;  // the other phase with the longest-waiting starved queue
  double starvedWaitS = 0;
  for (int p = 0; p < n; ++p) {
    if (p == current) continue;
    const PhaseValue v = phaseValue(obs, p, s);
    if (v.canServe && (best < 0 || v.weight > bestWeight)) {
      best = p;
      bestWeight = v.weight;
    }
    if (v.starvedWaitS > starvedWaitS) {
      starved = p;
      starvedWaitS = v.starvedWaitS;
    }
  }
  if (best < 0) return current;  // nobody else to serve: ending the green would help no one

  const double t = obs.timeInPhaseS + 1e-9;
  // Empty, or feeding only nearly full lanes: leave, even before min_phase_s.
  if (!now.canServe) return starved >= 0 ? starved : best;
  if (t < m_params.minPhaseS) return current;
  if (starved >= 0) return starved;
  if (t >= m_params.maxPhaseS) return best;
  return bestWeight > 0 && bestWeight > now.weight + m_params.hysteresisVeh ? best : current;
}

}  // namespace traffic
