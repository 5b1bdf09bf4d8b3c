// Checks of a world: the state hash (bit-exact, for determinism tests), the invariants behind
// --validate, and the memory held per vehicle.
#include "traffic/world.h"

#include <algorithm>
#include <bit>
#include <sstream>
#include <string>

#include "engine/state.h"

namespace traffic {

using namespace engine;

namespace {
// Speeds come out of a ballistic update in doubles; anything beyond this is a real excess.
constexpr double kSpeedToleranceMps = 1e-6;
}  // namespace

std::uint64_t World::stateHash() const {
  const State& s = *m;
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the raw bits
  auto mix = [&h](std::uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      h ^= (x >> (8 * i)) & 0xFF;
      h *= 1099511628211ull;
    }
  };
  mix(s.clock.steps);
  for (std::size_t t = 0; t < s.view.tracks.size(); ++t) {
    mix(t);
    for (std::uint32_t id : s.vehicles.occupants[t]) {
      const Vehicle& v = s.vehicles.hot[id];
      mix(id);
      mix(std::bit_cast<std::uint64_t>(v.posM));
      mix(std::bit_cast<std::uint64_t>(v.speedMps));
      mix(v.flags);
    }
  }
  for (SignalState st : s.signals.movementStates) mix(static_cast<std::uint64_t>(st));
  mix(s.stats.counts.arrived);
  mix(s.stats.counts.entered);
  mix(s.stats.counts.teleported);
  for (std::size_t i = 0; i < s.entry.nextTrip; ++i) {
    mix(std::bit_cast<std::uint64_t>(s.vehicles.cold[i].arriveS));
    const TripMeasures& m = s.vehicles.measures[i];
    mix(std::bit_cast<std::uint64_t>(m.timeLossS));
    mix(std::bit_cast<std::uint32_t>(m.waitingS));
    mix(m.waitingCount);
  }
  for (std::uint32_t id : s.vehicles.inBay) mix(id);
  for (const TransitRun& run : s.transit.runs) {
    mix(run.nextStop);
    for (std::uint32_t p : run.onboard) mix(p);
  }
  for (const FleetVehicle& fv : s.fleets.fleetVehicles) {
    for (const PlannedStop& stop : fv.plan) mix(stop.request);
    for (std::uint32_t r : fv.onboard) mix(r);
  }
  return h;
}

std::string World::checkInvariants() const {
  const State& s = *m;
  const RoadNetwork& net = *s.view.net;
  std::ostringstream err;
  // Conservation.
  const VehicleCounts& c = s.stats.counts;
  if (c.spawned != c.arrived + c.running + c.waitingToEnter) {
    err << "conservation: spawned " << c.spawned << " != arrived " << c.arrived << " + running " << c.running
        << " + waiting " << c.waitingToEnter;
    return err.str();
  }
  std::uint64_t onTracks = 0;
  for (const auto& occ : s.vehicles.occupants) onTracks += occ.size();
  if (onTracks + s.vehicles.inBay.size() != c.running) {
    err << "conservation: " << onTracks << " vehicles on lanes and connectors and " << s.vehicles.inBay.size()
        << " in stop bays but " << c.running << " running";
    return err.str();
  }
  // Order and no overlap within every lane and connector.
  for (std::size_t t = 0; t < s.view.tracks.size(); ++t) {
    const auto& occ = s.vehicles.occupants[t];
    for (std::size_t k = 0; k < occ.size(); ++k) {
      const Vehicle& v = s.vehicles.hot[occ[k]];
      if (v.track != TrackId(t)) {
        err << "vehicle " << occ[k] << " listed on track " << t << " but records track " << v.track.value;
        return err.str();
      }
      if (k > 0) {
        const Vehicle& leader = s.vehicles.hot[occ[k - 1]];
        const double gap = leader.posM - s.view.type(leader).lengthM - v.posM;
        if (gap < -1e-6) {
          err << "overlap on " << (s.view.tracks[t].isConnector() ? "connector " : "lane ")
              << (s.view.tracks[t].isConnector() ? s.view.tracks[t].connector.value : s.view.tracks[t].lane.value) << ": vehicle "
              << s.view.scenario->demand.trips[occ[k]].id << " is " << -gap << " m into vehicle "
              << s.view.scenario->demand.trips[occ[k - 1]].id;
          return err.str();
        }
      }
      if (v.speedMps < 0 || v.posM < -1e-9) {
        err << "vehicle " << s.view.scenario->demand.trips[occ[k]].id << " has negative speed or position";
        return err.str();
      }
      // Never above the desired speed where it is (the plan ends each step at or below the
      // desired speed of the track the vehicle ends it on); the tolerance is rounding only.
      if (const double v0 = s.view.desiredSpeedOn(v, TrackId(t)); v.speedMps > v0 + kSpeedToleranceMps) {
        err << "vehicle " << s.view.scenario->demand.trips[occ[k]].id << " drives at " << v.speedMps << " m/s on "
            << (s.view.tracks[t].isConnector() ? "connector " : "lane ")
            << (s.view.tracks[t].isConnector() ? s.view.tracks[t].connector.value : s.view.tracks[t].lane.value)
            << ", above its desired speed there of " << v0 << " m/s";
        return err.str();
      }
    }
  }
  // Never braked harder than the vehicle can (the move phase records the first time it did).
  if (!s.stats.overDecel.empty()) return "deceleration: " + s.stats.overDecel;
  // No two conflicting movements both protected green (a permissive one yields by construction).
  for (const auto& [a, b] : s.view.conflictingMovements) {
    if (s.signals.movementStates[a.index()] == SignalState::GreenProtected &&
        s.signals.movementStates[b.index()] == SignalState::GreenProtected) {
      err << "junction '" << net.junction(net.movement(a).junction).name << "': conflicting movements " << a.value
          << " and " << b.value << " are both protected green";
      return err.str();
    }
  }
  return {};
}

std::size_t World::vehicleStateBytes() const {
  const State& s = *m;
  std::size_t bytes = s.vehicles.hot.capacity() * sizeof(Vehicle) + s.vehicles.cold.capacity() * sizeof(VehicleCold) +
                      s.vehicles.measures.capacity() * sizeof(TripMeasures) +
                      s.vehicles.routes.capacity() * sizeof(std::span<const RoadId>);
  for (const auto& occ : s.vehicles.occupants) bytes += occ.capacity() * sizeof(std::uint32_t);
  return bytes;
}

}  // namespace traffic
