// The routing view of a RoadNetwork, as Boost.Graph graphs. Private to the library: the network
// owns one, the router searches it.
//
// Two graphs over the same roads:
//  - `junctions`: vertices are junctions, edges are roads. The natural picture of a street map,
//    useful for connectivity questions, but it cannot express turn restrictions.
//  - `turns`: the line graph, vertices are roads and arcs are movements (permitted turns). A
//    shortest path here never takes a turn the junction does not allow, which the junction graph
//    would. Routing uses this one.
// Both weight a road by its free-flow travel time: length over the slowest lane's speed limit.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <vector>

#include "traffic/ids.h"

namespace traffic {

class RoadGraph {
 public:
  struct RoadEdge {
    RoadId road;
    double freeFlowS = 0;
  };
  struct TurnArc {
    MovementId movement;
    double weightS = 0;  ///< free-flow time of the road the turn leads onto (and of the junction, RoadNetwork::buildRoutingGraph)
  };
  /// Vertex index == JunctionId index.
  using JunctionGraph =
      boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, boost::no_property, RoadEdge>;
  /// Vertex index == RoadId index.
  using TurnGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, TurnArc>;

  JunctionGraph junctions;
  TurnGraph turns;
  std::vector<double> roadFreeFlowS;  ///< indexed by RoadId
};

}  // namespace traffic
