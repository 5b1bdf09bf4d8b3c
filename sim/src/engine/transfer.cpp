// The transfer phase: vehicles cross stop lines into the junction box, arrive at the end of their
// routes, and leave the box onto their exit lanes (per junction, two passes; see below).
#include <algorithm>
#include <cassert>

#include "engine/state.h"

namespace traffic::engine {

// What the transferAtJunctions phase reads (const) and writes, by the names of the engine state's subsystems.
struct TransferContext {
  const Executor& exec;
  const NetworkView& view;
  const SimClock& clock;
  Vehicles& vehicles;
  JunctionWork& junctionWork;
};

// Two passes with a barrier between them. A lane is the front of one junction's incoming road and
// the back of another's outgoing road, and both ends change the same occupant list, so the ends
// cannot be handled at once: pass 1 takes vehicles off the front of incoming lanes (into the
// junction's connectors, or out of the network), pass 2 moves them from connectors onto the back
// of exit lanes. Within a pass every list has exactly one writer.
void transferAtJunctions(const Executor& exec, const NetworkView& view, const SimClock& clock, Vehicles& vehicles, JunctionWork& junctionWork) {
  const TransferContext s{exec, view, clock, vehicles, junctionWork};
  const RoadNetwork& net = *s.view.net;
  const double arriveAt = s.clock.nowS + s.clock.dtS;
  // Only junctions with a vehicle on an incoming lane or in the box have anyone to pass on: the
  // junctions at the end of the move phase's tracks with vehicles, ascending. (The tracks filled
  // since the plan phase, by a vehicle leaving a stop bay, hold it at the bay, short of the end.)
  IndexSet& active = s.junctionWork.activeJunctions;
  active.clear();
  if (s.vehicles.denselyOccupied()) {
    active.insertAll();  // cheaper than finding them (see Vehicles::denselyOccupied)
  } else {
    for (const TrackId t : s.vehicles.activeTracks) active.insert(s.view.junctionAtEnd(t).value);
    active.sort();
  }
  s.exec.forEach(active.size(), 8, [&](std::size_t a) {
    const std::size_t i = active[a];
    std::uint32_t arrivals = 0;
    // 1. Incoming lanes: arrivals at the end of a route, or entry into the chosen connector.
    for (LaneId l : s.view.incomingLanes(JunctionId(i))) {
      const TrackId track = s.view.laneTrack(l);
      auto& occ = s.vehicles.occupants[track];
      const double laneLen = s.view.tracks[track].lengthM;
      std::size_t leaving = 0;
      while (leaving < occ.size()) {
        const std::uint32_t id = occ[leaving];
        Vehicle& v = s.vehicles.hot[id];
        if (v.posM <= laneLen) break;
        if (s.vehicles.onLastRoad(id)) {
          v.flags &= ~(kInNetwork | kGranted);
          v.track = {};
          s.vehicles.cold[id].arriveS = arriveAt;
          ++arrivals;
        } else if ((v.flags & kGranted) && v.nextConnector.valid()) {
          v.posM -= laneLen;
          v.track = s.view.connectorTrack(v.nextConnector);
          v.yieldTo = {};  // asked on the lane it leaves, in that lane's coordinates
          v.flags &= ~kGranted;
          v.nextConnector = {};
          ++v.routeIndex;
          s.vehicles.occupants[v.track].push_back(id);
        } else {
          // The move phase never lets an ungranted vehicle past the line; stay defensive.
          v.posM = laneLen;
          break;
        }
        ++leaving;
      }
      occ.erase(occ.begin(), occ.begin() + static_cast<std::ptrdiff_t>(leaving));
    }
    s.junctionWork.arrivalsByJunction[i] = arrivals;
  });
  s.exec.forEach(active.size(), 8, [&](std::size_t a) {
    const std::size_t i = active[a];
    const Junction& j = net.junction(JunctionId(i));
    // 2. Connectors: vehicles reaching the exit lane. Several connectors may feed one lane in the
    //    same step; they are appended furthest first and never overlap the lane's last vehicle. A
    //    vehicle that does not fit (the last vehicle has not cleared the lane start, as when two
    //    merge at once) stays at the end of its connector, with everyone behind it there.
    auto& entering = s.junctionWork.junctionScratch[i];
    entering.clear();
    for (ConnectorId c : j.connectors) {
      const TrackId track = s.view.connectorTrack(c);
      auto& occ = s.vehicles.occupants[track];
      const double len = s.view.tracks[track].lengthM;
      std::size_t leaving = 0;
      while (leaving < occ.size() && s.vehicles.hot[occ[leaving]].posM > len) {
        Vehicle& v = s.vehicles.hot[occ[leaving]];
        v.posM -= len;
        v.track = s.view.laneTrack(net.connector(c).to);
        v.nextConnector = c;  // where it came from, until it has entered
        entering.push_back(occ[leaving]);
        ++leaving;
      }
      occ.erase(occ.begin(), occ.begin() + static_cast<std::ptrdiff_t>(leaving));
    }
    std::sort(entering.begin(), entering.end(), [&](std::uint32_t a, std::uint32_t b) {
      const Vehicle& va = s.vehicles.hot[a];
      const Vehicle& vb = s.vehicles.hot[b];
      if (va.track != vb.track) return va.track < vb.track;
      if (va.posM != vb.posM) return va.posM > vb.posM;
      return s.vehicles.tripBefore(a, b);
    });
    thread_local std::vector<std::uint32_t> heldBack;  // in connector order, front first
    heldBack.clear();
    std::uint32_t clamps = 0;  // moves cut short here (counted as clamped_moves)
    for (std::uint32_t id : entering) {
      Vehicle& v = s.vehicles.hot[id];
      const ConnectorId from(v.nextConnector);
      v.nextConnector = {};
      auto& occ = s.vehicles.occupants[v.track];
      double bound = s.view.tracks[v.track].lengthM;
      double leaderSpeed = v.speedMps;
      if (!occ.empty()) {
        bound = std::min(bound, s.view.rearOf(s.vehicles.hot[occ.back()]));
        leaderSpeed = s.vehicles.hot[occ.back()].speedMps;
      }
      const bool queueHeld = std::any_of(heldBack.begin(), heldBack.end(), [&](std::uint32_t u) {
        return s.vehicles.hot[u].track == s.view.connectorTrack(from);
      });
      if (bound < 0 || queueHeld) {
        // Back to the connector: at its end, or just behind the one held before it there. Both are
        // at or ahead of where it was before this step, so nobody behind it is overtaken.
        const TrackId conTrack = s.view.connectorTrack(from);
        double pos = s.view.tracks[conTrack].lengthM;
        for (std::uint32_t u : heldBack)
          if (s.vehicles.hot[u].track == conTrack) pos = s.vehicles.hot[u].posM - s.view.type(s.vehicles.hot[u]).lengthM;
        v.track = conTrack;
        v.posM = pos;
        v.speedMps = std::min(v.speedMps, std::max(0.0, leaderSpeed));
        heldBack.push_back(id);
        ++clamps;
        // No silent repair: a debug build stops here; a release build counts it.
        assert(!"transfer: a vehicle leaving the junction did not fit behind its exit lane's last vehicle (a clamped move)");
        continue;
      }
      if (v.posM > bound) {
        ++clamps;
        assert(!"transfer: a vehicle leaving the junction overlapped its exit lane's last vehicle (a clamped move)");
        v.posM = bound;
        v.speedMps = std::min(v.speedMps, leaderSpeed);
      }
      occ.push_back(id);
    }
    // Held-back vehicles go back to the front of their connectors, in order.
    for (std::size_t k = heldBack.size(); k-- > 0;) {
      auto& occ = s.vehicles.occupants[s.vehicles.hot[heldBack[k]].track];
      occ.insert(occ.begin(), heldBack[k]);
    }
    s.junctionWork.clampsByJunction[i] = clamps;
  });
}

}  // namespace traffic::engine
