// Hand-made sensor readings for policy tests: one junction of a network, a reading per lane,
// turned into the observation the engine would hand to a policy.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "traffic/road_network.h"
#include "traffic/signal.h"

namespace traffic::testing {

/// The controller timing the observations report.
inline constexpr SignalTiming kSensorTiming{3.0, 2.0, 5.0};

// One junction of `net` with a sensor reading per lane of the network, turned into the
// observation the engine would hand to a policy.
class Sensors {
 public:
  Sensors(RoadNetwork network, const std::string& junction)
      : m_net(std::move(network)), m_id(*m_net.findJunction(junction)), m_lanes(m_net.lanes().size()) {
    for (std::size_t i = 0; i < m_lanes.size(); ++i) m_lanes[i].lane = LaneId(i);
    m_phases = m_net.junction(m_id).program->phases;
  }

  [[nodiscard]] const RoadNetwork& net() const { return m_net; }
  [[nodiscard]] JunctionId id() const { return m_id; }
  [[nodiscard]] LaneId laneId(const std::string& road, int index) const {
    return m_net.road(*m_net.findRoad(road)).lanes.at(static_cast<std::size_t>(index));
  }
  LaneObservation& lane(const std::string& road, int index) { return lane(laneId(road, index)); }
  LaneObservation& lane(LaneId id) { return m_lanes[id.index()]; }
  std::vector<SignalPhase>& phases() { return m_phases; }

  /// Reading number `k` of a deterministic sweep over the lanes of `roads` (the first
  /// `lanesPerRoad` of each): queues, arrivals, occupancy, waits, detectors and flows that vary
  /// from lane to lane and reading to reading, enough to make adaptive policies change phase.
  void setSweepReading(int k, const std::vector<std::string>& roads, int lanesPerRoad = 3) {
    for (std::size_t r = 0; r < roads.size(); ++r)
      for (int l = 0; l < lanesPerRoad; ++l) {
        const int v = (k * 7 + static_cast<int>(r) * 5 + l * 3) % 11;
        LaneObservation& o = lane(roads[r], l);
        o.queue = static_cast<std::uint16_t>(v % 6);
        o.approaching = static_cast<std::uint16_t>(v);
        o.occupancy = static_cast<float>(v % 10) / 10.0f;
        o.waitingS = static_cast<float>(v * 9);
        o.detectorOccupied = v % 4 == 0;
        o.detectorGapS = static_cast<float>(v % 5);
        o.flowVehPerH = static_cast<float>(v * 90);
      }
  }

  SignalObservation observe(int phase, double timeInPhaseS, double nowS = 1000) {
    const Junction& j = m_net.junction(m_id);
    m_incoming.clear();
    m_outgoing.clear();
    for (RoadId r : j.incoming)
      for (LaneId l : m_net.road(r).lanes) m_incoming.push_back(m_lanes[l.index()]);
    for (RoadId r : j.outgoing)
      for (LaneId l : m_net.road(r).lanes) m_outgoing.push_back(m_lanes[l.index()]);
    SignalObservation obs;
    obs.junction = m_id;
    obs.network = &m_net;
    obs.nowS = nowS;
    obs.currentPhase = phase;
    obs.timeInPhaseS = timeInPhaseS;
    obs.phases = m_phases;
    obs.offsetS = j.program->offsetS;
    obs.timing = kSensorTiming;
    obs.incoming = m_incoming;
    obs.outgoing = m_outgoing;
    obs.allLanes = m_lanes;
    return obs;
  }

 private:
  RoadNetwork m_net;
  JunctionId m_id;
  std::vector<LaneObservation> m_lanes;
  std::vector<SignalPhase> m_phases;
  std::vector<LaneObservation> m_incoming;
  std::vector<LaneObservation> m_outgoing;
};

}  // namespace traffic::testing
