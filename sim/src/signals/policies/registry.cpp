// Signal policies by name. Each entry validates its own parameters so that a scenario with a
// misspelt or out-of-range parameter fails at load, naming the key.
#include <cmath>
#include <functional>
#include <atomic>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "signals/policies/actuated.h"
#include "signals/policies/lookahead_pressure.h"
#include "signals/policies/fixed_time.h"
#include "signals/policies/green_wave.h"
#include "signals/policies/map_program.h"
#include "signals/policies/max_pressure.h"
#include "signals/policies/sotl.h"
#include "signals/policies/webster.h"
#include "base/log.h"
#include "traffic/errors.h"

namespace traffic {
namespace {

using Factory = std::function<std::unique_ptr<SignalPolicy>(const PolicySpec&, const std::string&)>;

struct Entry {
  const char* name;
  std::vector<const char*> params;  // the keys under [signals.params] it accepts; others are rejected
  Factory make;
};

void rejectUnknownParams(const PolicySpec& spec, const std::string& file, const std::vector<const char*>& known) {
  for (const auto& [key, value] : spec.params) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    std::string accepted;
    for (const char* k : known) accepted += std::string(accepted.empty() ? "" : ", ") + k;
    if (!ok)
      throw LoadError(file, "signals.params." + key,
                      "unknown parameter for policy '" + spec.name + "' (accepted: " +
                          (accepted.empty() ? std::string("none") : accepted) + ")");
    if (!std::isfinite(value)) throw LoadError(file, "signals.params." + key, "must be a finite number");
  }
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// The value of parameter `key`, if given.
std::optional<double> optionalParam(const PolicySpec& spec, const char* key) {
  if (auto it = spec.params.find(key); it != spec.params.end()) return it->second;
  return std::nullopt;
}

// The value of `key` (or `fallback`), which must be > 0 (`positive`) or >= 0 (otherwise).
double param(const PolicySpec& spec, const std::string& file, const char* key, double fallback, bool positive,
             const char* unit) {
  const double v = optionalParam(spec, key).value_or(fallback);
  if (positive ? !(v > 0) : !(v >= 0))
    throw LoadError(file, std::string("signals.params.") + key, std::string(positive ? "must be > 0" : "must be >= 0") +
                                                                     (*unit ? std::string(" ") + unit : "") +
                                                                     ", got " + number(v));
  return v;
}

// A lower bound `lowKey` must not exceed its upper bound `highKey`; the error names the lower one.
void requireOrdered(const std::string& file, const char* lowKey, double low, const char* highKey, double high) {
  if (low > high)
    throw LoadError(file, std::string("signals.params.") + lowKey,
                    "must not exceed " + std::string(highKey) + " (" + number(low) + " > " + number(high) + ")");
}

// Listed as --help shows them: fixed_time first (the default), then the other plans computed
// from the map or from flows, then the policies that react to the traffic as it comes.
const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries{
      {"fixed_time",
       {"green_s"},
       [](const PolicySpec& spec, const std::string& file) -> std::unique_ptr<SignalPolicy> {
         std::optional<double> green;
         if (auto it = spec.params.find("green_s"); it != spec.params.end()) {
           if (it->second <= 0) throw LoadError(file, "signals.params.green_s", "must be > 0 s");
           green = it->second;
         }
         return std::make_unique<FixedTimePolicy>(green);
       }},
      {"map_program",
       {"max_gap_s"},
       [](const PolicySpec& spec, const std::string& file) -> std::unique_ptr<SignalPolicy> {
         MapProgramParams p;
         p.maxGapS = param(spec, file, "max_gap_s", p.maxGapS, true, "s");
         return std::make_unique<MapProgramPolicy>(p);
       }},
      {"webster",
       {"saturation_flow_veh_per_h_per_lane", "startup_lost_s", "min_cycle_s", "max_cycle_s"},
       [](const PolicySpec& spec, const std::string& file) -> std::unique_ptr<SignalPolicy> {
         WebsterParams p;
         p.saturationFlowVehPerHPerLane =
             param(spec, file, "saturation_flow_veh_per_h_per_lane", p.saturationFlowVehPerHPerLane, true, "veh/h");
         p.startupLostS = param(spec, file, "startup_lost_s", p.startupLostS, false, "s");
         p.minCycleS = param(spec, file, "min_cycle_s", p.minCycleS, true, "s");
         p.maxCycleS = param(spec, file, "max_cycle_s", p.maxCycleS, true, "s");
         requireOrdered(file, "min_cycle_s", p.minCycleS, "max_cycle_s", p.maxCycleS);
         return std::make_unique<WebsterPolicy>(p);
       }},
      {"green_wave",
       {"design_speed_mps", "green_s"},
       [](const PolicySpec& spec, const std::string& file) -> std::unique_ptr<SignalPolicy> {
         GreenWaveParams p;
         p.designSpeedMps = param(spec, file, "design_speed_mps", p.designSpeedMps, true, "m/s");
         if (optionalParam(spec, "green_s")) p.greenS = param(spec, file, "green_s", 0, true, "s");
         return std::make_unique<GreenWavePolicy>(p);
       }},
      {"actuated",
       {"min_green_s", "max_gap_s", "max_green_s"},
       [](const PolicySpec& spec, const std::string& file) -> std::unique_ptr<SignalPolicy> {
         ActuatedParams p;
         p.maxGapS = param(spec, file, "max_gap_s", p.maxGapS, true, "s");
         p.maxGreenS = param(spec, file, "max_green_s", p.maxGreenS, true, "s");
         if (optionalParam(spec, "min_green_s")) {
           p.minGreenS = param(spec, file, "min_green_s", 0, false, "s");
           requireOrdered(file, "min_green_s", *p.minGreenS, "max_green_s", p.maxGreenS);
         }
         return std::make_unique<ActuatedPolicy>(p);
       }},
      {"sotl",
       {"min_green_s", "threshold", "platoon_size"},
       [](const PolicySpec& spec, const std::string& file) -> std::unique_ptr<SignalPolicy> {
         SotlParams p;
         p.minGreenS = param(spec, file, "min_green_s", p.minGreenS, false, "s");
         p.thresholdVehS = param(spec, file, "threshold", p.thresholdVehS, true, "veh s");
         const double platoon = param(spec, file, "platoon_size", p.platoonSize, false, "vehicles");
         if (platoon != std::floor(platoon) || platoon > 1000)
           throw LoadError(file, "signals.params.platoon_size", "must be a whole number of vehicles up to 1000");
         p.platoonSize = static_cast<int>(platoon);
         return std::make_unique<SotlPolicy>(p);
       }},
      {"max_pressure",
       {"min_phase_s"},
       [](const PolicySpec& spec, const std::string& file) -> std::unique_ptr<SignalPolicy> {
         return std::make_unique<MaxPressurePolicy>(param(spec, file, "min_phase_s", 10, false, "s"));
       }},
      {"lookahead_pressure",
       {"min_phase_s", "max_phase_s", "approach_weight", "platoon_weight", "upstream_weight", "spillback_occupancy", "hysteresis_veh", "max_wait_s"},
       [](const PolicySpec& spec, const std::string& file) -> std::unique_ptr<SignalPolicy> {
         LookaheadPressureParams p;
         p.minPhaseS = param(spec, file, "min_phase_s", p.minPhaseS, false, "s");
         p.maxPhaseS = param(spec, file, "max_phase_s", p.maxPhaseS, true, "s");
         requireOrdered(file, "min_phase_s", p.minPhaseS, "max_phase_s", p.maxPhaseS);
         p.approachWeight = param(spec, file, "approach_weight", p.approachWeight, false, "");
         p.platoonWeight = param(spec, file, "platoon_weight", p.platoonWeight, false, "");
         p.upstreamWeight = param(spec, file, "upstream_weight", p.upstreamWeight, false, "");
         p.spillbackOccupancy = param(spec, file, "spillback_occupancy", p.spillbackOccupancy, true, "");
         p.hysteresisVeh = param(spec, file, "hysteresis_veh", p.hysteresisVeh, false, "vehicles");
         p.maxWaitS = param(spec, file, "max_wait_s", p.maxWaitS, true, "s");
         return std::make_unique<LookaheadPressurePolicy>(p);
       }},
  };
  return entries;
}

// Built-in policies that were renamed: {old name, current name}. The old name was misleading
// rather than wrong to type, so it stays accepted; see canonicalSignalPolicyName.
struct Alias {
  const char* oldName;
  const char* currentName;
  std::atomic<bool>* warned;  // set by the first use, so the warning appears once per process
};
const std::vector<Alias>& aliases() {
  // `city_brain` suggested Alibaba's City Brain; the policy is this project's look-ahead
  // max-pressure heuristic (docs/signal-policies.md).
  static std::atomic<bool> cityBrainWarned{false};
  static const std::vector<Alias> entries{{"city_brain", "lookahead_pressure", &cityBrainWarned}};
  return entries;
}

// Policies added at run time with registerSignalPolicy, after the built-in ones. Guarded by a
// mutex because a host may register while another thread loads a scenario; factories are copied
// out before they are called, so a factory may itself load or register.
struct UserRegistry {
  std::mutex mutex;
  std::vector<std::pair<std::string, Factory>> entries;
};
UserRegistry& userRegistry() {
  static UserRegistry r;
  return r;
}

}  // namespace

