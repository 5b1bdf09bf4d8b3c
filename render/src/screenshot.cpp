#include "traffic/render/screenshot.h"

#include <SFML/Graphics.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <stdexcept>

#include <X11/Xlib.h>
#include <fmt/format.h>

namespace traffic::render {

void requireDisplay() {
  const char* display = std::getenv("DISPLAY");
  if (display == nullptr || *display == '\0')
    throw NoDisplayError(
        "no X display (DISPLAY is not set), and the viewer draws with OpenGL through X: on a machine "
        "without a screen, run it under a virtual one, e.g. 'xvfb-run -a trafficsim ...' (Debian packages "
        "xvfb and xauth, which scripts/install-deps.sh installs)");
  // SFML aborts the process when it cannot open the display, so try it first and say why.
  //
  // The connection stays open until the process ends, on purpose: an X server started without
  // -noreset (as xvfb-run starts Xvfb) resets itself when its last client leaves, and refuses
  // connections while it does. Closing this one would make it reset just as SFML connects, which
  // then fails now and then and aborts. For the same reason a refused connection is retried.
  static Display* connection = nullptr;
  if (connection != nullptr) return;
  for (int attempt = 0; attempt < 20 && connection == nullptr; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    connection = XOpenDisplay(nullptr);
  }
  if (connection == nullptr)
    throw NoDisplayError(fmt::format(
        "cannot open the X display '{}' (DISPLAY): is its X server running and may this user connect? "
        "On a machine without a screen, use 'xvfb-run -a trafficsim ...'",
        display));
}

sf::Image renderImage(const RoadNetwork& net, const SceneRenderer::LengthOf& lengthOf, const Frame& frame,
                      const ImageOptions& options) {
  requireDisplay();
  if (options.hud) (void)hudFont();  // a missing font is reported before any GL work

  sf::RenderTexture texture;
  sf::ContextSettings settings;
  settings.antialiasingLevel = 4;
  if (!texture.create(options.widthPx, options.heightPx, settings))
    throw std::runtime_error(fmt::format("could not create a {}x{} offscreen image (OpenGL render texture)",
                                         options.widthPx, options.heightPx));
  SceneRenderer renderer(net, lengthOf, options.stops);
  const Camera camera = options.camera ? *options.camera : Camera::fit(renderer.bounds(), options.widthPx, options.heightPx);
  DrawOptions draw;
  draw.colourMode = options.colourMode;
  draw.cityLayer = LayerSwitch(options.layer).update(camera.pxPerM());
  draw.roadMeasure = options.roadMeasure;
  draw.entryQueues = options.entryQueues;
  texture.clear(toSf(palette::kBackground));
  renderer.draw(texture, frame, camera, draw);
  if (options.hud) {
    Hud hud;
    for (const auto& [t, di] : options.chart) hud.addSample(t, di);
    HudModel model = *options.hud;
    model.frame = &frame;
    model.colourMode = options.colourMode;
    model.layer = options.layer;
    model.cityLayer = draw.cityLayer;
    model.roadMeasure = options.roadMeasure;
    model.entryQueuesKnown = model.info.live;
    hud.draw(texture, model);
  }
  texture.display();
  return texture.getTexture().copyToImage();
}

void savePng(const sf::Image& image, const std::filesystem::path& file) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (!image.saveToFile(file.string()))
    throw std::runtime_error(fmt::format("cannot write the screenshot {}: check that its folder exists and is writable",
                                         file.string()));
}

}  // namespace traffic::render
