#include "traffic/vehicle_type.h"

#include <array>
#include <cmath>

namespace traffic {
namespace {
constexpr std::array<std::string_view, kVehicleClassCount> kClassNames{"car", "bus", "bike", "shuttle"};
constexpr std::array<std::string_view, 3> kPriorityNames{"none", "transit", "emergency"};
constexpr std::array<std::string_view, 5> kModelNames{"idm", "iidm", "krauss", "cacc", "cityflow"};
}  // namespace

std::string_view toString(VehicleClass c) { return kClassNames[static_cast<std::size_t>(c)]; }

std::optional<VehicleClass> parseVehicleClass(std::string_view name) {
  for (std::size_t i = 0; i < kClassNames.size(); ++i)
    if (kClassNames[i] == name) return static_cast<VehicleClass>(i);
  return std::nullopt;
}

std::string_view toString(SignalPriority p) { return kPriorityNames[static_cast<std::size_t>(p)]; }

std::optional<SignalPriority> parseSignalPriority(std::string_view name) {
  for (std::size_t i = 0; i < kPriorityNames.size(); ++i)
    if (kPriorityNames[i] == name) return static_cast<SignalPriority>(i);
  return std::nullopt;
}

std::string_view toString(CarFollowingModel m) { return kModelNames[static_cast<std::size_t>(m)]; }

std::optional<CarFollowingModel> parseCarFollowingModel(std::string_view name) {
  for (std::size_t i = 0; i < kModelNames.size(); ++i)
    if (kModelNames[i] == name) return static_cast<CarFollowingModel>(i);
  return std::nullopt;
}

VehicleType defaultVehicleType(VehicleClass c) {
  VehicleType t;
  t.vehicleClass = c;
  t.name = std::string(toString(c));
  switch (c) {
    case VehicleClass::Car:
      // Treiber and Kesting's city-traffic jam distance, with T = 1 s: a signalised 13.89 m/s lane
      // of these cars discharges in the textbook range of 1,800-1,900 veh/h (at s0 = 2.5 m and
      // T = 1.5 s it discharged 1,429 veh/h; docs/validation.md measures it).
      t.minGapM = 2.0;
      break;
    case VehicleClass::Bus:
      t.lengthM = 12;
      t.widthM = 2.5;
      t.maxSpeedMps = 16.67;
      t.accelMps2 = 1.2;
      t.comfortDecelMps2 = 2.5;
      t.minGapM = 3;
      t.headwayS = 1.5;
      t.politeness = 0.5;
      break;
    case VehicleClass::Bike:
      t.lengthM = 1.8;
      t.widthM = 0.7;
      t.maxSpeedMps = 5.0;
      t.accelMps2 = 1.0;
      t.comfortDecelMps2 = 2.0;
      t.maxDecelMps2 = 5.0;
      t.minGapM = 1.0;
      t.headwayS = 1.0;
      break;
    case VehicleClass::Shuttle:
      t.lengthM = 4.5;
      t.maxSpeedMps = 11.11;
      t.accelMps2 = 1.0;
      t.comfortDecelMps2 = 2.0;
      t.headwayS = 1.2;
      t.cooperative = true;
      t.carFollowing = CarFollowingModel::Cacc;
      t.signalAware = true;
      break;
  }
  return t;
}

std::string validate(const VehicleType& t) {
  auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  if (!positive(t.lengthM)) return "length must be > 0 m";
  if (!positive(t.widthM)) return "width must be > 0 m";
  if (!positive(t.maxSpeedMps)) return "max speed must be > 0 m/s";
  if (!positive(t.accelMps2)) return "acceleration must be > 0 m/s^2";
  if (!positive(t.comfortDecelMps2)) return "comfortable deceleration must be > 0 m/s^2";
  if (!positive(t.maxDecelMps2)) return "maximum deceleration must be > 0 m/s^2";
  if (t.maxDecelMps2 < t.comfortDecelMps2) return "maximum deceleration must be >= comfortable deceleration";
  if (!std::isfinite(t.minGapM) || t.minGapM < 0) return "min gap must be >= 0 m";
  if (!std::isfinite(t.headwayS) || t.headwayS < 0) return "headway must be >= 0 s";
  if (!positive(t.accelExponent)) return "acceleration exponent must be > 0";
  if (!std::isfinite(t.politeness) || t.politeness < 0 || t.politeness > 1) return "politeness must be in [0, 1]";
  if (!std::isfinite(t.laneChangeThresholdMps2) || t.laneChangeThresholdMps2 < 0)
    return "lane-change threshold must be >= 0 m/s^2";
  if (!positive(t.speedFactor)) return "speed factor must be > 0";
  if (!positive(t.lateralAccelMps2)) return "lateral acceleration must be > 0 m/s^2";
  if (!std::isfinite(t.cooperativeHeadwayS) || t.cooperativeHeadwayS < 0) return "cooperative headway must be >= 0 s";
  if (!std::isfinite(t.kraussSigma) || t.kraussSigma < 0 || t.kraussSigma > 1) return "krauss sigma must be in [0, 1]";
  return {};
}

}  // namespace traffic
