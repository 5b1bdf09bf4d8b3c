// Dispatchers of on-demand fleets (see fleet.h). They are pure functions of what they are shown,
// called serially in request order, so assignments depend only on the scenario and the seed.
#include <algorithm>
#include <map>

#include "traffic/fleet.h"

namespace traffic {

std::optional<std::vector<double>> schedulePlan(const DispatchContext& context, const DispatchVehicle& vehicle,
                                                std::span<const PlannedStop> plan) {
  const FleetSpec& fleet = context.fleet();
  std::vector<double> times;
  times.reserve(plan.size());
  std::map<std::uint32_t, double> pickedUp;  // in this plan
  double t = vehicle.readyS;
  RoadId at = vehicle.road;
  std::uint32_t load = vehicle.onBoard;
  for (const PlannedStop& stop : plan) {
    const auto drive = context.travelS(at, stop.road);
    if (!drive) return std::nullopt;
    t += *drive;
    at = stop.road;
    const RideRequest& r = context.request(stop.request);
    if (stop.pickup) {
      if (t > r.timeS + fleet.maxWaitS + 1e-9) return std::nullopt;
      if (++load > fleet.capacity) return std::nullopt;
      pickedUp[stop.request] = t;
    } else {
      const auto it = pickedUp.find(stop.request);
      const std::optional<double> pickup = it != pickedUp.end() ? std::optional(it->second) : context.pickedUpAtS(stop.request);
      if (!pickup) return std::nullopt;  // a drop-off before its pickup
      if (t - *pickup > fleet.maxDetour * context.directRideS(stop.request) + fleet.detourSlackS + 1e-9) return std::nullopt;
      --load;
    }
    times.push_back(t);
    t += fleet.doorS + fleet.boardingS;
  }
  return times;
}

namespace {

// When the vehicle would be free again after its plan.
double planEndS(const DispatchContext& context, const DispatchVehicle& v, const std::vector<double>& times) {
  return times.empty() ? v.readyS : times.back() + context.fleet().doorS + context.fleet().boardingS;
}

class InsertionDispatcher final : public Dispatcher {
 public:
  std::string_view name() const override { return "insertion"; }

  std::optional<Insertion> assign(const DispatchContext& context, std::span<const DispatchVehicle> vehicles,
                                  std::uint32_t request, std::string& reason) const override {
    const RideRequest& r = context.request(request);
    std::optional<Insertion> best;
    double bestCost = 0;
    std::vector<PlannedStop> plan;
    for (const DispatchVehicle& v : vehicles) {
      const auto base = schedulePlan(context, v, v.plan);
      if (!base) continue;  // running late on its current riders: give it nothing more
      const double baseEnd = planEndS(context, v, *base);
      const std::size_t n = v.plan.size();
      for (std::size_t i = 0; i <= n; ++i) {
        for (std::size_t j = i; j <= n; ++j) {
          plan.assign(v.plan.begin(), v.plan.end());
          plan.insert(plan.begin() + static_cast<std::ptrdiff_t>(i), PlannedStop{r.from, request, true});
          plan.insert(plan.begin() + static_cast<std::ptrdiff_t>(j + 1), PlannedStop{r.to, request, false});
          const auto times = schedulePlan(context, v, plan);
          if (!times) continue;
          // Least added driving and dwelling; ties: earlier pickup, then lower vehicle.
          const double cost = planEndS(context, v, *times) - baseEnd;
          const double pickupS = (*times)[i];
          if (!best || cost < bestCost - 1e-9 || (cost < bestCost + 1e-9 && pickupS < best->pickupS - 1e-9)) {
            best = Insertion{v.index, i, j + 1, pickupS, (*times)[j + 1]};
            bestCost = cost;
          }
        }
      }
    }
    if (!best) reason = context.travelS(r.from, r.to) ? "no_vehicle_in_time" : "unreachable";
    return best;
  }
};

class NearestDispatcher final : public Dispatcher {
 public:
  std::string_view name() const override { return "nearest"; }

  std::optional<Insertion> assign(const DispatchContext& context, std::span<const DispatchVehicle> vehicles,
                                  std::uint32_t request, std::string& reason) const override {
    const RideRequest& r = context.request(request);
    const auto ride = context.travelS(r.from, r.to);
    if (!ride) {
      reason = "unreachable";
      return std::nullopt;
    }
    std::optional<Insertion> best;
    for (const DispatchVehicle& v : vehicles) {
      if (!v.plan.empty() || v.onBoard > 0) continue;  // no pooling: idle vehicles only
      const auto approach = context.travelS(v.road, r.from);
      if (!approach) continue;
      const double pickupS = v.readyS + *approach;
      if (pickupS > r.timeS + context.fleet().maxWaitS + 1e-9) continue;
      if (!best || pickupS < best->pickupS - 1e-9)
        best = Insertion{v.index, 0, 1, pickupS, pickupS + context.fleet().doorS + context.fleet().boardingS + *ride};
    }
    if (!best) reason = "no_vehicle_in_time";
    return best;
  }
};

}  // namespace

std::unique_ptr<Dispatcher> makeDispatcher(const std::string& name) {
  if (name == "insertion") return std::make_unique<InsertionDispatcher>();
  if (name == "nearest") return std::make_unique<NearestDispatcher>();
  return nullptr;
}

std::vector<std::string> dispatcherNames() { return {"insertion", "nearest"}; }
std::vector<std::string> rebalancerNames() { return {"none", "demand"}; }

}  // namespace traffic
