// The state of transit lines and on-demand fleets: runs and their passengers, fleet vehicles with
// their plans, ride requests. Only the serial stops phase writes it; the parallel phases read it
// through ServiceStops (mobility/service_stops.h) to know where such vehicles halt.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "traffic/demand.h"
#include "traffic/fleet.h"
#include "traffic/ids.h"

namespace traffic::engine {

// The distance a passenger-carrying vehicle drove, split by its load: accrued each time the load
// is about to change, and up to now for reports.
struct RideDistances {
  double passengerMetres = 0;  // sum over passengers of the distance they rode
  double emptyMetres = 0;      // driven with nobody on board
  double lastDistanceM = 0;    // vehicle distance when the load last changed
  void accrue(double distanceM, std::size_t onBoard) {
    const double driven = distanceM - lastDistanceM;
    passengerMetres += static_cast<double>(onBoard) * driven;
    if (onBoard == 0) emptyMetres += driven;
    lastDistanceM = distanceM;
  }
  [[nodiscard]] RideDistances upTo(double distanceM, std::size_t onBoard) const {
    RideDistances d = *this;
    d.accrue(distanceM, onBoard);
    return d;
  }
};

// A vehicle running a transit line (a run), from its departure to the end of its route.
struct TransitRun {
  std::uint32_t vehicle = 0;
  std::uint32_t line = 0;
  std::uint16_t nextStop = 0;  // position in the line's stop list
  bool asksPriority = false;   // late enough to ask the signals for transit priority
  std::uint32_t alightedHere = 0;  // at the stop the doors are open at: passengers off so far
  std::uint32_t boardedHere = 0;   // ... and on, including those who came while the doors were open
  double dwellLeftS = 0;           // passengers and doors still to serve at this stop
  double holdUntilS = 0;           // held at a timing point: the doors stay open until then
  std::vector<std::uint32_t> onboard;  // passenger indices
  std::vector<double> arriveS;         // per stop position: arrival (-1: not yet, -2: passed without stopping)
  std::vector<double> departS;         // per stop position: doors closed
  std::uint32_t boarded = 0;
  std::uint32_t maxLoad = 0;
  RideDistances ride;
};

// A vehicle of an on-demand fleet. Its route is rebuilt at each new plan: from where it is to
// the road of its next stop, so it never reaches the end of its route without stopping there.
struct FleetVehicle {
  std::uint32_t vehicle = 0;
  std::uint32_t fleet = 0;
  std::uint32_t indexInFleet = 0;
  std::vector<PlannedStop> plan;        // stops still to make
  std::vector<std::uint32_t> onboard;   // requests on board
  std::vector<RoadId> route;            // State::routes[vehicle] views it
  double dwellLeftS = 0;
  RideDistances ride;
  double busyS = 0;                     // time with riders on board or a plan to drive
  double occupiedS = 0;                 // time with at least one rider on board
  std::uint32_t stopsMade = 0;
  std::uint32_t riders = 0;
  std::uint32_t maxLoad = 0;
};

enum class RequestStatus : std::uint8_t { Pending, Assigned, OnBoard, Delivered, Rejected };

struct RequestState {
  RequestStatus status = RequestStatus::Pending;
  std::uint32_t vehicle = UINT32_MAX;  // trip index
  double pickupS = -1;
  double dropoffS = -1;
  double plannedPickupS = -1;          // when assigned
  double directS = 0;                  // estimated direct ride, origin to destination, when requested
  std::uint32_t replans = 0;           // times moved to another vehicle or place in a plan before pickup
  std::string reason;                  // why rejected
};

struct PassengerState {
  double boardS = -1;
  double alightS = -1;
  std::uint32_t vehicle = UINT32_MAX;
};

// Public transport (stops.cpp). Runs are in vehicle order; passengers wait per line and stop.
struct TransitState {
  std::vector<TransitRun> runs;
  std::vector<std::uint32_t> runOfVehicle;          // per vehicle, UINT32_MAX if none
  std::vector<PassengerState> passengers;           // per Transit::passengers entry
  std::size_t nextPassenger = 0;                    // next passenger not yet at its stop
  std::vector<std::uint32_t> lineStopBase;          // per line: first index into `waiting`
  std::vector<std::vector<std::uint32_t>> waiting;  // per (line, stop position), arrival order
};

// On-demand fleets (fleet.cpp).
struct FleetState {
  std::vector<FleetVehicle> fleetVehicles;          // in vehicle order
  std::vector<std::uint32_t> fleetOfVehicle;        // per vehicle, index into fleetVehicles or UINT32_MAX
  std::vector<std::vector<std::uint32_t>> vehiclesOfFleet;  // per fleet, indices into fleetVehicles
  std::vector<RequestState> requests;               // per Fleets::requests entry
  std::size_t nextRequest = 0;
  std::vector<std::unique_ptr<Dispatcher>> dispatchers;  // per fleet
  std::vector<double> nextRebalanceS;               // per fleet
  std::vector<std::vector<char>> usableMovements;   // per fleet, per movement: its class may drive it
  std::vector<std::vector<MovementId>> movementsInto;  // per road: the movements that lead onto it
  std::vector<double> roadSignalWaitS;              // per road: the guess of its delay before any observation (a memo)
  // Travel times from current conditions (fleet.cpp): per road, vehicle-seconds spent on its lanes
  // and the speeds summed over them, both decaying exponentially, so their ratio is the mean speed
  // over the last few minutes, red waits included.
  std::vector<double> roadSpeedSum;                 // per road
  std::vector<double> roadVehicleS;                 // per road
  // ... and per movement, what the vehicles that left their road by it took beyond free flow, from
  // the stop line before that road to its own: a sum of delays and a count of exits, both fading
  // with time, brought up to date (faded to movementSeenS) whenever an exit is added.
  std::vector<double> movementDelaySum;             // per movement
  std::vector<double> movementExits;                // per movement
  std::vector<double> movementSeenS;                // per movement
  std::vector<double> crossedLineS;                 // per vehicle: when it last crossed a stop line, <0 never
  std::vector<std::uint32_t> crossedInto;           // per vehicle: the road it then entered, UINT32_MAX none
  double nextEstimateS = 0;                         // when travel times are next refreshed
  double nextReplanS = 0;                           // when plans are next checked against them
  std::vector<std::vector<double>> roadTimeS;       // per fleet, per road: estimated drive to a stop near its end
  std::vector<std::vector<double>> roadFreeS;       // per fleet, per road: its length at the type's own speed
  std::vector<double> exitDelayS;                   // per movement: estimated delay of a road left by it
  std::vector<double> stopLossS;                    // per fleet: braking and pulling away at a stop
  // Per fleet, per destination road: the quickest way to a stop near its end from the start of
  // every road, with these estimates (a memo, cleared when they are refreshed).
  struct WayTo {
    std::vector<double> timeS;         // per road: from its start to the stop, <0 unreachable
    std::vector<MovementId> leaveBy;   // per road: the movement to leave it by (none on the destination)
  };
  std::vector<std::unordered_map<std::uint32_t, WayTo>> waysTo;
  std::vector<std::unordered_map<std::uint64_t, double>> travelCache;  // per fleet: (from, to) -> s, <0 unreachable
  std::vector<std::unordered_map<std::uint64_t, double>> kerbTravelCache;  // the same from a kerb stop on `from`
  [[nodiscard]] bool isServiceVehicle(std::uint32_t vehicle) const {
    return !fleetOfVehicle.empty() && fleetOfVehicle[vehicle] != UINT32_MAX;
  }
};

}  // namespace traffic::engine
