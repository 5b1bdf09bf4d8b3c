#include "traffic/compare/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace traffic::compare {
namespace {

constexpr double kWidth = 760;
constexpr double kHeight = 440;
constexpr double kMarginTop = 52;
constexpr double kMarginLeft = 82;
constexpr double kMarginBottom = 62;
constexpr double kCharWidth = 7;  // rough advance of a 12 px sans-serif character
constexpr std::size_t kMaxLegendChars = 32;

// Okabe & Ito (2008), "Color Universal Design"; yellow last because it is faint on white.
constexpr std::array<std::string_view, 8> kPalette{"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                                   "#CC79A7", "#56B4E9", "#000000", "#F0E442"};

/// Where the plot area sits and how data maps onto it.
struct Frame {
  double left, top, right, bottom;
  double xLo, xHi, yLo, yHi;
  [[nodiscard]] double px(double x) const { return left + (x - xLo) / (xHi - xLo) * (right - left); }
  [[nodiscard]] double py(double y) const { return bottom - (y - yLo) / (yHi - yLo) * (bottom - top); }
};

std::string shortened(const std::string& text, std::size_t maxChars) {
  if (text.size() <= maxChars) return text;
  return text.substr(0, maxChars - 1) + "\u2026";
}

int decimalsFor(double step) {
  return std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
}

std::string tickText(double v, int decimals) {
  if (std::abs(v) < 1e-12) v = 0;  // no "-0"
  return fmt::format("{:.{}f}", v, decimals);
}

void openSvg(std::string& out, const std::string& title, double height) {
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" "
      "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
      kWidth, height);
  out += fmt::format("<title>{}</title>\n", xmlEscape(title));
  out += fmt::format("<rect class=\"background\" x=\"0\" y=\"0\" width=\"{:.0f}\" height=\"{:.0f}\" fill=\"#ffffff\"/>\n",
                     kWidth, height);
  out += fmt::format("<text class=\"title\" x=\"{:.1f}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" "
                     "font-weight=\"bold\">{}</text>\n",
                     kWidth / 2, xmlEscape(title));
}

/// Grid lines, the y axis with its ticks and label, and the x axis line with its label.
void drawYAxis(std::string& out, const Frame& f, const std::vector<double>& yTicks, const std::string& yLabel) {
  const int decimals = yTicks.size() > 1 ? decimalsFor(yTicks[1] - yTicks[0]) : 0;
  for (double t : yTicks) {
    const double y = f.py(t);
    out += fmt::format("<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e0e0e0\"/>\n",
                       f.left, y, f.right, y);
    out += fmt::format("<text class=\"tick-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", f.left - 8,
                       y + 4, tickText(t, decimals));
  }
  out += fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#000000\"/>\n",
                     f.left, f.top, f.bottom);
  const double midY = (f.top + f.bottom) / 2;
  out += fmt::format("<text class=\"axis-label\" x=\"20\" y=\"{0:.1f}\" text-anchor=\"middle\" "
                     "transform=\"rotate(-90 20 {0:.1f})\">{1}</text>\n",
                     midY, xmlEscape(yLabel));
}

void drawXAxisLine(std::string& out, const Frame& f, double y) {
  out += fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#000000\"/>\n",
                     f.left, y, f.right);
}

void drawXLabel(std::string& out, const Frame& f, double height, const std::string& xLabel) {
  if (xLabel.empty()) return;
  out += fmt::format("<text class=\"axis-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                     (f.left + f.right) / 2, height - 14, xmlEscape(xLabel));
}

struct LegendEntry {
  std::string name;
  std::string_view colour;
  bool dashed = false;
  bool line = false;  // a line sample rather than a square
};

double legendWidth(const std::vector<LegendEntry>& entries) {
  std::size_t chars = 0;
  for (const auto& e : entries) chars = std::max(chars, std::min(e.name.size(), kMaxLegendChars));
  return 44 + kCharWidth * static_cast<double>(chars);
}

void drawLegend(std::string& out, const std::vector<LegendEntry>& entries, double x, double y) {
  out += "<g class=\"legend\">\n";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const LegendEntry& e = entries[i];
    const double rowY = y + 20 * static_cast<double>(i);
    if (e.line)
      out += fmt::format("<line class=\"legend-swatch\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
                         "stroke=\"{}\" stroke-width=\"2.5\"{}/>\n",
                         x, rowY, x + 24, rowY, e.colour, e.dashed ? " stroke-dasharray=\"6 4\"" : "");
    else
      out += fmt::format("<rect class=\"legend-swatch\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"14\" height=\"14\" "
                         "fill=\"{}\"/>\n",
                         x + 5, rowY - 7, e.colour);
    out += fmt::format("<text class=\"legend-label\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", x + 32, rowY + 4,
                       xmlEscape(shortened(e.name, kMaxLegendChars)));
  }
  out += "</g>\n";
}

}  // namespace

