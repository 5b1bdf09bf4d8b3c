// City Brain Challenge roadnet and flow files -> RoadNetwork and Demand (the format is described in
// traffic/loaders/citybrain.h and in the challenge's cbengine.rst).
//
// The files are whitespace-separated numbers whose meaning depends only on their position, so a
// missing or extra number shifts everything after it. The reader therefore walks tokens (each with
// its line) against the layout the counts announce, and names what it expected at the line where
// it went wrong ("line 12: road segment 3: expected the lane count of direction 2"), rather than
// trusting line breaks the challenge's own parser ignores in places. `//` comments, as in the
// documentation's examples, are skipped.
#include "traffic/loaders/citybrain.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <numbers>
#include <set>
#include <sstream>
#include <unordered_map>

#include "base/log.h"
#include "io/input_file.h"
#include "traffic/errors.h"

namespace traffic {
namespace {

std::string inQuotes(const std::string& s) { return "'" + s + "'"; }

// Every lane is drawn this wide; the files give no widths.
constexpr double kLaneWidthM = 3.5;
// A lane count beyond this is taken for a misplaced number rather than a road.
constexpr long long kMaxLanes = 16;
// Guards against a flow that would expand into an absurd number of vehicles.
constexpr double kMaxVehiclesPerFlow = 10'000'000;
// The starter kit's fixed-time agent shows each phase for two 10 s actions; the first 5 s after a
// change are all-red.
constexpr double kFixedGreenS = 15;

struct Token {
  std::string_view text;
  int line = 0;
};

// The file's tokens with their lines, and typed reads that fail naming the file, the line, the
// entity and what was expected there.
class Tokens {
 public:
  Tokens(std::string file, std::string text) : m_file(std::move(file)), m_text(std::move(text)) {
    int line = 1;
    std::size_t i = 0;
    const std::size_t n = m_text.size();
    while (i < n) {
      const char c = m_text[i];
      if (c == '\n') {
        ++line;
        ++i;
      } else if (c == '/' && i + 1 < n && m_text[i + 1] == '/') {
        while (i < n && m_text[i] != '\n') ++i;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
        ++i;
      } else {
        const std::size_t start = i;
        while (i < n && m_text[i] != '\n' && m_text[i] != ' ' && m_text[i] != '\t' && m_text[i] != '\r' &&
               m_text[i] != '\v' && m_text[i] != '\f' && !(m_text[i] == '/' && i + 1 < n && m_text[i + 1] == '/'))
          ++i;
        m_tokens.push_back({std::string_view(m_text).substr(start, i - start), line});
      }
    }
    m_endLine = line;
  }

  [[nodiscard]] bool done() const { return m_pos >= m_tokens.size(); }
  [[nodiscard]] std::size_t remaining() const { return m_tokens.size() - m_pos; }
  [[nodiscard]] int line() const { return done() ? m_endLine : m_tokens[m_pos].line; }
  [[nodiscard]] const std::string& file() const { return m_file; }

  [[noreturn]] void fail(const std::string& entity, const std::string& reason, int line) const {
    throw LoadError(m_file, entity, reason, line);
  }
  [[noreturn]] void fail(const std::string& entity, const std::string& reason) const { fail(entity, reason, line()); }

  const Token& next(const std::string& entity, const std::string& what) {
    if (done()) fail(entity, "the file ends where " + what + " was expected");
    return m_tokens[m_pos++];
  }

  long long integer(const std::string& entity, const std::string& what) {
    const Token& t = next(entity, what);
    long long v = 0;
    const auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (ec != std::errc() || end != t.text.data() + t.text.size())
      fail(entity, "expected " + what + " (an integer), found '" + std::string(t.text) + "'", t.line);
    return v;
  }

  double number(const std::string& entity, const std::string& what) {
    const Token& t = next(entity, what);
    double v = 0;
    const auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (ec != std::errc() || end != t.text.data() + t.text.size() || !std::isfinite(v))
      fail(entity, "expected " + what + " (a number), found '" + std::string(t.text) + "'", t.line);
    return v;
  }

