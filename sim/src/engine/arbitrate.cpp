// The arbitrate phase: who may enter a junction this step.
//
// Arbitration runs per junction. For each incoming lane it walks the vehicles near the stop line
// front to back and grants entry until the first refusal (nobody overtakes a waiting vehicle).
// A grant needs:
//   - a signal that allows the movement: green; yellow only for a vehicle that cannot stop
//     comfortably; a vehicle that was granted and can no longer stop keeps its grant (commitment);
//   - room on the exit lane for the whole vehicle behind where that lane's queue will stop,
//     counting the vehicles already in the junction or granted towards that lane: nobody halts in
//     the box (roomOnLane; a looser rule is a scenario option);
//   - no conflict: a vehicle still in the junction on a crossing or merging connector must have
//     cleared the zone around the conflict point (where the two could touch) before we reach it,
//     and one standing in it is not assumed to move; and on a permissive green (a turn across
//     protected traffic) the protected vehicles granted this step must reach the zone only after
//     we have cleared it, with a margin (gap acceptance). Arrival and clearing times on both sides
//     come from each vehicle's own speed, acceleration and desired speed.
// Where the map gives right of way (RoadNetwork's RightOfWay other than ByTurn), a permissive
// green means the map's minor movement, and it gives way only at the conflicts the map marks
// (Conflict::yields), to every vehicle approaching the foe connector that could reach the zone
// before we have cleared it (not only to those granted this step: a major-road driver is not asked
// whether it may go). A connector marked stopFirst is entered only after a halt at the line. At an
// all-way stop the vehicles at their lines go first come first served, whatever the yields say:
// the one that has waited there longest first, ties to the lane that comes first in the junction's
// incoming order (the wait is dynamic state, VehicleCold::atLineS, checkpointed). When every
// vehicle waiting at a line gives way to another one waiting (four cars at a right-before-left
// junction), the one halted longest (same tie rule) drives as if the waiting ones were not there.
// A turn the map lets wait inside a junction with signals (Connector::waitsInside: SUMO's link
// through an internal junction, a left turn across the opposite stream) may, on its permissive
// green and without its gap, be entered up to a waiting position just before the first zone at
// which it gives way (NetworkView::insideStopM, SUMO's internal stop line), by as many vehicles as
// fit between the line and that position; the first of them that has not yet got its gap stops
// there (holdInside, JunctionWork::insideHeld, which the plan phase reads) and goes when the gap
// comes, from where it is, whatever its own light shows by then.
// Inside the box the plan phase keeps vehicles apart on its own (plan.cpp): arbitration decides
// who enters, not who is where once inside.
// Protected movements are arbitrated before permissive ones so that permissive vehicles see the
// protected grants of the same step. Nothing here depends on thread scheduling: a junction writes
// only its own connectors, the grant flags of its approaching vehicles and its own scratch.
#include <algorithm>
#include <cmath>

#include "engine/lane_choice.h"
#include "engine/lane_entry.h"
#include "engine/state.h"
#include "mobility/service_stops.h"

