// Vehicle classes and the parameters of a vehicle type.
//
// The class decides which lanes a vehicle may use (lane permissions) and, in later modules, its
// special behaviour (bus stops, shuttle dispatch). The type carries the driving parameters; the
// names follow the Intelligent Driver Model (IDM) and the CityFlow vehicle fields map onto them:
// maxSpeed -> maxSpeedMps, usualPosAcc -> accelMps2, usualNegAcc -> comfortDecelMps2,
// maxNegAcc -> maxDecelMps2, minGap -> minGapM, headwayTime -> headwayS, length -> lengthM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace traffic {

enum class VehicleClass : std::uint8_t { Car, Bus, Bike, Shuttle };
inline constexpr int kVehicleClassCount = 4;

std::string_view toString(VehicleClass c);
std::optional<VehicleClass> parseVehicleClass(std::string_view name);

/// What a vehicle may ask of the signals ahead of it on its route (see signal.h, PriorityRules):
/// an emergency vehicle pre-empts them (green ahead, whatever the policy wants); a transit
/// vehicle asks for a green extension or an early green within limits.
enum class SignalPriority : std::uint8_t { None, Transit, Emergency };
std::string_view toString(SignalPriority p);
std::optional<SignalPriority> parseSignalPriority(std::string_view name);

/// The car-following model a type drives with (car_following.h): the Intelligent Driver Model,
/// Treiber's improved IDM (IIDM: keeps the equilibrium gap exactly and slows down gently above the
/// desired speed), Krauss (SUMO's default: the largest speed from which it can still stop behind a
/// braking leader, minus random dawdling), or cooperative adaptive cruise control (CACC: follows a
/// cooperative leader at a short headway using its broadcast acceleration; IDM behind any other),
/// or CityFlow's (the speed rule of the CityFlow simulator, given to the vehicles of CityFlow
/// files so that a signalised lane discharges as it does there).
enum class CarFollowingModel : std::uint8_t { Idm, Iidm, Krauss, Cacc, Cityflow };
std::string_view toString(CarFollowingModel m);
std::optional<CarFollowingModel> parseCarFollowingModel(std::string_view name);

/// A set of vehicle classes, one bit per class.
struct ClassMask {
  std::uint8_t bits = 0;
  static constexpr ClassMask all() { return {0x0F}; }
  static constexpr ClassMask only(VehicleClass c) { return {static_cast<std::uint8_t>(1u << static_cast<unsigned>(c))}; }
  [[nodiscard]] constexpr bool allows(VehicleClass c) const { return (bits >> static_cast<unsigned>(c)) & 1u; }
  constexpr ClassMask& add(VehicleClass c) {
    bits = static_cast<std::uint8_t>(bits | (1u << static_cast<unsigned>(c)));
    return *this;
  }
  constexpr bool operator==(const ClassMask&) const = default;
};

struct VehicleType {
  std::string name = "car";
  VehicleClass vehicleClass = VehicleClass::Car;
  double lengthM = 5.0;
  double widthM = 2.0;
  double maxSpeedMps = 16.67;
  double accelMps2 = 2.0;          ///< IDM maximum acceleration a
  double comfortDecelMps2 = 4.5;   ///< IDM comfortable deceleration b
  double maxDecelMps2 = 9.0;       ///< emergency deceleration: no model and no step brakes harder
  double minGapM = 2.5;            ///< IDM jam distance s0
  /// IDM desired time headway T. 1 s, Treiber and Kesting's value for city traffic; with the car
  /// class's 2 m jam distance (vehicle_type.cpp) a signalised 13.89 m/s lane of cars discharges in
  /// the textbook range of 1,800-1,900 veh/h (docs/validation.md).
  double headwayS = 1.0;
  double accelExponent = 4.0;      ///< IDM delta
  double politeness = 0.2;         ///< MOBIL p: weight of others' gains in a discretionary change
  double laneChangeThresholdMps2 = 0.2;  ///< MOBIL a_th: advantage needed to change lanes
  double speedFactor = 1.0;        ///< multiplies the lane speed limit (drivers who speed or dawdle)
  /// Comfortable lateral acceleration in curves: a connector of mean radius R is driven at no more
  /// than sqrt(lateralAccelMps2 * R) (car_following.h, turnSpeed). 3 m/s^2: low-speed turning
  /// roadways at junctions are designed for a side friction of about 0.3 (AASHTO's Green Book),
  /// more than open-road curves, since drivers accept more at low speed.
  double lateralAccelMps2 = 3.0;
  CarFollowingModel carFollowing = CarFollowingModel::Idm;
  /// Krauss driver imperfection sigma in [0, 1]: each step the speed the model allows is reduced by
  /// a random share (up to sigma) of one step's acceleration a * dt (SUMO's default 0.5).
  double kraussSigma = 0.5;
  SignalPriority signalPriority = SignalPriority::None;
  /// Connected and automated driving: the vehicle broadcasts its acceleration and reads its
  /// leader's. Behind another cooperative vehicle it keeps `cooperativeHeadwayS` instead of
  /// `headwayS`, since it learns of the leader's braking by radio instead of by sight: with the IDM
  /// family by the shorter headway alone, with the CACC model by a controller that feeds the
  /// leader's acceleration forward.
  bool cooperative = false;
  double cooperativeHeadwayS = 0.6;
  /// Receives the signals' phase and timing (as at one-north's instrumented junctions) and, facing
  /// a red, slows down early to arrive as it turns green instead of stopping.
  bool signalAware = false;
};

/// Typical parameters of a class: a car as above; a 12 m bus with gentle acceleration; a bicycle
/// at 5 m/s; an autonomous shuttle (cooperative, signal-aware, at most 40 km/h).
VehicleType defaultVehicleType(VehicleClass c);

/// Checks physical sense; returns an empty string when valid, else the reason.
std::string validate(const VehicleType& t);

}  // namespace traffic
