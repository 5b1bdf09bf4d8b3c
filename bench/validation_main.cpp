// traffic_validation: runs the validation experiments (validation/experiments.h) for trafficsim's
// own vehicle type, the CityFlow datasets' vehicle and a SUMO-like Krauss vehicle, and writes the
// theory part of docs/validation.md (Markdown on standard output or --out) with its SVG figures
// beside it. scripts/validation.sh adds the side-by-side runs with SUMO and assembles the document.
#include <CLI/CLI.hpp>
#include <array>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "traffic/car_following.h"
#include "traffic/compare/svg_chart.h"
#include "traffic/observation.h"
#include "traffic/scenario.h"
#include "traffic/world.h"
#include "traffic/saturation_flow.h"
#include "traffic/vehicle_type.h"
#include "validation/experiments.h"

namespace {

using namespace traffic;

struct Subject {
  std::string name;     // as in the tables
  std::string slug;     // in file names
  VehicleType type;
  double speedLimitMps;
};

// The vehicles the document validates: trafficsim's default car; the vehicle of the CityFlow
// datasets (hangzhou_4x4, jinan_3x4, newyork_16x3 flow files) with the model its files now get,
// and with IDM as they were read before; and Krauss with SUMO's default passenger parameters.
std::vector<Subject> subjects() {
  std::vector<Subject> out;
  out.push_back({"trafficsim car (IDM)", "car", defaultVehicleType(VehicleClass::Car), 13.89});
  VehicleType cf;
  cf.lengthM = 5;
  cf.widthM = 2;
  cf.maxSpeedMps = 11.111;
  cf.accelMps2 = 2;
  cf.comfortDecelMps2 = 4.5;
  cf.maxDecelMps2 = 4.5;
  cf.minGapM = 2.5;
  cf.headwayS = 2;
  cf.carFollowing = CarFollowingModel::Cityflow;
  out.push_back({"CityFlow dataset vehicle (cityflow model)", "cityflow", cf, 11.111});
  VehicleType cfIdm = cf;
  cfIdm.carFollowing = CarFollowingModel::Idm;
  out.push_back({"CityFlow dataset vehicle read as IDM (before)", "cityflow-idm", cfIdm, 11.111});
  VehicleType krauss;
  krauss.carFollowing = CarFollowingModel::Krauss;
  krauss.accelMps2 = 2.6;
  krauss.comfortDecelMps2 = 4.5;
  krauss.maxDecelMps2 = 9;
  krauss.minGapM = 2.5;
  krauss.headwayS = 1.0;
  krauss.lengthM = 5;
  krauss.maxSpeedMps = 55.56;
  krauss.kraussSigma = 0.5;
  out.push_back({"Krauss, SUMO passenger defaults (sigma 0.5)", "krauss", krauss, 13.89});
  VehicleType krauss0 = krauss;
  krauss0.kraussSigma = 0;
  out.push_back({"Krauss, SUMO passenger defaults (sigma 0)", "krauss0", krauss0, 13.89});
  return out;
}

std::string pct(double measured, double theory) { return fmt::format("{:+.1f}%", 100.0 * (measured / theory - 1.0)); }

// Runs a scenario and prints, for the entry road with the most vehicles waiting to enter at the
// end (or `roadName`), how many wait by the turn of their first movement, at the end and at most.
int entryQueues(const std::string& file, const std::string& roadName) {
  const Scenario sc = loadScenario(file);
  const RoadNetwork& net = *sc.network;
  World world(sc);
  auto turnOf = [&](std::uint32_t id) -> int {
    const auto route = sc.demand.routes.route(sc.demand.trips[id].route);
    if (route.size() < 2) return 4;  // leaves at the end of its first road
    const auto m = net.movementBetween(route[0], route[1]);
    return m ? static_cast<int>(net.movement(*m).turn) : 4;
  };
  auto firstRoad = [&](std::uint32_t id) { return sc.demand.routes.route(sc.demand.trips[id].route)[0]; };
  std::vector<std::array<std::uint64_t, 5>> peak(net.roads().size(), std::array<std::uint64_t, 5>{});
  std::vector<std::array<std::uint64_t, 5>> now;
  std::vector<std::array<double, 5>> vehicleSeconds(net.roads().size(), std::array<double, 5>{});
  while (!world.finished()) {
    world.step();
    now.assign(net.roads().size(), std::array<std::uint64_t, 5>{});
    for (std::uint32_t id : vehiclesWaitingToEnter(world)) ++now[firstRoad(id).index()][static_cast<std::size_t>(turnOf(id))];
    for (std::size_t r = 0; r < now.size(); ++r)
      for (std::size_t k = 0; k < 5; ++k) {
        peak[r][k] = std::max(peak[r][k], now[r][k]);
        vehicleSeconds[r][k] += static_cast<double>(now[r][k]) * sc.stepS;
      }
  }
  std::size_t road = 0;
  if (!roadName.empty()) {
    const auto found = net.findRoad(roadName);
    if (!found) {
      std::cerr << "traffic_validation: " << file << " has no road '" << roadName << "'\n";
      return 2;
    }
    road = found->index();
  } else {
    auto total = [&](std::size_t r) { return now[r][0] + now[r][1] + now[r][2] + now[r][3] + now[r][4]; };
    for (std::size_t r = 0; r < now.size(); ++r)
      if (total(r) > total(road)) road = r;
  }
  const char* names[5] = {"straight", "right", "left", "uturn", "none"};
  std::cout << fmt::format("{}: road {}: vehicles waiting to enter by first turn (at the end / at most / vehicle-hours)\n",
                           file, net.road(RoadId(road)).name);
  std::uint64_t all = 0;
  for (std::size_t r = 0; r < now.size(); ++r)
    for (std::size_t k = 0; k < 5; ++k) all += now[r][k];
  for (std::size_t k = 0; k < 5; ++k)
    if (peak[road][k] > 0)
      std::cout << fmt::format("  {:<8} {:>6} {:>6} {:>9.1f}\n", names[k], now[road][k], peak[road][k], vehicleSeconds[road][k] / 3600);
  std::cout << fmt::format("  all roads at the end: {}\n", all);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trafficsim validation: saturation flow, start-up lost time and the fundamental diagram against "
               "each car-following model's theory, as Markdown with SVG figures"};
  std::string out;
  std::string figures;
  double ringM = 1000;
  app.add_option("--out", out, "Markdown file to write (default: standard output)");
  app.add_option("--figures", figures, "folder for the SVG figures (default: beside --out, or none)");
  app.add_option("--ring-m", ringM, "ring road length (m)")->check(CLI::PositiveNumber);
  std::string entryScenario, entryRoad;
  app.add_option("--entry-queues", entryScenario,
                 "instead: run this scenario and print the vehicles waiting to enter one road, by turn");
  app.add_option("--entry-road", entryRoad, "the road for --entry-queues (default: the one with most waiting)");
  CLI11_PARSE(app, argc, argv);
  if (!entryScenario.empty()) {
    try {
      return entryQueues(entryScenario, entryRoad);
    } catch (const std::exception& e) {
      std::cerr << "traffic_validation: " << e.what() << "\n";
      return 2;
    }
  }
  if (figures.empty() && !out.empty()) figures = std::filesystem::path(out).parent_path() / "validation";
  std::string figureLink = figures.empty() ? "" : std::filesystem::path(figures).filename().string();

