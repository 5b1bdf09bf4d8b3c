// Transit stops: vehicles of a line halt at each of its stops, let passengers off and on, and
// leave when the doors close. A serial phase after `move`: runs are few (tens to hundreds against
// thousands of cars), and treating them in vehicle order keeps boarding deterministic.
//
// Dwell time = door time + the longer of alighting (rear door) and boarding (front door), each
// passenger taking the line's per-passenger time: the two doors work in parallel. Passengers board
// in the order they reached the stop, while there is room; whoever is still waiting when the doors
// close waits for the next vehicle. A passenger whose stop was passed (the vehicle could not reach
// the stop lane) gets off at the next stop served.
//
// At an in-lane stop the dwelling vehicle stays on its lane and blocks it; at a bay it leaves the
// lane's occupant list and, once the doors close, merges back when the gap behind it is safe.
#include <algorithm>

#include "engine/state.h"

namespace traffic::engine {
namespace {

const TransitLine& lineOf(const State& s, const TransitRun& run) { return s.view.scenario->transit.lines[run.line]; }

const TransitStop& nextStopOf(const State& s, const TransitRun& run) {
  return s.view.scenario->transit.stops[lineOf(s, run).stops[run.nextStop]];
}

// Someone to let off or on at the run's next stop.
bool hasBusiness(const State& s, const TransitRun& run) {
  const auto& passengers = s.view.scenario->transit.passengers;
  for (std::uint32_t p : run.onboard)
    if (passengers[p].toStop <= run.nextStop) return true;
  const bool room = run.onboard.size() < lineOf(s, run).capacity;
  return room && !s.transit.waiting[s.transit.lineStopBase[run.line] + run.nextStop].empty();
}

// The run has reached its next stop: passengers off and on, doors open for the dwell time.
void openDoors(State& s, TransitRun& run, double nowS) {
  Vehicle& v = s.traffic.vehicles[run.vehicle];
  const TransitLine& line = lineOf(s, run);
  const auto& demand = s.view.scenario->transit.passengers;
  const std::uint16_t k = run.nextStop;
  run.ride.accrue(v.distanceM, run.onboard.size());

  std::size_t alighting = 0;
  std::erase_if(run.onboard, [&](std::uint32_t p) {
    if (demand[p].toStop > k) return false;
    s.transit.passengers[p].alightS = nowS + line.doorS * 0.5 + static_cast<double>(++alighting) * line.alightingS;
    return true;
  });
  std::size_t boarding = 0;
  auto& queue = s.transit.waiting[s.transit.lineStopBase[run.line] + k];
  while (!queue.empty() && run.onboard.size() < line.capacity) {
    const std::uint32_t p = queue.front();
    queue.erase(queue.begin());
    s.transit.passengers[p].boardS = nowS + line.doorS * 0.5 + static_cast<double>(++boarding) * line.boardingS;
    s.transit.passengers[p].vehicle = run.vehicle;
    run.onboard.push_back(p);
  }
  run.boarded += static_cast<std::uint32_t>(boarding);
  run.maxLoad = std::max(run.maxLoad, static_cast<std::uint32_t>(run.onboard.size()));

  run.arriveS[k] = nowS;
  const double scheduled = s.view.scenario->demand.trips[run.vehicle].departS + line.scheduleS[k];
  run.asksPriority = line.priorityWhenLateS < 0 || nowS - scheduled >= line.priorityWhenLateS;
  run.dwellLeftS = line.doorS + std::max(static_cast<double>(alighting) * line.alightingS,
                                         static_cast<double>(boarding) * line.boardingS);
  v.flags |= kDwelling;
  if (nextStopOf(s, run).bay) enterBay(s, run.vehicle);
}

// Whether the run has gone past its next stop without halting there (it could not reach the stop
// lane in time, or skips stops nobody needs).
bool passedNextStop(const State& s, const TransitRun& run) {
  const Vehicle& v = s.traffic.vehicles[run.vehicle];
  const TransitLine& line = lineOf(s, run);
  const std::uint16_t roadIndex = line.stopRoute[run.nextStop];
  if (v.routeIndex != roadIndex) return v.routeIndex > roadIndex;
  if (s.view.tracks[v.track].isConnector()) return false;  // on its way into the stop's road
  const TransitStop& stop = nextStopOf(s, run);
  if (v.posM > stop.positionM + kStopToleranceM) return true;
  return line.skipEmptyStops && v.posM >= stop.positionM - kStopToleranceM && !hasBusiness(s, run);
}

}  // namespace

// Merge a vehicle waiting in a bay back into its lane if the vehicles around leave room.
bool leaveBay(State& s, std::uint32_t id) {
  Vehicle& v = s.traffic.vehicles[id];
  const VehicleType& t = s.view.type(v);
  auto& occ = s.traffic.occupants[v.track];
  const auto it = std::partition_point(occ.begin(), occ.end(), [&](std::uint32_t u) { return s.traffic.vehicles[u].posM >= v.posM; });
  if (it != occ.begin()) {
    const Vehicle& leader = s.traffic.vehicles[*(it - 1)];
    if (leader.posM - s.view.type(leader).lengthM - v.posM < t.minGapM) return false;
  }
  if (it != occ.end()) {
    const Vehicle& follower = s.traffic.vehicles[*it];
    const VehicleType& ft = s.view.type(follower);
    // The follower must be able to stop behind us comfortably.
    const double needed = ft.minGapM + follower.speedMps * follower.speedMps / (2.0 * ft.comfortDecelMps2);
    if (v.posM - t.lengthM - follower.posM < needed) return false;
  }
  attachByPosition(s, id, v.track);
  v.flags &= ~kInBay;
  s.traffic.inBay.erase(std::find(s.traffic.inBay.begin(), s.traffic.inBay.end(), id));
  return true;
}

void enterBay(State& s, std::uint32_t id) {
  detach(s, id);
  s.traffic.vehicles[id].flags |= kInBay;
  s.traffic.vehicles[id].speedMps = 0;
  s.traffic.inBay.insert(std::upper_bound(s.traffic.inBay.begin(), s.traffic.inBay.end(), id), id);
}

void initTransit(State& s) {
  const Transit& lines = s.view.scenario->transit;
  if (lines.empty()) return;
  s.transit.runOfVehicle.assign(s.traffic.vehicles.size(), UINT32_MAX);
  const auto& trips = s.view.scenario->demand.trips;
  for (std::size_t i = 0; i < trips.size(); ++i) {
    if (trips[i].line == UINT32_MAX) continue;
    TransitRun run;
    run.vehicle = static_cast<std::uint32_t>(i);
    run.line = trips[i].line;
    const std::size_t stops = lines.lines[run.line].stops.size();
    run.arriveS.assign(stops, -1);
    run.departS.assign(stops, -1);
    run.asksPriority = lines.lines[run.line].priorityWhenLateS < 0;
    s.transit.runOfVehicle[i] = static_cast<std::uint32_t>(s.transit.runs.size());
    s.transit.runs.push_back(std::move(run));
    s.traffic.vehicles[i].flags |= kTransit;
  }
  s.transit.passengers.resize(lines.passengers.size());
  for (const TransitLine& line : lines.lines) {
    s.transit.lineStopBase.push_back(static_cast<std::uint32_t>(s.transit.waiting.size()));
    s.transit.waiting.resize(s.transit.waiting.size() + line.stops.size());
  }
}

const TransitStop* stopAhead(const State& s, std::uint32_t vehicle, std::uint32_t track) {
  const Vehicle& v = s.traffic.vehicles[vehicle];
  if (!(v.flags & kTransit)) return nullptr;
  const TransitRun& run = s.transit.runs[s.transit.runOfVehicle[vehicle]];
  const TransitLine& line = lineOf(s, run);
  if (run.nextStop >= line.stops.size()) return nullptr;
  const TransitStop& stop = nextStopOf(s, run);
  if (v.flags & kDwelling) return &stop;
  // On the stop's road in another lane it halts beside the stop, to change lanes there.
  if (track >= s.view.laneCount || v.routeIndex != line.stopRoute[run.nextStop] ||
      s.view.net->lane(LaneId(track)).road != s.view.net->lane(stop.lane).road)
    return nullptr;
  if (v.posM > stop.positionM + kStopToleranceM) return nullptr;
  if (line.skipEmptyStops && !hasBusiness(s, run)) return nullptr;
  return &stop;
}

std::uint32_t stopLaneAt(const State& s, std::uint32_t vehicle, std::size_t routeIndex) {
  if (!(s.traffic.vehicles[vehicle].flags & kTransit)) return UINT32_MAX;
  const TransitRun& run = s.transit.runs[s.transit.runOfVehicle[vehicle]];
  const TransitLine& line = lineOf(s, run);
  if (run.nextStop >= line.stops.size() || routeIndex != line.stopRoute[run.nextStop]) return UINT32_MAX;
  return s.view.laneTrack(nextStopOf(s, run).lane);
}

std::uint32_t stopLaneOnRoad(const State& s, std::uint32_t vehicle) {
  const Vehicle& v = s.traffic.vehicles[vehicle];
  if (!(v.flags & kTransit) || s.view.tracks[v.track].isConnector()) return UINT32_MAX;
  const std::uint32_t lane = stopLaneAt(s, vehicle, v.routeIndex);
  if (lane == UINT32_MAX || v.posM > nextStopOf(s, s.transit.runs[s.transit.runOfVehicle[vehicle]]).positionM + kStopToleranceM)
    return UINT32_MAX;
  return lane;
}

void serveStops(State& s) {
  if (s.transit.runs.empty()) return;
  const double nowS = s.clock.nowS + s.clock.dtS;  // the end of this step
  const auto& demand = s.view.scenario->transit.passengers;
  for (; s.transit.nextPassenger < demand.size() && demand[s.transit.nextPassenger].arriveS <= nowS; ++s.transit.nextPassenger) {
    const Passenger& p = demand[s.transit.nextPassenger];
    s.transit.waiting[s.transit.lineStopBase[p.line] + p.fromStop].push_back(static_cast<std::uint32_t>(s.transit.nextPassenger));
  }
  for (TransitRun& run : s.transit.runs) {
    Vehicle& v = s.traffic.vehicles[run.vehicle];
    if (!(v.flags & kInNetwork)) continue;
    if (v.flags & kDwelling) {
      run.dwellLeftS -= s.clock.dtS;
      if (run.dwellLeftS > 1e-9) continue;
      v.flags &= ~kDwelling;
      run.departS[run.nextStop] = nowS;
      ++run.nextStop;
    }
    if (v.flags & kInBay) {
      leaveBay(s, run.vehicle);
      continue;
    }
    const TransitLine& line = lineOf(s, run);
    if (run.nextStop >= line.stops.size()) continue;
    if (passedNextStop(s, run)) {
      run.arriveS[run.nextStop] = -2;
      ++run.nextStop;
      continue;
    }
    const TransitStop& stop = nextStopOf(s, run);
    const bool atStop = !s.view.tracks[v.track].isConnector() && v.track == s.view.laneTrack(stop.lane) &&
                        v.posM >= stop.positionM - kStopToleranceM && v.speedMps < kHaltingSpeedMps;
    if (atStop) openDoors(s, run, nowS);
  }
}

}  // namespace traffic::engine
