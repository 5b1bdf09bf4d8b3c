// The road network section of a recording: a built RoadNetwork stored field by field and restored
// without the builder (see NetworkCodec in recording_format.h). Decoding checks every id and count
// against what it indexes, so a damaged or hostile file gives a DecodeError, never a bad network.
#include <string>
#include <vector>

#include "io/recording/recording_format.h"

namespace traffic {

using recording_detail::ByteReader;
using recording_detail::ByteWriter;
using recording_detail::DecodeError;

void NetworkCodec::encode(const RoadNetwork& net, ByteWriter& w) {
  w.varint(net.m_junctions.size());
  w.varint(net.m_roads.size());
  w.varint(net.m_lanes.size());
  w.varint(net.m_connectors.size());
  w.varint(net.m_movements.size());
  for (const Junction& j : net.m_junctions) {
    w.str(j.name);
    w.f64(j.position.x);
    w.f64(j.position.y);
    w.f64(j.widthM);
    w.u8(j.boundary ? 1 : 0);
    w.ids(j.incoming);
    w.ids(j.outgoing);
    w.ids(j.movements);
    w.ids(j.connectors);
    w.u8(j.program ? 1 : 0);
    if (j.program) {
      w.f64(j.program->offsetS);
      w.varint(j.program->phases.size());
      for (const SignalPhase& phase : j.program->phases) {
        w.f64(phase.durationS);
        w.ids(phase.green);
      }
    }
  }
  for (const Road& r : net.m_roads) {
    w.str(r.name);
    w.id(r.from);
    w.id(r.to);
    w.ids(r.lanes);
    w.f64(r.lengthM);
    w.ids(r.movementsOut);
  }
  for (const Lane& l : net.m_lanes) {
    w.id(l.road);
    w.varint(l.indexInRoad);
    w.f64(l.lengthM);
    w.f64(l.widthM);
    w.f64(l.speedLimitMps);
    w.u8(l.allowed.bits);
    w.polyline(l.shape);
    w.ids(l.outgoing);
  }
  for (const Connector& c : net.m_connectors) {
    w.id(c.junction);
    w.id(c.movement);
    w.id(c.from);
    w.id(c.to);
    w.f64(c.lengthM);
    w.f64(c.speedLimitMps);
    w.polyline(c.shape);
    w.varint(c.conflicts.size());
    for (const Conflict& k : c.conflicts) {
      w.id(k.other);
      w.f64(k.atM);
      w.f64(k.otherAtM);
      w.u8(k.merging ? 1 : 0);
    }
  }
  for (const Movement& m : net.m_movements) {
    w.id(m.junction);
    w.id(m.fromRoad);
    w.id(m.toRoad);
    w.u8(static_cast<std::uint8_t>(m.turn));
    w.ids(m.connectors);
  }
}

RoadNetwork NetworkCodec::decode(ByteReader& r) {
  RoadNetwork net;
  // Every entity takes at least a few bytes, so these bounds only reject absurd counts.
  const std::size_t nJ = r.count(4, "junctions"), nR = r.count(4, "roads"), nL = r.count(4, "lanes"),
                    nC = r.count(4, "connectors"), nM = r.count(4, "movements");
  auto flag = [&r](const char* what) {
    const std::uint8_t b = r.u8();
    if (b > 1) throw DecodeError(std::string(what) + " is " + std::to_string(b) + ", not 0 or 1");
    return b == 1;
  };
  net.m_junctions.resize(nJ);
  for (Junction& j : net.m_junctions) {
    j.name = r.str("junction name bytes");
    j.position.x = r.f64();
    j.position.y = r.f64();
    j.widthM = r.f64();
    j.boundary = flag("a junction's boundary flag");
    j.incoming = r.ids<RoadId>(nR, "road");
    j.outgoing = r.ids<RoadId>(nR, "road");
    j.movements = r.ids<MovementId>(nM, "movement");
    j.connectors = r.ids<ConnectorId>(nC, "connector");
    if (flag("a junction's signal program flag")) {
      SignalProgram program;
      program.offsetS = r.f64();
      program.phases.resize(r.count(9, "signal phases"));
      for (SignalPhase& phase : program.phases) {
        phase.durationS = r.f64();
        phase.green = r.ids<MovementId>(nM, "movement");
      }
      j.program = std::move(program);
    }
  }
  net.m_roads.resize(nR);
  for (Road& road : net.m_roads) {
    road.name = r.str("road name bytes");
    road.from = r.id<JunctionId>(nJ, "junction");
    road.to = r.id<JunctionId>(nJ, "junction");
    road.lanes = r.ids<LaneId>(nL, "lane");
    road.lengthM = r.f64();
    road.movementsOut = r.ids<MovementId>(nM, "movement");
  }
  net.m_lanes.resize(nL);
  for (Lane& lane : net.m_lanes) {
    lane.road = r.id<RoadId>(nR, "road");
    lane.indexInRoad = static_cast<std::uint16_t>(r.index(0x10000, "lane index in road"));
    lane.lengthM = r.f64();
    lane.widthM = r.f64();
    lane.speedLimitMps = r.f64();
    lane.allowed.bits = r.u8();
    lane.shape = r.polyline("a lane shape");
    lane.outgoing = r.ids<ConnectorId>(nC, "connector");
  }
  net.m_connectors.resize(nC);
  for (Connector& c : net.m_connectors) {
    c.junction = r.id<JunctionId>(nJ, "junction");
    c.movement = r.id<MovementId>(nM, "movement");
    c.from = r.id<LaneId>(nL, "lane");
    c.to = r.id<LaneId>(nL, "lane");
    c.lengthM = r.f64();
    c.speedLimitMps = r.f64();
    c.shape = r.polyline("a connector shape");
    c.conflicts.resize(r.count(18, "conflicts"));
    for (Conflict& k : c.conflicts) {
      k.other = r.id<ConnectorId>(nC, "connector");
      k.atM = r.f64();
      k.otherAtM = r.f64();
      k.merging = flag("a conflict's merging flag");
    }
  }
  net.m_movements.resize(nM);
  for (Movement& m : net.m_movements) {
    m.junction = r.id<JunctionId>(nJ, "junction");
    m.fromRoad = r.id<RoadId>(nR, "road");
    m.toRoad = r.id<RoadId>(nR, "road");
    const std::uint8_t turn = r.u8();
    if (turn > static_cast<std::uint8_t>(TurnType::UTurn))
      throw DecodeError("a movement has turn type " + std::to_string(turn) + ", which does not exist");
    m.turn = static_cast<TurnType>(turn);
    m.connectors = r.ids<ConnectorId>(nC, "connector");
  }
  if (!r.atEnd()) throw DecodeError(std::to_string(r.remaining()) + " bytes follow the last movement");

  for (std::size_t i = 0; i < nJ; ++i)
    if (!net.m_junctionByName.emplace(net.m_junctions[i].name, JunctionId(i)).second)
      throw DecodeError("two junctions are named '" + net.m_junctions[i].name + "'");
  for (std::size_t i = 0; i < nR; ++i)
    if (!net.m_roadByName.emplace(net.m_roads[i].name, RoadId(i)).second)
      throw DecodeError("two roads are named '" + net.m_roads[i].name + "'");
  net.buildRoutingGraph();
  return net;
}

}  // namespace traffic
