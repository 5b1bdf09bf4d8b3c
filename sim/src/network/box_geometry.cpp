// Conflict zones and shared starts of connectors (see box_geometry.h).
#include "network/box_geometry.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

namespace traffic {

namespace {

constexpr double kSampleM = 0.25;  // resolution of the zones along a path

double dot(Vec2 a, Vec2 b) { return a.x * b.x + a.y * b.y; }

// Squared distances: this runs for every pair of connectors of every junction when a world is
// built, so no square roots in the inner loop.
double pointSegmentDistance2(Vec2 p, Vec2 a, Vec2 b) {
  const Vec2 ab = b - a;
  const double len2 = dot(ab, ab);
  const double t = len2 > 0 ? std::clamp(dot(p - a, ab) / len2, 0.0, 1.0) : 0.0;
  const Vec2 d = p - (a + ab * t);
  return dot(d, d);
}

bool nearPath(Vec2 p, const Polyline& path) {
  constexpr double kTouch2 = kTouchDistanceM * kTouchDistanceM;
  for (std::size_t i = 1; i < path.points.size(); ++i)
    if (pointSegmentDistance2(p, path.points[i - 1], path.points[i]) < kTouch2) return true;
  return false;
}

// Along `a`, the furthest point reached from `startM` stepping by `stepM` (either sign) while the
// path stays within kTouchDistanceM of `b` (`near`) or beyond it (`!near`), clamped to [0, lengthM].
double walk(const Polyline& a, double lengthM, const Polyline& b, double startM, double stepM, bool near) {
  double s = startM;
  for (;;) {
    const double next = std::clamp(s + stepM, 0.0, lengthM);
    if (next == s) return s;
    if (nearPath(a.pointAt(next), b) != near) return s;
    s = next;
  }
}

// Whether two segments come within touching distance: they cross, or an end of one is that close to
// the other.
bool segmentsTouch(Vec2 a0, Vec2 a1, Vec2 b0, Vec2 b1) {
  constexpr double kTouch2 = kTouchDistanceM * kTouchDistanceM;
  if (pointSegmentDistance2(a0, b0, b1) < kTouch2 || pointSegmentDistance2(a1, b0, b1) < kTouch2 ||
      pointSegmentDistance2(b0, a0, a1) < kTouch2 || pointSegmentDistance2(b1, a0, a1) < kTouch2)
    return true;
  auto cross = [](Vec2 o, Vec2 p, Vec2 q) { return (p.x - o.x) * (q.y - o.y) - (p.y - o.y) * (q.x - o.x); };
  const double d1 = cross(a0, a1, b0), d2 = cross(a0, a1, b1), d3 = cross(b0, b1, a0), d4 = cross(b0, b1, a1);
  return ((d1 < 0) != (d2 < 0)) && ((d3 < 0) != (d4 < 0));
}

// Whether some point of `a` lies within touching distance of `b`. Cheap next to nearStretch's
// sampling, so pairs that never come close are dismissed by it first.
bool pathsTouch(const Polyline& a, const Polyline& b) {
  for (std::size_t i = 1; i < a.points.size(); ++i)
    for (std::size_t j = 1; j < b.points.size(); ++j)
      if (segmentsTouch(a.points[i - 1], a.points[i], b.points[j - 1], b.points[j])) return true;
  return false;
}

// Whether the bounding boxes of two paths, grown by the touching distance, meet.
bool boxesNear(const Polyline& a, const Polyline& b) {
  auto box = [](const Polyline& p, Vec2& lo, Vec2& hi) {
    lo = hi = p.points.front();
    for (const Vec2& q : p.points) {
      lo = {std::min(lo.x, q.x), std::min(lo.y, q.y)};
      hi = {std::max(hi.x, q.x), std::max(hi.y, q.y)};
    }
  };
  Vec2 loA, hiA, loB, hiB;
  box(a, loA, hiA);
  box(b, loB, hiB);
  return loA.x - kTouchDistanceM <= hiB.x && loB.x - kTouchDistanceM <= hiA.x && loA.y - kTouchDistanceM <= hiB.y &&
         loB.y - kTouchDistanceM <= hiA.y;
}

// The stretch of `a` within touching distance of `b`, with one sample of slack; false if none.
// Walks `a`'s segments at kSampleM without searching for each sample's segment again, and samples
// each against only the segments of `b` it can touch (none for most segments).
bool nearStretch(const Polyline& a, double lengthM, const Polyline& b, double& fromM, double& toM) {
  constexpr double kTouch2 = kTouchDistanceM * kTouchDistanceM;
  bool any = false;
  double base = 0;  // arc length at the start of the current segment
  std::vector<std::size_t> near;  // segments of b (by their end point's index) this segment can touch
  for (std::size_t i = 1; i < a.points.size(); ++i) {
    const Vec2 p0 = a.points[i - 1];
    const Vec2 seg = a.points[i] - p0;
    const double segLen = length(seg);
    if (segLen <= 0) continue;
    near.clear();
    for (std::size_t j = 1; j < b.points.size(); ++j)
      if (segmentsTouch(p0, a.points[i], b.points[j - 1], b.points[j])) near.push_back(j);
    if (near.empty()) {
      base += segLen;
      continue;
    }
    // Samples at multiples of kSampleM inside this segment, and its end.
    for (double s = std::ceil(base / kSampleM) * kSampleM;; s += kSampleM) {
      const double local = std::min(s - base, segLen);
      const double at = base + local;
      const Vec2 p = p0 + seg * (local / segLen);
      if (std::any_of(near.begin(), near.end(), [&](std::size_t j) { return pointSegmentDistance2(p, b.points[j - 1], b.points[j]) < kTouch2; })) {
        if (!any) fromM = at;
        toM = at;
        any = true;
      }
      if (local >= segLen) break;
    }
    base += segLen;
  }
  if (!any) return false;
  fromM = std::max(0.0, fromM - kSampleM);
  toM = std::min(lengthM, toM + kSampleM);
  return true;
}

}  // namespace

BoxGeometry buildBoxGeometry(const RoadNetwork& net) {
  BoxGeometry g;
  const auto& connectors = net.connectors();
  g.zones.resize(connectors.size());
  g.sharedStarts.resize(connectors.size());
  for (std::size_t i = 0; i < connectors.size(); ++i) {
    const Connector& a = connectors[i];
    for (const Conflict& k : a.conflicts) {
      const Connector& b = net.connector(k.other);
      ConflictZone z{.other = k.other, .merging = k.merging};
      if (k.merging) {
        // From where the paths come within touching distance, to the common end.
        z.fromM = walk(a.shape, a.lengthM, b.shape, a.lengthM, -kSampleM, true);
        z.toM = a.lengthM;
        z.otherFromM = walk(b.shape, b.lengthM, a.shape, b.lengthM, -kSampleM, true);
        z.otherToM = b.lengthM;
      } else {
        z.fromM = walk(a.shape, a.lengthM, b.shape, k.atM, -kSampleM, true);
        z.toM = walk(a.shape, a.lengthM, b.shape, k.atM, kSampleM, true);
        z.otherFromM = walk(b.shape, b.lengthM, a.shape, k.otherAtM, -kSampleM, true);
        z.otherToM = walk(b.shape, b.lengthM, a.shape, k.otherAtM, kSampleM, true);
      }
      // One sample of slack on each side: the walk stops at the last sample that was near.
      z.fromM = std::max(0.0, z.fromM - kSampleM);
      z.toM = std::min(a.lengthM, z.toM + kSampleM);
      z.otherFromM = std::max(0.0, z.otherFromM - kSampleM);
      z.otherToM = std::min(b.lengthM, z.otherToM + kSampleM);
      // Paths that cross and also come close elsewhere (a right turn that loops around a
      // neighbouring lane's start, on maps with sharply angled roads) touch there too: the zone
      // covers every stretch within touching distance. Where the near stretch is the crossing's
      // own, as at every ordinary crossing, the zone stays as walked above.
      if (!k.merging && boxesNear(a.shape, b.shape)) {
        double fromA = 0, toA = 0, fromB = 0, toB = 0;
        if (nearStretch(a.shape, a.lengthM, b.shape, fromA, toA) && nearStretch(b.shape, b.lengthM, a.shape, fromB, toB) &&
            (fromA < z.fromM - 2 * kSampleM || toA > z.toM + 2 * kSampleM || fromB < z.otherFromM - 2 * kSampleM ||
             toB > z.otherToM + 2 * kSampleM)) {
          z.fromM = std::min(z.fromM, fromA);
          z.toM = std::max(z.toM, toA);
          z.otherFromM = std::min(z.otherFromM, fromB);
          z.otherToM = std::max(z.otherToM, toB);
        }
      }
      g.zones[i].push_back(z);
    }
    // Paths that come within touching distance without a conflict (or sharing a lane at either
    // end): connectors into neighbouring lanes of one road (a right turn and the opposite left
    // turn), or out of neighbouring lanes of one road; paths that cross where the map says they are
    // no foes (SUMO's foes matrix, setFoesKnown), so that vehicles on them still never drive
    // through each other; and, on maps with sharply angled roads (City Brain's Nanchang), paths
    // of other roads altogether whose stop lines lie within a vehicle width of each other. Every
    // pair of the junction is measured; pathsTouch dismisses most of them cheaply.
    for (ConnectorId o : net.junction(a.junction).connectors) {
      const Connector& b = net.connector(o);
      if (o.index() == i || b.from == a.from || b.to == a.to) continue;
      if (std::any_of(a.conflicts.begin(), a.conflicts.end(), [&](const Conflict& k) { return k.other == o; })) continue;
      if (!boxesNear(a.shape, b.shape) || !pathsTouch(a.shape, b.shape)) continue;
      double fromA = 0, toA = 0, fromB = 0, toB = 0;
      if (!nearStretch(a.shape, a.lengthM, b.shape, fromA, toA) || !nearStretch(b.shape, b.lengthM, a.shape, fromB, toB)) continue;
      g.zones[i].push_back({o, false, fromA, toA, fromB, toB});
    }
    for (ConnectorId o : net.lane(a.from).outgoing) {
      if (o.index() == i) continue;
      const Connector& b = net.connector(o);
      // Both start at the lane's end; they share the road until the first point a width apart.
      const double shared = walk(a.shape, a.lengthM, b.shape, 0.0, kSampleM, true);
      const double otherShared = walk(b.shape, b.lengthM, a.shape, 0.0, kSampleM, true);
      g.sharedStarts[i].push_back({o, std::min(shared + kSampleM, a.lengthM), std::min(otherShared + kSampleM, b.lengthM)});
    }
  }
  return g;
}

const BoxGeometry& boxGeometryOf(const RoadNetwork& net) {
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  if (!net.m_box) net.m_box = std::make_shared<const BoxGeometry>(buildBoxGeometry(net));
  return *net.m_box;
}

}  // namespace traffic
