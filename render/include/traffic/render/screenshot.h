// Rendering one frame to an image without a window: an offscreen sf::RenderTexture, which needs a
// GL context but no visible window (under Xvfb on a machine without a screen).
#pragma once

#include <SFML/Graphics/Image.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "traffic/frame.h"
#include "traffic/render/camera.h"
#include "traffic/render/hud.h"
#include "traffic/render/renderer.h"

namespace traffic::render {

struct ImageOptions {
  unsigned widthPx = 1600;
  unsigned heightPx = 1000;
  ColourMode colourMode = ColourMode::ByClass;
  /// The city layer: Auto shows it when the view's scale is below kCityEnterPxPerM.
  LayerMode layer = LayerMode::Auto;
  RoadMeasure roadMeasure = RoadMeasure::Speed;
  /// Vehicles waiting to enter at the frame's instant (for the city layer; empty: none drawn).
  std::vector<EntryQueue> entryQueues;
  /// The view; fitted to the whole network when not given.
  std::optional<Camera> camera;
  /// With the HUD (figures, legend, chart) when given.
  std::optional<HudModel> hud;
  /// Points of the delay-index chart: (time, delay index).
  std::vector<std::pair<double, double>> chart;
  /// The run's transit stops, in the order of Frame::stopWaiting (none: no stops drawn).
  std::vector<TransitStop> stops;
};

/// There is no X display to open a window or a GL context on.
class NoDisplayError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws NoDisplayError, with the fix, when DISPLAY is not set.
void requireDisplay();

/// Renders `frame` on `net` into an image. Throws std::runtime_error when no offscreen target can
/// be created.
sf::Image renderImage(const RoadNetwork& net, const SceneRenderer::LengthOf& lengthOf, const Frame& frame,
                      const ImageOptions& options);

/// Writes `image` as PNG; throws std::runtime_error naming the file when it cannot.
void savePng(const sf::Image& image, const std::filesystem::path& file);

}  // namespace traffic::render
