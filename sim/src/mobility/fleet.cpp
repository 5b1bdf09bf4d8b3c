// On-demand fleets in the engine: requests are dispatched when they are made, vehicles drive their
// plans stop by stop, park when idle and rebalance. Serial, after the transit stops, in request and
// vehicle order, so assignments are the same for any number of threads.
//
// Plans are timed with travel times from current conditions: each road's mean speed over the last
// few minutes, read from what the move phase saw on its lanes (red waits included), turned into the
// delay a vehicle meets there on top of driving at its own type's speed. Before anything has been
// observed, a road is assumed free-flowing with kSignalAllowanceS at a signal. Every kReplanEveryS
// the plans are checked against fresh estimates; a vehicle that has fallen behind (some rider's
// wait or ride limit would break) offers its riders not yet picked up to the whole fleet again.
//
// Stops are made near the end of the stop's road (kStopBeforeEndM before the stop line) in the
// kerb lane: a vehicle changes lanes on its way there as a bus does for its stop (ServiceStops
// names the lane), and one that could not (it halts beside the stop) serves the stop where it
// stands after kBesideKerbS. A vehicle's route always ends on the road of its next stop, so it
// never drives off the end of its route without stopping. From a stop, too near the stop line to
// change lanes, it leaves by a turn its lane makes; the plans are timed the same way
// (fleetTravelFromKerbS), so that the way round a block a kerb stop may force is foreseen. An
// idle vehicle parks beside its lane, off the traffic, until the dispatcher gives it work.
#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "traffic/car_following.h"
#include "traffic/demand.h"
#include "engine/state.h"
#include "mobility/service_stops.h"

namespace traffic::engine {

// What the serveFleets phase reads (const) and writes, by the names of the engine state's subsystems.
struct FleetContext {
  const NetworkView& view;
  const SimClock& clock;
  const Signals& signals;
  Vehicles& vehicles;
  FleetState& fleets;
};

/// Estimated time for a vehicle of `fleet` from the end of road `from` to the end of road `to`,
/// negative when unreachable.
double fleetTravelS(const FleetContext& s, std::uint32_t fleet, RoadId from, RoadId to);
/// The same from a stop at the kerb near the end of `from`: leaving by a turn the kerb lane makes.
double fleetTravelFromKerbS(const FleetContext& s, std::uint32_t fleet, RoadId from, RoadId to);

namespace {

constexpr double kRecentDemandS = 900.0;  // the "demand" rebalancer looks this far back
// The guess before a road has been observed: free flow plus this per signal at its end. Free-flow
// times alone ignore the reds, and a plan built on them breaks riders' ride limits.
constexpr double kSignalAllowanceS = 15.0;
// Observed speeds fade with this time constant: a few signal cycles, so that a queue building up
// shows within minutes, while one red does not swing the estimate.
constexpr double kSpeedMemoryS = 300.0;
// Weight of the guess against observations, in vehicle-seconds on the road: on an empty road the
// guess stands; a few vehicles crossing it outweigh it.
constexpr double kPriorVehicleS = 30.0;
// Travel times are recomputed this often (and the plans checked against them).
constexpr double kEstimateEveryS = 30.0;
// Plans keep this share of every wait and ride limit in reserve: a red more or less at each
// junction, or a loop round the block after a missed stop, then still fits.
constexpr double kLimitReserve = 0.15;
// A vehicle halted beside its stop this long, unable to change into the kerb lane (a vehicle
// dwelling or queued there), makes the stop where it stands.
constexpr double kBesideKerbS = 20.0;

// What the dispatcher may ask: travel times from current conditions and the riders' bookkeeping.
class Context final : public DispatchContext {
 public:
  Context(const FleetContext& s, std::uint32_t fleet) : m_s(s), m_fleet(fleet) {}
  std::optional<double> travelS(RoadId from, RoadId to) const override {
    const double t = fleetTravelS(m_s, m_fleet, from, to);
    return t < 0 ? std::nullopt : std::optional(t);
  }
  std::optional<double> travelFromStopS(RoadId from, RoadId to) const override {
    const double t = fleetTravelFromKerbS(m_s, m_fleet, from, to);
    return t < 0 ? std::nullopt : std::optional(t);
  }
  double stopLossS() const override { return m_s.fleets.stopLossS[m_fleet]; }
  double limitReserve() const override { return kLimitReserve; }
  const FleetSpec& fleet() const override { return m_s.view.scenario->fleets.fleets[m_fleet]; }
  const RideRequest& request(std::uint32_t index) const override { return m_s.view.scenario->fleets.requests[index]; }
  std::optional<double> pickedUpAtS(std::uint32_t request) const override {
    const RequestState& r = m_s.fleets.requests[request];
    if (r.pickupS >= 0) return r.pickupS;
    return std::nullopt;
  }
  double directRideS(std::uint32_t request) const override { return m_s.fleets.requests[request].directS; }
  double nowS() const override { return m_s.clock.nowS + m_s.clock.dtS; }

