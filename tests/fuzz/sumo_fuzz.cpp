// libFuzzer harness for the SUMO readers (sim/src/io/sumo/): the input is read as a network
// (.net.xml); against the fixed network tests/data/sumo/cross_tls.net.xml, as a route file
// (.rou.xml), as an additional file followed by a route file with transit (bus stops and
// vehicles that stop at them), and as an additional file of traffic-light programs for that
// network; and as a configuration (.sumocfg). Each must succeed or throw LoadError. The bytes are
// parsed in memory through the readers' text entry points (the file entry points add only the
// regular-file check and the size cap, tested in tests/io/sumo/). Seeds: tests/data/sumo/
// (networks, routes, additional files, configurations, the bad files of the tests).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/errors.h"
#include "traffic/loaders/sumo.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path crossFile = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "tests/data/sumo/cross_tls.net.xml";
  static const traffic::SumoNetwork cross = traffic::loadSumoNetwork(crossFile);
  static const std::string crossText = [] {
    std::ifstream in(crossFile, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }();
  // As a scenario runs them: a day at most, and a trip limit that keeps a fuzzed flow within the
  // fuzzer's memory limit (the limit itself is what is tested, not its default).
  static const traffic::SumoDemandOptions options{.beginS = 0, .endS = 86400, .seed = 1};
  static const traffic::ResourceLimits limits = [] {
    traffic::ResourceLimits l;
    l.maxTrips = 10'000;
    return l;
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)traffic::loadSumoNetworkText(text, "input.net.xml");
  } catch (const traffic::LoadError&) {
  }
  try {
    std::vector<traffic::VehicleType> types;
    traffic::Demand demand;
    traffic::loadSumoRoutesText(text, "input.rou.xml", cross.network, types, demand, options, limits);
  } catch (const traffic::LoadError&) {
  }
  // As an additional file with its bus stops, then as a route file whose vehicles may stop at them.
  try {
    std::vector<traffic::VehicleType> types;
    traffic::Demand demand;
    traffic::Transit transit;
    (void)traffic::loadSumoAdditionalDemandText(text, "input.add.xml", cross.network, types, demand, transit, options, limits);
    traffic::loadSumoRoutesText(text, "input.rou.xml", cross.network, types, demand, options, limits, &transit);
  } catch (const traffic::LoadError&) {
  }
  // As an additional file whose programs replace the network's (the network is read again: its
  // lights are what the programs must fit). Only an input that names a program can change what
  // that read does; without one it would build the same network again at every execution.
  if (text.find("tlLogic") != std::string_view::npos) {
    try {
      const traffic::SumoText additional[] = {{"input.add.xml", text}};
      (void)traffic::loadSumoNetworkText(crossText, "cross_tls.net.xml", additional);
    } catch (const traffic::LoadError&) {
    }
  }
  try {
    (void)traffic::readSumoConfigText(text, "input.sumocfg", "/fuzz");
  } catch (const traffic::LoadError&) {
  }
  return 0;
}
