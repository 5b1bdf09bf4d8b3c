// simulateRun: one run of a comparison, measured.
#include <algorithm>
#include <chrono>

#include "traffic/citybrain_score.h"
#include "traffic/compare/compare.h"
#include "traffic/errors.h"
#include "traffic/resco_score.h"
#include "traffic/sensing.h"
#include "traffic/world.h"

namespace traffic::compare {
namespace {

using Clock = std::chrono::steady_clock;

/// A vehicle counts as halting below this speed, as for stops (docs/metrics.md).
constexpr double kHaltingSpeedMps = 0.1;

// ---- measuring a run -----------------------------------------------------------------------

std::uint32_t countHalting(const World& world) {
  const WorldSnapshot snap = world.snapshot();
  return static_cast<std::uint32_t>(std::count_if(snap.vehicles.begin(), snap.vehicles.end(),
                                                  [](const VehicleView& v) { return v.speedMps < kHaltingSpeedMps; }));
}

}  // namespace

std::optional<RunResult> simulateRun(const Scenario& scenario, const std::string& policy,
                                     const std::atomic<bool>& stop, std::atomic<double>* fraction) {
  World world(scenario, WorldOptions{1});
  RunResult r;
  r.scenario = scenario.name;
  r.policy = policy;
  r.seed = scenario.seed;

  std::vector<std::uint32_t> halting;
  const auto start = Clock::now();
  while (!world.finished()) {
    if (stop.load(std::memory_order_relaxed)) return std::nullopt;
    world.step();
    // Sample the halting vehicles at the instants of the time series rows, so that each row of
    // the compare timeseries.csv has them and mean_queue_veh is the mean of that column.
    while (halting.size() < world.timeseries().size()) halting.push_back(countHalting(world));
    if (fraction) fraction->store(scenario.durationS > 0 ? world.timeS() / scenario.durationS : 1, std::memory_order_relaxed);
  }
  r.wallSeconds = std::chrono::duration<double>(Clock::now() - start).count();

  const Summary s = world.summary(r.wallSeconds);
  r.arrived = s.vehicles.arrived;
  r.spawned = s.vehicles.spawned;
  r.waitingToEnter = s.vehicles.waitingToEnter;
  r.teleported = s.vehicles.teleported;
  if (s.vehicles.arrived > 0) r.meanTravelTimeS = s.meanTravelTimeFinishedS;
  if (s.vehicles.spawned > 0) {
    r.meanTravelTimeWithUnfinishedS = s.meanTravelTimeWithUnfinishedS;
    r.stopsPerVehicle = s.stopsPerVehicle;
    r.delayIndex = s.delayIndex;
  }
  r.throughputVehPerH = s.throughputVehPerH;
  if (s.emergencyVehicles > 0) r.emergencyTravelTimeS = s.emergencyMeanTravelTimeS;

  r.protocol = scenario.protocol;
  r.sensing = toString(scenario.sensing.model);
  r.entered = s.vehicles.entered;

  // Delay of arrived trips (travel time beyond the free-flow time), and RESCO's delay over every
  // trip whose departure time came: time loss plus departure delay (traffic/resco_score.h).
  const double endS = world.timeS();
  double delaySum = 0;
  std::size_t finished = 0;
  const std::vector<TripRecord> records = world.tripRecords();
  // The City Brain Challenge's delay index, over the vehicles served.
  if (const CitybrainScore cb = citybrainScore(records, endS); cb.served > 0) r.delayIndexServed = cb.delayIndex;
  if (const RescoScore resco = rescoScore(records, endS); resco.vehicles > 0) r.meanDelayWithUnfinishedS = resco.delayS;
  for (const TripRecord& t : records) {
    if (t.arriveS < 0) continue;
    delaySum += t.arriveS - t.departS - t.freeFlowS;
    ++finished;
  }
  if (finished > 0) r.meanDelayS = delaySum / static_cast<double>(finished);

  const auto& rows = world.timeseries();
  r.series.reserve(rows.size());
  double haltingSum = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    r.series.push_back({rows[i].timeS, rows[i].running, rows[i].waitingToEnter, halting[i], rows[i].delayIndex});
    haltingSum += halting[i];
  }
  if (!rows.empty()) r.meanQueueVeh = haltingSum / static_cast<double>(rows.size());
  return r;
}

std::vector<std::string> sensingOverrides(const std::string& option) {
  const std::size_t colon = option.find(':');
  const std::string name = option.substr(0, colon);
  SensingModel model{};
  if (!parseSensingModel(name, model))
    throw UsageError("--sensing " + option + ": unknown sensing model '" + name + "'; available: " +
                     sensingModelNames() + " (docs/sensing.md)");
  std::vector<std::string> out{"sensing.model=" + name};
  if (colon == std::string::npos) return out;
  std::size_t start = colon + 1;
  while (true) {
    const std::size_t comma = option.find(',', start);
    const std::string param = option.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (param.find('=') == std::string::npos || param.front() == '=')
      throw UsageError("--sensing " + option + ": '" + param +
                       "' is not key=value; write e.g. --sensing camera:range_m=100,miss_probability=0.1");
    out.push_back("sensing." + param);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace traffic::compare
