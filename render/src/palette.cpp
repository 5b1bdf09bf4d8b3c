#include "traffic/render/palette.h"

#include <algorithm>
#include <cmath>

namespace traffic::render {

std::string_view toString(ColourMode m) { return m == ColourMode::BySpeed ? "speed" : "mode"; }

Rgba signalColour(SignalState s) {
  switch (s) {
    case SignalState::Red: return palette::kSignalRed;
    case SignalState::Yellow: return palette::kSignalYellow;
    case SignalState::GreenPermissive: return palette::kSignalGreenPermissive;
    case SignalState::GreenProtected: return palette::kSignalGreenProtected;
  }
  return palette::kSignalRed;
}

Rgba classColour(const FrameVehicle& v) {
  if ((v.flags & FrameVehicle::kEmergency) != 0) return palette::kEmergency;
  switch (v.vehicleClass) {
    case VehicleClass::Car: return palette::kCar;
    case VehicleClass::Bus: return palette::kBus;
    case VehicleClass::Bike: return palette::kBike;
    case VehicleClass::Shuttle: return palette::kShuttle;
  }
  return palette::kCar;
}

Rgba speedColour(double speedMps, double limitMps) {
  // Two straight ramps in RGB, red -> yellow -> green: simple, and the three anchors are the
  // colours people read as stopped, slow and free-flowing.
  const double f = limitMps > 0 ? std::clamp(speedMps / limitMps, 0.0, 1.0) : 1.0;
  auto channel = [](double v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0))); };
  constexpr Rgba red{235, 40, 40}, yellow{245, 215, 40}, green{40, 210, 90};
  const Rgba& a = f < 0.5 ? red : yellow;
  const Rgba& b = f < 0.5 ? yellow : green;
  const double t = f < 0.5 ? f * 2 : (f - 0.5) * 2;
  return {channel(a.r + (b.r - a.r) * t), channel(a.g + (b.g - a.g) * t), channel(a.b + (b.b - a.b) * t), 255};
}

Rgba vehicleColour(const FrameVehicle& v, ColourMode mode, double limitMps) {
  return mode == ColourMode::BySpeed ? speedColour(v.speedMps, limitMps) : classColour(v);
}

}  // namespace traffic::render
