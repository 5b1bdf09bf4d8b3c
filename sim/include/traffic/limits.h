// Resource limits: bounds on every count that an input file or a flag multiplies (issue 14).
//
// A scenario is data from anywhere; a typo in units (vehicles per second written as per hour, a
// headway of 0.001 s) or a hostile file must end in a clear error, not in minutes of swapping and
// a kill by the out-of-memory handler. Each bound is checked against an estimate of the count
// *before* anything is allocated for it, and its error says how to raise it: every field below is
// a key of the scenario's [limits] table (docs/scenario-format.md, "Limits"), so a user with the
// memory writes e.g. `[limits] max_trips = 20000000` or `--set limits.max_trips=20000000`.
#pragma once

#include <cstdint>

namespace traffic {

struct ResourceLimits {
  /// Vehicles of all flows, OD entries, single trips, transit runs and fleets (about 260 bytes
  /// each once loaded, before the run's own per-vehicle state).
  std::uint64_t maxTrips = 5'000'000;
  /// Transit passengers drawn from per-hour rates.
  std::uint64_t maxPassengers = 5'000'000;
  /// On-demand ride requests, from rates and from request files.
  std::uint64_t maxRequests = 1'000'000;
  /// Rows of timeseries.csv: duration_s / timeseries_interval_s.
  std::uint64_t maxTimeseriesRows = 1'000'000;
  /// Size of each map, flow or request file the scenario names, in MB (10^6 bytes).
  std::uint64_t maxInputMb = 512;
  /// Memory a generated grid network is estimated to take, in MB (issue 14: the documented
  /// 1000 x 1000 grid with 8 lanes needs about 60 GB and half an hour to build).
  std::uint64_t maxNetworkMb = 4000;
};

/// Scenario files themselves are written by hand; anything larger is not one (e.g. /dev/zero).
/// Large demand belongs in flow or request files, which [limits] max_input_mb bounds.
inline constexpr std::uint64_t kMaxScenarioFileBytes = 16'000'000;

}  // namespace traffic
