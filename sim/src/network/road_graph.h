// The routing view of a RoadNetwork, as a Boost.Graph graph. Private to the library: the network
// owns one, the router searches it.
//
// The graph is the line graph of the street map: vertices are roads and arcs are movements
// (permitted turns), so a shortest path never takes a turn the junction does not allow, which a
// graph of junctions joined by roads would. Roads are weighted by their free-flow travel time:
// length over the slowest lane's speed limit.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <vector>

#include "traffic/ids.h"

namespace traffic {

class RoadGraph {
 public:
  struct TurnArc {
    MovementId movement;
    double weightS = 0;  ///< free-flow time of the road the turn leads onto (and of the junction, RoadNetwork::buildRoutingGraph)
  };
  /// Vertex index == RoadId index.
  using TurnGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, TurnArc>;

  TurnGraph turns;
  std::vector<double> roadFreeFlowS;  ///< indexed by RoadId
};

}  // namespace traffic
