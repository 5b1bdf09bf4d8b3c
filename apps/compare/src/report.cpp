#include "traffic/compare/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "traffic/compare/stats.h"
#include "traffic/compare/svg_chart.h"
#include "traffic/errors.h"
#include "traffic/protocol.h"
#include "traffic/world.h"

namespace traffic::compare {
namespace {

namespace fs = std::filesystem;

constexpr std::array<const char*, 3> kChartPrefixes{"travel_time_", "delay_index_", "vehicles_"};

// ---- CSV -----------------------------------------------------------------------------------

using csv::appendFixed;

std::string resultsCsv(const std::vector<const RunResult*>& runs) {
  std::string out =
      "scenario,policy,seed,mean_travel_time_s,mean_travel_time_with_unfinished_s,mean_delay_s,stops_per_vehicle,"
      "mean_queue_veh,throughput_veh_per_h,delay_index,arrived,spawned,waiting_to_enter,teleported,"
      "emergency_travel_time_s,wall_seconds,entered,mean_delay_with_unfinished_s,protocol,sensing,delay_index_served\n";
  for (const RunResult* r : runs) {
    csv::appendText(out, r->scenario);
    out += ',';
    csv::appendText(out, r->policy);
    out += fmt::format(",{},", r->seed);
    appendFixed(out, r->meanTravelTimeS, 3);
    out += ',';
    appendFixed(out, r->meanTravelTimeWithUnfinishedS, 3);
    out += ',';
    appendFixed(out, r->meanDelayS, 3);
    out += ',';
    appendFixed(out, r->stopsPerVehicle, 4);
    out += ',';
    appendFixed(out, r->meanQueueVeh, 3);
    out += ',';
    appendFixed(out, r->throughputVehPerH, 2);
    out += ',';
    appendFixed(out, r->delayIndex, 6);
    out += fmt::format(",{},{},{},{},", r->arrived, r->spawned, r->waitingToEnter, r->teleported);
    appendFixed(out, r->emergencyTravelTimeS, 3);
    out += ',';
    appendFixed(out, r->wallSeconds, 3);
    out += fmt::format(",{},", r->entered);
    appendFixed(out, r->meanDelayWithUnfinishedS, 3);
    out += ',';
    csv::appendText(out, r->protocol);
    out += ',';
    csv::appendText(out, r->sensing);
    out += ',';
    appendFixed(out, r->delayIndexServed, 6);
    out += '\n';
  }
  return out;
}

std::string timeseriesCsv(const std::vector<const RunResult*>& runs) {
  std::string out = "scenario,policy,seed,time_s,running,waiting_to_enter,delay_index,halting\n";
  for (const RunResult* r : runs) {
    std::string prefix;
    csv::appendText(prefix, r->scenario);
    prefix += ',';
    csv::appendText(prefix, r->policy);
    prefix += fmt::format(",{},", r->seed);
    for (const SeriesPoint& p : r->series) {
      out += prefix;
      appendFixed(out, p.timeS, 3);
      out += fmt::format(",{},{},", p.running, p.waitingToEnter);
      appendFixed(out, p.delayIndex, 6);
      out += fmt::format(",{}\n", p.halting);
    }
  }
  return out;
}

// ---- the report ----------------------------------------------------------------------------

struct Metric {
  const char* heading;
  int decimals;
  bool higherIsBetter;
  double (*get)(const RunResult&);
};

// The columns of the report's tables; definitions in docs/metrics.md.
const std::vector<Metric>& reportMetrics() {
  static const std::vector<Metric> metrics{
      {"travel time (s)", 1, false, [](const RunResult& r) { return r.meanTravelTimeS; }},
      {"travel time incl. unfinished (s)", 1, false, [](const RunResult& r) { return r.meanTravelTimeWithUnfinishedS; }},
      {"delay (s)", 1, false, [](const RunResult& r) { return r.meanDelayS; }},
      {"delay incl. unfinished (s)", 1, false, [](const RunResult& r) { return r.meanDelayWithUnfinishedS; }},
      {"delay index", 3, false, [](const RunResult& r) { return r.delayIndex; }},
      {"stops / vehicle", 2, false, [](const RunResult& r) { return r.stopsPerVehicle; }},
      {"queue (veh)", 1, false, [](const RunResult& r) { return r.meanQueueVeh; }},
      {"throughput (veh/h)", 0, true, [](const RunResult& r) { return r.throughputVehPerH; }},
      {"arrived", 0, true, [](const RunResult& r) { return static_cast<double>(r.arrived); }},
      {"entered", 0, true, [](const RunResult& r) { return static_cast<double>(r.entered); }},
      {"never entered", 0, false, [](const RunResult& r) { return static_cast<double>(r.waitingToEnter); }},
      {"teleported", 0, false, [](const RunResult& r) { return static_cast<double>(r.teleported); }},
  };
  return metrics;
}

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "–";
  if (std::abs(v) < 0.5 * std::pow(10.0, -decimals)) v = 0;  // no "-0.0"
  return fmt::format("{:.{}f}", v, decimals);
}

double rounded(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

/// Runs of one scenario and policy, in seed order.
using RunGroup = std::vector<const RunResult*>;

MeanInterval statsOf(const RunGroup& runs, double (*get)(const RunResult&)) {
  std::vector<double> values;
  for (const RunResult* r : runs) values.push_back(get(*r));
  return meanInterval95(values);
}

/// Runs grouped by scenario and policy in the spec's order, seeds ascending.
std::vector<std::vector<RunGroup>> groupRuns(const ComparisonSpec& spec, const std::vector<RunResult>& runs) {
  std::vector<std::vector<RunGroup>> byScenario(spec.scenarios.size(), std::vector<RunGroup>(spec.policies.size()));
  for (std::size_t s = 0; s < spec.scenarios.size(); ++s) {
    for (std::size_t p = 0; p < spec.policies.size(); ++p) {
      RunGroup& g = byScenario[s][p];
      for (const RunResult& r : runs)
        if (r.scenario == spec.scenarios[s].name && r.policy == spec.policies[p]) g.push_back(&r);
      std::stable_sort(g.begin(), g.end(), [](const RunResult* a, const RunResult* b) { return a->seed < b->seed; });
    }
  }
  return byScenario;
}

/// Whether every seed gave the same measures (a scenario without random elements).
bool identicalAcrossSeeds(const std::vector<RunGroup>& groups) {
  bool anyPair = false;
  for (const RunGroup& g : groups) {
    for (std::size_t i = 1; i < g.size(); ++i) {
      anyPair = true;
      for (const Metric& m : reportMetrics()) {
        const double a = m.get(*g[0]), b = m.get(*g[i]);
        if (!(a == b || (std::isnan(a) && std::isnan(b)))) return false;
      }
    }
  }
  return anyPair;
}

/// Mean over seeds of a series column at each row; rows are aligned by index (every seed of a
/// scenario samples at the same instants).
template <class Get>
void meanSeries(const RunGroup& runs, Get get, std::vector<double>& xMin, std::vector<double>& y) {
  std::size_t rows = runs.empty() ? 0 : runs.front()->series.size();
  for (const RunResult* r : runs) rows = std::min(rows, r->series.size());
  xMin.assign(rows, 0);
  y.assign(rows, 0);
  for (std::size_t i = 0; i < rows; ++i) {
    double sum = 0;
    for (const RunResult* r : runs) sum += get(r->series[i]);
    xMin[i] = runs.front()->series[i].timeS / 60.0;
    y[i] = sum / static_cast<double>(runs.size());
  }
}

std::string chartName(const char* prefix, const std::string& scenario) { return prefix + scenario + ".svg"; }

std::string seedRange(int seeds) { return seeds == 1 ? "seed 1" : fmt::format("seeds 1–{}", seeds); }

/// The conventions a scenario ran under, in one line: protocol, clearance, lane changes, gridlock
/// handling and sensing.
std::string conventionsLine(const ScenarioInfo& info) {
  const BenchmarkProtocol* protocol = info.protocol.empty() ? nullptr : findBenchmarkProtocol(info.protocol);
  std::string line = "**Protocol: " + (info.protocol.empty() ? std::string("none") : info.protocol) + "**";
  if (protocol) line += " (" + protocol->description + "; docs/protocols.md)";
  else line += " (the scenario files' own settings)";
  line += fmt::format(" · yellow {} s, all-red {} s · lane changes {} · gridlock: {} · **sensing: {}** ({})",
                      fixed(info.yellowS, 1), fixed(info.allRedS, 1), info.laneChanging ? "on" : "off",
                      info.teleports ? "**teleport** (stuck vehicles are moved ahead and counted as arrived)"
                                     : "wait (stuck vehicles stay)",
                      info.sensing,
                      info.sensing == "oracle"
                          ? "policies read exact lane counts, queues and waiting times from the simulation; no "
                            "detector model"
                          : "policies read only what these detectors measure; docs/sensing.md");
  if (protocol)
    line += ". Headline measure of the protocol: `" + protocol->headlineMetric + "`, " + protocol->headlineDefinition;
  line += ".";
  // What the protocol cannot reproduce of the original conventions is said where the numbers are,
  // not only in the docs.
  if (protocol && !protocol->differences.empty()) {
    line += "\n\nWhere this run differs from the original " + protocol->name + " conventions:\n";
    for (const std::string& d : protocol->differences) line += "\n- " + d;
  }
  return line;
}

/// A warning above the table when any run teleported vehicles: each teleport counts a stuck vehicle
/// as arrived, so travel times and throughput look better than the traffic was.
std::string teleportWarning(const ComparisonSpec& spec, const std::vector<RunGroup>& groups) {
  std::string counts;
  bool any = false;
  for (std::size_t p = 0; p < groups.size(); ++p) {
    std::uint64_t total = 0;
    for (const RunResult* r : groups[p]) total += r->teleported;
    any = any || total > 0;
    counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", spec.policies[p], total);
  }
  if (!any) return {};
  return "> **Teleports: vehicles were stuck and moved ahead in this scenario** (summed over seeds: " + counts +
         "). A teleported vehicle counts as arrived, so travel times, delays and throughput of those runs are "
         "better than the traffic was. Compare with `dynamics.gridlock_action = \"wait\"` (the default of "
         "`compare` unless a protocol or `--set` says otherwise).\n\n";
}

// The measures of the paired comparison: those a reader ranks policies by.
const std::vector<Metric>& pairedMetrics() {
  static const std::vector<Metric> metrics{
      {"travel time incl. unfinished (s)", 1, false, [](const RunResult& r) { return r.meanTravelTimeWithUnfinishedS; }},
      {"delay incl. unfinished (s)", 1, false, [](const RunResult& r) { return r.meanDelayWithUnfinishedS; }},
      {"delay index", 3, false, [](const RunResult& r) { return r.delayIndex; }},
      {"arrived", 0, true, [](const RunResult& r) { return static_cast<double>(r.arrived); }},
  };
  return metrics;
}

/// Each policy against the first (the baseline), seed by seed: the mean difference and its paired
/// 95% interval. Every policy ran with the same seeds, so seed i of both saw the same demand and
/// drivers; the differences are then free of the variation between seeds.
std::string pairedComparison(const ComparisonSpec& spec, const std::vector<RunGroup>& groups) {
  if (groups.size() < 2) return {};
  auto values = [](const RunGroup& g, const Metric& m) {
    std::vector<double> v;
    for (const RunResult* r : g) v.push_back(m.get(*r));
    return v;
  };
  std::string md = fmt::format("\nPaired comparison with the baseline **{}** (difference policy − baseline, seed by seed",
                               spec.policies[0]);
  if (spec.seeds > 1)
    md += fmt::format("; mean over {} seeds [95% interval, Student t with {} degree{} of freedom on the differences]; "
                      "**bold**: the interval excludes 0, i.e. the difference is significant at the 5% level",
                      spec.seeds, spec.seeds - 1, spec.seeds == 2 ? "" : "s");
  else
    md += "; one seed, so no interval: use `--seeds 5` or more to test the differences";
  md += "):\n\n| policy |";
  for (const Metric& m : pairedMetrics()) md += fmt::format(" Δ {} |", m.heading);
  md += "\n|---|";
  for (std::size_t k = 0; k < pairedMetrics().size(); ++k) md += "---:|";
  md += "\n";
  for (std::size_t p = 1; p < groups.size(); ++p) {
    md += fmt::format("| {} |", spec.policies[p]);
    for (const Metric& m : pairedMetrics()) {
      const std::vector<double> mine = values(groups[p], m), base = values(groups[0], m);
      const MeanInterval d = pairedDifference95(mine, base);
      std::string cell = (std::isfinite(d.mean) && d.mean > 0 ? "+" : "") + fixed(d.mean, m.decimals);
      if (std::isfinite(d.halfWidth)) {
        cell += " [" + fixed(d.low(), m.decimals) + ", " + fixed(d.high(), m.decimals) + "]";
        if (d.low() > 0 || d.high() < 0) cell = "**" + cell + "**";
      }
      md += " " + cell + " |";
    }
    md += "\n";
  }
  return md;
}

void renderScenarioSection(std::string& md, const ComparisonSpec& spec, const ScenarioInfo& info,
                           const std::vector<RunGroup>& groups) {
  md += fmt::format("\n## {}\n\n", info.name);
  if (!info.description.empty()) md += info.description + ". ";
  md += fmt::format("{} simulated, {}.\n\n", formatClock(info.durationS), seedRange(spec.seeds));
  md += conventionsLine(info) + "\n\n";
  md += teleportWarning(spec, groups);

  // Scenarios with emergency vehicles get a column for their travel time.
  std::vector<Metric> metrics = reportMetrics();
  const bool emergency = std::any_of(groups.begin(), groups.end(), [](const RunGroup& g) {
    return std::any_of(g.begin(), g.end(), [](const RunResult* r) { return std::isfinite(r->emergencyTravelTimeS); });
  });
  if (emergency)
    metrics.push_back({"emergency vehicle travel time (s)", 1, false, [](const RunResult& r) { return r.emergencyTravelTimeS; }});
  std::vector<std::vector<MeanInterval>> cells(groups.size());
  for (std::size_t p = 0; p < groups.size(); ++p)
    for (const Metric& m : metrics) cells[p].push_back(statsOf(groups[p], m.get));

  md += "| policy |";
  for (const Metric& m : metrics) md += fmt::format(" {} |", m.heading);
  md += "\n|---|";
  for (std::size_t k = 0; k < metrics.size(); ++k) md += "---:|";
  md += "\n";
  for (std::size_t p = 0; p < groups.size(); ++p) {
    md += fmt::format("| {} |", spec.policies[p]);
    for (std::size_t k = 0; k < metrics.size(); ++k) {
      const Metric& m = metrics[k];
      const MeanInterval& c = cells[p][k];
      // Best as the reader sees it: compared after rounding to the printed decimals, so that two
      // cells that read the same are both bold. Nothing is bold with a single policy.
      bool best = groups.size() > 1 && std::isfinite(c.mean);
      const double mine = rounded(c.mean, m.decimals);
      for (std::size_t q = 0; q < groups.size() && best; ++q) {
        const double other = rounded(cells[q][k].mean, m.decimals);
        if (std::isfinite(other) && (m.higherIsBetter ? other > mine : other < mine)) best = false;
      }
      const std::string shown = fixed(c.mean, m.decimals);
      md += ' ';
      md += best ? "**" + shown + "**" : shown;
      if (std::isfinite(c.halfWidth)) md += " ± " + fixed(c.halfWidth, m.decimals);
      md += " |";
    }
    md += "\n";
  }

  if (spec.seeds > 1 && identicalAcrossSeeds(groups))
    md += "\n> **Every seed gave the same results here**, so the intervals are zero: this scenario has no random\n"
          "> element (dataset demand is exact). Set `demand.departure_jitter_s` and/or `dynamics.driver_variation`\n"
          "> (see docs/scenario-format.md) to compare policies over varied demand and drivers.\n";

  md += pairedComparison(spec, groups);

  const std::string travel = chartName(kChartPrefixes[0], info.name);
  const std::string delay = chartName(kChartPrefixes[1], info.name);
  const std::string vehicles = chartName(kChartPrefixes[2], info.name);
  md += fmt::format("\nCharts: [mean travel time]({0}) · [delay index over time]({1}) · [vehicles over time]({2})\n\n"
                    "![Mean travel time by policy]({0})\n\n![Delay index over time]({1})\n\n![Vehicles over time]({2})\n",
                    travel, delay, vehicles);
}

std::string renderReport(const ComparisonSpec& spec, const std::vector<std::vector<RunGroup>>& byScenario) {
  std::string md = "# Signal policy comparison\n\n";
  md += fmt::format("Written by {} with:\n\n```sh\n{}\n```\n\n", spec.version.empty() ? "trafficsim" : spec.version,
                    spec.commandLine.empty() ? "trafficsim compare" : spec.commandLine);
  md += fmt::format("Each scenario ran with every policy and {} ({} run{} per cell).", seedRange(spec.seeds), spec.seeds,
                    spec.seeds == 1 ? "" : "s");
  if (spec.seeds > 1)
    md += " A cell is the mean over seeds ± the half-width of its 95% confidence interval (Student t with " +
          std::to_string(spec.seeds - 1) + " degree" + (spec.seeds == 2 ? "" : "s") + " of freedom).";
  else
    md += " With one seed there are no confidence intervals; use `--seeds 5` or more.";
  md += " **Bold**: the best mean of each column (lowest, except throughput, arrived and entered: highest). "
        "A dash: undefined (no vehicle arrived).\n\n"
        "Columns (definitions in docs/metrics.md): *travel time* of arrived vehicles; *incl. unfinished*: "
        "counting vehicles still on their way or waiting to enter with their time so far; *delay*: travel time "
        "minus free-flow time, arrived vehicles; *delay incl. unfinished*: time loss plus departure delay over every "
        "vehicle due to depart (RESCO's delay), unfinished ones so far, those never entered with their whole time; "
        "*delay index*: travel time / free-flow time, all vehicles; "
        "*queue*: vehicles halting in the network, mean over time; *throughput*: arrived vehicles per hour; "
        "*entered*: vehicles that entered the network (the City Brain Challenge's vehicles served); *never "
        "entered*: vehicles still waiting to enter at the end; *teleported*: stuck vehicles moved ahead and "
        "counted as arrived (0 unless gridlock_action is teleport); "
        "*emergency vehicle travel time* (scenarios with emergency vehicles only): their mean, counting "
        "unfinished ones with their time so far. Per-run values: `results.csv`; time series: `timeseries.csv`.\n";
  for (std::size_t s = 0; s < spec.scenarios.size(); ++s) renderScenarioSection(md, spec, spec.scenarios[s], byScenario[s]);
  return md;
}

std::vector<OutputFile> renderCharts(const ComparisonSpec& spec, const ScenarioInfo& info,
                                     const std::vector<RunGroup>& groups) {
  std::vector<OutputFile> files;
  const std::string seedsText = spec.seeds == 1 ? "1 seed" : fmt::format("{} seeds", spec.seeds);

  BarChart travel;
  travel.title = fmt::format("{}: mean travel time ({})", info.name, spec.seeds > 1 ? "95% CI over " + seedsText : seedsText);
  travel.xLabel = "signal policy";
  travel.yLabel = "mean travel time incl. unfinished trips (s)";
  travel.categories = spec.policies;
  for (const RunGroup& g : groups) {
    const MeanInterval m = statsOf(g, [](const RunResult& r) { return r.meanTravelTimeWithUnfinishedS; });
    travel.values.push_back(m.mean);
    travel.errors.push_back(m.halfWidth);
  }
  files.push_back({chartName(kChartPrefixes[0], info.name), renderBarChart(travel)});

  LineChart delay;
  delay.title = fmt::format("{}: delay index of vehicles in the network (mean of {})", info.name, seedsText);
  delay.xLabel = "simulated time (min)";
  delay.yLabel = "delay index (travel / free-flow time)";
  delay.yFloor = 1;
  for (std::size_t p = 0; p < groups.size(); ++p) {
    LineSeries s;
    s.name = spec.policies[p];
    s.colour = static_cast<int>(p);
    meanSeries(groups[p], [](const SeriesPoint& pt) { return pt.delayIndex; }, s.x, s.y);
    delay.series.push_back(std::move(s));
  }
  files.push_back({chartName(kChartPrefixes[1], info.name), renderLineChart(delay)});

  LineChart vehicles;
  vehicles.title = fmt::format("{}: vehicles (mean of {})", info.name, seedsText);
  vehicles.xLabel = "simulated time (min)";
  vehicles.yLabel = "vehicles";
  for (std::size_t p = 0; p < groups.size(); ++p) {
    LineSeries running;
    running.name = spec.policies[p] + ": in the network";
    running.colour = static_cast<int>(p);
    meanSeries(groups[p], [](const SeriesPoint& pt) { return static_cast<double>(pt.running); }, running.x, running.y);
    vehicles.series.push_back(std::move(running));
    // Waiting vehicles only when there are some: a network that keeps its demand outside must
    // not look emptier, but a flat zero line per policy would only clutter the chart.
    LineSeries waiting;
    waiting.name = spec.policies[p] + ": waiting to enter";
    waiting.colour = static_cast<int>(p);
    waiting.dashed = true;
    meanSeries(groups[p], [](const SeriesPoint& pt) { return static_cast<double>(pt.waitingToEnter); }, waiting.x,
               waiting.y);
    if (std::any_of(waiting.y.begin(), waiting.y.end(), [](double v) { return v > 0; }))
      vehicles.series.push_back(std::move(waiting));
  }
  files.push_back({chartName(kChartPrefixes[2], info.name), renderLineChart(vehicles)});
  return files;
}

}  // namespace

// ---- public functions ----------------------------------------------------------------------

std::string formatClock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (total >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", total / 60, total % 60);
  return buf;
}

std::vector<OutputFile> renderComparison(const ComparisonSpec& spec, const std::vector<RunResult>& runs) {
  const std::vector<std::vector<RunGroup>> byScenario = groupRuns(spec, runs);
  std::vector<const RunResult*> ordered;
  for (const auto& groups : byScenario)
    for (const RunGroup& g : groups) ordered.insert(ordered.end(), g.begin(), g.end());

  std::vector<OutputFile> files;
  files.push_back({kResultsFile, resultsCsv(ordered)});
  files.push_back({kTimeseriesFile, timeseriesCsv(ordered)});
  files.push_back({kReportFile, renderReport(spec, byScenario)});
  for (std::size_t s = 0; s < spec.scenarios.size(); ++s)
    for (auto& f : renderCharts(spec, spec.scenarios[s], byScenario[s])) files.push_back(std::move(f));
  return files;
}

bool isComparisonOutput(const std::string& name) {
  if (name == kResultsFile || name == kTimeseriesFile || name == kReportFile) return true;
  if (name.size() < 4 || name.compare(name.size() - 4, 4, ".svg") != 0) return false;
  return std::any_of(kChartPrefixes.begin(), kChartPrefixes.end(),
                     [&](const char* prefix) { return name.rfind(prefix, 0) == 0; });
}

void checkComparisonDirReplaceable(const fs::path& requested) {
  try {
    checkFolderReplaceable(requested, isComparisonOutput);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

void writeComparisonOutputs(const fs::path& requested, const std::vector<OutputFile>& files) {
  checkComparisonDirReplaceable(requested);
  publishFolder(requested, files);
}

std::string summaryTable(const ComparisonSpec& spec, const std::vector<RunResult>& runs) {
  const std::vector<std::vector<RunGroup>> byScenario = groupRuns(spec, runs);
  std::string out;
  std::size_t width = 12;
  for (const auto& p : spec.policies) width = std::max(width, p.size());
  for (std::size_t s = 0; s < spec.scenarios.size(); ++s) {
    out += fmt::format("{:<{}}  {:>26}  {:>15}  {:>18}\n", spec.scenarios[s].name, width + 2, "travel time incl. unf. (s)",
                       "delay index", "throughput (veh/h)");
    for (std::size_t p = 0; p < spec.policies.size(); ++p) {
      const RunGroup& g = byScenario[s][p];
      auto cell = [&](double (*get)(const RunResult&), int decimals) {
        const MeanInterval m = statsOf(g, get);
        return fixed(m.mean, decimals) + (std::isfinite(m.halfWidth) ? " ± " + fixed(m.halfWidth, decimals) : "");
      };
      out += fmt::format("  {:<{}}  {:>26}  {:>15}  {:>18}\n", spec.policies[p], width,
                         cell([](const RunResult& r) { return r.meanTravelTimeWithUnfinishedS; }, 1),
                         cell([](const RunResult& r) { return r.delayIndex; }, 3),
                         cell([](const RunResult& r) { return r.throughputVehPerH; }, 0));
    }
  }
  return out;
}

std::vector<std::string> scenariosIdenticalAcrossSeeds(const ComparisonSpec& spec, const std::vector<RunResult>& runs) {
  std::vector<std::string> names;
  if (spec.seeds < 2) return names;
  const std::vector<std::vector<RunGroup>> byScenario = groupRuns(spec, runs);
  for (std::size_t s = 0; s < spec.scenarios.size(); ++s)
    if (identicalAcrossSeeds(byScenario[s])) names.push_back(spec.scenarios[s].name);
  return names;
}

}  // namespace traffic::compare