  std::ostringstream md;
  const auto all = subjects();

  md << "## Saturation flow and start-up lost time of a signalised lane\n\n"
     << "One lane (speed limit as given), 40 vehicles standing at a red light, then a long green with no yellow or\n"
     << "all-red before it. Crossings of the stop line are timed to a fraction of a step (1 s). Saturation headway:\n"
     << "the mean headway from the fifth vehicle on (HCM); start-up lost time: the first four headways (the first\n"
     << "from the start of green) less four saturation headways. Theory: the capacity of the model's equilibrium,\n"
     << "max over v of v / (s_e(v) + length) (`laneCapacityVehPerH`, `traffic/saturation_flow.h`).\n\n"
     << "| vehicle | limit (m/s) | measured (veh/h) | theory (veh/h) | difference | start-up lost time (s) | first "
        "crossing (s) | leader to line at green (m) |\n"
     << "|---|---|---|---|---|---|---|---|\n";
  std::vector<traffic::compare::LineSeries> headwaySeries;
  for (const Subject& s : all) {
    const auto r = validation::measureDischarge(s.type, s.speedLimitMps);
    const double theory = laneCapacityVehPerH(s.type, desiredSpeed(s.type, s.speedLimitMps));
    md << fmt::format("| {} | {:.2f} | {:.0f} | {:.0f} | {} | {:.2f} | {:.2f} | {:.2f} |\n", s.name, s.speedLimitMps,
                      r.saturationFlowVehPerH, theory, pct(r.saturationFlowVehPerH, theory), r.startUpLostTimeS,
                      r.crossingS.empty() ? NAN : r.crossingS[0], r.queueLeaderGapToLineM);
    traffic::compare::LineSeries series{s.name, {}, {}};
    for (std::size_t i = 0; i < r.crossingS.size(); ++i) {
      series.x.push_back(static_cast<double>(i + 1));
      series.y.push_back(i == 0 ? r.crossingS[0] : r.crossingS[i] - r.crossingS[i - 1]);
    }
    headwaySeries.push_back(std::move(series));
  }
  md << "\nTextbook saturation flow: 1,800-1,900 veh/h/lane (HCM base 1,900 veh/h/lane); start-up lost time about\n"
     << "2 s (HCM default). Crossings are timed at the front bumper, and the queue leader stands with its front\n"
     << "at the line, so it crosses as it starts: the first headway is the leader's reaction, which in trafficsim\n"
     << "is the step in which the light changes (the signals phase runs before the plan phase). The lost time\n"
     << "comes from the model's acceleration. CityFlow's rule accelerates at a until its headway bound takes over,\n"
     << "so its first vehicles follow closer than the saturation headway and its lost time comes out negative.\n\n"
     << "Krauss (and IIDM) settle at a gap of s0 + vT, so their equilibrium capacity is v0 / (s0 + v0 T + length);\n"
     << "a standing queue does not reach it. Each Krauss driver takes the speed that is safe behind where its\n"
     << "leader was at the start of the step, so the start of motion travels back through the queue one vehicle\n"
     << "per step, and dawdling (sigma) takes a random share of each step's acceleration: the discharge rate is\n"
     << "set by the start-up wave, not by the equilibrium. The side-by-side runs with SUMO below show what SUMO's\n"
     << "own Krauss discharges.\n\n";
  if (!figures.empty()) {
    std::filesystem::create_directories(figures);
    traffic::compare::LineChart chart{"Discharge headways of a standing queue", "position in the queue",
                                      "headway (s)", headwaySeries, 0};
    std::ofstream(std::filesystem::path(figures) / "discharge-headways.svg") << traffic::compare::renderLineChart(chart);
    md << "![Discharge headways](" << figureLink << "/discharge-headways.svg)\n\n";
  }

