// Synthetic grid cities for benchmarks and tests at any size.
//
// Geometry: junction j_<r>_<c> sits at (c * block, r * block), so row numbers grow to the north
// (+y) and columns to the east (+x). Every signalised junction has four legs; where a leg would
// leave the grid it ends at a boundary junction one block further out, as in the CityFlow grid
// benchmarks, so that traffic can enter and leave on every edge.
#include "traffic/grid.h"

#include <array>
#include <cmath>
#include <string>

#include "traffic/errors.h"

namespace traffic {
namespace {

// Headings, counter-clockwise: a turn from heading h to heading (h + 1) % 4 is a left turn.
enum Heading : int { East = 0, North = 1, West = 2, South = 3 };
constexpr std::array<int, 4> kRowStep{0, 1, 0, -1};
constexpr std::array<int, 4> kColStep{1, 0, -1, 0};

// Beyond this a grid would take gigabytes; far larger than any benchmark needs.
constexpr int kMaxSide = 1000;
// Room at the corners of a junction box beyond the crossing road's lanes, for turning curves.
constexpr double kBoxMarginM = 3.0;

std::string junctionName(int r, int c) { return "j_" + std::to_string(r) + "_" + std::to_string(c); }

void check(bool ok, const std::string& reason) {
  if (!ok) throw LoadError("grid", "", reason);
}

}  // namespace

RoadNetwork generateGrid(const GridSpec& spec) {
  check(spec.rows >= 1 && spec.rows <= kMaxSide, "rows must be between 1 and " + std::to_string(kMaxSide));
  check(spec.columns >= 1 && spec.columns <= kMaxSide, "columns must be between 1 and " + std::to_string(kMaxSide));
  check(spec.lanesPerDirection >= 1 && spec.lanesPerDirection <= 16, "lanes per direction must be between 1 and 16");
  check(std::isfinite(spec.laneWidthM) && spec.laneWidthM > 0, "lane width must be > 0 m");
  check(std::isfinite(spec.speedLimitMps) && spec.speedLimitMps > 0, "speed limit must be > 0 m/s");
  check(std::isfinite(spec.greenS) && spec.greenS > 0, "green time must be > 0 s");

  const int lanes = spec.lanesPerDirection + (spec.leftTurnLane ? 1 : 0);
  // The box must hold the crossing road's lanes of one direction on each side of the centre.
  const double boxM = lanes * spec.laneWidthM + kBoxMarginM;
  check(std::isfinite(spec.blockLengthM) && spec.blockLengthM > 2 * boxM,
        "block length must be more than twice the junction width (" + std::to_string(2 * boxM) + " m)");

  const int rows = spec.rows;
  const int cols = spec.columns;
  RoadNetworkBuilder b("grid");

  // Junction ids: signalised ones first (row-major), then the boundary ring.
  std::vector<JunctionId> inner(static_cast<std::size_t>(rows) * cols);
  auto innerAt = [&](int r, int c) -> JunctionId& { return inner[static_cast<std::size_t>(r) * cols + c]; };
  auto position = [&](int r, int c) { return Vec2{c * spec.blockLengthM, r * spec.blockLengthM}; };
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) innerAt(r, c) = b.addJunction(junctionName(r, c), position(r, c), boxM, false);

  // The boundary junction beyond (r, c) in heading h, created on first use.
  std::vector<JunctionId> boundary(static_cast<std::size_t>(2 * (rows + cols)));
  auto boundarySlot = [&](int r, int c, int h) -> JunctionId& {
    switch (h) {
      case East: return boundary[static_cast<std::size_t>(r)];
      case West: return boundary[static_cast<std::size_t>(rows + r)];
      case North: return boundary[static_cast<std::size_t>(2 * rows + c)];
      default: return boundary[static_cast<std::size_t>(2 * rows + cols + c)];
    }
  };

