// Where vehicles on two connectors of one junction can touch, measured along each path.
//
// The road network stores one conflict point per pair of connectors (where their centre lines
// cross, or the common end of two that merge). A point has no extent, but vehicles do: two
// vehicles 2 m wide touch wherever their paths are closer than a vehicle width, which at a shallow
// crossing or a merge is metres before the point. The engine needs that extent to stop a vehicle
// before a point another one stands on, and to keep followers behind leaders on connectors that
// leave the same lane (which the network does not list as conflicts: they share a queue, not a
// crossing). Everything here is a pure function of the shapes, computed once per network, when
// the first World on it is built.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "traffic/road_network.h"

namespace traffic {

/// Centre lines closer than this count as touching: two vehicles of the default 2 m width, with
/// half a metre to spare.
inline constexpr double kTouchDistanceM = 2.5;

/// The stretch of one connector, along it, within kTouchDistanceM of another connector's path.
struct ConflictZone {
  ConnectorId other;
  bool merging = false;   ///< both end on the same lane
  double fromM = 0;       ///< on this connector
  double toM = 0;
  double otherFromM = 0;  ///< on the other connector
  double otherToM = 0;
};

/// Two connectors leaving the same lane: they share the path until they are kTouchDistanceM apart.
struct SharedStart {
  ConnectorId other;
  double sharedM = 0;       ///< along this connector
  double otherSharedM = 0;  ///< along the other
};

/// Lists per connector, stored flat (one allocation for the whole network instead of one per
/// connector): connector c's entries are items[begin[c]] up to items[begin[c + 1]].
template <class T>
struct PerConnector {
  std::vector<std::uint32_t> begin;  ///< one offset per connector, then the end of the last list
  std::vector<T> items;

  /// The list of the connector with index `c`.
  [[nodiscard]] std::span<const T> operator[](std::size_t c) const {
    return {items.data() + begin[c], items.data() + begin[c + 1]};
  }
  /// How many connectors have a list.
  [[nodiscard]] std::size_t size() const { return begin.empty() ? 0 : begin.size() - 1; }
};

struct BoxGeometry {
  /// Per connector: first one zone per entry of its `conflicts`, in the same order; then one per
  /// connector of the junction whose path comes within touching distance without crossing (turns
  /// into neighbouring lanes, say), which the network does not list as conflicts because the
  /// signal programs may serve both at once.
  PerConnector<ConflictZone> zones;
  /// Per connector, the other connectors leaving its lane.
  PerConnector<SharedStart> sharedStarts;
};

/// The zones of every conflict and the shared starts of every pair of connectors leaving one lane.
BoxGeometry buildBoxGeometry(const RoadNetwork& net);

/// The network's box geometry, built on first use (thread-safe) and kept with the network.
const BoxGeometry& boxGeometryOf(const RoadNetwork& net);

}  // namespace traffic
