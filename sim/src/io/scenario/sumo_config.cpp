// A SUMO configuration (.sumocfg) read as the scenario it describes: its network, route files and
// time window. Everything else keeps the defaults of a scenario file, and --set applies on top, so
// `trafficsim run x.sumocfg` takes every option a TOML scenario takes.
#include "io/scenario/toml_reader.h"
#include "traffic/loaders/sumo.h"

namespace traffic::toml_reader {

toml::table Loader::sumoConfigAsScenario(const SumoConfig& cfg) const {
  toml::table scenario{{"name", m_file.stem().string()}};
  // SUMO without an end runs until the last vehicle has left; trafficsim needs a duration.
  scenario.insert("duration_s", cfg.endS ? *cfg.endS - cfg.beginS : 3600.0);
  if (cfg.stepS) scenario.insert("step_s", *cfg.stepS);
  if (cfg.seed) scenario.insert("seed", static_cast<std::int64_t>(*cfg.seed));
  toml::array routes;
  for (const fs::path& f : cfg.routeFiles) routes.push_back(f.string());
  toml::table map{{"sumo", cfg.netFile.string()}};
  if (!cfg.additionalFiles.empty()) {
    toml::array additional;
    for (const fs::path& f : cfg.additionalFiles) additional.push_back(f.string());
    map.insert("sumo_additional", std::move(additional));
  }
  if (cfg.tlsAllOff) map.insert("sumo_lights_off", true);
  toml::table root{{"scenario", std::move(scenario)},
                   {"map", std::move(map)},
                   // The lights as SUMO runs them: static programs for their durations, actuated
                   // ones by gap-out within each phase's minDur and maxDur.
                   {"signals", toml::table{{"policy", "map_program"}}},
                   {"demand", toml::table{{"sumo_routes", std::move(routes)}, {"sumo_begin_s", cfg.beginS}}}};
  // SUMO's time-to-teleport: <= 0 switches teleporting off.
  if (cfg.timeToTeleportS) {
    toml::table dynamics;
    if (*cfg.timeToTeleportS > 0) dynamics.insert("gridlock_timeout_s", *cfg.timeToTeleportS);
    else dynamics.insert("gridlock_action", "wait");
    root.insert("dynamics", std::move(dynamics));
  }
  return root;
}

}  // namespace traffic::toml_reader
