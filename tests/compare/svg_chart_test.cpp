// The compare report's SVG charts: well-formed markup with one element per bar or series, the
// labels a reader needs, and geometry that matches the data.
#include "traffic/compare/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "common/text.h"

namespace traffic::compare {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::size_t countOf(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

using traffic::testing::contains;

/// Empty when the tags of `svg` nest properly, every '&' starts an entity and there is exactly one
/// root <svg> element; else what is wrong. Enough XML to catch the mistakes a string builder makes.
std::string wellFormednessProblem(const std::string& svg) {
  std::vector<std::string> open;
  std::size_t roots = 0;
  for (std::size_t i = 0; i < svg.size(); ++i) {
    if (svg[i] == '&') {
      static const std::regex entity("^&(amp|lt|gt|quot|apos);");
      if (!std::regex_search(svg.substr(i, 8), entity)) return "bare '&' at " + std::to_string(i);
      continue;
    }
    if (svg[i] != '<') continue;
    const auto end = svg.find('>', i);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
    const std::string tag = svg.substr(i + 1, end - i - 1);
    i = end;
    if (tag.empty()) return "empty tag";
    if (tag.find('<') != std::string::npos) return "'<' inside a tag: " + tag;
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (open.empty() || open.back() != name) return "</" + name + "> closes " + (open.empty() ? "nothing" : open.back());
      open.pop_back();
      continue;
    }
    const std::string name = tag.substr(0, tag.find_first_of(" \n/"));
    if (name == "svg") {
      ++roots;
      if (!open.empty()) return "nested <svg>";
    } else if (open.empty()) {
      return "<" + name + "> outside <svg>";
    }
    if (tag.back() != '/') open.push_back(name);
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  if (roots != 1) return std::to_string(roots) + " <svg> elements";
  return {};
}

/// Values of `attribute` on elements whose class is `cls`, in document order.
std::vector<double> attributeOf(const std::string& svg, const std::string& cls, const std::string& attribute) {
  std::vector<double> out;
  const std::regex element("<[a-z]+ class=\"" + cls + "\"[^>]*>");
  const std::regex value(" " + attribute + "=\"([-0-9.]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), element); it != std::sregex_iterator(); ++it) {
    std::smatch m;
    const std::string text = it->str();
    if (std::regex_search(text, m, value)) out.push_back(std::stod(m[1]));
  }
  return out;
}

BarChart threePolicies() {
  BarChart c;
  c.title = "grid: mean travel time";
  c.xLabel = "signal policy";
  c.yLabel = "mean travel time (s)";
  c.categories = {"fixed_time", "max_pressure", "actuated"};
  c.values = {300, 150, 200};
  c.errors = {12, kNaN, 8};
  return c;
}

TEST(NiceTicks, CoverTheRangeAtRoundSteps) {
  const auto t = niceTicks(0, 97);
  ASSERT_GE(t.size(), 3u);
  EXPECT_LE(t.front(), 0);
  EXPECT_GE(t.back(), 97);
  const double step = t[1] - t[0];
  EXPECT_DOUBLE_EQ(step, 20);
  for (std::size_t i = 1; i < t.size(); ++i) EXPECT_NEAR(t[i] - t[i - 1], step, 1e-9);

  const auto d = niceTicks(1, 1.63);  // a delay index axis
  EXPECT_DOUBLE_EQ(d.front(), 1);
  EXPECT_GE(d.back(), 1.63);
  EXPECT_NEAR(d[1] - d[0], 0.1, 1e-12);

  for (double hi : {0.7, 3.0, 42.0, 777.0, 12345.0, 9.9e6}) {
    SCOPED_TRACE(hi);
    const auto ticks = niceTicks(0, hi);
    EXPECT_GE(ticks.size(), 3u);
    EXPECT_LE(ticks.size(), 11u);
    const double s = ticks[1] - ticks[0];
    const double mantissa = s / std::pow(10.0, std::floor(std::log10(s) + 1e-9));
    EXPECT_TRUE(std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 || std::abs(mantissa - 5) < 1e-6) << s;
  }
}

TEST(NiceTicks, WidenAnEmptyRange) {
  const auto zero = niceTicks(0, 0);
  EXPECT_DOUBLE_EQ(zero.front(), 0);
  EXPECT_GT(zero.back(), 0);
  const auto flat = niceTicks(145.8, 145.8);
  EXPECT_LT(flat.front(), 145.8);
  EXPECT_GT(flat.back(), 145.8);
}

TEST(XmlEscape, EscapesMarkupCharacters) {
  EXPECT_EQ(xmlEscape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  EXPECT_EQ(xmlEscape("fixed_time"), "fixed_time");
}

TEST(BarChart, OneBarPerCategoryWithErrorBarsWhereGiven) {
  const std::string svg = renderBarChart(threePolicies());
  EXPECT_EQ(wellFormednessProblem(svg), "");
  EXPECT_EQ(countOf(svg, "<svg "), 1u);
  EXPECT_EQ(countOf(svg, "class=\"bar\""), 3u);
  EXPECT_EQ(countOf(svg, "class=\"error-bar\""), 2u);  // the NaN error draws none
  EXPECT_EQ(countOf(svg, "class=\"legend-swatch\""), 3u);
  for (const char* label : {"grid: mean travel time", "signal policy", "mean travel time (s)", "fixed_time",
                            "max_pressure", "actuated"})
    EXPECT_TRUE(contains(svg, label)) << label;
}

TEST(BarChart, BarHeightsAreProportionalToTheValues) {
  const std::string svg = renderBarChart(threePolicies());
  const auto heights = attributeOf(svg, "bar", "height");
  ASSERT_EQ(heights.size(), 3u);
  EXPECT_NEAR(heights[0] / heights[1], 2.0, 0.01);
  EXPECT_NEAR(heights[2] / heights[1], 200.0 / 150.0, 0.01);
  // All bars stand on the same baseline.
  const auto ys = attributeOf(svg, "bar", "y");
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(ys[i] + heights[i], ys[0] + heights[0], 0.11);
}

TEST(BarChart, DistinctColoursPerBar) {
  const std::string svg = renderBarChart(threePolicies());
  const std::regex fill("class=\"bar\"[^>]* fill=\"(#[0-9A-Fa-f]{6})\"");
  std::set<std::string> colours;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), fill); it != std::sregex_iterator(); ++it)
    colours.insert((*it)[1]);
  EXPECT_EQ(colours.size(), 3u);
}

