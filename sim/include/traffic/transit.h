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
#include <utility>
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

/// A stop still ahead of a transit or fleet vehicle (World::upcomingStops): what a viewer shows of a
/// followed vehicle's plan.
struct UpcomingStop {
  enum class Kind : std::uint8_t { TransitStop, Pickup, Dropoff };
  Kind kind = Kind::TransitStop;
  std::string name;  ///< the transit stop's id, or the ride request's id
  LaneId lane;       ///< where the vehicle halts (a fleet vehicle: its road's kerb lane)
  double positionM = 0;
};

/// How fares are paid, which decides the doors passengers use (dwellTimeS).
enum class FarePayment : std::uint8_t {
  OnBoard,   ///< paid or tapped at the front door: boarding through one door, alighting through the others
  OffBoard,  ///< paid before boarding (or tapped at every door): boarding and alighting through all doors
};

/// What a run waits for at a timing point before it leaves.
enum class Holding : std::uint8_t {
  None,      ///< leaves when the doors close
  Schedule,  ///< not before its scheduled time at the stop
  Headway,   ///< not before `holdingHeadwayRatio` of the scheduled headway after the previous run left
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
  double doorS = 4;                      ///< opening and closing the doors at each stop served (dead time)
  double boardingS = 2;                  ///< per passenger boarding through one door
  double alightingS = 1.5;               ///< per passenger alighting through one door
  std::uint8_t doors = 2;                ///< door channels of the vehicle
  FarePayment fare = FarePayment::OnBoard;
  Holding holding = Holding::None;
  double holdingHeadwayRatio = 0.8;      ///< Holding::Headway: share of the scheduled headway kept
  std::vector<bool> timingPoint;         ///< per stop position: holding applies there
  /// A run at least this late at a stop asks the signals ahead for priority (if its vehicle type
  /// has signal_priority = "transit"). Negative: always ask.
  double priorityWhenLateS = 60;
  bool skipEmptyStops = false;  ///< pass a stop where nobody boards or alights
  /// Per stop position, the least time a run stands there whoever boards (a SUMO vehicle's stop
  /// `duration`); empty: the doors and passengers alone decide the dwell.
  std::vector<double> standS;
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

/// How much faster passengers pass through `channels` doors than through one: the share of the
/// one-door time they take (1 for one channel, 0.6 for two, 0.45 for three, 0.37 for four, 0.25
/// for six; Transit Capacity and Quality of Service Manual, 3rd edition, chapter 6).
double doorChannelFactor(unsigned channels);

/// Seconds a vehicle of `line` stands at a stop where `alighting` passengers get off and
/// `boarding` get on: the door dead time plus the passenger flows. Fare paid on board: boarding
/// through the front door while alighting uses the other doors in parallel (one door: one after
/// the other). Paid off board: both flows share every door.
double dwellTimeS(const TransitLine& line, std::uint32_t alighting, std::uint32_t boarding);
/// When the `n`th passenger (from 1) of a stop's boarders or alighters is through the doors,
/// counted from the doors opening.
double boardedAfterS(const TransitLine& line, std::uint32_t alighting, std::uint32_t n);
double alightedAfterS(const TransitLine& line, std::uint32_t n);

/// Passengers arriving at a line's stops as Poisson processes, from `beginS` to `endS`: at stop
/// position `from`, `perHour` passengers per hour travelling to `to`. Draws depend only on
/// (seed, line id, from, to) and the passenger's number, so adding a line changes nobody else.
void expandPassengers(Transit& transit, std::uint32_t line, std::uint16_t from, std::uint16_t to, double perHour,
                      double beginS, double endS, std::uint64_t seed);
/// The same with a time profile: piecewise-constant factors on `perHour`, each point [time_s,
/// factor] holding until the next; the last point ends the demand. With one interval of factor 1
/// the draws are those of the function above.
void expandPassengers(Transit& transit, std::uint32_t line, std::uint16_t from, std::uint16_t to, double perHour,
                      const std::vector<std::pair<double, double>>& profile, std::uint64_t seed);

}  // namespace traffic
