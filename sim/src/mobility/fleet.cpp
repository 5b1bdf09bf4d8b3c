// On-demand fleets in the engine: requests are dispatched when they are made, vehicles drive their
// plans stop by stop, park when idle and rebalance. Serial, after the transit stops, in request and
// vehicle order, so assignments are the same for any number of threads.
//
// Plans are timed with travel times from current conditions, by the movement a road is left by: a
// left turn that waits for its protected phase costs more than the straight on beside it. Every
// vehicle (but service vehicles and bikes) that leaves a road adds what it took, from the stop line
// before that road to its own, beyond its free drive, to its movement's delays, which fade over
// the last few minutes (observeExits). A movement few have taken leans on its road's estimate:
// the mean speed over the road's lanes, read from what the move phase saw there (red waits
// included); before anything has been observed, a road is assumed free-flowing with
// kSignalAllowanceS at a signal. A fleet's vehicles drive, and its plans are timed on, the
// quickest way by these estimates (wayTo), so a loop round the block by three protected lefts is
// timed as such, and avoided when there is a quicker one. Every kEstimateEveryS the plans are
// checked against fresh estimates; a vehicle that has fallen behind (some rider's wait or ride
// limit would break) offers its riders not yet picked up to the whole fleet again.
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
#include <functional>
#include <limits>
#include <queue>
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
// The guess before a road has been observed: free flow plus, at a signal, the mean wait for green of
// a vehicle arriving at a random moment of the junction's program (signalWaitS), or this where the
// program never shows the movement green. Free-flow times alone ignore the reds, and a plan built
// on them breaks riders' ride limits.
constexpr double kSignalAllowanceS = 15.0;
// Observed speeds fade with this time constant: a few signal cycles, so that a queue building up
// shows within minutes, while one red does not swing the estimate.
constexpr double kSpeedMemoryS = 300.0;
// Weight of the guess against observations, in vehicle-seconds on the road: on an empty road the
// guess stands; a few vehicles crossing it outweigh it.
constexpr double kPriorVehicleS = 30.0;
// Weight of the road's estimate against a movement's own observations, in exits: a movement that
// nobody has taken lately is timed as its road; a few exits by it outweigh that.
constexpr double kPriorExits = 2.0;
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

// The mean wait for green at `movement` of a vehicle arriving at a random moment of `program`, with
// `clearanceS` of yellow and all-red after each phase: over each red spell of the cycle, R^2 / 2C.
// Negative when the movement is never green.
double signalWaitS(const SignalProgram& program, MovementId movement, double clearanceS) {
  const std::size_t n = program.phases.size();
  const auto green = [&](std::size_t i) {
    const auto& g = program.phases[i % n].green;
    return std::find(g.begin(), g.end(), movement) != g.end();
  };
  std::size_t first = n;
  double cycleS = 0;
  for (std::size_t i = 0; i < n; ++i) {
    cycleS += program.phases[i].durationS + clearanceS;
    if (first == n && green(i)) first = i;
  }
  if (first == n || cycleS <= 0) return -1.0;
  // From the first green phase round the cycle: a phase, then the clearance after it (green only
  // when the movement stays green in the next phase).
  double waitS = 0, redS = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = first + k;
    if (green(i)) {
      waitS += redS * redS;
      redS = 0;
    } else {
      redS += program.phases[i % n].durationS;
    }
    if (green(i) && green(i + 1)) {
      waitS += redS * redS;
      redS = 0;
    } else {
      redS += clearanceS;
    }
  }
  waitS += redS * redS;
  return waitS / (2.0 * cycleS);
}

// The estimated time to drive road `road` to a stop near its end, for a vehicle of `fleet`.
double roadTimeS(const FleetContext& s, std::uint32_t fleet, RoadId road) { return s.fleets.roadTimeS[fleet][road.index()]; }

