// Polyline operations used at load time to shape lanes and connectors and to find where
// connectors cross. Inputs come from map files, so every function tolerates repeated points and
// zero-length lines instead of producing NaNs.
#include "traffic/geometry.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace traffic {
namespace {

double cross(Vec2 a, Vec2 b) { return a.x * b.y - a.y * b.x; }
double dot(Vec2 a, Vec2 b) { return a.x * b.x + a.y * b.y; }

// Points closer than this are treated as one when deriving directions.
constexpr double kSamePointM = 1e-9;
// Offsetting around a very sharp corner would throw the miter point far away; beyond this factor
// the corner is bevelled instead (the offset distance is kept at the limit).
constexpr double kMaxMiterScale = 4.0;

}  // namespace

double length(Vec2 v) { return std::hypot(v.x, v.y); }

Vec2 normalized(Vec2 v) {
  const double len = length(v);
  if (len < kSamePointM) return {0, 0};
  return {v.x / len, v.y / len};
}

double Polyline::length() const {
  double sum = 0;
  for (std::size_t i = 1; i < points.size(); ++i) sum += traffic::length(points[i] - points[i - 1]);
  return sum;
}

Vec2 Polyline::pointAt(double s) const {
  if (points.empty()) return {};
  if (s <= 0) return points.front();
  for (std::size_t i = 1; i < points.size(); ++i) {
    const Vec2 seg = points[i] - points[i - 1];
    const double segLen = traffic::length(seg);
    if (s <= segLen) return segLen > 0 ? points[i - 1] + seg * (s / segLen) : points[i - 1];
    s -= segLen;
  }
  return points.back();
}

double Polyline::totalTurnRad() const {
  double turn = 0;
  Vec2 previous{};
  bool havePrevious = false;
  for (std::size_t i = 1; i < points.size(); ++i) {
    const Vec2 seg = points[i] - points[i - 1];
    if (traffic::length(seg) < kSamePointM) continue;
    const Vec2 d = normalized(seg);
    if (havePrevious) turn += std::abs(std::atan2(previous.x * d.y - previous.y * d.x, previous.x * d.x + previous.y * d.y));
    previous = d;
    havePrevious = true;
  }
  return turn;
}

Vec2 Polyline::directionAt(double s) const {
  // The direction of the segment that contains `s`; degenerate segments are skipped, and a point
  // beyond the end takes the direction of the last real segment.
  Vec2 last{1, 0};
  bool found = false;
  for (std::size_t i = 1; i < points.size(); ++i) {
    const Vec2 seg = points[i] - points[i - 1];
    const double segLen = traffic::length(seg);
    if (segLen < kSamePointM) continue;
    last = seg * (1.0 / segLen);
    found = true;
    if (s <= segLen) return last;
    s -= segLen;
  }
  return found ? last : Vec2{1, 0};
}

Polyline Polyline::offset(double offsetM) const {
  // Work on the line without repeated points so that every vertex has a defined direction.
  std::vector<Vec2> pts;
  pts.reserve(points.size());
  for (const Vec2& p : points)
    if (pts.empty() || traffic::length(p - pts.back()) >= kSamePointM) pts.push_back(p);
  if (pts.size() < 2) return *this;

  Polyline out;
  out.points.reserve(pts.size());
  for (std::size_t i = 0; i < pts.size(); ++i) {
    Vec2 n;
    if (i == 0) {
      n = leftNormal(normalized(pts[1] - pts[0]));
    } else if (i + 1 == pts.size()) {
      n = leftNormal(normalized(pts[i] - pts[i - 1]));
    } else {
      // Miter joint: both neighbouring offset segments keep the requested distance.
      const Vec2 n0 = leftNormal(normalized(pts[i] - pts[i - 1]));
      const Vec2 n1 = leftNormal(normalized(pts[i + 1] - pts[i]));
      const Vec2 m = normalized(n0 + n1);
      const double c = dot(m, n0);
      if (traffic::length(m) < 0.5 || c < 1.0 / kMaxMiterScale) {
        n = traffic::length(m) < 0.5 ? n0 : m * kMaxMiterScale;
      } else {
        n = m * (1.0 / c);
      }
    }
    out.points.push_back(pts[i] + n * offsetM);
  }
  return out;
}

