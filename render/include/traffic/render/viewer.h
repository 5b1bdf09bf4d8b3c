// The interactive window: draws the newest frame of a FrameSource at the display's rate and turns
// mouse and keys into camera moves, playback commands and selections. Keys: docs/viewer.md.
#pragma once

#include <optional>
#include <string>

#include "traffic/render/camera.h"
#include "traffic/render/city_view.h"
#include "traffic/render/frame_source.h"
#include "traffic/render/palette.h"

namespace traffic::render {

struct ViewerOptions {
  unsigned widthPx = 1280;
  unsigned heightPx = 800;
  ColourMode colourMode = ColourMode::ByClass;
  /// The city layer: by the scale (auto), or always or never (V cycles); what colours its roads (D).
  LayerMode layer = LayerMode::Auto;
  RoadMeasure roadMeasure = RoadMeasure::Speed;
  std::string title = "trafficsim";
  /// The first view; fitted to the network when not given.
  std::optional<Camera> camera;
};

/// The multisampling level for a window: 4 on a GPU, none on a software rasteriser (Mesa's
/// llvmpipe, as under Xvfb), where it costs about three times the frame time. Needs a display.
unsigned windowAntialiasing();

/// Opens the window and runs until the user closes it (or presses Q). Throws std::runtime_error
/// when no window can be opened.
void runViewer(FrameSource& source, const ViewerOptions& options);

}  // namespace traffic::render
