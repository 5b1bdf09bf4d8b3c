#include "traffic/render/viewer.h"

#include <SFML/Graphics.hpp>
#include <SFML/OpenGL.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <stdexcept>

#include <fmt/format.h>

#include "traffic/render/camera.h"
#include "traffic/render/hud.h"
#include "traffic/render/inspect.h"
#include "traffic/render/renderer.h"
#include "traffic/render/screenshot.h"

namespace traffic::render {
namespace {

using Clock = std::chrono::steady_clock;

// A press and release closer than this (pixels) is a click; further apart, a drag.
constexpr float kClickSlopPx = 4;
// How far from a vehicle or junction, on screen, a click still picks it.
constexpr double kPickTolerancePx = 4;
constexpr double kWheelZoom = 1.2;
constexpr double kKeyZoom = 1.5;
constexpr double kKeyPanPx = 80;

}  // namespace

unsigned windowAntialiasing() {
  const sf::Context probe;  // a GL context, to ask the driver its name
  const auto* name = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  const std::string renderer = name != nullptr ? name : "";
  const bool software = renderer.find("llvmpipe") != std::string::npos || renderer.find("softpipe") != std::string::npos ||
                        renderer.find("Software") != std::string::npos;
  return software ? 0 : 4;
}

namespace {

std::string roadName(const RoadNetwork& net, RoadId r) {
  return r.index() < net.roads().size() ? net.road(r).name : "?";
}

std::vector<std::string> vehiclePanel(const RoadNetwork& net, const TrackGeometry& tracks, const Frame& frame,
                                      const std::optional<VehicleDetails>& details, std::uint32_t id) {
  std::vector<std::string> lines;
  const FrameVehicle* v = findVehicle(frame, id);
  if (details) {
    lines.push_back(fmt::format("vehicle {} ({}{}{}, {:.1f} m)", details->trip, toString(details->vehicleClass),
                                details->type.empty() ? "" : ", type ", details->type, details->lengthM));
  } else {
    lines.push_back(fmt::format("vehicle #{}", id));
  }
  if (v) {
    std::string flags;
    if ((v->flags & FrameVehicle::kEmergency) != 0) flags += ", emergency";
    if ((v->flags & FrameVehicle::kTransit) != 0) flags += ", transit priority";
    if ((v->flags & FrameVehicle::kHalted) != 0) flags += ", halted";
    lines.push_back(fmt::format("speed {:.1f} m/s ({:.0f} km/h){}", v->speedMps, v->speedMps * 3.6, flags));
    if (v->vehicleClass == VehicleClass::Bus || v->vehicleClass == VehicleClass::Shuttle || v->load > 0)
      lines.push_back(fmt::format("{} passenger{} on board{}", v->load, v->load == 1 ? "" : "s",
                                  (v->flags & FrameVehicle::kDwelling) != 0 ? ", at a stop" : ""));
  } else if (details && details->arriveS >= 0) {
    lines.push_back(fmt::format("arrived at {}", clockText(details->arriveS)));
  } else {
    lines.push_back("not in the network now");
  }
  if (details) {
    std::string trip = fmt::format("departs {}", clockText(details->departS));
    if (details->enterS >= 0) {
      const double end = details->arriveS >= 0 ? details->arriveS : frame.timeS;
      trip = fmt::format("departed {}, entered {}, {:.0f} s on the way", clockText(details->departS),
                         clockText(details->enterS), end - details->departS);
    }
    lines.push_back(trip);
    if (details->distanceM >= 0) {
      std::string driven = fmt::format("driven {:.0f} m", details->distanceM);
      if (details->routeLengthM > 0) driven += fmt::format(" of {:.0f} m", details->routeLengthM);
      if (details->stops >= 0) driven += fmt::format(", {} stop{}", details->stops, details->stops == 1 ? "" : "s");
      lines.push_back(driven);
    }
    if (details->freeFlowS > 0) lines.push_back(fmt::format("free-flow time of the route {:.0f} s", details->freeFlowS));
    if (!details->route.empty()) {
      const std::optional<std::size_t> at = v ? routeProgress(details->route, tracks.roadOf(*v)) : std::nullopt;
      const bool onRoute = at.has_value();
      const std::size_t from = at.value_or(0);
      lines.push_back(onRoute ? fmt::format("route: road {} of {}", from + 1, details->route.size())
                              : fmt::format("route: {} roads", details->route.size()));
      // The road it is on and the next few; the whole list of a long route would fill the screen.
      const std::size_t to = std::min(details->route.size(), from + 5);
      for (std::size_t i = from; i < to; ++i)
        lines.push_back(fmt::format("  {} {}", onRoute && i == from ? ">" : " ", roadName(net, details->route[i])));
      if (to < details->route.size()) lines.push_back(fmt::format("    ... {} more", details->route.size() - to));
    }
  }
  lines.push_back("Esc: stop following");
  return lines;
}

std::vector<std::string> stopPanel(const RoadNetwork& net, const FrameSource& source, const Frame& frame,
                                   std::size_t index) {
  const TransitStop& stop = source.stops()[index];
  std::vector<std::string> lines;
  lines.push_back(fmt::format("stop {}{}", stop.id, stop.bay ? " (bay)" : ""));
  const StopStatus st = inspectStop(frame, source.stops(), index);
  lines.push_back(fmt::format("{} {} waiting", st.waiting, st.waiting == 1 ? "person" : "people"));
  if (st.vehiclesAtStop > 0)
    lines.push_back(fmt::format("{} vehicle{} at the stop, {} on board", st.vehiclesAtStop,
                                st.vehiclesAtStop == 1 ? "" : "s", st.onBoard));
  const std::vector<std::string> served = source.linesAtStop(index);
  std::string list;
  for (const std::string& l : served) list += (list.empty() ? "" : ", ") + l;
  lines.push_back(served.empty() ? std::string("no line serves it")
                                  : fmt::format("line{}: {}", served.size() == 1 ? "" : "s", list));
  if (stop.lane.index() < net.lanes().size()) {
    const Lane& lane = net.lane(stop.lane);
    lines.push_back(fmt::format("on {}, lane {}, {:.0f} m from its start", roadName(net, lane.road), lane.indexInRoad,
                                stop.positionM));
  }
  lines.push_back("Esc: clear");
  return lines;
}

std::vector<std::string> junctionPanel(const RoadNetwork& net, const Frame& frame, JunctionId id,
                                       const std::string& policy) {
  const JunctionStatus st = inspectJunction(net, frame, id);
  const Junction& j = net.junction(id);
  std::vector<std::string> lines;
  if (st.stage == JunctionStage::Unsignalised) {
    lines.push_back(fmt::format("junction {} (no signal)", j.name));
  } else {
    lines.push_back(fmt::format("junction {} ({} phases, policy {})", j.name, st.phaseCount, policy));
    const std::string since = st.timeInStageS >= 0 ? fmt::format(" for {:.0f} s", st.timeInStageS) : "";
    if (st.phase >= 0)
      lines.push_back(fmt::format("phase {} of {}: {}{}", st.phase + 1, st.phaseCount, toString(st.stage), since));
    else
      lines.push_back("all red: between phases");
    if (st.nextPhase >= 0)
      lines.push_back(fmt::format("the policy chose phase {} next", st.nextPhase + 1));
    else if (st.stage == JunctionStage::Green)
      lines.push_back("the policy holds this phase");
    lines.push_back(fmt::format("{} of {} movements green", st.greenMovements, st.movements));
  }
  lines.push_back("queues (halted / on the lane), left lane first:");
  for (const ApproachQueue& a : st.approaches) {
    std::string perLane;
    for (const LaneQueue& l : a.lanes) perLane += fmt::format("{}{}/{}", perLane.empty() ? "" : "  ", l.halted, l.vehicles);
    lines.push_back(fmt::format("  {}: {}  [{}]", roadName(net, a.road), a.halted(), perLane));
  }
  lines.push_back("Esc: clear");
  return lines;
}

}  // namespace

void runViewer(FrameSource& source, const ViewerOptions& options) {
  requireDisplay();
  (void)hudFont();  // fail before opening the window when the font is missing

  sf::ContextSettings settings;
  settings.antialiasingLevel = windowAntialiasing();
  sf::RenderWindow window(sf::VideoMode(options.widthPx, options.heightPx), options.title, sf::Style::Default, settings);
  if (!window.isOpen()) throw std::runtime_error("could not open a window (is the X display usable?)");
  window.setFramerateLimit(60);

  const RoadNetwork& net = source.network();
  SceneRenderer renderer(net, [&source](std::uint32_t id) { return source.vehicleLengthM(id); }, source.stops());
  Camera camera = options.camera ? *options.camera : Camera::fit(renderer.bounds(), options.widthPx, options.heightPx);
  Hud hud;
  DrawOptions draw;
  draw.colourMode = options.colourMode;
  bool followCamera = false;
  bool showHelp = false;
  bool saveWindow = false;
  std::string flash;  // a short message on the HUD, e.g. where a picture was saved
  Clock::time_point flashUntil;
  PlaybackSpeed speedBeforeMax = source.speed() == kAsFastAsPossible ? 10 : source.speed();

  bool pressed = false, dragged = false;
  sf::Vector2i pressAt, lastMouse;

  // Measured rates: frames drawn and simulated seconds per wall second, over about a second.
  std::deque<std::pair<Clock::time_point, double>> history;
  // A jump in a recording is not playback speed: the measurement starts again after one.
  const auto seek = [&](double timeS) {
    if (!source.canSeek()) return;
    source.seek(timeS);
    history.clear();
  };
  std::deque<Clock::time_point> frameTimes;
  Clock::time_point last = Clock::now();

  std::shared_ptr<const Frame> frame;
  while (window.isOpen()) {
    sf::Event event;
    while (window.pollEvent(event)) {
      switch (event.type) {
        case sf::Event::Closed: window.close(); break;
        case sf::Event::Resized:
          camera.resize(event.size.width, event.size.height);
          window.setView(sf::View(sf::FloatRect(0, 0, static_cast<float>(event.size.width),
                                                static_cast<float>(event.size.height))));
          break;
        case sf::Event::MouseWheelScrolled:
          camera.zoomAt({static_cast<double>(event.mouseWheelScroll.x), static_cast<double>(event.mouseWheelScroll.y)},
                        std::pow(kWheelZoom, event.mouseWheelScroll.delta));
          break;
        case sf::Event::MouseButtonPressed:
          if (event.mouseButton.button == sf::Mouse::Left) {
            const sf::Vector2f at(static_cast<float>(event.mouseButton.x), static_cast<float>(event.mouseButton.y));
            if (source.canSeek()) {
              if (auto t = hud.timeBarHit(at, window.getSize(), source.info())) {
                seek(*t);
                break;
              }
            }
            pressed = true;
            dragged = false;
            pressAt = lastMouse = {event.mouseButton.x, event.mouseButton.y};
          }
          break;
        case sf::Event::MouseMoved:
          if (pressed) {
            const sf::Vector2i now{event.mouseMove.x, event.mouseMove.y};
            if (std::abs(now.x - pressAt.x) + std::abs(now.y - pressAt.y) > kClickSlopPx) dragged = true;
            if (dragged) {
              camera.panByPixels(now.x - lastMouse.x, now.y - lastMouse.y);
              followCamera = false;
            }
            lastMouse = now;
          }
          break;
        case sf::Event::MouseButtonReleased:
          if (event.mouseButton.button == sf::Mouse::Left && pressed) {
            pressed = false;
            if (dragged) break;
            const Vec2 at = camera.toWorld({static_cast<double>(event.mouseButton.x), static_cast<double>(event.mouseButton.y)});
            const double tolerance = kPickTolerancePx / camera.pxPerM();
            if (auto i = pickVehicle(renderer.poses(), at, tolerance)) {
              draw.selectedVehicle = renderer.poseIds()[*i];
              draw.selectedJunction.reset();
              draw.selectedStop.reset();
              followCamera = true;
              source.follow(draw.selectedVehicle);
            } else if (auto s = pickStop(renderer.stopPlacements(), renderer.stopSidesPx(), camera.pxPerM(), at,
                                         tolerance)) {
              draw.selectedStop = *s;
              draw.selectedVehicle.reset();
              draw.selectedJunction.reset();
              draw.highlightedRoute.clear();
              followCamera = false;
              source.follow(std::nullopt);
            } else if (auto j = pickJunction(net, at, tolerance)) {
              draw.selectedJunction = *j;
              draw.selectedVehicle.reset();
              draw.selectedStop.reset();
              draw.highlightedRoute.clear();
              followCamera = false;
              source.follow(std::nullopt);
            } else {
              draw.selectedVehicle.reset();
              draw.selectedJunction.reset();
              draw.selectedStop.reset();
              draw.highlightedRoute.clear();
              followCamera = false;
              source.follow(std::nullopt);
            }
          }
          break;
        case sf::Event::KeyPressed: {
          const bool shift = event.key.shift;
          const Vec2 middle{camera.widthPx() / 2, camera.heightPx() / 2};
          const double now = frame ? frame->timeS : 0;
          switch (event.key.code) {
            case sf::Keyboard::Q: window.close(); break;
            case sf::Keyboard::Escape:
              draw.selectedVehicle.reset();
              draw.selectedJunction.reset();
              draw.selectedStop.reset();
              draw.highlightedRoute.clear();
              followCamera = false;
              source.follow(std::nullopt);
              showHelp = false;
              break;
            case sf::Keyboard::Left: camera.panByPixels(kKeyPanPx, 0); followCamera = false; break;
            case sf::Keyboard::Right: camera.panByPixels(-kKeyPanPx, 0); followCamera = false; break;
            case sf::Keyboard::Up: camera.panByPixels(0, kKeyPanPx); followCamera = false; break;
            case sf::Keyboard::Down: camera.panByPixels(0, -kKeyPanPx); followCamera = false; break;
            case sf::Keyboard::Equal:
            case sf::Keyboard::Add: camera.zoomAt(middle, kKeyZoom); break;
            case sf::Keyboard::Hyphen:
            case sf::Keyboard::Subtract: camera.zoomAt(middle, 1 / kKeyZoom); break;
            case sf::Keyboard::F:
              camera = Camera::fit(renderer.bounds(), camera.widthPx(), camera.heightPx());
              followCamera = false;
              break;
            case sf::Keyboard::Space: source.setPaused(!source.paused()); break;
            case sf::Keyboard::N: source.stepOnce(); break;
            case sf::Keyboard::RBracket: source.setSpeed(nextSpeed(source.speed(), true)); break;
            case sf::Keyboard::LBracket: source.setSpeed(nextSpeed(source.speed(), false)); break;
            case sf::Keyboard::M:
              if (source.speed() == kAsFastAsPossible) {
                source.setSpeed(speedBeforeMax);
              } else {
                speedBeforeMax = source.speed();
                source.setSpeed(kAsFastAsPossible);
              }
              break;
            case sf::Keyboard::C:
              draw.colourMode = draw.colourMode == ColourMode::ByClass ? ColourMode::BySpeed : ColourMode::ByClass;
              break;
            case sf::Keyboard::H: showHelp = !showHelp; break;
            case sf::Keyboard::P: saveWindow = true; break;
            case sf::Keyboard::Comma: seek(now - (shift ? 60 : 10)); break;
            case sf::Keyboard::Period: seek(now + (shift ? 60 : 10)); break;
            case sf::Keyboard::Home: seek(source.info().startS); break;
            case sf::Keyboard::End: seek(source.info().endS); break;
            default: break;
          }
          break;
        }
        default: break;
      }
    }

    const Clock::time_point wallNow = Clock::now();
    source.advance(std::chrono::duration<double>(wallNow - last).count());
    last = wallNow;
    frame = source.current();

    HudModel model;
    model.info = source.info();
    model.speed = source.speed();
    model.paused = source.paused();
    model.finished = source.finished();
    model.colourMode = draw.colourMode;
    model.status = source.status();
    if (!flash.empty() && wallNow < flashUntil) model.status += (model.status.empty() ? "" : "   ") + flash;
    model.timeBar = source.canSeek();
    model.help = showHelp;

    frameTimes.push_back(wallNow);
    while (frameTimes.size() > 1 && wallNow - frameTimes.front() > std::chrono::seconds(1)) frameTimes.pop_front();
    if (frameTimes.size() > 1)
      model.fps = static_cast<double>(frameTimes.size() - 1) /
                  std::chrono::duration<double>(frameTimes.back() - frameTimes.front()).count();

    window.clear(toSf(palette::kBackground));
    if (frame) {
      if (const auto chart = source.delayIndexHistory(); !chart.empty())
        hud.setSamples(chart);
      else
        hud.addSample(frame->timeS, frame->stats.delayIndex);
      history.emplace_back(wallNow, frame->timeS);
      while (history.size() > 1 && wallNow - history.front().first > std::chrono::seconds(1)) history.pop_front();
      if (history.size() > 1) {
        const double wallS = std::chrono::duration<double>(history.back().first - history.front().first).count();
        model.realTimeFactor = wallS > 0 ? (history.back().second - history.front().second) / wallS : 0;
      }

      std::optional<VehicleDetails> details;
      if (draw.selectedVehicle) {
        details = source.vehicleDetails(*draw.selectedVehicle);
        draw.highlightedRoute = details ? details->route : std::vector<RoadId>{};
      }
      renderer.draw(window, *frame, camera, draw);
      if (draw.selectedVehicle && followCamera) {
        // Follow: keep the vehicle in the middle (from the poses just computed for this frame).
        const auto ids = renderer.poseIds();
        for (std::size_t i = 0; i < ids.size(); ++i)
          if (ids[i] == *draw.selectedVehicle) {
            camera.centreOn(renderer.poses()[i].centreM());
            break;
          }
      }
      model.frame = frame.get();
      if (draw.selectedVehicle)
        model.panel = vehiclePanel(net, renderer.tracks(), *frame, details, *draw.selectedVehicle);
      else if (draw.selectedStop && *draw.selectedStop < source.stops().size())
        model.panel = stopPanel(net, source, *frame, *draw.selectedStop);
      else if (draw.selectedJunction)
        model.panel = junctionPanel(net, *frame, *draw.selectedJunction, source.info().policy);
    }
    hud.draw(window, model);
    if (saveWindow) {
      // What is on screen, HUD included, before display() swaps the buffers.
      saveWindow = false;
      sf::Texture shot;
      const std::string name = fmt::format("trafficsim-{}-{}.png", source.info().name,
                                           frame ? clockText(frame->timeS) : std::string("0:00:00"));
      std::string file = name;
      std::replace(file.begin(), file.end(), ':', '-');
      if (shot.create(window.getSize().x, window.getSize().y)) {
        shot.update(window);
        flash = shot.copyToImage().saveToFile(file) ? "saved " + file : "could not write " + file;
      } else {
        flash = "could not capture the window";
      }
      flashUntil = Clock::now() + std::chrono::seconds(4);
    }
    window.display();
  }
}

}  // namespace traffic::render
