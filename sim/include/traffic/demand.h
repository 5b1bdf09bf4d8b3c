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

/// The most roads a route may have. The engine keeps a vehicle's place on its route, and the
/// route's length, in 16 bits of its 64-byte hot record (engine/vehicles.h), which is full: routes
/// are bounded here rather than those fields widened. Every reader refuses a longer route with
/// routeTooLongReason, counting before it looks up the roads.
inline constexpr std::size_t kMaxRouteRoads = 0xFFFF;

/// What a reader says of a route of `roads` roads, more than kMaxRouteRoads: the count, the limit
/// and what to do (split the trip), the same words from every reader. `atLeast` when the route was
/// only counted until it went past the limit.
std::string routeTooLongReason(std::size_t roads, bool atLeast = false);

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

/// Where and how fast a vehicle enters its first road: SUMO's departLane, departPos and
/// departSpeed. The defaults (Auto) are trafficsim's own insertion: the lane with most room among
/// those that lead on, the vehicle's rear at the lane's start, the speed the gap allows (waiting
/// for a gap rather than entering behind a moving leader at a crawl). The SUMO reader sets SUMO's
/// values, its defaults (first, base, 0) where a file says nothing.
struct DepartSpec {
  enum class Lane : std::uint8_t {
    Auto,
    Index,   ///< `laneIndex` (trafficsim's numbering, 0 = leftmost)
    First,   ///< the rightmost lane the class may use (SUMO's lane 0 for it)
    Random,  ///< one lane the class may use, drawn from `draw`
    Free,    ///< the lane the class may use with most room (SUMO's free and allowed)
    Best,    ///< the lane with most room among those that lead on (as Auto)
  };
  enum class Pos : std::uint8_t {
    Auto,        ///< the rear at the lane's start (SUMO's base)
    Given,       ///< the front at `posM` from the lane's start (from its end when negative)
    Random,      ///< the front at a position drawn from `draw` over the lane
    Free,        ///< the middle of the largest free stretch of the lane
    RandomFree,  ///< Random, and Free where the drawn position has no room
    Last,        ///< just behind the lane's last vehicle (its end when empty, as SUMO)
  };
  enum class Speed : std::uint8_t {
    Auto,
    Given,       ///< `speedMps`, once the gap allows it
    Max,         ///< the highest the gap allows, without waiting for a better gap
    Desired,     ///< the vehicle's desired speed on the lane, once the gap allows it
    SpeedLimit,  ///< the lane's speed limit (no faster than the vehicle's top speed), once the gap allows it
    Random,      ///< a speed drawn from `draw` up to the desired speed, no faster than the gap allows
  };
  Lane lane = Lane::Auto;
  Pos pos = Pos::Auto;
  Speed speed = Speed::Auto;
  std::uint16_t laneIndex = 0;
  double posM = 0;
  double speedMps = 0;
  /// Uniform draws in [0, 1) for the random choices (lane, position, speed), made at load from the
  /// seed and the vehicle's id so that they do not depend on the other vehicles.
  double drawLane = 0, drawPos = 0, drawSpeed = 0;
  [[nodiscard]] bool isAuto() const { return lane == Lane::Auto && pos == Pos::Auto && speed == Speed::Auto; }
};

struct Trip {
  std::string id;
  VehicleTypeId type;
  double departS = 0;
  RouteId route;
  std::uint32_t line = UINT32_MAX;   ///< a run of this transit line (Transit::lines), if any
  std::uint32_t fleet = UINT32_MAX;  ///< a vehicle of this on-demand fleet (Fleets::fleets), if any
  DepartSpec depart{};
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
  /// A router for vehicles of one class: only through movements with a connector between two lanes
  /// that admit it (a right turn onto a bike-only kerb lane is no way for a car).
  Router(const RoadNetwork& net, VehicleClass onlyFor, std::size_t cacheBudgetBytes = kDefaultCacheBytes);
  ~Router();
  /// Roads from `origin` to `destination` inclusive, or nullopt when unreachable or when the route
  /// would have more than kMaxRouteRoads - 1 roads: the engine's re-routes (a vehicle that missed
  /// its turn, lane_change.cpp) put the road the vehicle is on in front of the route found, and the
  /// whole must still fit kMaxRouteRoads.
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
