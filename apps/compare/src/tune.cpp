// The parameter search behind `trafficsim tune` (traffic/compare/tune.h).
#include "traffic/compare/tune.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include "traffic/errors.h"
#include "traffic/sensing.h"
#include "traffic/signal.h"

namespace traffic::compare {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::string> splitAt(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

double parseNumber(const std::string& text, const std::string& range) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !std::isfinite(v))
    throw UsageError("--params " + range + ": '" + text + "' is not a finite number");
  return v;
}

// A number as a scenario override and a report print it: shortest round-trip form.
std::string number(double v) { return fmt::format("{}", v); }

// Four significant digits: tuned values read like values a person would write.
double rounded(double v) { return v == 0 ? 0 : std::stod(fmt::format("{:.4g}", v)); }

// A uniform draw in [0, 1) from the generator's raw bits (std::uniform_real_distribution may
// differ between standard libraries; this does not).
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double draw(const ParamRange& r, std::mt19937_64& rng) {
  const double u = unit(rng);
  switch (r.scale) {
    case ParamScale::Integer: {
      const double lo = std::ceil(r.lo), hi = std::floor(r.hi);
      return std::min(hi, std::floor(lo + u * (hi - lo + 1)));
    }
    case ParamScale::Log: return rounded(std::exp(std::log(r.lo) + u * (std::log(r.hi) - std::log(r.lo))));
    case ParamScale::Real: break;
  }
  return rounded(r.lo + u * (r.hi - r.lo));
}

// The overrides of one run of `candidate`.
std::vector<std::string> runOverrides(const TuneSpec& spec, const Candidate& candidate, std::uint64_t seed,
                                      double durationS) {
  std::vector<std::string> all = spec.overrides;
  all.push_back("signals.policy=" + spec.policy);
  for (const auto& [key, value] : candidate.params) all.push_back("signals.params." + key + "=" + number(value));
  all.push_back(fmt::format("scenario.seed={}", seed));
  all.push_back("scenario.duration_s=" + number(durationS));
  return all;
}

struct ScenarioFacts {
  std::string file;
  std::string name;
  double durationS = 0;
};

ScenarioFacts factsOf(const TuneSpec& spec, const std::string& file) {
  std::vector<std::string> overrides = spec.overrides;
  overrides.push_back("signals.policy=" + spec.policy);
  const Scenario sc = loadScenario(file, overrides);
  return {file, sc.name, sc.durationS};
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return kInf;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

std::string percentChange(double from, double to) {
  if (!std::isfinite(from) || !std::isfinite(to) || from == 0) return "";
  return fmt::format("{:+.1f}%", 100.0 * (to - from) / from);
}

std::string cell(double v) { return std::isfinite(v) ? fmt::format("{:.2f}", v) : "n/a"; }

}  // namespace

// ---- parameters and objectives ---------------------------------------------------------------

std::vector<ParamRange> parseParamRanges(const std::vector<std::string>& texts) {
  std::vector<ParamRange> ranges;
  std::set<std::string> seen;
  for (const std::string& text : texts)
    for (const std::string& item : splitAt(text, ',')) {
      const std::size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0)
        throw UsageError("--params '" + item + "': write key=lo:hi, optionally with :int or :log, e.g. "
                         "min_phase_s=5:30,max_wait_s=30:300:log");
      ParamRange r;
      r.key = item.substr(0, eq);
      const std::vector<std::string> parts = splitAt(item.substr(eq + 1), ':');
      if (parts.size() < 2 || parts.size() > 3)
        throw UsageError("--params " + item + ": the range must be lo:hi, lo:hi:int or lo:hi:log");
      r.lo = parseNumber(parts[0], item);
      r.hi = parseNumber(parts[1], item);
      if (parts.size() == 3) {
        if (parts[2] == "int")
          r.scale = ParamScale::Integer;
        else if (parts[2] == "log")
          r.scale = ParamScale::Log;
        else
          throw UsageError("--params " + item + ": unknown scale '" + parts[2] + "'; use int or log");
      }
      if (r.lo > r.hi) throw UsageError("--params " + item + ": the low end exceeds the high end");
      if (r.scale == ParamScale::Log && !(r.lo > 0))
        throw UsageError("--params " + item + ": a log range must lie above 0");
      if (r.scale == ParamScale::Integer && std::ceil(r.lo) > std::floor(r.hi))
        throw UsageError("--params " + item + ": no whole number lies in the range");
      if (!seen.insert(r.key).second) throw UsageError("--params names '" + r.key + "' twice");
      ranges.push_back(r);
    }
  return ranges;
}

