// Whether a vehicle is driving into a lane through the junction at its start. Vehicles inside the
// box, and those granted entry towards the lane (arbitrate.cpp promised them room on it), have the
// room at the lane's start first: insertion and teleports do not put a vehicle down in front of
// them, and nobody on the lane stops for a courtesy while they are still in the box.
#pragma once

#include "engine/network_view.h"
#include "engine/vehicles.h"

namespace traffic::engine {

/// Room beyond the minimum gap a vehicle may stop short of its leader; under
/// `[dynamics] junction_entry = "room_behind_queue"` every vehicle entering a lane counts it.
inline constexpr double kStopSlackM = 1.0;

/// The room on a lane that a vehicle of type `t` takes when it enters it, through the junction or
/// by a lane change: its length, its minimum gap and the slack of its stop where that counts.
inline double entryShareM(const NetworkView& view, const VehicleType& t) {
  return t.lengthM + t.minGapM + (view.scenario->junctionEntry == JunctionEntry::RoomBehindQueue ? kStopSlackM : 0.0);
}

inline bool enteredFromJunction(const NetworkView& view, const Vehicles& vehicles, TrackId laneTrack) {
  for (ConnectorId c : view.feeders[laneTrack])
    if (!vehicles.occupants[view.connectorTrack(c)].empty()) return true;
  return false;
}

/// enteredFromJunction, or a vehicle at the front of a feeding lane holds a grant into the lane
/// (grants run contiguously from a lane's front, skipping vehicles that leave the network there).
inline bool enteringFromJunction(const NetworkView& view, const Vehicles& vehicles, TrackId laneTrack) {
  if (enteredFromJunction(view, vehicles, laneTrack)) return true;
  for (ConnectorId c : view.feeders[laneTrack]) {
    for (std::uint32_t u : vehicles.occupants[view.laneTrack(view.net->connector(c).from)]) {
      const Vehicle& v = vehicles.hot[u];
      if (!(v.flags & kGranted)) {
        if (vehicles.onLastRoad(u)) continue;
        break;
      }
      if (v.nextConnector == c) return true;
    }
  }
  return false;
}

}  // namespace traffic::engine
