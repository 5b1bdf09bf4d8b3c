// Lines drawn on the CPU into an RGBA picture: how the city layer draws its roads and bars far out.
//
// Zoomed out over a whole city, the layer is hundreds of thousands of lines a few pixels long (a
// 200 x 200 grid: 160,000 roads and as many queue bars). A GL without a GPU (Mesa's llvmpipe)
// spends far more on setting up each of them than on its pixels; written here straight into a
// picture that is then drawn as one texture, they cost about their pixels. A line covers what Mesa
// covers for a wide line without anti-aliasing, but for the odd pixel at its ends and edges (GL's
// rules for the pixels on a boundary are not followed to the letter). No SFML here: tests check the
// pixels with numbers.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "traffic/geometry.h"
#include "traffic/render/camera.h"
#include "traffic/render/palette.h"

namespace traffic::render {

static_assert(sizeof(Rgba) == 4, "a LineRaster's pixels are handed to GL as 4 bytes each");

/// A line to draw: its ends in scene coordinates (camera.h) and its colour.
struct LineSegment {
  ScenePoint a, b;
  Rgba colour;
};

/// An RGBA picture, rows from the top, that lines are drawn into; transparent where none is.
class LineRaster {
 public:
  /// Sizes the picture and makes every pixel transparent.
  void reset(unsigned widthPx, unsigned heightPx);
  /// A rectangle holding every pixel drawn since reset(), as [x0, x1) x [y0, y1) (at most a pixel or
  /// two larger than the drawn pixels on each side); when it is empty, nothing was drawn. Only
  /// this part of the picture needs to go to GL.
  struct Box {
    unsigned x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    [[nodiscard]] bool empty() const { return x0 >= x1 || y0 >= y1; }
  };
  [[nodiscard]] Box drawn() const;
  /// A line `widthPx` wide (square to it) from `a` to `b`, in pixels (x right, y down; pixel (i, j)
  /// covers [i, i + 1) x [j, j + 1)): along the line's major axis the pixels whose centres lie
  /// between its ends (the start included, the end not), across it those whose centres lie inside
  /// the line's width. Clipped to the picture; a later line covers an earlier one.
  void line(Vec2 a, Vec2 b, double widthPx, Rgba colour);
  /// Every segment, in order, `widthPx` wide, seen as a view centred on scene point `centre` at
  /// `pxPerM` maps the scene (centre in the middle of the picture, one scene unit pxPerM pixels).
  void lines(std::span<const LineSegment> segments, ScenePoint centre, double pxPerM, double widthPx);

  [[nodiscard]] unsigned widthPx() const { return m_width; }
  [[nodiscard]] unsigned heightPx() const { return m_height; }
  /// widthPx() x heightPx() pixels, 4 bytes each (r, g, b, a), rows from the top.
  [[nodiscard]] const Rgba* pixels() const { return m_pixels.data(); }
  [[nodiscard]] Rgba at(unsigned x, unsigned y) const { return m_pixels[static_cast<std::size_t>(y) * m_width + x]; }

 private:
  /// Draws a line without growing the drawn rectangle.
  void put(Vec2 a, Vec2 b, double widthPx, Rgba colour);
  /// Grows the drawn rectangle by lines of `widthPx` whose ends lie in [minX, maxX] x [minY, maxY].
  void grow(double minX, double minY, double maxX, double maxY, double widthPx);

  unsigned m_width = 0, m_height = 0;
  std::vector<Rgba> m_pixels;
  // The drawn rectangle as it grows: [m_minX, m_maxX) x [m_minY, m_maxY), inverted when empty.
  long m_minX = 0, m_minY = 0, m_maxX = 0, m_maxY = 0;
};

}  // namespace traffic::render