namespace traffic::engine {

// What the arbitrateJunctions phase reads (const) and writes, by the names of the engine state's subsystems.
struct ArbitrationContext {
  const Executor& exec;
  const NetworkView& view;
  const Signals& signals;
  const ServiceStops& stops;
  Vehicles& vehicles;
  JunctionWork& junctionWork;
};

namespace {

constexpr double kGapAcceptanceS = 1.5;  // margin a permissive vehicle leaves to protected traffic
constexpr double kClearanceS = 1.0;      // margin behind a vehicle still crossing a conflict point
constexpr std::uint32_t kNoVehicle = UINT32_MAX;
constexpr double kMinorGapS = 1.0;       // margin a minor-road vehicle leaves to the major road (SUMO's jmTimegapMinor)
constexpr double kQueueFrontShortM = 3.0;  // how far short of the line the head of a queue may stop
constexpr double kAtLineM = 3.0;           // a vehicle halted this close to its stop line has stopped there
constexpr double kYieldLookM = 250.0;      // how far up a foe lane a vehicle giving way looks
constexpr double kShortLaneM = 20.0;       // a lane this short may stand between two junctions as part of both
constexpr double kArrivedMps = 1.0;        // below this, within kAtLineM, a vehicle has arrived at an all-way stop
constexpr double kTimeToImpatienceS = 180.0;  // waiting time after which a minor-road driver is fully impatient (SUMO's --time-to-impatience)
constexpr double kImpatientLaterS = 30.0;     // how much later a fully impatient driver assumes a major-road vehicle that can still stop arrives

// Distance before the stop line within which a vehicle asks to enter. Beyond it the stop line is
// too far to influence an IDM driver, so it is not an obstacle yet.
double requestHorizon(const VehicleType& t, double v) {
  const double interaction = 1.5 * idmDesiredGap(t, v, v) + 5.0;
  const double braking = v * v / (2.0 * t.comfortDecelMps2) + 10.0;
  return std::max({30.0, interaction, braking});
}

// Room a lane can still take. Its vehicles move on, so what matters is the length not yet taken
// by vehicles and their minimum gaps (the lane's gross occupancy: where its queue will stop), or
// the space behind its last vehicle once that stands still. Under the no-blocking rule (the
// default) every vehicle, on the lane or entering it, also counts the slack it may leave beyond
// its minimum gap when it stops (drivers do not stop at exactly the minimum gap), so that the
// queue's real end is not further back than assumed, and where part of the queue stands, its end
// is counted from the last standing vehicle: when a queue starts to move, its back stands on for
// a second or so per vehicle (the start-up wave) while its front is already gone, and a vehicle
// let in on the strength of the gross free length would stop in the box behind it. The looser rule
// of earlier versions (`[dynamics] junction_entry = "free_length"`) counts no slack.
double stopSlack(const ArbitrationContext& s) {
  return s.view.scenario->junctionEntry == JunctionEntry::RoomBehindQueue ? kStopSlackM : 0.0;
}

double roomOnLane(const ArbitrationContext& s, TrackId laneTrack, double reservedM) {
  reservedM += s.junctionWork.mergeWaitM[laneTrack];
  const auto& occ = s.vehicles.occupants[laneTrack];
  if (occ.empty()) return s.view.tracks[laneTrack].lengthM - reservedM;
  // Speed, not the halted flag: the flags of that vehicle may be written by the junction at the
  // lane's other end during this same phase.
  const Vehicle& last = s.vehicles.hot[occ.back()];
  if (last.speedMps < kHaltingSpeedMps) return s.view.rearOf(last) - reservedM;
  return s.junctionWork.laneRoomM[laneTrack] - reservedM;
}

// Whether the front vehicle of a lane that asks to go on (leavers skipped) stands there and must
// change lanes to do so: the only case in which mergeWait (below) finds anything beside. Most
// lanes have none, and this asks once per lane what mergeWait would ask once from each side.
bool frontMustMerge(const ArbitrationContext& s, LaneId lane) {
  for (std::uint32_t u : s.vehicles.occupants[s.view.laneTrack(lane)]) {
    if (s.vehicles.onLastRoad(u)) continue;
    const Vehicle& v = s.vehicles.hot[u];
    return v.speedMps < kHaltingSpeedMps && !s.view.laneLeadsTo(lane, *s.vehicles.nextRoad(u)) && !(v.flags & (kTransit | kFleet));
  }
  return false;
}

// Room a lane holds for the vehicles that stand on a neighbouring lane of its road and must change
// into it to go on (their lane has no connector onto their next road, and this lane is on the way
// to one that has): the lane's front vehicles of that kind, each with its share. Granting their
// room to vehicles from the junction behind would keep the lane's room promised to the box, and a
// change into promised room is refused (lane_change.cpp): a stream through the junction would hold
// them at their stop line, and the lane behind them, until the gridlock handler. SUMO's drivers
// likewise let a vehicle that must merge in ahead of those still coming. Transit and fleet
// vehicles heading for a stop's lane are not counted (their lane is the stop's, not the route's).
// `lanes` are the lanes of the road, the lane is lanes[here].
double mergeWait(const ArbitrationContext& s, const std::vector<LaneId>& lanes, int here) {
  double held = 0;
  for (int side = here - 1; side <= here + 1; side += 2) {
    if (side < 0 || side >= static_cast<int>(lanes.size())) continue;
    const LaneId from = lanes[static_cast<std::size_t>(side)];
    for (std::uint32_t u : s.vehicles.occupants[s.view.laneTrack(from)]) {
      if (s.vehicles.onLastRoad(u)) continue;
      // A moving vehicle ends the search as one that goes on from its lane does (the queue's
      // front is not standing there); it is the cheaper test, so it comes first.
      const Vehicle& v = s.vehicles.hot[u];
      if (v.speedMps >= kHaltingSpeedMps) break;
      const RoadId next = *s.vehicles.nextRoad(u);
      if (s.view.laneLeadsTo(from, next)) break;  // it goes on from there, and those behind it queue
      if (v.flags & (kTransit | kFleet)) break;
      bool onTheWay = false;  // this lane, or one beyond it on the same side, leads on
      for (int k = here; k >= 0 && k < static_cast<int>(lanes.size()) && !onTheWay; k += here - side)
        onTheWay = s.view.laneLeadsTo(lanes[static_cast<std::size_t>(k)], next);
      if (!onTheWay) break;
      held += entryShareM(s.view, s.view.type(v));
    }
  }
  return held;
}

// The time a vehicle on (or, with a negative position, before) a connector needs to reach a point
// `distanceM` ahead with its type's own acceleration and its desired speed on that connector (the
// turn's speed from its curvature, not the lane's limit).
double arrivalS(const NetworkView& view, const Vehicle& v, double distanceM, ConnectorId on) {
  return timeToCover(distanceM, v.speedMps, view.type(v).accelMps2, view.desiredSpeedOn(v, view.connectorTrack(on)));
}

// SUMO's drivers grow impatient while they wait to give way: a driver halted at its line for W
// seconds counts a major-road vehicle that can still stop comfortably before the junction as
// arriving kImpatientLaterS · min(1, W / kTimeToImpatienceS) later than it would (SUMO:
// MSBaseVehicle::getImpatience, and MSLink::blockedByFoe weighting the foe's arrival time with the
// one if it braked, by then 30 s later), and pulls out in front of it; the major-road vehicle then
// stops for it. Without this a minor road facing a major road whose queue crawls past (never a
// gap a patient driver takes) waits until the major road's queue is gone. This is how much later
// `minor` (at `minorDistM` before its line, waiting there for `waitedS`) sees `major` (at
// `majorDistM` before its own line) arrive.
double impatientDelayS(const NetworkView& view, const Vehicle& minor, double minorDistM, double waitedS, const Vehicle& major, double majorDistM) {
  if (minor.speedMps >= kHaltingSpeedMps || minorDistM > kAtLineM) return 0;
  if (!canStopWithin(major.speedMps, majorDistM, view.type(major).comfortDecelMps2)) return 0;
  return kImpatientLaterS * std::min(1.0, waitedS / kTimeToImpatienceS);
}

struct JunctionArbiter {
  const ArbitrationContext& s;
  const RoadNetwork& net;
  IdVector<TrackId, double>& reservedM;    // per lane track: space promised to vehicles in or into the box
  IdVector<ConnectorId, VehicleId>& firstGrant;  // per connector: the first vehicle granted this step
  // The junction being arbitrated: its right of way, and the vehicle let through a deadlock of
  // waiting vehicles (none when there is no such deadlock).
  RightOfWay rightOfWay = RightOfWay::ByTurn;
  VehicleId released;
  bool insideStops = false;  // a connector of the junction lets turners wait inside (NetworkView::insideStopsAt)

  // The movement a vehicle on an incoming lane of this junction asks for, if any.
  std::optional<MovementId> movementOf(std::uint32_t vehicle) const {
    const auto next = s.vehicles.nextRoad(vehicle);
    if (!next) return std::nullopt;
    return net.movementBetween(net.lane(s.view.tracks[s.vehicles.hot[vehicle].track].lane).road, *next);
  }

  // The vehicle at the front of an incoming lane that asks to cross (leavers skipped), if any.
  std::optional<std::uint32_t> frontAsking(TrackId lane) const {
    for (std::uint32_t u : s.vehicles.occupants[lane])
      if (!s.vehicles.onLastRoad(u)) return u;
    return std::nullopt;
  }

  // Whether a connector of `movement` leaving `fromLane` has a conflict with one of `foeMovement`
  // leaving `foeLane`; with `yieldsOnly`, one at which it gives way.
  bool conflictsWith(LaneId fromLane, MovementId movement, LaneId foeLane, MovementId foeMovement, bool yieldsOnly) const {
    for (ConnectorId c : net.lane(fromLane).outgoing) {
      const Connector& con = net.connector(c);
      if (con.movement != movement) continue;
      for (const Conflict& k : con.conflicts) {
        if (yieldsOnly && !k.yields) continue;
        const Connector& foe = net.connector(k.other);
        if (foe.movement == foeMovement && foe.from == foeLane) return true;
      }
    }
    return false;
  }

