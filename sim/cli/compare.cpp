#include "compare.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "exit_codes.h"
#include "progress.h"
#include "stats.h"
#include "svg_chart.h"
#include "traffic/world.h"

namespace traffic::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kResultsFile = "results.csv";
constexpr const char* kTimeseriesFile = "timeseries.csv";
constexpr const char* kReportFile = "report.md";
constexpr std::array<const char*, 3> kChartPrefixes{"travel_time_", "delay_index_", "vehicles_"};

/// A vehicle counts as halting below this speed, as for stops (docs/metrics.md).
constexpr double kHaltingSpeedMps = 0.1;

// ---- measuring a run -----------------------------------------------------------------------

std::uint32_t countHalting(const World& world) {
  const WorldSnapshot snap = world.snapshot();
  return static_cast<std::uint32_t>(std::count_if(snap.vehicles.begin(), snap.vehicles.end(),
                                                  [](const VehicleView& v) { return v.speedMps < kHaltingSpeedMps; }));
}

// ---- CSV -----------------------------------------------------------------------------------

using csv::appendFixed;

std::string resultsCsv(const std::vector<const RunResult*>& runs) {
  std::string out =
      "scenario,policy,seed,mean_travel_time_s,mean_travel_time_with_unfinished_s,mean_delay_s,stops_per_vehicle,"
      "mean_queue_veh,throughput_veh_per_h,delay_index,arrived,spawned,waiting_to_enter,teleported,"
      "emergency_travel_time_s,wall_seconds\n";
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
      {"delay index", 3, false, [](const RunResult& r) { return r.delayIndex; }},
      {"stops / vehicle", 2, false, [](const RunResult& r) { return r.stopsPerVehicle; }},
      {"queue (veh)", 1, false, [](const RunResult& r) { return r.meanQueueVeh; }},
      {"throughput (veh/h)", 0, true, [](const RunResult& r) { return r.throughputVehPerH; }},
      {"arrived", 0, true, [](const RunResult& r) { return static_cast<double>(r.arrived); }},
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

void renderScenarioSection(std::string& md, const ComparisonSpec& spec, const ScenarioInfo& info,
                           const std::vector<RunGroup>& groups) {
  md += fmt::format("\n## {}\n\n", info.name);
  if (!info.description.empty()) md += info.description + ". ";
  md += fmt::format("{} simulated, {}.\n\n", formatClock(info.durationS), seedRange(spec.seeds));

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
  md += " **Bold**: the best mean of each column (lowest, except throughput and arrived: highest). "
        "A dash: undefined (no vehicle arrived).\n\n"
        "Columns (definitions in docs/metrics.md): *travel time* of arrived vehicles; *incl. unfinished*: "
        "counting vehicles still on their way or waiting to enter with their time so far; *delay*: travel time "
        "minus free-flow time, arrived vehicles; *delay index*: travel time / free-flow time, all vehicles; "
        "*queue*: vehicles halting in the network, mean over time; *throughput*: arrived vehicles per hour; "
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

// ---- writing the folder --------------------------------------------------------------------

// ---- progress ------------------------------------------------------------------------------

/// Runs done out of the total on stderr: a line redrawn in place on a terminal, else a plain line
/// per finished run (CI logs). The ETA counts the partly simulated runs too, so it moves smoothly
/// even when a few long runs are all in progress.
class RunProgress {
 public:
  RunProgress(std::size_t total, bool enabled)
      : m_total(total), m_enabled(enabled), m_interactive(::isatty(STDERR_FILENO) != 0), m_start(Clock::now()) {}

  void update(std::size_t done, double partial, const std::string& lastFinished) {
    if (!m_enabled) return;
    if (m_interactive) {
      const auto now = Clock::now();
      if (now - m_lastDraw < std::chrono::milliseconds(200) && done == m_drawnDone) return;
      m_lastDraw = now;
      m_drawnDone = done;
      const int barWidth = 20;
      const double fraction = m_total ? std::clamp(partial / static_cast<double>(m_total), 0.0, 1.0) : 1.0;
      const int filled = static_cast<int>(fraction * barWidth);
      std::fprintf(stderr, "\r[%s%s] %s\033[K", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(barWidth - filled), '.').c_str(), status(done, partial).c_str());
      std::fflush(stderr);
      m_lineOpen = true;
      return;
    }
    if (done == m_drawnDone) return;
    m_drawnDone = done;
    std::fprintf(stderr, "progress %s  (%s)\n", status(done, partial).c_str(), lastFinished.c_str());
    std::fflush(stderr);
  }

  void finish() {
    if (m_enabled && m_lineOpen) std::fputc('\n', stderr);
    m_lineOpen = false;
  }

  void clear() {
    if (!m_lineOpen) return;
    std::fputs("\r\033[K", stderr);
    m_lineOpen = false;
  }

  [[nodiscard]] double elapsedS() const { return std::chrono::duration<double>(Clock::now() - m_start).count(); }

 private:
  [[nodiscard]] std::string status(std::size_t done, double partial) const {
    const double elapsed = elapsedS();
    std::string text = fmt::format("{}/{} runs  {} elapsed", done, m_total, formatClock(elapsed));
    if (done < m_total) {
      const double rate = elapsed > 0 ? partial / elapsed : 0;
      text += "  ETA " + (rate > 0 && partial > 0.02 ? formatClock((static_cast<double>(m_total) - partial) / rate)
                                                     : std::string("?"));
    }
    return text;
  }

  std::size_t m_total;
  bool m_enabled;
  bool m_interactive;
  bool m_lineOpen = false;
  Clock::time_point m_start;
  Clock::time_point m_lastDraw{};
  std::size_t m_drawnDone = 0;
};

// ---- the command ---------------------------------------------------------------------------

std::string shellQuoted(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=,:+") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string commandLineOf(const CompareOptions& opt) {
  std::string cmd = "trafficsim compare";
  for (const auto& s : opt.scenarios) cmd += " " + shellQuoted(s);
  std::string policies;
  for (const auto& p : opt.policies) policies += (policies.empty() ? "" : ",") + p;
  cmd += " --policies " + shellQuoted(policies) + fmt::format(" --seeds {}", opt.seeds);
  if (opt.durationS) cmd += fmt::format(" --duration {}", *opt.durationS);
  for (const auto& s : opt.overrides) cmd += " --set " + shellQuoted(s);
  cmd += " --out " + shellQuoted(opt.out);
  return cmd;
}

std::vector<std::string> runOverrides(const CompareOptions& opt, const std::string& policy,
                                      std::optional<std::uint64_t> seed) {
  // As for `run`: the dedicated flags come last so that they win over a --set of the same key.
  std::vector<std::string> all = opt.overrides;
  all.push_back("signals.policy=" + policy);
  if (seed) all.push_back(fmt::format("scenario.seed={}", *seed));
  if (opt.durationS) all.push_back(fmt::format("scenario.duration_s={}", *opt.durationS));
  return all;
}

void printSummary(const ComparisonSpec& spec, const std::vector<std::vector<RunGroup>>& byScenario, std::size_t runs,
                  double wallS, int jobs, const fs::path& out, std::size_t files) {
  fmt::print("compare: {} scenario{} x {} polic{} x {} seed{} = {} runs in {} wall time ({} job{})\n",
             spec.scenarios.size(), spec.scenarios.size() == 1 ? "" : "s", spec.policies.size(),
             spec.policies.size() == 1 ? "y" : "ies", spec.seeds, spec.seeds == 1 ? "" : "s", runs,
             wallS < 60 ? fmt::format("{:.1f} s", wallS) : formatClock(wallS), jobs, jobs == 1 ? "" : "s");
  std::size_t width = 12;
  for (const auto& p : spec.policies) width = std::max(width, p.size());
  for (std::size_t s = 0; s < spec.scenarios.size(); ++s) {
    fmt::print("{:<{}}  {:>26}  {:>15}  {:>18}\n", spec.scenarios[s].name, width + 2, "travel time incl. unf. (s)",
               "delay index", "throughput (veh/h)");
    for (std::size_t p = 0; p < spec.policies.size(); ++p) {
      const RunGroup& g = byScenario[s][p];
      auto cell = [&](double (*get)(const RunResult&), int decimals) {
        const MeanInterval m = statsOf(g, get);
        return fixed(m.mean, decimals) + (std::isfinite(m.halfWidth) ? " ± " + fixed(m.halfWidth, decimals) : "");
      };
      fmt::print("  {:<{}}  {:>26}  {:>15}  {:>18}\n", spec.policies[p], width,
                 cell([](const RunResult& r) { return r.meanTravelTimeWithUnfinishedS; }, 1),
                 cell([](const RunResult& r) { return r.delayIndex; }, 3),
                 cell([](const RunResult& r) { return r.throughputVehPerH; }, 0));
    }
  }
  fmt::print("outputs  {}/ ({}, {}, {} and {} charts)\n", out.string(), kResultsFile, kTimeseriesFile, kReportFile,
             files - 3);
}

}  // namespace

