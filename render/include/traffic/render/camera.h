// The viewer's camera: world metres (x east, y north) to screen pixels (x right, y down).
//
// Pure arithmetic with no SFML type, so that fit-to-network, zooming about the mouse and picking
// are tested without a display. The GPU sees *scene* coordinates: metres relative to the network's
// corner, y pointing down, as floats. Subtracting the corner first keeps float precision at the
// millimetre level even for maps drawn in projected coordinates far from their origin.
#pragma once

#include <limits>

#include "traffic/geometry.h"
#include "traffic/road_network.h"

namespace traffic::render {

/// An axis-aligned box in world metres; empty until a point is added.
struct Bounds {
  double minX = std::numeric_limits<double>::infinity();
  double minY = std::numeric_limits<double>::infinity();
  double maxX = -std::numeric_limits<double>::infinity();
  double maxY = -std::numeric_limits<double>::infinity();

  [[nodiscard]] bool empty() const { return minX > maxX || minY > maxY; }
  void add(Vec2 p);
  [[nodiscard]] double width() const { return empty() ? 0 : maxX - minX; }
  [[nodiscard]] double height() const { return empty() ? 0 : maxY - minY; }
  [[nodiscard]] Vec2 centre() const { return empty() ? Vec2{} : Vec2{(minX + maxX) / 2, (minY + maxY) / 2}; }
  [[nodiscard]] bool contains(Vec2 p) const { return p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY; }
};

/// Every lane and connector shape and every non-boundary junction box of the network.
Bounds networkBounds(const RoadNetwork& net);

struct ScenePoint {
  float x = 0;
  float y = 0;
};

/// World metres to the float scene coordinates vertices are stored in.
struct SceneFrame {
  Vec2 originM;  ///< the world point at scene (0, 0)
  [[nodiscard]] ScenePoint toScene(Vec2 w) const {
    return {static_cast<float>(w.x - originM.x), static_cast<float>(originM.y - w.y)};
  }
  [[nodiscard]] Vec2 toWorld(ScenePoint p) const { return {originM.x + p.x, originM.y - p.y}; }
};

/// What part of the world a viewport of `widthPx` x `heightPx` shows, and at what scale.
class Camera {
 public:
  static constexpr double kMinPxPerM = 0.002;
  static constexpr double kMaxPxPerM = 400;

  Camera() = default;
  Camera(Vec2 centreM, double pxPerM, double widthPx, double heightPx);
  /// Shows all of `bounds` as large as fits, with `marginPx` free on every side.
  static Camera fit(const Bounds& bounds, double widthPx, double heightPx, double marginPx = 24);

  [[nodiscard]] Vec2 toScreen(Vec2 worldM) const;
  [[nodiscard]] Vec2 toWorld(Vec2 screenPx) const;

  /// Zoom by `factor` (> 1 zooms in) keeping the world point under `screenPx` where it is.
  void zoomAt(Vec2 screenPx, double factor);
  /// Move the picture by (dx, dy) pixels, as when dragging it with the mouse.
  void panByPixels(double dxPx, double dyPx);
  /// A new viewport size; the centre and the scale stay.
  void resize(double widthPx, double heightPx);
  void centreOn(Vec2 worldM) { m_centre = worldM; }

  [[nodiscard]] Vec2 centre() const { return m_centre; }
  [[nodiscard]] double pxPerM() const { return m_pxPerM; }
  [[nodiscard]] double widthPx() const { return m_width; }
  [[nodiscard]] double heightPx() const { return m_height; }
  /// The world box the viewport shows.
  [[nodiscard]] Bounds visibleWorld() const;

 private:
  Vec2 m_centre;
  double m_pxPerM = 1;
  double m_width = 800;
  double m_height = 600;
};

}  // namespace traffic::render
