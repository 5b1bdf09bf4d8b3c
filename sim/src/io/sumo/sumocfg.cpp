// SUMO configuration files (.sumocfg): which network and route files a run uses, and its time
// window. The scenario loader turns the result into a scenario (sim/src/loaders/scenario_toml.cpp),
// so every option of `run`, `info` and `compare` applies to a .sumocfg as to a scenario file.
#include <algorithm>

#include "io/sumo/sumo_xml.h"
#include "base/log.h"
#include "traffic/errors.h"
#include "traffic/limits.h"
#include "traffic/loaders/sumo.h"

namespace traffic {

bool isSumoConfig(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".sumocfg";
}

namespace {

SumoConfig readConfig(const sumo::XmlFile& xml, const std::filesystem::path& folder) {
  const pugi::xml_node root = xml.root();
  if (std::string_view(root.name()) != "configuration" && std::string_view(root.name()) != "sumoConfiguration")
    xml.fail(root, "", "not a SUMO configuration: the root element is <" + std::string(root.name()) + ">, expected <configuration>");
  auto resolve = [&](const std::string& p) { return std::filesystem::absolute(folder / p).lexically_normal(); };

  SumoConfig cfg;
  sumo::Ignored ignored;
  // Options sit in sections (<input>, <time>, ...) as <name value="..."/>; the section does not
  // change their meaning, so they are read wherever they stand.
  for (pugi::xml_node section : root.children()) {
    if (section.type() != pugi::node_element) continue;
    for (pugi::xml_node option : section.children()) {
      if (option.type() != pugi::node_element) continue;
      const std::string name = option.name();
      const std::string entity = "<" + name + ">";
      const pugi::xml_attribute value = option.attribute("value");
      if (!value) xml.fail(option, entity, "missing attribute 'value'");
      if (name == "net-file") {
        cfg.netFile = resolve(value.value());
      } else if (name == "route-files") {
        for (const std::string& f : sumo::splitList(value.value())) cfg.routeFiles.push_back(resolve(f));
      } else if (name == "additional-files") {
        for (const std::string& f : sumo::splitList(value.value())) cfg.additionalFiles.push_back(resolve(f));
      } else if (name == "begin") {
        cfg.beginS = xml.number(option, "value", entity);
      } else if (name == "end") {
        cfg.endS = xml.number(option, "value", entity);
      } else if (name == "step-length") {
        cfg.stepS = xml.number(option, "value", entity);
      } else if (name == "time-to-teleport") {
        cfg.timeToTeleportS = xml.number(option, "value", entity);
      } else if (name == "seed") {
        const int seed = xml.integer(option, "value", entity);
        if (seed < 0) xml.fail(option, entity, "seed must be >= 0");
        cfg.seed = static_cast<std::uint64_t>(seed);
      } else if (name == "tls.all-off") {
        // Every light switched off: links give way by their off-states (SumoNetworkOptions).
        cfg.tlsAllOff = value.as_bool();
      } else {
        ignored.add("option <" + name + ">", sumo::inQuotes(value.value()));
      }
    }
  }
  if (cfg.netFile.empty()) xml.fail(root, "<net-file>", "the configuration names no network (<net-file value=\"x.net.xml\"/>)");
  // Demand may stand in the additional files (SUMO reads it there too); the scenario loader checks
  // that some does.
  if (cfg.routeFiles.empty() && cfg.additionalFiles.empty())
    xml.fail(root, "<route-files>", "the configuration names no route files and no additional files; trafficsim needs demand to run");
  if (cfg.endS && *cfg.endS <= cfg.beginS)
    xml.fail(root, "<end>", "end (" + std::to_string(*cfg.endS) + ") must be after begin (" + std::to_string(cfg.beginS) + ")");
  ignored.report(xml.name(), "not used by trafficsim");
  return cfg;
}

}  // namespace

SumoConfig readSumoConfig(const std::filesystem::path& file) {
  const sumo::XmlFile xml(file, "SUMO configuration", kMaxScenarioFileBytes,
                          "a configuration names its network and route files, which may be larger");
  return readConfig(xml, file.parent_path());
}

SumoConfig readSumoConfigText(std::string_view text, const std::string& name, const std::filesystem::path& folder) {
  return readConfig(sumo::XmlFile(name, text), folder);
}

}  // namespace traffic