std::string_view paletteColour(std::size_t n) { return kPalette[n % kPalette.size()]; }

std::string xmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<double> niceTicks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    hi = lo + pad;
    if (lo != 0) lo -= pad;
  }
  const double raw = (hi - lo) / std::max(target, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double normalised = raw / magnitude;
  const double step = (normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10) * magnitude;
  // Integer multiples of the step, so that ticks do not accumulate rounding drift.
  const auto first = static_cast<long long>(std::floor(lo / step + 1e-9));
  const auto last = static_cast<long long>(std::ceil(hi / step - 1e-9));
  std::vector<double> ticks;
  for (long long k = first; k <= last; ++k) ticks.push_back(static_cast<double>(k) * step);
  return ticks;
}

std::string renderBarChart(const BarChart& chart) {
  const std::size_t n = chart.categories.size();
  auto value = [&](std::size_t i) { return i < chart.values.size() ? chart.values[i] : std::nan(""); };
  auto error = [&](std::size_t i) { return i < chart.errors.size() && std::isfinite(chart.errors[i]) ? chart.errors[i] : 0.0; };

  double lo = 0, hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(value(i))) continue;
    lo = std::min(lo, value(i) - error(i));
    hi = std::max(hi, value(i) + error(i));
  }
  hi += (hi - lo) * 0.08;  // room for the value labels above the bars
  const std::vector<double> yTicks = niceTicks(lo, hi);

  std::vector<LegendEntry> legend;
  for (std::size_t i = 0; i < n; ++i) legend.push_back({chart.categories[i], paletteColour(i), false, false});
  const double legendW = legendWidth(legend);

  // Category labels are rotated when they would not fit under their bars.
  std::size_t longest = 0;
  for (const auto& c : chart.categories) longest = std::max(longest, std::min(c.size(), kMaxLegendChars));
  const double right = kWidth - legendW - 20;
  const double slot = (right - kMarginLeft) / static_cast<double>(std::max<std::size_t>(n, 1));
  const bool rotate = kCharWidth * static_cast<double>(longest) > slot * 0.95;
  const double extraBottom = rotate ? std::min(110.0, 0.6 * kCharWidth * static_cast<double>(longest)) : 0;
  const double height = kHeight + extraBottom;

  const Frame f{kMarginLeft, kMarginTop, right, height - kMarginBottom - extraBottom,
                0, 1, yTicks.front(), yTicks.back()};
  std::string out;
  openSvg(out, chart.title, height);
  drawYAxis(out, f, yTicks, chart.yLabel);

  const double barW = slot * 0.6;
  const double zeroY = f.py(0);
  for (std::size_t i = 0; i < n; ++i) {
    const double centre = f.left + slot * (static_cast<double>(i) + 0.5);
    const double v = value(i);
    if (std::isfinite(v)) {
      const double top = std::min(f.py(v), zeroY);
      const double h = std::abs(f.py(v) - zeroY);
      out += fmt::format("<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
                         "<title>{}: {:.{}f}</title></rect>\n",
                         centre - barW / 2, top, barW, h, paletteColour(i), xmlEscape(chart.categories[i]), v,
                         chart.valueDecimals);
      const double e = error(i);
      if (e > 0) {
        const double y1 = f.py(v - e), y2 = f.py(v + e), cap = std::min(10.0, barW / 4);
        out += fmt::format("<path class=\"error-bar\" d=\"M{0:.1f},{1:.1f}V{2:.1f}M{3:.1f},{1:.1f}H{4:.1f}M{3:.1f},{2:.1f}"
                           "H{4:.1f}\" stroke=\"#000000\" stroke-width=\"1.5\" fill=\"none\"/>\n",
                           centre, y1, y2, centre - cap, centre + cap);
      }
      const double labelY = v >= 0 ? f.py(v + e) - 6 : f.py(v - e) + 16;
      out += fmt::format("<text class=\"value-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:.{}f}</text>\n",
                         centre, labelY, v, chart.valueDecimals);
    }
    const std::string label = xmlEscape(shortened(chart.categories[i], kMaxLegendChars));
    const double labelY = f.bottom + 18;
    if (rotate)
      out += fmt::format("<text class=\"category-label\" x=\"{0:.1f}\" y=\"{1:.1f}\" text-anchor=\"end\" "
                         "transform=\"rotate(-35 {0:.1f} {1:.1f})\">{2}</text>\n",
                         centre, labelY, label);
    else
      out += fmt::format("<text class=\"category-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                         centre, labelY, label);
  }
  drawXAxisLine(out, f, zeroY);
  drawXLabel(out, f, height, chart.xLabel);
  drawLegend(out, legend, right + 20, kMarginTop + 10);
  out += "</svg>\n";
  return out;
}