  // Right of way from the map: the vehicle let through when every vehicle waiting at a line of
  // this junction (halted within kAtLineM, not granted) on a minor green gives way to another one
  // waiting, and nobody waiting could go. None otherwise.
  VehicleId deadlockRelease(JunctionId j) const {
    struct Waiting {
      std::uint32_t id;
      LaneId lane;
      MovementId movement;
      bool minor;
    };
    thread_local std::vector<Waiting> waiting;
    waiting.clear();
    for (LaneId l : s.view.incomingLanes(j)) {
      const TrackId track = s.view.laneTrack(l);
      const auto u = frontAsking(track);
      if (!u) continue;
      const Vehicle& v = s.vehicles.hot[*u];
      if ((v.flags & kGranted) || v.speedMps >= kHaltingSpeedMps || s.view.tracks[track].lengthM - v.posM > kAtLineM) continue;
      const auto m = movementOf(*u);
      if (!m) continue;
      const SignalState light = s.signals.movementStates[m->index()];
      if (light == SignalState::Red || light == SignalState::Yellow) continue;
      waiting.push_back({*u, l, *m, light == SignalState::GreenPermissive});
    }
    if (waiting.size() < 2) return {};
    for (const Waiting& w : waiting) {
      if (!w.minor) return {};  // it may go: no deadlock
      bool blocked = false;
      for (const Waiting& g : waiting)
        blocked = blocked || (&g != &w && conflictsWith(w.lane, w.movement, g.lane, g.movement, true));
      if (!blocked) return {};
    }
    const Waiting* longest = &waiting.front();
    for (const Waiting& w : waiting)
      if (s.vehicles.hot[w.id].haltedS > s.vehicles.hot[longest->id].haltedS) longest = &w;
    return VehicleId(longest->id);
  }

  // At an all-way stop, the time each vehicle at the front of an incoming lane has spent at its
  // line (within kAtLineM, slower than kArrivedMps, not granted), counted for every lane before
  // anyone is let in so that no lane's count is a step behind another's.
  void countTimeAtLines(JunctionId j) const {
    const auto dt = static_cast<float>(s.view.scenario->stepS);
    for (LaneId l : s.view.incomingLanes(j)) {
      const TrackId track = s.view.laneTrack(l);
      const auto u = frontAsking(track);
      if (!u) continue;
      const Vehicle& v = s.vehicles.hot[*u];
      if (!(v.flags & kGranted) && v.speedMps < kArrivedMps && s.view.tracks[track].lengthM - v.posM <= kAtLineM)
        s.vehicles.cold[*u].atLineS += dt;
    }
  }

  // Whether `vehicle` may enter an all-way stop now: nobody granted on a conflicting connector is
  // still before its line, and nobody at a line of a conflicting movement has waited there longer
  // (or as long, on a lane earlier in the junction's order).
  bool allWayTurn(std::uint32_t vehicle, LaneId lane, MovementId movement, JunctionId j) const {
    const float mine = s.vehicles.cold[vehicle].atLineS;
    bool earlierLane = true;  // lanes before ours in the junction's order
    for (LaneId l : s.view.incomingLanes(j)) {
      if (l == lane) {
        earlierLane = false;
        continue;
      }
      const TrackId track = s.view.laneTrack(l);
      const auto u = frontAsking(track);
      if (!u) continue;
      const bool granted = s.vehicles.hot[*u].flags & kGranted;
      const float theirs = s.vehicles.cold[*u].atLineS;
      if (!granted && theirs == 0) continue;
      const auto gm = movementOf(*u);
      if (!gm || !conflictsWith(lane, movement, l, *gm, false)) continue;
      if (granted || theirs > mine || (theirs == mine && earlierLane)) return false;
    }
    return true;
  }

  // Giving way at one conflict zone, where the map says so: the first vehicle approaching the foe
  // connector's lane for the foe movement (granted into that connector, or asking for the movement)
  // must reach the zone only after we have cleared it, with a margin. A foe on red does not come;
  // one standing ungranted on a protected green waits for something else; one waiting at its line
  // is ignored by the vehicle released from a deadlock.
  // `ungranted` is a major-road vehicle deciding whether to hold back for us (impatientMinorFirst):
  // its grant of the step before does not count. For a vehicle already inside the junction, waiting
  // at its connector's waiting position (insideStopM), a foe on yellow that can still stop
  // comfortably does not come (it will not be let in: walkLane), so the turner clears the junction
  // as the opposite stream's light changes; and once its own light is no longer green, it gives way
  // only to those already let in: the others will wait for it (they are not let in while it
  // stands in their path), as they wait for any vehicle still in the junction when their light
  // turns green. It grows impatient as a driver at the line does (toWaitM), and a major-road
  // vehicle holds back for it as for one at the line (impatientMinorFirst). What each of these
  // rules changed on cologne1 is in docs/validation-sumo.md ("Turns that wait inside the junction").
  bool yieldClear(std::uint32_t vehicle, const Connector& mine, double myClearS, const ConflictZone& z, const Conflict& k,
                  std::uint32_t ungranted) const {
    const Connector& foeCon = net.connector(k.other);
    const SignalState foeLight = s.signals.movementStates[foeCon.movement.index()];
    if (foeLight == SignalState::Red) return true;
    const RoadId foeTo = net.movement(foeCon.movement).toRoad;
    const TrackId lane = s.view.laneTrack(foeCon.from);
    const double laneLen = s.view.tracks[lane].lengthM;
    for (std::uint32_t u : s.vehicles.occupants[lane]) {
      const Vehicle& foe = s.vehicles.hot[u];
      const double foeDist = laneLen - foe.posM;
      if (foeDist > kYieldLookM) break;
      if (s.vehicles.onLastRoad(u)) continue;
      const bool granted = (foe.flags & kGranted) && u != ungranted;
      if (granted) {
        if (foe.nextConnector != k.other) continue;
      } else if (*s.vehicles.nextRoad(u) != foeTo) {
        continue;
      } else if (foe.speedMps < kHaltingSpeedMps && (foeLight == SignalState::GreenProtected || VehicleId(vehicle) == released)) {
        // Standing without a grant on a protected green, it waits for something else than us
        // (room on its exit lane, a vehicle in the box), as SUMO's foes that will not pass; and
        // the vehicle let through a deadlock passes those waiting.
        return true;
      }
      const Vehicle& me = s.vehicles.hot[vehicle];
      const bool inside = !s.view.isLaneTrack(me.track);
      if (inside && foeLight == SignalState::Yellow && canStopWithin(foe.speedMps, foeDist, s.view.type(foe).comfortDecelMps2)) return true;
      const SignalState myLight = s.signals.movementStates[mine.movement.index()];
      if (inside && !granted && myLight != SignalState::GreenProtected && myLight != SignalState::GreenPermissive) return true;
      // A major-road vehicle that was let in this step is not cut off (it did not give way to us:
      // impatientMinorFirst); one that was not, an impatient driver may pull out in front of.
      const double later = granted || foeLight != SignalState::GreenProtected
                               ? 0.0
                               : impatientDelayS(s.view, me, toWaitM(me), waitedS(me, mine), foe, foeDist);
      const double foeArrive = arrivalS(s.view, foe, foeDist + z.otherFromM, k.other);
      return foeArrive + later >= myClearS + kMinorGapS;  // those behind it come later
    }
    // Nobody on the foe lane. Where that lane is short (SUMO maps have edges of a few metres
    // between two junctions), the vehicles coming for the foe connector may still be inside the
    // junction before it, on their way onto the lane: the first of them on each connector feeding
    // it counts too, from where it is.
    if (laneLen >= kShortLaneM) return true;
    for (ConnectorId f : s.view.feeders[lane]) {
      const TrackId feeder = s.view.connectorTrack(f);
      for (std::uint32_t u : s.vehicles.occupants[feeder]) {
        const auto next = s.vehicles.nextRoad(u);
        if (!next || *next != foeTo) continue;
        const Vehicle& foe = s.vehicles.hot[u];
        const double foeDist = s.view.tracks[feeder].lengthM - foe.posM + laneLen;
        if (arrivalS(s.view, foe, foeDist + z.otherFromM, k.other) < myClearS + kMinorGapS) return false;
        break;  // those behind it come later
      }
    }
    return true;
  }