// ---- public functions ----------------------------------------------------------------------

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

  double delaySum = 0;
  std::size_t finished = 0;
  for (const TripRecord& t : world.tripRecords()) {
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

int compareCommand(const CompareOptions& opt, const std::function<int()>& pendingSignal,
                   const std::function<void()>& beforeRuns) {
  if (opt.scenarios.empty()) throw UsageError("compare needs at least one scenario file");
  if (opt.policies.empty()) throw UsageError("--policies needs at least one signal policy name");
  std::set<std::string> seen;
  for (const auto& p : opt.policies) {
    if (p.empty()) throw UsageError("--policies has an empty name; write names separated by commas, e.g. a,b");
    if (!seen.insert(p).second) throw UsageError("--policies names '" + p + "' twice");
  }
  if (opt.seeds < 1) throw UsageError("--seeds must be at least 1");
  if (opt.out.empty()) throw UsageError("--out is required: the folder to write the comparison into");

  // Validate everything before the first run: each scenario with each policy, exactly as the runs
  // will load them (a policy may reject parameters the scenario sets under [signals.params]).
  ComparisonSpec spec;
  spec.policies = opt.policies;
  spec.seeds = opt.seeds;
  spec.version = opt.version;
  spec.commandLine = commandLineOf(opt);
  for (const auto& file : opt.scenarios) {
    for (std::size_t p = 0; p < opt.policies.size(); ++p) {
      const Scenario sc = loadScenario(file, runOverrides(opt, opt.policies[p], std::nullopt));
      if (p > 0) continue;
      for (const ScenarioInfo& other : spec.scenarios)
        if (other.name == sc.name)
          throw UsageError("two scenarios are named '" + sc.name + "' (" + file +
                           " and an earlier one); results and charts are keyed by name, so give them distinct "
                           "scenario.name values");
      spec.scenarios.push_back({sc.name, sc.description, sc.durationS});
    }
  }
  checkComparisonDirReplaceable(opt.out);

  struct Task {
    std::size_t scenario;
    std::size_t policy;
    std::uint64_t seed;
  };
  std::vector<Task> tasks;
  for (std::size_t s = 0; s < opt.scenarios.size(); ++s)
    for (std::size_t p = 0; p < opt.policies.size(); ++p)
      for (int seed = 1; seed <= opt.seeds; ++seed) tasks.push_back({s, p, static_cast<std::uint64_t>(seed)});

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t jobs =
      std::min(tasks.size(), static_cast<std::size_t>(opt.jobs > 0 ? static_cast<unsigned>(opt.jobs) : cores));

  if (beforeRuns) beforeRuns();
  if (const int sig = pendingSignal ? pendingSignal() : 0; sig != 0) {
    std::cerr << "interrupted before the first run; no outputs written\n";
    return 128 + sig;
  }

  std::vector<std::optional<RunResult>> results(tasks.size());
  std::vector<std::atomic<double>> partial(jobs);
  for (auto& f : partial) f.store(0);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t done = 0;
  std::string lastFinished;
  std::exception_ptr failure;

  auto worker = [&](std::size_t w) {
    while (!stop.load()) {
      const std::size_t i = next.fetch_add(1);
      if (i >= tasks.size()) return;
      const Task& t = tasks[i];
      try {
        const Scenario sc =
            loadScenario(opt.scenarios[t.scenario], runOverrides(opt, opt.policies[t.policy], t.seed));
        std::optional<RunResult> r = simulateRun(sc, opt.policies[t.policy], stop, &partial[w]);
        partial[w].store(0);
        if (!r) return;  // stopped
        std::lock_guard lock(mutex);
        results[i] = std::move(r);
        ++done;
        lastFinished = fmt::format("{}, {}, seed {}", sc.name, opt.policies[t.policy], t.seed);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        stop.store(true);
      }
      changed.notify_all();
    }
  };

  RunProgress progress(tasks.size(), !opt.quiet);
  std::vector<std::thread> threads;
  threads.reserve(jobs);
  for (std::size_t w = 0; w < jobs; ++w) threads.emplace_back(worker, w);
  int signal = 0;
  {
    std::unique_lock lock(mutex);
    while (true) {
      changed.wait_for(lock, std::chrono::milliseconds(100));
      if (pendingSignal && (signal = pendingSignal()) != 0) stop.store(true);
      if (done == tasks.size() || stop.load()) break;
      double running = 0;
      for (const auto& f : partial) running += f.load(std::memory_order_relaxed);
      progress.update(done, static_cast<double>(done) + running, lastFinished);
    }
    progress.update(done, static_cast<double>(done), lastFinished);
  }
  for (auto& t : threads) t.join();
  const double wallS = progress.elapsedS();

  if (signal != 0) {
    progress.clear();
    std::cerr << fmt::format("interrupted after {} of {} runs; no outputs written\n", done, tasks.size());
    return 128 + signal;
  }
  progress.finish();
  if (failure) std::rethrow_exception(failure);

  std::vector<RunResult> runs;
  runs.reserve(results.size());
  for (auto& r : results) runs.push_back(std::move(*r));
  const std::vector<OutputFile> files = renderComparison(spec, runs);
  try {
    writeComparisonOutputs(opt.out, files);
  } catch (const std::runtime_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    // The runs may have taken hours: keep their results somewhere rather than lose them.
    const fs::path rescue = fs::temp_directory_path() / fmt::format("trafficsim-compare-{}", static_cast<long>(::getpid()));
    try {
      writeComparisonOutputs(rescue, files);
      std::cerr << "the results were saved to " << rescue.string() << " instead\n";
    } catch (const std::exception&) {
    }
    return kExitInternal;
  }

  if (opt.quiet) return kExitOk;
  const std::vector<std::vector<RunGroup>> byScenario = groupRuns(spec, runs);
  for (std::size_t s = 0; s < spec.scenarios.size(); ++s)
    if (opt.seeds > 1 && identicalAcrossSeeds(byScenario[s]))
      std::cerr << "note: " << spec.scenarios[s].name
                << ": every seed gave the same results (the scenario has no random element); set "
                   "demand.departure_jitter_s or dynamics.driver_variation to vary demand and drivers by seed\n";
  printSummary(spec, byScenario, runs.size(), wallS, static_cast<int>(jobs), fs::path(opt.out), files.size());
  return kExitOk;
}

}  // namespace traffic::cli