  const std::vector<RoadNetworkBuilder::LaneSpec> laneSpecs(
      static_cast<std::size_t>(lanes), RoadNetworkBuilder::LaneSpec{spec.laneWidthM, spec.speedLimitMps, ClassMask::all(), {}});
  auto addRoad = [&](JunctionId from, JunctionId to, Vec2 a, Vec2 z, const std::string& fromName,
                     const std::string& toName) {
    return b.addRoad("road_" + fromName + "_" + toName, from, to, {a, z}, laneSpecs);
  };

  // Roads. in[j][h]: the road arriving at inner junction j from its neighbour in heading h;
  // out[j][h]: the road leaving j towards heading h.
  std::vector<std::array<RoadId, 4>> in(inner.size()), out(inner.size());
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const std::size_t j = static_cast<std::size_t>(r) * cols + c;
      for (int h = 0; h < 4; ++h) {
        const int nr = r + kRowStep[h];
        const int nc = c + kColStep[h];
        const bool outside = nr < 0 || nr >= rows || nc < 0 || nc >= cols;
        if (!outside) {
          // Each inner junction adds its outgoing road; the neighbour adds the opposite one.
          const std::size_t k = static_cast<std::size_t>(nr) * cols + nc;
          out[j][h] = addRoad(inner[j], inner[k], position(r, c), position(nr, nc), junctionName(r, c),
                              junctionName(nr, nc));
          in[k][(h + 2) % 4] = out[j][h];
          continue;
        }
        JunctionId& edge = boundarySlot(r, c, h);
        edge = b.addJunction(junctionName(nr, nc), position(nr, nc), 0.0, true);
        out[j][h] = addRoad(inner[j], edge, position(r, c), position(nr, nc), junctionName(r, c), junctionName(nr, nc));
        in[j][h] = addRoad(edge, inner[j], position(nr, nc), position(r, c), junctionName(nr, nc), junctionName(r, c));
      }
    }
  }

  // Lane use: with a left-turn lane, lane 0 turns left only and lanes 1.. go straight; without,
  // lane 0 serves both. The kerb lane also turns right.
  const int firstThrough = spec.leftTurnLane ? 1 : 0;
  const int kerb = lanes - 1;
  for (std::size_t j = 0; j < inner.size(); ++j) {
    // Movement ids by approach (heading the vehicle comes from) and turn, for the signal program.
    std::array<std::array<MovementId, 3>, 4> byApproach{};  // [from heading][0 straight, 1 left, 2 right]
    for (int from = 0; from < 4; ++from) {
      const int travel = (from + 2) % 4;  // coming from the east means travelling west
      const RoadId inRoad = in[j][from];
      const RoadId straightRoad = out[j][travel];
      const RoadId leftRoad = out[j][(travel + 1) % 4];
      const RoadId rightRoad = out[j][(travel + 3) % 4];

      std::vector<RoadNetworkBuilder::ConnectorSpec> through;
      for (int lane = firstThrough; lane < lanes; ++lane) through.push_back({lane, lane, {}});
      byApproach[from][0] = b.addMovement(inRoad, straightRoad, TurnType::Straight, std::move(through));
      byApproach[from][1] = b.addMovement(inRoad, leftRoad, TurnType::Left, {{0, 0, {}}});
      byApproach[from][2] = b.addMovement(inRoad, rightRoad, TurnType::Right, {{kerb, kerb, {}}});
    }

    SignalProgram program;
    auto phase = [&](std::initializer_list<int> approaches, std::initializer_list<int> turns) {
      SignalPhase p;
      p.durationS = spec.greenS;
      for (int a : approaches)
        for (int t : turns) p.green.push_back(byApproach[a][t]);
      program.phases.push_back(std::move(p));
    };
    if (spec.protectedLefts) {
      phase({North, South}, {0, 2});
      phase({North, South}, {1});
      phase({East, West}, {0, 2});
      phase({East, West}, {1});
    } else {
      phase({North, South}, {0, 2, 1});
      phase({East, West}, {0, 2, 1});
    }
    b.setSignalProgram(inner[j], std::move(program));
  }

  return b.build();
}

}  // namespace traffic
