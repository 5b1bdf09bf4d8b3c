// Shortest routes by free-flow travel time.
//
// The search runs on the line graph of the network (vertices are roads, arcs are the movements a
// junction permits), so a route never contains a turn the map forbids; a junction-to-junction
// search would happily route through a banned left turn.
//
// Memory stays bounded however many distinct origins the demand has. The first query from an
// origin runs Dijkstra only until the destination is settled. An origin asked a second time gets
// its whole shortest-route tree computed and cached, so boundary flows and OD matrices with few
// origins are a walk up a cached tree; the cache holds trees up to a byte budget and drops the
// least recently used. Either way the answer is the same route: until the destination is settled
// the early-stopping search performs exactly the relaxations of the full one, in the same order,
// and a settled road's predecessor never changes afterwards.
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/property_map/function_property_map.hpp>
#include <algorithm>
#include <limits>
#include <list>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "network/road_graph.h"
#include "traffic/demand.h"

namespace traffic {

namespace {

/// Thrown by the visitor to stop the search once the destination is settled.
struct DestinationSettled {};

struct StopAt : boost::default_dijkstra_visitor {
  std::size_t destination;
  explicit StopAt(std::size_t d) : destination(d) {}
  template <class Graph>
  void examine_vertex(std::size_t v, const Graph&) const {
    if (v == destination) throw DestinationSettled{};
  }
};

struct NoStop : boost::default_dijkstra_visitor {};

}  // namespace

struct Router::Impl {
  const RoadNetwork& net;
  std::size_t cacheBudgetBytes;
  // For a router of one vehicle class: per movement, whether a connector of it joins two lanes that
  // admit the class (empty: every movement may be used).
  std::vector<char> usable;

  // Predecessor road of each road on the shortest-route tree rooted at the origin (the key); a
  // road that is its own predecessor is unreachable, except the origin itself.
  struct Tree {
    std::vector<std::uint32_t> pred;
    std::list<std::uint32_t>::iterator recency;
  };
  std::unordered_map<std::uint32_t, Tree> trees;
  std::list<std::uint32_t> recency;  // most recently used origin first
  std::size_t cachedBytes = 0;
  std::unordered_set<std::uint32_t> askedOnce;  // origins searched once without a cached tree

  // Search workspace, reused by every query.
  std::vector<std::size_t> pred;
  std::vector<double> dist;

  template <class Visitor>
  void search(std::size_t origin, Visitor visitor) {
    const RoadGraph::TurnGraph& g = net.graph().turns;
    const std::size_t n = boost::num_vertices(g);
    pred.resize(n);
    dist.assign(n, std::numeric_limits<double>::infinity());
    // A movement the class may not use weighs infinity: it is never relaxed.
    const auto weight = boost::make_function_property_map<RoadGraph::TurnGraph::edge_descriptor, double>(
        [&](const RoadGraph::TurnGraph::edge_descriptor& e) {
          const RoadGraph::TurnArc& arc = g[e];
          return usable.empty() || usable[arc.movement.index()] ? arc.weightS : std::numeric_limits<double>::infinity();
        });
    try {
      boost::dijkstra_shortest_paths(
          g, origin,
          boost::predecessor_map(boost::make_iterator_property_map(pred.begin(), boost::get(boost::vertex_index, g)))
              .distance_map(boost::make_iterator_property_map(dist.begin(), boost::get(boost::vertex_index, g)))
              .weight_map(weight)
              .visitor(visitor));
    } catch (const DestinationSettled&) {
    }
  }

  const std::vector<std::uint32_t>* cached(std::uint32_t origin) {
    auto it = trees.find(origin);
    if (it == trees.end()) return nullptr;
    recency.splice(recency.begin(), recency, it->second.recency);
    return &it->second.pred;
  }