TEST(BarChart, EscapesNamesAndSkipsUndefinedValues) {
  BarChart c = threePolicies();
  c.categories[0] = "a<b&c";
  c.values[1] = kNaN;
  const std::string svg = renderBarChart(c);
  EXPECT_EQ(wellFormednessProblem(svg), "");
  EXPECT_TRUE(contains(svg, "a&lt;b&amp;c"));
  EXPECT_EQ(countOf(svg, "class=\"bar\""), 2u);
}

TEST(BarChart, LongNamesAreRotatedAndTheChartGrows) {
  BarChart c = threePolicies();
  for (auto& name : c.categories) name += "_with_a_rather_long_suffix";
  const std::string svg = renderBarChart(c);
  EXPECT_EQ(wellFormednessProblem(svg), "");
  EXPECT_TRUE(contains(svg, "rotate(-35"));
  EXPECT_FALSE(contains(renderBarChart(threePolicies()), "rotate(-35"));
}

LineChart twoSeries() {
  LineChart c;
  c.title = "grid: vehicles";
  c.xLabel = "simulated time (min)";
  c.yLabel = "vehicles";
  c.series.push_back({"fixed_time: in the network", {0, 1, 2, 3}, {0, 10, 30, 35}, 0, false});
  c.series.push_back({"fixed_time: waiting to enter", {0, 1, 2, 3}, {0, kNaN, 4, 9}, 0, true});
  c.series.push_back({"max_pressure: in the network", {0, 1, 2, 3}, {0, 8, 20, 22}, 1, false});
  return c;
}

