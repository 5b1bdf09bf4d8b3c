// Small, dependency-free SVG charts for the compare report: bars with error bars, and lines over
// time. Plain text SVG 1.1 that browsers, GitHub and VS Code render inline in report.md.
//
// Why our own: the charts are simple (one axis pair, a legend), a plotting library would be a new
// dependency for every user, and a fixed layout keeps the files byte-identical for identical data,
// so reports can be diffed. Every chart has a title, axis labels (the caller puts units in them),
// ticks at "nice" values (1, 2, 5 × 10^k), light grid lines and a legend; series take their colours
// from the Okabe–Ito palette, which stays distinguishable for colour-blind readers.
//
// Elements carry a class, so tests and style sheets can find them: `bar`, `error-bar`, `series`
// (one polyline per line series), `legend-swatch`, `tick-label`, `axis-label`, `title`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace traffic::compare {

/// One bar per category, e.g. one per signal policy.
struct BarChart {
  std::string title;
  std::string xLabel;
  std::string yLabel;  ///< with the unit, e.g. "mean travel time (s)"
  std::vector<std::string> categories;
  std::vector<double> values;  ///< one per category; a non-finite value draws no bar
  /// Half-widths of error bars, one per category; empty, or NaN for a bar without one.
  std::vector<double> errors;
  int valueDecimals = 1;  ///< of the value printed above each bar
};

struct LineSeries {
  std::string name;  ///< legend text
  std::vector<double> x;
  std::vector<double> y;  ///< same length as x; points with a non-finite coordinate are skipped
  int colour = -1;        ///< palette index; -1 takes the series' position
  bool dashed = false;
};

struct LineChart {
  std::string title;
  std::string xLabel;  ///< with the unit
  std::string yLabel;  ///< with the unit
  std::vector<LineSeries> series;
  /// The y axis starts at or below this value (0 for counts, 1 for delay indices), so that
  /// small differences are not blown up into large-looking ones.
  double yFloor = 0;
};

std::string renderBarChart(const BarChart& chart);
std::string renderLineChart(const LineChart& chart);

/// Tick positions covering [lo, hi] at a step of 1, 2 or 5 × 10^k, about `target` of them; the
/// first tick is ≤ lo and the last ≥ hi. A degenerate range is widened first.
std::vector<double> niceTicks(double lo, double hi, int target = 5);
/// The n-th colour of the palette (cycles), as "#rrggbb".
std::string_view paletteColour(std::size_t n);
/// Text with &, <, >, " and ' escaped for XML.
std::string xmlEscape(std::string_view text);

}  // namespace traffic::compare
