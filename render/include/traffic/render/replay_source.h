// A recording (traffic/recording.h) as a FrameSource: a playback clock over stored frames.
//
// The clock moves in advance(), on the viewer's thread, by the wall time since the last call times
// the speed; the frame shown is the last one at or before the clock. "As fast as possible" shows
// every stored frame once, one per displayed frame. Frames are decoded on demand, so opening a
// long recording costs only its index.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "traffic/recording.h"
#include "traffic/render/frame_source.h"

namespace traffic::render {

class ReplaySource final : public FrameSource {
 public:
  /// Opens the recording; throws LoadError (naming the file) when it cannot be read or holds no
  /// frame.
  ReplaySource(const std::filesystem::path& file, PlaybackSpeed speed, bool startPaused);

  [[nodiscard]] const RoadNetwork& network() const override { return m_reader.network(); }
  [[nodiscard]] const SourceInfo& info() const override { return m_info; }
  [[nodiscard]] const std::vector<TransitStop>& stops() const override { return m_reader.stops(); }
  [[nodiscard]] std::vector<std::string> linesAtStop(std::size_t index) const override;
  [[nodiscard]] double vehicleLengthM(std::uint32_t id) const override;
  [[nodiscard]] std::optional<VehicleDetails> vehicleDetails(std::uint32_t id) override;

  void advance(double wallDtS) override;
  [[nodiscard]] std::shared_ptr<const Frame> current() override;
  void setPaused(bool paused) override { m_paused = paused; }
  [[nodiscard]] bool paused() const override { return m_paused; }
  void stepOnce() override;
  void setSpeed(PlaybackSpeed speed) override { m_speed = speed; }
  [[nodiscard]] PlaybackSpeed speed() const override { return m_speed; }
  [[nodiscard]] bool canSeek() const override { return true; }
  void seek(double timeS) override;
  [[nodiscard]] bool finished() const override;
  [[nodiscard]] std::string status() const override;
  [[nodiscard]] std::vector<std::pair<double, double>> delayIndexHistory() const override;

  /// The frame at or before `timeS`, decoded.
  [[nodiscard]] Frame frameAt(double timeS) const;
  /// Up to `count` (time, delay index) points spread evenly over the recording up to `untilS`,
  /// for the chart.
  [[nodiscard]] std::vector<std::pair<double, double>> delayIndexSeries(double untilS, std::size_t count) const;
  [[nodiscard]] const RecordingReader& reader() const { return m_reader; }

 private:
  RecordingReader m_reader;
  SourceInfo m_info;
  PlaybackSpeed m_speed;
  bool m_paused;
  double m_clockS = 0;
  std::size_t m_index = 0;
  std::size_t m_loadedIndex = static_cast<std::size_t>(-1);
  std::shared_ptr<const Frame> m_frame;
  std::string m_error;  // a damaged frame stops playback with this message
  mutable std::vector<std::pair<double, double>> m_chart;  // computed on first use
};

}  // namespace traffic::render
