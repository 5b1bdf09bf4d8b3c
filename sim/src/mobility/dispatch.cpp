// Dispatchers of on-demand fleets (see fleet.h). They are pure functions of what they are shown,
// called serially in request order, so assignments depend only on the scenario and the seed.
#include <algorithm>
#include <limits>
#include <map>

#include "traffic/fleet.h"

namespace traffic {

namespace {
constexpr double kEps = 1e-9;
}  // namespace

PlanTiming timePlan(const DispatchContext& context, const DispatchVehicle& vehicle, std::span<const PlannedStop> plan) {
  const FleetSpec& fleet = context.fleet();
  PlanTiming out;
  out.times.reserve(plan.size());
  std::map<std::uint32_t, double> pickedUp;  // in this plan
  double t = vehicle.readyS;
  RoadId at = vehicle.road;
  std::uint32_t load = vehicle.onBoard;
  const double keep = 1.0 - context.limitReserve();
  const auto broken = [&](PlanBreak why, std::uint32_t request) {
    out.broken = why;
    out.brokenRequest = request;
    return out;
  };
  for (std::size_t i = 0; i < plan.size();) {
    const RoadId road = plan[i].road;
    if (i == 0 && road == vehicle.road) {
      t += vehicle.backToRoadS;
    } else {
      // From a stop (or a vehicle already at the kerb) the drive starts with a turn the kerb lane makes.
      const auto drive = i > 0 || vehicle.atKerb ? context.travelFromStopS(at, road) : context.travelS(at, road);
      if (!drive) return broken(PlanBreak::Unreachable, plan[i].request);
      t += *drive;
    }
    at = road;
    // Every stop planned at this road in a row is one dwell: doors, then riders one by one, as
    // the engine makes them; a rider is on (or off) when their turn is done.
    double moves = 0;
    for (; i < plan.size() && plan[i].road == road; ++i) {
      const PlannedStop& stop = plan[i];
      const double when = t + fleet.doorS + (++moves) * fleet.boardingS;
      out.times.push_back(when);
      const RideRequest& r = context.request(stop.request);
      if (stop.pickup) {
        if (when > r.timeS + keep * fleet.maxWaitS + kEps) return broken(PlanBreak::Wait, stop.request);
        if (++load > fleet.capacity) return broken(PlanBreak::Capacity, stop.request);
        pickedUp[stop.request] = when;
      } else {
        const auto it = pickedUp.find(stop.request);
        const std::optional<double> pickup = it != pickedUp.end() ? std::optional(it->second) : context.pickedUpAtS(stop.request);
        if (!pickup) return broken(PlanBreak::Order, stop.request);  // a drop-off before its pickup
        if (when - *pickup > keep * (fleet.maxDetour * context.directRideS(stop.request) + fleet.detourSlackS) + kEps)
          return broken(PlanBreak::Ride, stop.request);
        --load;
      }
    }
    t += fleet.doorS + moves * fleet.boardingS + context.stopLossS();
  }
  out.endS = t;
  return out;
}

std::optional<std::vector<double>> schedulePlan(const DispatchContext& context, const DispatchVehicle& vehicle,
                                                std::span<const PlannedStop> plan) {
  PlanTiming timing = timePlan(context, vehicle, plan);
  if (timing.broken != PlanBreak::None) return std::nullopt;
  return std::move(timing.times);
}

namespace {

// When the rider would be on board if the vehicle went straight to them (its plan aside).
std::optional<double> straightPickupS(const DispatchContext& context, const DispatchVehicle& v, RoadId from) {
  double t = v.readyS;
  if (from == v.road) {
    t += v.backToRoadS;
  } else {
    const auto drive = v.atKerb ? context.travelFromStopS(v.road, from) : context.travelS(v.road, from);
    if (!drive) return std::nullopt;
    t += *drive;
  }
  return t + context.fleet().doorS + context.fleet().boardingS;
}

// Why nobody can take the request: nobody could even reach the rider in time, or those who
// could would break someone's limits.
std::string noInsertionReason(const DispatchContext& context, std::span<const DispatchVehicle> vehicles, const RideRequest& r) {
  for (const DispatchVehicle& v : vehicles) {
    const auto pickup = straightPickupS(context, v, r.from);
    if (pickup && *pickup <= r.timeS + (1.0 - context.limitReserve()) * context.fleet().maxWaitS + kEps) return "fleet_busy";
  }
  return "no_vehicle_in_time";
}

class InsertionDispatcher final : public Dispatcher {
 public:
  std::string_view name() const override { return "insertion"; }

