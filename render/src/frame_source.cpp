#include "traffic/render/frame_source.h"

#include <algorithm>

namespace traffic::render {

const std::vector<TransitStop>& FrameSource::stops() const {
  static const std::vector<TransitStop> none;
  return none;
}

const std::vector<PlaybackSpeed>& speedSteps() {
  static const std::vector<PlaybackSpeed> steps{0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, kAsFastAsPossible};
  return steps;
}

PlaybackSpeed nextSpeed(PlaybackSpeed current, bool faster) {
  const auto& steps = speedSteps();
  // Rank of a speed on the ladder: as fast as possible sits above every finite speed.
  auto rank = [](PlaybackSpeed s) { return s == kAsFastAsPossible ? 1e18 : s; };
  if (faster) {
    for (PlaybackSpeed s : steps)
      if (rank(s) > rank(current)) return s;
    return kAsFastAsPossible;
  }
  for (auto it = steps.rbegin(); it != steps.rend(); ++it)
    if (rank(*it) < rank(current)) return *it;
  return steps.front();
}

}  // namespace traffic::render
