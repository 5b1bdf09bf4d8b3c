// Public transport: stops, lines with scheduled runs, and the passengers who ride them.
//
// A line is a route, an ordered list of stops on it and a list of runs (one vehicle trip per run,
// from a headway or a timetable). Passengers are expanded at load time, like vehicle trips, into
// one list sorted by the time they reach their stop, deterministically from the seed: each waits
// for a vehicle of its line, boards if there is room, and rides to its destination stop.
//
// The same machinery serves regular buses, autonomous buses and fixed-route shuttle loops: they
// differ only in their vehicle type (class, driving parameters, capacity given by the line).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traffic/ids.h"

namespace traffic {

struct TransitStop {
  std::string id;
  LaneId lane;
  double positionM = 0;  ///< where a stopping vehicle's front halts, from the start of the lane
  /// Off the running lane (a bay): a dwelling vehicle leaves the lane free and merges back when
  /// there is a gap. An in-lane stop blocks the lane; traffic behind may change lanes around it.
  bool bay = false;
};

struct TransitLine {
  std::string id;
  VehicleTypeId type;
  RouteId route;
  std::vector<std::uint32_t> stops;      ///< indices into Transit::stops, in the order served
  std::vector<std::uint16_t> stopRoute;  ///< for each stop, the index in the route of its road
  /// Scheduled time from a run's departure to its arrival at each stop.
  std::vector<double> scheduleS;
  std::vector<double> departuresS;       ///< one run (vehicle trip "<line>_<k>") per departure
  std::uint32_t capacity = 60;           ///< passengers on board at most
  double doorS = 4;                      ///< opening and closing the doors at each stop served
  double boardingS = 2;                  ///< per passenger boarding (front door)
  double alightingS = 1.5;               ///< per passenger alighting (rear door, in parallel)
  /// A run at least this late at a stop asks the signals ahead for priority (if its vehicle type
  /// has signal_priority = "transit"). Negative: always ask.
  double priorityWhenLateS = 60;
  bool skipEmptyStops = false;  ///< pass a stop where nobody boards or alights
};

struct Passenger {
  std::uint32_t line = 0;
  std::uint16_t fromStop = 0;  ///< position in the line's stop list
  std::uint16_t toStop = 0;    ///< position in the line's stop list, after fromStop
  double arriveS = 0;          ///< reaches its stop
};

struct Transit {
  std::vector<TransitStop> stops;
  std::vector<TransitLine> lines;
  std::vector<Passenger> passengers;  ///< sorted by arrival time; ties keep generation order
  [[nodiscard]] bool empty() const { return lines.empty(); }
};

/// Passengers arriving at a line's stops as Poisson processes, from `beginS` to `endS`: at stop
/// position `from`, `perHour` passengers per hour travelling to `to`. Draws depend only on
/// (seed, line id, from, to) and the passenger's number, so adding a line changes nobody else.
void expandPassengers(Transit& transit, std::uint32_t line, std::uint16_t from, std::uint16_t to, double perHour,
                      double beginS, double endS, std::uint64_t seed);

}  // namespace traffic