  // How far a vehicle has to go to where it waits to give way: its lane's stop line, or inside the
  // junction its connector's waiting position (insideStopM).
  double toWaitM(const Vehicle& v) const {
    const Track& here = s.view.tracks[v.track];
    return here.isConnector() ? s.view.insideStopM[here.connector] - v.posM : here.lengthM - v.posM;
  }

  // How long a driver halted at a line of junction `j` has waited to give way, for its
  // impatience: its time halted, at a light no longer than the current stage's green has lasted.
  // (SUMO's turner at a light waits for its gap inside the junction, at the internal stop line,
  // and its waiting time starts again when it pulls in as its green begins. Counting the red
  // before, cologne1's turners at its lights cut in front of the opposite straights as soon as
  // they got green: RESCO delay 76.8 s against SUMO's 58.9 s.)
  double waitedS(const Vehicle& minor, const Connector& c) const {
    const double halted = minor.haltedS;
    const std::int32_t k = s.signals.controllerOfJunction[c.junction.index()];
    if (k < 0 || !net.junction(c.junction).program || !c.waitsInside) return halted;
    return std::min(halted, s.signals.controllers[static_cast<std::size_t>(k)].timeInStageS());
  }

  // Whether `vehicle`, on a major road at `distM` before its line and let in so far, holds back
  // for an impatient minor-road driver who will pull out in front of it (impatientDelayS): a
  // vehicle halted at the line of a connector that gives way to ours, whose exit lane has room for
  // it, who would clear our path before we arrive only as it counts our arrival, and whom nothing
  // else holds. The same numbers as its own check (yieldClear), so that exactly one of the two goes.
  bool impatientMinorFirst(std::uint32_t vehicle, double distM, ConnectorId cid, const Connector& c) const {
    const Vehicle& me = s.vehicles.hot[vehicle];
    if (!canStopWithin(me.speedMps, distM, s.view.type(me).comfortDecelMps2)) return false;
    for (const Conflict& mine : c.conflicts) {
      const Connector& foeCon = net.connector(mine.other);
      if (s.signals.movementStates[foeCon.movement.index()] != SignalState::GreenPermissive) continue;
      std::size_t j = 0;
      while (j < foeCon.conflicts.size() && !(foeCon.conflicts[j].other == cid && foeCon.conflicts[j].yields)) ++j;
      if (j == foeCon.conflicts.size()) continue;
      // The driver waiting for it: the one held inside the junction at the foe connector's waiting
      // position (holdInside, this step), or else the front one at the foe lane's line.
      const TrackId lane = s.view.laneTrack(foeCon.from);
      const VehicleId held = insideStops ? s.junctionWork.insideHeld[mine.other] : VehicleId();
      const bool inside = held.valid() && s.vehicles.hot[held].track == s.view.connectorTrack(mine.other);
      const auto u = inside ? std::optional(held.value) : frontAsking(lane);
      if (!u || (!inside && s.vehicles.nextRoad(*u) != std::optional(net.movement(foeCon.movement).toRoad))) continue;
      const Vehicle& minor = s.vehicles.hot[*u];
      const VehicleType& mt = s.view.type(minor);
      const double minorDist = inside ? -minor.posM : s.view.tracks[lane].lengthM - minor.posM;
      const double later = impatientDelayS(s.view, minor, toWaitM(minor), waitedS(minor, foeCon), me, distM);
      if (later <= 0) continue;
      const TrackId to = s.view.laneTrack(foeCon.to);
      if (!inside && roomOnLane(s, to, reservedM[to]) < std::min(entryShareM(s.view, mt), s.view.tracks[to].lengthM)) continue;
      const ConflictZone& z = s.view.box->zones[mine.other.index()][j];
      const double minorClear = arrivalS(s.view, minor, minorDist + z.toM + mt.lengthM, mine.other);
      const double myArrive = arrivalS(s.view, me, distM + z.otherFromM, cid);
      // It would go with us held back: every other foe of its lets it (those let in this step
      // already are not cut off), so that we do not wait for a driver who waits for someone else.
      if (myArrive < minorClear + kMinorGapS && myArrive + later >= minorClear + kMinorGapS &&
          conflictsClear(*u, minorDist, mine.other, foeCon, true, vehicle))
        return true;
    }
    return false;
  }

  // Room for `vehicle` through a short exit lane `to` (track), or -infinity where that does not
  // apply. A lane shorter than two vehicles with their gaps (SUMO maps have edges of a few metres
  // between two junctions) would otherwise take one vehicle at a time: any vehicle on it, moving or
  // not, leaves it less room than a whole vehicle, and each vehicle let in then starts from rest.
  // Where the vehicle's turn at the lane's end is a protected green (the major road of a junction
  // without signals, or a light's protected green) and everyone on the lane drives on to the same
  // road without standing, the room that counts is the free space along the vehicle's next lanes
  // up to the first vehicle that will wait at its link (roomAlong), less what the vehicles on the
  // short lane and those granted or driving into it already take. SUMO's drivers likewise count a
  // leader's space as free unless a vehicle ahead has to wait at its link. Everything read here is
  // fixed during this phase (occupants, speeds, routes, lane rooms, signal states), so the result
  // does not depend on the order in which junctions are arbitrated.
  double passThroughRoom(std::uint32_t vehicle, TrackId to, double share) const {
    if (s.view.tracks[to].lengthM >= 2.0 * share) return -kInfinity;
    const auto& route = s.vehicles.routes[vehicle];
    const std::size_t ri = s.vehicles.hot[vehicle].routeIndex;
    if (ri + 2 >= route.size()) return -kInfinity;
    const RoadId afterNext = route[ri + 2];
    // Everyone on the short lane, or in the box on the way onto it, must be driving on to the
    // same road (one bound elsewhere may stop at the lane's end for want of room there), and
    // nobody on it may stand.
    for (ConnectorId f : s.view.feeders[to])
      for (std::uint32_t u : s.vehicles.occupants[s.view.connectorTrack(f)])
        if (s.vehicles.nextRoad(u) != std::optional(afterNext)) return -kInfinity;
    double onTo = reservedM[to];
    for (std::uint32_t u : s.vehicles.occupants[to]) {
      const Vehicle& v = s.vehicles.hot[u];
      if (v.speedMps < kHaltingSpeedMps || s.vehicles.nextRoad(u) != std::optional(afterNext)) return -kInfinity;
      onTo += entryShareM(s.view, s.view.type(v));
    }
    // Nor while a vehicle beside must change into it (mergeWait): a stream passing through would
    // never leave it a gap.
    if (s.junctionWork.mergeWaitM[to] > 0) return -kInfinity;
    const double room = roomAlong(route, ri + 2, s.view.tracks[to].lane, share + onTo, kPassThroughLanes);
    return room == -kInfinity ? room : room - onTo;
  }

