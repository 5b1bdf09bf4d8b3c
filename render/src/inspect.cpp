#include "traffic/render/inspect.h"

#include <algorithm>
#include <cmath>

namespace traffic::render {

int ApproachQueue::halted() const {
  int n = 0;
  for (const LaneQueue& l : lanes) n += l.halted;
  return n;
}

int ApproachQueue::vehicles() const {
  int n = 0;
  for (const LaneQueue& l : lanes) n += l.vehicles;
  return n;
}

StopStatus inspectStop(const Frame& frame, std::span<const TransitStop> stops, std::size_t index) {
  StopStatus st;
  if (index >= stops.size()) return st;
  const TransitStop& stop = stops[index];
  if (index < frame.stopWaiting.size()) st.waiting = frame.stopWaiting[index];
  for (const FrameVehicle& v : frame.vehicles) {
    if ((v.flags & FrameVehicle::kDwelling) == 0 || v.onConnector() || v.track != stop.lane.value) continue;
    if (std::abs(static_cast<double>(v.positionM) - stop.positionM) > 3.0) continue;
    ++st.vehiclesAtStop;
    st.onBoard += v.load;
  }
  return st;
}

std::string_view toString(JunctionStage s) {
  switch (s) {
    case JunctionStage::Green: return "green";
    case JunctionStage::Yellow: return "yellow";
    case JunctionStage::AllRed: return "all red";
    case JunctionStage::Unsignalised: return "no signal";
  }
  return "?";
}

int inferPhase(const RoadNetwork& net, std::span<const SignalState> states, JunctionId junction) {
  const Junction& j = net.junction(junction);
  if (!j.program || j.program->phases.empty()) return -1;
  std::vector<MovementId> lit;
  for (MovementId m : j.movements)
    if (m.index() < states.size() && states[m.index()] != SignalState::Red) lit.push_back(m);
  if (lit.empty()) return -1;
  // Every lit movement must belong to the phase; among those that hold them all, the one with the
  // fewest movements explains the picture best. When none holds them all (a policy's transition
  // kept a movement green across phases), the one holding the most.
  int best = -1;
  std::size_t bestHeld = 0, bestSize = 0;
  for (std::size_t p = 0; p < j.program->phases.size(); ++p) {
    const auto& green = j.program->phases[p].green;
    std::size_t held = 0;
    for (MovementId m : lit)
      if (std::find(green.begin(), green.end(), m) != green.end()) ++held;
    if (held == 0) continue;
    if (best < 0 || held > bestHeld || (held == bestHeld && green.size() < bestSize)) {
      best = static_cast<int>(p);
      bestHeld = held;
      bestSize = green.size();
    }
  }
  return best;
}

JunctionStatus inspectJunction(const RoadNetwork& net, const Frame& frame, JunctionId junction) {
  const Junction& j = net.junction(junction);
  JunctionStatus st;
  st.junction = junction;
  st.movements = static_cast<int>(j.movements.size());
  bool anyYellow = false, anyGreen = false;
  for (MovementId m : j.movements) {
    if (m.index() >= frame.movementStates.size()) continue;
    const SignalState s = frame.movementStates[m.index()];
    anyYellow = anyYellow || s == SignalState::Yellow;
    if (s == SignalState::GreenProtected || s == SignalState::GreenPermissive) {
      anyGreen = true;
      ++st.greenMovements;
    }
  }
  if (j.program && !j.program->phases.empty()) {
    st.phaseCount = static_cast<int>(j.program->phases.size());
    st.stage = anyYellow ? JunctionStage::Yellow : anyGreen ? JunctionStage::Green : JunctionStage::AllRed;
    st.phase = inferPhase(net, frame.movementStates, junction);
    const auto c = std::lower_bound(frame.signals.begin(), frame.signals.end(), junction.value,
                                    [](const FrameSignal& s, std::uint32_t j) { return s.junction < j; });
    if (c != frame.signals.end() && c->junction == junction.value) {
      st.phase = c->phase;
      st.stage = c->stage == FrameSignal::kGreen    ? JunctionStage::Green
                 : c->stage == FrameSignal::kYellow ? JunctionStage::Yellow
                                                    : JunctionStage::AllRed;
      if (st.stage != JunctionStage::Green) st.nextPhase = c->next;
      st.timeInStageS = c->timeInStageS;
    }
  }

  // Queues: count the frame's vehicles on each incoming lane. Frames list vehicles by track, so
  // one pass with a lookup from lane to slot is enough.
  std::vector<std::pair<LaneId, std::pair<std::size_t, std::size_t>>> slots;
  for (RoadId r : j.incoming) {
    ApproachQueue a;
    a.road = r;
    for (LaneId l : net.road(r).lanes) {
      a.lanes.push_back({l, 0, 0});
      slots.push_back({l, {st.approaches.size(), a.lanes.size() - 1}});
    }
    st.approaches.push_back(std::move(a));
  }
  std::sort(slots.begin(), slots.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const FrameVehicle& v : frame.vehicles) {
    if (v.onConnector() || (v.flags & FrameVehicle::kInBay) != 0) continue;  // bays are off the lane
    const auto it = std::lower_bound(slots.begin(), slots.end(), LaneId(v.track),
                                     [](const auto& s, LaneId id) { return s.first < id; });
    if (it == slots.end() || it->first != LaneId(v.track)) continue;
    LaneQueue& q = st.approaches[it->second.first].lanes[it->second.second];
    ++q.vehicles;
    if ((v.flags & FrameVehicle::kHalted) != 0) ++q.halted;
  }
  return st;
}

std::optional<std::size_t> routeProgress(std::span<const RoadId> route, RoadId current) {
  for (std::size_t i = 0; i < route.size(); ++i)
    if (route[i] == current) return i;
  return std::nullopt;
}

const FrameVehicle* findVehicle(const Frame& frame, std::uint32_t id) {
  for (const FrameVehicle& v : frame.vehicles)
    if (v.id == id) return &v;
  return nullptr;
}

}  // namespace traffic::render
