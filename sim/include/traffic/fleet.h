// On-demand fleets: vehicles that serve ride requests (origin, destination, time) as they come,
// pooling riders, instead of following a line.
//
// A fleet's vehicles start parked at its depots. Each request is offered, when it is made, to the
// fleet's dispatcher, which either inserts its pickup and drop-off into one vehicle's plan (the
// ordered list of stops still to make) or rejects it with a reason. Vehicles drive their plan
// stop by stop, changing to the kerb lane before each stop to let riders on and off there, and
// leaving by a turn that lane makes; an idle vehicle parks off the lane, and the fleet's
// rebalancer may send idle vehicles towards where demand has been.
// Dispatchers and rebalancers are chosen by name, like signal policies.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "traffic/ids.h"

namespace traffic {

struct FleetSpec {
  std::string id;
  VehicleTypeId type;
  std::uint32_t vehicles = 0;   ///< its vehicles are trips "<id>_<k>" with Trip::fleet set
  std::uint32_t capacity = 4;   ///< riders on board at most
  std::vector<RoadId> depots;   ///< vehicle k starts parked on depots[k % size]
  double maxWaitS = 600;        ///< pickup no later than this after the request
  double maxDetour = 1.5;       ///< ride time at most this times the direct ride...
  double detourSlackS = 120;    ///< ...plus this
  double doorS = 10;            ///< pulling over and opening the doors, per stop
  double boardingS = 5;         ///< per rider getting on or off
  std::string dispatcher = "insertion";
  std::string rebalancer = "none";
  double rebalanceEveryS = 300;
};

struct RideRequest {
  std::string id;
  std::uint32_t fleet = 0;
  double timeS = 0;
  RoadId from;  ///< picked up at the kerb near the end of this road
  RoadId to;    ///< dropped off at the kerb near the end of this road
};

struct Fleets {
  std::vector<FleetSpec> fleets;
  std::vector<RideRequest> requests;  ///< sorted by time; ties keep declaration order
  [[nodiscard]] bool empty() const { return fleets.empty(); }
};

// ---- dispatching ------------------------------------------------------------------------------

/// A stop in a vehicle's plan.
struct PlannedStop {
  RoadId road;
  std::uint32_t request = 0;  ///< index into Fleets::requests
  bool pickup = true;
};

/// What a dispatcher sees of one vehicle of the fleet.
struct DispatchVehicle {
  std::uint32_t index = 0;  ///< position in the fleet, for tie-breaking
  RoadId road;              ///< where it is (or the road it is entering)
  double readyS = 0;        ///< when it will be at the end of `road`, after its current dwell
  /// Extra time when its first stop is on `road`: once round the block when it is already past the
  /// stop; before it, the delay on the way there.
  double backToRoadS = 0;
  /// At (or pulling in to) the kerb near the end of `road`, too close to change lanes: it leaves
  /// by a turn the kerb lane makes (DispatchContext::travelFromStopS).
  bool atKerb = false;
  std::uint32_t onBoard = 0;
  std::span<const PlannedStop> plan;
  /// Idle: no rider on board and nothing planned (a vehicle repositioning counts as idle).
  [[nodiscard]] bool idle() const { return onBoard == 0 && plan.empty(); }
};

/// Estimates and bookkeeping a dispatcher may use.
class DispatchContext {
 public:
  virtual ~DispatchContext() = default;
  /// Estimated driving time from the end of road `from` to the end of road `to` (0 when equal),
  /// or nullopt when `to` cannot be reached. In the engine: the fleet's vehicle type's own drive on
  /// each road plus the delay observed over the last few minutes on the turn it leaves the road by
  /// (the wait at `from`'s stop line included), on the quickest way by these times.
  [[nodiscard]] virtual std::optional<double> travelS(RoadId from, RoadId to) const = 0;
  /// The same from a stop at the kerb near the end of `from`: the vehicle leaves by a turn the kerb
  /// lane makes, which may be a longer way round than travelS's. By default travelS.
  [[nodiscard]] virtual std::optional<double> travelFromStopS(RoadId from, RoadId to) const { return travelS(from, to); }
  [[nodiscard]] virtual const FleetSpec& fleet() const = 0;
  [[nodiscard]] virtual const RideRequest& request(std::uint32_t index) const = 0;
  /// Pickup time of a request already on board (or planned, for requests not yet picked up:
  /// nullopt), and the direct ride time of any request.
  [[nodiscard]] virtual std::optional<double> pickedUpAtS(std::uint32_t request) const = 0;
  [[nodiscard]] virtual double directRideS(std::uint32_t request) const = 0;
  [[nodiscard]] virtual double nowS() const = 0;
  /// Time lost braking to a stop and pulling away again, beyond the doors and boarding.
  [[nodiscard]] virtual double stopLossS() const { return 0; }
  /// Share of each wait and ride limit kept in reserve when planning, against the estimates'
  /// errors: a plan is accepted when every rider's estimated wait and ride fit in (1 - reserve)
  /// of their limits.
  [[nodiscard]] virtual double limitReserve() const { return 0; }
};

struct Insertion {
  std::uint32_t vehicle = 0;  ///< DispatchVehicle::index
  std::size_t pickupAt = 0;   ///< position in the plan before which the pickup goes
  std::size_t dropoffAt = 0;  ///< position in the plan (after inserting the pickup) before which the drop-off goes
  double pickupS = 0;         ///< estimated pickup time
  double dropoffS = 0;        ///< estimated drop-off time
};

class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// Where to insert `request` (an index into Fleets::requests), or nullopt with `reason` set.
  [[nodiscard]] virtual std::optional<Insertion> assign(const DispatchContext& context,
                                                        std::span<const DispatchVehicle> vehicles,
                                                        std::uint32_t request, std::string& reason) const = 0;
};