void registerSignalPolicy(const std::string& name, SignalPolicyFactory factory) {
  if (name.empty()) throw std::invalid_argument("registerSignalPolicy: empty policy name");
  if (!factory) throw std::invalid_argument("registerSignalPolicy: empty factory for policy '" + name + "'");
  for (const Entry& e : registry())
    if (name == e.name) throw std::invalid_argument("registerSignalPolicy: '" + name + "' is a built-in policy");
  if (!renamedSignalPolicy(name).empty())
    throw std::invalid_argument("registerSignalPolicy: '" + name + "' is the old name of the built-in policy '" +
                                renamedSignalPolicy(name) + "'");
  UserRegistry& user = userRegistry();
  const std::lock_guard lock(user.mutex);
  for (auto& [existing, make] : user.entries)
    if (existing == name) {
      make = std::move(factory);
      return;
    }
  user.entries.emplace_back(name, std::move(factory));
}

std::vector<std::string> signalPolicyNames() {
  std::vector<std::string> names;
  for (const Entry& e : registry()) names.emplace_back(e.name);
  UserRegistry& user = userRegistry();
  const std::lock_guard lock(user.mutex);
  for (const auto& entry : user.entries) names.push_back(entry.first);
  return names;
}

std::optional<std::vector<std::string>> signalPolicyParameters(const std::string& name) {
  const std::string canonical = renamedSignalPolicy(name).empty() ? name : renamedSignalPolicy(name);
  for (const Entry& e : registry())
    if (canonical == e.name) return std::vector<std::string>(e.params.begin(), e.params.end());
  return std::nullopt;
}

