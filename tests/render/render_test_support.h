// Helpers shared by the viewer's tests: a display check for the tests that draw, and pixel
// comparisons.
#pragma once

#include <gtest/gtest.h>

#include <SFML/Graphics/Image.hpp>

#include <cstdlib>
#include <memory>
#include <string>

#include "traffic/render/palette.h"
#include "traffic/road_network.h"

namespace traffic::render::testing {

/// Skips the test (with the fix) when there is no X display to draw on. ctest runs these tests
/// under xvfb-run; a display missing there means xvfb-run was not found when CMake configured.
#define TRAFFIC_REQUIRE_DISPLAY()                                                                          \
  do {                                                                                                     \
    const char* display = std::getenv("DISPLAY");                                                          \
    if (display == nullptr || *display == '\0')                                                            \
      GTEST_SKIP() << "no X display: this test draws with OpenGL. Install xvfb and xauth "                 \
                      "(scripts/install-deps.sh) and re-run cmake, so that ctest runs it under xvfb-run"; \
  } while (0)

inline ::testing::AssertionResult colourNear(Rgba expected, sf::Color actual, int tolerance = 6) {
  auto close = [&](int a, int b) { return std::abs(a - b) <= tolerance; };
  if (close(expected.r, actual.r) && close(expected.g, actual.g) && close(expected.b, actual.b))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected rgb(" << int(expected.r) << "," << int(expected.g) << ","
                                       << int(expected.b) << "), got rgb(" << int(actual.r) << "," << int(actual.g)
                                       << "," << int(actual.b) << ")";
}

inline std::shared_ptr<const RoadNetwork> share(RoadNetwork net) {
  return std::make_shared<const RoadNetwork>(std::move(net));
}

}  // namespace traffic::render::testing
