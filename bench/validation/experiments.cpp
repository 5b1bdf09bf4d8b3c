// The validation experiments (experiments.h): the networks, the runs and the measurements.
#include "validation/experiments.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numbers>
#include <string>

#include "traffic/car_following.h"
#include "traffic/demand.h"
#include "traffic/road_network.h"
#include "traffic/scenario.h"
#include "traffic/snapshot.h"
#include "traffic/world.h"

namespace traffic::validation {
namespace {

std::vector<RoadNetworkBuilder::LaneSpec> oneLane(double speedLimitMps) {
  return {RoadNetworkBuilder::LaneSpec{.widthM = 3.5, .speedLimitMps = speedLimitMps, .allowed = ClassMask::all(), .shape = {}, .mapIndex = -1}};
}

Scenario scenarioOn(std::shared_ptr<const RoadNetwork> net, const VehicleType& t, double stepS) {
  Scenario sc;
  sc.name = "validation";
  sc.sourceFile = "validation";
  sc.mapDescription = "validation network";
  sc.network = std::move(net);
  sc.vehicleTypes.push_back(t);
  sc.vehicleTypes.back().name = "validated";
  sc.stepS = stepS;
  sc.laneChanging = false;
  sc.gridlockAction = GridlockAction::Wait;
  return sc;
}

void addTrip(Scenario& sc, const std::string& id, double departS, const std::vector<RoadId>& route) {
  sc.demand.trips.push_back({id, VehicleTypeId(0), departS, sc.demand.routes.add(route)});
}

}  // namespace

DischargeResult measureDischarge(const VehicleType& t, double speedLimitMps, double stepS, int queued) {
  // West to east through one signalised junction; a north-south approach only to have a second
  // phase. The west approach is red for the first `redS`, long enough for the whole queue to form.
  constexpr double kApproachM = 1000, kExitM = 400, kBoxM = 10;
  const double redS = 150 + 3.0 * queued;
  RoadNetworkBuilder b("validation:discharge");
  const JunctionId c = b.addJunction("c", {0, 0}, kBoxM, false);
  const JunctionId w = b.addJunction("w", {-kApproachM - kBoxM, 0}, 0, true);
  const JunctionId e = b.addJunction("e", {kExitM + kBoxM, 0}, 0, true);
  const JunctionId n = b.addJunction("n", {0, 200}, 0, true);
  const JunctionId s = b.addJunction("s", {0, -200}, 0, true);
  const RoadId wIn = b.addRoad("w_in", w, c, {{-kApproachM - kBoxM, 0}, {0, 0}}, oneLane(speedLimitMps));
  const RoadId eOut = b.addRoad("e_out", c, e, {{0, 0}, {kExitM + kBoxM, 0}}, oneLane(speedLimitMps));
  const RoadId nIn = b.addRoad("n_in", n, c, {{0, 200}, {0, 0}}, oneLane(speedLimitMps));
  const RoadId sOut = b.addRoad("s_out", c, s, {{0, 0}, {0, -200}}, oneLane(speedLimitMps));
  const MovementId through = b.addMovement(wIn, eOut, TurnType::Straight, {{0, 0, {}}});
  const MovementId other = b.addMovement(nIn, sOut, TurnType::Straight, {{0, 0, {}}});
  SignalProgram program;
  program.phases = {SignalPhase{redS, {other}, {}}, SignalPhase{redS, {through}, {}}};
  b.setSignalProgram(c, std::move(program));
  auto net = std::make_shared<const RoadNetwork>(b.build());

  Scenario sc = scenarioOn(net, t, stepS);
  sc.signalPolicy = PolicySpec{"fixed_time", {{"green_s", redS}}};
  sc.signalTiming = SignalTiming{0, 0, 1};  // the light turns green at once: nothing but the queue
  sc.durationS = redS * 2;
  for (int i = 0; i < queued; ++i) addTrip(sc, "q" + std::to_string(i), 2.0 * i, {wIn, eOut});
  sc.demand.sortByDeparture();

  World world(sc, WorldOptions{1});
  const LaneId approach = net->road(wIn).lanes[0];
  const double laneM = net->lane(approach).lengthM;
  struct Last {
    double beforeLineM;  // distance to the line at the end of the previous step (negative: past it)
  };
  std::map<std::uint32_t, Last> last;
  DischargeResult r;
  double greenS = -1;
  while (!world.finished()) {
    const double startS = world.timeS();
    world.step();
    const WorldSnapshot snap = world.snapshot();
    if (greenS < 0 && world.movementState(through) == SignalState::GreenProtected) {
      greenS = startS;
      // The queue as it stood when the light turned green (the previous step's positions).
      for (const auto& [id, l] : last)
        if (l.beforeLineM >= 0) ++r.queued;
      double front = kApproachM;
      for (const auto& [id, l] : last)
        if (l.beforeLineM >= 0) front = std::min(front, l.beforeLineM);
      r.queueLeaderGapToLineM = front;
    }
    for (const VehicleView& v : snap.vehicles) {
      double before;  // distance still to go to the stop line; negative once past it
      if (!v.onConnector && v.lane == approach) before = laneM - v.positionM;
      else if (v.onConnector) before = -v.positionM;
      else before = -(net->connector(net->movement(through).connectors[0]).lengthM + v.positionM);
      auto it = last.find(v.id.value);
      if (it != last.end() && it->second.beforeLineM >= 0 && before < 0 && greenS >= 0) {
        const double fraction = it->second.beforeLineM / (it->second.beforeLineM - before);
        r.crossingS.push_back(startS + fraction * stepS - greenS);
      }
      last[v.id.value] = {before};
    }
  }
  std::sort(r.crossingS.begin(), r.crossingS.end());
  const std::size_t count = std::min(r.crossingS.size(), static_cast<std::size_t>(r.queued));
  r.crossingS.resize(count);
  if (count > 5) {
    r.saturationHeadwayS = (r.crossingS[count - 1] - r.crossingS[3]) / static_cast<double>(count - 4);
    r.saturationFlowVehPerH = 3600.0 / r.saturationHeadwayS;
    // The first four headways (the first from the start of green) less four saturation headways.
    r.startUpLostTimeS = r.crossingS[3] - 4.0 * r.saturationHeadwayS;
  }
  return r;
}

RingPoint measureRing(const VehicleType& t, double ringM, int vehicles, double speedLimitMps, double stepS,
                      double warmupS, double measureS) {
  // Four quarter circles joined end to start through junctions of no width, so that nothing but
  // the model limits the speed. Filling a moving ring at high density is slow (a vehicle enters
  // only where the stream leaves it a gap), so the ring is filled standing: a light at the first
  // junction is red while the vehicles enter behind it, then green for the rest of the run (a side
  // road through that junction, which nobody uses, gives the light its other phase).
  constexpr int kQuarters = 4;
  constexpr int kSegmentsPerQuarter = 16;
  const double radius = ringM / (2 * std::numbers::pi);
  auto at = [&](double angle) { return Vec2{radius * std::cos(angle), radius * std::sin(angle)}; };
  RoadNetworkBuilder b("validation:ring");
  std::vector<JunctionId> junctions;
  for (int q = 0; q < kQuarters; ++q)
    junctions.push_back(b.addJunction("j" + std::to_string(q), at(q * std::numbers::pi / 2), 0, false));
  std::vector<RoadId> roads;
  for (int q = 0; q < kQuarters; ++q) {
    std::vector<Vec2> points;
    for (int k = 0; k <= kSegmentsPerQuarter; ++k)
      points.push_back(at((q + static_cast<double>(k) / kSegmentsPerQuarter) * std::numbers::pi / 2));
    roads.push_back(b.addRoad("q" + std::to_string(q), junctions[static_cast<std::size_t>(q)],
                              junctions[static_cast<std::size_t>((q + 1) % kQuarters)], std::move(points),
                              oneLane(speedLimitMps)));
  }
  std::vector<MovementId> ring;
  for (int q = 0; q < kQuarters; ++q)
    ring.push_back(b.addMovement(roads[static_cast<std::size_t>(q)], roads[static_cast<std::size_t>((q + 1) % kQuarters)],
                                 TurnType::Straight, {{0, 0, {}}}));
  const Vec2 j0 = at(0);
  const JunctionId sideFrom = b.addJunction("side_from", j0 + Vec2{100, 0}, 0, true);
  const JunctionId sideTo = b.addJunction("side_to", j0 - Vec2{100, 0}, 0, true);
  const RoadId sideIn = b.addRoad("side_in", sideFrom, junctions[0], {j0 + Vec2{100, 0}, j0}, oneLane(speedLimitMps));
  const RoadId sideOut = b.addRoad("side_out", junctions[0], sideTo, {j0, j0 - Vec2{100, 0}}, oneLane(speedLimitMps));
  const MovementId side = b.addMovement(sideIn, sideOut, TurnType::Straight, {{0, 0, {}}});
  const double fillS = 2 * warmupS;
  SignalProgram program;
  program.phases = {SignalPhase{fillS, {side}, {}}, SignalPhase{1e9, {ring.back()}, {}}};
  b.setSignalProgram(junctions[0], std::move(program));
  auto net = std::make_shared<const RoadNetwork>(b.build());
  double lengthM = 0;
  for (const RoadId r : roads) lengthM += net->lane(net->road(r).lanes[0]).lengthM;
  for (const MovementId m : ring) lengthM += net->connector(net->movement(m).connectors[0]).lengthM;

  Scenario sc = scenarioOn(net, t, stepS);
  sc.signalPolicy = PolicySpec{"fixed_time", {}};  // the program's own durations
  sc.signalTiming = SignalTiming{0, 0, 1};
  // Routes long enough never to end within the run, even at the desired speed.
  const double totalS = 3 * warmupS + measureS;  // filling, settling, measuring
  const int laps = static_cast<int>(std::ceil(totalS * speedLimitMps / lengthM)) + 2;
  for (int i = 0; i < vehicles; ++i) {
    std::vector<RoadId> route;
    for (int k = 0; k < laps * kQuarters; ++k) route.push_back(roads[static_cast<std::size_t>(k % kQuarters)]);
    addTrip(sc, "v" + std::to_string(i), 0.0, route);
  }
  sc.demand.sortByDeparture();
  sc.durationS = totalS;
  World world(sc, WorldOptions{1});
  // Fill behind the red light, then warm up, then measure.
  auto filling = [&] {
    const VehicleCounts c = world.counts();
    return c.spawned < static_cast<std::uint64_t>(vehicles) || c.waitingToEnter > 0;
  };
  while (!world.finished() && world.timeS() < fillS) world.step();
  const bool filled = !filling();
  const double measureFromS = world.timeS() + warmupS;
  double speedSum = 0;
  std::uint64_t samples = 0;
  while (!world.finished() && world.timeS() < measureFromS + measureS) {
    world.step();
    if (world.timeS() <= measureFromS) continue;
    for (const VehicleView& v : world.snapshot().vehicles) speedSum += v.speedMps;
    samples += 1;
  }
  RingPoint p;
  p.vehicles = vehicles;
  p.filled = filled && samples > 0;
  p.densityVehPerKm = 1000.0 * vehicles / lengthM;
  p.speedMps = samples > 0 ? speedSum / (static_cast<double>(samples) * vehicles) : 0.0;
  p.flowVehPerH = p.densityVehPerKm * p.speedMps * 3.6;
  return p;
}

double equilibriumGapM(const VehicleType& t, double v0Mps, double speedMps, double stepS) {
  switch (t.carFollowing) {
    case CarFollowingModel::Idm:
    case CarFollowingModel::Cacc:
      return idmEquilibriumGap(t, v0Mps, speedMps);
    case CarFollowingModel::Iidm:
    case CarFollowingModel::Krauss:
      return t.minGapM + speedMps * t.headwayS;
    case CarFollowingModel::Cityflow:
      return std::max(speedMps * t.headwayS, t.minGapM + speedMps * stepS);
  }
  return idmEquilibriumGap(t, v0Mps, speedMps);
}

double equilibriumFlowVehPerH(const VehicleType& t, double v0Mps, double densityVehPerKm, double stepS) {
  const double gap = 1000.0 / densityVehPerKm - t.lengthM;
  if (gap <= equilibriumGapM(t, v0Mps, 0.0, stepS)) return 0.0;
  double lo = 0, hi = v0Mps;
  if (equilibriumGapM(t, v0Mps, v0Mps, stepS) <= gap) {
    lo = v0Mps;
  } else {
    // The equilibrium gap grows with speed: bisect for the speed whose gap is this one.
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      (equilibriumGapM(t, v0Mps, mid, stepS) <= gap ? lo : hi) = mid;
    }
  }
  return densityVehPerKm * lo * 3.6;
}

}  // namespace traffic::validation