/// "insertion": pooling; every position of the pickup and drop-off in every vehicle's plan that
/// keeps every rider's wait and ride limits (those on board, those assigned and the new one) and
/// the capacity. Among them the least added rider and vehicle time, with one rule first: a busy
/// vehicle gets the request only if it picks the rider up no later than the best idle vehicle
/// would. Rejection reasons: "unreachable" (no route from origin to destination),
/// "no_vehicle_in_time" (no vehicle could reach the rider within the wait limit even going
/// straight there), "fleet_busy" (some could, but not without breaking a rider's limits or the
/// capacity).
/// "nearest": no pooling; the idle vehicle that reaches the rider first.
std::unique_ptr<Dispatcher> makeDispatcher(const std::string& name);
std::vector<std::string> dispatcherNames();
/// "none", or "demand": idle vehicles move towards the origins of recent requests.
std::vector<std::string> rebalancerNames();

/// Why a plan cannot be kept.
enum class PlanBreak : std::uint8_t { None, Unreachable, Order, Capacity, Wait, Ride };

/// A plan timed: per stop, when its rider gets on or off (arrival, doors, then riders one by one:
/// consecutive stops on one road share a dwell, as the engine makes them), and what breaks first.
struct PlanTiming {
  std::vector<double> times;
  double endS = 0;                ///< when the vehicle leaves its last stop
  PlanBreak broken = PlanBreak::None;
  std::uint32_t brokenRequest = UINT32_MAX;  ///< whose limit breaks
};
PlanTiming timePlan(const DispatchContext& context, const DispatchVehicle& vehicle, std::span<const PlannedStop> plan);

/// Feasibility of a plan for one vehicle: the estimated time of each stop, or nullopt when a
/// rider would wait or ride too long or the capacity would be exceeded. Exposed for dispatchers
/// and tests.
std::optional<std::vector<double>> schedulePlan(const DispatchContext& context, const DispatchVehicle& vehicle,
                                                std::span<const PlannedStop> plan);

}  // namespace traffic
