// The move phase: the ballistic update of every vehicle, bounded by its leader's rear at the start
// of the step (or the stop line), with halts, stops and detector crossings counted. Per track in
// parallel; a track touches only its own vehicles, its own tally and its own lane sensor.
#include <algorithm>
#include <cassert>

#include "engine/state.h"
#include "mobility/service_stops.h"

namespace traffic::engine {

// What the moveVehicles phase reads (const) and writes, by the names of the engine state's subsystems.
struct MoveContext {
  const Executor& exec;
  const NetworkView& view;
  const SimClock& clock;
  const ServiceStops& stops;
  Vehicles& vehicles;
  Sensing& sensing;
};

void moveVehicles(const Executor& exec, const NetworkView& view, const SimClock& clock, const ServiceStops& stops, Vehicles& vehicles, Sensing& sensing) {
  const MoveContext s{exec, view, clock, stops, vehicles, sensing};
  const double dt = s.clock.dtS;
  const double stuckAfterS = s.view.scenario->gridlockTimeoutS;
  if (s.sensing.enabled)
    for (LaneSensor& sensor : s.sensing.sensors) sensor.crossedLastStep = 0;
  // Only the tracks with vehicles (planMotion listed them): an empty track has nothing to move,
  // and its tally stays zero.
  const std::vector<TrackId>& active = s.vehicles.activeTracks;
  s.exec.forEach(active.size(), 64, [&](std::size_t i) {
    const std::size_t track = active[i].index();
    if (i + 1 < active.size()) s.vehicles.prefetch(s.vehicles.occupants[active[i + 1]], true);  // the next track's
    LaneSensor* sensor = s.sensing.enabled && track < s.view.laneCount ? &s.sensing.sensors[track] : nullptr;
    const double limitMps = s.view.tracks[track].speedLimitMps;
    TrackTally tally;
    tally.vehicles = static_cast<std::uint32_t>(s.vehicles.occupants[track].size());
    for (std::uint32_t id : s.vehicles.occupants[track]) {
      Vehicle& v = s.vehicles.hot[id];
      const Motion m = integrate(v.speedMps, v.accelMps2, dt);
      double advance = m.advanceM;
      double speed = m.speedMps;
      bool clamped = false;
      if (advance > v.limitM) {
        // The leader (or the stop line) bounds the move: positions never decrease, so the leader's
        // rear at the start of the step is a safe bound. Arrive there no faster than it allows.
        // This is a repair of a plan the model got wrong, so it is counted (clamped_moves), not
        // hidden; a tolerance keeps rounding in the ballistic update from counting.
        if (advance > v.limitM + 1e-9) {
          ++tally.clampedMoves;
          clamped = true;
          // No silent repair: a debug build stops here; a release build counts it.
          assert(!"move: the plan asked to advance beyond the leader's rear or the stop line (a clamped move)");
        }
        advance = v.limitM;
        speed = std::min(speed, advance / dt);
      }
      // The deceleration this move realised (the plan's, or more when the bound above cut it).
      const double decel = (v.speedMps - speed) / dt;
      const VehicleType& t = s.view.type(v);
      if (decel > 0) {  // both decelerations are positive (checked when the type is read)
        if (decel > t.comfortDecelMps2 + 1e-9) ++tally.hardBrakes;
        // A move the bound did not cut is the plan's own: it must stay within the emergency
        // deceleration. A cut move may not (today, at junction exits and after cut-ins); those are
        // counted in clamped_moves instead, until the plan learns to avoid them.
        if (!clamped && decel > t.maxDecelMps2 + 1e-6 && !tally.overDecelVehicle.valid()) {
          tally.overDecelVehicle = VehicleId(id);
          tally.overDecelMps2 = static_cast<float>(decel);
        }
      }
      if (v.laneChangeCooldown > 0) --v.laneChangeCooldown;
      if (sensor && v.posM < sensor->detectorPosM && v.posM + advance >= sensor->detectorPosM) {
        ++sensor->crossedLastStep;
        ++sensor->crossings;
        sensor->lastCrossS = s.clock.nowS + dt;
      }
      v.posM += advance;
      v.distanceM += advance;
      v.speedMps = speed;
      addTripStep(s.vehicles.measures[id], v.flags, speed, dt, desiredSpeed(t, limitMps));
      const bool halted = speed < kHaltingSpeedMps;
      if (halted) {
        if (s.view.tracks[TrackId(track)].isConnector()) ++tally.boxHalts;
        if (!(v.flags & kHalted)) {
          VehicleCold& c = s.vehicles.cold[id];
          // Halting at a transit stop or to pick up riders is service, not a stop in traffic.
          const double stopM = ServiceStops::serves(v) ? s.stops.haltPositionAhead(id, TrackId(track)) : -1.0;
          const bool atServiceStop = stopM >= 0 && v.posM >= stopM - kStopToleranceM;
          if (!atServiceStop && v.distanceM - c.lastHaltDistanceM >= kStopMinTravelM) ++c.stops;
          c.lastHaltDistanceM = v.distanceM;
        }
        v.flags |= kHalted;
        v.haltedS += static_cast<float>(dt);
        // (A moving vehicle is not stuck: the gridlock timeout is positive, checked when read. Nor
        // is one standing at its stop: SUMO does not teleport a stopped vehicle either, and a SUMO
        // stop may last the whole run.)
        tally.stuck = tally.stuck || (v.haltedS >= stuckAfterS && !(v.flags & (kStuckReported | kDwelling)));
      } else {
        v.flags &= ~(kHalted | kStuckReported);
        v.haltedS = 0;
      }
      tally.speedSumMps += v.speedMps;
    }
    s.vehicles.tallies[track] = tally;
  });
}

}  // namespace traffic::engine
