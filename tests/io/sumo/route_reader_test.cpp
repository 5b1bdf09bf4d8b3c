// SUMO route reader (sim/src/io/sumo/route_reader.cpp), issue 11: vTypes and their defaults,
// vehicles, trips and flows expanded into trips with the right counts and times, and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "traffic/errors.h"
#include "traffic/grid.h"
#include "traffic/loaders/sumo.h"

namespace traffic {
namespace {

const std::filesystem::path kData = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "tests/data/sumo";

struct Loaded {
  SumoNetwork net;
  std::vector<VehicleType> types;
  Demand demand;
};

Loaded load(SumoDemandOptions options = {}) {
  Loaded out{loadSumoNetwork(kData / "cross_tls.net.xml"), {}, {}};
  loadSumoRoutes(kData / "routes.rou.xml", out.net.network, out.types, out.demand, options);
  return out;
}

const Trip* tripNamed(const Demand& d, const std::string& id) {
  for (const Trip& t : d.trips)
    if (t.id == id) return &t;
  return nullptr;
}

std::vector<double> departures(const Demand& d, const std::string& prefix) {
  std::vector<double> out;
  for (const Trip& t : d.trips)
    if (t.id.rfind(prefix, 0) == 0) out.push_back(t.departS);
  return out;
}

std::vector<std::string> routeNames(const Loaded& l, const Trip& t) {
  std::vector<std::string> out;
  for (RoadId r : l.demand.routes.route(t.route)) out.push_back(l.net.network.road(r).name);
  return out;
}

const VehicleType& typeNamed(const std::vector<VehicleType>& types, const std::string& name) {
  auto it = std::find_if(types.begin(), types.end(), [&](const VehicleType& t) { return t.name == name; });
  EXPECT_NE(it, types.end()) << name;
  return *it;
}

TEST(SumoRouteReader, VTypeAttributesMapOntoTheVehicleType) {
  const Loaded l = load();
  const VehicleType& slow = typeNamed(l.types, "slow");
  EXPECT_EQ(slow.vehicleClass, VehicleClass::Car);
  EXPECT_DOUBLE_EQ(slow.accelMps2, 1.5);
  EXPECT_DOUBLE_EQ(slow.comfortDecelMps2, 3.5);
  EXPECT_DOUBLE_EQ(slow.maxDecelMps2, 8.0);
  EXPECT_DOUBLE_EQ(slow.headwayS, 1.4);
  EXPECT_DOUBLE_EQ(slow.minGapM, 3.0);
  EXPECT_DOUBLE_EQ(slow.lengthM, 4.5);
  EXPECT_DOUBLE_EQ(slow.maxSpeedMps, 20.0);
  EXPECT_DOUBLE_EQ(slow.speedFactor, 0.9);
  EXPECT_EQ(slow.carFollowing, CarFollowingModel::Idm);  // Krauss only when named
  EXPECT_DOUBLE_EQ(slow.kraussSigma, 0.2);
}

TEST(SumoRouteReader, AbsentAttributesAndTypesTakeSumoDefaults) {
  const Loaded l = load();
  // vType with only a class: SUMO's bus.
  const VehicleType& bus = typeNamed(l.types, "city_bus");
  EXPECT_EQ(bus.vehicleClass, VehicleClass::Bus);
  EXPECT_DOUBLE_EQ(bus.lengthM, 12.0);
  EXPECT_DOUBLE_EQ(bus.accelMps2, 1.2);
  EXPECT_DOUBLE_EQ(bus.comfortDecelMps2, 4.0);
  // No type at all: SUMO's DEFAULT_VEHTYPE, a passenger car.
  const Trip* v = tripNamed(l.demand, "v_default");
  ASSERT_NE(v, nullptr);
  const VehicleType& def = l.types[v->type.index()];
  EXPECT_EQ(def.name, "DEFAULT_VEHTYPE");
  EXPECT_EQ(def.vehicleClass, VehicleClass::Car);
  EXPECT_DOUBLE_EQ(def.lengthM, 5.0);
  EXPECT_DOUBLE_EQ(def.minGapM, 2.5);
  EXPECT_DOUBLE_EQ(def.accelMps2, 2.6);
  EXPECT_DOUBLE_EQ(def.comfortDecelMps2, 4.5);
  EXPECT_DOUBLE_EQ(def.maxDecelMps2, 9.0);
  EXPECT_DOUBLE_EQ(def.headwayS, 1.0);
  // IDM unless a vType names Krauss (route_reader.cpp says why); SUMO's dawdling kept for Krauss.
  EXPECT_EQ(def.carFollowing, CarFollowingModel::Idm);
  EXPECT_DOUBLE_EQ(def.kraussSigma, 0.5);
  EXPECT_EQ(bus.carFollowing, CarFollowingModel::Idm);
  // Pedestrian types are not vehicle types of trafficsim.
  EXPECT_TRUE(std::none_of(l.types.begin(), l.types.end(), [](const VehicleType& t) { return t.name == "walker"; }));
}

TEST(SumoRouteReader, VehiclesKeepTheirRoutesAndTripsAreRouted) {
  const Loaded l = load();
  const Trip* inline_ = tripNamed(l.demand, "v_inline");
  const Trip* ref = tripNamed(l.demand, "v_ref");
  const Trip* left = tripNamed(l.demand, "t_left");
  const Trip* via = tripNamed(l.demand, "t_via");
  ASSERT_TRUE(inline_ && ref && left && via);
  EXPECT_EQ(routeNames(l, *inline_), (std::vector<std::string>{"NC", "CS"}));
  EXPECT_EQ(routeNames(l, *ref), (std::vector<std::string>{"WC", "CE"}));
  EXPECT_EQ(routeNames(l, *left), (std::vector<std::string>{"WC", "CN"}));
  EXPECT_EQ(routeNames(l, *via), (std::vector<std::string>{"EC", "CW"}));
  EXPECT_DOUBLE_EQ(inline_->departS, 5.0);
  EXPECT_DOUBLE_EQ(ref->departS, 2.0);
  // A bus from WC's bus lane is kept: its class may use it.
  EXPECT_NE(tripNamed(l.demand, "v_bus"), nullptr);
  // Trips come sorted by departure.
  EXPECT_TRUE(std::is_sorted(l.demand.trips.begin(), l.demand.trips.end(),
                             [](const Trip& a, const Trip& b) { return a.departS < b.departS; }));
}

TEST(SumoRouteReader, FlowsExpandWithSumoCountsAndTimes) {
  const Loaded l = load();
  // period 10 over [0, 100): 10 vehicles at 0, 10, ..., 90.
  const auto period = departures(l.demand, "f_period.");
  ASSERT_EQ(period.size(), 10u);
  for (std::size_t k = 0; k < period.size(); ++k) EXPECT_DOUBLE_EQ(period[k], 10.0 * static_cast<double>(k));
  EXPECT_NE(tripNamed(l.demand, "f_period.9"), nullptr);
  // number 4 over [50, 150): every 25 s.
  EXPECT_EQ(departures(l.demand, "f_number."), (std::vector<double>{50, 75, 100, 125}));
  // 360 veh/h capped at 5 vehicles.
  EXPECT_EQ(departures(l.demand, "f_vph."), (std::vector<double>{0, 10, 20, 30, 40}));
  // probability 0.5 per second over 200 s: about 100, each on a whole second.
  const auto prob = departures(l.demand, "f_prob.");
  EXPECT_GT(prob.size(), 70u);
  EXPECT_LT(prob.size(), 130u);
  for (double t : prob) EXPECT_DOUBLE_EQ(t, std::floor(t));
  // exp(0.1): Poisson arrivals at 0.1/s over 1000 s, about 100, at irregular times.
  const auto poisson = departures(l.demand, "f_exp.");
  EXPECT_GT(poisson.size(), 70u);
  EXPECT_LT(poisson.size(), 130u);
  EXPECT_TRUE(std::any_of(poisson.begin(), poisson.end(), [](double t) { return t != std::floor(t); }));
}

TEST(SumoRouteReader, VehiclesOnARouteDistributionDrawTheirRoutes) {
  const Loaded l = load();
  const Trip* v = tripNamed(l.demand, "v_dist");
  ASSERT_NE(v, nullptr);
  const auto route = routeNames(l, *v);
  EXPECT_TRUE(route == (std::vector<std::string>{"WC", "CE"}) || route == (std::vector<std::string>{"WC", "CN"}));
  // Each vehicle of a flow draws its own: 100 vehicles, half and half.
  std::map<std::vector<std::string>, int> counts;
  for (const Trip& t : l.demand.trips)
    if (t.id.rfind("f_mix.", 0) == 0) ++counts[routeNames(l, t)];
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts.begin()->second + counts.rbegin()->second, 100);
  EXPECT_GT(counts.begin()->second, 30);
  EXPECT_GT(counts.rbegin()->second, 30);
}

TEST(SumoRouteReader, VehiclesOfATypeDistributionDrawTheirTypes) {
  const Loaded l = load();
  // Nested vTypes are types of their own, with SUMO's class defaults where not given.
  EXPECT_DOUBLE_EQ(typeNamed(l.types, "mix_car").lengthM, 4.0);
  EXPECT_DOUBLE_EQ(typeNamed(l.types, "mix_van").lengthM, 6.5);
  std::map<std::string, int> counts;
  for (const Trip& t : l.demand.trips)
    if (t.id.rfind("f_types.", 0) == 0) ++counts[l.types[t.type.index()].name];
  // Weights 3 : 1 over 100 vehicles.
  EXPECT_EQ(counts["mix_car"] + counts["mix_van"], 100);
  EXPECT_GT(counts["mix_car"], 60);
  EXPECT_GT(counts["mix_van"], 10);
  const Trip* v = tripNamed(l.demand, "v_named_mix");
  ASSERT_NE(v, nullptr);
  const std::string& name = l.types[v->type.index()].name;
  EXPECT_TRUE(name == "slow" || name == "city_bus") << name;
  // The distributions themselves are no vehicle types.
  EXPECT_TRUE(std::none_of(l.types.begin(), l.types.end(), [](const VehicleType& t) { return t.name == "fleet_mix"; }));
}

// A flow that names no type is of "DEFAULT_VEHTYPE"; when the file defines that as a
// distribution, each of the flow's vehicles draws its own type, as with a type named. (Before,
// the flow drew once: all 84 on-ramp vehicles of sumo-tools' ramp game were 12 m trucks.)
TEST(SumoRouteReader, AFlowOfTheDefaultTypeDistributionDrawsPerVehicle) {
  Loaded l{loadSumoNetwork(kData / "cross_tls.net.xml"), {}, {}};
  loadSumoRoutesText(R"(<routes>
    <vTypeDistribution id="DEFAULT_VEHTYPE">
      <vType id="truck" length="12.0" probability="0.2"/>
      <vType id="passenger" length="5.0" probability="0.8"/>
    </vTypeDistribution>
    <flow id="f" begin="0" end="200" period="2"><route edges="WC CE"/></flow>
  </routes>)", "default_mix.rou.xml", l.net.network, l.types, l.demand);
  std::map<std::string, int> counts;
  for (const Trip& t : l.demand.trips) ++counts[l.types[t.type.index()].name];
  EXPECT_EQ(counts["truck"] + counts["passenger"], 100);
  EXPECT_GT(counts["truck"], 5);
  EXPECT_GT(counts["passenger"], 60);
}

TEST(SumoRouteReader, RandomFlowsDependOnTheSeedOnly) {
  const Loaded a = load({.seed = 7});
  const Loaded b = load({.seed = 7});
  const Loaded c = load({.seed = 8});
  EXPECT_EQ(departures(a.demand, "f_exp."), departures(b.demand, "f_exp."));
  EXPECT_NE(departures(a.demand, "f_exp."), departures(c.demand, "f_exp."));
  EXPECT_NE(departures(a.demand, "f_prob."), departures(c.demand, "f_prob."));
}

TEST(SumoRouteReader, BeginShiftsTimesAndDropsEarlierDepartures) {
  const Loaded l = load({.beginS = 2, .endS = 60});
  EXPECT_EQ(tripNamed(l.demand, "v_default"), nullptr);  // departs at 1, before begin
  ASSERT_NE(tripNamed(l.demand, "v_ref"), nullptr);
  EXPECT_DOUBLE_EQ(tripNamed(l.demand, "v_ref")->departS, 0.0);
  EXPECT_DOUBLE_EQ(tripNamed(l.demand, "v_inline")->departS, 3.0);
  // Flow departures at or after the end are not generated; f_period's first (t = 0) is early.
  EXPECT_EQ(departures(l.demand, "f_period."), (std::vector<double>{8, 18, 28, 38, 48}));
  for (const Trip& t : l.demand.trips) EXPECT_LT(t.departS, 58.0) << t.id;
}

TEST(SumoRouteReader, TypesAlreadyDeclaredAreReused) {
  const SumoNetwork net = loadSumoNetwork(kData / "cross_tls.net.xml");
  std::vector<VehicleType> types{defaultVehicleType(VehicleClass::Car)};
  types[0].name = "slow";
  types[0].accelMps2 = 3.3;
  Demand demand;
  loadSumoRoutes(kData / "routes.rou.xml", net.network, types, demand);
  EXPECT_DOUBLE_EQ(typeNamed(types, "slow").accelMps2, 3.3);
  EXPECT_EQ(std::count_if(types.begin(), types.end(), [](const VehicleType& t) { return t.name == "slow"; }), 1);
}

std::string routeError(const std::string& file) {
  const SumoNetwork net = loadSumoNetwork(kData / "cross_tls.net.xml");
  std::vector<VehicleType> types;
  Demand demand;
  try {
    loadSumoRoutes(kData / "bad" / file, net.network, types, demand);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "no error";
}

Loaded loadDepart() {
  Loaded out{loadSumoNetwork(kData / "cross_tls.net.xml"), {}, {}};
  loadSumoRoutes(kData / "depart.rou.xml", out.net.network, out.types, out.demand);
  return out;
}

TEST(SumoRouteReader, DepartAttributesAreReadWithSumosDefaults) {
  const Loaded l = loadDepart();
  using D = DepartSpec;
  // Nothing given: SUMO's first lane, base position, speed 0.
  const Trip* defaults = tripNamed(l.demand, "v_defaults");
  ASSERT_NE(defaults, nullptr);
  EXPECT_EQ(defaults->depart.lane, D::Lane::First);
  EXPECT_EQ(defaults->depart.pos, D::Pos::Auto);
  EXPECT_EQ(defaults->depart.speed, D::Speed::Given);
  EXPECT_DOUBLE_EQ(defaults->depart.speedMps, 0);
  // departLane="2" on SC is SUMO's lane SC_2, the leftmost: trafficsim's lane 0 (SC_0, the
  // sidewalk, is left out, so SC_1 is trafficsim's lane 1).
  const Trip* given = tripNamed(l.demand, "v_given");
  ASSERT_NE(given, nullptr);
  EXPECT_EQ(given->depart.lane, D::Lane::Index);
  EXPECT_EQ(given->depart.laneIndex, 0);
  EXPECT_EQ(given->depart.pos, D::Pos::Given);
  EXPECT_DOUBLE_EQ(given->depart.posM, 60);
  EXPECT_EQ(given->depart.speed, D::Speed::Given);
  EXPECT_DOUBLE_EQ(given->depart.speedMps, 8);
  const Trip* keywords = tripNamed(l.demand, "v_keywords");
  ASSERT_NE(keywords, nullptr);
  EXPECT_EQ(keywords->depart.lane, D::Lane::Best);
  EXPECT_EQ(keywords->depart.pos, D::Pos::Last);
  EXPECT_EQ(keywords->depart.speed, D::Speed::Max);
  // Random choices: drawn per vehicle at load, from the seed and the vehicle's id.
  std::vector<double> draws;
  for (const Trip& t : l.demand.trips) {
    if (t.id.rfind("f_random.", 0) != 0) continue;
    EXPECT_EQ(t.depart.lane, D::Lane::Random);
    EXPECT_EQ(t.depart.pos, D::Pos::RandomFree);
    EXPECT_EQ(t.depart.speed, D::Speed::Random);
    for (double u : {t.depart.drawLane, t.depart.drawPos, t.depart.drawSpeed}) {
      EXPECT_GE(u, 0);
      EXPECT_LT(u, 1);
    }
    draws.push_back(t.depart.drawPos);
  }
  ASSERT_EQ(draws.size(), 4u);
  EXPECT_NE(draws[0], draws[1]);
  // Values trafficsim does not model fall back to its own insertion in that respect.
  const Trip* odd = tripNamed(l.demand, "v_unsupported");
  ASSERT_NE(odd, nullptr);
  EXPECT_EQ(odd->depart.speed, D::Speed::Auto);
  EXPECT_EQ(odd->depart.pos, D::Pos::Auto);
  EXPECT_EQ(odd->depart.lane, D::Lane::First);
}

TEST(SumoRouteReader, BadDepartAttributesNameTheVehicleAndTheEdge) {
  const SumoNetwork net = loadSumoNetwork(kData / "cross_tls.net.xml");
  auto error = [&](const std::string& attributes) {
    std::vector<VehicleType> types;
    Demand demand;
    try {
      loadSumoRoutesText("<routes><vehicle id=\"bad\" depart=\"0\" " + attributes + "><route edges=\"SC CN\"/></vehicle></routes>",
                         "bad.rou.xml", net.network, types, demand);
    } catch (const LoadError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string sidewalk = error("departLane=\"0\"");  // SC_0 is a sidewalk
  EXPECT_NE(sidewalk.find("bad.rou.xml"), std::string::npos) << sidewalk;
  EXPECT_NE(sidewalk.find("vehicle \"bad\""), std::string::npos) << sidewalk;
  EXPECT_NE(sidewalk.find("departLane 0"), std::string::npos) << sidewalk;
  EXPECT_NE(sidewalk.find("edge \"SC\""), std::string::npos) << sidewalk;
  const std::string missing = error("departLane=\"7\"");
  EXPECT_NE(missing.find("no lane 7"), std::string::npos) << missing;
  const std::string off = error("departPos=\"200\"");
  EXPECT_NE(off.find("departPos"), std::string::npos) << off;
  EXPECT_NE(off.find("edge \"SC\""), std::string::npos) << off;
  const std::string negative = error("departSpeed=\"-1\"");
  EXPECT_NE(negative.find("departSpeed"), std::string::npos) << negative;
  // A bus lane does not take a car.
  std::vector<VehicleType> types;
  Demand demand;
  EXPECT_THROW(loadSumoRoutesText(R"(<routes><vehicle id="car" depart="0" departLane="0"><route edges="WC CE"/></vehicle></routes>)",
                                  "bus_lane.rou.xml", net.network, types, demand),
               LoadError);
}

// Issue 14: the engine keeps a vehicle's place on its route in 16 bits, so a route of more than
// kMaxRouteRoads roads is refused: a listed one by its count before its edges are looked up, one
// routed through `via` edges as soon as its legs add up to more.
TEST(SumoRouteReader, RoutesLongerThanTheEngineDrivesAreRefused) {
  const SumoNetwork net = loadSumoNetwork(kData / "cross_tls.net.xml");
  auto error = [](const std::string& text, const RoadNetwork& network) {
    std::vector<VehicleType> types;
    Demand demand;
    try {
      loadSumoRoutesText(text, "long.rou.xml", network, types, demand);
    } catch (const LoadError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string edges;
  for (std::size_t i = 0; i < kMaxRouteRoads + 1; ++i) edges += i == 0 ? "WC" : " WC";
  const std::string named = error("<routes><route id=\"long\" edges=\"" + edges + "\"/></routes>", net.network);
  EXPECT_NE(named.find("long.rou.xml"), std::string::npos) << named;
  EXPECT_NE(named.find("route \"long\""), std::string::npos) << named;
  EXPECT_NE(named.find("the route has 65,536 roads; trafficsim drives routes of at most 65,535 roads"), std::string::npos) << named;
  const std::string inner =
      error("<routes><vehicle id=\"far\" depart=\"0\"><route edges=\"" + edges + "\"/></vehicle></routes>", net.network);
  EXPECT_NE(inner.find("vehicle \"far\" route"), std::string::npos) << inner;
  EXPECT_NE(inner.find("the route has 65,536 roads"), std::string::npos) << inner;

  // Round a block of a 2 x 2 grid: each leg from one via edge to the next adds one road.
  GridSpec spec;
  spec.rows = 2;
  spec.columns = 2;
  const RoadNetwork grid = generateGrid(spec);
  const std::vector<std::string> block{"road_j_0_0_j_0_1", "road_j_0_1_j_1_1", "road_j_1_1_j_1_0", "road_j_1_0_j_0_0"};
  auto roundTrip = [&](std::size_t roads) {
    std::string via;
    for (std::size_t i = 1; i + 1 < roads; ++i) via += (i == 1 ? "" : " ") + block[i % 4];
    return "<routes><trip id=\"rounds\" depart=\"0\" from=\"" + block[0] + "\" via=\"" + via + "\" to=\"" +
           block[(roads - 1) % 4] + "\"/></routes>";
  };
  const std::string routed = error(roundTrip(kMaxRouteRoads + 1), grid);
  EXPECT_NE(routed.find("trip \"rounds\""), std::string::npos) << routed;
  EXPECT_NE(routed.find("the route has 65,536 roads"), std::string::npos) << routed;
  // One road fewer is a route the engine drives.
  std::vector<VehicleType> types;
  Demand demand;
  loadSumoRoutesText(roundTrip(kMaxRouteRoads), "long.rou.xml", grid, types, demand);
  ASSERT_EQ(demand.trips.size(), 1u);
  EXPECT_EQ(demand.routes.route(demand.trips[0].route).size(), kMaxRouteRoads);
}

TEST(SumoRouteReader, ErrorsNameTheFileAndTheVehicle) {
  const std::string edge = routeError("unknown_edge.rou.xml");
  EXPECT_NE(edge.find("unknown_edge.rou.xml"), std::string::npos) << edge;
  EXPECT_NE(edge.find("vehicle \"lost\""), std::string::npos) << edge;
  EXPECT_NE(edge.find("edge \"XY\""), std::string::npos) << edge;

  const std::string gap = routeError("disconnected.rou.xml");
  EXPECT_NE(gap.find("route \"jump\""), std::string::npos) << gap;
  EXPECT_NE(gap.find("not joined"), std::string::npos) << gap;

  const std::string rate = routeError("flow_without_rate.rou.xml");
  EXPECT_NE(rate.find("flow \"f\""), std::string::npos) << rate;
  EXPECT_NE(rate.find("period"), std::string::npos) << rate;

  const std::string both = routeError("rate_end_and_number.rou.xml");
  EXPECT_NE(both.find("flow \"both\""), std::string::npos) << both;
  EXPECT_NE(both.find("not both"), std::string::npos) << both;

  const std::string type = routeError("undefined_type.rou.xml");
  EXPECT_NE(type.find("vehicle \"v\""), std::string::npos) << type;
  EXPECT_NE(type.find("\"ghost\""), std::string::npos) << type;
}

}  // namespace
}  // namespace traffic
