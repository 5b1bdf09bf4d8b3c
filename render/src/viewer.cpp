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
    if (!details->upcomingStops.empty()) {
      // A bus's remaining stops, or a shuttle's plan; the map marks them too.
      const auto& up = details->upcomingStops;
      lines.push_back(fmt::format("next stops: {}", up.size()));
      const std::size_t shown = std::min<std::size_t>(up.size(), 5);
      for (std::size_t i = 0; i < shown; ++i) {
        const UpcomingStop& u = up[i];
        const char* what = u.kind == UpcomingStop::Kind::Pickup    ? "pick up "
                           : u.kind == UpcomingStop::Kind::Dropoff ? "drop off "
                                                                   : "";
        const RoadId road = u.lane.index() < net.lanes().size() ? net.lane(u.lane).road : RoadId{};
        lines.push_back(fmt::format("  {} {}{} on {}", i + 1, what, u.name, roadName(net, road)));
      }
      if (shown < up.size()) lines.push_back(fmt::format("    ... {} more", up.size() - shown));
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

// One open viewer window: its state and the three parts of each pass of the loop, input (events
// change the camera, the selection and the playback), update (the source advances by the wall time
// elapsed) and draw (scene, HUD, and a picture of the window when asked).
class ViewerSession {
 public:
  ViewerSession(FrameSource& source, const ViewerOptions& options, sf::RenderWindow& window)
      : m_source(source),
        m_window(window),
        m_net(source.network()),
        m_renderer(m_net, [&source](std::uint32_t id) { return source.vehicleLengthM(id); }, source.stops()),
        m_camera(options.camera ? *options.camera : Camera::fit(m_renderer.bounds(), options.widthPx, options.heightPx)),
        m_speedBeforeMax(source.speed() == kAsFastAsPossible ? 10 : source.speed()),
        m_layer(options.layer) {
    m_draw.colourMode = options.colourMode;
    m_draw.roadMeasure = options.roadMeasure;
  }

  void run() {
    while (m_window.isOpen()) {
      handleEvents();
      const Clock::time_point wallNow = update();
      HudModel model = hudModel(wallNow);
      m_window.clear(toSf(palette::kBackground));
      if (m_frame) drawFrame(wallNow, model);
      m_hud.draw(m_window, model);
      if (m_saveWindow) saveWindowPicture();
      m_window.display();
    }
  }

 private:
  // ---- input ----

  void handleEvents() {
    sf::Event event;
    while (m_window.pollEvent(event)) {
      switch (event.type) {
        case sf::Event::Closed: m_window.close(); break;
        case sf::Event::Resized:
          m_camera.resize(event.size.width, event.size.height);
          m_window.setView(sf::View(sf::FloatRect(0, 0, static_cast<float>(event.size.width),
                                                  static_cast<float>(event.size.height))));
          break;
        case sf::Event::MouseWheelScrolled:
          m_camera.zoomAt({static_cast<double>(event.mouseWheelScroll.x), static_cast<double>(event.mouseWheelScroll.y)},
                          std::pow(kWheelZoom, event.mouseWheelScroll.delta));
          break;
        case sf::Event::MouseButtonPressed: onMousePressed(event.mouseButton); break;
        case sf::Event::MouseMoved: onMouseMoved(event.mouseMove); break;
        case sf::Event::MouseButtonReleased: onMouseReleased(event.mouseButton); break;
        case sf::Event::KeyPressed: onKeyPressed(event.key); break;
        default: break;
      }
    }
  }

  // A jump in a recording is not playback speed: the measurement starts again after one.
  void seek(double timeS) {
    if (!m_source.canSeek()) return;
    m_source.seek(timeS);
    m_history.clear();
  }

  void onMousePressed(const sf::Event::MouseButtonEvent& button) {
    if (button.button != sf::Mouse::Left) return;
    const sf::Vector2f at(static_cast<float>(button.x), static_cast<float>(button.y));
    if (m_source.canSeek()) {
      if (auto t = m_hud.timeBarHit(at, m_window.getSize(), m_source.info())) {
        seek(*t);
        return;
      }
    }
    m_pressed = true;
    m_dragged = false;
    m_pressAt = m_lastMouse = {button.x, button.y};
  }

  void onMouseMoved(const sf::Event::MouseMoveEvent& move) {
    if (!m_pressed) return;
    const sf::Vector2i now{move.x, move.y};
    if (std::abs(now.x - m_pressAt.x) + std::abs(now.y - m_pressAt.y) > kClickSlopPx) m_dragged = true;
    if (m_dragged) {
      m_camera.panByPixels(now.x - m_lastMouse.x, now.y - m_lastMouse.y);
      m_followCamera = false;
    }
    m_lastMouse = now;
  }

  /// Nothing selected, no route highlighted, the camera and the source follow nobody.
  void clearSelection() {
    m_draw.selectedVehicle.reset();
    m_draw.selectedJunction.reset();
    m_draw.selectedStop.reset();
    m_draw.highlightedRoute.clear();
    m_draw.plannedStops.clear();
    m_followCamera = false;
    m_source.follow(std::nullopt);
  }

  // A click (not a drag) picks a vehicle, else a stop, else a junction, else clears the selection.
  void onMouseReleased(const sf::Event::MouseButtonEvent& button) {
    if (button.button != sf::Mouse::Left || !m_pressed) return;
    m_pressed = false;
    if (m_dragged) return;
    const Vec2 at = m_camera.toWorld({static_cast<double>(button.x), static_cast<double>(button.y)});
    const double tolerance = kPickTolerancePx / m_camera.pxPerM();
    if (auto i = pickVehicle(m_renderer.poses(), at, tolerance)) {
      m_draw.selectedVehicle = m_renderer.poseIds()[*i];
      m_draw.selectedJunction.reset();
      m_draw.selectedStop.reset();
      m_followCamera = true;
      m_source.follow(m_draw.selectedVehicle);
    } else if (auto s = pickStop(m_renderer.stopPlacements(), m_renderer.stopSidesPx(), m_camera.pxPerM(), at,
                                 tolerance)) {
      clearSelection();
      m_draw.selectedStop = *s;
    } else if (auto j = pickJunction(m_net, at, tolerance)) {
      clearSelection();
      m_draw.selectedJunction = *j;
    } else {
      clearSelection();
    }
  }

  void onKeyPressed(const sf::Event::KeyEvent& key) {
    const bool shift = key.shift;
    const Vec2 middle{m_camera.widthPx() / 2, m_camera.heightPx() / 2};
    const double now = m_frame ? m_frame->timeS : 0;
    switch (key.code) {
      case sf::Keyboard::Q: m_window.close(); break;
      case sf::Keyboard::Escape:
        clearSelection();
        m_showHelp = false;
        break;
      case sf::Keyboard::Left: m_camera.panByPixels(kKeyPanPx, 0); m_followCamera = false; break;
      case sf::Keyboard::Right: m_camera.panByPixels(-kKeyPanPx, 0); m_followCamera = false; break;
      case sf::Keyboard::Up: m_camera.panByPixels(0, kKeyPanPx); m_followCamera = false; break;
      case sf::Keyboard::Down: m_camera.panByPixels(0, -kKeyPanPx); m_followCamera = false; break;
      case sf::Keyboard::Equal:
      case sf::Keyboard::Add: m_camera.zoomAt(middle, kKeyZoom); break;
      case sf::Keyboard::Hyphen:
      case sf::Keyboard::Subtract: m_camera.zoomAt(middle, 1 / kKeyZoom); break;
      case sf::Keyboard::F:
        m_camera = Camera::fit(m_renderer.bounds(), m_camera.widthPx(), m_camera.heightPx());
        m_followCamera = false;
        break;
      case sf::Keyboard::Space: m_source.setPaused(!m_source.paused()); break;
      case sf::Keyboard::N: m_source.stepOnce(); break;
      case sf::Keyboard::RBracket: m_source.setSpeed(nextSpeed(m_source.speed(), true)); break;
      case sf::Keyboard::LBracket: m_source.setSpeed(nextSpeed(m_source.speed(), false)); break;
      case sf::Keyboard::M:
        if (m_source.speed() == kAsFastAsPossible) {
          m_source.setSpeed(m_speedBeforeMax);
        } else {
          m_speedBeforeMax = m_source.speed();
          m_source.setSpeed(kAsFastAsPossible);
        }
        break;
      case sf::Keyboard::C:
        m_draw.colourMode = m_draw.colourMode == ColourMode::ByClass ? ColourMode::BySpeed : ColourMode::ByClass;
        break;
      case sf::Keyboard::V: m_layer.cycle(); break;
      case sf::Keyboard::D:
        m_draw.roadMeasure = m_draw.roadMeasure == RoadMeasure::Speed ? RoadMeasure::Density : RoadMeasure::Speed;
        break;
      case sf::Keyboard::H: m_showHelp = !m_showHelp; break;
      case sf::Keyboard::P: m_saveWindow = true; break;
      case sf::Keyboard::Comma: seek(now - (shift ? 60 : 10)); break;
      case sf::Keyboard::Period: seek(now + (shift ? 60 : 10)); break;
      case sf::Keyboard::Home: seek(m_source.info().startS); break;
      case sf::Keyboard::End: seek(m_source.info().endS); break;
      default: break;
    }
  }

  // ---- update ----

  /// Advances the source by the wall time since the last pass and takes its current frame.
  Clock::time_point update() {
    const Clock::time_point wallNow = Clock::now();
    m_source.advance(std::chrono::duration<double>(wallNow - m_last).count());
    m_last = wallNow;
    m_frame = m_source.current();
    return wallNow;
  }

  /// The HUD's playback figures, with frames per second measured over about a second.
  HudModel hudModel(Clock::time_point wallNow) {
    HudModel model;
    model.info = m_source.info();
    model.speed = m_source.speed();
    model.paused = m_source.paused();
    model.finished = m_source.finished();
    model.colourMode = m_draw.colourMode;
    model.layer = m_layer.mode();
    model.cityLayer = m_draw.cityLayer;
    model.roadMeasure = m_draw.roadMeasure;
    model.status = m_source.status();
    if (!m_flash.empty() && wallNow < m_flashUntil) model.status += (model.status.empty() ? "" : "   ") + m_flash;
    model.timeBar = m_source.canSeek();
    model.help = m_showHelp;

    m_frameTimes.push_back(wallNow);
    while (m_frameTimes.size() > 1 && wallNow - m_frameTimes.front() > std::chrono::seconds(1)) m_frameTimes.pop_front();
    if (m_frameTimes.size() > 1)
      model.fps = static_cast<double>(m_frameTimes.size() - 1) /
                  std::chrono::duration<double>(m_frameTimes.back() - m_frameTimes.front()).count();
    return model;
  }

  // ---- draw ----

  /// Draws the current frame and completes the HUD model with what depends on it: the chart, the
  /// real-time factor and the panel of the selected vehicle, stop or junction.
  void drawFrame(Clock::time_point wallNow, HudModel& model) {
    const Frame& frame = *m_frame;
    if (const auto chart = m_source.delayIndexHistory(); !chart.empty())
      m_hud.setSamples(chart);
    else
      m_hud.addSample(frame.timeS, frame.stats.delayIndex);
    m_history.emplace_back(wallNow, frame.timeS);
    while (m_history.size() > 1 && wallNow - m_history.front().first > std::chrono::seconds(1)) m_history.pop_front();
    if (m_history.size() > 1) {
      const double wallS = std::chrono::duration<double>(m_history.back().first - m_history.front().first).count();
      model.realTimeFactor = wallS > 0 ? (m_history.back().second - m_history.front().second) / wallS : 0;
    }

    std::optional<VehicleDetails> details;
    if (m_draw.selectedVehicle) {
      details = m_source.vehicleDetails(*m_draw.selectedVehicle);
      m_draw.highlightedRoute = details ? details->route : std::vector<RoadId>{};
      m_draw.plannedStops = details ? details->upcomingStops : std::vector<UpcomingStop>{};
    }
    m_draw.cityLayer = m_layer.update(m_camera.pxPerM());
    if (m_draw.cityLayer)
      m_draw.entryQueues = m_source.entryQueues(frame);
    else
      m_draw.entryQueues.clear();
    model.cityLayer = m_draw.cityLayer;
    model.entryQueuesKnown = m_source.info().live;
    m_renderer.draw(m_window, frame, m_camera, m_draw);
    if (m_draw.selectedVehicle && m_followCamera) {
      // Follow: keep the vehicle in the middle (from the poses just computed for this frame).
      const auto ids = m_renderer.poseIds();
      for (std::size_t i = 0; i < ids.size(); ++i)
        if (ids[i] == *m_draw.selectedVehicle) {
          m_camera.centreOn(m_renderer.poses()[i].centreM());
          break;
        }
    }
    model.frame = m_frame.get();
    if (m_draw.selectedVehicle)
      model.panel = vehiclePanel(m_net, m_renderer.tracks(), frame, details, *m_draw.selectedVehicle);
    else if (m_draw.selectedStop && *m_draw.selectedStop < m_source.stops().size())
      model.panel = stopPanel(m_net, m_source, frame, *m_draw.selectedStop);
    else if (m_draw.selectedJunction)
      model.panel = junctionPanel(m_net, frame, *m_draw.selectedJunction, m_source.info().policy);
  }

  /// What is on screen, HUD included, before display() swaps the buffers (key P).
  void saveWindowPicture() {
    m_saveWindow = false;
    sf::Texture shot;
    const std::string name = fmt::format("trafficsim-{}-{}.png", m_source.info().name,
                                         m_frame ? clockText(m_frame->timeS) : std::string("0:00:00"));
    std::string file = name;
    std::replace(file.begin(), file.end(), ':', '-');
    if (shot.create(m_window.getSize().x, m_window.getSize().y)) {
      shot.update(m_window);
      m_flash = shot.copyToImage().saveToFile(file) ? "saved " + file : "could not write " + file;
    } else {
      m_flash = "could not capture the window";
    }
    m_flashUntil = Clock::now() + std::chrono::seconds(4);
  }

  FrameSource& m_source;
  sf::RenderWindow& m_window;
  const RoadNetwork& m_net;
  SceneRenderer m_renderer;
  Camera m_camera;
  Hud m_hud;
  DrawOptions m_draw;
  bool m_followCamera = false;
  bool m_showHelp = false;
  bool m_saveWindow = false;
  std::string m_flash;  // a short message on the HUD, e.g. where a picture was saved
  Clock::time_point m_flashUntil;
  PlaybackSpeed m_speedBeforeMax;
  LayerSwitch m_layer;

  bool m_pressed = false, m_dragged = false;
  sf::Vector2i m_pressAt, m_lastMouse;

  // Measured rates: frames drawn and simulated seconds per wall second, over about a second.
  std::deque<std::pair<Clock::time_point, double>> m_history;
  std::deque<Clock::time_point> m_frameTimes;
  Clock::time_point m_last = Clock::now();

  std::shared_ptr<const Frame> m_frame;
};

}  // namespace

void runViewer(FrameSource& source, const ViewerOptions& options) {
  requireDisplay();
  (void)hudFont();  // fail before opening the window when the font is missing

  sf::ContextSettings settings;
  settings.antialiasingLevel = windowAntialiasing();
  sf::RenderWindow window(sf::VideoMode(options.widthPx, options.heightPx), options.title, sf::Style::Default, settings);
  if (!window.isOpen()) throw std::runtime_error("could not open a window (is the X display usable?)");
  window.setFramerateLimit(60);

  ViewerSession(source, options, window).run();
}

}  // namespace traffic::render
