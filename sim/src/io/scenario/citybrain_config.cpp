// A City Brain Challenge configuration (simulator.cfg) read as the scenario it describes: its road
// network, flow file and time window, with the challenge's signal timing (which map.citybrain
// brings). Everything else keeps the defaults of a scenario file, and --set applies on top, as for
// a .sumocfg.
#include "io/scenario/toml_reader.h"
#include "traffic/loaders/citybrain.h"

namespace traffic::toml_reader {

// Where the challenge's data is published; its repositories carry no licence, so trafficsim cannot
// ship it.
constexpr const char* kCitybrainDataHint =
    "; the City Brain Challenge's data is not part of trafficsim: get roadnet_round3.txt and "
    "flow_round3_flow*.txt from https://github.com/CityBrainChallenge/KDDCup2021-CityBrainChallenge-starter-kit "
    "(folders data/ and round3_flows/) and put them where this path points (see docs/citybrain.md)";

toml::table Loader::citybrainConfigAsScenario(const CitybrainConfig& cfg) const {
  toml::table scenario{{"name", m_file.stem().string()}, {"duration_s", cfg.endS - cfg.startS}};
  toml::array flows;
  flows.push_back(cfg.flowFile.string());
  return toml::table{{"scenario", std::move(scenario)},
                     {"map", toml::table{{"citybrain", cfg.roadnetFile.string()}}},
                     {"demand", toml::table{{"citybrain_flows", std::move(flows)}}}};
}

fs::path Loader::resolveCitybrainFile(const toml::node* node, const std::string& label, const std::string& value) const {
  try {
    return resolveFile(node, label, value);
  } catch (const LoadError& e) {
    if (e.reason().rfind("file not found", 0) != 0) throw;
    throw LoadError(e.file(), e.entity(), e.reason() + kCitybrainDataHint, e.line());
  }
}

}  // namespace traffic::toml_reader
