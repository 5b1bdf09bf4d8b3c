// scripts/published-results.sh, which makes our side of docs/published-results.md: its markdown
// table has one row per dataset and one column per policy, each cell the run's CityFlow average
// travel time from the compare folder beside it; an unknown dataset label is refused (exit code 2)
// before anything runs. Short runs (120 s of JN-1): this checks the table, not the figures.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/run_cli.h"
#include "common/temp_dir.h"

namespace traffic {
namespace {

namespace fs = std::filesystem;

using traffic::testing::readAll;
using traffic::testing::shellQuoted;
using traffic::testing::TempDir;

int runScript(const std::string& env, const fs::path& capture) {
  const std::string script = (fs::path(TRAFFIC_SOURCE_DIR) / "scripts" / "published-results.sh").string();
  const std::string command = env + " bash " + shellQuoted(script) + " " + shellQuoted(TRAFFIC_CLI_PATH) + " > " +
                              shellQuoted((capture / "stdout").string()) + " 2> " +
                              shellQuoted((capture / "stderr").string()) + " < /dev/null";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::string> cellsOf(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  std::getline(in, cell, '|');  // before the first bar
  while (std::getline(in, cell, '|')) {
    const auto b = cell.find_first_not_of(' ');
    const auto e = cell.find_last_not_of(' ');
    cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  if (!cells.empty() && cells.back().empty()) cells.pop_back();  // after the last bar
  return cells;
}

// policy -> (column -> value) from a compare folder's results.csv.
std::map<std::string, std::map<std::string, std::string>> runsOf(const fs::path& resultsCsv) {
  const auto split = [](const std::string& line) {
    std::vector<std::string> fields;
    std::stringstream in(line);
    std::string field;
    while (std::getline(in, field, ',')) fields.push_back(field);
    return fields;
  };
  std::stringstream in(readAll(resultsCsv));
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> names = split(line);
  std::map<std::string, std::map<std::string, std::string>> out;
  while (std::getline(in, line)) {
    const std::vector<std::string> values = split(line);
    std::map<std::string, std::string> run;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) run[names[i]] = values[i];
    out[run["policy"]] = run;
  }
  return out;
}

TEST(PublishedResultsScript, TableHasARowPerDatasetWithEachPolicysTravelTime) {
  TempDir dir;
  const fs::path out = dir.path() / "published";
  ASSERT_EQ(runScript("DATASETS=JN-1 POLICIES='fixed_time max_pressure' DURATION=120 JOBS=1 OUT=" +
                          shellQuoted(out.string()),
                      dir.path()),
            0)
      << readAll(dir.path() / "stderr");

  const std::string table = readAll(out / "table.md");
  EXPECT_EQ(readAll(dir.path() / "stdout"), table + "\n");
  std::stringstream in(table);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  std::size_t header = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].rfind("| dataset | scenario | vehicles |", 0) == 0) header = i;
  ASSERT_LT(header + 2, lines.size()) << table;
  EXPECT_EQ(cellsOf(lines[header]),
            (std::vector<std::string>{"dataset", "scenario", "vehicles", "fixed_time", "max_pressure"}));
  EXPECT_EQ(lines[header + 1], "|---|---|---:|---:|---:|");

  const std::vector<std::string> row = cellsOf(lines[header + 2]);
  ASSERT_EQ(row.size(), 5u) << lines[header + 2];
  EXPECT_EQ(row[0], "JN-1");
  EXPECT_EQ(row[1], "jinan_real");
  auto runs = runsOf(out / "JN-1" / "results.csv");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(row[2], runs["fixed_time"]["spawned"]);
  EXPECT_GT(std::stoi(row[2]), 0);
  EXPECT_NEAR(std::stod(row[3]), std::stod(runs["fixed_time"]["mean_travel_time_with_unfinished_s"]), 0.051);
  EXPECT_NEAR(std::stod(row[4]), std::stod(runs["max_pressure"]["mean_travel_time_with_unfinished_s"]), 0.051);
  EXPECT_GT(std::stod(row[3]), 0.0);
  // The row after the table is blank: one dataset, one row.
  EXPECT_TRUE(header + 3 >= lines.size() || lines[header + 3].empty());

  // The run was under the cityflow protocol, with the exact sensing of the papers' environments.
  const std::string report = readAll(out / "JN-1" / "report.md");
  EXPECT_NE(report.find("**Protocol: cityflow**"), std::string::npos);
  EXPECT_NE(report.find("sensing: oracle"), std::string::npos);
  EXPECT_NE(readAll(out / "table.csv").find("JN-1,jinan_real," + runs["fixed_time"]["spawned"] + ",fixed_time,"),
            std::string::npos);
}

TEST(PublishedResultsScript, AnUnknownDatasetIsRefusedBeforeAnythingRuns) {
  TempDir dir;
  const fs::path out = dir.path() / "published";
  EXPECT_EQ(runScript("DATASETS='JN-1 JN-9' OUT=" + shellQuoted(out.string()), dir.path()), 2);
  const std::string err = readAll(dir.path() / "stderr");
  EXPECT_NE(err.find("unknown dataset 'JN-9'"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace traffic
