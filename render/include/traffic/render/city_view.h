// The zoomed-out view: at city scale vehicles are specks, so the viewer draws what they add up to.
// Roads coloured by the space-mean speed of their vehicles over the speed limit (or by density),
// queues as bars growing back from the stop lines, signals as dots at the end of each approach,
// and the vehicles waiting to enter at the network's edge as bars before their entry road.
//
// Everything here is computed from a Frame alone (the halted flag, positions and speeds of the
// vehicles, the movement states), so live runs and recordings are drawn alike; only the entry
// queues are not in a frame (a live source gives them beside it, a recording has none). No SFML
// here: tests check the figures and colours with numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "traffic/frame.h"
#include "traffic/ids.h"
#include "traffic/render/palette.h"
#include "traffic/road_network.h"

namespace traffic::render {

/// Which picture the viewer draws: switched by the scale (Auto), or forced.
enum class LayerMode : std::uint8_t { Auto, City, Vehicles };
std::string_view toString(LayerMode m);
/// What colours the roads in the city layer.
enum class RoadMeasure : std::uint8_t { Speed, Density };
std::string_view toString(RoadMeasure m);

/// The city layer takes over below this scale (a car is then under two pixels long) ...
inline constexpr double kCityEnterPxPerM = 0.4;
/// ... and hands back to the vehicles above this one. Between the two the layer in use stays, so
/// zooming back and forth across one threshold does not make the picture flicker.
inline constexpr double kCityLeavePxPerM = 0.6;

/// The layer shown, remembered from one frame to the next for the hysteresis.
class LayerSwitch {
 public:
  explicit LayerSwitch(LayerMode mode = LayerMode::Auto) : m_mode(mode) {}
  /// Updates the state for a frame drawn at `pxPerM` and says whether the city layer is shown.
  bool update(double pxPerM);
  /// Whether the city layer is shown (as of the last update).
  [[nodiscard]] bool city() const;
  [[nodiscard]] LayerMode mode() const { return m_mode; }
  void setMode(LayerMode mode) { m_mode = mode; }
  /// Auto -> City -> Vehicles -> Auto (the viewer's V key).
  void cycle();

 private:
  LayerMode m_mode;
  bool m_city = false;  // what Auto shows now
};

/// A road's strip is at least this wide on screen, so every road shows however far out.
inline constexpr double kCityStripMinPx = 2;
/// Queue bars are at least this wide and long on screen.
inline constexpr double kQueueBarMinPx = 2;
/// Signal dots (one per approach, at its stop line) are squares with a one-pixel dark rim: 5 pixels
/// from 0.1 pixels per metre up, 3 further out (where a city's junctions are a few pixels apart),
/// and none below kSignalDotsMinPxPerM, where the approaches of a junction are too close together
/// for a dot each.
inline constexpr double kSignalDotsMinPxPerM = 0.03;
inline double signalDotPx(double pxPerM) { return pxPerM >= 0.1 ? 5 : 3; }

/// Density colouring saturates here: vehicles per km and lane (7.5 m a vehicle, bumper to bumper).
inline constexpr double kJamDensityVehPerKm = 133;

/// The colour scale of the city layer, from `f` = 0 (stopped, or jammed) to 1 (at the speed limit,
/// or empty): ColorBrewer's RdYlBu, dark red through pale yellow to blue, which stays readable with
/// red-green colour blindness (the ends differ in hue along blue-yellow and in lightness).
Rgba roadColour(double f);
/// Colour of a road whose vehicles drive at `speedRatio` of the limit on average.
inline Rgba roadSpeedColour(double speedRatio) { return roadColour(speedRatio); }
/// Colour of a road with `vehPerKmLane` vehicles per km and lane (0 blue, jam density dark red).
Rgba roadDensityColour(double vehPerKmLane);

/// What the vehicles on one lane add up to at a frame's instant.
struct LaneLoad {
  std::uint32_t vehicles = 0;
  std::uint32_t halted = 0;
  float speedSumMps = 0;  ///< over its vehicles (space-mean speed = speedSumMps / vehicles)
  /// Queue at the stop line: from the lane's end back to the rear of the last vehicle in it
  /// (modelled metres, 0 without a queue). See laneLoads().
  float queueM = 0;
};

/// Two halted vehicles are in one queue when the gap between them (or between the first and the
/// stop line) is at most this.
inline constexpr double kQueueGapM = 15;

/// Per lane (indexed by LaneId) of `net`: vehicles, halted ones, their speeds, and the queue. The
/// queue is the line of halted vehicles standing back from the stop line: walking the lane from its
/// end, a halted vehicle joins it when its front is within kQueueGapM of the stop line or of the rear
/// of the vehicle that joined before; moving vehicles ahead of the first one (leaving on green) are
/// passed over, and the queue ends at the first moving vehicle or gap after it. `lengthOf` gives a
/// vehicle's body length (null: a typical length for its class). Vehicles in stop bays and on
/// connectors count for no lane.
std::vector<LaneLoad> laneLoads(const RoadNetwork& net, const Frame& frame,
                                const std::function<double(std::uint32_t)>& lengthOf);
/// The same into `out`, whose memory is kept from one frame to the next.
void laneLoads(const RoadNetwork& net, const Frame& frame, const std::function<double(std::uint32_t)>& lengthOf,
               std::vector<LaneLoad>& out);

/// A road's figures from its lanes' loads.
struct RoadLoad {
  std::uint32_t vehicles = 0;
  double meanSpeedMps = 0;   ///< space-mean speed, 0 when empty
  double speedRatio = 1;     ///< mean of each vehicle's speed over its lane's limit; 1 when empty
  double vehPerKmLane = 0;
};
RoadLoad roadLoad(const RoadNetwork& net, RoadId road, std::span<const LaneLoad> lanes);

/// The lanes of every road in flat tables, made once for a network, so that a frame's figures for
/// all roads come from one pass over the lane loads without reading the network's lane records
/// (several hundred bytes each, scattered over memory: at city scale that read cost more than the
/// rest of the layer's frame). load() gives what roadLoad() gives, to the last bit.
class RoadLoadTable {
 public:
  RoadLoadTable() = default;
  explicit RoadLoadTable(const RoadNetwork& net);
  [[nodiscard]] std::size_t roads() const { return m_lengthM.size(); }
  /// Road `road`'s figures (as roadLoad), and the longest queue of its lanes in `longestQueueM`.
  [[nodiscard]] RoadLoad load(std::size_t road, std::span<const LaneLoad> lanes, float& longestQueueM) const;

 private:
  std::vector<std::uint32_t> m_firstLane;  // road r's lanes are m_lanes[m_firstLane[r] .. m_firstLane[r + 1])
  std::vector<std::uint32_t> m_lanes;      // lane indices, road by road
  std::vector<double> m_speedLimitMps;     // per entry of m_lanes
  std::vector<double> m_lengthM;           // per road: its lanes' lengths together
};

/// Vehicles waiting to enter the network at the start of one road (departed, not yet inserted).
struct EntryQueue {
  RoadId road;
  std::uint32_t vehicles = 0;
  bool operator==(const EntryQueue&) const = default;
};
/// An entry queue is drawn as if its vehicles stood in one lane before the road: this long each.
inline constexpr double kEntryQueueVehicleM = 7.5;

}  // namespace traffic::render