std::string renderLineChart(const LineChart& chart) {
  double xLo = INFINITY, xHi = -INFINITY, yLo = chart.yFloor, yHi = chart.yFloor;
  for (const auto& s : chart.series) {
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xLo = std::min(xLo, s.x[i]);
      xHi = std::max(xHi, s.x[i]);
      yLo = std::min(yLo, s.y[i]);
      yHi = std::max(yHi, s.y[i]);
    }
  }
  if (!std::isfinite(xLo)) xLo = 0, xHi = 1;
  const std::vector<double> xTicks = niceTicks(std::min(xLo, 0.0), xHi, 6);
  const std::vector<double> yTicks = niceTicks(yLo, yHi);

  std::vector<LegendEntry> legend;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const LineSeries& s = chart.series[i];
    legend.push_back({s.name, paletteColour(s.colour >= 0 ? static_cast<std::size_t>(s.colour) : i), s.dashed, true});
  }
  const double right = kWidth - legendWidth(legend) - 20;
  const Frame f{kMarginLeft, kMarginTop, right, kHeight - kMarginBottom,
                xTicks.front(), xTicks.back(), yTicks.front(), yTicks.back()};

  std::string out;
  openSvg(out, chart.title, kHeight);
  drawYAxis(out, f, yTicks, chart.yLabel);
  const int xDecimals = xTicks.size() > 1 ? decimalsFor(xTicks[1] - xTicks[0]) : 0;
  for (double t : xTicks) {
    const double x = f.px(t);
    out += fmt::format("<line class=\"tick\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#000000\"/>\n",
                       x, f.bottom, f.bottom + 5);
    out += fmt::format("<text class=\"tick-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x,
                       f.bottom + 19, tickText(t, xDecimals));
  }
  drawXAxisLine(out, f, f.bottom);
  drawXLabel(out, f, kHeight, chart.xLabel);

  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const LineSeries& s = chart.series[i];
    std::string points;
    std::size_t count = 0;
    double lastX = 0, lastY = 0;
    for (std::size_t k = 0; k < std::min(s.x.size(), s.y.size()); ++k) {
      if (!std::isfinite(s.x[k]) || !std::isfinite(s.y[k])) continue;
      lastX = f.px(s.x[k]);
      lastY = f.py(s.y[k]);
      points += fmt::format("{}{:.1f},{:.1f}", count++ == 0 ? "" : " ", lastX, lastY);
    }
    const std::string_view colour = legend[i].colour;
    out += fmt::format("<polyline class=\"series\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" "
                       "stroke-linejoin=\"round\"{}><title>{}</title></polyline>\n",
                       points, colour, s.dashed ? " stroke-dasharray=\"6 4\"" : "", xmlEscape(s.name));
    // A single point draws no line; mark it so that it does not vanish.
    if (count == 1)
      out += fmt::format("<circle class=\"marker\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", lastX, lastY,
                         colour);
  }
  drawLegend(out, legend, right + 20, kMarginTop + 10);
  out += "</svg>\n";
  return out;
}

}  // namespace traffic::compare
