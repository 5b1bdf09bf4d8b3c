// The City Brain Challenge's scores (KDD Cup 2021): vehicles served and their delay index.
//
// The challenge ranks by the number of vehicles served, "the total number of vehicles entering the
// network", then by the delay index averaged over those vehicles. A vehicle's delay index is
// (TT + TT_r) / TT_f: its travel time since its departure time, plus the rest of its route at
// free-flow speed for a vehicle still on its way, over the free-flow time of its whole route
// (city-brain-challenge.rst, Evaluation; the starter kit's evaluate.py, process_delay_index).
// Vehicles still waiting to enter are not served and do not count. trafficsim's free-flow time is
// its own (the route's lanes and junction connectors at the allowed speed), and the rest of a route
// is its undriven share of that time. Pure function of the trip records; thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "traffic/metrics.h"

namespace traffic {

struct CitybrainScore {
  std::uint64_t served = 0;  ///< vehicles that entered the network (arrived ones included)
  double delayIndex = 1;     ///< mean over them; 1 when none has entered
};

/// The scores summed a record at a time in trip order, as citybrainScore does (the same sums, bit
/// for bit): for outputs written in batches while the run goes.
struct CitybrainTally {
  double sum = 0;
  std::uint64_t served = 0;
  void add(const TripRecord& trip, double nowS);
  [[nodiscard]] CitybrainScore score() const;
};

/// The scores at time `nowS` (the end of the run) from World::tripRecords().
CitybrainScore citybrainScore(std::span<const TripRecord> trips, double nowS);

}  // namespace traffic