  // How many lanes beyond a short exit lane passThroughRoom looks along a route.
  static constexpr int kPassThroughLanes = 4;

  // The free space from the end of `lane` along the route from its road `route[k]` on, through the
  // lanes its protected greens lead to (the best of them where several do), up to the first
  // vehicle that will wait at its link; -infinity where no turn onto route[k] is a protected green
  // (the vehicle would wait at that link itself). A lane whose vehicles all move on through a
  // protected green counts whole (they will have left it), and the walk goes on to the next lane
  // until `needM` is found or `lanes` lanes are walked; any other lane counts the room behind its
  // queue (laneRoomM) and ends the walk. Vehicles in the boxes towards a lane take their share of
  // it.
  double roomAlong(std::span<const RoadId> route, std::size_t k, LaneId lane, double needM, int lanes) const {
    double best = -kInfinity;
    for (ConnectorId c : s.view.outgoing(lane)) {
      if (s.view.connectorToRoad[c] != route[k]) continue;
      const Connector& con = net.connector(c);
      if (s.signals.movementStates[con.movement.index()] != SignalState::GreenProtected) continue;
      const TrackId d = s.view.laneTrack(con.to);
      double boxes = 0;
      for (ConnectorId f : s.view.feeders[d])
        for (std::uint32_t u : s.vehicles.occupants[s.view.connectorTrack(f)]) boxes += entryShareM(s.view, s.view.type(s.vehicles.hot[u]));
      double room = s.junctionWork.laneRoomM[d] - boxes;
      if (allPassOn(d)) {
        room = s.view.tracks[d].lengthM - boxes;
        if (room < needM && lanes > 1 && k + 1 < route.size()) {
          const double beyond = roomAlong(route, k + 1, con.to, needM - room, lanes - 1);
          if (beyond > 0) room += beyond;
        }
      }
      best = std::max(best, room);
    }
    return best;
  }

  // Whether every vehicle on lane `track` moves and will not wait at its link: it leaves the
  // network at the lane's end, or a protected green leads from the lane onto its next road. (A
  // minor link, a permissive green, counts as a wait whether or not its gap will come: whether it
  // comes is decided by the junction at the lane's end during this same phase.)
  bool allPassOn(TrackId track) const {
    for (std::uint32_t u : s.vehicles.occupants[track]) {
      if (s.vehicles.hot[u].speedMps < kHaltingSpeedMps) return false;
      if (s.vehicles.onLastRoad(u)) continue;
      const RoadId next = *s.vehicles.nextRoad(u);
      bool goes = false;
      for (ConnectorId c : s.view.outgoing(s.view.tracks[track].lane))
        goes = goes || (s.view.connectorToRoad[c] == next &&
                        s.signals.movementStates[net.connector(c).movement.index()] == SignalState::GreenProtected);
      if (!goes) return false;
    }
    return true;
  }

  ConnectorId chooseConnector(std::uint32_t vehicle, LaneId lane, RoadId next) const {
    // Prefer an exit lane from which the following turn can be made without changing lanes, of
    // those the one from which the route can be followed furthest without changing lanes (the
    // lane plan's look-ahead over the next roads: a road of a few metres may leave no room to
    // change lanes on it), then the exit lane with most room; ties go to the lower connector id.
    const auto& route = s.vehicles.routes[vehicle];
    const std::size_t ri = s.vehicles.hot[vehicle].routeIndex;
    const RoadId afterNext = ri + 2 < route.size() ? route[ri + 2] : RoadId();  // none on the route's last two roads
    const VehicleClass cls = s.view.type(s.vehicles.hot[vehicle]).vehicleClass;
    // A transit vehicle whose next stop is on the next road heads straight for the stop's lane.
    const TrackId stopLane = s.stops.requiredLaneAt(vehicle, ri + 1);
    const LanePlan* plan = afterNext.valid() && !stopLane.valid() ? &lanePlanOf(s.view, s.vehicles, vehicle) : nullptr;
    ConnectorId best;
    int bestScore = -1;
    float bestReach = 0;
    double bestRoom = -kInfinity;
    for (ConnectorId c : s.view.outgoing(lane)) {
      if (s.view.connectorToRoad[c] != next) continue;
      const Connector& con = net.connector(c);
      if (!net.lane(con.to).allowed.allows(cls)) continue;
      const int score = stopLane.valid() ? (s.view.laneTrack(con.to) == stopLane ? 2 : 0)
                        : !afterNext.valid() || s.view.laneLeadsTo(con.to, afterNext) ? 1 : 0;
      const TrackId to = s.view.laneTrack(con.to);
      const std::size_t k = s.view.tracks[to].indexInRoad;
      const float reach = plan && k < kPlannedLanes ? s.vehicles.nextLaneReach[vehicle][k] : kReachBeyondM;
      const double room = roomOnLane(s, to, reservedM[to]);
      if (score > bestScore || (score == bestScore && (reach > bestReach || (reach == bestReach && room > bestRoom)))) {
        best = c;
        bestScore = score;
        bestReach = reach;
        bestRoom = room;
      }
    }
    return best;
  }

  // The front vehicle on connector `c`'s lane that holds a grant into `c`, or kNoVehicle. Grants
  // run contiguously from the lane's front, so the search ends at the first vehicle without one.
  std::uint32_t grantedTowards(ConnectorId c) const {
    for (std::uint32_t u : s.vehicles.occupants[s.view.laneTrack(net.connector(c).from)]) {
      const Vehicle& v = s.vehicles.hot[u];
      if (!(v.flags & kGranted)) {
        if (s.vehicles.onLastRoad(u)) continue;
        break;
      }
      if (v.nextConnector == c) return u;
    }
    return kNoVehicle;
  }

