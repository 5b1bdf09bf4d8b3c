// Transit rules that need no engine state: passenger demand expanded at load time, and the dwell
// time at a stop from the passengers through the doors.
//
// Passenger arrivals are Poisson processes drawn by inversion from counter-based uniforms (see
// random.h), so each passenger stream is a pure function of the seed and its own identity.
#include "traffic/transit.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "traffic/random.h"

namespace traffic {

namespace {

std::uint64_t passengerStream(const Transit& transit, std::uint32_t line, std::uint16_t from, std::uint16_t to) {
  return mix(hashName("transit.passengers"), hashName(transit.lines[line].id), (std::uint64_t{from} << 16) | to);
}

// The door channels through which each flow passes: on-board fares send boarders through the
// front door alone and alighters through the rest (none left with one door: then they share it,
// one flow after the other).
unsigned alightingChannels(const TransitLine& line) {
  return line.fare == FarePayment::OnBoard ? std::max(1u, line.doors - 1u) : line.doors;
}
bool flowsShareDoors(const TransitLine& line) { return line.fare == FarePayment::OffBoard || line.doors <= 1; }

}  // namespace

double doorChannelFactor(unsigned channels) {
  // TCQSM 3rd edition, chapter 6: passenger traffic allocation factors for multiple door
  // channels; five is interpolated, beyond six the factor keeps falling as 1.5 / channels.
  static constexpr std::array<double, 7> kFactor = {1.0, 1.0, 0.60, 0.45, 0.37, 0.31, 0.25};
  if (channels < kFactor.size()) return kFactor[channels];
  return 1.5 / static_cast<double>(channels);
}

double alightedAfterS(const TransitLine& line, std::uint32_t n) {
  const double factor = line.fare == FarePayment::OnBoard ? doorChannelFactor(alightingChannels(line))
                                                         : doorChannelFactor(line.doors);
  return line.doorS * 0.5 + static_cast<double>(n) * line.alightingS * factor;
}

double boardedAfterS(const TransitLine& line, std::uint32_t alighting, std::uint32_t n) {
  if (!flowsShareDoors(line)) return line.doorS * 0.5 + static_cast<double>(n) * line.boardingS;
  // Sharing the doors: boarders follow the alighters.
  const double factor = line.fare == FarePayment::OffBoard ? doorChannelFactor(line.doors) : 1.0;
  return alightedAfterS(line, alighting) + static_cast<double>(n) * line.boardingS * factor;
}

double dwellTimeS(const TransitLine& line, std::uint32_t alighting, std::uint32_t boarding) {
  const double alight = alightedAfterS(line, alighting) - line.doorS * 0.5;
  const double board = boardedAfterS(line, alighting, boarding) - line.doorS * 0.5;
  return line.doorS + std::max(alight, board);
}

void expandPassengers(Transit& transit, std::uint32_t line, std::uint16_t from, std::uint16_t to, double perHour,
                      double beginS, double endS, std::uint64_t seed) {
  if (!(endS > beginS)) return;
  expandPassengers(transit, line, from, to, perHour, {{beginS, 1.0}, {endS, 0.0}}, seed);
}

void expandPassengers(Transit& transit, std::uint32_t line, std::uint16_t from, std::uint16_t to, double perHour,
                      const std::vector<std::pair<double, double>>& profile, std::uint64_t seed) {
  if (!(perHour > 0) || profile.size() < 2) return;
  const std::uint64_t stream = passengerStream(transit, line, from, to);
  // Inversion of the cumulative rate: unit-rate exponential gaps, stretched by each interval's
  // mean gap and carried over into the next interval when they reach past its end.
  std::size_t i = 0;
  double t = profile.front().first;
  for (std::uint64_t k = 0;; ++k) {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    double gap = -std::log(1.0 - uniform01(seed, stream, k));
    for (;;) {
      if (i + 1 >= profile.size()) return;
      const double endS = profile[i + 1].first;
      const double factor = profile[i].second;
      if (factor > 0) {
        const double meanGapS = 3600.0 / (perHour * factor);
        if (t + meanGapS * gap < endS) {
          t += meanGapS * gap;
          break;
        }
        gap -= (endS - t) / meanGapS;
      }
      t = endS;
      ++i;
    }
    transit.passengers.push_back(Passenger{line, from, to, t});
  }
}

}  // namespace traffic
