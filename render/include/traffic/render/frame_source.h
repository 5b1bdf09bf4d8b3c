// Where the viewer's frames come from: a simulation running on its own thread, or a recording.
//
// The viewer only ever asks a FrameSource for the newest frame and passes on the user's playback
// commands (pause, step, speed, seek). A live source never waits for the viewer: the simulation
// publishes a frame when it has one and goes on, so a slow frame on screen costs pictures, never
// simulated results. A replayed source is a playback clock over stored frames.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "traffic/frame.h"
#include "traffic/render/city_view.h"
#include "traffic/ids.h"
#include "traffic/road_network.h"
#include "traffic/transit.h"
#include "traffic/vehicle_type.h"

namespace traffic::render {

struct SourceInfo {
  std::string name;         ///< scenario name
  std::string policy;       ///< signal policy
  double startS = 0;        ///< first instant the source can show
  double endS = 0;          ///< scenario duration (live) or last frame (recording)
  double stepS = 1;
  bool live = true;         ///< a running simulation, rather than a recording
};

/// What the viewer shows about a followed vehicle beyond its frame entry. Fields a source does not
/// know stay at their "unknown" value.
struct VehicleDetails {
  std::uint32_t id = 0;
  std::string trip;        ///< trip id from the demand
  std::string type;        ///< vehicle type name
  VehicleClass vehicleClass = VehicleClass::Car;
  double lengthM = 5;
  double departS = 0;      ///< scheduled departure
  double enterS = -1;      ///< entered the network (-1: unknown or not yet)
  double arriveS = -1;     ///< reached the end of its route (-1: unknown or not yet)
  double distanceM = -1;   ///< driven so far (-1: unknown)
  double freeFlowS = -1;   ///< free-flow time of the whole route (-1: unknown)
  double routeLengthM = -1;
  std::int64_t stops = -1; ///< times it came to a halt (-1: unknown)
  std::vector<RoadId> route;
  /// Stops still ahead of a transit or fleet vehicle, in order (live runs; recordings do not
  /// carry plans, so a replay leaves this empty).
  std::vector<UpcomingStop> upcomingStops;
};

/// Simulated seconds per wall-clock second; 0 means as fast as possible.
using PlaybackSpeed = double;
inline constexpr PlaybackSpeed kAsFastAsPossible = 0;

class FrameSource {
 public:
  virtual ~FrameSource() = default;

  [[nodiscard]] virtual const RoadNetwork& network() const = 0;
  [[nodiscard]] virtual const SourceInfo& info() const = 0;
  /// Body length of vehicle `id` (a trip index), for drawing.
  [[nodiscard]] virtual double vehicleLengthM(std::uint32_t id) const = 0;
  /// The run's transit stops, in the order of Frame::stopWaiting; empty when it has none.
  [[nodiscard]] virtual const std::vector<TransitStop>& stops() const;
  /// Ids of the transit lines serving stop `index`, in line order.
  [[nodiscard]] virtual std::vector<std::string> linesAtStop(std::size_t index) const {
    (void)index;
    return {};
  }
  /// Details of vehicle `id` as of the newest frame, for the follow panel.
  [[nodiscard]] virtual std::optional<VehicleDetails> vehicleDetails(std::uint32_t id) = 0;
  /// The viewer follows this vehicle (nullopt: none), so a source may prepare its details.
  virtual void follow(std::optional<std::uint32_t> id) { (void)id; }

  /// Called once per displayed frame with the wall time since the previous call. A recording moves
  /// its playback clock here; a live run ignores it (it runs on its own thread).
  virtual void advance(double wallDtS) { (void)wallDtS; }
  /// The newest frame; null until the first one exists. Returns quickly.
  [[nodiscard]] virtual std::shared_ptr<const Frame> current() = 0;
  /// Vehicles waiting to enter the network at `frame`'s instant, per entry road; empty when the
  /// source does not know them. A frame does not carry them (nor, therefore, a recording): a live
  /// run gives those of the frame it published last, and nothing once a newer one replaced it.
  [[nodiscard]] virtual std::vector<EntryQueue> entryQueues(const Frame& frame) const {
    (void)frame;
    return {};
  }

  virtual void setPaused(bool paused) = 0;
  [[nodiscard]] virtual bool paused() const = 0;
  /// While paused: one simulation step, or the next stored frame.
  virtual void stepOnce() = 0;
  virtual void setSpeed(PlaybackSpeed speed) = 0;
  [[nodiscard]] virtual PlaybackSpeed speed() const = 0;

  [[nodiscard]] virtual bool canSeek() const { return false; }
  /// Jump to the frame at or before `timeS` (clamped to the source's span).
  virtual void seek(double timeS) { (void)timeS; }

  /// Nothing more will come: the run reached its end, or playback reached the last frame.
  [[nodiscard]] virtual bool finished() const = 0;
  /// A line for the heads-up display about the source's state (e.g. where outputs went).
  [[nodiscard]] virtual std::string status() const { return {}; }
  /// The delay index over time, as (time, value): over the whole span for a recording, up to the
  /// newest frame for a live run. Empty when the source keeps none (the viewer then charts the
  /// frames it shows).
  [[nodiscard]] virtual std::vector<std::pair<double, double>> delayIndexHistory() const { return {}; }
};

/// The playback speeds the viewer steps through with its faster and slower keys, in order.
const std::vector<PlaybackSpeed>& speedSteps();
/// The next step up (`faster`) or down from `current`; as fast as possible is the top step.
PlaybackSpeed nextSpeed(PlaybackSpeed current, bool faster);

}  // namespace traffic::render