  // Whether `vehicle`, at `distM` before the stop line (negative: that far along the connector,
  // inside), may use connector `c` now. Every time on both sides of a comparison comes from the
  // vehicles' own kinematics (timeToCover): speed, acceleration and desired speed, from rest where
  // they stand. Zones from `reachM` along the connector on are left out: a vehicle that will stop
  // before them (at its waiting position inside) does not reach them.
  bool conflictsClear(std::uint32_t vehicle, double distM, ConnectorId cid, const Connector& c, bool permissive,
                      std::uint32_t ungranted = kNoVehicle, double reachM = kInfinity) const {
    const Vehicle& me = s.vehicles.hot[vehicle];
    const VehicleType& t = s.view.type(me);
    // Every zone: the network's conflicts first, then paths that only come close (box_geometry.h),
    // for which only vehicles already inside count (they are not conflicts the signals resolve).
    const auto& zones = s.view.box->zones[cid.index()];
    for (std::size_t i = 0; i < zones.size(); ++i) {
      const ConflictZone& z = zones[i];
      if (z.fromM >= reachM) continue;
      // Vehicles inside the junction on the foe connector that have not left the zone. One that
      // stands still there is not assumed to move on: it may be waiting itself. (Our own arrival
      // at the zone is worked out only when there is such a vehicle: most foe connectors are empty.)
      // A turner held at its waiting position this step (holdInside), and those behind it, do not
      // reach a zone beyond that position; one that will stand in the zone there is in our way
      // (unless we are in it already: then it is the one to wait).
      const VehicleId heldThere = insideStops ? s.junctionWork.insideHeld[z.other] : VehicleId();
      const bool heldBefore = heldThere.valid() && z.otherFromM >= s.view.insideStopM[z.other];
      const bool inZone = distM + z.fromM < 0;
      double myArrive = -1;
      for (std::uint32_t u : s.vehicles.occupants[s.view.connectorTrack(z.other)]) {
        const Vehicle& foe = s.vehicles.hot[u];
        if (VehicleId(u) == heldThere) {
          if (heldBefore) break;
          if (!inZone && s.view.insideStopM[z.other] - s.view.type(foe).lengthM < z.otherToM) return false;
        }
        const double rest = z.otherToM + s.view.type(foe).lengthM - foe.posM;
        if (rest <= 0) continue;  // already past
        if (foe.speedMps < kHaltingSpeedMps && foe.posM > z.otherFromM) return false;
        // Ourselves already in the zone (a turner waiting inside the junction stands in the paths of
        // the movements it does not give way to), a foe that has not reached it waits for us.
        if (inZone && foe.posM <= z.otherFromM) continue;
        const double foeClear = arrivalS(s.view, foe, rest, z.other);
        if (myArrive < 0) myArrive = arrivalS(s.view, me, distM + z.fromM, cid);
        if (myArrive < foeClear + kClearanceS) return false;
      }
      // Two vehicles granted in one step must not enter a zone together where nothing else keeps
      // them apart: paths that only come close (the signals may serve both at once; City Brain's
      // Nanchang has roads whose stop lines lie within a vehicle width of each other), and, at
      // junctions whose right of way is the turn type, a crossing of two protected movements (a
      // signal program that serves both, as Nanchang's always-green right turns do). Towards such
      // a zone another vehicle holds a grant into (from this step, or from the last one if its lane
      // has not been walked yet), we go only if we have cleared it before that one arrives, with
      // the permissive margin; otherwise we wait our turn.
      const bool near = i >= c.conflicts.size();
      if (near || (!permissive && rightOfWay == RightOfWay::ByTurn && !c.conflicts[i].merging)) {
        const std::uint32_t foe = heldBefore ? kNoVehicle : grantedTowards(z.other);
        if (foe == kNoVehicle) continue;
        const Vehicle& f = s.vehicles.hot[foe];
        const double foeArrive = arrivalS(s.view, f, s.view.tracks[f.track].lengthM - f.posM + z.otherFromM, z.other);
        if (foeArrive < arrivalS(s.view, me, distM + z.toM + t.lengthM, cid) + kGapAcceptanceS) return false;
        continue;
      }
      if (!permissive) continue;
      const Conflict& k = c.conflicts[i];
      if (rightOfWay != RightOfWay::ByTurn) {
        if (k.yields && rightOfWay != RightOfWay::AllWayStop && !yieldClear(vehicle, c, arrivalS(s.view, me, distM + z.toM + t.lengthM, cid), z, k, ungranted)) return false;
        continue;
      }
      // The first protected vehicle granted towards the foe connector in this step (the others
      // follow it).
      const VehicleId first = firstGrant[k.other];
      if (!first.valid()) continue;
      const Vehicle& foe = s.vehicles.hot[first];
      const double foeDist = s.view.tracks[foe.track].lengthM - foe.posM;
      const double foeArrive = arrivalS(s.view, foe, foeDist + z.otherFromM, k.other);
      const double myClear = arrivalS(s.view, me, distM + z.toM + t.lengthM, cid);
      if (foeArrive < myClear + kGapAcceptanceS) return false;
    }
    return true;
  }

  // Whether `vehicle`, `distM` before the line of connector `cid` (one the map lets wait inside the
  // junction) on a permissive green without its gap, may drive in up to the waiting position and
  // wait there, as SUMO's turner drives up to its internal stop line: there is room for all of it
  // between the line and the waiting position (behind those on the connector, and those ahead of
  // it on its lane, `occ` before `cursor`, granted into it), or nobody is there and it is the first
  // (SUMO's internal lane before the stop line may be shorter than a car, whose rear then stays
  // over the line: 4.1 m on a junction of two one-lane roads), it can stop there comfortably, and
  // it meets nobody on the way (the zones before where it stops).
  bool pullsIn(std::uint32_t vehicle, double distM, ConnectorId cid, const Connector& c, const std::vector<std::uint32_t>& occ,
               std::size_t cursor) const {
    const Vehicle& me = s.vehicles.hot[vehicle];
    const VehicleType& t = s.view.type(me);
    const double stopM = s.view.insideStopM[cid];
    double frontM = stopM;
    const auto& on = s.vehicles.occupants[s.view.connectorTrack(cid)];
    if (!on.empty()) frontM = std::min(frontM, s.view.rearOf(s.vehicles.hot[on.back()]) - t.minGapM);
    for (std::size_t k = 0; k < cursor; ++k) {
      const Vehicle& u = s.vehicles.hot[occ[k]];
      if ((u.flags & kGranted) && u.nextConnector == cid) frontM -= s.view.type(u).lengthM + t.minGapM;
    }
    return (frontM >= t.lengthM || (frontM == stopM && stopM > 0)) && canStopWithin(me.speedMps, distM + frontM, t.comfortDecelMps2) &&
           conflictsClear(vehicle, distM, cid, c, true, kNoVehicle, frontM);
  }

