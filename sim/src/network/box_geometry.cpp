// Conflict zones and shared starts of connectors (see box_geometry.h).
#include "network/box_geometry.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>

#include "traffic/errors.h"

namespace traffic {

namespace {

constexpr double kSampleM = 0.25;  // resolution of the zones along a path
constexpr double kTouch2 = kTouchDistanceM * kTouchDistanceM;
// Points and segments are dismissed without measuring when their bounding boxes lie further apart
// than the touching distance and this margin, which is far above any rounding error of the
// distances measured below (so dismissing them never changes a result).
constexpr double kReachM = kTouchDistanceM + 0.01;

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

struct Box {
  Vec2 lo, hi;
};

Box boxOf(Vec2 a, Vec2 b) { return {{std::min(a.x, b.x), std::min(a.y, b.y)}, {std::max(a.x, b.x), std::max(a.y, b.y)}}; }

// Whether two boxes, one grown by `margin`, meet.
bool boxesMeet(const Box& a, const Box& b, double margin) {
  return a.lo.x - margin <= b.hi.x && b.lo.x - margin <= a.hi.x && a.lo.y - margin <= b.hi.y && b.lo.y - margin <= a.hi.y;
}

bool inReach(Vec2 p, const Box& b) {
  return p.x >= b.lo.x - kReachM && p.x <= b.hi.x + kReachM && p.y >= b.lo.y - kReachM && p.y <= b.hi.y + kReachM;
}

// A connector's path with what the tests below ask of it again and again: the length of each
// segment (as Polyline computes it, so that points along the path come out the same to the last
// bit) and the bounding box of each segment and of the whole path. Built per junction, for its
// connectors only, into buffers that are reused.
struct Path {
  const Polyline* line = nullptr;
  double lengthM = 0;      // the connector's length (the shape's, at least kMinConnectorLengthM)
  const double* segLen = nullptr;  // segLen[i - 1]: from points[i - 1] to points[i]
  const Box* segBox = nullptr;     // likewise
  Box box;                         // all of it

  [[nodiscard]] const std::vector<Vec2>& points() const { return line->points; }

  // Polyline::pointAt, with the segment lengths taken from segLen.
  [[nodiscard]] Vec2 pointAt(double s) const {
    const std::vector<Vec2>& p = points();
    if (p.empty()) return {};
    if (s <= 0) return p.front();
    for (std::size_t i = 1; i < p.size(); ++i) {
      const Vec2 seg = p[i] - p[i - 1];
      const double len = segLen[i - 1];
      if (s <= len) return len > 0 ? p[i - 1] + seg * (s / len) : p[i - 1];
      s -= len;
    }
    return p.back();
  }
};

// The prepared paths of the connectors of one junction at a time.
class PathCache {
 public:
  explicit PathCache(const RoadNetwork& net) : m_net(net), m_slot(net.connectors().size(), -1) {}

  // Prepares the paths of junction `j`'s connectors, unless they are the ones prepared last.
  void enter(JunctionId j) {
    if (j != m_junction) load(j);
  }

  // Whether the junction entered last lists each of its connectors once and no other junction's.
  [[nodiscard]] bool consistent() const { return m_consistent; }
  // Whether that junction lists connector `c`.
  [[nodiscard]] bool listed(ConnectorId c) const { return m_slot[c.index()] >= 0; }

  // The path of connector `c`, as one side (0 or 1) of a pair. A connector that the junction
  // entered last does not list (in a network restored from a damaged recording, say) gets a path of
  // its own, valid until the next such path for the same side.
  const Path& of(ConnectorId c, int side) {
    const std::int32_t slot = m_slot[c.index()];
    if (slot >= 0) return m_paths[static_cast<std::size_t>(slot)];
    Spare& spare = m_spare[static_cast<std::size_t>(side)];
    prepare({c}, spare.paths, spare.len, spare.box);
    return spare.paths.front();
  }

 private:
  void load(JunctionId j) {
    if (m_junction.valid())
      for (ConnectorId c : m_net.junction(m_junction).connectors) m_slot[c.index()] = -1;
    m_junction = j;
    const std::vector<ConnectorId>& ids = m_net.junction(j).connectors;
    prepare(ids, m_paths, m_len, m_box);
    m_consistent = true;
    for (std::size_t k = 0; k < ids.size(); ++k) {
      std::int32_t& slot = m_slot[ids[k].index()];
      m_consistent = m_consistent && slot < 0 && m_net.connector(ids[k]).junction == j;
      slot = static_cast<std::int32_t>(k);
    }
  }

