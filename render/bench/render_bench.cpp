// Frames per second of the viewer's drawing: network, signals, vehicles and HUD, in a window.
//
//   traffic_render_bench SCENARIO --at T [--frames N] [--size WxH] [--fill N] [--set KEY=VALUE ...]
//                        [--city-only 1]
//
// Simulates SCENARIO headless to T, then draws that frame N times in five views: the whole
// network with the vehicles (short lines at that scale), the same with every vehicle forced to a
// box, the whole network as the city layer (roads by speed, queues, signal dots, entry queues), the
// city layer while zooming (its strips rebuilt every frame), and a close view (4 pixels per metre,
// on the busiest spot). Prints the frames per second of each and splits a frame's time into
// building its vertex lists on the CPU and the rest (submitting, rasterising, swapping).
// --city-only 1 measures the two city-layer views alone (the vehicle views of a million vehicles
// take seconds a frame). --set overrides a scenario key as `trafficsim run --set` does (e.g. map.grid.rows=200).
// --fill N replaces the frame's vehicles by N placed on the lanes, for networks whose peak is too
// slow to simulate here: from each lane's end a queue of halted cars 7 m apart, then cars at 60% of
// the limit 20 m apart, lane after lane, until N are placed. Under Xvfb the GL is Mesa's software
// rasteriser (llvmpipe), far slower than any GPU. Multisampling as in the viewer (none on a
// software rasteriser); AA=4 in the environment forces a level.
#include <SFML/Graphics.hpp>
#include <SFML/OpenGL.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "traffic/render/hud.h"
#include "traffic/render/renderer.h"
#include "traffic/render/screenshot.h"
#include "traffic/render/viewer.h"
#include "traffic/scenario.h"
#include "traffic/world.h"

using namespace traffic;
using namespace traffic::render;

