// Observation arrays filled straight from the engine's storage (see traffic/observation.h).
//
// Each function walks the storage once in index order. Lane figures follow the definitions of the
// signal sensors (LaneObservation in signal.h: halting below kHaltingSpeedMps, occupancy by vehicle
// length plus minimum gap, waiting time as the current halted time), so what an outside agent sees
// is what the built-in policies see.
#include "traffic/observation.h"

#include <stdexcept>
#include <string>

#include "engine/state.h"

namespace traffic {

using namespace engine;

namespace {

template <class T>
void requireSize(std::span<T> s, std::size_t n, const char* what) {
  if (!s.empty() && s.size() != n)
    throw std::invalid_argument(std::string(what) + ": expected " + std::to_string(n) + " entries, got " +
                                std::to_string(s.size()));
}

}  // namespace

void observeLanes(const World& world, const LaneArrays& out) {
  const State& s = StateAccess::of(world);
  const std::size_t n = s.view.laneCount;
  requireSize(out.vehicles, n, "lane vehicles");
  requireSize(out.halting, n, "lane halting");
  requireSize(out.meanSpeedMps, n, "lane mean speed");
  requireSize(out.occupancy, n, "lane occupancy");
  requireSize(out.waitingS, n, "lane waiting time");
  for (std::size_t lane = 0; lane < n; ++lane) {
    const auto& occupants = s.vehicles.occupants[lane];
    std::int32_t halting = 0;
    double speed = 0, used = 0, waiting = 0;
    for (std::uint32_t id : occupants) {
      const Vehicle& v = s.vehicles.hot[id];
      const VehicleType& t = s.view.type(v);
      speed += v.speedMps;
      used += t.lengthM + t.minGapM;
      if (v.speedMps < kHaltingSpeedMps) {
        ++halting;
        waiting += v.haltedS;
      }
    }
    const auto count = static_cast<std::int32_t>(occupants.size());
    if (!out.vehicles.empty()) out.vehicles[lane] = count;
    if (!out.halting.empty()) out.halting[lane] = halting;
    if (!out.meanSpeedMps.empty()) out.meanSpeedMps[lane] = count > 0 ? speed / count : 0.0;
    if (!out.occupancy.empty()) out.occupancy[lane] = used / s.view.tracks[lane].lengthM;
    if (!out.waitingS.empty()) out.waitingS[lane] = waiting;
  }
}

void observeSignals(const World& world, const SignalArrays& out) {
  const State& s = StateAccess::of(world);
  const std::size_t n = s.signals.controllerOfJunction.size();
  requireSize(out.phase, n, "junction phase");
  requireSize(out.nextPhase, n, "junction next phase");
  requireSize(out.stage, n, "junction stage");
  requireSize(out.timeInStageS, n, "junction time in stage");
  for (std::size_t j = 0; j < n; ++j) {
    const std::int32_t c = s.signals.controllerOfJunction[j];
    const SignalController* controller = c >= 0 ? &s.signals.controllers[static_cast<std::size_t>(c)] : nullptr;
    if (!out.phase.empty()) out.phase[j] = controller ? controller->currentPhase() : -1;
    if (!out.nextPhase.empty()) out.nextPhase[j] = controller ? controller->nextPhase() : -1;
    if (!out.stage.empty()) out.stage[j] = controller ? static_cast<std::int32_t>(controller->stage()) : 0;
    if (!out.timeInStageS.empty()) out.timeInStageS[j] = controller ? controller->timeInStageS() : 0.0;
  }
}

std::size_t vehiclesInNetwork(const World& world) {
  const State& s = StateAccess::of(world);
  std::size_t n = s.vehicles.inBay.size();
  for (const auto& occupants : s.vehicles.occupants) n += occupants.size();
  return n;
}

void observeVehicles(const World& world, const VehicleArrays& out) {
  const State& s = StateAccess::of(world);
  const std::size_t n = vehiclesInNetwork(world);
  requireSize(out.id, n, "vehicle id");
  requireSize(out.lane, n, "vehicle lane");
  requireSize(out.connector, n, "vehicle connector");
  requireSize(out.positionM, n, "vehicle position");
  requireSize(out.speedMps, n, "vehicle speed");
  requireSize(out.waitingS, n, "vehicle waiting time");
  requireSize(out.inBay, n, "vehicle in bay");
  std::size_t k = 0;
  auto write = [&](std::uint32_t id) {
    const Vehicle& v = s.vehicles.hot[id];
    const Track& track = s.view.tracks[v.track];
    if (!out.id.empty()) out.id[k] = s.vehicles.tripOf[id];
    if (!out.lane.empty()) out.lane[k] = track.isConnector() ? -1 : static_cast<std::int32_t>(track.lane.value);
    if (!out.connector.empty()) out.connector[k] = track.isConnector() ? static_cast<std::int32_t>(track.connector.value) : -1;
    if (!out.positionM.empty()) out.positionM[k] = v.posM;
    if (!out.speedMps.empty()) out.speedMps[k] = v.speedMps;
    if (!out.waitingS.empty()) out.waitingS[k] = v.speedMps < kHaltingSpeedMps ? v.haltedS : 0.0;
    if (!out.inBay.empty()) out.inBay[k] = (v.flags & kInBay) ? 1 : 0;
    ++k;
  };
  for (const auto& occupants : s.vehicles.occupants)
    for (std::uint32_t id : occupants) write(id);
  for (std::uint32_t id : s.vehicles.inBay) write(id);
}

std::vector<std::uint32_t> vehiclesWaitingToEnter(const World& world) {
  const State& s = StateAccess::of(world);
  std::vector<std::uint32_t> out;
  for (std::uint32_t road : s.entry.roadsWithQueue)
    for (std::uint32_t id : s.entry.entryQueues[road]) out.push_back(s.vehicles.tripOf[id]);
  return out;
}

}  // namespace traffic
