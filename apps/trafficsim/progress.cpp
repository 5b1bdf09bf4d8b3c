#include "progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace traffic::cli {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(200);

int terminalColumns(std::FILE* out) {
  winsize size{};
  if (::ioctl(::fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace

ProgressBar::ProgressBar(double durationS, std::FILE* out)
    : m_durationS(durationS),
      m_out(out),
      m_interactive(::isatty(::fileno(out)) != 0),
      m_start(Clock::now()),
      m_lastDraw(m_start - kRedrawInterval) {}

bool ProgressBar::due(double simTimeS) const {
  if (m_interactive) return Clock::now() - m_lastDraw >= kRedrawInterval;
  return m_nextTenth <= 10 && simTimeS >= m_durationS * m_nextTenth / 10.0;
}

void ProgressBar::update(double simTimeS, std::uint64_t running, std::uint64_t waiting) {
  if (due(simTimeS)) draw(simTimeS, running, waiting);
}

void ProgressBar::finish(double simTimeS, std::uint64_t running, std::uint64_t waiting) {
  if (m_interactive) {
    draw(simTimeS, running, waiting);
    std::fputc('\n', m_out);
    m_lineOpen = false;
  } else if (m_nextTenth <= 10) {
    draw(simTimeS, running, waiting);
  }
  std::fflush(m_out);
}

void ProgressBar::clear() {
  if (!m_lineOpen) return;
  std::fputs("\r\033[K", m_out);
  std::fflush(m_out);
  m_lineOpen = false;
}

std::string ProgressBar::statusText(double simTimeS, std::uint64_t running, std::uint64_t waiting) const {
  const double wallS = std::chrono::duration<double>(Clock::now() - m_start).count();
  const double fraction = m_durationS > 0 ? std::clamp(simTimeS / m_durationS, 0.0, 1.0) : 1.0;
  const double speedup = wallS > 0 ? simTimeS / wallS : 0;
  char buf[256];
  int n = std::snprintf(buf, sizeof buf, "%3.0f%%  %s/%s  %llu running, %llu waiting", fraction * 100,
                        formatClock(simTimeS).c_str(), formatClock(m_durationS).c_str(),
                        static_cast<unsigned long long>(running), static_cast<unsigned long long>(waiting));
  std::string text(buf, static_cast<std::size_t>(std::max(n, 0)));
  if (speedup > 0) {
    n = std::snprintf(buf, sizeof buf, "  %.0fx realtime", speedup);
    text.append(buf, static_cast<std::size_t>(std::max(n, 0)));
    if (fraction < 1) text += "  ETA " + formatClock((m_durationS - simTimeS) / speedup);
  }
  return text;
}

void ProgressBar::draw(double simTimeS, std::uint64_t running, std::uint64_t waiting) {
  const std::string status = statusText(simTimeS, running, waiting);
  if (!m_interactive) {
    std::fprintf(m_out, "progress %s\n", status.c_str());
    std::fflush(m_out);
    while (m_nextTenth <= 10 && simTimeS >= m_durationS * m_nextTenth / 10.0) ++m_nextTenth;
    return;
  }
  m_lastDraw = Clock::now();
  // The bar keeps one width for the whole run (a bar that changes length as the numbers grow
  // jitters); it takes what a typical status line leaves of the terminal and is dropped on narrow
  // ones. The status is cut rather than wrapped, since a wrapped line cannot be redrawn in place.
  const int columns = terminalColumns(m_out);
  const int barWidth = std::min(25, columns - 62);
  std::string line = "\r";
  if (barWidth >= 10) {
    const double fraction = m_durationS > 0 ? std::clamp(simTimeS / m_durationS, 0.0, 1.0) : 1.0;
    const int filled = static_cast<int>(fraction * barWidth);
    line += '[';
    line.append(static_cast<std::size_t>(filled), '#');
    line.append(static_cast<std::size_t>(barWidth - filled), '.');
    line += "] ";
  }
  const int room = columns - 1 - (barWidth >= 10 ? barWidth + 3 : 0);
  line += status.substr(0, static_cast<std::size_t>(std::max(room, 20)));
  line += "\033[K";
  std::fputs(line.c_str(), m_out);
  std::fflush(m_out);
  m_lineOpen = true;
}

}  // namespace traffic::cli