Polyline Polyline::slice(double from, double to) const {
  const double total = length();
  from = std::clamp(from, 0.0, total);
  to = std::clamp(to, from, total);
  Polyline out;
  out.points.push_back(pointAt(from));
  double at = 0;
  for (std::size_t i = 1; i + 1 < points.size(); ++i) {
    at += traffic::length(points[i] - points[i - 1]);
    if (at > from && at < to) out.points.push_back(points[i]);
  }
  out.points.push_back(pointAt(to));
  return out;
}

bool firstCrossing(const Polyline& a, const Polyline& b, Crossing& out) {
  if (a.points.size() < 2 || b.points.size() < 2) return false;

  // Bounding boxes reject most pairs of connectors of a junction cheaply.
  auto box = [](const Polyline& p, Vec2& lo, Vec2& hi) {
    lo = hi = p.points.front();
    for (const Vec2& q : p.points) {
      lo = {std::min(lo.x, q.x), std::min(lo.y, q.y)};
      hi = {std::max(hi.x, q.x), std::max(hi.y, q.y)};
    }
  };
  Vec2 aLo, aHi, bLo, bHi;
  box(a, aLo, aHi);
  box(b, bLo, bHi);
  constexpr double kSlack = 1e-9;
  if (aHi.x + kSlack < bLo.x || bHi.x + kSlack < aLo.x || aHi.y + kSlack < bLo.y || bHi.y + kSlack < aLo.y)
    return false;

  // The lengths of b's segments, computed once instead of once per segment of a: this runs for
  // every pair of connectors of every junction when a network is built.
  const std::size_t segmentsB = b.points.size() - 1;
  std::array<double, 32> fewLengths;
  std::vector<double> manyLengths;
  double* lengthB = fewLengths.data();
  if (segmentsB > fewLengths.size()) {
    manyLengths.resize(segmentsB);
    lengthB = manyLengths.data();
  }
  for (std::size_t j = 1; j < b.points.size(); ++j) lengthB[j - 1] = length(b.points[j] - b.points[j - 1]);

  bool found = false;
  double bestA = std::numeric_limits<double>::infinity();
  double bestB = 0;
  double startA = 0;
  for (std::size_t i = 1; i < a.points.size(); ++i) {
    const Vec2 p = a.points[i - 1];
    const Vec2 r = a.points[i] - p;
    const double lenR = length(r);
    if (lenR < kSamePointM) continue;
    if (startA > bestA) break;  // crossings further along `a` cannot be the first
    double startB = 0;
    for (std::size_t j = 1; j < b.points.size(); ++j) {
      const Vec2 q = b.points[j - 1];
      const Vec2 s = b.points[j] - q;
      const double lenS = lengthB[j - 1];
      if (lenS < kSamePointM) continue;
      const double denom = cross(r, s);
      // Parallel or collinear segments: lanes that run side by side or overlap do not "cross".
      if (std::abs(denom) > 1e-12 * lenR * lenS) {
        const Vec2 qp = q - p;
        const double t = cross(qp, s) / denom;
        const double u = cross(qp, r) / denom;
        constexpr double kEps = 1e-9;
        if (t >= -kEps && t <= 1 + kEps && u >= -kEps && u <= 1 + kEps) {
          const double alongA = startA + std::clamp(t, 0.0, 1.0) * lenR;
          const double alongB = startB + std::clamp(u, 0.0, 1.0) * lenS;
          if (alongA < bestA || (alongA == bestA && alongB < bestB)) {
            bestA = alongA;
            bestB = alongB;
            found = true;
          }
        }
      }
      startB += lenS;
    }
    startA += lenR;
  }
  if (found) out = {bestA, bestB};
  return found;
}

}  // namespace traffic
