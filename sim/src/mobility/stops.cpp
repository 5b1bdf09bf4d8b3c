// Transit stops: vehicles of a line halt at each of its stops, let passengers off and on, and
// leave when the doors close. A serial phase after `move`: runs are few (tens to hundreds against
// thousands of cars), and treating them in vehicle order keeps boarding deterministic.
//
// Dwell time = door dead time + the passenger flows through the doors, by the line's door and fare
// rules (dwellTimeS in transit.cpp), and at least the line's stand time at the stop where it has
// one (a SUMO stop's duration). Passengers board in the order they reached the stop, while
// there is room; one who reaches the stop while the doors are open boards too and lengthens the
// dwell; whoever comes after the doors closed waits for the next vehicle. A passenger whose stop
// was passed (the vehicle could not reach the stop lane) gets off at the next stop served.
//
// Holding: at a timing point of a line with holding, a run that is early on its schedule
// ("schedule") or too close behind the run ahead ("headway") keeps its doors open until it may
// leave; passengers keep boarding meanwhile.
//
// At an in-lane stop the dwelling vehicle stays on its lane and blocks it; at a bay it leaves the
// lane's occupant list and, once the doors close, merges back when the gap behind it is safe.
#include <algorithm>

#include "engine/lane_entry.h"
#include "engine/state.h"
#include "mobility/service_stops.h"

