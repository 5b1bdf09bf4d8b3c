// The heads-up display: figures of the moment, a legend, a live chart of the delay index, the
// panel about what was clicked and, for recordings, a time bar. Drawn in screen pixels over the
// scene.
#pragma once

#include <SFML/Graphics.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "traffic/frame.h"
#include "traffic/render/city_view.h"
#include "traffic/render/frame_source.h"
#include "traffic/render/palette.h"

namespace traffic::render {

/// The HUD font file is missing or unreadable.
class MissingFontError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The HUD font, /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf from the Debian package
/// fonts-dejavu-core. Throws MissingFontError naming the file and the package when it is missing.
const sf::Font& hudFont();
inline constexpr const char* kHudFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

struct HudModel {
  SourceInfo info;
  const Frame* frame = nullptr;
  double realTimeFactor = 0;  ///< simulated seconds per wall second, measured
  double fps = 0;             ///< frames drawn per wall second, measured (0: not shown)
  bool rates = true;          ///< show the real-time factor and fps (not on screenshots)
  PlaybackSpeed speed = 1;
  bool paused = false;
  bool finished = false;
  ColourMode colourMode = ColourMode::ByClass;
  LayerMode layer = LayerMode::Auto;  ///< as chosen (V)
  bool cityLayer = false;             ///< the city layer is on screen
  RoadMeasure roadMeasure = RoadMeasure::Speed;
  bool entryQueuesKnown = true;       ///< false for recordings, which do not carry them
  std::string status;
  std::vector<std::string> panel;  ///< lines about the clicked vehicle or junction
  bool timeBar = false;            ///< draw a seekable time bar (recordings)
  bool help = false;               ///< show the key list
};

class Hud {
 public:
  /// Adds a point to the delay-index chart. A point earlier than the last one (after seeking back
  /// in a recording) drops the points after it.
  void addSample(double timeS, double delayIndex);
  /// Replaces the chart's points (a recording's whole span).
  void setSamples(const std::vector<std::pair<double, double>>& samples);
  [[nodiscard]] std::size_t sampleCount() const { return m_samples.size(); }

  /// Draws in screen pixels; sets the target's view to one unit a pixel.
  void draw(sf::RenderTarget& target, const HudModel& model) const;

  /// The time a click at `pointPx` asks for, if it hit the time bar (only drawn with
  /// HudModel::timeBar).
  [[nodiscard]] std::optional<double> timeBarHit(sf::Vector2f pointPx, sf::Vector2u targetSize,
                                                 const SourceInfo& info) const;

 private:
  struct Sample {
    double timeS;
    double delayIndex;
  };
  std::vector<Sample> m_samples;
};

/// "1:02:03" for seconds, as in the run summary.
std::string clockText(double seconds);
/// "10x", "0.5x" or "max".
std::string speedText(PlaybackSpeed speed);

}  // namespace traffic::render
