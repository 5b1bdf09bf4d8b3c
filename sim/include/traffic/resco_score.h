// The RESCO benchmark's average delay (Ault and Sharon, NeurIPS 2021 Datasets and Benchmarks).
//
// RESCO averages, over every vehicle, SUMO's tripinfo timeLoss plus departDelay, with tripinfos
// written for unfinished trips too (--tripinfo-output.write-unfinished), and counts a vehicle that
// never departed with the end time minus its scheduled departure (Pi-Star-Lab/RESCO,
// resco_benchmark/utils/readXML.py, and multi_signal.py for the SUMO options). Here: over every
// trip whose departure time has come by `nowS`, the time loss it has accumulated plus the time
// from its scheduled departure to its entry into the network; a trip that has not entered counts
// nowS - departure. Pure function of the trip records; thread-safe. docs/metrics.md, docs/protocols.md.
#pragma once

#include <cstdint>
#include <span>

#include "traffic/metrics.h"

namespace traffic {

struct RescoScore {
  std::uint64_t vehicles = 0;  ///< trips whose departure time has come (entered or not)
  double delayS = 0;           ///< mean time loss + departure delay over them; 0 when there are none
};

/// The score at time `nowS` (the end of the run) from World::tripRecords().
RescoScore rescoScore(std::span<const TripRecord> trips, double nowS);

/// The score summed a record at a time in trip order, as rescoScore does (the same sums, bit for
/// bit): for outputs written in batches while the run goes.
struct RescoTally {
  double sumS = 0;
  std::uint64_t vehicles = 0;
  void add(const TripRecord& trip, double nowS);
  [[nodiscard]] RescoScore score() const;
};

/// One trip's share of it: time loss + departure delay, or nowS - departure when not entered.
double rescoDelayS(const TripRecord& trip, double nowS);

}  // namespace traffic