void checkParamRanges(const std::string& policy, const std::vector<ParamRange>& ranges) {
  const auto known = signalPolicyParameters(policy);
  if (!known) return;  // a policy registered at run time: its factory checks each candidate
  for (const ParamRange& r : ranges)
    if (std::find(known->begin(), known->end(), r.key) == known->end()) {
      std::string list;
      for (const std::string& k : *known) list += (list.empty() ? "" : ", ") + k;
      throw UsageError("--params " + r.key + ": policy '" + policy + "' has no parameter '" + r.key +
                       "' (its parameters: " + (list.empty() ? std::string("none") : list) + ")");
    }
}

std::string objectiveNames() { return "travel_time, delay, delay_index"; }

bool parseObjective(const std::string& name, Objective& objective) {
  for (Objective o : {Objective::TravelTime, Objective::Delay, Objective::DelayIndex})
    if (name == toString(o)) {
      objective = o;
      return true;
    }
  return false;
}

const char* toString(Objective objective) {
  switch (objective) {
    case Objective::TravelTime: return "travel_time";
    case Objective::Delay: return "delay";
    case Objective::DelayIndex: return "delay_index";
  }
  return "?";
}

const char* objectiveColumn(Objective objective) {
  switch (objective) {
    case Objective::TravelTime: return "mean_travel_time_with_unfinished_s";
    case Objective::Delay: return "mean_delay_with_unfinished_s";
    case Objective::DelayIndex: return "delay_index";
  }
  return "?";
}

double objectiveOf(const RunResult& run, Objective objective) {
  double v = RunResult::kNone;
  switch (objective) {
    case Objective::TravelTime: v = run.meanTravelTimeWithUnfinishedS; break;
    case Objective::Delay: v = run.meanDelayWithUnfinishedS; break;
    case Objective::DelayIndex: v = run.delayIndex; break;
  }
  return std::isfinite(v) ? v : kInf;
}

// ---- running ---------------------------------------------------------------------------------