  void prepare(const std::vector<ConnectorId>& ids, std::vector<Path>& paths, std::vector<double>& len, std::vector<Box>& box) const {
    paths.clear();
    len.clear();
    box.clear();
    for (ConnectorId c : ids) {
      const std::vector<Vec2>& p = m_net.connector(c).shape.points;
      for (std::size_t i = 1; i < p.size(); ++i) {
        len.push_back(length(p[i] - p[i - 1]));
        box.push_back(boxOf(p[i - 1], p[i]));
      }
    }
    std::size_t at = 0;
    for (ConnectorId c : ids) {
      const Connector& connector = m_net.connector(c);
      const std::vector<Vec2>& p = connector.shape.points;
      Path path{&connector.shape, connector.lengthM, len.data() + at, box.data() + at, {}};
      path.box = p.empty() ? Box{} : Box{p.front(), p.front()};
      for (const Vec2& q : p) path.box = {{std::min(path.box.lo.x, q.x), std::min(path.box.lo.y, q.y)},
                                          {std::max(path.box.hi.x, q.x), std::max(path.box.hi.y, q.y)}};
      paths.push_back(path);
      if (!p.empty()) at += p.size() - 1;
    }
  }

  const RoadNetwork& m_net;
  std::vector<std::int32_t> m_slot;  // per connector: its index in m_paths while its junction is loaded
  JunctionId m_junction;
  bool m_consistent = false;
  std::vector<Path> m_paths;
  std::vector<double> m_len;
  std::vector<Box> m_box;
  struct Spare {
    std::vector<Path> paths;
    std::vector<double> len;
    std::vector<Box> box;
  };
  std::array<Spare, 2> m_spare;
};

bool nearPath(Vec2 p, const Path& path) {
  if (!inReach(p, path.box)) return false;
  const std::vector<Vec2>& q = path.points();
  for (std::size_t i = 1; i < q.size(); ++i)
    if (inReach(p, path.segBox[i - 1]) && pointSegmentDistance2(p, q[i - 1], q[i]) < kTouch2) return true;
  return false;
}

// Along `a`, the furthest point reached from `startM` stepping by `stepM` (either sign) while the
// path stays within kTouchDistanceM of `b` (`near`) or beyond it (`!near`), clamped to [0, lengthM].
double walk(const Path& a, const Path& b, double startM, double stepM, bool near) {
  double s = startM;
  for (;;) {
    const double next = std::clamp(s + stepM, 0.0, a.lengthM);
    if (next == s) return s;
    if (nearPath(a.pointAt(next), b) != near) return s;
    s = next;
  }
}

// Whether two segments come within touching distance: they cross, or an end of one is that close to
// the other.
bool segmentsTouch(Vec2 a0, Vec2 a1, Vec2 b0, Vec2 b1) {
  if (pointSegmentDistance2(a0, b0, b1) < kTouch2 || pointSegmentDistance2(a1, b0, b1) < kTouch2 ||
      pointSegmentDistance2(b0, a0, a1) < kTouch2 || pointSegmentDistance2(b1, a0, a1) < kTouch2)
    return true;
  auto cross = [](Vec2 o, Vec2 p, Vec2 q) { return (p.x - o.x) * (q.y - o.y) - (p.y - o.y) * (q.x - o.x); };
  const double d1 = cross(a0, a1, b0), d2 = cross(a0, a1, b1), d3 = cross(b0, b1, a0), d4 = cross(b0, b1, a1);
  return ((d1 < 0) != (d2 < 0)) && ((d3 < 0) != (d4 < 0));
}

// Whether segment i of `a` and segment j of `b` (numbered by their end points) come within
// touching distance; segments whose boxes lie out of reach are dismissed unmeasured.
bool segmentsTouch(const Path& a, std::size_t i, const Path& b, std::size_t j) {
  return boxesMeet(a.segBox[i - 1], b.segBox[j - 1], kReachM) &&
         segmentsTouch(a.points()[i - 1], a.points()[i], b.points()[j - 1], b.points()[j]);
}

// Whether some point of `a` lies within touching distance of `b`. Cheap next to nearStretch's
// sampling, so pairs that never come close are dismissed by it first.
bool pathsTouch(const Path& a, const Path& b) {
  for (std::size_t i = 1; i < a.points().size(); ++i)
    for (std::size_t j = 1; j < b.points().size(); ++j)
      if (segmentsTouch(a, i, b, j)) return true;
  return false;
}

// Whether the bounding boxes of two paths, grown by the touching distance, meet.
bool boxesNear(const Path& a, const Path& b) { return boxesMeet(a.box, b.box, kTouchDistanceM); }

// The stretch of `a` within touching distance of `b`, with one sample of slack; false if none.
// Walks `a`'s segments at kSampleM without searching for each sample's segment again, and samples
// each against only the segments of `b` it can touch (none for most segments).
bool nearStretch(const Path& a, const Path& b, std::vector<std::size_t>& near, double& fromM, double& toM) {
  const std::vector<Vec2>& pa = a.points();
  const std::vector<Vec2>& pb = b.points();
  bool any = false;
  double base = 0;  // arc length at the start of the current segment
  for (std::size_t i = 1; i < pa.size(); ++i) {
    const Vec2 p0 = pa[i - 1];
    const Vec2 seg = pa[i] - p0;
    const double segLen = a.segLen[i - 1];
    if (segLen <= 0) continue;
    near.clear();  // segments of b (by their end point's index) this segment can touch
    for (std::size_t j = 1; j < pb.size(); ++j)
      if (segmentsTouch(a, i, b, j)) near.push_back(j);
    if (near.empty()) {
      base += segLen;
      continue;
    }
    // Samples at multiples of kSampleM inside this segment, and its end.
    for (double s = std::ceil(base / kSampleM) * kSampleM;; s += kSampleM) {
      const double local = std::min(s - base, segLen);
      const double at = base + local;
      const Vec2 p = p0 + seg * (local / segLen);
      if (std::any_of(near.begin(), near.end(), [&](std::size_t j) { return pointSegmentDistance2(p, pb[j - 1], pb[j]) < kTouch2; })) {
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
  toM = std::min(a.lengthM, toM + kSampleM);
  return true;
}

// The zone of conflict `k` of connector `a` with the connector of path `b`.
ConflictZone conflictZone(const Path& a, const Path& b, const Conflict& k, std::vector<std::size_t>& near) {
  ConflictZone z{.other = k.other, .merging = k.merging};
  if (k.merging) {
    // From where the paths come within touching distance, to the common end.
    z.fromM = walk(a, b, a.lengthM, -kSampleM, true);
    z.toM = a.lengthM;
    z.otherFromM = walk(b, a, b.lengthM, -kSampleM, true);
    z.otherToM = b.lengthM;
  } else {
    z.fromM = walk(a, b, k.atM, -kSampleM, true);
    z.toM = walk(a, b, k.atM, kSampleM, true);
    z.otherFromM = walk(b, a, k.otherAtM, -kSampleM, true);
    z.otherToM = walk(b, a, k.otherAtM, kSampleM, true);
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
  if (!k.merging && boxesNear(a, b)) {
    double fromA = 0, toA = 0, fromB = 0, toB = 0;
    if (nearStretch(a, b, near, fromA, toA) && nearStretch(b, a, near, fromB, toB) &&
        (fromA < z.fromM - 2 * kSampleM || toA > z.toM + 2 * kSampleM || fromB < z.otherFromM - 2 * kSampleM ||
         toB > z.otherToM + 2 * kSampleM)) {
      z.fromM = std::min(z.fromM, fromA);
      z.toM = std::max(z.toM, toA);
      z.otherFromM = std::min(z.otherFromM, fromB);
      z.otherToM = std::max(z.otherToM, toB);
    }
  }
  return z;
}

// The zone where the paths `a` and `b` (of connector `other`), which do not conflict, come within
// touching distance, if they do.
bool nearZone(const Path& a, const Path& b, ConnectorId other, std::vector<std::size_t>& near, ConflictZone& z) {
  if (!boxesNear(a, b) || !pathsTouch(a, b)) return false;
  double fromA = 0, toA = 0, fromB = 0, toB = 0;
  if (!nearStretch(a, b, near, fromA, toA) || !nearStretch(b, a, near, fromB, toB)) return false;
  z = {other, false, fromA, toA, fromB, toB};
  return true;
}

// The zone of a pair seen from the other connector `other` of the pair.
ConflictZone mirrored(const ConflictZone& z, ConnectorId other) {
  return {other, z.merging, z.otherFromM, z.otherToM, z.fromM, z.toM};
}

// Appends the entries of the next connector to a flat list (see PerConnector).
template <class T>
void closeList(PerConnector<T>& list) {
  if (list.items.size() > std::numeric_limits<std::uint32_t>::max())
    throw LoadError("road network", "junction boxes", "more than 4,294,967,295 conflict zones; split the network");
  list.begin.push_back(static_cast<std::uint32_t>(list.items.size()));
}

}  // namespace

BoxGeometry buildBoxGeometry(const RoadNetwork& net) {
  const auto& connectors = net.connectors();
  PathCache paths(net);
  std::vector<std::size_t> near;
  // Every zone is measured once per pair: the second connector of a pair (by index) takes the
  // first one's zone, seen from its side. The measurements are symmetric (the same tests with the
  // roles swapped), so this gives what measuring again would, to the last bit.

  // First the paths that come within touching distance without a conflict (or sharing a lane at
  // either end): connectors into neighbouring lanes of one road (a right turn and the opposite
  // left turn), or out of neighbouring lanes of one road; paths that cross where the map says they
  // are no foes (SUMO's foes matrix, setFoesKnown), so that vehicles on them still never drive
  // through each other; and, on maps with sharply angled roads (City Brain's Nanchang), paths of
  // other roads altogether whose stop lines lie within a vehicle width of each other. Every pair
  // of the junction is measured; bounding boxes dismiss most of them, then pathsTouch. Where the
  // junction lists its connectors as built, a pair measured from its first connector is not
  // measured again from the second. Kept aside, so that the zones can be allocated at their size.
  PerConnector<ConflictZone> nearZones;
  nearZones.begin.reserve(connectors.size() + 1);
  nearZones.begin.push_back(0);
  for (std::size_t i = 0; i < connectors.size(); ++i) {
    const Connector& a = connectors[i];
    paths.enter(a.junction);
    const Path& pa = paths.of(ConnectorId(i), 0);
    const bool mirror = paths.consistent() && paths.listed(ConnectorId(i));
    for (ConnectorId o : net.junction(a.junction).connectors) {
      const Connector& b = net.connector(o);
      if (o.index() == i || b.from == a.from || b.to == a.to) continue;
      if (std::any_of(a.conflicts.begin(), a.conflicts.end(), [&](const Conflict& k) { return k.other == o; })) continue;
      if (mirror && o.index() < i &&
          std::none_of(b.conflicts.begin(), b.conflicts.end(), [&](const Conflict& k) { return k.other.index() == i; })) {
        const std::span<const ConflictZone> theirs = nearZones[o.index()];
        const auto back = std::find_if(theirs.begin(), theirs.end(), [&](const ConflictZone& z) { return z.other.index() == i; });
        if (back != theirs.end()) nearZones.items.push_back(mirrored(*back, o));
        continue;
      }
      ConflictZone z;
      if (nearZone(pa, paths.of(o, 1), o, near, z)) nearZones.items.push_back(z);
    }
    closeList(nearZones);
  }

  // Then per connector one zone per conflict, followed by those near ones; and the shared starts.
  BoxGeometry g;
  std::size_t conflicts = 0, shared = 0;
  for (const Connector& c : connectors) conflicts += c.conflicts.size();
  for (const Lane& l : net.lanes()) shared += l.outgoing.size() * (l.outgoing.empty() ? 0 : l.outgoing.size() - 1);
  g.zones.begin.reserve(connectors.size() + 1);
  g.zones.items.reserve(conflicts + nearZones.items.size());
  g.sharedStarts.begin.reserve(connectors.size() + 1);
  g.sharedStarts.items.reserve(shared);
  g.zones.begin.push_back(0);
  g.sharedStarts.begin.push_back(0);
  for (std::size_t i = 0; i < connectors.size(); ++i) {
    const Connector& a = connectors[i];
    paths.enter(a.junction);
    const Path& pa = paths.of(ConnectorId(i), 0);
    for (const Conflict& k : a.conflicts) {
      const Connector& b = net.connector(k.other);
      if (k.other.index() < i) {
        // The other's entry for this pair, if the two agree on where the paths cross.
        const auto back = std::find_if(b.conflicts.begin(), b.conflicts.end(), [&](const Conflict& x) { return x.other.index() == i; });
        if (back != b.conflicts.end() && back->atM == k.otherAtM && back->otherAtM == k.atM && back->merging == k.merging) {
          g.zones.items.push_back(mirrored(g.zones[k.other.index()][static_cast<std::size_t>(back - b.conflicts.begin())], k.other));
          continue;
        }
      }
      g.zones.items.push_back(conflictZone(pa, paths.of(k.other, 1), k, near));
    }
    const std::span<const ConflictZone> nearOnes = nearZones[i];
    g.zones.items.insert(g.zones.items.end(), nearOnes.begin(), nearOnes.end());
    closeList(g.zones);
    for (ConnectorId o : net.lane(a.from).outgoing) {
      if (o.index() == i) continue;
      const Path& pb = paths.of(o, 1);
      // Both start at the lane's end; they share the road until the first point a width apart.
      const double sharedM = walk(pa, pb, 0.0, kSampleM, true);
      const double otherShared = walk(pb, pa, 0.0, kSampleM, true);
      g.sharedStarts.items.push_back({o, std::min(sharedM + kSampleM, pa.lengthM), std::min(otherShared + kSampleM, pb.lengthM)});
    }
    closeList(g.sharedStarts);
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