 private:
  const FleetContext& m_s;
  std::uint32_t m_fleet;
};

// The road a vehicle is on (or entering) for planning, and whether its route may change there.
RoadId currentRoad(const FleetContext& s, const FleetVehicle& fv) {
  const Vehicle& v = s.vehicles.hot[fv.vehicle];
  return s.vehicles.routes[fv.vehicle][v.routeIndex];
}

// The lane a vehicle must leave its road from: the one it is in when it stands (or dwells) at or
// past its road's stop position, too near the stop line to change lanes; none while it can still
// change (or is on a connector, or committed to its next one).
LaneId exitLane(const FleetContext& s, const FleetVehicle& fv) {
  const Vehicle& v = s.vehicles.hot[fv.vehicle];
  const Track& track = s.view.tracks[v.track];
  if (track.isConnector() || (v.flags & kGranted)) return {};
  if (v.posM < fleetStopPositionOn(s.view, s.view.roadOfLane(v.track)) - kStopToleranceM) return {};
  return track.lane;
}

// The estimated time to drive road `road` to its end, for a vehicle of `fleet`.
double roadTimeS(const FleetContext& s, std::uint32_t fleet, RoadId road) { return s.fleets.roadTimeS[fleet][road.index()]; }

// The quickest way from the end of road `from` to the end of road `to` through a road other than
// `from`, leaving by a turn lane `lane` makes (any turn when `lane` is none): the road it turns
// onto and the time, or a negative time when there is none.
std::pair<RoadId, double> bestExit(const FleetContext& s, std::uint32_t fleet, RoadId from, RoadId to, LaneId lane) {
  const RoadNetwork& net = *s.view.net;
  const VehicleClass cls = s.view.scenario->vehicleTypes[s.view.scenario->fleets.fleets[fleet].type.index()].vehicleClass;
  std::pair<RoadId, double> best{RoadId(), -1.0};
  for (MovementId m : net.road(from).movementsOut) {
    const Movement& movement = net.movement(m);
    const bool open = std::any_of(movement.connectors.begin(), movement.connectors.end(), [&](ConnectorId c) {
      const Connector& con = net.connector(c);
      return (!lane.valid() || con.from == lane) && net.lane(con.to).allowed.allows(cls);
    });
    if (!open) continue;
    const double rest = fleetTravelS(s, fleet, movement.toRoad, to);
    if (rest < 0) continue;
    const double t = roadTimeS(s, fleet, movement.toRoad) + (movement.toRoad == to ? 0.0 : rest);
    if (best.second < 0 || t < best.second) best = {movement.toRoad, t};
  }
  return best;
}

// Rebuild the route from where the vehicle is to the road of its next stop. Returns false when
// that road cannot be reached.
bool routeToNextStop(const FleetContext& s, FleetVehicle& fv) {
  Vehicle& v = s.vehicles.hot[fv.vehicle];
  const RoadNetwork& net = *s.view.net;
  const RoadId target = fv.plan.front().road;
  const Track& track = s.view.tracks[v.track];
  std::vector<RoadId> route;
  if (track.isConnector()) {
    // Committed to the road being entered.
    const RoadId entering = s.vehicles.routes[fv.vehicle][v.routeIndex];
    auto rest = s.fleets.routers[fv.fleet]->shortestRoute(entering, target);
    if (!rest) return false;
    route = std::move(*rest);
  } else {
    const RoadId here = s.view.roadOfLane(v.track);
    route.push_back(here);
    std::optional<RoadId> committed;
    if (v.flags & kGranted) committed = net.movement(net.connector(v.nextConnector).movement).toRoad;
    if (committed) {
      auto rest = s.fleets.routers[fv.fleet]->shortestRoute(*committed, target);
      if (!rest) return false;
      route.insert(route.end(), rest->begin(), rest->end());
    } else if (here == target && v.posM <= fleetStopPositionOn(s.view, here) + kStopToleranceM) {
      // Already on the stop's road, before the stop.
    } else {
      // Leave this road by the turn that reaches the target soonest (on the target road but past
      // its stop, that means a loop round the block): one its lane makes when it is too near the
      // stop line to change lanes (after a stop, at the kerb), else any. Two vehicles that stopped
      // side by side and were sent across each other's lanes would otherwise stand there for good.
      auto [next, t] = bestExit(s, fv.fleet, here, target, exitLane(s, fv));
      if (t < 0) std::tie(next, t) = bestExit(s, fv.fleet, here, target, LaneId());
      if (t < 0) return false;
      auto rest = s.fleets.routers[fv.fleet]->shortestRoute(next, target);
      if (!rest) return false;
      route.insert(route.end(), rest->begin(), rest->end());
    }
  }
  fv.route = std::move(route);
  s.vehicles.setRoute(fv.vehicle, fv.route);
  v.routeIndex = 0;
  return true;
}

void accrue(const FleetContext& s, FleetVehicle& fv) { fv.ride.accrue(s.vehicles.hot[fv.vehicle].distanceM, fv.onboard.size()); }

void reject(const FleetContext& s, std::uint32_t request, std::string reason) {
  RequestState& r = s.fleets.requests[request];
  r.status = RequestStatus::Rejected;
  r.reason = std::move(reason);
}

// Drop the stops of requests that can no longer be served by this vehicle (their road cannot be
// reached from where it is): riders not yet picked up are rejected, riders on board get off here.
void abandonUnreachableStop(const FleetContext& s, FleetVehicle& fv, double nowS) {
  const PlannedStop stop = fv.plan.front();
  if (stop.request == UINT32_MAX) {  // a rebalancing destination
    fv.plan.erase(fv.plan.begin());
    return;
  }
  RequestState& r = s.fleets.requests[stop.request];
  if (stop.pickup) {
    reject(s, stop.request, "unreachable");
    std::erase_if(fv.plan, [&](const PlannedStop& p) { return p.request == stop.request; });
  } else {
    accrue(s, fv);
    r.status = RequestStatus::Delivered;
    r.dropoffS = nowS;
    std::erase(fv.onboard, stop.request);
    fv.plan.erase(fv.plan.begin());
  }
}

// The vehicle halted at the road of its next stop: riders off and on for every stop planned at
// this road in a row, in one dwell.
void makeStop(const FleetContext& s, FleetVehicle& fv, double nowS) {
  const FleetSpec& fleet = s.view.scenario->fleets.fleets[fv.fleet];
  accrue(s, fv);
  const RoadId road = fv.plan.front().road;
  std::size_t moves = 0;
  while (!fv.plan.empty() && fv.plan.front().road == road) {
    const PlannedStop stop = fv.plan.front();
    fv.plan.erase(fv.plan.begin());
    RequestState& r = s.fleets.requests[stop.request];
    const double at = nowS + fleet.doorS + static_cast<double>(++moves) * fleet.boardingS;
    if (stop.pickup) {
      r.status = RequestStatus::OnBoard;
      r.pickupS = at;
      fv.onboard.push_back(stop.request);
      fv.maxLoad = std::max(fv.maxLoad, static_cast<std::uint32_t>(fv.onboard.size()));
      ++fv.riders;
    } else {
      r.status = RequestStatus::Delivered;
      r.dropoffS = at;
      std::erase(fv.onboard, stop.request);
    }
  }
  ++fv.stopsMade;
  fv.dwellLeftS = fleet.doorS + static_cast<double>(moves) * fleet.boardingS;
  s.vehicles.hot[fv.vehicle].flags |= kDwelling;
}

// What the dispatcher sees of a vehicle: where it is and when it will be at the end of that road.
DispatchVehicle dispatchView(const FleetContext& s, const FleetVehicle& fv, double nowS) {
  const Vehicle& v = s.vehicles.hot[fv.vehicle];
  DispatchVehicle d;
  d.index = fv.indexInFleet;
  d.road = currentRoad(s, fv);
  const double lengthM = s.view.net->road(d.road).lengthM;
  const Track& track = s.view.tracks[v.track];
  // Entering the road (on a connector): all of it; on it: the rest of it.
  const double share = track.isConnector() || lengthM <= 0 ? 1.0 : std::clamp((lengthM - v.posM) / lengthM, 0.0, 1.0);
  d.readyS = nowS + ((v.flags & kDwelling) ? fv.dwellLeftS : 0.0) + share * roadTimeS(s, fv.fleet, d.road);
  // Past the stop of this road (or committed to leave it): a stop here means once round the block.
  const LaneId exit = exitLane(s, fv);
  if (!track.isConnector() && ((v.flags & kGranted) || v.posM > fleetStopPositionOn(s.view, d.road) + kStopToleranceM)) {
    double loop = bestExit(s, fv.fleet, d.road, d.road, exit).second;
    if (loop < 0) loop = bestExit(s, fv.fleet, d.road, d.road, LaneId()).second;
    d.backToRoadS = std::max(0.0, loop);
  }
  // Standing at the kerb (stopped there, or parked there after a stop): it leaves as from a stop.
  d.atKerb = exit.valid() && exit == fleetStopLaneOn(s.view, d.road, s.view.type(v).vehicleClass);
  d.onBoard = static_cast<std::uint32_t>(fv.onboard.size());
  // A vehicle on its way to rebalance counts as idle.
  if (!(fv.plan.size() == 1 && fv.plan.front().request == UINT32_MAX)) d.plan = fv.plan;
  return d;
}

std::vector<DispatchVehicle> dispatchViews(const FleetContext& s, std::uint32_t fleet, double nowS) {
  std::vector<DispatchVehicle> vehicles;
  for (std::uint32_t i : s.fleets.vehiclesOfFleet[fleet]) {
    const FleetVehicle& fv = s.fleets.fleetVehicles[i];
    if (!(s.vehicles.hot[fv.vehicle].flags & kInNetwork)) continue;  // not yet in service
    vehicles.push_back(dispatchView(s, fv, nowS));
  }
  return vehicles;
}

// Put the dispatcher's choice into the vehicle's plan.
FleetVehicle& insertRide(const FleetContext& s, std::uint32_t request, const Insertion& choice) {
  const RideRequest& spec = s.view.scenario->fleets.requests[request];
  RequestState& state = s.fleets.requests[request];
  FleetVehicle& fv = s.fleets.fleetVehicles[s.fleets.vehiclesOfFleet[spec.fleet].at(choice.vehicle)];
  if (fv.plan.size() == 1 && fv.plan.front().request == UINT32_MAX) fv.plan.clear();  // stops rebalancing
  fv.plan.insert(fv.plan.begin() + static_cast<std::ptrdiff_t>(choice.pickupAt), PlannedStop{spec.from, request, true});
  fv.plan.insert(fv.plan.begin() + static_cast<std::ptrdiff_t>(choice.dropoffAt), PlannedStop{spec.to, request, false});
  state.status = RequestStatus::Assigned;
  state.vehicle = fv.vehicle;
  state.plannedPickupS = choice.pickupS;
  return fv;
}

void dispatch(const FleetContext& s, std::uint32_t request) {
  const RideRequest& spec = s.view.scenario->fleets.requests[request];
  RequestState& state = s.fleets.requests[request];
  // The direct ride from the kerb of the origin, as a vehicle would drive it with nobody else.
  const double direct = fleetTravelFromKerbS(s, spec.fleet, spec.from, spec.to);
  if (direct < 0) {
    reject(s, request, "unreachable");
    return;
  }
  state.directS = direct;
  const Context context(s, spec.fleet);
  const double nowS = s.clock.nowS + s.clock.dtS;
  const std::vector<DispatchVehicle> vehicles = dispatchViews(s, spec.fleet, nowS);
  std::string reason;
  const auto choice = s.fleets.dispatchers[spec.fleet]->assign(context, vehicles, request, reason);
  if (!choice) {
    reject(s, request, reason.empty() ? "no_vehicle_in_time" : reason);
    return;
  }
  FleetVehicle& fv = s.fleets.fleetVehicles[s.fleets.vehiclesOfFleet[spec.fleet].at(choice->vehicle)];
  const bool wasIdle = fv.plan.empty() || fv.plan.front().request == UINT32_MAX;
  insertRide(s, request, *choice);
  // A moving vehicle whose next stop changed takes the new route at once; a parked or dwelling one
  // when it leaves.
  const Vehicle& v = s.vehicles.hot[fv.vehicle];
  if (!(v.flags & (kInBay | kDwelling)) && (wasIdle || choice->pickupAt == 0) && !routeToNextStop(s, fv))
    abandonUnreachableStop(s, fv, nowS);
}

// A vehicle whose plan no longer keeps every rider's limits under the current estimates has
// fallen behind: each rider it has not yet picked up is offered, in plan order, to the whole fleet
// (this vehicle without that rider included). A rider nobody can now serve within the limits
// stays where it was: the promise may break, and the outputs say by how much.
void replan(const FleetContext& s, std::uint32_t fleet, double nowS) {
  const Context context(s, fleet);
  for (std::uint32_t i : s.fleets.vehiclesOfFleet[fleet]) {
    FleetVehicle& fv = s.fleets.fleetVehicles[i];
    if (!(s.vehicles.hot[fv.vehicle].flags & kInNetwork)) continue;
    std::vector<std::uint32_t> pending;
    for (const PlannedStop& p : fv.plan)
      if (p.pickup && p.request != UINT32_MAX) pending.push_back(p.request);
    if (pending.empty() || timePlan(context, dispatchView(s, fv, nowS), fv.plan).broken == PlanBreak::None) continue;
    for (std::uint32_t request : pending) {
      const std::vector<PlannedStop> saved = fv.plan;
      std::erase_if(fv.plan, [&](const PlannedStop& p) { return p.request == request; });
      std::string reason;
      const auto choice = s.fleets.dispatchers[fleet]->assign(context, dispatchViews(s, fleet, nowS), request, reason);
      if (!choice) {
        fv.plan = saved;
        continue;
      }
      const FleetVehicle& to = insertRide(s, request, *choice);
      const bool same = &to == &fv && std::equal(saved.begin(), saved.end(), fv.plan.begin(), fv.plan.end(),
                                                 [](const PlannedStop& a, const PlannedStop& b) {
                                                   return a.road == b.road && a.request == b.request && a.pickup == b.pickup;
                                                 });
      if (!same) ++s.fleets.requests[request].replans;
    }
  }
}

// Observed speeds: what the move phase saw on each road's general-traffic lanes this step, added
// to sums that fade with kSpeedMemoryS.
void observeSpeeds(const FleetContext& s) {
  const RoadNetwork& net = *s.view.net;
  const double fade = std::exp(-s.clock.dtS / kSpeedMemoryS);
  for (std::size_t r = 0; r < s.fleets.roadSpeedSum.size(); ++r) {
    s.fleets.roadSpeedSum[r] *= fade;
    s.fleets.roadVehicleS[r] *= fade;
  }
  for (std::uint32_t t = 0; t < s.view.laneCount; ++t) {
    const TrackTally& tally = s.vehicles.tallies[TrackId(t)];
    const Track& track = s.view.tracks[TrackId(t)];
    if (tally.vehicles == 0 || !track.allowed.allows(VehicleClass::Car)) continue;  // bus and bike lanes aside
    const std::size_t road = net.lane(track.lane).road.index();
    s.fleets.roadSpeedSum[road] += tally.speedSumMps * s.clock.dtS;
    s.fleets.roadVehicleS[road] += tally.vehicles * s.clock.dtS;
  }
}

// Each road's time for each fleet: driving it at the fleet type's own speed, plus the delay the
// observed traffic met there beyond free flow.
void estimateRoadTimes(const FleetContext& s) {
  const RoadNetwork& net = *s.view.net;
  const Fleets& specs = s.view.scenario->fleets;
  for (std::size_t f = 0; f < specs.fleets.size(); ++f) {
    const VehicleType& type = s.view.scenario->vehicleTypes[specs.fleets[f].type.index()];
    auto& times = s.fleets.roadTimeS[f];
    for (std::size_t r = 0; r < net.roads().size(); ++r) {
      const Road& road = net.road(RoadId(static_cast<std::uint32_t>(r)));
      const double limit = net.lane(road.lanes.front()).speedLimitMps;
      const double freeS = road.lengthM / limit;
      const bool signalised = s.signals.controllerOfJunction[road.to.index()] >= 0 && net.junction(road.to).program;
      const double guessMps = road.lengthM / (freeS + (signalised ? kSignalAllowanceS : 0.0));
      const double meanMps = (s.fleets.roadSpeedSum[r] + kPriorVehicleS * guessMps) / (s.fleets.roadVehicleS[r] + kPriorVehicleS);
      const double delayS = meanMps > 1e-3 ? std::max(0.0, road.lengthM / meanMps - freeS) : 3600.0;
      times[r] = road.lengthM / desiredSpeed(type, limit) + delayS;
    }
    s.fleets.travelCache[f].clear();
    s.fleets.kerbTravelCache[f].clear();
  }
}

// "demand" rebalancing: each idle parked vehicle, in order, heads for the origin of a recent
// request that has the fewest vehicles already there or heading there.
void rebalance(const FleetContext& s, std::uint32_t fleet, double nowS) {
  const auto& requests = s.view.scenario->fleets.requests;
  std::vector<RoadId> origins;
  for (std::size_t i = s.fleets.nextRequest; i-- > 0;) {
    if (requests[i].timeS < nowS - kRecentDemandS) break;
    if (requests[i].fleet == fleet && std::find(origins.begin(), origins.end(), requests[i].from) == origins.end())
      origins.push_back(requests[i].from);
  }
  if (origins.empty()) return;
  std::vector<int> covered(origins.size(), 0);
  for (std::uint32_t i : s.fleets.vehiclesOfFleet[fleet]) {
    const FleetVehicle& fv = s.fleets.fleetVehicles[i];
    const RoadId at = fv.plan.empty() ? currentRoad(s, fv) : fv.plan.back().road;
    for (std::size_t k = 0; k < origins.size(); ++k) covered[k] += origins[k] == at ? 1 : 0;
  }
  for (std::uint32_t i : s.fleets.vehiclesOfFleet[fleet]) {
    FleetVehicle& fv = s.fleets.fleetVehicles[i];
    const Vehicle& v = s.vehicles.hot[fv.vehicle];
    if (!fv.plan.empty() || !(v.flags & kInBay) || !(v.flags & kInNetwork)) continue;
    const RoadId here = currentRoad(s, fv);
    if (std::find(origins.begin(), origins.end(), here) != origins.end()) continue;  // already where demand is
    const auto k = static_cast<std::size_t>(std::min_element(covered.begin(), covered.end()) - covered.begin());
    if (covered[k] > 0 || fleetTravelS(s, fleet, here, origins[k]) < 0) continue;
    // A repositioning trip is a plan with no rider: a drop-off stop for no request would confuse
    // the bookkeeping, so the vehicle simply drives there and parks (route only).
    fv.route.clear();
    ++covered[k];
    fv.plan.push_back(PlannedStop{origins[k], UINT32_MAX, false});
  }
}

}  // namespace

double fleetTravelS(const FleetContext& s, std::uint32_t fleet, RoadId from, RoadId to) {
  if (from == to) return 0;
  const std::uint64_t key = (std::uint64_t{from.value} << 32) | to.value;
  auto& cache = s.fleets.travelCache[fleet];
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  // Routes are the router's (the ones the vehicles take); only their times change with traffic.
  auto& routes = s.fleets.routeCache[fleet];
  auto known = routes.find(key);
  if (known == routes.end()) {
    auto route = s.fleets.routers[fleet]->shortestRoute(from, to);
    known = routes.emplace(key, route ? std::move(*route) : std::vector<RoadId>{}).first;
  }
  const std::vector<RoadId>& route = known->second;
  double t = route.empty() ? -1.0 : 0.0;
  for (std::size_t k = 1; k < route.size(); ++k) t += roadTimeS(s, fleet, route[k]);
  cache.emplace(key, t);
  return t;
}

double fleetTravelFromKerbS(const FleetContext& s, std::uint32_t fleet, RoadId from, RoadId to) {
  if (from == to) return 0;
  const std::uint64_t key = (std::uint64_t{from.value} << 32) | to.value;
  auto& cache = s.fleets.kerbTravelCache[fleet];
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  const VehicleClass cls = s.view.scenario->vehicleTypes[s.view.scenario->fleets.fleets[fleet].type.index()].vehicleClass;
  const LaneId kerb = fleetStopLaneOn(s.view, from, cls);
  double t = kerb.valid() ? bestExit(s, fleet, from, to, kerb).second : -1.0;
  if (t < 0) t = bestExit(s, fleet, from, to, LaneId()).second;  // no turn from the kerb: as routeToNextStop
  cache.emplace(key, t);
  return t;
}

void initFleets(const NetworkView& view, Vehicles& vehicles, FleetState& fleets) {
  const Fleets& fleetSpecs = view.scenario->fleets;
  if (fleetSpecs.empty()) return;
  fleets.fleetOfVehicle.assign(vehicles.hot.size(), UINT32_MAX);
  fleets.vehiclesOfFleet.resize(fleetSpecs.fleets.size());
  double fastestLimitMps = 0;
  for (std::size_t l = 0; l < view.net->lanes().size(); ++l)
    fastestLimitMps = std::max(fastestLimitMps, view.net->lane(LaneId(static_cast<std::uint32_t>(l))).speedLimitMps);
  for (const FleetSpec& f : fleetSpecs.fleets) {
    fleets.dispatchers.push_back(makeDispatcher(f.dispatcher));
    // Routes its vehicles may drive: none through a turn onto a lane they may not use.
    fleets.routers.push_back(std::make_unique<Router>(*view.net, view.scenario->vehicleTypes[f.type.index()].vehicleClass));
    fleets.routeCache.emplace_back();
    fleets.nextRebalanceS.push_back(f.rebalanceEveryS);
    // Braking to a halt and pulling away at the type's comfortable rates, against driving through.
    const VehicleType& type = view.scenario->vehicleTypes[f.type.index()];
    const double v = desiredSpeed(type, fastestLimitMps);
    fleets.stopLossS.push_back(v / (2 * type.accelMps2) + v / (2 * type.comfortDecelMps2));
  }
  fleets.roadSpeedSum.assign(view.net->roads().size(), 0.0);
  fleets.roadVehicleS.assign(view.net->roads().size(), 0.0);
  fleets.roadTimeS.assign(fleetSpecs.fleets.size(), std::vector<double>(view.net->roads().size(), 0.0));
  fleets.travelCache.resize(fleetSpecs.fleets.size());
  fleets.kerbTravelCache.resize(fleetSpecs.fleets.size());
  const auto& trips = view.scenario->demand.trips;
  for (std::size_t i = 0; i < trips.size(); ++i) {
    if (trips[i].fleet == UINT32_MAX) continue;
    FleetVehicle fv;
    fv.vehicle = static_cast<std::uint32_t>(i);
    fv.fleet = trips[i].fleet;
    fv.indexInFleet = static_cast<std::uint32_t>(fleets.vehiclesOfFleet[fv.fleet].size());
    const auto route = vehicles.routes[i];
    fv.route.assign(route.begin(), route.end());
    fleets.fleetOfVehicle[i] = static_cast<std::uint32_t>(fleets.fleetVehicles.size());
    fleets.vehiclesOfFleet[fv.fleet].push_back(static_cast<std::uint32_t>(fleets.fleetVehicles.size()));
    fleets.fleetVehicles.push_back(std::move(fv));
    vehicles.hot[i].flags |= kFleet;
  }
  for (FleetVehicle& fv : fleets.fleetVehicles) vehicles.routes[fv.vehicle] = fv.route;  // the vector no longer moves
  fleets.requests.resize(fleetSpecs.requests.size());
}

void serveFleets(const NetworkView& view, const SimClock& clock, const Signals& signals, Vehicles& vehicles, FleetState& fleets) {
  const FleetContext s{view, clock, signals, vehicles, fleets};
  if (s.fleets.fleetVehicles.empty()) return;
  const double nowS = s.clock.nowS + s.clock.dtS;
  observeSpeeds(s);
  const bool refresh = nowS + 1e-9 >= s.fleets.nextEstimateS;
  if (refresh) {
    s.fleets.nextEstimateS += kEstimateEveryS;
    estimateRoadTimes(s);
  }
  const auto& requests = s.view.scenario->fleets.requests;
  for (; s.fleets.nextRequest < requests.size() && requests[s.fleets.nextRequest].timeS <= nowS; ++s.fleets.nextRequest)
    dispatch(s, static_cast<std::uint32_t>(s.fleets.nextRequest));
  for (std::size_t f = 0; f < s.fleets.vehiclesOfFleet.size(); ++f) {
    const FleetSpec& spec = s.view.scenario->fleets.fleets[f];
    if (spec.rebalancer != "demand" || nowS + 1e-9 < s.fleets.nextRebalanceS[f]) continue;
    s.fleets.nextRebalanceS[f] += spec.rebalanceEveryS;
    rebalance(s, static_cast<std::uint32_t>(f), nowS);
  }
  if (refresh)
    for (std::size_t f = 0; f < s.fleets.vehiclesOfFleet.size(); ++f) replan(s, static_cast<std::uint32_t>(f), nowS);
  for (FleetVehicle& fv : s.fleets.fleetVehicles) {
    Vehicle& v = s.vehicles.hot[fv.vehicle];
    if (!(v.flags & kInNetwork)) continue;
    if (!fv.plan.empty() || !fv.onboard.empty()) fv.busyS += s.clock.dtS;
    if (!fv.onboard.empty()) fv.occupiedS += s.clock.dtS;
    if (v.flags & kDwelling) {
      fv.dwellLeftS -= s.clock.dtS;
      if (fv.dwellLeftS > 1e-9) continue;
      v.flags &= ~kDwelling;
      if (fv.plan.empty()) {
        if (!(v.flags & kInBay)) enterBay(s.vehicles, fv.vehicle);  // park until there is work
        continue;
      }
    }
    if (v.flags & kInBay) {
      if (fv.plan.empty() || !leaveBay(s.view, s.vehicles, fv.vehicle)) continue;
      fv.route.clear();  // take a fresh route below
    }
    if (fv.plan.empty()) {
      if (!s.view.tracks[v.track].isConnector() && v.speedMps < kHaltingSpeedMps) enterBay(s.vehicles, fv.vehicle);
      continue;
    }
    // A route that does not lead to the next stop (new plan, rebalancing, left a bay) is rebuilt.
    const bool routed = !fv.route.empty() && fv.route.back() == fv.plan.front().road;
    if (!routed && !routeToNextStop(s, fv)) {
      abandonUnreachableStop(s, fv, nowS);
      continue;
    }
    if (s.view.tracks[v.track].isConnector()) continue;
    const RoadId road = s.view.roadOfLane(v.track);
    if (!(road == fv.plan.front().road) || v.routeIndex + 1u != fv.route.size()) continue;
    const double stopM = fleetStopPositionOn(s.view, road);
    if (v.posM > stopM + kStopToleranceM) {
      // Went past (it could not stop in time): loop round the block.
      if (!routeToNextStop(s, fv)) abandonUnreachableStop(s, fv, nowS);
      continue;
    }
    // At the stop, in the kerb lane (or halted beside it for kBesideKerbS).
    const LaneId kerb = fleetStopLaneOn(s.view, road, s.view.type(v).vehicleClass);
    const bool inKerb = !kerb.valid() || v.track == s.view.laneTrack(kerb);
    if (v.posM >= stopM - kStopToleranceM && v.speedMps < kHaltingSpeedMps && (inKerb || v.haltedS >= kBesideKerbS)) {
      if (fv.plan.front().request == UINT32_MAX) {
        // A rebalancing destination: park here.
        fv.plan.erase(fv.plan.begin());
        if (fv.plan.empty()) enterBay(s.vehicles, fv.vehicle);
        else fv.route.clear();
        continue;
      }
      makeStop(s, fv, nowS);
    }
  }
}

}  // namespace traffic::engine