  /// A count announcing `perItem` tokens or more each: refused when the file cannot hold that many,
  /// so that a wrong count fails here and not as a huge allocation.
  std::size_t count(const std::string& entity, const std::string& what, std::size_t perItem) {
    const int at = line();
    const long long n = integer(entity, what);
    if (n < 0) fail(entity, what + " must be >= 0, found " + std::to_string(n), at);
    if (static_cast<unsigned long long>(n) > remaining() / perItem)
      fail(entity, what + " is " + std::to_string(n) + " but the rest of the file holds only " +
                       std::to_string(remaining()) + " numbers",
           at);
    return static_cast<std::size_t>(n);
  }

 private:
  std::string m_file;
  std::string m_text;
  std::vector<Token> m_tokens;
  std::size_t m_pos = 0;
  int m_endLine = 1;
};

std::string readText(const std::filesystem::path& file, const ResourceLimits& limits, const char* what) {
  return readInputFile(file, limits.maxInputMb * 1'000'000, what,
                       "raise [limits] max_input_mb in the scenario if the file is right");
}

struct Intersection {
  std::string id;
  double lat = 0, lon = 0;
  bool signalised = false;
  int line = 0;
};

// One direction of a road segment.
struct Direction {
  std::string id;
  std::size_t from = 0, to = 0;  // intersection indices
  double lengthM = 0;
  double speedMps = 0;
  std::vector<std::array<bool, 3>> lanes;  // left, through, right per lane, inner lane first
  std::size_t reverse = 0;                 // the other direction of the segment
  int line = 0;
};

enum Turn : int { kLeft = 0, kThrough = 1, kRight = 2 };

TurnType turnType(int turn) { return turn == kLeft ? TurnType::Left : turn == kRight ? TurnType::Right : TurnType::Straight; }

}  // namespace

SignalTiming citybrainSignalTiming() {
  SignalTiming t;
  t.yellowS = 0;
  t.allRedS = 5;
  t.minGreenS = 5;
  return t;
}

RoadNetwork loadCitybrainRoadnet(const std::filesystem::path& file, const ResourceLimits& limits) {
  const std::string path = file.string();
  Tokens tk(path, readText(file, limits, "map file"));

  // Intersections.
  std::vector<Intersection> inters;
  std::unordered_map<std::string, std::size_t> interIndex;
  const std::size_t nInter = tk.count("roadnet", "the number of intersections", 4);
  inters.reserve(nInter);
  for (std::size_t i = 0; i < nInter; ++i) {
    const std::string entity = "intersection #" + std::to_string(i + 1);
    Intersection in;
    in.line = tk.line();
    in.lat = tk.number(entity, "the latitude");
    in.lon = tk.number(entity, "the longitude");
    in.id = std::to_string(tk.integer(entity, "the intersection id"));
    const long long sig = tk.integer(entity, "the signalised flag");
    if (sig != 0 && sig != 1) tk.fail("intersection " + in.id, "the signalised flag must be 0 or 1, found " + std::to_string(sig), in.line);
    in.signalised = sig == 1;
    if (std::abs(in.lat) > 90 || std::abs(in.lon) > 180)
      tk.fail("intersection " + in.id, "latitude must be within +-90 and longitude within +-180 degrees", in.line);
    if (!interIndex.emplace(in.id, inters.size()).second)
      tk.fail("intersection " + in.id, "duplicate intersection id", in.line);
    inters.push_back(std::move(in));
  }

  // Road segments: two directions each.
  std::vector<Direction> dirs;
  std::unordered_map<std::string, std::size_t> dirIndex;
  std::set<std::pair<std::size_t, std::size_t>> joined;
  const std::size_t nSeg = tk.count("roadnet", "the number of road segments", 8);
  dirs.reserve(2 * nSeg);
  for (std::size_t s = 0; s < nSeg; ++s) {
    const std::string entity = "road segment #" + std::to_string(s + 1);
    const int line = tk.line();
    const std::string fromId = std::to_string(tk.integer(entity, "the upstream intersection id"));
    const std::string toId = std::to_string(tk.integer(entity, "the downstream intersection id"));
    const double length = tk.number(entity, "the length in metres");
    const double speed = tk.number(entity, "the speed limit in m/s");
    const long long lanes1 = tk.integer(entity, "the lane count of direction 1");
    const long long lanes2 = tk.integer(entity, "the lane count of direction 2");
    const std::string id1 = std::to_string(tk.integer(entity, "the road id of direction 1"));
    const std::string id2 = std::to_string(tk.integer(entity, "the road id of direction 2"));
    const std::string named = "road segment " + id1 + "/" + id2;
    const auto from = interIndex.find(fromId);
    if (from == interIndex.end()) tk.fail(named, "upstream intersection " + inQuotes(fromId) + " is not an intersection of the map", line);
    const auto to = interIndex.find(toId);
    if (to == interIndex.end()) tk.fail(named, "downstream intersection " + inQuotes(toId) + " is not an intersection of the map", line);
    if (from->second == to->second) tk.fail(named, "starts and ends at the same intersection " + inQuotes(fromId), line);
    if (!(length > 0)) tk.fail(named, "length must be > 0 m", line);
    if (!(speed > 0)) tk.fail(named, "speed limit must be > 0 m/s", line);
    for (const long long n : {lanes1, lanes2})
      if (n < 1 || n > kMaxLanes)
        tk.fail(named, "lane counts must be between 1 and " + std::to_string(kMaxLanes) + ", found " + std::to_string(n), line);
    if (id1 == id2) tk.fail(named, "both directions have road id " + inQuotes(id1), line);
    const auto pair = std::minmax(from->second, to->second);
    if (!joined.insert(pair).second)
      tk.fail(named, "a second road segment between intersections " + inQuotes(fromId) + " and " + inQuotes(toId), line);
    const std::array<std::pair<std::string, long long>, 2> both{{{id1, lanes1}, {id2, lanes2}}};
    for (int d = 0; d < 2; ++d) {
      Direction dir;
      dir.id = both[d].first;
      dir.from = d == 0 ? from->second : to->second;
      dir.to = d == 0 ? to->second : from->second;
      dir.lengthM = length;
      dir.speedMps = speed;
      dir.reverse = dirs.size() + (d == 0 ? 1 : 0) - (d == 1 ? 1 : 0);
      dir.line = line;
      if (!dirIndex.emplace(dir.id, dirs.size()).second) tk.fail(named, "road id " + inQuotes(dir.id) + " is used twice", line);
      dirs.push_back(std::move(dir));
    }
    for (int d = 0; d < 2; ++d) {
      Direction& dir = dirs[dirs.size() - 2 + static_cast<std::size_t>(d)];
      const std::string laneEntity = "road " + dir.id;
      const int maskLine = tk.line();
      for (long long l = 0; l < both[d].second; ++l) {
        std::array<bool, 3> mask{};
        for (int b = 0; b < 3; ++b) {
          const long long v = tk.integer(laneEntity, "lane " + std::to_string(l) + "'s movement flags (0 or 1)");
          if (v != 0 && v != 1)
            tk.fail(laneEntity, "lane " + std::to_string(l) + ": movement flags must be 0 or 1, found " + std::to_string(v), maskLine);
          mask[static_cast<std::size_t>(b)] = v == 1;
        }
        dir.lanes.push_back(mask);
      }
    }
  }

  // Signal table: the exiting roads at the north, east, south and west approaches.
  std::vector<std::optional<std::array<std::optional<std::size_t>, 4>>> approaches(inters.size());
  std::vector<int> signalLine(inters.size(), 0);
  const std::size_t nSig = tk.count("roadnet", "the number of signalised intersections", 5);
  for (std::size_t s = 0; s < nSig; ++s) {
    const std::string entity = "signal #" + std::to_string(s + 1);
    const int line = tk.line();
    const std::string id = std::to_string(tk.integer(entity, "the intersection id"));
    const std::string named = "signal of intersection " + id;
    const auto in = interIndex.find(id);
    if (in == interIndex.end()) tk.fail(named, inQuotes(id) + " is not an intersection of the map", line);
    std::array<std::optional<std::size_t>, 4> a;
    static constexpr std::array<const char*, 4> kSide{"north", "east", "south", "west"};
    for (std::size_t k = 0; k < 4; ++k) {
      const long long road = tk.integer(named, std::string("the ") + kSide[k] + " approach's road id (or -1)");
      if (road == -1) continue;
      const auto d = dirIndex.find(std::to_string(road));
      if (d == dirIndex.end())
        tk.fail(named, std::string(kSide[k]) + " approach: road " + inQuotes(std::to_string(road)) + " is not a road of the map", line);
      if (dirs[d->second].from != in->second)
        tk.fail(named, std::string(kSide[k]) + " approach: road " + inQuotes(std::to_string(road)) +
                           " does not leave this intersection (the table lists exiting roads)",
                line);
      for (std::size_t j = 0; j < k; ++j)
        if (a[j] == d->second) tk.fail(named, "road " + inQuotes(std::to_string(road)) + " is listed at two approaches", line);
      a[k] = d->second;
    }
    if (approaches[in->second]) tk.fail(named, "the intersection has a second signal entry (the first is on line " + std::to_string(signalLine[in->second]) + ")", line);
    approaches[in->second] = a;
    signalLine[in->second] = line;
  }
  if (!tk.done()) tk.fail("roadnet", "unexpected text after the signal table: '" + std::string(tk.next("", "").text) + "'");

  // Positions: an equirectangular projection around the map's centre, in metres (x east, y north).
  double lat0 = 0, lon0 = 0;
  for (const Intersection& in : inters) {
    lat0 += in.lat;
    lon0 += in.lon;
  }
  if (!inters.empty()) {
    lat0 /= static_cast<double>(inters.size());
    lon0 /= static_cast<double>(inters.size());
  }
  constexpr double kEarthRadiusM = 6'371'000;
  const double degree = kEarthRadiusM * std::numbers::pi / 180;
  const double cosLat0 = std::cos(lat0 * std::numbers::pi / 180);
  std::vector<Vec2> pos;
  pos.reserve(inters.size());
  for (const Intersection& in : inters) pos.push_back({(in.lon - lon0) * cosLat0 * degree, (in.lat - lat0) * degree});

  // Junction boxes: wide enough for the widest road, never more than a quarter of the shortest
  // road at the junction (stated or drawn), so that every lane keeps half its length or more.
  std::vector<std::vector<std::size_t>> incoming(inters.size()), outgoing(inters.size());
  for (std::size_t d = 0; d < dirs.size(); ++d) {
    outgoing[dirs[d].from].push_back(d);
    incoming[dirs[d].to].push_back(d);
  }
  std::vector<double> width(inters.size(), 0);
  for (std::size_t i = 0; i < inters.size(); ++i) {
    if (outgoing[i].size() <= 1) continue;  // a boundary junction: no box
    double w = 0, shortest = 1e300;
    for (std::size_t d : outgoing[i]) {
      w = std::max(w, kLaneWidthM * static_cast<double>(std::max(dirs[d].lanes.size(), dirs[dirs[d].reverse].lanes.size())));
      const double drawn = std::hypot(pos[dirs[d].to].x - pos[i].x, pos[dirs[d].to].y - pos[i].y);
      shortest = std::min({shortest, dirs[d].lengthM, drawn});
    }
    width[i] = std::min(w, shortest / 4);
  }

  RoadNetworkBuilder b(path);
  for (std::size_t i = 0; i < inters.size(); ++i) {
    for (std::size_t d : outgoing[i]) {
      const double drawn = std::hypot(pos[dirs[d].to].x - pos[i].x, pos[dirs[d].to].y - pos[i].y);
      if (drawn < 0.01)
        tk.fail("road " + dirs[d].id, "its intersections " + inQuotes(inters[i].id) + " and " + inQuotes(inters[dirs[d].to].id) +
                                          " are at the same position",
                dirs[d].line);
    }
    b.addJunction(inters[i].id, pos[i], width[i], outgoing[i].size() <= 1);
  }
  std::vector<RoadId> roadOf(dirs.size());
  for (std::size_t d = 0; d < dirs.size(); ++d) {
    const Direction& dir = dirs[d];
    std::vector<RoadNetworkBuilder::LaneSpec> lanes(dir.lanes.size());
    for (auto& l : lanes) {
      l.widthM = kLaneWidthM;
      l.speedLimitMps = dir.speedMps;
    }
    roadOf[d] = b.addRoad(dir.id, JunctionId(dir.from), JunctionId(dir.to), {pos[dir.from], pos[dir.to]}, std::move(lanes));
    // The stated length is between intersection centres; the junction boxes at both ends take
    // their share, as the connectors through them do.
    b.setRoadLength(roadOf[d], dir.lengthM - width[dir.from] - width[dir.to]);
  }

  // Movements, and for signalised intersections the movement of each (approach, turn).
  std::size_t unlisted = 0;
  for (std::size_t i = 0; i < inters.size(); ++i) {
    if (outgoing[i].size() <= 1) continue;
    const auto& table = approaches[i];
    auto approachOf = [&](std::size_t exitingRoad) -> std::optional<int> {
      if (!table) return std::nullopt;
      for (int k = 0; k < 4; ++k)
        if ((*table)[static_cast<std::size_t>(k)] == exitingRoad) return k;
      return std::nullopt;
    };
    std::array<std::array<std::optional<MovementId>, 3>, 4> byApproach{};
    std::vector<MovementId> rights;
    for (std::size_t in : incoming[i]) {
      const std::optional<int> inSide = approachOf(dirs[in].reverse);
      const Vec2 a = pos[dirs[in].from];
      const Vec2 c = pos[i];
      for (std::size_t out : outgoing[i]) {
        if (out == dirs[in].reverse) continue;  // no U-turns
        const std::optional<int> outSide = approachOf(out);
        int turn = kThrough;
        if (inSide && outSide) {
          const int diff = (*outSide - *inSide + 4) % 4;
          turn = diff == 1 ? kLeft : diff == 3 ? kRight : kThrough;
        } else {
          if (table) ++unlisted;
          const Vec2 z = pos[dirs[out].to];
          const double hx = c.x - a.x, hy = c.y - a.y, ox = z.x - c.x, oy = z.y - c.y;
          const double angle = std::atan2(hx * oy - hy * ox, hx * ox + hy * oy) * 180 / std::numbers::pi;
          turn = std::abs(angle) <= 45 ? kThrough : angle > 0 ? kLeft : kRight;
        }
        const std::size_t nOut = dirs[out].lanes.size();
        std::vector<RoadNetworkBuilder::ConnectorSpec> connectors;
        for (std::size_t l = 0; l < dirs[in].lanes.size(); ++l) {
          if (!dirs[in].lanes[l][static_cast<std::size_t>(turn)]) continue;
          RoadNetworkBuilder::ConnectorSpec spec;
          spec.fromLane = static_cast<int>(l);
          spec.toLane = static_cast<int>(turn == kLeft ? 0 : turn == kRight ? nOut - 1 : std::min(l, nOut - 1));
          connectors.push_back(spec);
        }
        if (connectors.empty()) continue;  // no lane permits this turn
        const MovementId m = b.addMovement(roadOf[in], roadOf[out], turnType(turn), std::move(connectors));
        if (turn == kRight) rights.push_back(m);
        if (inSide && outSide) byApproach[static_cast<std::size_t>(*inSide)][static_cast<std::size_t>(turn)] = m;
      }
    }
    if (!table) continue;

    // The challenge's phases 1 to 8, each with every right turn.
    static constexpr std::array<std::array<std::pair<int, int>, 2>, 8> kPhases{{
        {{{0, kLeft}, {2, kLeft}}},
        {{{0, kThrough}, {2, kThrough}}},
        {{{1, kLeft}, {3, kLeft}}},
        {{{1, kThrough}, {3, kThrough}}},
        {{{0, kLeft}, {0, kThrough}}},
        {{{1, kLeft}, {1, kThrough}}},
        {{{2, kLeft}, {2, kThrough}}},
        {{{3, kLeft}, {3, kThrough}}},
    }};
    SignalProgram program;
    for (const auto& def : kPhases) {
      SignalPhase phase;
      phase.durationS = kFixedGreenS;
      for (const auto& [side, turn] : def)
        if (const auto& m = byApproach[static_cast<std::size_t>(side)][static_cast<std::size_t>(turn)]) phase.green.push_back(*m);
      phase.green.insert(phase.green.end(), rights.begin(), rights.end());
      if (!phase.green.empty()) program.phases.push_back(std::move(phase));
    }
    if (!program.phases.empty()) b.setSignalProgram(JunctionId(i), std::move(program));
  }
  if (unlisted > 0)
    simLog().warn("{}: {} movements at signalised intersections involve a road missing from the signal table; they "
                  "were classified by angle and are never green",
                  path, unlisted);
  std::size_t flaggedWithout = 0;
  for (std::size_t i = 0; i < inters.size(); ++i) flaggedWithout += inters[i].signalised && !approaches[i] ? 1 : 0;
  if (flaggedWithout > 0)
    simLog().warn("{}: {} intersections are flagged signalised but have no signal table entry; they run unsignalised",
                  path, flaggedWithout);

  return b.build();
}

void loadCitybrainFlows(const std::filesystem::path& file, const RoadNetwork& net, std::vector<VehicleType>& types,
                        Demand& demand, const ResourceLimits& limits) {
  const std::string path = file.string();
  Tokens tk(path, readText(file, limits, "flow file"));

  // One vehicle type; its top speed is the map's highest speed limit, so that vehicles drive at
  // the limit on every road (the challenge's free-flow times are length / speed limit).
  VehicleTypeId typeId;
  for (std::size_t t = 0; t < types.size(); ++t)
    if (types[t].name == "citybrain") typeId = VehicleTypeId(t);
  if (!typeId.valid()) {
    VehicleType type;
    type.name = "citybrain";
    for (const Lane& lane : net.lanes()) type.maxSpeedMps = std::max(type.maxSpeedMps, lane.speedLimitMps);
    typeId = VehicleTypeId(types.size());
    types.push_back(type);
  }

  std::map<std::vector<std::uint32_t>, RouteId> routeIds;
  std::vector<RoadId> route;
  std::vector<std::uint32_t> key;
  const std::size_t n = tk.count("flow file", "the number of flows", 5);
  for (std::size_t k = 0; k < n; ++k) {
    const std::string entity = "flow " + std::to_string(k);
    const int line = tk.line();
    const double start = tk.number(entity, "the start time");
    const double end = tk.number(entity, "the end time");
    const double interval = tk.number(entity, "the vehicle interval");
    const int countLine = tk.line();
    const long long roads = tk.integer(entity, "the number of roads of the route");
    if (start < 0) tk.fail(entity, "the start time must be >= 0 s", line);
    if (end < start) tk.fail(entity, "the end time must be >= the start time", line);
    if (!(interval > 0)) tk.fail(entity, "the vehicle interval must be > 0 s", line);
    if (roads < 1) tk.fail(entity, "the route must have at least one road", countLine);
    if (static_cast<unsigned long long>(roads) > kMaxRouteRoads)
      tk.fail(entity, routeTooLongReason(static_cast<std::size_t>(roads)), countLine);
    if (static_cast<unsigned long long>(roads) > tk.remaining())
      tk.fail(entity, "the route is said to have " + std::to_string(roads) + " roads but the file ends before", countLine);
    route.clear();
    const int routeLine = tk.line();
    for (long long r = 0; r < roads; ++r) {
      const std::string name = std::to_string(tk.integer(entity, "road " + std::to_string(r) + " of the route"));
      const auto id = net.findRoad(name);
      if (!id) tk.fail(entity, "route names road " + inQuotes(name) + ", which is not in the map", routeLine);
      route.push_back(*id);
    }
    if (auto gap = firstDisconnected(net, route))
      tk.fail(entity,
              "roads " + inQuotes(net.road(route[*gap - 1]).name) + " and " + inQuotes(net.road(route[*gap]).name) +
                  " are not joined: they do not meet, or no lane of the first permits that turn (the map has no U-turns)",
              routeLine);
    key.assign(route.size(), 0);
    for (std::size_t i = 0; i < route.size(); ++i) key[i] = route[i].value;
    auto [it, inserted] = routeIds.try_emplace(key, RouteId{});
    if (inserted) it->second = demand.routes.add(route);

    // Departures at start, start + interval, ... before end.
    const double count = end > start ? std::ceil((end - start) / interval - 1e-9) : 0;
    if (count > kMaxVehiclesPerFlow)
      tk.fail(entity, "would create more than " + std::to_string(static_cast<long long>(kMaxVehiclesPerFlow)) + " vehicles", line);
    if (static_cast<double>(demand.trips.size()) + count > static_cast<double>(limits.maxTrips))
      tk.fail(entity, "its " + std::to_string(static_cast<long long>(count)) + " vehicles would take the scenario past " +
                          std::to_string(limits.maxTrips) +
                          " trips (limits.max_trips); raise it with [limits] max_trips in the scenario if the machine "
                          "has the memory (about 260 bytes per trip)",
              line);
    const std::string prefix = "flow_" + std::to_string(k) + "_";
    for (std::size_t v = 0; v < static_cast<std::size_t>(count); ++v)
      demand.trips.push_back({prefix + std::to_string(v), typeId, start + static_cast<double>(v) * interval, it->second});
  }
  if (!tk.done()) tk.fail("flow file", "unexpected text after flow " + std::to_string(n - 1) + ": '" + std::string(tk.next("", "").text) + "'");
  demand.sortByDeparture();
}

bool isCitybrainConfig(const std::filesystem::path& file) { return file.extension() == ".cfg"; }

CitybrainConfig readCitybrainConfig(const std::filesystem::path& file) {
  const std::string path = file.string();
  const std::string text = readInputFile(file, 1'000'000, "challenge configuration", "");
  CitybrainConfig cfg;
  std::optional<std::string> road, vehicle;
  std::optional<double> start, end;
  std::istringstream in(text);
  std::string raw;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    std::string s = raw.substr(0, raw.find('#'));
    const std::size_t sep = s.find_first_of(":=");
    auto trim = [](std::string v) {
      const auto b = v.find_first_not_of(" \t\r");
      const auto e = v.find_last_not_of(" \t\r");
      return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
    };
    if (trim(s).empty()) continue;
    if (sep == std::string::npos) throw LoadError(path, "", "expected 'key : value' or 'key = value', found '" + trim(s) + "'", line);
    const std::string k = trim(s.substr(0, sep));
    const std::string v = trim(s.substr(sep + 1));
    auto seconds = [&](const std::string& what) {
      double d = 0;
      const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
      if (ec != std::errc() || p != v.data() + v.size() || !std::isfinite(d) || d < 0)
        throw LoadError(path, k, what + " must be a number of seconds >= 0, found '" + v + "'", line);
      return d;
    };
    if (k == "road_file_addr") road = v;
    else if (k == "vehicle_file_addr") vehicle = v;
    else if (k == "start_time_epoch") start = seconds("the start time");
    else if (k == "max_time_epoch") end = seconds("the end time");
    // report_log_* and warning_stop_time_log configure the challenge's logs, which trafficsim does
    // not write (its outputs are chosen on the command line).
  }
  if (!road) throw LoadError(path, "road_file_addr", "missing: the configuration must name the road network");
  if (!vehicle) throw LoadError(path, "vehicle_file_addr", "missing: the configuration must name the flow file");
  cfg.startS = start.value_or(0);
  cfg.endS = end.value_or(3600);
  if (cfg.startS != 0)
    throw LoadError(path, "start_time_epoch",
                    "only 0 is supported (the flow files' times count from the start of the run); found " + std::to_string(cfg.startS));
  if (!(cfg.endS > cfg.startS)) throw LoadError(path, "max_time_epoch", "must be after start_time_epoch");
  auto locate = [&](const std::string& written) {
    std::filesystem::path p(written);
    if (p.is_relative()) p = file.parent_path() / p;
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) return p.lexically_normal();
    const std::filesystem::path beside = file.parent_path() / std::filesystem::path(written).filename();
    if (std::filesystem::exists(beside, ec)) return beside.lexically_normal();
    return p.lexically_normal();  // the scenario loader reports it as missing
  };
  cfg.roadnetFile = locate(*road);
  cfg.flowFile = locate(*vehicle);
  return cfg;
}

}  // namespace traffic