  const std::vector<std::uint32_t>* cacheTree(std::uint32_t origin) {
    search(origin, NoStop{});
    const std::size_t bytes = pred.size() * sizeof(std::uint32_t);
    if (bytes > cacheBudgetBytes) return nullptr;
    while (cachedBytes + bytes > cacheBudgetBytes && !recency.empty()) {
      auto victim = trees.find(recency.back());
      cachedBytes -= victim->second.pred.size() * sizeof(std::uint32_t);
      trees.erase(victim);
      recency.pop_back();
    }
    recency.push_front(origin);
    Tree& tree = trees[origin];
    tree.pred.assign(pred.begin(), pred.end());
    tree.recency = recency.begin();
    cachedBytes += bytes;
    return &tree.pred;
  }

  // The route from the origin to the destination up the tree `p`; nullopt when the destination is
  // not on it, or when the route has more than kMaxRouteRoads - 1 roads (Router::shortestRoute).
  template <class Pred>
  static std::optional<std::vector<RoadId>> walk(const Pred& p, std::size_t origin, std::size_t destination) {
    if (p[destination] == destination) return std::nullopt;
    std::vector<RoadId> route;
    for (std::size_t v = destination; v != origin; v = p[v]) {
      if (route.size() + 2 > kMaxRouteRoads - 1) return std::nullopt;  // this road and the origin would not fit
      route.emplace_back(v);
    }
    route.emplace_back(origin);
    std::reverse(route.begin(), route.end());
    return route;
  }
};

Router::Router(const RoadNetwork& net, std::size_t cacheBudgetBytes)
    : m_impl(std::make_unique<Impl>(Impl{.net = net, .cacheBudgetBytes = cacheBudgetBytes, .usable = {}, .trees = {},
                                         .recency = {}, .cachedBytes = 0, .askedOnce = {}, .pred = {}, .dist = {}})) {}

Router::Router(const RoadNetwork& net, VehicleClass onlyFor, std::size_t cacheBudgetBytes) : Router(net, cacheBudgetBytes) {
  std::vector<char>& usable = m_impl->usable;
  usable.assign(net.movements().size(), 0);
  for (std::size_t m = 0; m < usable.size(); ++m)
    for (ConnectorId c : net.movement(MovementId(static_cast<std::uint32_t>(m))).connectors) {
      const Connector& con = net.connector(c);
      if (net.lane(con.from).allowed.allows(onlyFor) && net.lane(con.to).allowed.allows(onlyFor)) usable[m] = 1;
    }
}
Router::~Router() = default;

std::optional<std::vector<RoadId>> Router::shortestRoute(RoadId origin, RoadId destination) {
  Impl& m = *m_impl;
  const std::size_t roadCount = m.net.roads().size();
  if (!origin.valid() || !destination.valid() || origin.index() >= roadCount || destination.index() >= roadCount)
    return std::nullopt;
  if (origin == destination) return std::vector<RoadId>{origin};
  if (const auto* tree = m.cached(origin.value)) return Impl::walk(*tree, origin.index(), destination.index());
  if (m.askedOnce.insert(origin.value).second) {
    m.search(origin.index(), StopAt{destination.index()});
    return Impl::walk(m.pred, origin.index(), destination.index());
  }
  if (const auto* tree = m.cacheTree(origin.value)) return Impl::walk(*tree, origin.index(), destination.index());
  // A tree larger than the whole budget: answer from the full search just made.
  return Impl::walk(m.pred, origin.index(), destination.index());
}

std::string routeTooLongReason(std::size_t roads, bool atLeast) {
  // Digits in groups of three: the counts are five digits and more.
  auto grouped = [](std::size_t n) {
    std::string digits = std::to_string(n);
    for (std::size_t i = digits.size(); i > 3; i -= 3) digits.insert(i - 3, ",");
    return digits;
  };
  return "the route has " + std::string(atLeast ? "at least " : "") + grouped(roads) +
         " roads; trafficsim drives routes of at most " + grouped(kMaxRouteRoads) +
         " roads (a vehicle's place on its route is kept in 16 bits): split the trip into shorter ones, each "
         "starting on the road where the one before ends";
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
