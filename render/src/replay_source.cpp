#include "traffic/render/replay_source.h"

#include <algorithm>

#include "traffic/errors.h"

namespace traffic::render {

ReplaySource::ReplaySource(const std::filesystem::path& file, PlaybackSpeed speed, bool startPaused)
    : m_reader(file), m_speed(speed), m_paused(startPaused) {
  if (m_reader.frameCount() == 0)
    throw LoadError(file.string(), "recording",
                    m_reader.truncated() ? "no complete frame (" + m_reader.truncationMessage() + ")"
                                         : std::string("holds no frame"));
  const RecordingHeader& h = m_reader.header();
  m_info.name = h.scenarioName;
  m_info.policy = h.policyName;
  m_info.startS = m_reader.frameTime(0);
  m_info.endS = m_reader.frameTime(m_reader.frameCount() - 1);
  m_info.stepS = h.stepS;
  m_info.live = false;
  m_clockS = m_info.startS;
}

std::vector<std::string> ReplaySource::linesAtStop(std::size_t index) const {
  std::vector<std::string> out;
  for (const RecordedTransitLine& line : m_reader.transitLines())
    if (std::find(line.stops.begin(), line.stops.end(), index) != line.stops.end()) out.push_back(line.id);
  return out;
}

double ReplaySource::vehicleLengthM(std::uint32_t id) const {
  const auto& trips = m_reader.trips();
  const auto& types = m_reader.vehicleTypes();
  if (id >= trips.size() || trips[id].type >= types.size()) return 5;
  return types[trips[id].type].lengthM;
}

std::optional<VehicleDetails> ReplaySource::vehicleDetails(std::uint32_t id) {
  const auto& trips = m_reader.trips();
  if (id >= trips.size()) return std::nullopt;
  const RecordedTrip& trip = trips[id];
  VehicleDetails d;
  d.id = id;
  d.trip = trip.id;
  d.vehicleClass = trip.vehicleClass;
  if (trip.type < m_reader.vehicleTypes().size()) {
    d.type = m_reader.vehicleTypes()[trip.type].name;
    d.lengthM = m_reader.vehicleTypes()[trip.type].lengthM;
  }
  d.departS = trip.departS;
  d.route = trip.route;
  return d;  // entry, distance and stops are not in the recording
}

void ReplaySource::advance(double wallDtS) {
  if (m_paused || !m_error.empty() || finished()) return;
  const std::size_t last = m_reader.frameCount() - 1;
  if (m_speed == kAsFastAsPossible) {
    m_index = std::min(m_index + 1, last);
    m_clockS = m_reader.frameTime(m_index);
  } else {
    m_clockS = std::min(m_clockS + wallDtS * m_speed, m_info.endS);
    m_index = m_reader.frameAtOrBefore(m_clockS);
  }
}

std::shared_ptr<const Frame> ReplaySource::current() {
  if (m_index != m_loadedIndex && m_error.empty()) {
    try {
      m_frame = std::make_shared<const Frame>(m_reader.frame(m_index));
      m_loadedIndex = m_index;
    } catch (const LoadError& e) {
      // Keep showing the last good frame and say why playback stopped.
      m_error = e.what();
      m_paused = true;
    }
  }
  return m_frame;
}

void ReplaySource::stepOnce() {
  if (!m_paused) return;
  m_index = std::min(m_index + 1, m_reader.frameCount() - 1);
  m_clockS = m_reader.frameTime(m_index);
}

void ReplaySource::seek(double timeS) {
  m_clockS = std::clamp(timeS, m_info.startS, m_info.endS);
  m_index = m_reader.frameAtOrBefore(m_clockS);
  m_error.clear();
}

bool ReplaySource::finished() const { return m_index + 1 >= m_reader.frameCount(); }

std::string ReplaySource::status() const {
  if (!m_error.empty()) return "stopped: " + m_error;
  if (m_reader.truncated()) return "recording cut short: " + m_reader.truncationMessage();
  // A file without its end record was left by a run that did not finish (issue 14); say so, or
  // its last frame passes for the end of the run.
  if (!m_reader.complete()) return "the run did not finish: " + m_reader.incompleteMessage();
  return {};
}

std::vector<std::pair<double, double>> ReplaySource::delayIndexHistory() const {
  // A few hundred points draw the chart as well as every frame would, and open long recordings fast.
  if (m_chart.empty()) {
    try {
      m_chart = delayIndexSeries(m_info.endS, 300);
    } catch (const LoadError&) {
      m_chart.clear();  // a damaged frame is reported when playback reaches it
    }
  }
  return m_chart;
}

Frame ReplaySource::frameAt(double timeS) const { return m_reader.frame(m_reader.frameAtOrBefore(timeS)); }

std::vector<std::pair<double, double>> ReplaySource::delayIndexSeries(double untilS, std::size_t count) const {
  std::vector<std::pair<double, double>> out;
  const std::size_t last = m_reader.frameAtOrBefore(untilS);
  if (count == 0) return out;
  std::size_t previous = static_cast<std::size_t>(-1);
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t i = count == 1 ? last : last * k / (count - 1);
    if (i == previous) continue;
    previous = i;
    const Frame f = m_reader.frame(i);
    out.emplace_back(f.timeS, f.stats.delayIndex);
  }
  return out;
}

}  // namespace traffic::render
