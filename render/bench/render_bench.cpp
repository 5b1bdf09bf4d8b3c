// Frames per second of the viewer's drawing: network, signals, vehicles and HUD, in a window.
//
//   traffic_render_bench SCENARIO --at T [--frames N] [--size WxH]
//
// Simulates SCENARIO headless to T, then draws that frame N times in three views: the whole
// network (vehicles as short lines at that scale), the same with every vehicle forced to a box, and
// a close view (4 pixels per metre, on the busiest spot). Prints the frames per second of each. Under
// Xvfb the GL is Mesa's software rasteriser (llvmpipe), far slower than any GPU. Multisampling as
// in the viewer (none on a software rasteriser); AA=4 in the environment forces a level.
#include <SFML/Graphics.hpp>
#include <SFML/OpenGL.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <cstdlib>
#include <iostream>
#include <string>

#include "traffic/render/hud.h"
#include "traffic/render/renderer.h"
#include "traffic/render/screenshot.h"
#include "traffic/render/viewer.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

using namespace traffic;
using namespace traffic::render;

namespace {

double measure(sf::RenderWindow& window, SceneRenderer& renderer, const Frame& frame, const Camera& camera,
               const DrawOptions& draw, Hud& hud, HudModel model, int frames) {
  model.frame = &frame;
  // One frame first, so that first-use costs (texture upload of the glyphs) are not counted.
  auto one = [&] {
    window.clear(toSf(palette::kBackground));
    renderer.draw(window, frame, camera, draw);
    hud.draw(window, model);
    window.display();
  };
  one();
  double drawS = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < frames; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    window.clear(toSf(palette::kBackground));
    renderer.draw(window, frame, camera, draw);
    hud.draw(window, model);
    drawS += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    window.display();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("    (of {:.1f} ms a frame, {:.1f} ms building and submitting, the rest rasterising and swapping)\n",
             1000 * s / frames, 1000 * drawS / frames);
  return frames / s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: traffic_render_bench SCENARIO [--at T] [--frames N] [--size WxH]\n";
    return 2;
  }
  std::string scenarioPath = argv[1];
  double atS = 900;
  int frames = 100;
  unsigned w = 1600, h = 1000;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--at") atS = std::stod(value);
    else if (key == "--frames") frames = std::stoi(value);
    else if (key == "--size") std::sscanf(value.c_str(), "%ux%u", &w, &h);
    else {
      std::cerr << "unknown option " << key << "\n";
      return 2;
    }
  }
  try {
    requireDisplay();
    const Scenario sc = loadScenario(scenarioPath);
    World world(sc);
    while (world.timeS() + 1e-9 < atS && !world.finished()) world.step();
    const Frame frame = world.frame();

    sf::RenderWindow window(sf::VideoMode(w, h), "traffic_render_bench", sf::Style::Default,
                            sf::ContextSettings(0, 0, std::getenv("AA") ? static_cast<unsigned>(std::atoi(std::getenv("AA")))
                                                                        : windowAntialiasing()));
    window.setVerticalSyncEnabled(false);
    SceneRenderer renderer(*sc.network, [&sc](std::uint32_t id) {
      return sc.vehicleTypes[sc.demand.trips[id].type.index()].lengthM;
    });
    Hud hud;
    HudModel model;
    model.info = {sc.name, sc.signalPolicy.name, 0, sc.durationS, sc.stepS, true};
    model.fps = 60;
    const Camera fit = Camera::fit(renderer.bounds(), w, h);
    // The close view centres on the 200 m square holding the most vehicles.
    std::map<std::pair<long, long>, int> density;
    for (const FrameVehicle& v : frame.vehicles) {
      const Vec2 p = renderer.tracks().place(v, 5).frontM;
      ++density[{static_cast<long>(std::floor(p.x / 200)), static_cast<long>(std::floor(p.y / 200))}];
    }
    Vec2 busiest = fit.centre();
    int most = 0;
    for (const auto& [cell, n] : density)
      if (n > most) {
        most = n;
        busiest = {cell.first * 200.0 + 100, cell.second * 200.0 + 100};
      }
    const Camera close(busiest, 4.0, w, h);

    fmt::print("{} at {}: {} vehicles in the network, {}x{} window, {}\n", sc.name, clockText(frame.timeS),
               frame.vehicles.size(), w, h, reinterpret_cast<const char*>(glGetString(GL_RENDERER)));
    {
      // The CPU part of a vehicle frame alone: placing every vehicle and picking its colour.
      const TrackGeometry& tracks = renderer.tracks();
      const auto t0 = std::chrono::steady_clock::now();
      double sink = 0;
      for (int i = 0; i < 20; ++i)
        for (const FrameVehicle& v : frame.vehicles) {
          const VehiclePose p = tracks.place(v, 5);
          sink += p.frontM.x + vehicleColour(v, ColourMode::BySpeed, tracks.speedLimitMps(v)).r;
        }
      const double ms = 1000 * std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 20;
      fmt::print("  placing and colouring {} vehicles: {:.2f} ms ({})\n", frame.vehicles.size(), ms, sink > 0 ? "" : " ");
    }
    DrawOptions lod;
    const double fpsFit = measure(window, renderer, frame, fit, lod, hud, model, frames);
    const std::size_t fitVertices = renderer.lastVehicleVertices();
    DrawOptions detail;
    detail.forceVehicleBoxes = true;
    const double fpsDetail = measure(window, renderer, frame, fit, detail, hud, model, frames);
    const std::size_t detailVertices = renderer.lastVehicleVertices();
    const double fpsClose = measure(window, renderer, frame, close, lod, hud, model, frames);
    const std::size_t closeVertices = renderer.lastVehicleVertices();
    fmt::print("  whole network, level of detail  {:7.1f} fps  ({} vehicle vertices)\n", fpsFit, fitVertices);
    fmt::print("  whole network, vehicles as boxes{:7.1f} fps  ({} vehicle vertices)\n", fpsDetail, detailVertices);
    fmt::print("  close view, 4 px/m              {:7.1f} fps  ({} vehicle vertices)\n", fpsClose, closeVertices);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