  md << "## Fundamental diagram on a ring road\n\n"
     << fmt::format("A single-lane ring of {:.0f} m (four quarter circles joined at junctions of no width), N vehicles, ", ringM)
     << "lane changes off. The\n"
     << "vehicles enter behind a red light at one junction (1800 s), which then stays green; 900 s of settling,\n"
     << "then the space-mean speed over 600 s; flow = density x speed. Theory: the\n"
     << "model's equilibrium, the speed at which its equilibrium gap is the ring's spacing less a length. Jam density\n"
     << "1000 / (length + s0); backward wave speed: the slope of the congested branch, -(length + s0) / T for the\n"
     << "models whose gap grows linearly with speed. The measured wave speed is the slope of a least-squares line\n"
     << "through the measured points past the one of highest flow. Every junction on the ring is one where\n"
     << "vehicles ask for entry (arbitration), which costs a little speed even when nothing is in the way, and\n"
     << "above the critical density IDM's and Krauss' uniform flow breaks into stop-and-go waves whose mean flow\n"
     << "lies below the uniform equilibrium.\n\n"
     << "| vehicle | capacity measured (veh/h) | capacity theory (veh/h) | jam density (veh/km) | wave speed measured "
        "(km/h) | wave speed theory (km/h) |\n"
     << "|---|---|---|---|---|---|\n";
  for (const Subject& s : all) {
    if (s.slug == "krauss0") continue;
    const double v0 = desiredSpeed(s.type, s.speedLimitMps);
    const double jam = 1000.0 / (s.type.lengthM + validation::equilibriumGapM(s.type, v0, 0.0));
    std::vector<validation::RingPoint> points;
    traffic::compare::LineSeries measured{"measured", {}, {}};
    traffic::compare::LineSeries theory{"equilibrium", {}, {}, -1, true};
    for (int k = 1; k < 60; ++k) {
      const double density = jam * k / 60.0;
      theory.x.push_back(density);
      theory.y.push_back(validation::equilibriumFlowVehPerH(s.type, v0, density));
    }
    for (double share = 0.05; share < 0.99; share += 0.075) {
      const int n = std::max(2, static_cast<int>(std::lround(share * jam * ringM / 1000.0)));
      const auto p = validation::measureRing(s.type, ringM, n, s.speedLimitMps);
      if (!p.filled) {
        md << fmt::format("<!-- {}: {} vehicles did not all get onto the ring; point left out -->\n", s.name, n);
        continue;
      }
      points.push_back(p);
      measured.x.push_back(p.densityVehPerKm);
      measured.y.push_back(p.flowVehPerH);
    }
    double capMeasured = 0, capTheory = 0;
    for (const auto& p : points) capMeasured = std::max(capMeasured, p.flowVehPerH);
    for (double y : theory.y) capTheory = std::max(capTheory, y);
    // The congested branch: a least-squares line through the measured points past the one of
    // highest flow.
    std::size_t top = 0;
    for (std::size_t i = 0; i < points.size(); ++i)
      if (points[i].flowVehPerH > points[top].flowVehPerH) top = i;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (std::size_t i = top + 1; i < points.size(); ++i, ++m) {
      sx += points[i].densityVehPerKm;
      sy += points[i].flowVehPerH;
      sxx += points[i].densityVehPerKm * points[i].densityVehPerKm;
      sxy += points[i].densityVehPerKm * points[i].flowVehPerH;
    }
    const double slope = m >= 2 ? (m * sxy - sx * sy) / (m * sxx - sx * sx) : NAN;
    const bool linear = s.type.carFollowing != CarFollowingModel::Idm && s.type.carFollowing != CarFollowingModel::Cacc;
    const double waveTheory = linear ? -(s.type.lengthM + s.type.minGapM) / s.type.headwayS * 3.6 : NAN;
    md << fmt::format("| {} | {:.0f} | {:.0f} | {:.1f} | {:.1f} | {} |\n", s.name, capMeasured, capTheory, jam, slope,
                      linear ? fmt::format("{:.1f}", waveTheory) : std::string("(curved branch)"));
    if (!figures.empty()) {
      traffic::compare::LineChart chart{"Fundamental diagram: " + s.name, "density (veh/km)", "flow (veh/h)",
                                        {theory, measured}, 0};
      std::ofstream(std::filesystem::path(figures) / ("ring-" + s.slug + ".svg")) << traffic::compare::renderLineChart(chart);
    }
  }
  md << "\n";
  if (!figures.empty())
    for (const Subject& s : all)
      if (s.slug != "krauss0") md << "![Fundamental diagram, " << s.name << "](" << figureLink << "/ring-" << s.slug << ".svg)\n";
  md << "\n";

  if (out.empty()) {
    std::cout << md.str();
  } else {
    std::ofstream f(out);
    f << md.str();
    if (!f) {
      std::cerr << "traffic_validation: cannot write " << out << "\n";
      return 2;
    }
  }
  return 0;
}
