#include "traffic/render/line_raster.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

namespace traffic::render {
namespace {

/// The first whole number at or above `x`, for |x| well inside long's range (a call to ceil per
/// pixel column would cost more than the column's pixels).
long ceilToLong(double x) {
  const auto t = static_cast<long>(x);
  return static_cast<double>(t) < x ? t + 1 : t;
}

}  // namespace

void LineRaster::reset(unsigned widthPx, unsigned heightPx) {
  if (widthPx == m_width && heightPx == m_height) {
    // Only the rows drawn into since the last reset need clearing.
    const Box box = drawn();
    if (!box.empty())
      std::fill(m_pixels.begin() + static_cast<std::ptrdiff_t>(box.y0) * m_width,
                m_pixels.begin() + static_cast<std::ptrdiff_t>(box.y1) * m_width, Rgba{0, 0, 0, 0});
  } else {
    m_width = widthPx;
    m_height = heightPx;
    m_pixels.assign(static_cast<std::size_t>(widthPx) * heightPx, Rgba{0, 0, 0, 0});
  }
  m_minX = m_width;
  m_minY = m_height;
  m_maxX = 0;
  m_maxY = 0;
}

LineRaster::Box LineRaster::drawn() const {
  if (m_minX >= m_maxX || m_minY >= m_maxY) return {};
  return {static_cast<unsigned>(m_minX), static_cast<unsigned>(m_minY), static_cast<unsigned>(m_maxX),
          static_cast<unsigned>(m_maxY)};
}

void LineRaster::line(Vec2 a, Vec2 b, double widthPx, Rgba colour) {
  grow(std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x), std::max(a.y, b.y), widthPx);
  put(a, b, widthPx, colour);
}

void LineRaster::grow(double minX, double minY, double maxX, double maxY, double widthPx) {
  // Beyond its ends a line reaches at most half its width times the square root of 2 (across a
  // diagonal one); a pixel more for the rounding to whole pixels.
  const double reach = widthPx / 2 * std::sqrt(2.0) + 1;
  auto clampTo = [](double v, long size) { return std::clamp(static_cast<long>(v), 0L, size); };
  m_minX = std::min(m_minX, clampTo(minX - reach, m_width));
  m_minY = std::min(m_minY, clampTo(minY - reach, m_height));
  m_maxX = std::max(m_maxX, clampTo(maxX + reach + 1, m_width));
  m_maxY = std::max(m_maxY, clampTo(maxY + reach + 1, m_height));
}

void LineRaster::put(Vec2 a, Vec2 b, double widthPx, Rgba colour) {
  const double half = widthPx / 2;
  const double w = m_width, h = m_height;
  // Wholly outside the picture (most lines of a zoomed-in view): nothing to do.
  if (std::max(a.x, b.x) < -half || std::min(a.x, b.x) > w + half || std::max(a.y, b.y) < -half ||
      std::min(a.y, b.y) > h + half)
    return;
  const bool xMajor = std::abs(b.x - a.x) >= std::abs(b.y - a.y);
  // Walk along the major axis (u) and fill across it (v); for a y-major line u is y.
  double au = xMajor ? a.x : a.y, av = xMajor ? a.y : a.x, bu = xMajor ? b.x : b.y, bv = xMajor ? b.y : b.x;
  if (bu == au) return;  // no length
  if (bu < au) {
    std::swap(au, bu);
    std::swap(av, bv);
  }
  const long uSize = xMajor ? m_width : m_height, vSize = xMajor ? m_height : m_width;
  const double slope = (bv - av) / (bu - au);
  // The width is measured square to the line, as GL (Mesa) draws a wide line: across the major
  // axis a slanted line reaches further, by the secant of its slant.
  const double across = half * std::sqrt(1 + slope * slope);
  // Pixel centres u + 0.5 in [au, bu).
  const long u0 = std::max(ceilToLong(au - 0.5), 0L), u1 = std::min(ceilToLong(bu - 0.5), uSize);
  for (long u = u0; u < u1; ++u) {
    const double v = av + (static_cast<double>(u) + 0.5 - au) * slope;
    // Pixel centres v + 0.5 in [v - across, v + across).
    const long v0 = std::max(ceilToLong(v - across - 0.5), 0L), v1 = std::min(ceilToLong(v + across - 0.5), vSize);
    if (xMajor) {
      for (long k = v0; k < v1; ++k) m_pixels[static_cast<std::size_t>(k) * m_width + static_cast<std::size_t>(u)] = colour;
    } else {
      Rgba* row = m_pixels.data() + static_cast<std::size_t>(u) * m_width;
      for (long k = v0; k < v1; ++k) row[k] = colour;
    }
  }
}

void LineRaster::lines(std::span<const LineSegment> segments, ScenePoint centre, double pxPerM, double widthPx) {
  const double x0 = m_width / 2.0 - centre.x * pxPerM, y0 = m_height / 2.0 - centre.y * pxPerM;
  // The drawn rectangle from the lines' ends, grown once for them all.
  double minX = m_width, minY = m_height, maxX = 0, maxY = 0;
  for (const LineSegment& s : segments) {
    const Vec2 a{x0 + s.a.x * pxPerM, y0 + s.a.y * pxPerM}, b{x0 + s.b.x * pxPerM, y0 + s.b.y * pxPerM};
    minX = std::min(minX, std::min(a.x, b.x));
    maxX = std::max(maxX, std::max(a.x, b.x));
    minY = std::min(minY, std::min(a.y, b.y));
    maxY = std::max(maxY, std::max(a.y, b.y));
    put(a, b, widthPx, s.colour);
  }
  if (!segments.empty()) grow(minX, minY, maxX, maxY, widthPx);
}

}  // namespace traffic::render
