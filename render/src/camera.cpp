#include "traffic/render/camera.h"

#include <algorithm>
#include <cmath>

namespace traffic::render {

void Bounds::add(Vec2 p) {
  minX = std::min(minX, p.x);
  minY = std::min(minY, p.y);
  maxX = std::max(maxX, p.x);
  maxY = std::max(maxY, p.y);
}

Bounds networkBounds(const RoadNetwork& net) {
  Bounds b;
  for (const Lane& lane : net.lanes())
    for (const Vec2& p : lane.shape.points) b.add(p);
  for (const Connector& c : net.connectors())
    for (const Vec2& p : c.shape.points) b.add(p);
  for (const Junction& j : net.junctions())
    if (!j.boundary) {
      b.add(j.position - Vec2{j.widthM, j.widthM});
      b.add(j.position + Vec2{j.widthM, j.widthM});
    }
  if (b.empty())
    for (const Junction& j : net.junctions()) b.add(j.position);
  return b;
}

Camera::Camera(Vec2 centreM, double pxPerM, double widthPx, double heightPx)
    : m_centre(centreM), m_pxPerM(std::clamp(pxPerM, kMinPxPerM, kMaxPxPerM)), m_width(widthPx), m_height(heightPx) {}

Camera Camera::fit(const Bounds& bounds, double widthPx, double heightPx, double marginPx) {
  if (bounds.empty()) return Camera({0, 0}, 1, widthPx, heightPx);
  const double usableW = std::max(widthPx - 2 * marginPx, 1.0);
  const double usableH = std::max(heightPx - 2 * marginPx, 1.0);
  // A network of a single point (or a straight line) has no extent on an axis; give it 10 m.
  const double w = std::max(bounds.width(), 10.0);
  const double h = std::max(bounds.height(), 10.0);
  return Camera(bounds.centre(), std::min(usableW / w, usableH / h), widthPx, heightPx);
}

Vec2 Camera::toScreen(Vec2 worldM) const {
  return {m_width / 2 + (worldM.x - m_centre.x) * m_pxPerM, m_height / 2 - (worldM.y - m_centre.y) * m_pxPerM};
}

Vec2 Camera::toWorld(Vec2 screenPx) const {
  return {m_centre.x + (screenPx.x - m_width / 2) / m_pxPerM, m_centre.y - (screenPx.y - m_height / 2) / m_pxPerM};
}

void Camera::zoomAt(Vec2 screenPx, double factor) {
  if (!(factor > 0)) return;
  const Vec2 anchor = toWorld(screenPx);
  m_pxPerM = std::clamp(m_pxPerM * factor, kMinPxPerM, kMaxPxPerM);
  // Move the centre so that `anchor` maps to `screenPx` again.
  const Vec2 moved = toWorld(screenPx);
  m_centre = m_centre + (anchor - moved);
}

void Camera::panByPixels(double dxPx, double dyPx) {
  m_centre.x -= dxPx / m_pxPerM;
  m_centre.y += dyPx / m_pxPerM;
}

void Camera::resize(double widthPx, double heightPx) {
  m_width = widthPx;
  m_height = heightPx;
}

Bounds Camera::visibleWorld() const {
  Bounds b;
  b.add(toWorld({0, 0}));
  b.add(toWorld({m_width, m_height}));
  return b;
}

}  // namespace traffic::render
