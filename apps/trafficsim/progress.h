// Progress of a long run, drawn on stderr so that stdout stays clean for the summary.
//
// On a terminal it is one line redrawn in place at most five times a second: redrawing every step
// would cost more than a small world's step. When stderr is a file or a pipe (CI logs, nohup) it
// prints a plain line at every tenth of the run instead, because carriage returns make such logs
// unreadable.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "traffic/compare/compare.h"

namespace traffic::cli {

class ProgressBar {
 public:
  /// `durationS` is the simulated time the run ends at.
  explicit ProgressBar(double durationS, std::FILE* out = stderr);

  /// Whether update() would print anything now; cheap enough to ask after every step, so callers
  /// can skip gathering counts when it would not.
  [[nodiscard]] bool due(double simTimeS) const;
  void update(double simTimeS, std::uint64_t running, std::uint64_t waiting);
  /// Draws the final state and ends the line.
  void finish(double simTimeS, std::uint64_t running, std::uint64_t waiting);
  /// Erases a partly drawn line so that a message can follow on a clean line.
  void clear();

  [[nodiscard]] bool interactive() const { return m_interactive; }

 private:
  [[nodiscard]] std::string statusText(double simTimeS, std::uint64_t running, std::uint64_t waiting) const;
  void draw(double simTimeS, std::uint64_t running, std::uint64_t waiting);

  using Clock = std::chrono::steady_clock;
  double m_durationS;
  std::FILE* m_out;
  bool m_interactive;
  bool m_lineOpen = false;
  Clock::time_point m_start;
  Clock::time_point m_lastDraw;
  int m_nextTenth = 1;  // non-interactive: the next tenth of the run to report
};

using compare::formatClock;  // "1:02:03" or "2:03"

}  // namespace traffic::cli
