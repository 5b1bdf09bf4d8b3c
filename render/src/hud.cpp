#include "traffic/render/hud.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "traffic/render/renderer.h"

namespace traffic::render {
namespace {

constexpr unsigned kTextSize = 14;
constexpr float kLineH = 18;
constexpr float kPad = 8;
constexpr float kChartW = 300, kChartH = 110;

sf::FloatRect timeBarRect(sf::Vector2u size) {
  return {20.f, static_cast<float>(size.y) - 30.f, static_cast<float>(size.x) - 40.f, 12.f};
}

void panel(sf::RenderTarget& target, sf::FloatRect r) {
  sf::RectangleShape box({r.width, r.height});
  box.setPosition(r.left, r.top);
  box.setFillColor(toSf(palette::kHudPanel));
  target.draw(box);
}

void text(sf::RenderTarget& target, const std::string& s, float x, float y, Rgba colour = palette::kHudText,
          unsigned size = kTextSize) {
  sf::Text t(sf::String::fromUtf8(s.begin(), s.end()), hudFont(), size);
  t.setPosition(std::round(x), std::round(y));
  t.setFillColor(toSf(colour));
  target.draw(t);
}

float textWidth(const std::string& s, unsigned size = kTextSize) {
  sf::Text t(sf::String::fromUtf8(s.begin(), s.end()), hudFont(), size);
  return t.getLocalBounds().width;
}

void swatch(sf::RenderTarget& target, float x, float y, Rgba colour) {
  sf::RectangleShape box({12, 12});
  box.setPosition(x, y + 3);
  box.setFillColor(toSf(colour));
  target.draw(box);
}

/// Lines and their panel, top-left at (x, y); returns the panel's height.
float textPanel(sf::RenderTarget& target, const std::vector<std::string>& lines, float x, float y) {
  float w = 0;
  for (const auto& l : lines) w = std::max(w, textWidth(l));
  const float h = kPad * 2 + kLineH * static_cast<float>(lines.size());
  panel(target, {x, y, w + 2 * kPad, h});
  for (std::size_t i = 0; i < lines.size(); ++i) text(target, lines[i], x + kPad, y + kPad + kLineH * static_cast<float>(i) - 2);
  return h;
}

/// Passengers in a frame: waiting at stops, and on board of line runs and fleet vehicles.
struct TransitFigures {
  bool any = false;  ///< the run has stops, or someone is on board
  std::uint64_t waiting = 0;
  std::size_t stops = 0;
  std::uint64_t onBoard = 0;
};

TransitFigures transitFigures(const Frame& f) {
  TransitFigures t;
  t.stops = f.stopWaiting.size();
  for (std::uint16_t n : f.stopWaiting) t.waiting += n;
  for (const FrameVehicle& v : f.vehicles) t.onBoard += v.load;
  t.any = t.stops > 0 || t.onBoard > 0;
  return t;
}

}  // namespace

const sf::Font& hudFont() {
  static const sf::Font font = [] {
    if (!std::filesystem::exists(kHudFontPath))
      throw MissingFontError(fmt::format(
          "the viewer's font {} is missing: install the Debian package fonts-dejavu-core "
          "(scripts/install-deps.sh installs it)",
          kHudFontPath));
    sf::Font f;
    if (!f.loadFromFile(kHudFontPath))
      throw MissingFontError(fmt::format("cannot read the viewer's font {}: reinstall the Debian package fonts-dejavu-core",
                                           kHudFontPath));
    return f;
  }();
  return font;
}

std::string clockText(double seconds) {
  const auto total = static_cast<long>(std::floor(std::max(seconds, 0.0)));
  return fmt::format("{}:{:02}:{:02}", total / 3600, (total / 60) % 60, total % 60);
}

std::string speedText(PlaybackSpeed speed) {
  if (speed == kAsFastAsPossible) return "max";
  return fmt::format("{:g}x", speed);
}

void Hud::addSample(double timeS, double delayIndex) {
  while (!m_samples.empty() && m_samples.back().timeS > timeS) m_samples.pop_back();
  if (!m_samples.empty() && m_samples.back().timeS == timeS) {
    m_samples.back().delayIndex = delayIndex;
    return;
  }
  m_samples.push_back({timeS, delayIndex});
}

void Hud::setSamples(const std::vector<std::pair<double, double>>& samples) {
  m_samples.clear();
  for (const auto& [t, di] : samples) m_samples.push_back({t, di});
}

std::optional<double> Hud::timeBarHit(sf::Vector2f pointPx, sf::Vector2u targetSize, const SourceInfo& info) const {
  sf::FloatRect bar = timeBarRect(targetSize);
  // A forgiving target: a few pixels above and below the bar count too.
  const sf::FloatRect hit{bar.left, bar.top - 6, bar.width, bar.height + 12};
  if (!hit.contains(pointPx) || info.endS <= info.startS) return std::nullopt;
  const double f = std::clamp((pointPx.x - bar.left) / bar.width, 0.f, 1.f);
  return info.startS + f * (info.endS - info.startS);
}

void Hud::draw(sf::RenderTarget& target, const HudModel& m) const {
  const sf::Vector2u size = target.getSize();
  // One unit a pixel at the target's current size (a window's default view keeps its first size).
  target.setView(sf::View(sf::FloatRect(0, 0, static_cast<float>(size.x), static_cast<float>(size.y))));
  const Frame* f = m.frame;

  // Figures of the moment, top left.
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{}   policy {}", m.info.name, m.info.policy));
  std::string state = m.finished ? "finished" : m.paused ? "paused" : "running " + speedText(m.speed);
  lines.push_back(fmt::format("{} / {}   {}{}", clockText(f ? f->timeS : 0), clockText(m.info.endS), state,
                              m.info.live ? "" : "  (replay)"));
  if (f) {
    lines.push_back(fmt::format("vehicles {} in network, {} waiting, {} arrived", f->stats.running,
                                f->stats.waitingToEnter, f->stats.arrived));
    lines.push_back(fmt::format("mean speed {:.1f} m/s ({:.0f} km/h)   delay index {:.2f}", f->stats.meanSpeedMps,
                                f->stats.meanSpeedMps * 3.6, f->stats.delayIndex));
    if (const TransitFigures t = transitFigures(*f); t.any)
      lines.push_back(fmt::format("passengers {} waiting at {} stop{}, {} on board", t.waiting, t.stops,
                                  t.stops == 1 ? "" : "s", t.onBoard));
  }
  if (m.rates) {
    std::string perf = fmt::format("real-time factor {:.1f}x", m.realTimeFactor);
    if (m.fps > 0) perf += fmt::format("   {:.0f} fps", m.fps);
    lines.push_back(perf);
  }
  if (!m.status.empty()) lines.push_back(m.status);
  if (m.rates) lines.push_back("H: keys");
  textPanel(target, lines, 10, 10);

  // Legend, bottom left: one row for vehicles (by mode or the speed ramp), one for signals, one
  // for transit stops and loads when the run has them, one for the colour mode. Rows are laid out
  // first, so the panel fits them.
  {
    const bool transit = f != nullptr && transitFigures(*f).any;
    using Entry = std::pair<const char*, Rgba>;
    const std::vector<Entry> classes{{"car", palette::kCar},
                                     {"bus", palette::kBus},
                                     {"bike", palette::kBike},
                                     {"shuttle", palette::kShuttle},
                                     {"emergency", palette::kEmergency}};
    const std::vector<Entry> signals{{"red", palette::kSignalRed},
                                     {"yellow", palette::kSignalYellow},
                                     {"green", palette::kSignalGreenProtected},
                                     {"green, yield", palette::kSignalGreenPermissive}};
    constexpr float kLabelW = 58, kRampW = 126;
    const bool city = m.cityLayer;
    const std::string rampText = "stopped ... at the speed limit";
    const std::string layerText = fmt::format("layer {} ({}, V)", city ? "city" : "vehicles", toString(m.layer));
    const std::string modeText = city ? fmt::format("{}   roads by {} (D)", layerText, toString(m.roadMeasure))
                                      : fmt::format("colour by {} (C)   {}", toString(m.colourMode), layerText);
    const std::string stopText = "stop: people waiting (far out, by size)";
    const std::string loadText = "on board";
    // The city layer's rows: the road scale, and the queues.
    const std::string roadRampText = m.roadMeasure == RoadMeasure::Speed
                                         ? "stopped ... at the limit"
                                         : fmt::format("{:.0f} ... 0 vehicles per km and lane", kJamDensityVehPerKm);
    const std::string emptyText = "no vehicle";
    const std::string queueText = m.entryQueuesKnown ? "at a stop line, and before an entry road"
                                                     : "at a stop line (recordings hold no entry queues)";
    const float transitW = kLabelW + 24 + textWidth(stopText) + 12 + 26 + textWidth(loadText);
    auto swatchesWidth = [](const std::vector<Entry>& entries) {
      float w = 0;
      for (const auto& e : entries) w += 24 + textWidth(e.first);
      return w;
    };
    const float vehiclesW =
        city ? kLabelW + kRampW + 6 + textWidth(roadRampText) +
                   (m.roadMeasure == RoadMeasure::Speed ? 24 + textWidth(emptyText) : 0.f)
             : kLabelW + (m.colourMode == ColourMode::ByClass ? swatchesWidth(classes) : kRampW + 6 + textWidth(rampText));
    const float queueW = city ? kLabelW + 24 + textWidth(queueText) : 0.f;
    const float w = std::max({vehiclesW, queueW, kLabelW + swatchesWidth(signals), transit ? transitW : 0.f,
                              textWidth(modeText)}) +
                    2 * kPad;
    const float bottom = static_cast<float>(size.y) - (m.timeBar ? 46.f : 10.f);
    const float h = kPad * 2 + kLineH * static_cast<float>(3 + (transit ? 1 : 0) + (city ? 1 : 0));
    const float y0 = bottom - h;
    panel(target, {10, y0, w, h});
    const float x = 10 + kPad;
    float y = y0 + kPad - 2;
    auto swatches = [&](const std::vector<Entry>& entries) {
      float cx = x + kLabelW;
      for (const auto& [name, colour] : entries) {
        swatch(target, cx, y, colour);
        text(target, name, cx + 16, y);
        cx += 24 + textWidth(name);
      }
    };
    auto ramp = [&](auto colourAt) {
      constexpr int kSteps = 21;
      for (int i = 0; i < kSteps; ++i) {
        sf::RectangleShape box({kRampW / kSteps, 12});
        box.setPosition(x + kLabelW + static_cast<float>(i) * kRampW / kSteps, y + 3);
        box.setFillColor(toSf(colourAt(i / (kSteps - 1.0))));
        target.draw(box);
      }
    };
    if (city) {
      text(target, "roads:", x, y);
      ramp([](double f) { return roadColour(f); });
      text(target, roadRampText, x + kLabelW + kRampW + 6, y);
      if (m.roadMeasure == RoadMeasure::Speed) {
        const float cx = x + kLabelW + kRampW + 6 + textWidth(roadRampText) + 12;
        swatch(target, cx, y, palette::kRoadEmpty);
        text(target, emptyText, cx + 16, y);
      }
      y += kLineH;
      text(target, "queues:", x, y);
      swatch(target, x + kLabelW, y, palette::kQueue);
      text(target, queueText, x + kLabelW + 16, y);
    } else if (m.colourMode == ColourMode::ByClass) {
      text(target, "mode:", x, y);
      swatches(classes);
    } else {
      text(target, "speed:", x, y);
      ramp([](double f) { return speedColour(f, 1.0); });
      text(target, rampText, x + kLabelW + kRampW + 6, y);
    }
    y += kLineH;
    text(target, "signal:", x, y);
    swatches(signals);
    y += kLineH;
    if (transit) {
      // As on the map: a white square with a dark rim, and a number in a dark box.
      text(target, "transit:", x, y);
      float cx = x + kLabelW;
      sf::RectangleShape rim({12, 12});
      rim.setPosition(cx, y + 3);
      rim.setFillColor(toSf(palette::kStopRim));
      target.draw(rim);
      sf::RectangleShape stop({10, 10});
      stop.setPosition(cx + 1, y + 4);
      stop.setFillColor(toSf(palette::kStop));
      target.draw(stop);
      text(target, stopText, cx + 16, y);
      cx += 24 + textWidth(stopText) + 12;
      sf::RectangleShape box({20, 15});
      box.setPosition(cx, y + 2);
      box.setFillColor(toSf(palette::kLabelBox));
      target.draw(box);
      text(target, "12", cx + 3, y + 1, palette::kHudText, 11);
      text(target, loadText, cx + 26, y);
      y += kLineH;
    }
    text(target, modeText, x, y);
  }

  // Delay-index chart, top right.
  {
    const float x0 = static_cast<float>(size.x) - kChartW - 10, y0 = 10;
    panel(target, {x0, y0, kChartW, kChartH});
    const float px = x0 + 36, py = y0 + 24, pw = kChartW - 46, ph = kChartH - 36;
    double top = 2.0;
    for (const Sample& s : m_samples) top = std::max(top, s.delayIndex * 1.1);
    const std::string current = f                    ? fmt::format("  now {:.2f}", f->stats.delayIndex)
                                : m_samples.empty() ? ""
                                                    : fmt::format("  now {:.2f}", m_samples.back().delayIndex);
    text(target, "delay index" + current, x0 + kPad, y0 + 3, palette::kHudText, 13);
    text(target, fmt::format("{:.1f}", top), x0 + 4, py - 8, palette::kHudText, 11);
    text(target, "1.0", x0 + 4, py + ph - 8, palette::kHudText, 11);
    sf::VertexArray axes(sf::Lines);
    const sf::Color axis(120, 120, 120);
    axes.append(sf::Vertex({px, py}, axis));
    axes.append(sf::Vertex({px, py + ph}, axis));
    axes.append(sf::Vertex({px, py + ph}, axis));
    axes.append(sf::Vertex({px + pw, py + ph}, axis));
    target.draw(axes);
    const double t0 = m.info.startS, t1 = std::max(m.info.endS, t0 + 1);
    sf::VertexArray line(sf::LineStrip);
    for (const Sample& s : m_samples) {
      const float x = px + static_cast<float>((s.timeS - t0) / (t1 - t0)) * pw;
      const float y = py + ph - static_cast<float>((std::clamp(s.delayIndex, 1.0, top) - 1.0) / (top - 1.0)) * ph;
      line.append(sf::Vertex({x, y}, toSf(palette::kChartLine)));
    }
    target.draw(line);
    if (f && !m.info.live) {
      // A recording's chart shows the whole run; a line marks the moment on screen.
      const float x = px + static_cast<float>(std::clamp((f->timeS - t0) / (t1 - t0), 0.0, 1.0)) * pw;
      sf::VertexArray marker(sf::Lines);
      marker.append(sf::Vertex({x, py}, toSf(palette::kHudText)));
      marker.append(sf::Vertex({x, py + ph}, toSf(palette::kHudText)));
      target.draw(marker);
    }
  }

  // What was clicked, right, below the chart.
  if (!m.panel.empty()) {
    float w = 0;
    for (const auto& l : m.panel) w = std::max(w, textWidth(l));
    textPanel(target, m.panel, static_cast<float>(size.x) - w - 2 * kPad - 10, 10 + kChartH + 8);
  }

  // Time bar (recordings): click to seek.
  if (m.timeBar) {
    const sf::FloatRect bar = timeBarRect(size);
    panel(target, {bar.left - 4, bar.top - 4, bar.width + 8, bar.height + 8});
    sf::RectangleShape track({bar.width, bar.height});
    track.setPosition(bar.left, bar.top);
    track.setFillColor(sf::Color(70, 70, 70));
    target.draw(track);
    if (f && m.info.endS > m.info.startS) {
      const float frac = static_cast<float>(std::clamp((f->timeS - m.info.startS) / (m.info.endS - m.info.startS), 0.0, 1.0));
      sf::RectangleShape done({bar.width * frac, bar.height});
      done.setPosition(bar.left, bar.top);
      done.setFillColor(sf::Color(200, 200, 200));
      target.draw(done);
    }
  }

  if (m.help) {
    const std::vector<std::pair<const char*, const char*>> keys{
        {"drag, arrows", "pan"},
        {"wheel, + / -", "zoom"},
        {"F", "fit the network"},
        {"space", "pause / resume"},
        {"N", "one step (while paused)"},
        {"] / [", "faster / slower"},
        {"M", "as fast as possible / back"},
        {"C", "colour vehicles by mode / by speed"},
        {"V", "layer: auto / city / vehicles"},
        {"D", "city layer: roads by speed / by density"},
        {"click", "follow a vehicle, inspect a stop or a junction"},
        {"Esc", "clear the selection"},
        {", / .", "back / forward 10 s (replay)"},
        {"< / >", "back / forward 60 s (replay)"},
        {"Home / End", "start / end (replay)"},
        {"P", "save the window as a PNG (current folder)"},
        {"H", "this list"},
        {"Q", "quit"},
    };
    constexpr float kKeyColumn = 130;
    float w = 0;
    for (const auto& k : keys) w = std::max(w, kKeyColumn + textWidth(k.second));
    const float h = kPad * 2 + kLineH * static_cast<float>(keys.size());
    const float x = (static_cast<float>(size.x) - w) / 2 - kPad, y = (static_cast<float>(size.y) - h) / 2;
    panel(target, {x, y, w + 2 * kPad, h});
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const float ly = y + kPad + kLineH * static_cast<float>(i) - 2;
      text(target, keys[i].first, x + kPad, ly, palette::kChartLine);
      text(target, keys[i].second, x + kPad + kKeyColumn, ly);
    }
  }
}

}  // namespace traffic::render
