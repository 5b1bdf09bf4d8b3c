// Signal policies by name. Each entry validates its own parameters so that a scenario with a
// misspelt or out-of-range parameter fails at load, naming the key.
#include <cmath>
#include <functional>

#include "policies/fixed_time.h"
#include "traffic/errors.h"

namespace traffic {
namespace {

using Factory = std::function<std::unique_ptr<SignalPolicy>(const PolicySpec&, const std::string&)>;

struct Entry {
  const char* name;
  Factory make;
};

void rejectUnknownParams(const PolicySpec& spec, const std::string& file, std::initializer_list<const char*> known) {
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

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries{
      {"fixed_time",
       [](const PolicySpec& spec, const std::string& file) -> std::unique_ptr<SignalPolicy> {
         rejectUnknownParams(spec, file, {"green_s"});
         std::optional<double> green;
         if (auto it = spec.params.find("green_s"); it != spec.params.end()) {
           if (it->second <= 0) throw LoadError(file, "signals.params.green_s", "must be > 0 s");
           green = it->second;
         }
         return std::make_unique<FixedTimePolicy>(green);
       }},
  };
  return entries;
}

}  // namespace

std::vector<std::string> signalPolicyNames() {
  std::vector<std::string> names;
  for (const Entry& e : registry()) names.emplace_back(e.name);
  return names;
}

std::unique_ptr<SignalPolicy> makeSignalPolicy(const PolicySpec& spec, const std::string& sourceFile) {
  for (const Entry& e : registry())
    if (spec.name == e.name) return e.make(spec, sourceFile);
  std::string known;
  for (const Entry& e : registry()) known += std::string(known.empty() ? "" : ", ") + e.name;
  throw LoadError(sourceFile, "signals.policy", "unknown signal policy '" + spec.name + "' (known: " + known + ")");
}

}  // namespace traffic
