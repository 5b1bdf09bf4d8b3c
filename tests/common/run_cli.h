// Runs the trafficsim binary (TRAFFIC_CLI_PATH) through the shell and captures its exit code,
// stdout and stderr, for tests of the command line as a user meets it.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>

#include "common/temp_dir.h"

namespace traffic::testing {

/// `s` quoted for a POSIX shell.
inline std::string shellQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// A shipped scenario's path, shell-quoted.
inline std::string shippedScenario(const std::string& name) {
  return shellQuoted((std::filesystem::path(TRAFFIC_SOURCE_DIR) / "scenarios" / name).string());
}

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

/// Runs the CLI with `args` (already shell-quoted where needed); stdin is /dev/null and stdout and
/// stderr are files, so the CLI sees no terminal.
inline CliResult runCli(const std::string& args) {
  TempDir capture;
  const auto out = capture.path() / "stdout";
  const auto err = capture.path() / "stderr";
  const std::string command = shellQuoted(TRAFFIC_CLI_PATH) + " " + args + " > " + shellQuoted(out.string()) + " 2> " +
                              shellQuoted(err.string()) + " < /dev/null";
  const int status = std::system(command.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = readAll(out);
  r.err = readAll(err);
  return r;
}

/// A scenario file's text: a generated 2x2 grid with one flow crossing it from west to east, the
/// smallest scenario the command-line tests run.
inline std::string tinyGridScenario(int durationS, int vehPerHour) {
  return "[scenario]\nname = \"tiny\"\nduration_s = " + std::to_string(durationS) +
         "\n\n[map.grid]\nrows = 2\ncolumns = 2\n\n[[demand.flow]]\nid = \"east\"\n"
         "from = \"road_j_0_-1_j_0_0\"\nto = \"road_j_0_1_j_0_2\"\nveh_per_hour = " +
         std::to_string(vehPerHour) + "\n";
}

}  // namespace traffic::testing