std::vector<RunResult> runInParallel(const std::vector<RunRequest>& batch, int jobs, const std::atomic<bool>& stop) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t workers =
      std::max<std::size_t>(1, std::min(batch.size(), static_cast<std::size_t>(jobs > 0 ? jobs : static_cast<int>(cores))));
  std::vector<RunResult> results(batch.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr failure;
  bool interrupted = false;
  auto work = [&] {
    while (!failed.load() && !stop.load()) {
      const std::size_t i = next.fetch_add(1);
      if (i >= batch.size()) return;
      try {
        const Scenario sc = loadScenario(batch[i].file, batch[i].overrides);
        std::optional<RunResult> r = simulateRun(sc, sc.signalPolicy.name, stop);
        if (!r) {
          const std::lock_guard lock(mutex);
          interrupted = true;
          return;
        }
        results[i] = std::move(*r);
      } catch (...) {
        const std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        failed.store(true);
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  if (interrupted || stop.load()) throw Interrupted{};
  return results;
}

// ---- the search ------------------------------------------------------------------------------

TuneResult tunePolicy(const TuneSpec& spec, const BatchRunner& runner,
                      const std::function<void(const std::string&)>& progress) {
  if (spec.ranges.empty()) throw UsageError("--params: give at least one parameter range to search");
  if (spec.budget < 1) throw UsageError("--budget must be at least 1");
  if (spec.eta < 2) throw UsageError("--eta must be at least 2");
  if (spec.train.empty()) throw UsageError("--train: give at least one training scenario");
  checkParamRanges(spec.policy, spec.ranges);

  std::vector<ScenarioFacts> train, test;
  for (const auto& f : spec.train) train.push_back(factsOf(spec, f));
  for (const auto& f : spec.test) test.push_back(factsOf(spec, f));

  TuneResult result;
  // Candidates: the defaults, then draws that the policy accepts (a draw may break a rule between
  // parameters, such as min_phase_s <= max_phase_s; such draws are replaced).
  std::mt19937_64 rng(spec.searchSeed);
  result.candidates.push_back(Candidate{0, {}});
  for (int id = 1; id < spec.budget; ++id) {
    Candidate c{id, {}};
    std::string lastError;
    bool ok = false;
    for (int attempt = 0; attempt < 1000 && !ok; ++attempt) {
      c.params.clear();
      for (const ParamRange& r : spec.ranges) c.params[r.key] = draw(r, rng);
      try {
        (void)makeSignalPolicy(PolicySpec{spec.policy, c.params}, "--params");
        ok = true;
      } catch (const LoadError& e) {
        lastError = e.what();
      }
    }
    if (!ok)
      throw UsageError("--params: no parameter set drawn from these ranges is accepted by policy '" + spec.policy +
                       "' (1000 draws; the last: " + lastError + ")");
    result.candidates.push_back(c);
  }

  // Successive halving: rung k of K runs floor(budget / eta^k) candidates at eta^(k-K) of the
  // duration, the last at full length.
  int lastRung = 0;
  for (long n = spec.eta; n <= spec.budget; n *= spec.eta) ++lastRung;
  std::vector<int> alive(static_cast<std::size_t>(spec.budget));
  std::iota(alive.begin(), alive.end(), 0);

  auto runBatch = [&](const std::string& phase, int rung, const std::vector<int>& candidates,
                      const std::vector<ScenarioFacts>& scenarios, double fraction) {
    std::vector<RunRequest> batch;
    std::vector<Evaluation> evals;
    for (int c : candidates)
      for (const ScenarioFacts& s : scenarios)
        for (int seed = 1; seed <= spec.seeds; ++seed) {
          const double duration = fraction >= 1 ? s.durationS
                                                : std::min(s.durationS, std::max(spec.minRungDurationS,
                                                                                 std::ceil(fraction * s.durationS)));
          batch.push_back({s.file, runOverrides(spec, result.candidates[static_cast<std::size_t>(c)],
                                                static_cast<std::uint64_t>(seed), duration)});
          Evaluation e;
          e.phase = phase;
          e.rung = rung;
          e.candidate = c;
          e.scenario = s.name;
          e.seed = static_cast<std::uint64_t>(seed);
          e.durationS = duration;
          evals.push_back(e);
        }
    std::vector<RunResult> runs = runner(batch);
    for (std::size_t i = 0; i < evals.size(); ++i) {
      evals[i].objective = objectiveOf(runs[i], spec.objective);
      evals[i].run = std::move(runs[i]);
    }
    result.runs += evals.size();
    const std::size_t first = result.evaluations.size();
    result.evaluations.insert(result.evaluations.end(), evals.begin(), evals.end());
    return first;
  };
  // Mean objective of `candidate` over the evaluations from `first` on whose scenario is in `names`.
  auto scoreOf = [&](std::size_t first, int candidate, const std::vector<std::string>& names) {
    std::vector<double> values;
    for (std::size_t i = first; i < result.evaluations.size(); ++i) {
      const Evaluation& e = result.evaluations[i];
      if (e.candidate == candidate && std::find(names.begin(), names.end(), e.scenario) != names.end())
        values.push_back(e.objective);
    }
    return mean(values);
  };
  std::vector<std::string> trainNames;
  for (const auto& s : train) trainNames.push_back(s.name);

  for (int k = 0; k <= lastRung; ++k) {
    Rung rung;
    rung.durationFraction = std::pow(static_cast<double>(spec.eta), k - lastRung);
    rung.candidates = alive;
    if (progress)
      progress(fmt::format("rung {}/{}: {} candidate{} x {} run{} at {:.0f}% of the duration", k + 1, lastRung + 1,
                           alive.size(), alive.size() == 1 ? "" : "s", train.size() * static_cast<std::size_t>(spec.seeds),
                           train.size() * static_cast<std::size_t>(spec.seeds) == 1 ? "" : "s",
                           100 * rung.durationFraction));
    const std::size_t first = runBatch("train", k, alive, train, rung.durationFraction);
    for (int c : alive) rung.scores.push_back(scoreOf(first, c, trainNames));
    // Keep the best floor(budget / eta^(k+1)) (at least one); ties to the lower candidate number.
    std::vector<std::size_t> order(alive.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return rung.scores[a] < rung.scores[b]; });
    const auto keep = static_cast<std::size_t>(
        std::max(1.0, std::floor(spec.budget / std::pow(static_cast<double>(spec.eta), k + 1))));
    std::vector<int> next;
    for (std::size_t i = 0; i < std::min(keep, order.size()); ++i) next.push_back(alive[order[i]]);
    result.best = alive[order.front()];
    result.trainBest = rung.scores[order.front()];
    result.rungs.push_back(rung);
    alive = next;
  }

  // The defaults' full-length training score: from the last rung when they reached it.
  const Rung& last = result.rungs.back();
  result.trainDefaults = kInf;
  for (std::size_t i = 0; i < last.candidates.size(); ++i)
    if (last.candidates[i] == 0) result.trainDefaults = last.scores[i];
  if (!std::isfinite(result.trainDefaults)) {
    if (progress) progress("the defaults on the training scenarios, full length");
    const std::size_t first = runBatch("train", -1, {0}, train, 1);
    result.trainDefaults = scoreOf(first, 0, trainNames);
  }
  // Early rungs rank on short runs, which can drop the defaults although they are better over the
  // whole duration: the winner of the last (full-length) rung must beat them there, or they stand.
  if (result.best != 0 && result.trainDefaults <= result.trainBest) {
    result.best = 0;
    result.trainBest = result.trainDefaults;
  }

  // Held-out scores: the best and the defaults on every test scenario, full length.
  if (!test.empty()) {
    std::vector<int> finalists{0};
    if (result.best != 0) finalists.push_back(result.best);
    if (progress)
      progress(fmt::format("held-out: {} candidate{} x {} run{}", finalists.size(), finalists.size() == 1 ? "" : "s",
                           test.size() * static_cast<std::size_t>(spec.seeds),
                           test.size() * static_cast<std::size_t>(spec.seeds) == 1 ? "" : "s"));
    const std::size_t first = runBatch("test", -1, finalists, test, 1);
    for (const ScenarioFacts& s : test) {
      result.testScenarios.push_back(s.name);
      result.testDefaults.push_back(scoreOf(first, 0, {s.name}));
      result.testBest.push_back(scoreOf(first, result.best, {s.name}));
    }
  }
  return result;
}

// ---- outputs ---------------------------------------------------------------------------------

std::vector<OutputFile> renderTune(const TuneSpec& spec, const TuneResult& result, const std::string& commandLine,
                                   const std::string& version) {
  // results.csv: one row per run.
  std::string csv = "phase,rung,candidate";
  for (const ParamRange& r : spec.ranges) csv += "," + r.key;
  csv += ",scenario,seed,duration_s,objective,mean_travel_time_with_unfinished_s,mean_delay_with_unfinished_s,"
         "delay_index,arrived,teleported,protocol,sensing\n";
  for (const Evaluation& e : result.evaluations) {
    const Candidate& c = result.candidates[static_cast<std::size_t>(e.candidate)];
    csv += e.phase + "," + (e.rung >= 0 ? std::to_string(e.rung) : std::string()) + "," + std::to_string(e.candidate);
    for (const ParamRange& r : spec.ranges) {
      csv += ",";
      if (auto it = c.params.find(r.key); it != c.params.end()) csv += number(it->second);
    }
    csv += ",";
    csv::appendText(csv, e.scenario);
    csv += fmt::format(",{},{},", e.seed, number(e.durationS));
    csv::appendFixed(csv, std::isfinite(e.objective) ? e.objective : RunResult::kNone, 3);
    csv += ",";
    csv::appendFixed(csv, e.run.meanTravelTimeWithUnfinishedS, 3);
    csv += ",";
    csv::appendFixed(csv, e.run.meanDelayWithUnfinishedS, 3);
    csv += ",";
    csv::appendFixed(csv, e.run.delayIndex, 4);
    csv += fmt::format(",{},{},", e.run.arrived, e.run.teleported);
    csv::appendText(csv, e.run.protocol);
    csv += ",";
    csv::appendText(csv, e.run.sensing);
    csv += "\n";
  }

  const Candidate& best = result.candidates[static_cast<std::size_t>(result.best)];
  const std::string protocol = result.evaluations.empty() ? "" : result.evaluations.front().run.protocol;
  const std::string sensing = result.evaluations.empty() ? "" : result.evaluations.front().run.sensing;
  std::string trainList, testList;
  for (const auto& f : spec.train) trainList += (trainList.empty() ? "" : ", ") + ("`" + f + "`");
  for (const auto& f : spec.test) testList += (testList.empty() ? "" : ", ") + ("`" + f + "`");

  std::string md = "# Tuning " + spec.policy + "\n\n";
  md += "Generated by " + version + ":\n\n```sh\n" + commandLine + "\n```\n\n";
  md += fmt::format("Objective: **{}** (`{}`, lower is better), the mean over the training runs of a rung. "
                    "Protocol: {}. Sensing: {}. Seeds 1–{} for every scenario.\n\n",
                    toString(spec.objective), objectiveColumn(spec.objective), protocol.empty() ? "none" : protocol,
                    sensing, spec.seeds);
  md += "Trained on " + trainList + "; held out: " + (testList.empty() ? std::string("none") : testList) +
        ". The search never ran a held-out scenario; they are run only to score the defaults and the winner.\n\n";

  md += fmt::format("## Search\n\nRandom search with successive halving: {} candidates (candidate 0 is the policy's "
                    "defaults), search seed {}, keeping 1/{} per rung; {} runs in all.\n\n",
                    spec.budget, spec.searchSeed, spec.eta, result.runs);
  md += "| rung | duration | candidates | best | best score |\n|---|---|---|---|---|\n";
  for (std::size_t k = 0; k < result.rungs.size(); ++k) {
    const Rung& r = result.rungs[k];
    std::size_t bestAt = 0;
    for (std::size_t i = 1; i < r.scores.size(); ++i)
      if (r.scores[i] < r.scores[bestAt]) bestAt = i;
    md += fmt::format("| {} | {:.0f}% | {} | {} | {} |\n", k, 100 * r.durationFraction, r.candidates.size(),
                      r.candidates[bestAt], cell(r.scores[bestAt]));
  }

  md += "\n## Parameters\n\n| parameter | range | tuned |\n|---|---|---|\n";
  for (const ParamRange& r : spec.ranges) {
    const char* scale = r.scale == ParamScale::Integer ? " (whole)" : r.scale == ParamScale::Log ? " (log)" : "";
    const auto it = best.params.find(r.key);
    md += fmt::format("| `{}` | {}–{}{} | {} |\n", r.key, number(r.lo), number(r.hi), scale,
                      it == best.params.end() ? std::string("default") : number(it->second));
  }
  if (result.best == 0) md += "\nThe defaults won: no candidate beat them on the training scenarios.\n";

  md += fmt::format("\n## Scores ({}, full duration)\n\n| | train", toString(spec.objective));
  for (const auto& name : result.testScenarios) md += " | " + name;
  if (!result.testScenarios.empty()) md += " | held-out mean";
  md += " |\n|---|---";
  for (std::size_t i = 0; i < result.testScenarios.size(); ++i) md += "|---";
  if (!result.testScenarios.empty()) md += "|---";
  md += "|\n";
  auto row = [&](const std::string& label, double train, const std::vector<double>& tests) {
    std::string line = "| " + label + " | " + cell(train);
    for (double t : tests) line += " | " + cell(t);
    if (!tests.empty()) line += " | " + cell(mean(tests));
    return line + " |\n";
  };
  md += row("defaults", result.trainDefaults, result.testDefaults);
  md += row(fmt::format("tuned (candidate {})", result.best), result.trainBest, result.testBest);
  std::string change = "| change | " + percentChange(result.trainDefaults, result.trainBest);
  for (std::size_t i = 0; i < result.testBest.size(); ++i)
    change += " | " + percentChange(result.testDefaults[i], result.testBest[i]);
  if (!result.testBest.empty()) change += " | " + percentChange(mean(result.testDefaults), mean(result.testBest));
  md += change + " |\n";
  md += "\nEvery run is a row of results.csv; `tuned.toml` holds the tuned parameters as scenario keys.\n";

  std::string toml = "# " + commandLine + "\n# " + version + ": best of " + std::to_string(spec.budget) +
                     " candidates on the training scenarios, objective " + toString(spec.objective) + "\n";
  toml += "[signals]\npolicy = \"" + spec.policy + "\"\n";
  if (!best.params.empty()) {
    toml += "\n[signals.params]\n";
    for (const auto& [key, value] : best.params) toml += key + " = " + number(value) + "\n";
  }
  return {{kTuneResultsFile, csv}, {kTuneReportFile, md}, {kTuneSnippetFile, toml}};
}

bool isTuneOutput(const std::string& fileName) {
  return fileName == kTuneResultsFile || fileName == kTuneReportFile || fileName == kTuneSnippetFile;
}

}  // namespace traffic::compare
