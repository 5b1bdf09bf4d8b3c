// Expansion of passenger demand at load time. Poisson arrivals drawn by inversion from
// counter-based uniforms (see random.h), so each passenger stream is a pure function of the seed
// and its own identity.
#include "traffic/transit.h"

#include <algorithm>
#include <cmath>

#include "traffic/random.h"

namespace traffic {

void expandPassengers(Transit& transit, std::uint32_t line, std::uint16_t from, std::uint16_t to, double perHour,
                      double beginS, double endS, std::uint64_t seed) {
  if (!(perHour > 0) || !(endS > beginS)) return;
  const std::uint64_t stream =
      mix(hashName("transit.passengers"), hashName(transit.lines[line].id), (std::uint64_t{from} << 16) | to);
  const double meanGapS = 3600.0 / perHour;
  double t = beginS;
  for (std::uint64_t k = 0;; ++k) {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    t += -meanGapS * std::log(1.0 - uniform01(seed, stream, k));
    if (t >= endS) break;
    transit.passengers.push_back(Passenger{line, from, to, t});
  }
}

}  // namespace traffic
