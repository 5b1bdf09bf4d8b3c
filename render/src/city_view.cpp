#include "traffic/render/city_view.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "traffic/render/scene.h"

namespace traffic::render {

std::string_view toString(LayerMode m) {
  switch (m) {
    case LayerMode::Auto: return "auto";
    case LayerMode::City: return "city";
    case LayerMode::Vehicles: return "vehicles";
  }
  return "auto";
}

std::string_view toString(RoadMeasure m) { return m == RoadMeasure::Density ? "density" : "speed"; }

bool LayerSwitch::update(double pxPerM) {
  if (pxPerM < kCityEnterPxPerM) m_city = true;
  else if (pxPerM > kCityLeavePxPerM) m_city = false;
  switch (m_mode) {
    case LayerMode::City: return true;
    case LayerMode::Vehicles: return false;
    case LayerMode::Auto: break;
  }
  return m_city;
}

bool LayerSwitch::city() const {
  return m_mode == LayerMode::City || (m_mode == LayerMode::Auto && m_city);
}

void LayerSwitch::cycle() {
  m_mode = m_mode == LayerMode::Auto ? LayerMode::City : m_mode == LayerMode::City ? LayerMode::Vehicles : LayerMode::Auto;
}

Rgba roadColour(double f) {
  // ColorBrewer RdYlBu, five classes, as a piecewise-linear ramp.
  static constexpr std::array<Rgba, 5> kStops{Rgba{215, 48, 39, 255}, Rgba{252, 141, 89, 255}, Rgba{254, 224, 144, 255},
                                              Rgba{145, 191, 219, 255}, Rgba{69, 117, 180, 255}};
  const double x = std::clamp(std::isfinite(f) ? f : 1.0, 0.0, 1.0) * (kStops.size() - 1);
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(x), kStops.size() - 2);
  const double t = x - static_cast<double>(i);
  const Rgba& a = kStops[i];
  const Rgba& b = kStops[i + 1];
  // Rounded to the nearest level, halves up, without a call to std::lround (the mix is in [0, 255]).
  auto mix = [t](std::uint8_t p, std::uint8_t q) {
    return static_cast<std::uint8_t>(p + (static_cast<double>(q) - p) * t + 0.5);
  };
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b), 255};
}

Rgba roadDensityColour(double vehPerKmLane) { return roadColour(1.0 - vehPerKmLane / kJamDensityVehPerKm); }

std::vector<LaneLoad> laneLoads(const RoadNetwork& net, const Frame& frame,
                                const std::function<double(std::uint32_t)>& lengthOf) {
  std::vector<LaneLoad> out;
  laneLoads(net, frame, lengthOf, out);
  return out;
}

void laneLoads(const RoadNetwork& net, const Frame& frame, const std::function<double(std::uint32_t)>& lengthOf,
               std::vector<LaneLoad>& out) {
  out.assign(net.lanes().size(), LaneLoad{});
  const auto& vehicles = frame.vehicles;
  // Vehicles come ordered by track, front to back on each (Frame::vehicles); those in bays last.
  for (std::size_t i = 0; i < vehicles.size();) {
    const FrameVehicle& first = vehicles[i];
    std::size_t end = i + 1;
    while (end < vehicles.size() && vehicles[end].track == first.track && vehicles[end].onConnector() == first.onConnector() &&
           ((vehicles[end].flags & FrameVehicle::kInBay) != 0) == ((first.flags & FrameVehicle::kInBay) != 0))
      ++end;
    if (first.onConnector() || (first.flags & FrameVehicle::kInBay) != 0 || first.track >= out.size()) {
      i = end;
      continue;
    }
    LaneLoad& load = out[first.track];
    const double laneEndM = net.lanes()[first.track].lengthM;
    double queueRearM = laneEndM;  // the stop line, then the rear of the last vehicle in the queue
    bool queueStarted = false, queueEnded = false;
    for (std::size_t k = i; k < end; ++k) {
      const FrameVehicle& v = vehicles[k];
      ++load.vehicles;
      load.speedSumMps += v.speedMps;
      const bool halted = (v.flags & FrameVehicle::kHalted) != 0;
      if (halted) ++load.halted;
      if (queueEnded) continue;
      if (halted && queueRearM - v.positionM <= kQueueGapM) {
        queueStarted = true;
        queueRearM = v.positionM - (lengthOf ? lengthOf(v.id) : classLengthM(v.vehicleClass));
      } else if (queueStarted) {
        queueEnded = true;
      } else if (halted) {
        queueEnded = true;  // halted far back from the stop line: not a queue at it
      }
    }
    if (queueStarted) load.queueM = static_cast<float>(std::clamp(laneEndM - queueRearM, 0.0, laneEndM));
    i = end;
  }
}

RoadLoad roadLoad(const RoadNetwork& net, RoadId road, std::span<const LaneLoad> lanes) {
  RoadLoad out;
  double speedSum = 0, ratioSum = 0, lengthM = 0;
  for (LaneId l : net.road(road).lanes) {
    if (l.index() >= lanes.size()) continue;
    const LaneLoad& load = lanes[l.index()];
    const Lane& lane = net.lane(l);
    out.vehicles += load.vehicles;
    speedSum += load.speedSumMps;
    ratioSum += lane.speedLimitMps > 0 ? load.speedSumMps / lane.speedLimitMps : load.vehicles;
    lengthM += lane.lengthM;
  }
  if (out.vehicles > 0) {
    out.meanSpeedMps = speedSum / out.vehicles;
    out.speedRatio = ratioSum / out.vehicles;
  }
  if (lengthM > 0) out.vehPerKmLane = out.vehicles / (lengthM / 1000.0);
  return out;
}

RoadLoadTable::RoadLoadTable(const RoadNetwork& net) {
  const auto& roads = net.roads();
  m_firstLane.reserve(roads.size() + 1);
  m_lengthM.reserve(roads.size());
  for (const Road& road : roads) {
    m_firstLane.push_back(static_cast<std::uint32_t>(m_lanes.size()));
    double lengthM = 0;
    for (LaneId l : road.lanes) {
      const Lane& lane = net.lane(l);
      m_lanes.push_back(static_cast<std::uint32_t>(l.index()));
      m_speedLimitMps.push_back(lane.speedLimitMps);
      lengthM += lane.lengthM;
    }
    m_lengthM.push_back(lengthM);
  }
  m_firstLane.push_back(static_cast<std::uint32_t>(m_lanes.size()));
}

RoadLoad RoadLoadTable::load(std::size_t road, std::span<const LaneLoad> lanes, float& longestQueueM) const {
  // The same sums in the same order as roadLoad(), so the colours do not depend on which is used.
  RoadLoad out;
  double speedSum = 0, ratioSum = 0;
  longestQueueM = 0;
  for (std::uint32_t k = m_firstLane[road]; k < m_firstLane[road + 1]; ++k) {
    if (m_lanes[k] >= lanes.size()) continue;
    const LaneLoad& load = lanes[m_lanes[k]];
    out.vehicles += load.vehicles;
    speedSum += load.speedSumMps;
    ratioSum += m_speedLimitMps[k] > 0 ? load.speedSumMps / m_speedLimitMps[k] : load.vehicles;
    longestQueueM = std::max(longestQueueM, load.queueM);
  }
  if (out.vehicles > 0) {
    out.meanSpeedMps = speedSum / out.vehicles;
    out.speedRatio = ratioSum / out.vehicles;
  }
  if (m_lengthM[road] > 0) out.vehPerKmLane = out.vehicles / (m_lengthM[road] / 1000.0);
  return out;
}

}  // namespace traffic::render