TEST(LineChart, OnePolylinePerSeriesWithALegendEntryEach) {
  const std::string svg = renderLineChart(twoSeries());
  EXPECT_EQ(wellFormednessProblem(svg), "");
  EXPECT_EQ(countOf(svg, "<svg "), 1u);
  EXPECT_EQ(countOf(svg, "<polyline class=\"series\""), 3u);
  EXPECT_EQ(countOf(svg, "class=\"legend-swatch\""), 3u);
  EXPECT_EQ(countOf(svg, "stroke-dasharray"), 2u);  // the dashed series and its legend sample
  for (const char* label : {"grid: vehicles", "simulated time (min)", "vehicles", "fixed_time: in the network",
                            "fixed_time: waiting to enter", "max_pressure: in the network"})
    EXPECT_TRUE(contains(svg, label)) << label;
}

TEST(LineChart, PointsFollowTheDataAndSkipUndefinedOnes) {
  const std::string svg = renderLineChart(twoSeries());
  const std::regex polyline("<polyline class=\"series\" points=\"([^\"]*)\"");
  std::vector<std::vector<std::pair<double, double>>> lines;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), polyline); it != std::sregex_iterator(); ++it) {
    std::vector<std::pair<double, double>> pts;
    const std::string text = (*it)[1];
    const std::regex point("([-0-9.]+),([-0-9.]+)");
    for (auto p = std::sregex_iterator(text.begin(), text.end(), point); p != std::sregex_iterator(); ++p)
      pts.emplace_back(std::stod((*p)[1]), std::stod((*p)[2]));
    lines.push_back(pts);
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].size(), 4u);
  EXPECT_EQ(lines[1].size(), 3u);  // the NaN point is left out
  // x grows with time; higher values sit higher on the page (smaller y).
  for (std::size_t i = 1; i < lines[0].size(); ++i) {
    EXPECT_GT(lines[0][i].first, lines[0][i - 1].first);
    EXPECT_LT(lines[0][i].second, lines[0][i - 1].second);
  }
  // Equal times share an x position across series; 35 vehicles sit above 22.
  EXPECT_DOUBLE_EQ(lines[0][3].first, lines[2][3].first);
  EXPECT_LT(lines[0][3].second, lines[2][3].second);
}

TEST(LineChart, TheFloorKeepsTheAxisFromStartingAtTheData) {
  LineChart c;
  c.title = "delay index";
  c.xLabel = "simulated time (min)";
  c.yLabel = "delay index";
  c.yFloor = 1;
  c.series.push_back({"a", {0, 10}, {1.2, 1.4}, -1, false});
  const std::string svg = renderLineChart(c);
  // The lowest y tick reads 1.0, not 1.2.
  EXPECT_TRUE(contains(svg, ">1.0</text>")) << svg;
}

TEST(LineChart, EmptySeriesStillGiveAValidChart) {
  LineChart c;
  c.title = "nothing yet";
  c.series.push_back({"empty", {}, {}, -1, false});
  const std::string svg = renderLineChart(c);
  EXPECT_EQ(wellFormednessProblem(svg), "");
  EXPECT_EQ(countOf(svg, "<polyline class=\"series\""), 1u);
  EXPECT_FALSE(contains(svg, "nan"));
  EXPECT_FALSE(contains(svg, "inf"));
}

TEST(Charts, SameDataGivesTheSameBytes) {
  EXPECT_EQ(renderBarChart(threePolicies()), renderBarChart(threePolicies()));
  EXPECT_EQ(renderLineChart(twoSeries()), renderLineChart(twoSeries()));
}

}  // namespace
}  // namespace traffic::compare
