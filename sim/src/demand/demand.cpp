// Expansion of declared demand into trips, at load time.
//
// All randomness comes from counter-based draws keyed by (seed, hash of the flow or OD id, vehicle
// number), so a flow's departures do not change when another flow is added, removed or reordered
// in the scenario file.
//
// OD departure times use stratified sampling of the profile: the k-th of N vehicles departs at the
// profile quantile (k + u) / N with u uniform in [0, 1). Every vehicle gets its own 1/N slice of
// the demand, so the counts per interval follow the profile to within one vehicle (independent
// draws would scatter by about sqrt(N)), while departures are still irregular as in real traffic
// and change with the seed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "traffic/demand.h"
#include "traffic/errors.h"
#include "traffic/random.h"

namespace traffic {
namespace {

// A flow or OD entry that would create more vehicles than this is almost certainly a unit mistake
// (vehicles per second instead of per hour); refusing it beats exhausting memory.
constexpr double kMaxVehiclesPerEntry = 10'000'000;

// A count for a message: 3 significant digits, never the 309 digits of a huge double (nor the
// undefined result of casting one to an integer).
std::string approximately(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string roadName(const RoadNetwork& net, RoadId id) {
  if (!id.valid() || id.index() >= net.roads().size()) return "#" + std::to_string(id.value);
  return "'" + net.road(id).name + "'";
}

std::vector<RoadId> routeOrThrow(const RoadNetwork& net, Router& router, RoadId origin, RoadId destination,
                                 const std::string& sourceFile, const std::string& entity) {
  const std::size_t roadCount = net.roads().size();
  if (!origin.valid() || origin.index() >= roadCount)
    throw LoadError(sourceFile, entity, "unknown origin road " + roadName(net, origin));
  if (!destination.valid() || destination.index() >= roadCount)
    throw LoadError(sourceFile, entity, "unknown destination road " + roadName(net, destination));
  auto route = router.shortestRoute(origin, destination);
  if (!route)
    throw LoadError(sourceFile, entity,
                    "no route from road " + roadName(net, origin) + " to road " + roadName(net, destination));
  return std::move(*route);
}

}  // namespace

RouteId RoutePool::add(std::span<const RoadId> roads) {
  m_roads.insert(m_roads.end(), roads.begin(), roads.end());
  m_offsets.push_back(static_cast<std::uint32_t>(m_roads.size()));
  return RouteId(m_offsets.size() - 2);
}

void Demand::sortByDeparture() {
  std::stable_sort(trips.begin(), trips.end(), [](const Trip& a, const Trip& b) { return a.departS < b.departS; });
}

void expandFlow(const RoadNetwork& net, Router& router, const FlowSpec& flow, std::uint64_t seed,
                const std::string& sourceFile, Demand& demand) {
  const std::string entity = "flow '" + flow.id + "'";
  if (!std::isfinite(flow.beginS) || flow.beginS < 0) throw LoadError(sourceFile, entity, "begin must be a time >= 0 s");
  if (!std::isfinite(flow.endS) || flow.endS < flow.beginS) throw LoadError(sourceFile, entity, "end must be >= begin");
  if (!std::isfinite(flow.vehPerHour) || flow.vehPerHour < 0)
    throw LoadError(sourceFile, entity, "vehicles per hour must be a finite number >= 0");
  const double expected = flow.vehPerHour * (flow.endS - flow.beginS) / 3600.0;
  if (expected > kMaxVehiclesPerEntry)
    throw LoadError(sourceFile, entity, "would create about " + approximately(expected) +
                                            " vehicles; check the units (vehicles per hour)");

  std::vector<RoadId> route;
  if (flow.routed) {
    if (flow.route.size() != 2)
      throw LoadError(sourceFile, entity, "a routed flow needs exactly an origin and a destination road");
    route = routeOrThrow(net, router, flow.route[0], flow.route[1], sourceFile, entity);
  } else {
    if (flow.route.empty()) throw LoadError(sourceFile, entity, "route is empty");
    if (flow.route.size() > kMaxRouteRoads) throw LoadError(sourceFile, entity, routeTooLongReason(flow.route.size()));
    route = flow.route;
    if (auto gap = firstDisconnected(net, route)) {
      if (*gap == 0 || !route[*gap].valid() || route[*gap].index() >= net.roads().size())
        throw LoadError(sourceFile, entity, "route has an unknown road " + roadName(net, route[*gap]));
      throw LoadError(sourceFile, entity,
                      "road " + roadName(net, route[*gap]) + " does not follow road " + roadName(net, route[*gap - 1]) +
                          ": no movement joins them");
    }
  }
  if (flow.vehPerHour == 0 || flow.endS == flow.beginS) return;

  const RouteId routeId = demand.routes.add(route);
  const double periodS = 3600.0 / flow.vehPerHour;
  auto emit = [&](std::size_t k, double t) {
    demand.trips.push_back({flow.id + "_" + std::to_string(k), flow.type, t, routeId});
  };
  if (!flow.poisson) {
    // Departures by multiplication, not accumulation, so that long flows do not drift.
    for (std::size_t k = 0;; ++k) {
      const double t = flow.beginS + static_cast<double>(k) * periodS;
      if (t >= flow.endS) break;
      emit(k, t);
    }
    return;
  }
  const std::uint64_t stream = hashName(flow.id);
  double t = flow.beginS;
  for (std::size_t k = 0;; ++k) {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    t += -std::log(1.0 - uniform01(seed, stream, k)) * periodS;
    if (t >= flow.endS) break;
    emit(k, t);
  }
}

void expandOd(const RoadNetwork& net, Router& router, const OdSpec& od, std::uint64_t seed,
              const std::string& sourceFile, Demand& demand) {
  const std::string entity = "od '" + od.id + "'";
  if (!std::isfinite(od.totalVehicles) || od.totalVehicles < 0)
    throw LoadError(sourceFile, entity, "total vehicles must be a finite number >= 0");
  if (od.totalVehicles > kMaxVehiclesPerEntry)
    throw LoadError(sourceFile, entity, "more than " + std::to_string(static_cast<long long>(kMaxVehiclesPerEntry)) +
                                            " vehicles in one entry");
  const auto& profile = od.profile;
  if (profile.size() < 2) throw LoadError(sourceFile, entity, "profile needs at least two points (begin and end)");
  double mass = 0;
  for (std::size_t i = 0; i < profile.size(); ++i) {
    const auto [t, w] = profile[i];
    if (!std::isfinite(t) || t < 0)
      throw LoadError(sourceFile, entity, "profile point " + std::to_string(i) + ": time must be >= 0 s");
    if (!std::isfinite(w) || w < 0)
      throw LoadError(sourceFile, entity, "profile point " + std::to_string(i) + ": weight must be >= 0");
    if (i > 0 && !(t > profile[i - 1].first))
      throw LoadError(sourceFile, entity, "profile times must increase (point " + std::to_string(i) + ")");
    if (i + 1 < profile.size()) mass += w * (profile[i + 1].first - t);
  }
  const auto count = static_cast<std::size_t>(std::llround(od.totalVehicles));
  if (count > 0 && !(mass > 0)) throw LoadError(sourceFile, entity, "profile has no positive weight");

  const std::vector<RoadId> route = routeOrThrow(net, router, od.origin, od.destination, sourceFile, entity);
  if (count == 0) return;
  const RouteId routeId = demand.routes.add(route);

  const std::uint64_t stream = hashName(od.id);
  std::size_t interval = 0;
  double before = 0;  // profile mass before `interval`
  for (std::size_t k = 0; k < count; ++k) {
    const double q = (static_cast<double>(k) + uniform01(seed, stream, k)) / static_cast<double>(count) * mass;
    // Quantiles increase with k, so the interval search only moves forward.
    while (interval + 2 < profile.size()) {
      const double m = profile[interval].second * (profile[interval + 1].first - profile[interval].first);
      if (before + m > q) break;
      before += m;
      ++interval;
    }
    const auto [t0, w] = profile[interval];
    const double t1 = profile[interval + 1].first;
    double t = w > 0 ? t0 + (q - before) / w : t0;
    t = std::clamp(t, t0, std::nextafter(t1, t0));
    demand.trips.push_back({od.id + "_" + std::to_string(k), od.type, t, routeId});
  }
}

}  // namespace traffic