  std::optional<Insertion> assign(const DispatchContext& context, std::span<const DispatchVehicle> vehicles,
                                  std::uint32_t request, std::string& reason) const override {
    const RideRequest& r = context.request(request);
    if (!context.travelS(r.from, r.to)) {
      reason = "unreachable";
      return std::nullopt;
    }
    struct Candidate {
      Insertion insertion;
      double cost = 0;
      bool idle = false;
    };
    std::vector<Candidate> candidates;
    std::vector<PlannedStop> plan;
    for (const DispatchVehicle& v : vehicles) {
      const PlanTiming base = timePlan(context, v, v.plan);
      if (base.broken != PlanBreak::None) continue;  // running late on its riders: give it nothing more
      const std::size_t n = v.plan.size();
      for (std::size_t i = 0; i <= n; ++i) {
        for (std::size_t j = i; j <= n; ++j) {
          plan.assign(v.plan.begin(), v.plan.end());
          plan.insert(plan.begin() + static_cast<std::ptrdiff_t>(i), PlannedStop{r.from, request, true});
          plan.insert(plan.begin() + static_cast<std::ptrdiff_t>(j + 1), PlannedStop{r.to, request, false});
          const PlanTiming timing = timePlan(context, v, plan);
          if (timing.broken != PlanBreak::None) continue;
          // Cost: the new rider's time from request to drop-off, what the others lose (their
          // drop-offs later: ride for those on board, wait and ride for those assigned), and the
          // vehicle's added time.
          double cost = timing.times[j + 1] - r.timeS + (timing.endS - base.endS);
          for (std::size_t k = 0; k < n; ++k) {
            if (v.plan[k].pickup) continue;
            const std::size_t moved = k + (k >= i ? 1 : 0) + (k >= j ? 1 : 0);
            cost += std::max(0.0, timing.times[moved] - base.times[k]);
          }
          candidates.push_back({Insertion{v.index, i, j + 1, timing.times[i], timing.times[j + 1]}, cost, v.idle()});
        }
      }
    }
    // A busy vehicle may take the rider only if it picks them up no later than an idle one would:
    // a request is never queued behind others' stops while an idle vehicle could serve it sooner.
    double idlePickupS = std::numeric_limits<double>::infinity();
    for (const Candidate& c : candidates)
      if (c.idle) idlePickupS = std::min(idlePickupS, c.insertion.pickupS);
    const Candidate* best = nullptr;
    for (const Candidate& c : candidates) {
      if (!c.idle && c.insertion.pickupS > idlePickupS + kEps) continue;
      // Least cost; ties: earlier pickup, then the first vehicle and position found.
      if (!best || c.cost < best->cost - kEps ||
          (c.cost < best->cost + kEps && c.insertion.pickupS < best->insertion.pickupS - kEps))
        best = &c;
    }
    if (!best) {
      reason = noInsertionReason(context, vehicles, r);
      return std::nullopt;
    }
    return best->insertion;
  }
};

class NearestDispatcher final : public Dispatcher {
 public:
  std::string_view name() const override { return "nearest"; }

  std::optional<Insertion> assign(const DispatchContext& context, std::span<const DispatchVehicle> vehicles,
                                  std::uint32_t request, std::string& reason) const override {
    const RideRequest& r = context.request(request);
    if (!context.travelS(r.from, r.to)) {
      reason = "unreachable";
      return std::nullopt;
    }
    const std::vector<PlannedStop> alone{{r.from, request, true}, {r.to, request, false}};
    std::optional<Insertion> best;
    for (const DispatchVehicle& v : vehicles) {
      if (!v.idle()) continue;  // no pooling: idle vehicles only
      const PlanTiming timing = timePlan(context, v, alone);
      if (timing.broken != PlanBreak::None) continue;
      if (!best || timing.times[0] < best->pickupS - kEps) best = Insertion{v.index, 0, 1, timing.times[0], timing.times[1]};
    }
    if (!best) reason = noInsertionReason(context, vehicles, r);
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
