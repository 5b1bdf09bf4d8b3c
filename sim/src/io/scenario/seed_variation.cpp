// Seeded variation between runs of a scenario: departure jitter and driver variation.
//
//
// Dataset demand is fixed, so without these options every seed of a CityFlow scenario gives the
// same run. Both draw from counter-based streams keyed by the trip id or the type name (not by
// position in the trip list), so adding a flow leaves the draws of every other trip unchanged, and
// the same seed gives the same perturbed demand under every signal policy (common random numbers,
// which make policy comparisons over seeds sharper).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "io/scenario/toml_reader.h"
#include "traffic/errors.h"
#include "traffic/random.h"

namespace traffic::toml_reader {

/// Shifts each departure by a uniform draw in [-jitterS, +jitterS], clamped at 0.
void jitterDepartures(Demand& demand, double jitterS, std::uint64_t seed) {
  if (jitterS <= 0) return;
  const std::uint64_t stream = hashName("demand.departure_jitter_s");
  for (Trip& trip : demand.trips) {
    const double shift = jitterS * (2 * uniform01(seed, stream, hashName(trip.id)) - 1);
    trip.departS = std::max(0.0, trip.departS + shift);
  }
}

/// Gives every vehicle type `kDriverVariants` variants, appended as "<name>~1".."<name>~8", whose
/// speed factor and desired headway are the type's scaled by independent draws in [1-v, 1+v], and
/// moves each trip to one of its type's variants. The original types stay (flows name them) but
/// carry no trips. Eight variants rather than one parameter set per vehicle: the engine keeps a
/// type index per vehicle, and a handful of driver kinds already spreads platoons and headways.
void varyDrivers(Scenario& sc, double variation) {
  if (variation <= 0) return;
  const std::uint64_t speedStream = hashName("dynamics.driver_variation.speed_factor");
  const std::uint64_t headwayStream = hashName("dynamics.driver_variation.headway_s");
  const std::uint64_t assignStream = hashName("dynamics.driver_variation.variant");
  auto scale = [&](std::uint64_t stream, const std::string& typeName, std::size_t k) {
    return 1 + variation * (2 * uniform01(sc.seed, mix(stream, hashName(typeName)), k) - 1);
  };
  const std::size_t baseCount = sc.vehicleTypes.size();
  // The engine stores a vehicle's type in 16 bits.
  if (baseCount * (kDriverVariants + 1) > std::size_t{std::numeric_limits<std::uint16_t>::max()} + 1)
    throw LoadError(sc.sourceFile.string(), "dynamics.driver_variation",
                    "too many vehicle types (" + std::to_string(baseCount) + ") to give each " +
                        std::to_string(kDriverVariants) + " driver variants");
  for (std::size_t i = 0; i < baseCount; ++i) {
    for (std::size_t k = 0; k < kDriverVariants; ++k) {
      VehicleType variant = sc.vehicleTypes[i];
      variant.name = sc.vehicleTypes[i].name + "~" + std::to_string(k + 1);
      variant.speedFactor *= scale(speedStream, sc.vehicleTypes[i].name, k);
      variant.headwayS *= scale(headwayStream, sc.vehicleTypes[i].name, k);
      sc.vehicleTypes.push_back(std::move(variant));
    }
  }
  for (Trip& trip : sc.demand.trips) {
    const double u = uniform01(sc.seed, assignStream, hashName(trip.id));
    const auto k = std::min(kDriverVariants - 1, static_cast<std::size_t>(u * static_cast<double>(kDriverVariants)));
    trip.type = VehicleTypeId(baseCount + trip.type.index() * kDriverVariants + k);
  }
}

}  // namespace traffic::toml_reader
