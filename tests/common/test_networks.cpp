#include "common/test_networks.h"

#include <array>

#include "traffic/demand.h"
#include "traffic/errors.h"

namespace traffic::testing {
namespace {

std::vector<RoadNetworkBuilder::LaneSpec> laneSpecs(int lanes, double speedLimitMps) {
  return std::vector<RoadNetworkBuilder::LaneSpec>(static_cast<std::size_t>(lanes),
                                                   RoadNetworkBuilder::LaneSpec{3.5, speedLimitMps, ClassMask::all(), {}});
}

}  // namespace

RoadNetwork straightRoad(double lengthM, int lanes, double speedLimitMps) {
  RoadNetworkBuilder b("test:straightRoad");
  const JunctionId a = b.addJunction("a", {0, 0}, 0, true);
  const JunctionId z = b.addJunction("b", {lengthM, 0}, 0, true);
  b.addRoad("road", a, z, {{0, 0}, {lengthM, 0}}, laneSpecs(lanes, speedLimitMps));
  return b.build();
}

RoadNetwork corridor(int roads, double lengthM, int lanes, double speedLimitMps) {
  return corridor(std::vector<double>(static_cast<std::size_t>(roads), speedLimitMps), lengthM, lanes);
}

RoadNetwork corridor(const std::vector<double>& speedLimitsMps, double lengthM, int lanes) {
  const int roads = static_cast<int>(speedLimitsMps.size());
  RoadNetworkBuilder b("test:corridor");
  std::vector<JunctionId> junctions;
  for (int i = 0; i <= roads; ++i)
    junctions.push_back(b.addJunction("j" + std::to_string(i), {i * lengthM, 0}, 0, i == 0 || i == roads));
  std::vector<RoadId> ids;
  for (int i = 0; i < roads; ++i)
    ids.push_back(b.addRoad("r" + std::to_string(i), junctions[static_cast<std::size_t>(i)],
                            junctions[static_cast<std::size_t>(i) + 1], {{i * lengthM, 0}, {(i + 1) * lengthM, 0}},
                            laneSpecs(lanes, speedLimitsMps[static_cast<std::size_t>(i)])));
  for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
    std::vector<RoadNetworkBuilder::ConnectorSpec> connectors;
    for (int l = 0; l < lanes; ++l) connectors.push_back({l, l, {}});
    b.addMovement(ids[i], ids[i + 1], TurnType::Straight, std::move(connectors));
  }
  return b.build();
}

RoadNetwork crossJunction(double approachLengthM, int lanesPerApproach, bool signalised) {
  constexpr double kBoxM = 15;
  const double far = approachLengthM + kBoxM;
  RoadNetworkBuilder b("test:crossJunction");
  const JunctionId centre = b.addJunction("c", {0, 0}, kBoxM, false);

  // Legs counter-clockwise from east, so that leg (k + 1) % 4 is to the left of leg k's direction.
  const std::array<const char*, 4> names{"e", "n", "w", "s"};
  const std::array<Vec2, 4> unit{Vec2{1, 0}, Vec2{0, 1}, Vec2{-1, 0}, Vec2{0, -1}};
  std::array<RoadId, 4> in{}, out{};
  for (std::size_t k = 0; k < 4; ++k) {
    const Vec2 end = unit[k] * far;
    const JunctionId leg = b.addJunction(names[k], end, 0, true);
    in[k] = b.addRoad(std::string(names[k]) + "_in", leg, centre, {end, {0, 0}}, laneSpecs(lanesPerApproach, 13.89));
    out[k] = b.addRoad(std::string(names[k]) + "_out", centre, leg, {{0, 0}, end}, laneSpecs(lanesPerApproach, 13.89));
  }

  const int kerb = lanesPerApproach - 1;
  std::array<std::vector<MovementId>, 4> fromLeg;
  for (std::size_t k = 0; k < 4; ++k) {
    // Arriving from leg k means travelling towards leg k + 2; its left is leg k + 3, its right k + 1.
    std::vector<RoadNetworkBuilder::ConnectorSpec> straight;
    for (int l = 0; l < lanesPerApproach; ++l) straight.push_back({l, l, {}});
    fromLeg[k].push_back(b.addMovement(in[k], out[(k + 2) % 4], TurnType::Straight, std::move(straight)));
    fromLeg[k].push_back(b.addMovement(in[k], out[(k + 3) % 4], TurnType::Left, {{0, 0, {}}}));
    fromLeg[k].push_back(b.addMovement(in[k], out[(k + 1) % 4], TurnType::Right, {{kerb, kerb, {}}}));
  }

  if (signalised) {
    SignalProgram program;
    SignalPhase northSouth{30, {}, {}};
    SignalPhase eastWest{30, {}, {}};
    for (std::size_t k = 0; k < 4; ++k) {
      auto& green = (k % 2 == 1) ? northSouth.green : eastWest.green;
      green.insert(green.end(), fromLeg[k].begin(), fromLeg[k].end());
    }
    program.phases = {northSouth, eastWest};
    b.setSignalProgram(centre, std::move(program));
  }
  return b.build();
}

Scenario makeScenario(std::shared_ptr<const RoadNetwork> network,
                      std::vector<std::tuple<double, std::vector<std::string>>> trips, VehicleType type) {
  Scenario s;
  s.name = "test";
  s.sourceFile = "test";
  s.mapDescription = "test network";
  s.vehicleTypes.push_back(std::move(type));
  for (std::size_t i = 0; i < trips.size(); ++i) {
    const auto& [departS, names] = trips[i];
    const std::string tripId = "t" + std::to_string(i);
    std::vector<RoadId> route;
    for (const std::string& name : names) {
      auto road = network->findRoad(name);
      if (!road) throw LoadError("test", "trip '" + tripId + "'", "unknown road '" + name + "'");
      route.push_back(*road);
    }
    if (route.empty()) throw LoadError("test", "trip '" + tripId + "'", "empty route");
    if (auto gap = firstDisconnected(*network, route); gap && *gap > 0)
      throw LoadError("test", "trip '" + tripId + "'", "road '" + names[*gap] + "' does not follow '" + names[*gap - 1] + "'");
    s.demand.trips.push_back({tripId, VehicleTypeId(0), departS, s.demand.routes.add(route)});
  }
  s.demand.sortByDeparture();
  s.network = std::move(network);
  return s;
}

VehicleType standardCar() {
  VehicleType t;
  t.maxSpeedMps = 20;
  t.accelMps2 = 2.0;
  t.comfortDecelMps2 = 3.0;
  t.maxDecelMps2 = 9.0;
  t.minGapM = 2.0;
  t.headwayS = 1.5;
  t.lengthM = 5.0;
  return t;
}

}  // namespace traffic::testing
