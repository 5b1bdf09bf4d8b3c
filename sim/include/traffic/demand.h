// Travel demand: vehicle trips with departure times and routes.
//
// Everything a scenario declares (individual departures as in the datasets, periodic flows,
// origin-destination matrices with a time profile) is expanded at load time into one sorted list of
// trips, deterministically from the scenario seed. The engine only ever sees trips. Routes are
// stored once in a pool and shared by the trips that use them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "traffic/ids.h"
#include "traffic/road_network.h"

namespace traffic {

class RoutePool {
 public:
  RouteId add(std::span<const RoadId> roads);
  [[nodiscard]] std::span<const RoadId> route(RouteId id) const {
    return {m_roads.data() + m_offsets[id.index()], m_offsets[id.index() + 1] - m_offsets[id.index()]};
  }
  [[nodiscard]] std::size_t size() const { return m_offsets.size() - 1; }

 private:
  std::vector<RoadId> m_roads;
  std::vector<std::uint32_t> m_offsets{0};
};

struct Trip {
  std::string id;
  VehicleTypeId type;
  double departS = 0;
  RouteId route;
  std::uint32_t line = UINT32_MAX;   ///< a run of this transit line (Transit::lines), if any
  std::uint32_t fleet = UINT32_MAX;  ///< a vehicle of this on-demand fleet (Fleets::fleets), if any
};

struct Demand {
  RoutePool routes;
  std::vector<Trip> trips;  ///< sorted by departure time; ties keep declaration order
  void sortByDeparture();
};

/// Vehicles released at a steady rate along a route between two times.
struct FlowSpec {
  std::string id;
  VehicleTypeId type;
  std::vector<RoadId> route;  ///< explicit route, or {origin, destination} with `routed`
  bool routed = false;
  double beginS = 0;
  double endS = 3600;
  double vehPerHour = 600;
  bool poisson = false;  ///< exponential headways drawn from the seed instead of a fixed period
};

/// Origin-destination demand with a time profile: `totalVehicles` spread over the profile.
struct OdSpec {
  std::string id;
  VehicleTypeId type;
  RoadId origin;
  RoadId destination;
  double totalVehicles = 0;
  /// Piecewise-constant profile: relative weight of each interval [t_i, t_{i+1}); the last point
  /// closes the window. Two points {begin, 1}, {end, 0} mean uniform demand.
  std::vector<std::pair<double, double>> profile;
};

/// Finds routes by free-flow travel time on the road graph. Whole shortest-route trees of origins
/// asked more than once are cached up to `cacheBudgetBytes` (least recently used dropped first);
/// the routes returned do not depend on the budget.
class Router {
 public:
  static constexpr std::size_t kDefaultCacheBytes = std::size_t{256} << 20;
  explicit Router(const RoadNetwork& net, std::size_t cacheBudgetBytes = kDefaultCacheBytes);
  ~Router();
  /// Roads from `origin` to `destination` inclusive, or nullopt when unreachable.
  std::optional<std::vector<RoadId>> shortestRoute(RoadId origin, RoadId destination);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Checks that consecutive roads are joined by a movement; returns the index of the first road that
/// does not follow from its predecessor, or nullopt when the route is connected.
std::optional<std::size_t> firstDisconnected(const RoadNetwork& net, std::span<const RoadId> route);

/// Expand flows and OD entries into trips (appended to `demand`). `seed` drives Poisson headways
/// and OD departure times. Throws LoadError naming `sourceFile` and the flow id when a route cannot
/// be found.
void expandFlow(const RoadNetwork& net, Router& router, const FlowSpec& flow, std::uint64_t seed,
                const std::string& sourceFile, Demand& demand);
void expandOd(const RoadNetwork& net, Router& router, const OdSpec& od, std::uint64_t seed,
              const std::string& sourceFile, Demand& demand);

}  // namespace traffic
