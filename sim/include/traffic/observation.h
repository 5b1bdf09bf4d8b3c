// Observation: read access to a world's dynamic state for code outside the engine that watches or
// controls a run between steps (the Python binding, learning agents, external controllers).
//
// Why it exists: World offers whole pictures (frames, snapshots) that allocate a record per
// vehicle; an agent that observes every few seconds needs a few numbers per lane or junction, many
// times per second. These functions fill arrays the caller owns (numpy buffers in the binding) in
// one pass over the engine's storage and allocate nothing.
//
// Guarantees:
// - Threading: call them between steps, from the thread that steps the world (or while no thread
//   steps it). They only read, so several may run at once on the same world.
// - Determinism: every value is a pure function of the world's state, so observations are as
//   reproducible as the run itself (same scenario and seed, any thread count).
// - Sizes: each span is either empty (that figure is skipped) or has exactly the size documented
//   on its struct; any other size throws std::invalid_argument before anything is written.
// Units are in the names: metres, seconds, metres per second.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "traffic/world.h"

namespace traffic {

/// Per lane, indexed by LaneId (RoadNetwork::lanes().size() entries each). Vehicles standing in a
/// stop bay beside a lane are not on it; vehicles inside a junction are on a connector, not a lane.
struct LaneArrays {
  std::span<std::int32_t> vehicles;  ///< vehicles on the lane
  std::span<std::int32_t> halting;   ///< of which below the halting speed (0.1 m/s)
  std::span<double> meanSpeedMps;    ///< mean speed of the vehicles on the lane, 0 when empty
  /// Share of the lane's length taken by its vehicles and their minimum gaps (0 empty, about 1 jammed).
  std::span<double> occupancy;
  /// Sum over the lane's halting vehicles of the time each has been halted without interruption
  /// (SUMO's waiting time); it falls back to 0 for a vehicle as soon as it moves.
  std::span<double> waitingS;
};

/// Fills the per-lane figures. Throws std::invalid_argument for a span of the wrong size.
void observeLanes(const World& world, const LaneArrays& out);

/// Signal stages, as FrameSignal and SignalController::Stage number them.
enum class SignalStageCode : std::int32_t { Green = 0, Yellow = 1, AllRed = 2 };

/// Per junction, indexed by JunctionId (RoadNetwork::junctions().size() entries each). Junctions
/// without a controller (boundary junctions, junctions without movements) read phase -1, stage 0
/// and time 0.
struct SignalArrays {
  std::span<std::int32_t> phase;      ///< the program phase green now, or being cleared
  std::span<std::int32_t> nextPhase;  ///< the phase that follows the clearance (= phase in green)
  std::span<std::int32_t> stage;      ///< SignalStageCode
  /// Time since the current stage began; in green, the time the phase has been green.
  std::span<double> timeInStageS;
};

/// Fills the per-junction signal figures. Throws std::invalid_argument for a span of the wrong size.
void observeSignals(const World& world, const SignalArrays& out);

/// Vehicles in the network now: those on lanes and connectors and those in stop bays (the size
/// VehicleArrays' spans must have). Equals VehicleCounts::running.
[[nodiscard]] std::size_t vehiclesInNetwork(const World& world);

/// Per vehicle in the network, in the engine's order: lanes and connectors by index, front to back
/// on each, then vehicles in stop bays by id.
struct VehicleArrays {
  std::span<std::uint32_t> id;       ///< VehicleId: index of the trip in Scenario::demand.trips
  std::span<std::int32_t> lane;      ///< LaneId (for a vehicle in a bay, the lane beside), -1 inside a junction
  std::span<std::int32_t> connector; ///< ConnectorId inside a junction, else -1
  std::span<double> positionM;       ///< front bumper from the start of the lane or connector
  std::span<double> speedMps;
  /// Time halted without interruption (0 when moving), as in LaneArrays::waitingS.
  std::span<double> waitingS;
  /// 1 for a vehicle standing in a stop bay or parked beside `lane` (not counted on the lane).
  std::span<std::uint8_t> inBay;
};

/// Fills the per-vehicle figures. Throws std::invalid_argument for a span of the wrong size.
void observeVehicles(const World& world, const VehicleArrays& out);

/// Trip indices of the vehicles whose departure time has come but that wait to enter their first
/// road, by road index and then in release order.
[[nodiscard]] std::vector<std::uint32_t> vehiclesWaitingToEnter(const World& world);

}  // namespace traffic
