// Template and inline parts of world_state.h.
#pragma once

#include <algorithm>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "traffic/car_following.h"

namespace traffic::engine {

template <class Body>
void State::forEach(std::size_t n, std::size_t grain, const Body& body) {
  if (!parallel || n <= grain) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  // simple_partitioner with a fixed grain: the split is the same every run, though nothing here
  // depends on it (each i writes only what it owns).
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t i = r.begin(); i != r.end(); ++i) body(i);
                    },
                    tbb::simple_partitioner());
}

inline double State::desiredSpeedOn(const Vehicle& v, std::uint32_t track) const {
  return desiredSpeed(type(v), tracks[track].speedLimitMps);
}

inline std::optional<RoadId> State::nextRoad(std::uint32_t vehicle) const {
  const auto& route = routes[vehicle];
  const std::size_t i = vehicles[vehicle].routeIndex;
  if (i + 1 < route.size()) return route[i + 1];
  return std::nullopt;
}

inline bool State::onLastRoad(std::uint32_t vehicle) const {
  return static_cast<std::size_t>(vehicles[vehicle].routeIndex) + 1 >= routes[vehicle].size();
}

}  // namespace traffic::engine