namespace traffic::engine {

// What the serveStops phase reads (const) and writes, by the names of the engine state's subsystems.
struct TransitContext {
  const NetworkView& view;
  const SimClock& clock;
  Vehicles& vehicles;
  TransitState& transit;
};

namespace {

// When a run at its next stop may leave at the earliest, by the line's holding rule: its scheduled
// time there, or the scheduled headway (times the line's ratio) after the last run of the line to
// leave the stop (one still standing there counts as leaving now). 0: not held.
double holdUntil(const TransitContext& s, const TransitRun& run, double nowS) {
  const TransitLine& line = lineOf(s.view, run);
  const std::uint16_t k = run.nextStop;
  if (line.holding == Holding::None || !line.timingPoint[k]) return 0;
  const double departS = s.view.scenario->demand.trips[run.vehicle].departS;
  if (line.holding == Holding::Schedule) return departS + line.scheduleS[k];
  // Headway: the scheduled gap to the departure before this run's (or after it, for the first).
  const auto& departures = line.departuresS;
  if (departures.size() < 2) return 0;
  const auto at = std::lower_bound(departures.begin(), departures.end(), departS) - departures.begin();
  const double headwayS = at > 0 ? departures[static_cast<std::size_t>(at)] - departures[static_cast<std::size_t>(at) - 1]
                                 : departures[1] - departures[0];
  double lastLeftS = -1;
  for (const TransitRun& other : s.transit.runs) {
    if (&other == &run || other.line != run.line || other.arriveS[k] < 0) continue;
    lastLeftS = std::max(lastLeftS, other.departS[k] >= 0 ? other.departS[k] : nowS);
  }
  return lastLeftS < 0 ? 0 : lastLeftS + line.holdingHeadwayRatio * headwayS;
}

// The run has reached its next stop: passengers off and on, doors open for the dwell time.
void openDoors(const TransitContext& s, TransitRun& run, double nowS) {
  Vehicle& v = s.vehicles.hot[run.vehicle];
  const TransitLine& line = lineOf(s.view, run);
  const auto& demand = s.view.scenario->transit.passengers;
  const std::uint16_t k = run.nextStop;
  run.ride.accrue(v.distanceM, run.onboard.size());

  std::uint32_t alighting = 0;
  std::erase_if(run.onboard, [&](std::uint32_t p) {
    if (demand[p].toStop > k) return false;
    s.transit.passengers[p].alightS = nowS + alightedAfterS(line, ++alighting);
    return true;
  });
  std::uint32_t boarding = 0;
  auto& queue = s.transit.waiting[s.transit.lineStopBase[run.line] + k];
  while (!queue.empty() && run.onboard.size() < line.capacity) {
    const std::uint32_t p = queue.front();
    queue.erase(queue.begin());
    s.transit.passengers[p].boardS = nowS + boardedAfterS(line, alighting, ++boarding);
    s.transit.passengers[p].vehicle = run.vehicle;
    run.onboard.push_back(p);
  }
  run.boarded += boarding;
  run.maxLoad = std::max(run.maxLoad, static_cast<std::uint32_t>(run.onboard.size()));
  run.alightedHere = alighting;
  run.boardedHere = boarding;

  run.arriveS[k] = nowS;
  const double departS = s.view.scenario->demand.trips[run.vehicle].departS;
  const double scheduled = departS + line.scheduleS[k];
  run.asksPriority = line.priorityWhenLateS < 0 || nowS - scheduled >= line.priorityWhenLateS;
  run.dwellLeftS = dwellTimeS(line, alighting, boarding);
  if (!line.standS.empty()) run.dwellLeftS = std::max(run.dwellLeftS, line.standS[k]);
  run.holdUntilS = holdUntil(s, run, nowS);
  v.flags |= kDwelling;
  if (nextStopOf(s.view, run).bay) enterBay(s.vehicles, run.vehicle);
}

// Passengers who reached the stop while the doors are open board if there is room, each adding
// their time through the door to the dwell (from now if the doors stood idle, held).
void boardWhileOpen(const TransitContext& s, TransitRun& run, double nowS) {
  const TransitLine& line = lineOf(s.view, run);
  auto& queue = s.transit.waiting[s.transit.lineStopBase[run.line] + run.nextStop];
  if (queue.empty() || run.onboard.size() >= line.capacity) return;
  const double before = dwellTimeS(line, run.alightedHere, run.boardedHere);
  const std::uint32_t first = run.boardedHere;
  while (!queue.empty() && run.onboard.size() < line.capacity) {
    const std::uint32_t p = queue.front();
    queue.erase(queue.begin());
    ++run.boardedHere;
    // Through the door after those ahead of it, as if the doors had opened at their arrival.
    const double behindS = boardedAfterS(line, run.alightedHere, run.boardedHere - first) - line.doorS * 0.5;
    s.transit.passengers[p].boardS = nowS + std::max(0.0, run.dwellLeftS - line.doorS * 0.5) + behindS;
    s.transit.passengers[p].vehicle = run.vehicle;
    run.onboard.push_back(p);
  }
  const std::uint32_t added = run.boardedHere - first;
  run.boarded += added;
  run.maxLoad = std::max(run.maxLoad, static_cast<std::uint32_t>(run.onboard.size()));
  // Standing idle (held), the doors serve the newcomers from now; still busy, the flows add up.
  if (run.dwellLeftS <= 0) {
    run.dwellLeftS = boardedAfterS(line, 0, added) - line.doorS * 0.5;
  } else {
    run.dwellLeftS += dwellTimeS(line, run.alightedHere, run.boardedHere) - before;
  }
}

// Whether the run has gone past its next stop without halting there (it could not reach the stop
// lane in time, or skips stops nobody needs).
bool passedNextStop(const TransitContext& s, const TransitRun& run) {
  const Vehicle& v = s.vehicles.hot[run.vehicle];
  const TransitLine& line = lineOf(s.view, run);
  const std::uint16_t roadIndex = line.stopRoute[run.nextStop];
  if (v.routeIndex != roadIndex) return v.routeIndex > roadIndex;
  if (s.view.tracks[v.track].isConnector()) return false;  // on its way into the stop's road
  const TransitStop& stop = nextStopOf(s.view, run);
  if (v.posM > stop.positionM + kStopToleranceM) return true;
  return line.skipEmptyStops && v.posM >= stop.positionM - kStopToleranceM && !hasBusiness(s.view, s.transit, run);
}

}  // namespace

// Merge a vehicle waiting in a bay back into its lane if the vehicles around leave room.
bool leaveBay(const NetworkView& view, Vehicles& vehicles, std::uint32_t id) {
  Vehicle& v = vehicles.hot[id];
  const VehicleType& t = view.type(v);
  auto& occ = vehicles.occupants[v.track];
  const auto it = std::partition_point(occ.begin(), occ.end(), [&](std::uint32_t u) { return vehicles.hot[u].posM >= v.posM; });
  if (it != occ.begin()) {
    const Vehicle& leader = vehicles.hot[*(it - 1)];
    if (leader.posM - view.type(leader).lengthM - v.posM < t.minGapM) return false;
  }
  if (it != occ.end()) {
    const Vehicle& follower = vehicles.hot[*it];
    const VehicleType& ft = view.type(follower);
    // The follower must be able to stop behind us comfortably.
    const double needed = ft.minGapM + follower.speedMps * follower.speedMps / (2.0 * ft.comfortDecelMps2);
    if (v.posM - t.lengthM - follower.posM < needed) return false;
  } else if (enteringFromJunction(view, vehicles, v.track)) {
    // Nobody behind it on the lane, but vehicles are driving in through the junction at the lane's
    // start, and arbitration promised them the room there: merging in within their stopping
    // distance of the start (a depot at the start of a road) could leave them standing in the box.
    const double limit = view.tracks[v.track].speedLimitMps;
    if (v.posM - t.lengthM < entryShareM(view, t) + limit * limit / (2.0 * t.comfortDecelMps2)) return false;
  }
  attachByPosition(view, vehicles, id, v.track);
  v.flags &= ~kInBay;
  vehicles.inBay.erase(std::find(vehicles.inBay.begin(), vehicles.inBay.end(), id));
  return true;
}

void enterBay(Vehicles& vehicles, std::uint32_t id) {
  detach(vehicles, id);
  vehicles.hot[id].flags |= kInBay;
  vehicles.hot[id].speedMps = 0;
  vehicles.inBay.insert(std::upper_bound(vehicles.inBay.begin(), vehicles.inBay.end(), id), id);
}

void initTransit(const NetworkView& view, Vehicles& vehicles, TransitState& transit) {
  const Transit& lines = view.scenario->transit;
  if (lines.empty()) return;
  transit.runOfVehicle.assign(vehicles.hot.size(), UINT32_MAX);
  const auto& trips = view.scenario->demand.trips;
  for (std::size_t i = 0; i < trips.size(); ++i) {
    if (trips[i].line == UINT32_MAX) continue;
    TransitRun run;
    run.vehicle = static_cast<std::uint32_t>(i);
    run.line = trips[i].line;
    const std::size_t stops = lines.lines[run.line].stops.size();
    run.arriveS.assign(stops, -1);
    run.departS.assign(stops, -1);
    run.asksPriority = lines.lines[run.line].priorityWhenLateS < 0;
    transit.runOfVehicle[i] = static_cast<std::uint32_t>(transit.runs.size());
    transit.runs.push_back(std::move(run));
    vehicles.hot[i].flags |= kTransit;
  }
  transit.passengers.resize(lines.passengers.size());
  for (const TransitLine& line : lines.lines) {
    transit.lineStopBase.push_back(static_cast<std::uint32_t>(transit.waiting.size()));
    transit.waiting.resize(transit.waiting.size() + line.stops.size());
  }
}

void serveStops(const NetworkView& view, const SimClock& clock, Vehicles& vehicles, TransitState& transit) {
  const TransitContext s{view, clock, vehicles, transit};
  if (s.transit.runs.empty()) return;
  const double nowS = s.clock.nowS + s.clock.dtS;  // the end of this step
  const auto& demand = s.view.scenario->transit.passengers;
  for (; s.transit.nextPassenger < demand.size() && demand[s.transit.nextPassenger].arriveS <= nowS; ++s.transit.nextPassenger) {
    const Passenger& p = demand[s.transit.nextPassenger];
    s.transit.waiting[s.transit.lineStopBase[p.line] + p.fromStop].push_back(static_cast<std::uint32_t>(s.transit.nextPassenger));
  }
  for (TransitRun& run : s.transit.runs) {
    Vehicle& v = s.vehicles.hot[run.vehicle];
    if (!(v.flags & kInNetwork)) continue;
    if (v.flags & kDwelling) {
      boardWhileOpen(s, run, nowS);
      run.dwellLeftS -= s.clock.dtS;
      if (run.dwellLeftS > 1e-9 || nowS < run.holdUntilS - 1e-9) continue;
      v.flags &= ~kDwelling;
      run.departS[run.nextStop] = nowS;
      ++run.nextStop;
    }
    if (v.flags & kInBay) {
      leaveBay(s.view, s.vehicles, run.vehicle);
      continue;
    }
    const TransitLine& line = lineOf(s.view, run);
    if (run.nextStop >= line.stops.size()) continue;
    if (passedNextStop(s, run)) {
      run.arriveS[run.nextStop] = -2;
      ++run.nextStop;
      continue;
    }
    const TransitStop& stop = nextStopOf(s.view, run);
    const bool atStop = !s.view.tracks[v.track].isConnector() && v.track == s.view.laneTrack(stop.lane) &&
                        v.posM >= stop.positionM - kStopToleranceM && v.speedMps < kHaltingSpeedMps;
    if (atStop) openDoors(s, run, nowS);
  }
}

}  // namespace traffic::engine