// The quickest way to a stop near the end of road `to` from the start of every road, for a vehicle
// of `fleet`: Dijkstra's search backwards from `to` over the movements its class may drive, each
// road timed by its free drive plus the delay estimated for the movement it is left by. Searched
// once per destination between two refreshes of the estimates.
const FleetState::WayTo& wayTo(const FleetContext& s, std::uint32_t fleet, RoadId to) {
  auto& memo = s.fleets.waysTo[fleet];
  if (auto it = memo.find(to.value); it != memo.end()) return it->second;
  const RoadNetwork& net = *s.view.net;
  const std::size_t roads = net.roads().size();
  const auto& freeS = s.fleets.roadFreeS[fleet];
  const auto& usable = s.fleets.usableMovements[fleet];
  FleetState::WayTo way;
  way.timeS.assign(roads, -1.0);
  way.leaveBy.assign(roads, MovementId());
  std::vector<double> best(roads, std::numeric_limits<double>::infinity());
  using Entry = std::pair<double, std::uint32_t>;  // (time, road): ties settle the lower road first
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
  best[to.index()] = roadTimeS(s, fleet, to);
  queue.emplace(best[to.index()], to.value);
  while (!queue.empty()) {
    const auto [t, r] = queue.top();
    queue.pop();
    if (way.timeS[r] >= 0) continue;  // settled before
    way.timeS[r] = t;
    for (MovementId m : s.fleets.movementsInto[r]) {
      if (!usable[m.index()]) continue;
      const std::uint32_t from = net.movement(m).fromRoad.value;
      const double via = t + freeS[from] + s.fleets.exitDelayS[m.index()];
      if (way.timeS[from] >= 0 || via >= best[from]) continue;
      best[from] = via;
      way.leaveBy[from] = m;
      queue.emplace(via, from);
    }
  }
  return memo.emplace(to.value, std::move(way)).first->second;
}

// The roads of the quickest way from the start of road `from` to road `to` (wayTo), or nullopt.
// Also nullopt for a way of more than kMaxRouteRoads - 1 roads: routeToNextStop may put the road
// the vehicle is on in front of it, and the whole must fit the engine's bound on a route.
std::optional<std::vector<RoadId>> wayFrom(const FleetContext& s, std::uint32_t fleet, RoadId from, RoadId to) {
  const FleetState::WayTo& way = wayTo(s, fleet, to);
  if (way.timeS[from.index()] < 0) return std::nullopt;
  std::vector<RoadId> route{from};
  while (route.back() != to && route.size() <= way.timeS.size()) {
    if (route.size() == kMaxRouteRoads - 1) return std::nullopt;
    route.push_back(s.view.net->movement(way.leaveBy[route.back().index()]).toRoad);
  }
  return route;
}

// The quickest way from the stop line of road `from` to a stop near the end of road `to` through a
// road other than `from`, leaving by a turn lane `lane` makes (any turn when `lane` is none): the
// road it turns onto and the time, the wait for that turn included, or a negative time when there
// is none.
std::pair<RoadId, double> bestExit(const FleetContext& s, std::uint32_t fleet, RoadId from, RoadId to, LaneId lane) {
  const RoadNetwork& net = *s.view.net;
  const VehicleClass cls = s.view.scenario->vehicleTypes[s.view.scenario->fleets.fleets[fleet].type.index()].vehicleClass;
  const FleetState::WayTo& way = wayTo(s, fleet, to);
  std::pair<RoadId, double> best{RoadId(), -1.0};
  for (MovementId m : net.road(from).movementsOut) {
    const Movement& movement = net.movement(m);
    const bool open = lane.valid() ? std::any_of(movement.connectors.begin(), movement.connectors.end(), [&](ConnectorId c) {
      const Connector& con = net.connector(c);
      return con.from == lane && net.lane(con.to).allowed.allows(cls);
    }) : s.fleets.usableMovements[fleet][m.index()] != 0;
    if (!open) continue;
    const double rest = way.timeS[movement.toRoad.index()];
    if (rest < 0) continue;
    const double t = s.fleets.exitDelayS[m.index()] + rest;
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
    auto rest = wayFrom(s, fv.fleet, entering, target);
    if (!rest) return false;
    route = std::move(*rest);
  } else {
    const RoadId here = s.view.roadOfLane(v.track);
    route.push_back(here);
    std::optional<RoadId> committed;
    if (v.flags & kGranted) committed = net.movement(net.connector(v.nextConnector).movement).toRoad;
    if (committed) {
      auto rest = wayFrom(s, fv.fleet, *committed, target);
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
      auto rest = wayFrom(s, fv.fleet, next, target);
      if (!rest) return false;
      route.insert(route.end(), rest->begin(), rest->end());
    }
  }
  fv.route = std::move(route);
  s.vehicles.setRoute(fv.vehicle, fv.route);
  v.routeIndex = 0;
  return true;
}

