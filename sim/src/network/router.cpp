// Shortest routes by free-flow travel time.
//
// The search runs on the line graph of the network (vertices are roads, arcs are the movements a
// junction permits), so a route never contains a turn the map forbids; a junction-to-junction
// search would happily route through a banned left turn. One Dijkstra from an origin road yields
// the tree of shortest routes to every destination, so the tree is cached per origin and later
// queries from the same origin are a walk up the tree. Demand has few distinct origins (the
// boundary roads, typically), which keeps the cache small.
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <algorithm>
#include <limits>
#include <map>

#include "network/road_graph.h"
#include "traffic/demand.h"

namespace traffic {

struct Router::Impl {
  const RoadNetwork& net;
  // Predecessor road of each road on the shortest-route tree rooted at the origin (the key);
  // a road that is its own predecessor is unreachable, except the origin itself.
  std::map<std::uint32_t, std::vector<std::size_t>> treeByOrigin;

  const std::vector<std::size_t>& tree(RoadId origin) {
    auto it = treeByOrigin.find(origin.value);
    if (it != treeByOrigin.end()) return it->second;
    const RoadGraph::TurnGraph& g = net.graph().turns;
    const std::size_t n = boost::num_vertices(g);
    std::vector<std::size_t> pred(n);
    std::vector<double> dist(n, std::numeric_limits<double>::infinity());
    boost::dijkstra_shortest_paths(
        g, origin.index(),
        boost::predecessor_map(boost::make_iterator_property_map(pred.begin(), boost::get(boost::vertex_index, g)))
            .distance_map(boost::make_iterator_property_map(dist.begin(), boost::get(boost::vertex_index, g)))
            .weight_map(boost::get(&RoadGraph::TurnArc::weightS, g)));
    return treeByOrigin.emplace(origin.value, std::move(pred)).first->second;
  }
};

Router::Router(const RoadNetwork& net) : m_impl(std::make_unique<Impl>(Impl{net, {}})) {}
Router::~Router() = default;

std::optional<std::vector<RoadId>> Router::shortestRoute(RoadId origin, RoadId destination) {
  const std::size_t roadCount = m_impl->net.roads().size();
  if (!origin.valid() || !destination.valid() || origin.index() >= roadCount || destination.index() >= roadCount)
    return std::nullopt;
  if (origin == destination) return std::vector<RoadId>{origin};
  const std::vector<std::size_t>& pred = m_impl->tree(origin);
  if (pred[destination.index()] == destination.index()) return std::nullopt;
  std::vector<RoadId> route;
  for (std::size_t v = destination.index(); v != origin.index(); v = pred[v]) route.emplace_back(v);
  route.push_back(origin);
  std::reverse(route.begin(), route.end());
  return route;
}

std::optional<std::size_t> firstDisconnected(const RoadNetwork& net, std::span<const RoadId> route) {
  const std::size_t roadCount = net.roads().size();
  for (std::size_t i = 0; i < route.size(); ++i) {
    if (!route[i].valid() || route[i].index() >= roadCount) return i;
    if (i > 0 && !net.movementBetween(route[i - 1], route[i])) return i;
  }
  return std::nullopt;
}

}  // namespace traffic
