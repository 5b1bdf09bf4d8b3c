// A scenario: everything needed to run a simulation, fully loaded and validated.
//
// Scenario files (TOML, see docs/scenario-format.md) are parsed by loadScenario(); maps and demand
// files they name are read by the loaders. A Scenario is plain data; building a World from it does
// not touch the file system.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "traffic/compression.h"
#include "traffic/demand.h"
#include "traffic/fleet.h"
#include "traffic/road_network.h"
#include "traffic/sensing.h"
#include "traffic/signal.h"
#include "traffic/transit.h"
#include "traffic/vehicle_type.h"

namespace traffic {

enum class GridlockAction : std::uint8_t {
  Wait,      ///< report the stuck vehicle and let it keep waiting
  Teleport,  ///< report it and move it ahead along its route to the next lane with room
};

/// When a vehicle may enter a junction box, as far as room on its exit lane goes.
enum class JunctionEntry : std::uint8_t {
  /// Only with room behind where the exit lane's queue will stop (its last vehicle braking as hard
  /// as it can from now): nobody halts in the box for want of room ahead.
  RoomBehindQueue,
  /// With room in the exit lane's length not taken by vehicles and their minimum gaps, or behind
  /// its last vehicle once that stands still (the rule before issue 10): more vehicles enter, and
  /// some stop in the box when the queue ahead stops short.
  FreeLength,
};

struct Scenario {
  std::string name;
  std::string description;
  std::filesystem::path sourceFile;  ///< the scenario file, for messages

  std::shared_ptr<const RoadNetwork> network;
  std::string mapDescription;  ///< e.g. "maps/hangzhou_4x4/roadnet_4_4.json" or "grid 10x10"
  std::vector<VehicleType> vehicleTypes;
  Demand demand;
  Transit transit;  ///< stops, lines (their runs are trips in `demand`) and passengers
  Fleets fleets;    ///< on-demand fleets (their vehicles are trips in `demand`) and ride requests

  double stepS = 1.0;
  double durationS = 3600.0;
  std::uint64_t seed = 1;
  /// Whether the seed drew anything at load (flows, OD departures, passengers, ride requests,
  /// departure jitter, driver variants, SUMO distributions). When false it only drives the run
  /// itself (Krauss dawdling), so the same scenario with another seed is this one with `seed`
  /// replaced, without loading it again (the Python binding's reset(seed=...)).
  bool seedShapesInputs = false;

  PolicySpec signalPolicy;
  SignalTiming signalTiming;
  SignalSensing signalSensing;
  SensingSpec sensing;  ///< what the policy may know of the traffic ([sensing]; oracle by default)
  PriorityRules priorityRules;

  bool laneChanging = true;
  double gridlockTimeoutS = 300.0;
  GridlockAction gridlockAction = GridlockAction::Teleport;
  JunctionEntry junctionEntry = JunctionEntry::RoomBehindQueue;
  double timeseriesIntervalS = 60.0;
  /// [outputs] compress: "gzip" writes trips.csv.gz and timeseries.csv.gz (and roads.csv.gz).
  Compression outputCompression = Compression::None;
  /// [outputs] roads: write roads.csv, per road and time series interval (docs/metrics.md).
  bool roadsOutput = false;

  /// The benchmark protocol whose settings were applied on top of the file (`[benchmark]
  /// protocol` or --protocol; see traffic/protocol.h), or empty when none was and the file's own
  /// settings hold. Outputs name it so that a figure says under which conventions it was measured.
  std::string protocol;
};

/// Parse and validate a scenario file; `overrides` are "dotted.key=value" strings applied on top of
/// the file (the CLI's --set). Throws LoadError.
Scenario loadScenario(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});

}  // namespace traffic