// An idle vehicle parks beside its lane, off the traffic; its time on this road is no delay of the road's.
void park(const FleetContext& s, const FleetVehicle& fv) {
  enterBay(s.vehicles, fv.vehicle);
  s.fleets.crossedLineS[fv.vehicle] = -1;
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
  s.fleets.crossedLineS[fv.vehicle] = -1;  // its time on this road is no delay of the road's
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
  // At the stop line: the wait there for the way on is the next leg's (it depends on the turn).
  d.readyS = nowS + ((v.flags & kDwelling) ? fv.dwellLeftS : 0.0) + share * s.fleets.roadFreeS[fv.fleet][d.road.index()];
  // Past the stop of this road (or committed to leave it): a stop here means once round the block.
  const LaneId exit = exitLane(s, fv);
  if (!track.isConnector() && ((v.flags & kGranted) || v.posM > fleetStopPositionOn(s.view, d.road) + kStopToleranceM)) {
    double loop = bestExit(s, fv.fleet, d.road, d.road, exit).second;
    if (loop < 0) loop = bestExit(s, fv.fleet, d.road, d.road, LaneId()).second;
    d.backToRoadS = std::max(0.0, loop);
  } else {
    // Before it: the road's delay on the way there.
    d.backToRoadS = share * (roadTimeS(s, fv.fleet, d.road) - s.fleets.roadFreeS[fv.fleet][d.road.index()]);
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
// to sums that fade with kSpeedMemoryS. The move phase writes the tallies of the tracks with
// vehicles only (Vehicles::activeTracks, found by the plan phase this step, ascending: lanes
// first), so only those are read.
void observeSpeeds(const FleetContext& s) {
  const RoadNetwork& net = *s.view.net;
  const double fade = std::exp(-s.clock.dtS / kSpeedMemoryS);
  for (std::size_t r = 0; r < s.fleets.roadSpeedSum.size(); ++r) {
    s.fleets.roadSpeedSum[r] *= fade;
    s.fleets.roadVehicleS[r] *= fade;
  }
  for (const TrackId t : s.vehicles.activeTracks) {
    if (!s.view.isLaneTrack(t)) break;
    const TrackTally& tally = s.vehicles.tallies[t];
    const Track& track = s.view.tracks[t];
    if (tally.vehicles == 0 || !track.allowed.allows(VehicleClass::Car)) continue;  // bus and bike lanes aside
    const std::size_t road = net.lane(track.lane).road.index();
    s.fleets.roadSpeedSum[road] += tally.speedSumMps * s.clock.dtS;
    s.fleets.roadVehicleS[road] += tally.vehicles * s.clock.dtS;
  }
}

// Each road's time for each fleet: driving it at the fleet type's own speed, plus the delay the
// observed traffic met there beyond free flow.
// Whether a vehicle's time on `road` so far tells its delay there (observeExits says which do not).
bool observed(const FleetContext& s, std::uint32_t id, RoadId road) {
  const Vehicle& v = s.vehicles.hot[id];
  return s.fleets.crossedInto[id] == road.value && s.fleets.crossedLineS[id] >= 0 && !(v.flags & kTransit) &&
         s.view.type(v).vehicleClass != VehicleClass::Bike && !s.vehicles.cold[id].teleported;
}

// Each road's time for each fleet: driving it at the fleet type's own speed, plus the delay the
// observed traffic met there beyond free flow; and each movement's delay, from the exits by it
// and, as far as they are few, its road's delay.
void estimateRoadTimes(const FleetContext& s, double nowS) {
  const RoadNetwork& net = *s.view.net;
  if (s.fleets.roadSignalWaitS.empty()) {
    // The guess for a road nobody has been seen on, once: the mean wait for green over its movements.
    s.fleets.roadSignalWaitS.assign(net.roads().size(), 0.0);
    const double clearanceS = s.view.scenario->signalTiming.yellowS + s.view.scenario->signalTiming.allRedS;
    for (std::size_t r = 0; r < net.roads().size(); ++r) {
      const Road& road = net.road(RoadId(static_cast<std::uint32_t>(r)));
      const Junction& end = net.junction(road.to);
      if (!end.program || road.movementsOut.empty() || s.signals.controllerOfJunction[road.to.index()] < 0) continue;
      double sum = 0;
      for (MovementId m : road.movementsOut) {
        const double w = signalWaitS(*end.program, m, clearanceS);
        sum += w < 0 ? kSignalAllowanceS : w;
      }
      s.fleets.roadSignalWaitS[r] = sum / static_cast<double>(road.movementsOut.size());
    }
  }
  std::vector<double> roadDelayS(net.roads().size());
  for (std::size_t r = 0; r < net.roads().size(); ++r) {
    const Road& road = net.road(RoadId(static_cast<std::uint32_t>(r)));
    const double limit = net.lane(road.lanes.front()).speedLimitMps;
    const double freeS = road.lengthM / limit;
    const double guessMps = road.lengthM / (freeS + s.fleets.roadSignalWaitS[r]);
    const double meanMps = (s.fleets.roadSpeedSum[r] + kPriorVehicleS * guessMps) / (s.fleets.roadVehicleS[r] + kPriorVehicleS);
    roadDelayS[r] = meanMps > 1e-3 ? std::max(0.0, road.lengthM / meanMps - freeS) : 3600.0;
  }
  for (std::size_t m = 0; m < net.movements().size(); ++m) {
    const double fade = std::exp(-(nowS - s.fleets.movementSeenS[m]) / kSpeedMemoryS);
    const double prior = roadDelayS[net.movement(MovementId(static_cast<std::uint32_t>(m))).fromRoad.index()];
    const double meanS = (fade * s.fleets.movementDelaySum[m] + kPriorExits * prior) / (fade * s.fleets.movementExits[m] + kPriorExits);
    s.fleets.exitDelayS[m] = std::max(0.0, meanS);
  }
  // The vehicle at the head of each lane has already been delayed this long on its way to the turn
  // it waits for: that turn's delay is at least as long. A turn the signals seldom serve shows so
  // before anyone has got through, where its few old exits would not.
  for (std::uint32_t t = 0; t < s.view.laneCount; ++t) {
    const auto& occ = s.vehicles.occupants[TrackId(t)];
    if (occ.empty()) continue;
    const std::uint32_t id = occ.front();
    const Vehicle& v = s.vehicles.hot[id];
    const Track& track = s.view.tracks[TrackId(t)];
    const RoadId road = net.lane(track.lane).road;
    if (!observed(s, id, road)) continue;
    const auto next = s.vehicles.nextRoad(id);
    const auto movement = next ? net.movementBetween(road, *next) : std::nullopt;
    if (!movement) continue;
    const double delayS = nowS - s.fleets.crossedLineS[id] - net.road(road).lengthM / desiredSpeed(s.view.type(v), track.speedLimitMps);
    s.fleets.exitDelayS[movement->index()] = std::max(s.fleets.exitDelayS[movement->index()], delayS);
  }
  for (std::size_t f = 0; f < s.fleets.roadTimeS.size(); ++f) {
    for (std::size_t r = 0; r < net.roads().size(); ++r) s.fleets.roadTimeS[f][r] = s.fleets.roadFreeS[f][r] + roadDelayS[r];
    s.fleets.waysTo[f].clear();
    s.fleets.travelCache[f].clear();
    s.fleets.kerbTravelCache[f].clear();
  }
}

// Movement times: every vehicle about to cross a stop line (the transfer phase takes it into the
// junction next) adds what it took since it crossed the one before, beyond driving its road at its
// own desired speed, to the delays of the movement it leaves by. Left out: transit vehicles (their
// stops are no delay of the road), fleet vehicles on a road where they stopped or parked, bikes
// (they keep to the side), the first road of a trip (it entered somewhere along it) and a vehicle
// once teleported. Looks at the front of the lanes with vehicles only (Vehicles::activeTracks, as
// the plan phase found them this step: a lane a vehicle has since entered from a stop bay has
// none past its end), a constant per lane and per exit, whatever the number of vehicles.
void observeExits(const FleetContext& s) {
  const RoadNetwork& net = *s.view.net;
  const double atS = s.clock.nowS + s.clock.dtS;
  for (const TrackId t : s.vehicles.activeTracks) {
    if (!s.view.isLaneTrack(t)) break;
    const Track& track = s.view.tracks[t];
    for (std::uint32_t id : s.vehicles.occupants[t]) {
      const Vehicle& v = s.vehicles.hot[id];
      if (v.posM <= track.lengthM) break;
      if (s.vehicles.onLastRoad(id)) continue;  // arrives
      if (!(v.flags & kGranted) || !v.nextConnector.valid()) break;
      const Movement& movement = net.movement(net.connector(v.nextConnector).movement);
      const VehicleType& type = s.view.type(v);
      const RoadId road = net.lane(track.lane).road;
      if (observed(s, id, road)) {
        const std::size_t m = net.connector(v.nextConnector).movement.index();
        const double fade = std::exp(-(atS - s.fleets.movementSeenS[m]) / kSpeedMemoryS);
        const double freeS = net.road(road).lengthM / desiredSpeed(type, track.speedLimitMps);
        s.fleets.movementDelaySum[m] = fade * s.fleets.movementDelaySum[m] + (atS - s.fleets.crossedLineS[id] - freeS);
        s.fleets.movementExits[m] = fade * s.fleets.movementExits[m] + 1.0;
        s.fleets.movementSeenS[m] = atS;
      }
      s.fleets.crossedLineS[id] = atS;
      s.fleets.crossedInto[id] = movement.toRoad.value;
    }
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
  // The way the vehicles take (routeToNextStop): any turn, the wait for it at `from` included.
  const double t = bestExit(s, fleet, from, to, LaneId()).second;
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
  const RoadNetwork& net = *view.net;
  for (const FleetSpec& f : fleetSpecs.fleets) {
    fleets.dispatchers.push_back(makeDispatcher(f.dispatcher));
    const VehicleType& type = view.scenario->vehicleTypes[f.type.index()];
    // Movements its vehicles may drive: none through a turn onto a lane they may not use.
    auto& usable = fleets.usableMovements.emplace_back(net.movements().size(), 0);
    for (std::size_t m = 0; m < usable.size(); ++m)
      for (ConnectorId c : net.movement(MovementId(static_cast<std::uint32_t>(m))).connectors) {
        const Connector& con = net.connector(c);
        if (net.lane(con.from).allowed.allows(type.vehicleClass) && net.lane(con.to).allowed.allows(type.vehicleClass)) usable[m] = 1;
      }
    auto& freeS = fleets.roadFreeS.emplace_back(net.roads().size(), 0.0);
    for (std::size_t r = 0; r < freeS.size(); ++r) {
      const Road& road = net.road(RoadId(static_cast<std::uint32_t>(r)));
      freeS[r] = road.lengthM / desiredSpeed(type, net.lane(road.lanes.front()).speedLimitMps);
    }
    fleets.nextRebalanceS.push_back(f.rebalanceEveryS);
    // Braking to a halt and pulling away at the type's comfortable rates, against driving through.
    const double v = desiredSpeed(type, fastestLimitMps);
    fleets.stopLossS.push_back(v / (2 * type.accelMps2) + v / (2 * type.comfortDecelMps2));
  }
  fleets.movementsInto.resize(net.roads().size());
  for (std::size_t m = 0; m < net.movements().size(); ++m) {
    const MovementId id(static_cast<std::uint32_t>(m));
    fleets.movementsInto[net.movement(id).toRoad.index()].push_back(id);
  }
  fleets.roadSpeedSum.assign(net.roads().size(), 0.0);
  fleets.roadVehicleS.assign(net.roads().size(), 0.0);
  fleets.movementDelaySum.assign(net.movements().size(), 0.0);
  fleets.movementExits.assign(net.movements().size(), 0.0);
  fleets.movementSeenS.assign(net.movements().size(), 0.0);
  fleets.crossedLineS.assign(vehicles.hot.size(), -1.0);
  fleets.crossedInto.assign(vehicles.hot.size(), UINT32_MAX);
  fleets.exitDelayS.assign(net.movements().size(), 0.0);
  fleets.roadTimeS.assign(fleetSpecs.fleets.size(), std::vector<double>(net.roads().size(), 0.0));
  fleets.waysTo.resize(fleetSpecs.fleets.size());
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
  for (FleetVehicle& fv : fleets.fleetVehicles) vehicles.pointRoute(fv.vehicle, fv.route);  // the vector no longer moves
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
    estimateRoadTimes(s, nowS);
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
        if (!(v.flags & kInBay)) park(s, fv);  // until there is work
        continue;
      }
    }
    if (v.flags & kInBay) {
      if (fv.plan.empty() || !leaveBay(s.view, s.vehicles, fv.vehicle)) continue;
      fv.route.clear();  // take a fresh route below
    }
    if (fv.plan.empty()) {
      if (!s.view.tracks[v.track].isConnector() && v.speedMps < kHaltingSpeedMps) park(s, fv);
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
        if (fv.plan.empty()) park(s, fv);
        else fv.route.clear();
        continue;
      }
      makeStop(s, fv, nowS);
    }
  }
  // Last, after the fleet's own routes changed: who crosses a stop line this step, and by which turn.
  observeExits(s);
}

}  // namespace traffic::engine
