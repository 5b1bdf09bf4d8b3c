// Renumbering the vehicle records junction by junction (see Vehicles, vehicles.h).
//
// The phases visit vehicles track by track, front to back, and the arbitrate, transfer and
// lane-change phases junction by junction or road by road. Records numbered by trip put a track's
// vehicles far apart in memory (trips are numbered by departure, and vehicles that departed
// minutes apart meet on one lane), so on a large network nearly every vehicle a phase visits costs
// cache misses on each of its arrays. Every WorldOptions::renumberEveryS the records of the
// ordinary vehicles in the network trade places among themselves so that their numbers ascend
// junction by junction (the lanes of the roads ending at it, then its connectors), track by track,
// front to back. Between two renumberings vehicles change tracks, but mostly together with the
// ones they drove beside, so the order decays slowly. What it saves and costs: bench/README.md,
// "Vehicle records in junction order".
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "engine/state.h"

namespace traffic::engine {

namespace {

// Whether a vehicle's record may trade places. Transit, fleet and priority vehicles keep the record
// of their trip's number, which the transit runs, the fleets and the signals hold (as do the stop
// bays, where only they stand, off the occupant lists walked here).
bool movable(const NetworkView& view, const Vehicle& v) {
  return !(v.flags & (kTransit | kFleet)) && view.type(v).signalPriority == SignalPriority::None;
}

// Applies the renumbering to one per-record array: the record of `from[k]` moves to `to[k]`.
template <class Array>
void permute(Array& records, const std::vector<std::uint32_t>& from, const std::vector<std::uint32_t>& to) {
  using T = std::decay_t<decltype(records[0])>;
  std::vector<T> moved;
  moved.reserve(from.size());
  for (std::uint32_t f : from) moved.push_back(std::move(records[f]));
  for (std::size_t k = 0; k < to.size(); ++k) records[to[k]] = std::move(moved[k]);
}

// Calls `f` with each track's occupant list, junction by junction: the lanes of the roads that
// end at it, then its connectors. The arbitrate and transfer phases work junction by junction on
// those tracks, and the lane-change phase road by road, so each finds its vehicles in one stretch.
template <class F>
void forEachTrackByJunction(const NetworkView& view, Vehicles& vehicles, F&& f) {
  const RoadNetwork& net = *view.net;
  for (std::size_t j = 0; j < net.junctions().size(); ++j) {
    for (LaneId l : view.incomingLanes(JunctionId(j))) f(vehicles.occupants[view.laneTrack(l)]);
    for (ConnectorId c : net.junctions()[j].connectors) f(vehicles.occupants[view.connectorTrack(c)]);
  }
}

}  // namespace

void renumberVehicles(const Executor& exec, const NetworkView& view, const SimClock& clock, std::uint64_t running,
                      Vehicles& vehicles, JunctionWork& junctionWork, FleetState& fleets) {
  // Counted in steps, so that it falls on the same steps in a restored world.
  const double everyS = exec.options.renumberEveryS;
  if (!(everyS > 0)) return;
  const auto period = static_cast<std::uint64_t>(std::clamp(std::round(everyS / clock.dtS), 1.0, 1e15));
  if (clock.steps == 0 || clock.steps % period != 0 || running < exec.options.minVehiclesForRenumbering) return;
  // The movable vehicles in that order (`from`), and the same records in ascending order (`to`):
  // the k-th vehicle met takes the k-th smallest of their numbers.
  std::vector<std::uint32_t> from;
  forEachTrackByJunction(view, vehicles, [&](const std::vector<std::uint32_t>& occ) {
    for (std::uint32_t id : occ)
      if (movable(view, vehicles.hot[id])) from.push_back(id);
  });
  // Marked and read back in order rather than sorted: a pass over one bit per record costs less
  // than sorting the ids of the vehicles in the network.
  std::vector<std::uint32_t> to;
  to.reserve(from.size());
  {
    std::vector<bool> taken(vehicles.hot.size());
    for (std::uint32_t id : from) taken[id] = true;
    for (std::size_t id = 0; id < taken.size(); ++id)
      if (taken[id]) to.push_back(static_cast<std::uint32_t>(id));
  }
  if (from == to) return;
  // The vehicle ids held between steps besides the occupant lists (the vehicle each one yields to,
  // and what arbitration leaves for the next step) are held as trips while the records move, and
  // turned back into records through recordOf afterwards.
  const auto forEachHeldId = [&](auto&& f) {
    for (const auto& occ : vehicles.occupants)
      for (std::uint32_t id : occ) f(vehicles.hot[id].yieldTo);
    for (std::uint32_t id : vehicles.inBay) f(vehicles.hot[id].yieldTo);
    for (VehicleId& id : junctionWork.insideHeld) f(id);
    for (VehicleId& id : junctionWork.firstGrant) f(id);
  };
  forEachHeldId([&](VehicleId& id) {
    if (id.valid()) id = VehicleId(vehicles.tripOf[id.index()]);
  });
  permute(vehicles.hot, from, to);
  permute(vehicles.cold, from, to);
  permute(vehicles.measures, from, to);
  permute(vehicles.routes, from, to);
  permute(vehicles.rerouted, from, to);  // (the heap storage that `routes` points into moves along)
  permute(vehicles.lanePlans, from, to);
  permute(vehicles.nextLaneReach, from, to);
  permute(vehicles.tripOf, from, to);
  for (std::size_t k = 0; k < to.size(); ++k) vehicles.recordOf[vehicles.tripOf[to[k]]] = to[k];
  if (!fleets.crossedLineS.empty()) {
    permute(fleets.crossedLineS, from, to);
    permute(fleets.crossedInto, from, to);
  }
  // The occupant lists, met in the same order as when `from` was made.
  std::size_t k = 0;
  forEachTrackByJunction(view, vehicles, [&](std::vector<std::uint32_t>& occ) {
    for (std::uint32_t& id : occ)
      if (k < from.size() && id == from[k]) id = to[k++];
  });
  forEachHeldId([&](VehicleId& id) {
    if (id.valid()) id = VehicleId(vehicles.recordOf[id.index()]);
  });
}

}  // namespace traffic::engine
