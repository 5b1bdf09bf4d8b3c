// Colours of the viewer: the network, signals and vehicles, and the two vehicle colour modes.
//
// Plain RGBA values with no SFML type, so that tests can compute the colour a pixel must have and
// the drawing code and the legend read one table. Vehicle colours stay clear of the signal colours
// (no pure red or green vehicle by class), so a stop line is never mistaken for a car.
#pragma once

#include <cstdint>
#include <string_view>

#include "traffic/frame.h"
#include "traffic/signal.h"

namespace traffic::render {

struct Rgba {
  std::uint8_t r = 0, g = 0, b = 0, a = 255;
  constexpr bool operator==(const Rgba&) const = default;
};

/// How vehicles are coloured: by mode of transport (the default) or by speed.
enum class ColourMode : std::uint8_t { ByClass, BySpeed };
std::string_view toString(ColourMode m);

namespace palette {
inline constexpr Rgba kBackground{24, 26, 30};
inline constexpr Rgba kAsphalt{62, 64, 70};
inline constexpr Rgba kBusLane{92, 52, 52};   ///< lanes reserved for buses
inline constexpr Rgba kBikeLane{48, 84, 58};  ///< lanes reserved for bikes
inline constexpr Rgba kJunctionBox{78, 80, 88};
inline constexpr Rgba kLaneDivider{220, 220, 220};
inline constexpr Rgba kCentreLine{232, 196, 80};
inline constexpr Rgba kEdgeLine{170, 170, 170};
inline constexpr Rgba kNoSignalStopLine{200, 200, 200};

inline constexpr Rgba kSignalRed{230, 30, 30};
inline constexpr Rgba kSignalYellow{250, 200, 0};
inline constexpr Rgba kSignalGreenProtected{0, 220, 70};
inline constexpr Rgba kSignalGreenPermissive{120, 240, 150};

inline constexpr Rgba kCar{90, 170, 255};
inline constexpr Rgba kBus{255, 150, 30};
inline constexpr Rgba kBike{190, 120, 255};
inline constexpr Rgba kShuttle{0, 215, 215};
inline constexpr Rgba kEmergency{255, 60, 200};

/// Transit stops: a white square with a dark rim beside the kerb, the only pure white fill on the
/// map (text is kHudText), so neither a vehicle nor a marking is mistaken for one.
inline constexpr Rgba kStop{255, 255, 255};
inline constexpr Rgba kStopRim{20, 20, 24};
/// The small boxes behind the numbers drawn on the map (people waiting, passengers on board).
inline constexpr Rgba kLabelBox{10, 10, 14, 215};

/// The city layer (city_view.h): roads without a vehicle (no speed to show), and queues, at the stop
/// lines and before the entry roads, in a magenta outside the road colour scale.
inline constexpr Rgba kRoadEmpty{92, 94, 102};
inline constexpr Rgba kQueue{255, 40, 255};

inline constexpr Rgba kSelection{255, 255, 255};
inline constexpr Rgba kRoute{255, 255, 255, 70};
/// A followed fleet vehicle's planned pickups and drop-offs (diamond outlines; a bus's stops take
/// kSelection).
inline constexpr Rgba kPickup{120, 255, 140};
inline constexpr Rgba kDropoff{255, 225, 60};
inline constexpr Rgba kHudText{235, 235, 235};
inline constexpr Rgba kHudPanel{0, 0, 0, 170};
inline constexpr Rgba kChartLine{255, 200, 60};
}  // namespace palette

Rgba signalColour(SignalState s);
/// By mode of transport; the emergency flag wins over the class.
Rgba classColour(const FrameVehicle& v);
/// Red at a standstill, through yellow at half the limit, to green at or above `limitMps`.
Rgba speedColour(double speedMps, double limitMps);
Rgba vehicleColour(const FrameVehicle& v, ColourMode mode, double limitMps);

}  // namespace traffic::render
