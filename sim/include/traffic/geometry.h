// Plane geometry for road and connector shapes, in metres.
#pragma once

#include <vector>

namespace traffic {

struct Vec2 {
  double x = 0;
  double y = 0;
};

inline Vec2 operator+(Vec2 a, Vec2 b) { return {a.x + b.x, a.y + b.y}; }
inline Vec2 operator-(Vec2 a, Vec2 b) { return {a.x - b.x, a.y - b.y}; }
inline Vec2 operator*(Vec2 a, double s) { return {a.x * s, a.y * s}; }
double length(Vec2 v);
Vec2 normalized(Vec2 v);
/// Left-hand normal of a direction (rotated +90 degrees).
inline Vec2 leftNormal(Vec2 d) { return {-d.y, d.x}; }

/// An open polyline with at least two points.
struct Polyline {
  std::vector<Vec2> points;

  [[nodiscard]] double length() const;
  /// The point at arc length `s` (clamped to the ends).
  [[nodiscard]] Vec2 pointAt(double s) const;
  /// Unit direction of travel at arc length `s`.
  [[nodiscard]] Vec2 directionAt(double s) const;
  /// The same line shifted sideways by `offsetM` (positive = to the left of travel).
  [[nodiscard]] Polyline offset(double offsetM) const;
  /// The part between arc lengths `from` and `to`.
  [[nodiscard]] Polyline slice(double from, double to) const;
  /// How much the line turns from start to end: the sum of the absolute heading changes between
  /// consecutive segments, in radians (degenerate segments are skipped).
  [[nodiscard]] double totalTurnRad() const;
};

/// Arc lengths along `a` and `b` of the first crossing of the two polylines, if they cross.
struct Crossing {
  double alongA;
  double alongB;
};
bool firstCrossing(const Polyline& a, const Polyline& b, Crossing& out);

}  // namespace traffic