namespace {

/// CPU time of the whole process, every thread (llvmpipe rasterises on threads of its own). On a
/// machine shared with other work this, unlike the wall time, does not grow with the others' load.
double processCpuS() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

/// `frames` frames drawn as the viewer draws them; `zooming` changes the scale by 0.1% every frame
/// (as a zoom does), so that whatever depends on the scale is rebuilt.
double measure(sf::RenderWindow& window, SceneRenderer& renderer, const Frame& frame, Camera camera,
               const DrawOptions& draw, Hud& hud, HudModel model, int frames, bool zooming = false) {
  model.frame = &frame;
  model.cityLayer = draw.cityLayer;
  // One frame first, so that first-use costs (texture upload of the glyphs) are not counted.
  auto one = [&] {
    window.clear(toSf(palette::kBackground));
    renderer.draw(window, frame, camera, draw);
    hud.draw(window, model);
    window.display();
  };
  const auto firstStart = std::chrono::steady_clock::now();
  one();
  fmt::print("    first frame (with whatever it builds once) {:.1f} ms\n",
             1000 * std::chrono::duration<double>(std::chrono::steady_clock::now() - firstStart).count());
  double drawS = 0, buildS = 0;
  const double cpuStart = processCpuS();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < frames; ++i) {
    if (zooming) camera.zoomAt({camera.widthPx() / 2, camera.heightPx() / 2}, i % 2 == 0 ? 1.001 : 1 / 1.001);
    const auto t0 = std::chrono::steady_clock::now();
    window.clear(toSf(palette::kBackground));
    renderer.draw(window, frame, camera, draw);
    buildS += renderer.lastBuildS();
    hud.draw(window, model);
    drawS += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    window.display();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpuS = processCpuS() - cpuStart;
  fmt::print("    CPU time of this process (all its threads, llvmpipe's included) {:.1f} ms a frame\n", 1000 * cpuS / frames);
  fmt::print("    (of {:.1f} ms a frame, {:.1f} ms building the frame's vertices, {:.1f} ms submitting them and the HUD, "
             "{:.1f} ms rasterising and swapping)\n",
             1000 * s / frames, 1000 * buildS / frames, 1000 * (drawS - buildS) / frames, 1000 * (s - drawS) / frames);
  return frames / s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: traffic_render_bench SCENARIO [--at T] [--frames N] [--size WxH] [--fill N] [--set KEY=VALUE]\n";
    return 2;
  }
  // One line at a time even into a pipe, so that a long run (a city-scale grid takes minutes)
  // shows how far it got.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string scenarioPath = argv[1];
  double atS = 900;
  int frames = 100;
  unsigned w = 1600, h = 1000;
  long fill = -1;
  bool cityOnly = false;
  std::vector<std::string> overrides;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--at") atS = std::stod(value);
    else if (key == "--fill") fill = std::stol(value);
    else if (key == "--set") overrides.push_back(value);
    else if (key == "--city-only") cityOnly = value == "1";
    else if (key == "--frames") frames = std::stoi(value);
    else if (key == "--size") std::sscanf(value.c_str(), "%ux%u", &w, &h);
    else {
      std::cerr << "unknown option " << key << "\n";
      return 2;
    }
  }
  try {
    requireDisplay();
    const auto loadStart = std::chrono::steady_clock::now();
    const Scenario sc = loadScenario(scenarioPath, overrides);
    const auto worldStart = std::chrono::steady_clock::now();
    fmt::print("scenario loaded in {:.1f} s\n", std::chrono::duration<double>(worldStart - loadStart).count());
    World world(sc);
    fmt::print("world built in {:.1f} s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - worldStart).count());
    while (world.timeS() + 1e-9 < atS && !world.finished()) world.step();
    Frame frame = world.frame();
    std::vector<EntryQueue> entryQueues;
    for (const auto& [road, vehicles] : world.entryQueueLengths()) entryQueues.push_back({road, vehicles});
    if (fill >= 0) {
      frame.vehicles.clear();
      const RoadNetwork& net = *sc.network;
      const auto lanes = static_cast<long>(net.lanes().size());
      for (long l = 0; l < lanes && static_cast<long>(frame.vehicles.size()) < fill; ++l) {
        const Lane& lane = net.lanes()[static_cast<std::size_t>(l)];
        const long share = fill / lanes + (l < fill % lanes ? 1 : 0);
        double pos = lane.lengthM - 1;
        for (long k = 0; k < share && pos > 0; ++k) {
          FrameVehicle v;
          v.id = static_cast<std::uint32_t>(frame.vehicles.size());
          v.track = static_cast<std::uint32_t>(l);
          v.positionM = static_cast<float>(pos);
          const bool queued = k < share / 2;
          v.speedMps = queued ? 0.f : static_cast<float>(0.6 * lane.speedLimitMps);
          v.flags = queued ? FrameVehicle::kHalted : 0;
          frame.vehicles.push_back(v);
          pos -= queued ? 7 : 20;
        }
      }
      frame.stats.running = static_cast<std::uint32_t>(frame.vehicles.size());
    }

    sf::RenderWindow window(sf::VideoMode(w, h), "traffic_render_bench", sf::Style::Default,
                            sf::ContextSettings(0, 0, std::getenv("AA") ? static_cast<unsigned>(std::atoi(std::getenv("AA")))
                                                                        : windowAntialiasing()));
    window.setVerticalSyncEnabled(false);
    const auto rendererStart = std::chrono::steady_clock::now();
    SceneRenderer renderer(*sc.network, [&sc](std::uint32_t id) {
      return id < sc.demand.trips.size() ? sc.vehicleTypes[sc.demand.trips[id].type.index()].lengthM : 4.5;
    });
    fmt::print("static geometry built in {:.1f} s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - rendererStart).count());
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
    DrawOptions detail;
    detail.forceVehicleBoxes = true;
    DrawOptions city;
    city.cityLayer = true;
    city.entryQueues = entryQueues;
    double fpsFit = 0, fpsDetail = 0, fpsClose = 0;
    std::size_t fitVertices = 0, detailVertices = 0, closeVertices = 0;
    if (!cityOnly) {
      fpsFit = measure(window, renderer, frame, fit, lod, hud, model, frames);
      fitVertices = renderer.lastVehicleVertices();
      fpsDetail = measure(window, renderer, frame, fit, detail, hud, model, frames);
      detailVertices = renderer.lastVehicleVertices();
    }
    const double fpsCity = measure(window, renderer, frame, fit, city, hud, model, frames);
    const std::size_t cityVertices = renderer.lastCityVertices();
    const double fpsZooming = measure(window, renderer, frame, fit, city, hud, model, frames, true);
    if (!cityOnly) {
      fpsClose = measure(window, renderer, frame, close, lod, hud, model, frames);
      closeVertices = renderer.lastVehicleVertices();
    }
    fmt::print("  scale of the whole network: {:.3f} px/m ({} layer in the viewer)\n", fit.pxPerM(),
               fit.pxPerM() < kCityEnterPxPerM ? "city" : "vehicles");
    if (!cityOnly) {
      fmt::print("  whole network, level of detail  {:7.1f} fps  ({} vehicle vertices)\n", fpsFit, fitVertices);
      fmt::print("  whole network, vehicles as boxes{:7.1f} fps  ({} vehicle vertices)\n", fpsDetail, detailVertices);
    }
    fmt::print("  whole network, city layer       {:7.1f} fps  ({} city vertices)\n", fpsCity, cityVertices);
    fmt::print("  city layer, zooming             {:7.1f} fps\n", fpsZooming);
    if (!cityOnly) fmt::print("  close view, 4 px/m              {:7.1f} fps  ({} vehicle vertices)\n", fpsClose, closeVertices);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