std::string renamedSignalPolicy(const std::string& name) {
  for (const Alias& a : aliases())
    if (name == a.oldName) return a.currentName;
  return {};
}

std::string canonicalSignalPolicyName(const std::string& name) {
  for (const Alias& a : aliases()) {
    if (name != a.oldName) continue;
    if (!a.warned->exchange(true))
      simLog().warn("signal policy '{}' is deprecated: it is now called '{}' (same policy, same parameters, "
                    "same results); use the new name",
                    a.oldName, a.currentName);
    return a.currentName;
  }
  return name;
}

std::unique_ptr<SignalPolicy> makeSignalPolicy(const PolicySpec& given, const std::string& sourceFile) {
  PolicySpec renamed;
  const bool isAlias = !renamedSignalPolicy(given.name).empty();
  if (isAlias) renamed = PolicySpec{canonicalSignalPolicyName(given.name), given.params};
  const PolicySpec& spec = isAlias ? renamed : given;
  for (const Entry& e : registry())
    if (spec.name == e.name) {
      rejectUnknownParams(spec, sourceFile, e.params);
      return e.make(spec, sourceFile);
    }
  Factory userFactory;
  {
    UserRegistry& user = userRegistry();
    const std::lock_guard lock(user.mutex);
    for (const auto& [name, make] : user.entries)
      if (name == spec.name) userFactory = make;
  }
  if (userFactory) {
    std::unique_ptr<SignalPolicy> policy = userFactory(spec, sourceFile);
    if (!policy) throw LoadError(sourceFile, "signals.policy", "policy '" + spec.name + "': its factory made nothing");
    return policy;
  }
  std::string known;
  for (const std::string& name : signalPolicyNames()) known += (known.empty() ? "" : ", ") + name;
  throw LoadError(sourceFile, "signals.policy", "unknown signal policy '" + spec.name + "' (known: " + known + ")");
}

}  // namespace traffic
