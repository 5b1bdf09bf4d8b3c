// Whether a vehicle is driving into a lane through the junction at its start. Vehicles inside the
// box have the room at the lane's start first: insertion and teleports do not put a vehicle down
// in front of them, and nobody on the lane stops for a courtesy while they are still in the box.
#pragma once

#include "engine/network_view.h"
#include "engine/vehicles.h"

namespace traffic::engine {

inline bool enteredFromJunction(const NetworkView& view, const Vehicles& vehicles, TrackId laneTrack) {
  for (ConnectorId c : view.feeders[laneTrack])
    if (!vehicles.occupants[view.connectorTrack(c)].empty()) return true;
  return false;
}

}  // namespace traffic::engine