  // The vehicles inside the junction on a connector the map lets wait inside: the first one not
  // yet past the waiting position that could still stop there and has no gap waits there this step
  // (insideHeld); before it, the others go on. Its gap is the one it would need at the line, from
  // where it is; whatever its own light shows, it is in the junction and leaves at its gap. Run
  // twice: before the protected movements are arbitrated, with `gaps` false, it holds the first
  // such vehicle whatever its gap (so that they are let in on the knowledge that it waits); after
  // them, it lets go those whose gap has come, counting the protected vehicles let in this step (as
  // a turner at the line sees them: when its green begins, those at the opposite line stand there
  // still ungranted, and would otherwise count as waiting for something else).
  void holdInside(const Junction& j, bool gaps) const {
    for (ConnectorId c : j.connectors) {
      const double stopM = s.view.insideStopM[c];
      if (stopM >= kInfinity) continue;
      VehicleId& held = s.junctionWork.insideHeld[c];
      held = {};
      const Connector& con = net.connector(c);
      for (std::uint32_t u : s.vehicles.occupants[s.view.connectorTrack(c)]) {
        const Vehicle& v = s.vehicles.hot[u];
        // (At the waiting position it may still roll on by the margin short of the zone.)
        if (v.posM > stopM || !canStopWithin(v.speedMps, stopM - v.posM + kInsideStopShortM, s.view.type(v).maxDecelMps2)) continue;
        if (gaps && conflictsClear(u, -v.posM, c, con, true)) continue;
        held = VehicleId(u);
        break;
      }
    }
  }

  // Walks one incoming lane from `cursor`; returns the new cursor. With `protectedOnly`, pauses at
  // the first vehicle whose movement is a permissive green.
  std::size_t walkLane(LaneId lane, std::size_t cursor, bool protectedOnly) {
    const TrackId track = s.view.laneTrack(lane);
    const auto& occ = s.vehicles.occupants[track];
    const double laneLen = s.view.tracks[track].lengthM;
    for (; cursor < occ.size(); ++cursor) {
      const std::uint32_t id = occ[cursor];
      Vehicle& v = s.vehicles.hot[id];
      const VehicleType& t = s.view.type(v);
      const double dist = laneLen - v.posM;
      if (dist > requestHorizon(t, v.speedMps)) break;
      if (ServiceStops::serves(v) && s.stops.haltPositionAhead(id, track) >= 0) break;  // stops first

      if (s.vehicles.onLastRoad(id)) continue;  // leaves the network at the lane end; nothing to ask
      const bool wasGranted = v.flags & kGranted;
      const RoadId next = *s.vehicles.nextRoad(id);
      const ConnectorId cid = wasGranted ? v.nextConnector : chooseConnector(id, lane, next);
      if (!cid.valid()) break;  // wrong lane: must change lanes first
      const Connector& con = net.connector(cid);
      const SignalState light = s.signals.movementStates[con.movement.index()];
      const bool committed = wasGranted && !canStopWithin(v.speedMps, dist, t.maxDecelMps2);
      if (protectedOnly && light == SignalState::GreenPermissive && !committed) return cursor;

      // A turner the map lets wait inside the junction (insideStopM) behind one already waiting
      // there may only pull in behind it: it does not pass it.
      const bool mayWaitInside = insideStops && s.view.insideStopM[cid] < kInfinity;
      VehicleId& held = s.junctionWork.insideHeld[cid];
      bool grant = committed;
      bool waitsInside = false;  // granted up to the waiting position inside, not through
      if (committed && mayWaitInside && !held.valid())
        waitsInside = canStopWithin(v.speedMps, dist + s.view.insideStopM[cid], t.maxDecelMps2) && !conflictsClear(id, dist, cid, con, true);
      if (!grant) {
        const bool lightAllows =
            light == SignalState::GreenProtected || light == SignalState::GreenPermissive ||
            (light == SignalState::Yellow && !canStopWithin(v.speedMps, dist, t.comfortDecelMps2));
        const TrackId to = s.view.laneTrack(con.to);
        // A lane shorter than a vehicle and its gap (SUMO maps have edges of a few metres) takes
        // one vehicle when it is free, or nobody could ever cross it.
        // Under the no-blocking rule with the slack of its stop (see roomOnLane).
        const double share = entryShareM(s.view, t);
        const double need = std::min(share, s.view.tracks[to].lengthM);
        // Through a connector without foes the queue may reach back into the box (keepsClear), as
        // long as nobody beside must merge into the exit lane (mergeWait) and that lane is not one
        // shorter than two vehicles, whose room is the junction's at its far end (passThroughRoom):
        // let in without room of its own, a vehicle there ties the two boxes into one queue (on
        // cologne3, where the 12.6 m `319261593#16` follows the foe-less link from `319261593#15`
        // lane 1, the loop of short edges there then jammed: 62 teleports against 23).
        const bool room = (!s.view.keepsClear(cid) && s.junctionWork.mergeWaitM[to] <= 0 && s.view.tracks[to].lengthM >= 2.0 * share) ||
                          roomOnLane(s, to, reservedM[to]) >= need || passThroughRoom(id, to, share) >= share;
        grant = lightAllows && room && !(mayWaitInside && held.valid()) &&
                conflictsClear(id, dist, cid, con, light == SignalState::GreenPermissive) &&
                !(light == SignalState::GreenProtected && rightOfWay == RightOfWay::Priority && impatientMinorFirst(id, dist, cid, con));
        if (!grant && mayWaitInside && light == SignalState::GreenPermissive && room && pullsIn(id, dist, cid, con, occ, cursor))
          grant = waitsInside = true;
        // A stop sign: a full stop at the line first (a vehicle granted after its stop keeps
        // that stop while it pulls away); at an all-way stop, then its turn.
        if (grant && con.stopFirst && !wasGranted)
          grant = v.speedMps < kHaltingSpeedMps && dist <= kAtLineM &&
                  (rightOfWay != RightOfWay::AllWayStop || allWayTurn(id, lane, con.movement, con.junction));
      }
      if (!grant) break;
      if (waitsInside && !held.valid()) held = VehicleId(id);
      if (rightOfWay == RightOfWay::AllWayStop) s.vehicles.cold[id].atLineS = 0;  // its turn has come
      v.flags |= kGranted;
      v.nextConnector = cid;
      reservedM[s.view.laneTrack(con.to)] += entryShareM(s.view, t);
      if (!firstGrant[cid].valid()) firstGrant[cid] = VehicleId(id);
    }
    // Everyone from the first refused vehicle back loses any grant from earlier steps. Grants run
    // contiguously from the front (with gaps only at vehicles leaving the network here), so the
    // first vehicle without one ends the sweep.
    for (std::size_t k = cursor; k < occ.size(); ++k) {
      Vehicle& u = s.vehicles.hot[occ[k]];
      if (!(u.flags & kGranted) && !s.vehicles.onLastRoad(occ[k])) break;
      u.flags &= ~kGranted;
    }
    return occ.size();
  }

