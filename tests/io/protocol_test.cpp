// Benchmark protocols (issue 12): every protocol's settings load as a scenario would take them
// from --set, and docs/protocols.md documents every setting of every protocol, so that the table a
// reader trusts is the one the code applies.
#include "traffic/protocol.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "common/temp_dir.h"
#include "traffic/scenario.h"

namespace traffic {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(BenchmarkProtocols, NamesAreUniqueDefaultComesFirstAndLookupFindsEach) {
  const auto& all = benchmarkProtocols();
  ASSERT_GE(all.size(), 4u);
  EXPECT_EQ(all.front().name, "default");
  std::set<std::string> names;
  for (const BenchmarkProtocol& p : all) {
    EXPECT_TRUE(names.insert(p.name).second) << p.name << " twice";
    EXPECT_EQ(findBenchmarkProtocol(p.name), &p);
    EXPECT_FALSE(p.description.empty()) << p.name;
    EXPECT_FALSE(p.headlineMetric.empty()) << p.name;
    EXPECT_FALSE(p.headlineDefinition.empty()) << p.name;
    for (const ProtocolSetting& s : p.settings) EXPECT_FALSE(s.why.empty()) << p.name << " " << s.key;
  }
  EXPECT_EQ(findBenchmarkProtocol("sumo"), nullptr);
  EXPECT_EQ(benchmarkProtocolNames(), "default, cityflow, resco, citybrain");
}

// Every protocol loads on a shipped CityFlow scenario (its settings are valid scenario keys and
// values) and records its name.
TEST(BenchmarkProtocols, EveryProtocolLoadsOnAShippedScenario) {
  const std::string scenario = std::string(TRAFFIC_SOURCE_DIR) + "/scenarios/hangzhou_real.toml";
  for (const BenchmarkProtocol& p : benchmarkProtocols()) {
    SCOPED_TRACE(p.name);
    const Scenario sc = loadScenario(scenario, {"benchmark.protocol=" + p.name});
    EXPECT_EQ(sc.protocol, p.name);
    EXPECT_EQ(sc.gridlockAction, GridlockAction::Wait) << "no protocol teleports";
  }
}

TEST(BenchmarkProtocols, DocsListEverySettingOfEveryProtocol) {
  const std::string doc = readFile(std::string(TRAFFIC_SOURCE_DIR) + "/docs/protocols.md");
  ASSERT_FALSE(doc.empty()) << "docs/protocols.md is missing";
  for (const BenchmarkProtocol& p : benchmarkProtocols()) {
    SCOPED_TRACE(p.name);
    const auto section = doc.find("## `" + p.name + "`");
    ASSERT_NE(section, std::string::npos) << "no section for the protocol";
    const auto next = doc.find("\n## ", section + 1);
    const std::string text = doc.substr(section, next == std::string::npos ? std::string::npos : next - section);
    for (const ProtocolSetting& s : p.settings)
      EXPECT_NE(text.find("| `" + s.key + "` | `" + s.value + "` |"), std::string::npos)
          << "docs/protocols.md does not list " << s.key << " = " << s.value;
    EXPECT_NE(text.find("`" + p.headlineMetric + "`"), std::string::npos) << "headline measure not documented";
  }
}

}  // namespace
}  // namespace traffic
