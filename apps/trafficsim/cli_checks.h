// Checks of command-line values, shared by the subcommands (issue 14).
//
// CLI11's stock validators let NaN and infinities through (every comparison with NaN is false, so
// `--at nan` passed NonNegativeNumber), and counts that multiply into threads had no upper bound
// (`--threads 20000000` crashed inside oneTBB). These validators reject both at parse time, so the
// error comes with the usage hint and exit code 2, before anything is loaded or simulated.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <limits>
#include <string>

namespace traffic::cli {

/// The most worker threads (--threads) or parallel runs (--jobs) accepted. More threads than cores
/// only slow a run down; this is far above any machine the simulator runs on, and far below what
/// exhausts memory or the system's thread limit.
inline constexpr int kMaxThreads = 256;

/// A thread or job count: 0 (one per core) to kMaxThreads.
CLI::Validator threadCount();
/// What a number option accepts besides being finite.
enum class Sign { Any, NonNegative, Positive };
/// A finite number with the given sign, from `min` to `max`.
CLI::Validator finiteNumber(Sign sign, double max = std::numeric_limits<double>::max(),
                            double min = std::numeric_limits<double>::lowest());

/// `text` as it may appear in an error message: at most `limit` characters, with a note of how
/// much was left out, and control characters (NUL included) shown as \xNN. Errors that echo a
/// 100 KB argument help nobody.
std::string shortened(const std::string& text, std::size_t limit = 200);

}  // namespace traffic::cli