  void run(JunctionId jid, std::vector<std::uint32_t>& cursors) {
    const Junction& j = net.junction(jid);
    if (j.connectors.empty()) return;
    // A junction with no vehicle on its incoming lanes or in its box has nobody to let in, and
    // leaves no room promised on its exit lanes and no first grants: what it left the step before
    // if it was idle then too, so it need not be arbitrated again (in a large network most
    // junctions are idle at any one step). Whether it was is scratch of this junction's own.
    const auto hasVehicles = [&] {  // on an incoming lane or in the box
      for (LaneId l : s.view.incomingLanes(jid))
        if (!s.vehicles.occupants[s.view.laneTrack(l)].empty()) return true;
      for (ConnectorId c : j.connectors)
        if (!s.vehicles.occupants[s.view.connectorTrack(c)].empty()) return true;
      return false;
    };
    const bool idle = !hasVehicles();
    std::uint8_t& wasIdle = s.junctionWork.idle[jid.index()];
    if (idle && wasIdle) return;
    wasIdle = idle ? 1 : 0;
    rightOfWay = j.rightOfWay;
    insideStops = s.view.insideStopsAt[jid.index()] != 0;
    released = rightOfWay == RightOfWay::Priority || rightOfWay == RightOfWay::RightBeforeLeft ? deadlockRelease(jid) : VehicleId();
    if (rightOfWay == RightOfWay::AllWayStop) countTimeAtLines(jid);
    for (LaneId l : s.view.outgoingLanes(jid)) reservedM[s.view.laneTrack(l)] = 0;
    for (ConnectorId c : j.connectors) {
      firstGrant[c] = {};
      const TrackId to = s.view.connectorExit[c];
      for (std::uint32_t u : s.vehicles.occupants[s.view.connectorTrack(c)]) {
        const VehicleType& t = s.view.type(s.vehicles.hot[u]);
        reservedM[to] += entryShareM(s.view, t);
      }
    }
    if (insideStops) holdInside(j, false);
    // (An empty lane has nothing to walk.)
    cursors.clear();
    for (LaneId l : s.view.incomingLanes(jid))
      cursors.push_back(s.vehicles.occupants[s.view.laneTrack(l)].empty() ? 0u : static_cast<std::uint32_t>(walkLane(l, 0, true)));
    if (insideStops) holdInside(j, true);
    std::size_t k = 0;
    for (LaneId l : s.view.incomingLanes(jid)) {
      const std::size_t cursor = cursors[k++];
      if (!s.vehicles.occupants[s.view.laneTrack(l)].empty()) walkLane(l, cursor, false);
    }
  }
};

}  // namespace

void arbitrateJunctions(const Executor& exec, const NetworkView& view, const Signals& signals, const ServiceStops& stops, Vehicles& vehicles, JunctionWork& junctionWork) {
  const ArbitrationContext s{exec, view, signals, stops, vehicles, junctionWork};
  const RoadNetwork& net = *s.view.net;
  // What to visit: the roads and junctions with a vehicle now (on a lane of the road; on an
  // incoming lane or a connector of the junction), and those that had one when last visited, whose
  // scratch must be brought back to what an empty one leaves. An empty road's room is its length,
  // with nothing held for mergers, and an idle junction arbitrated twice changes nothing: those
  // left out would only write again what they hold.
  JunctionWork& work = s.junctionWork;
  IndexSet& roads = work.roomRoads;
  IndexSet& junctions = work.busyJunctions;
  // Where vehicles are on many tracks (the datasets, dense grids), visiting every road and junction
  // costs less than finding which to visit; the next step that has them on few visits every one
  // too, and from it on keeps the lists. Whether they are is known from the plan phase of the step
  // before, or else from the tracks found now.
  if (!s.vehicles.denselyOccupied()) s.vehicles.findActiveTracks();
  const bool dense = s.vehicles.denselyOccupied();
  const bool everyOne = dense || work.recomputeAll;
  if (everyOne) {
    roads.insertAll();
    junctions.insertAll();
  } else {
    for (const TrackId t : s.vehicles.activeTracks) {
      junctions.insert(s.view.junctionAtEnd(t).value);
      if (s.view.isLaneTrack(t)) roads.insert(s.view.roadOfLane(t).value);
    }
    roads.sort();
    junctions.sort();
  }
  // The room every lane can still take, computed once per step (see roomOnLane), road by road
  // (mergeWait reads the lanes beside).
  const double slack = stopSlack(s);
  s.exec.forEach(roads.size(), 16, [&](std::size_t a) {
    const std::vector<LaneId>& lanes = net.roads()[roads[a]].lanes;
    // Bit i: lane i's front vehicle must merge (frontMustMerge); lanes past 64 are always asked.
    std::uint64_t mustMerge = 0;
    for (std::size_t i = 0; i < lanes.size() && i < 64; ++i)
      if (frontMustMerge(s, lanes[i])) mustMerge |= std::uint64_t{1} << i;
    for (std::size_t i = 0; i < lanes.size(); ++i) {
      const TrackId lane = s.view.laneTrack(lanes[i]);
      double used = 0;
      double behindStanding = 0;  // taken behind the last standing vehicle, by the moving ones after it
      double standingRear = kInfinity;
      const auto& occ = s.vehicles.occupants[lane];
      for (std::size_t k = occ.size(); k-- > 0;) {  // back to front
        const Vehicle& v = s.vehicles.hot[occ[k]];
        const VehicleType& t = s.view.type(v);
        const double share = t.lengthM + t.minGapM + slack;
        used += share;
        if (standingRear < kInfinity) continue;
        if (v.speedMps < kHaltingSpeedMps) standingRear = v.posM - t.lengthM;
        else behindStanding += share;
      }
      // Under the no-blocking rule the queue's first vehicle may also stop short of the line, and a
      // queue that stands (still, or again: its start has not yet reached its back) ends where its
      // last standing vehicle is, whatever has left at its front.
      double room = s.view.tracks[lane].lengthM - used;
      if (slack > 0) room = std::min(room - kQueueFrontShortM, standingRear - behindStanding);
      s.junctionWork.laneRoomM[lane] = room;
      const auto merges = [&](std::size_t j) { return j >= 64 || ((mustMerge >> j) & 1u) != 0; };
      const bool besideMerges = (i > 0 && merges(i - 1)) || (i + 1 < lanes.size() && merges(i + 1));
      s.junctionWork.mergeWaitM[lane] = besideMerges ? mergeWait(s, lanes, static_cast<int>(i)) : 0.0;
    }
  });
  s.exec.forEach(junctions.size(), 8, [&](std::size_t a) {
    thread_local std::vector<std::uint32_t> cursors;
    JunctionArbiter arbiter{s, net, s.junctionWork.reservedM, s.junctionWork.firstGrant, RightOfWay::ByTurn, VehicleId()};
    arbiter.run(JunctionId(junctions[a]), cursors);
  });
  work.recomputeAll = dense;
  if (dense) {
    roads.clear();
    junctions.clear();
    return;
  }
  // Kept for the next step: the roads with a vehicle, the junctions not idle.
  roads.keepIf([&](std::uint32_t r) {
    for (LaneId l : net.roads()[r].lanes)
      if (!s.vehicles.occupants[s.view.laneTrack(l)].empty()) return true;
    return false;
  });
  junctions.keepIf([&](std::uint32_t j) { return work.idle[j] == 0 && !net.junctions()[j].connectors.empty(); });
}

}  // namespace traffic::engine
