// Counter-based random numbers.
//
// Every random draw in trafficsim is a pure function of (scenario seed, stream, counter): there is
// no generator state to share between threads or to advance in a particular order, so results are
// the same for any thread count and any scheduling. The mixer is the splitmix64 finaliser applied
// to a combination of the inputs; it is not cryptographic, only well spread, which is all that
// demand generation and driver variation need.
#pragma once

#include <cstdint>
#include <string_view>

namespace traffic {

/// The splitmix64 finaliser: a bijection on 64-bit integers with good avalanche.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// A well-spread 64-bit value for the draw identified by (seed, a, b). Each input goes through the
/// mixer before the next is folded in, so (s, a, b) and (s, b, a) give unrelated values.
constexpr std::uint64_t mix(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) {
  return splitmix64(splitmix64(splitmix64(seed) ^ a) ^ b);
}

/// Uniform in [0, 1) with 53 random bits, for the draw (seed, a, b).
constexpr double uniform01(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) {
  return static_cast<double>(mix(seed, a, b) >> 11) * 0x1.0p-53;
}

/// A stable 64-bit hash of a name (FNV-1a), for deriving a stream from an id such as a flow name.
/// std::hash is not used because its values may differ between standard libraries.
constexpr std::uint64_t hashName(std::string_view name) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return h;
}

}  // namespace traffic
