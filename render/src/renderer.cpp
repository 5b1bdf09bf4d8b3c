#include "traffic/render/renderer.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>
#include <string>

#include "traffic/render/hud.h"

namespace traffic::render {
namespace {

// Static geometry is cut into squares of this side, in metres, so that a zoomed-in view submits
// only what it shows.
constexpr double kTileM = 250;

bool intersects(const Bounds& a, const Bounds& b) {
  return !a.empty() && !b.empty() && a.minX <= b.maxX && b.minX <= a.maxX && a.minY <= b.maxY && b.minY <= a.maxY;
}

Bounds grown(Bounds b, double m) {
  if (b.empty()) return b;
  b.minX -= m;
  b.minY -= m;
  b.maxX += m;
  b.maxY += m;
  return b;
}

/// "Most open" of two signal states, for drawing a whole lane's stop line when zoomed out.
SignalState mostOpen(SignalState a, SignalState b) {
  auto rank = [](SignalState s) {
    switch (s) {
      case SignalState::Red: return 0;
      case SignalState::Yellow: return 1;
      case SignalState::GreenPermissive: return 2;
      case SignalState::GreenProtected: return 3;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

/// The HUD font for the numbers on the map, or null when it is missing: the picture is still
/// worth drawing without them (the viewer itself refuses to start without the font).
const sf::Font* labelFont() {
  static const sf::Font* font = []() -> const sf::Font* {
    try {
      return &hudFont();
    } catch (const MissingFontError&) {
      return nullptr;
    }
  }();
  return font;
}

const FrameVehicle* findInFrame(const Frame& frame, std::uint32_t id) {
  for (const FrameVehicle& v : frame.vehicles)
    if (v.id == id) return &v;
  return nullptr;
}

Vec2 rightOf(Vec2 heading) { return leftNormal(heading) * -1.0; }

constexpr unsigned kLabelTextPx = 12;
constexpr float kLabelPadPx = 2;

}  // namespace

/// One square of static geometry: vertex lists built once, copied into GPU buffers on first use
/// where the GL has them (a GPU then never sees these vertices cross the bus again).
struct SceneRenderer::Tile {
  struct Layer {
    sf::VertexArray vertices;
    sf::VertexBuffer buffer;
    bool uploaded = false;

    explicit Layer(sf::PrimitiveType type) : vertices(type), buffer(type, sf::VertexBuffer::Static) {}
    void draw(sf::RenderTarget& target) {
      if (vertices.getVertexCount() == 0) return;
      if (!uploaded && sf::VertexBuffer::isAvailable()) {
        uploaded = buffer.create(vertices.getVertexCount()) && buffer.update(&vertices[0]);
        if (!uploaded) buffer = sf::VertexBuffer(vertices.getPrimitiveType(), sf::VertexBuffer::Static);
      }
      if (uploaded)
        target.draw(buffer);
      else
        target.draw(vertices);
    }
  };
  Bounds bounds;
  Layer surface{sf::Triangles};
  Layer markings{sf::Triangles};
  Layer laneLines{sf::Lines};
};

SceneRenderer::SceneRenderer(const RoadNetwork& net, LengthOf lengthOf, std::vector<TransitStop> stops)
    : m_net(&net),
      m_lengthOf(std::move(lengthOf)),
      m_bounds(networkBounds(net)),
      m_tracks(net),
      m_stops(std::move(stops)) {
  m_scene.originM = m_bounds.empty() ? Vec2{} : Vec2{m_bounds.minX, m_bounds.maxY};
  m_stopSegments = buildStopLines(net);
  m_stopPlacements = placeStops(net, m_stops);

  const NetworkMesh mesh = buildNetworkMesh(net, m_scene);
  std::map<std::pair<long, long>, std::size_t> tileOf;
  auto tileFor = [&](ScenePoint p) -> Tile& {
    const Vec2 w = m_scene.toWorld(p);
    const std::pair<long, long> key{static_cast<long>(std::floor(w.x / kTileM)), static_cast<long>(std::floor(w.y / kTileM))};
    auto [it, inserted] = tileOf.try_emplace(key, m_tiles.size());
    if (inserted) m_tiles.push_back(std::make_unique<Tile>());
    return *m_tiles[it->second];
  };
  auto distribute = [&](const std::vector<MeshVertex>& vertices, std::size_t group, Tile::Layer Tile::*layer) {
    for (std::size_t i = 0; i + group <= vertices.size(); i += group) {
      Tile& tile = tileFor(vertices[i].position);
      for (std::size_t k = i; k < i + group; ++k) {
        const MeshVertex& v = vertices[k];
        (tile.*layer).vertices.append(sf::Vertex({v.position.x, v.position.y}, toSf(v.colour)));
        tile.bounds.add(m_scene.toWorld(v.position));
      }
    }
  };
  distribute(mesh.surface, 3, &Tile::surface);
  distribute(mesh.markings, 3, &Tile::markings);
  distribute(mesh.laneLines, 2, &Tile::laneLines);
}

SceneRenderer::~SceneRenderer() = default;

sf::View SceneRenderer::viewFor(const Camera& camera) const {
  const ScenePoint c = m_scene.toScene(camera.centre());
  return sf::View({c.x, c.y}, {static_cast<float>(camera.widthPx() / camera.pxPerM()),
                               static_cast<float>(camera.heightPx() / camera.pxPerM())});
}

void SceneRenderer::drawTiles(sf::RenderTarget& target, const Bounds& visible, double pxPerM, bool city) {
  const bool surfaces = pxPerM >= kSurfacesMinPxPerM;
  const bool markings = pxPerM >= kMarkingsMinPxPerM;
  if (surfaces)
    for (const auto& tile : m_tiles)
      if (intersects(tile->bounds, visible)) tile->surface.draw(target);
  // The city layer's strips cover the lanes: neither markings nor lane lines under them.
  if (city) return;
  for (const auto& tile : m_tiles) {
    if (!intersects(tile->bounds, visible)) continue;
    // Zoomed in, the markings; further out, one-pixel lines along the lanes, so that roads
    // narrower than a pixel do not break up into dots.
    if (markings)
      tile->markings.draw(target);
    else
      tile->laneLines.draw(target);
  }
}

void SceneRenderer::updateStopLines(const Frame& frame, const Camera& camera, bool city) {
  m_stopLines.clear();
  if (city) return;  // the city layer shows signals as dots
  const double pxPerM = camera.pxPerM();
  // Further out than lane surfaces, a junction is a few pixels: no room for its stop lines.
  if (pxPerM < kSurfacesMinPxPerM) return;
  const bool detailed = pxPerM >= kMarkingsMinPxPerM;
  const double depthM = std::max(0.5, 2.5 / pxPerM);
  const Bounds visible = grown(camera.visibleWorld(), 10);
  auto stateOf = [&](MovementId m) {
    return m.index() < frame.movementStates.size() ? frame.movementStates[m.index()] : SignalState::Red;
  };
  auto quad = [&](Vec2 left, Vec2 right, Vec2 upstream, Rgba colour) {
    const sf::Color c = toSf(colour);
    const Vec2 back = upstream * depthM;
    const ScenePoint a = m_scene.toScene(left), b = m_scene.toScene(right), cc = m_scene.toScene(right + back),
                     d = m_scene.toScene(left + back);
    for (const ScenePoint& p : {a, b, cc, a, cc, d}) m_stopLines.append(sf::Vertex({p.x, p.y}, c));
  };
  for (std::size_t i = 0; i < m_stopSegments.size();) {
    // The segments of one lane are consecutive.
    std::size_t end = i + 1;
    while (end < m_stopSegments.size() && m_stopSegments[end].lane == m_stopSegments[i].lane) ++end;
    const StopLineSegment& first = m_stopSegments[i];
    const StopLineSegment& last = m_stopSegments[end - 1];
    if (visible.contains(first.leftM)) {
      if (detailed) {
        for (std::size_t k = i; k < end; ++k) {
          const StopLineSegment& s = m_stopSegments[k];
          quad(s.leftM, s.rightM, s.upstream, s.signalised ? signalColour(stateOf(s.movement)) : palette::kNoSignalStopLine);
        }
      } else if (first.signalised) {
        // Too small to split by turn: the whole lane shows its most open signal, at least two
        // pixels wide.
        SignalState st = SignalState::Red;
        for (std::size_t k = i; k < end; ++k) st = mostOpen(st, stateOf(m_stopSegments[k].movement));
        Vec2 left = first.leftM, right = last.rightM;
        const double widthM = length(right - left);
        const double minWidthM = 2.0 / pxPerM;
        if (widthM < minWidthM && widthM > 0) {
          const Vec2 mid = (left + right) * 0.5;
          const Vec2 half = (right - left) * (minWidthM / widthM / 2);
          left = mid - half;
          right = mid + half;
        }
        quad(left, right, first.upstream, signalColour(st));
      }
    }
    i = end;
  }
}

void SceneRenderer::buildVehicles(const Frame& frame, const Camera& camera, const DrawOptions& options) {
  const double pxPerM = camera.pxPerM();
  const bool boxes = options.forceVehicleBoxes || pxPerM >= kVehicleBoxesMinPxPerM;
  const Bounds visible = grown(camera.visibleWorld(), 30);
  m_poses.clear();
  m_poseIds.clear();
  m_poses.reserve(frame.vehicles.size());
  m_poseIds.reserve(frame.vehicles.size());
  m_vehicles.clear();
  m_vehicles.setPrimitiveType(boxes ? sf::Triangles : sf::Lines);
  if (options.cityLayer) {
    // No vehicles in the city layer, but a followed one keeps its pose: the camera follows it and
    // the overlay frames it.
    if (!options.selectedVehicle) return;
    if (const FrameVehicle* v = findInFrame(frame, *options.selectedVehicle)) {
      m_poses.push_back(m_tracks.place(*v, m_lengthOf ? m_lengthOf(v->id) : classLengthM(v->vehicleClass)));
      m_poseIds.push_back(v->id);
    }
    return;
  }
  // Short lines zoomed out: at least 2.5 pixels, so every vehicle shows.
  const double minLineM = 2.5 / pxPerM;
  for (const FrameVehicle& v : frame.vehicles) {
    const double lengthM = m_lengthOf ? m_lengthOf(v.id) : classLengthM(v.vehicleClass);
    const VehiclePose pose = m_tracks.place(v, lengthM);
    m_poses.push_back(pose);
    m_poseIds.push_back(v.id);
    if (!visible.contains(pose.frontM)) continue;
    const sf::Color colour = toSf(vehicleColour(v, options.colourMode, m_tracks.speedLimitMps(v)));
    if (boxes) {
      const Vec2 side = leftNormal(pose.heading) * (std::max(pose.widthM, kVehicleMinWidthPx / pxPerM) / 2);
      const Vec2 rear = pose.frontM - pose.heading * std::max(pose.lengthM, kVehicleMinLengthPx / pxPerM);
      const ScenePoint a = m_scene.toScene(pose.frontM + side), b = m_scene.toScene(pose.frontM - side),
                       c = m_scene.toScene(rear - side), d = m_scene.toScene(rear + side);
      for (const ScenePoint& p : {a, b, c, a, c, d}) m_vehicles.append(sf::Vertex({p.x, p.y}, colour));
    } else {
      const ScenePoint a = m_scene.toScene(pose.frontM);
      const ScenePoint b = m_scene.toScene(pose.frontM - pose.heading * std::max(lengthM, minLineM));
      m_vehicles.append(sf::Vertex({a.x, a.y}, colour));
      m_vehicles.append(sf::Vertex({b.x, b.y}, colour));
    }
  }
}

void SceneRenderer::buildStops(const Frame& frame, const Camera& camera) {
  m_stopMarkers.clear();
  m_stopSidesPx.assign(m_stops.size(), 0);
  if (m_stops.empty()) return;
  const double pxPerM = camera.pxPerM();
  const double px = 1.0 / pxPerM;  // one pixel, in metres
  const Bounds visible = grown(camera.visibleWorld(), 30 * px + 10);
  auto square = [&](Vec2 centre, double halfM, Rgba colour) {
    const sf::Color c = toSf(colour);
    const ScenePoint a = m_scene.toScene(centre + Vec2{-halfM, -halfM});
    const ScenePoint b = m_scene.toScene(centre + Vec2{halfM, -halfM});
    const ScenePoint cc = m_scene.toScene(centre + Vec2{halfM, halfM});
    const ScenePoint d = m_scene.toScene(centre + Vec2{-halfM, halfM});
    for (const ScenePoint& p : {a, b, cc, a, cc, d}) m_stopMarkers.append(sf::Vertex({p.x, p.y}, c));
  };
  for (std::size_t i = 0; i < m_stops.size(); ++i) {
    const std::uint32_t waiting = i < frame.stopWaiting.size() ? frame.stopWaiting[i] : 0;
    const double side = stopMarkerSidePx(waiting, pxPerM);
    m_stopSidesPx[i] = side;
    const Vec2 at = m_stopPlacements[i].markerM;
    if (!visible.contains(at)) continue;
    // A dark rim of one pixel keeps the white square apart from a light background.
    square(at, (side / 2 + 1) * px, palette::kStopRim);
    square(at, side / 2 * px, palette::kStop);
  }
}

void SceneRenderer::drawLabels(sf::RenderTarget& target, const Frame& frame, const Camera& camera) {
  m_stopLabels = 0;
  m_loadLabels = 0;
  const double pxPerM = camera.pxPerM();
  if (pxPerM < kLabelsMinPxPerM) return;
  const sf::Font* font = labelFont();
  if (font == nullptr) return;
  const auto w = static_cast<float>(camera.widthPx()), h = static_cast<float>(camera.heightPx());
  sf::VertexArray boxes(sf::Triangles);
  std::vector<sf::Text> texts;
  // A number in a small dark box; `awayPx` (a unit vector on screen) moves the box off its anchor
  // by `gapPx` plus as much of the box as lies that way, so the box never covers what it labels.
  auto label = [&](std::uint32_t n, Vec2 anchorPx, Vec2 awayPx, double gapPx) {
    const std::string s = std::to_string(n);
    sf::Text t(s, *font, kLabelTextPx);
    t.setFillColor(toSf(palette::kHudText));
    const sf::FloatRect glyphs = t.getLocalBounds();
    const float bw = glyphs.width + 2 * kLabelPadPx + 1, bh = static_cast<float>(kLabelTextPx) + 2 * kLabelPadPx;
    const double reach = std::abs(awayPx.x) * bw / 2 + std::abs(awayPx.y) * bh / 2;
    const Vec2 centre = anchorPx + awayPx * (gapPx + reach);
    const float left = std::round(static_cast<float>(centre.x) - bw / 2);
    const float top = std::round(static_cast<float>(centre.y) - bh / 2);
    if (left + bw < 0 || top + bh < 0 || left > w || top > h) return false;
    const sf::Color c = toSf(palette::kLabelBox);
    const sf::Vector2f a{left, top}, b{left + bw, top}, cc{left + bw, top + bh}, d{left, top + bh};
    for (const sf::Vector2f& p : {a, b, cc, a, cc, d}) boxes.append(sf::Vertex(p, c));
    // Text is placed by its glyphs' box, so digits sit in the middle whatever the font's metrics.
    t.setPosition(left + kLabelPadPx - glyphs.left + 0.5f, top + (bh - glyphs.height) / 2 - glyphs.top);
    texts.push_back(std::move(t));
    return true;
  };
  for (std::size_t i = 0; i < m_stops.size(); ++i) {
    const StopPlacement& p = m_stopPlacements[i];
    const Vec2 at = camera.toScreen(p.markerM);
    // Beside the marker, further from the road (screen y points down).
    const Vec2 away{p.kerbSide().x, -p.kerbSide().y};
    const std::uint32_t waiting = i < frame.stopWaiting.size() ? frame.stopWaiting[i] : 0;
    if (label(waiting, at, away, m_stopSidesPx[i] / 2 + 3)) ++m_stopLabels;
  }
  for (std::size_t i = 0; i < frame.vehicles.size() && i < m_poses.size(); ++i) {
    const FrameVehicle& v = frame.vehicles[i];
    if (v.load == 0) continue;
    // Beside the vehicle on its left, so that the vehicle's colour stays in sight and the number
    // never meets a stop's, which is on the kerb side.
    const VehiclePose& pose = m_poses[i];
    const Vec2 left = leftNormal(pose.heading);
    const double halfWidthPx = std::max(pose.widthM * pxPerM, kVehicleMinWidthPx) / 2;
    if (label(v.load, camera.toScreen(pose.centreM()), {left.x, -left.y}, halfWidthPx + 2)) ++m_loadLabels;
  }
  target.draw(boxes);
  for (const sf::Text& t : texts) target.draw(t);
}

void SceneRenderer::buildOverlay(const Camera& camera, const DrawOptions& options) {
  m_overlay.clear();
  const double px = 1.0 / camera.pxPerM();  // one pixel, in metres
  auto quad = [&](Vec2 a, Vec2 b, Vec2 c, Vec2 d, Rgba colour) {
    const sf::Color col = toSf(colour);
    for (const Vec2& w : {a, b, c, a, c, d}) {
      const ScenePoint p = m_scene.toScene(w);
      m_overlay.append(sf::Vertex({p.x, p.y}, col));
    }
  };
  auto stroke = [&](Vec2 a, Vec2 b, double widthM, Rgba colour) {
    if (length(b - a) < 1e-9) return;
    const Vec2 n = leftNormal(normalized(b - a)) * (widthM / 2);
    quad(a + n, b + n, b - n, a - n, colour);
  };

  // The followed vehicle's route, as a translucent band over its roads.
  for (RoadId r : options.highlightedRoute) {
    if (r.index() >= m_net->roads().size()) continue;
    const Road& road = m_net->road(r);
    if (road.lanes.empty()) continue;
    double widthM = 0;
    for (LaneId l : road.lanes) widthM += m_net->lane(l).widthM;
    // The band follows the middle of the road: half way between the outer edges of its lanes.
    const Lane& firstLane = m_net->lane(road.lanes.front());
    const Polyline centre = firstLane.shape.offset(firstLane.widthM / 2 - widthM / 2);
    for (std::size_t i = 1; i < centre.points.size(); ++i)
      stroke(centre.points[i - 1], centre.points[i], std::max(widthM, 6 * px), palette::kRoute);
  }

  // A followed vehicle's planned stops: diamonds at the halt positions, the next one larger.
  for (std::size_t i = 0; i < options.plannedStops.size(); ++i) {
    const UpcomingStop& u = options.plannedStops[i];
    if (u.lane.index() >= m_net->lanes().size()) continue;
    const Vec2 c = m_net->lane(u.lane).shape.pointAt(u.positionM);
    const double h = (i == 0 ? 9 : 6) * px;
    const Rgba colour = u.kind == UpcomingStop::Kind::Pickup    ? palette::kPickup
                        : u.kind == UpcomingStop::Kind::Dropoff ? palette::kDropoff
                                                                : palette::kSelection;
    const std::array<Vec2, 4> corners{c + Vec2{0, -h}, c + Vec2{h, 0}, c + Vec2{0, h}, c + Vec2{-h, 0}};
    for (std::size_t k = 0; k < 4; ++k) stroke(corners[k], corners[(k + 1) % 4], 2 * px, colour);
  }

  if (options.selectedJunction && options.selectedJunction->index() < m_net->junctions().size()) {
    std::vector<Vec2> outline = junctionOutline(*m_net, *options.selectedJunction);
    if (outline.empty()) {
      // A junction without a box: a square marker around its centre.
      const Vec2 c = m_net->junction(*options.selectedJunction).position;
      const double h = std::max(5.0, 8 * px);
      outline = {c + Vec2{-h, -h}, c + Vec2{h, -h}, c + Vec2{h, h}, c + Vec2{-h, h}};
    }
    for (std::size_t i = 0; i < outline.size(); ++i)
      stroke(outline[i], outline[(i + 1) % outline.size()], 2 * px, palette::kSelection);
  }

  if (options.selectedStop && *options.selectedStop < m_stops.size()) {
    const Vec2 c = m_stopPlacements[*options.selectedStop].markerM;
    const double h = (m_stopSidesPx[*options.selectedStop] / 2 + 4) * px;
    const std::array<Vec2, 4> corners{c + Vec2{-h, -h}, c + Vec2{h, -h}, c + Vec2{h, h}, c + Vec2{-h, h}};
    for (std::size_t k = 0; k < 4; ++k) stroke(corners[k], corners[(k + 1) % 4], 2 * px, palette::kSelection);
  }

  if (options.selectedVehicle) {
    for (std::size_t i = 0; i < m_poseIds.size(); ++i) {
      if (m_poseIds[i] != *options.selectedVehicle) continue;
      const VehiclePose& p = m_poses[i];
      // A square frame of at least 16 pixels around the vehicle, visible at any zoom.
      const double h = std::max(p.lengthM, 16 * px) / 2 + 2 * px;
      const Vec2 c = p.centreM();
      const Vec2 f = p.heading * h, s = leftNormal(p.heading) * h;
      const std::array<Vec2, 4> corners{c + f + s, c + f - s, c - f - s, c - f + s};
      for (std::size_t k = 0; k < 4; ++k) stroke(corners[k], corners[(k + 1) % 4], 2 * px, palette::kSelection);
      break;
    }
  }
}

void SceneRenderer::draw(sf::RenderTarget& target, const Frame& frame, const Camera& camera, const DrawOptions& options) {
  const auto buildStart = std::chrono::steady_clock::now();
  const bool city = options.cityLayer;
  updateStopLines(frame, camera, city);
  buildVehicles(frame, camera, options);
  if (city) {
    buildCityLayer(frame, camera, options);
  } else {
    m_cityRoads.clear();
    m_cityRoadLines.clear();
    m_cityMarks.clear();
    m_cityMarkLines.clear();
  }
  buildStops(frame, camera);
  buildOverlay(camera, options);
  m_lastBuildS = std::chrono::duration<double>(std::chrono::steady_clock::now() - buildStart).count();

  target.setView(viewFor(camera));
  const Bounds visible = grown(camera.visibleWorld(), 20);
  drawTiles(target, visible, camera.pxPerM(), city);
  target.draw(m_stopLines);
  if (city) {
    target.draw(m_cityRoads);
    if (!m_cityRoadLines.empty() || !m_cityMarkLines.empty()) drawCityLines(target, camera);
    target.draw(m_cityMarks);
  }
  // Stop markers go over the vehicles (far out a marker grows over its road), the overlay (route
  // band and selection frames) over both; the band is translucent, so the vehicles on the route
  // still show through it. The numbers come last, in screen pixels.
  target.draw(m_vehicles);
  target.draw(m_stopMarkers);
  target.draw(m_overlay);
  const sf::FloatRect screen(0, 0, static_cast<float>(camera.widthPx()), static_cast<float>(camera.heightPx()));
  target.setView(sf::View(screen));
  drawLabels(target, frame, camera);
}

void SceneRenderer::drawCityLines(sf::RenderTarget& target, const Camera& camera) {
  // The lines are as wide as the least strip and bar, so a line fully covers a row of pixels, with
  // the pixels GL would give it.
  const auto w = static_cast<unsigned>(std::lround(camera.widthPx())), h = static_cast<unsigned>(std::lround(camera.heightPx()));
  if (w == 0 || h == 0) return;
  m_lineRaster.reset(w, h);
  const ScenePoint c = m_scene.toScene(camera.centre());
  m_lineRaster.lines(m_cityRoadLines, c, camera.pxPerM(), kCityStripMinPx);
  m_lineRaster.lines(m_cityMarkLines, c, camera.pxPerM(), kCityStripMinPx);
  const LineRaster::Box box = m_lineRaster.drawn();
  if (box.empty()) return;
  if (m_lineTexture.getSize() != sf::Vector2u(w, h) && !m_lineTexture.create(w, h)) return;
  // Only the rows and columns the lines reach go to GL: the rows are uploaded whole (they are
  // contiguous in the picture), the sprite covers the rectangle alone.
  m_lineTexture.update(reinterpret_cast<const sf::Uint8*>(m_lineRaster.pixels() + static_cast<std::size_t>(box.y0) * w), w,
                       box.y1 - box.y0, 0, box.y0);
  sf::Sprite sprite(m_lineTexture, sf::IntRect(static_cast<int>(box.x0), static_cast<int>(box.y0),
                                               static_cast<int>(box.x1 - box.x0), static_cast<int>(box.y1 - box.y0)));
  sprite.setPosition(static_cast<float>(box.x0), static_cast<float>(box.y0));
  const sf::View sceneView = target.getView();
  target.setView(sf::View(sf::FloatRect(0, 0, static_cast<float>(w), static_cast<float>(h))));
  target.draw(sprite);
  target.setView(sceneView);
}

double SceneRenderer::cityStripWidthM(RoadId road, double pxPerM) const {
  return std::max(m_cityRoadGeometry[road.index()].widthM, kCityStripMinPx / pxPerM);
}

void SceneRenderer::buildCityRoads(double pxPerM) {
  if (m_cityRoadGeometry.empty() && !m_net->roads().empty()) {
    m_cityRoadGeometry.resize(m_net->roads().size());
    for (std::size_t r = 0; r < m_net->roads().size(); ++r) {
      const Road& road = m_net->roads()[r];
      CityRoad& g = m_cityRoadGeometry[r];
      if (road.lanes.empty()) continue;
      const Lane& inner = m_net->lane(road.lanes.front());
      if (inner.shape.points.size() < 2) continue;
      g.innerEdge = inner.shape.offset(inner.widthM / 2);
      g.edgeLengthM = g.innerEdge.length();
      g.startM = g.innerEdge.points.front();
      g.startHeading = g.innerEdge.directionAt(0);
      g.endM = g.innerEdge.points.back();
      g.endHeading = g.innerEdge.directionAt(g.edgeLengthM);
      for (LaneId l : road.lanes) g.widthM += m_net->lane(l).widthM;
      g.shapeScale = inner.lengthM > 0 ? g.edgeLengthM / inner.lengthM : 1.0;
      const Junction& end = m_net->junction(road.to);
      g.signalised = !end.boundary && end.program.has_value();
      g.straight = g.innerEdge.points.size() == 2 && g.edgeLengthM > 0;
      if (g.straight) g.normal = leftNormal(normalized(g.endM - g.startM));
    }
    m_roadTable = RoadLoadTable(*m_net);
  }
  m_cityRoads.clear();
  m_cityRoadLines.clear();
  for (std::size_t r = 0; r < m_cityRoadGeometry.size(); ++r) {
    CityRoad& g = m_cityRoadGeometry[r];
    g.vertexCount = 0;
    if (g.innerEdge.points.size() < 2) continue;
    const double stripM = cityStripWidthM(RoadId(r), pxPerM);
    g.asLine = g.widthM * pxPerM < kCityStripMinPx;
    if (g.asLine) {
      g.firstVertex = static_cast<std::uint32_t>(m_cityRoadLines.size());
      if (g.straight) {
        // Polyline::offset of a two-point line, without building one.
        const Vec2 mid = g.normal * (-stripM / 2);
        m_cityRoadLines.push_back({m_scene.toScene(g.startM + mid), m_scene.toScene(g.endM + mid), {}});
      } else {
        const Polyline middle = g.innerEdge.offset(-stripM / 2);
        for (std::size_t i = 1; i < middle.points.size(); ++i)
          m_cityRoadLines.push_back({m_scene.toScene(middle.points[i - 1]), m_scene.toScene(middle.points[i]), {}});
      }
      g.vertexCount = static_cast<std::uint32_t>(m_cityRoadLines.size()) - g.firstVertex;
      continue;
    }
    g.firstVertex = static_cast<std::uint32_t>(m_cityRoads.getVertexCount());
    if (g.straight) {
      const Vec2 far = g.normal * -stripM;
      const ScenePoint a = m_scene.toScene(g.startM), b = m_scene.toScene(g.endM), c = m_scene.toScene(g.endM + far),
                       d = m_scene.toScene(g.startM + far);
      for (const ScenePoint& p : {a, b, c, a, c, d}) m_cityRoads.append(sf::Vertex({p.x, p.y}));
    } else {
      const Polyline outer = g.innerEdge.offset(-stripM);
      for (std::size_t i = 1; i < g.innerEdge.points.size() && i < outer.points.size(); ++i) {
        const ScenePoint a = m_scene.toScene(g.innerEdge.points[i - 1]), b = m_scene.toScene(g.innerEdge.points[i]),
                         c = m_scene.toScene(outer.points[i]), d = m_scene.toScene(outer.points[i - 1]);
        for (const ScenePoint& p : {a, b, c, a, c, d}) m_cityRoads.append(sf::Vertex({p.x, p.y}));
      }
    }
    g.vertexCount = static_cast<std::uint32_t>(m_cityRoads.getVertexCount()) - g.firstVertex;
  }
  m_cityBuiltPxPerM = pxPerM;
}

void SceneRenderer::buildCityLayer(const Frame& frame, const Camera& camera, const DrawOptions& options) {
  const double pxPerM = camera.pxPerM();
  const double px = 1.0 / pxPerM;  // one pixel, in metres
  if (pxPerM != m_cityBuiltPxPerM || m_cityRoadGeometry.empty()) buildCityRoads(pxPerM);
  laneLoads(*m_net, frame, m_lengthOf, m_laneLoads);
  m_longestQueueM.assign(m_cityRoadGeometry.size(), 0.f);

  // Road colours.
  for (std::size_t r = 0; r < m_cityRoadGeometry.size(); ++r) {
    const CityRoad& g = m_cityRoadGeometry[r];
    if (g.vertexCount == 0) continue;
    const RoadLoad load = m_roadTable.load(r, m_laneLoads, m_longestQueueM[r]);
    Rgba colour;
    if (options.roadMeasure == RoadMeasure::Density)
      colour = roadDensityColour(load.vehPerKmLane);
    else
      colour = load.vehicles == 0 ? palette::kRoadEmpty : roadSpeedColour(load.speedRatio);
    if (g.asLine) {
      for (std::uint32_t k = 0; k < g.vertexCount; ++k) m_cityRoadLines[g.firstVertex + k].colour = colour;
    } else {
      const sf::Color c = toSf(colour);
      for (std::uint32_t k = 0; k < g.vertexCount; ++k) m_cityRoads[g.firstVertex + k].color = c;
    }
  }

  m_cityMarks.clear();
  m_cityMarkLines.clear();
  const Bounds visible = grown(camera.visibleWorld(), 20 * px + 10);
  auto quad = [&](Vec2 a, Vec2 b, Vec2 c, Vec2 d, sf::Color colour) {
    for (const Vec2& w : {a, b, c, a, c, d}) {
      const ScenePoint p = m_scene.toScene(w);
      m_cityMarks.append(sf::Vertex({p.x, p.y}, colour));
    }
  };
  // A bar from `a` to `b`: at its least width, a line (drawn kCityStripMinPx wide).
  auto segment = [&](Vec2 a, Vec2 b, double widthM, sf::Color colour) {
    if (widthM <= kQueueBarMinPx * px * 1.001) {
      m_cityMarkLines.push_back({m_scene.toScene(a), m_scene.toScene(b), Rgba{colour.r, colour.g, colour.b, colour.a}});
      return;
    }
    if (length(b - a) < 1e-9) return;
    const Vec2 n = leftNormal(normalized(b - a)) * (widthM / 2);
    quad(a + n, b + n, b - n, a - n, colour);
  };
  // A bar along `line`, segment by segment.
  auto band = [&](const Polyline& line, double widthM, sf::Color colour) {
    for (std::size_t i = 1; i < line.points.size(); ++i) segment(line.points[i - 1], line.points[i], widthM, colour);
  };

  // Queues: one bar per lane, in the lane's share of its road's strip, from the stop line back.
  // Where a lane's share is narrower than a bar's least width, the bars of a road would lie on top
  // of each other: the road's longest queue is drawn alone, across the strip.
  const sf::Color queueColour = toSf(palette::kQueue);
  auto queueBar = [&](const CityRoad& g, double queueM, double offsetM, double widthM) {
    const double startS = std::max(0.0, g.edgeLengthM - std::max(queueM * g.shapeScale, kQueueBarMinPx * px));
    if (g.innerEdge.points.size() == 2) {
      // A straight road (most are): the bar is one quad, without cutting the polyline.
      const Vec2 side = leftNormal(g.endHeading);
      const Vec2 centreEnd = g.endM + side * offsetM;
      const Vec2 centreStart = centreEnd - g.endHeading * (g.edgeLengthM - startS);
      segment(centreStart, centreEnd, widthM, queueColour);
    } else {
      band(g.innerEdge.slice(startS, g.edgeLengthM).offset(offsetM), widthM, queueColour);
    }
  };
  for (std::size_t r = 0; r < m_cityRoadGeometry.size(); ++r) {
    const CityRoad& g = m_cityRoadGeometry[r];
    if (g.vertexCount == 0) continue;
    const double longestM = m_longestQueueM[r];
    if (longestM <= 0) continue;
    if (!visible.contains(g.endM) && !visible.contains(g.startM)) continue;
    const std::vector<LaneId>& lanes = m_net->roads()[r].lanes;
    const double stripM = cityStripWidthM(RoadId(r), pxPerM);
    const double shareM = stripM / static_cast<double>(lanes.size());
    if (shareM < kQueueBarMinPx * px) {
      queueBar(g, longestM, -stripM / 2, stripM);
      continue;
    }
    for (LaneId l : lanes) {
      const double queueM = m_laneLoads[l.index()].queueM;
      if (queueM > 0) queueBar(g, queueM, -(m_net->lane(l).indexInRoad + 0.5) * shareM, shareM);
    }
  }

  // Entry queues: a bar before the entry road, as long as its vehicles would be standing in line.
  for (const EntryQueue& e : options.entryQueues) {
    if (e.vehicles == 0 || e.road.index() >= m_cityRoadGeometry.size()) continue;
    const CityRoad& g = m_cityRoadGeometry[e.road.index()];
    if (g.vertexCount == 0) continue;
    const Vec2 start = g.startM;
    if (!visible.contains(start)) continue;
    const Vec2 heading = g.startHeading;
    const double stripM = cityStripWidthM(e.road, pxPerM);
    const Vec2 mid = start + rightOf(heading) * (stripM / 2);
    const double lengthM = std::max(e.vehicles * kEntryQueueVehicleM, kQueueBarMinPx * px);
    segment(mid - heading * lengthM, mid, std::max(stripM, kQueueBarMinPx * px), queueColour);
  }

  // Signals: a dot at the stop line of each signalised approach, with a dark rim against the road
  // colours. Its colour is the most open state of the approach's movements other than right turns
  // (green when the approach is being served): right turns are often always permitted, which would
  // make every approach green all the time. An approach with right turns only shows those.
  if (pxPerM >= kSignalDotsMinPxPerM) {
    const double half = signalDotPx(pxPerM) / 2 * px;
    const sf::Color rim = toSf(palette::kBackground);
    for (std::size_t r = 0; r < m_cityRoadGeometry.size(); ++r) {
      const CityRoad& g = m_cityRoadGeometry[r];
      if (!g.signalised || g.vertexCount == 0) continue;
      const Vec2 heading = g.endHeading;
      const Vec2 at = g.endM + rightOf(heading) * (cityStripWidthM(RoadId(r), pxPerM) / 2) -
                      heading * (half + px);
      if (!visible.contains(at)) continue;
      SignalState state = SignalState::Red, rightState = SignalState::Red;
      bool others = false;
      for (MovementId m : m_net->roads()[r].movementsOut) {
        if (m.index() >= frame.movementStates.size()) continue;
        const SignalState st = frame.movementStates[m.index()];
        if (m_net->movement(m).turn == TurnType::Right) {
          rightState = mostOpen(rightState, st);
        } else {
          state = mostOpen(state, st);
          others = true;
        }
      }
      const double h = half + px;
      quad(at + Vec2{-h, -h}, at + Vec2{h, -h}, at + Vec2{h, h}, at + Vec2{-h, h}, rim);
      quad(at + Vec2{-half, -half}, at + Vec2{half, -half}, at + Vec2{half, half}, at + Vec2{-half, half},
           toSf(signalColour(others ? state : rightState)));
    }
  }
}

}  // namespace traffic::render
