// The simulation world and its step.
//
// A step is a fixed sequence of named phases (spawn, signals, arbitrate, lane change, plan, move,
// stops, transfer, account: World::step() in sim/src/engine/world.cpp runs them, and
// docs/architecture.md says what each does). Each is a data-parallel pass (oneTBB) over lanes,
// roads or junctions that writes only what its unit owns, or a serial pass in a fixed order, so
// results never depend on the number of threads or on scheduling.
//
// Same scenario and seed give bit-identical results for any thread count and any run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "traffic/frame.h"
#include "traffic/metrics.h"
#include "traffic/scenario.h"
#include "traffic/snapshot.h"

namespace traffic {

namespace engine {
struct State;
struct StateAccess;
}

struct WorldOptions {
  /// Worker threads; 0 means one per core. Small worlds run their phases on one thread anyway.
  int threads = 0;
  /// Check invariants (no overlap, conservation, no conflicting greens) after every step and
  /// abort with a message on violation. Costly; for tests and debugging.
  bool validate = false;
  /// Vehicles in the network from which a step uses several threads. Below it the coordination
  /// costs more than it saves. Tests lower it to exercise the parallel path on small worlds.
  std::size_t minVehiclesForParallel = 3000;
  /// Simulated seconds between two renumberings of the vehicles in the network, junction by
  /// junction and lane by lane, which keeps the memory each phase reads in order (the default was
  /// measured: bench/README.md, "Vehicle records in junction order"); 0 never renumbers. It changes
  /// no result, only the speed: tests vary it to show that.
  double renumberEveryS = 20;
  /// Vehicles in the network below which the renumbering is skipped: then the records a step reads
  /// stay in the cache in any order, and renumbering only costs (on jinan_real, up to 981
  /// vehicles, 2.8% of the step's time; on grid_10x10, up to 8,541, it gains about a tenth:
  /// bench/README.md). Tests lower it to 0 to renumber small worlds.
  std::size_t minVehiclesForRenumbering = 4000;
};

/// Wall time spent in each phase, summed over steps, in seconds.
struct StepProfile {
  double signals = 0, arbitrate = 0, laneChange = 0, plan = 0, move = 0, stops = 0, transfer = 0, spawn = 0,
         account = 0;
  [[nodiscard]] double total() const {
    return signals + arbitrate + laneChange + plan + move + stops + transfer + spawn + account;
  }
};

class World {
 public:
  /// `scenario` must outlive the world. Throws LoadError for an invalid signal policy.
  explicit World(const Scenario& scenario, WorldOptions options = {});
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  /// Replace the signal policy, e.g. with one written in C++ outside the named registry (a
  /// learned controller). Call before the first step. The policy must be safe to call from
  /// several threads at once, one junction per call.
  void setSignalPolicy(std::unique_ptr<SignalPolicy> policy);

  /// Advance one time step.
  void step();
  /// Step until the scenario's duration is reached; `onStep` (optional) is called after each step.
  void run(const std::function<void(const World&)>& onStep = {});

  [[nodiscard]] double timeS() const;
  [[nodiscard]] std::uint64_t stepCount() const;
  [[nodiscard]] bool finished() const;
  [[nodiscard]] int threads() const;

  [[nodiscard]] VehicleCounts counts() const;
  /// Vehicles in the network summed over all steps so far.
  [[nodiscard]] std::uint64_t vehicleUpdates() const;
  [[nodiscard]] Summary summary(double wallSeconds) const;
  /// One record per trip whose departure time has been reached, in trip order.
  [[nodiscard]] std::vector<TripRecord> tripRecords() const;
  /// The records of trips `first` to `last` - 1 (trip indices, `last` at most departedTrips()), so
  /// that outputs can be written a batch at a time.
  [[nodiscard]] std::vector<TripRecord> tripRecords(std::size_t first, std::size_t last) const;
  /// Trips whose departure time has been reached: the size of tripRecords().
  [[nodiscard]] std::size_t departedTrips() const;
  /// The first trip at or after `from` that has not arrived (departedTrips() if there is none):
  /// the records of the trips before it are final, since an arrived vehicle's record no longer
  /// changes. Costs one look per arrived trip passed over.
  [[nodiscard]] std::size_t firstUnarrivedTrip(std::size_t from) const;
  [[nodiscard]] const std::vector<TimeseriesRow>& timeseries() const;
  /// Adds each road's load now to `loads` (resized to one per road, by RoadId). `lastRoad` is the
  /// caller's memory of the road each vehicle was last seen on (by trip index; start it empty and
  /// pass the same vector at every step): a vehicle on a road other than its last one counts as
  /// entered. Serial, in road and lane order: the sums do not depend on the number of threads.
  void addRoadLoads(std::vector<RoadLoad>& loads, std::vector<std::uint32_t>& lastRoad) const;
  /// Passengers who reached a stop so far, and the transit runs that departed (empty without lines).
  [[nodiscard]] TransitRecords transitRecords() const;
  /// The stops still ahead of vehicle `id` (a trip index), in the order it will make them: the rest
  /// of its transit line (the stop its doors are open at first), or its fleet vehicle's plan of
  /// pickups and drop-offs. Empty for other vehicles and for vehicles not in the network.
  [[nodiscard]] std::vector<UpcomingStop> upcomingStops(std::uint32_t id) const;
  [[nodiscard]] WorldSnapshot snapshot() const;
  /// The compact picture a viewer draws and a recording stores (see frame.h).
  [[nodiscard]] Frame frame() const;
  /// Trips released but not yet inserted, per road they wait to enter (roads with none left out),
  /// in road order: the viewer's entry queues. Walks the roads' queues, not the trips.
  [[nodiscard]] std::vector<std::pair<RoadId, std::uint32_t>> entryQueueLengths() const;
  [[nodiscard]] SignalState movementState(MovementId movement) const;
  [[nodiscard]] const StepProfile& profile() const;
  [[nodiscard]] const Scenario& scenario() const;

  /// The complete dynamic state as bytes (traffic/checkpoint.h): a world of the same scenario
  /// given them with restore() continues exactly as this one does.
  [[nodiscard]] std::vector<std::uint8_t> checkpoint() const;
  /// Continues from `bytes`, a checkpoint of a world of the same scenario (any thread count). The
  /// signal policy stays this world's (set with setSignalPolicy if it is not the scenario's) and
  /// must be the one the checkpoint was taken with; its own state is restored. Throws LoadError
  /// naming `source` for a checkpoint of another scenario, policy or format version, or one that
  /// is truncated or corrupted; the world is then unchanged.
  void restore(std::span<const std::uint8_t> bytes, const std::string& source = "checkpoint");

  /// A hash of the complete dynamic state (positions, speeds, signals, counters), bit-exact.
  [[nodiscard]] std::uint64_t stateHash() const;
  /// Empty when every invariant holds, else a description of the first violation.
  [[nodiscard]] std::string checkInvariants() const;

  /// Bytes held by per-vehicle state (for the memory-per-vehicle benchmark figure).
  [[nodiscard]] std::size_t vehicleStateBytes() const;

 private:
  /// The engine's internal state, for the library's own read-only views (observation.h, through
  /// engine::StateAccess); its layout is private to the engine and changes with it.
  friend struct engine::StateAccess;
  [[nodiscard]] const engine::State& state() const;

  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace traffic
