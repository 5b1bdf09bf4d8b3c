// What the viewer says about a junction, a transit stop or a vehicle that was clicked, computed
// from a frame.
//
// A frame carries each controller's phase, the phase its policy chose next, its stage and the time
// in it (Frame::signals), live and in recordings alike, so live and replayed views agree. For a
// frame without them (a hand-made one) the phase and stage are read back from the signal states:
// the phase is the program stage whose green movements match those showing green or yellow, the
// stage is yellow while any movement shows yellow and all-red while none shows green.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "traffic/frame.h"
#include "traffic/ids.h"
#include "traffic/road_network.h"
#include "traffic/transit.h"

namespace traffic::render {

struct LaneQueue {
  LaneId lane;
  int vehicles = 0;  ///< on the lane
  int halted = 0;    ///< of which below the halting speed: the queue
};

struct ApproachQueue {
  RoadId road;
  std::vector<LaneQueue> lanes;  ///< leftmost first
  [[nodiscard]] int halted() const;
  [[nodiscard]] int vehicles() const;
};

enum class JunctionStage : std::uint8_t { Green, Yellow, AllRed, Unsignalised };
std::string_view toString(JunctionStage s);

struct JunctionStatus {
  JunctionId junction;
  JunctionStage stage = JunctionStage::Unsignalised;
  int phase = -1;       ///< program stage being served or cleared; -1 when it cannot be told (all red)
  int nextPhase = -1;   ///< during yellow and all-red, the stage the policy chose next; -1 when unknown
  double timeInStageS = -1;  ///< time in the current green, yellow or all-red; -1 when unknown
  int phaseCount = 0;
  int greenMovements = 0;
  int movements = 0;
  std::vector<ApproachQueue> approaches;  ///< in the order of Junction::incoming
};

JunctionStatus inspectJunction(const RoadNetwork& net, const Frame& frame, JunctionId junction);

/// The program stage that best explains `states` at `junction`: the one holding every movement that
/// shows green or yellow, with the fewest others; -1 when nothing shows green or yellow or the
/// junction has no program.
int inferPhase(const RoadNetwork& net, std::span<const SignalState> states, JunctionId junction);

struct StopStatus {
  std::uint32_t waiting = 0;   ///< people waiting there, every line together
  int vehiclesAtStop = 0;      ///< vehicles standing at it with their doors open
  std::uint32_t onBoard = 0;   ///< passengers on board those vehicles
};

/// Stop `index` of `stops` (the run's stops, in Frame::stopWaiting's order) in `frame`: the people
/// waiting, and the vehicles dwelling on its lane (in its bay too) with their front within 3 m of
/// the stop's position, as the engine halts them.
StopStatus inspectStop(const Frame& frame, std::span<const TransitStop> stops, std::size_t index);

/// Where a vehicle is along its route: the index of the road it is on (or leaving, inside a
/// junction) in `route`, or nullopt when that road is not on the route.
std::optional<std::size_t> routeProgress(std::span<const RoadId> route, RoadId current);

/// The frame's entry for vehicle `id`, if it is in the network.
const FrameVehicle* findVehicle(const Frame& frame, std::uint32_t id);

}  // namespace traffic::render
