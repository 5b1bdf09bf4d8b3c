// The header sections of a recording after the network: the run header (scenario, map, step,
// duration, seed, policy), the trip table with the vehicle types, and the transit stops and lines.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "base/crc32.h"
#include "io/recording/recording_format.h"
#include "traffic/scenario.h"

namespace traffic::recording_detail {

std::string numberText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

void encodeHeader(const Scenario& sc, ByteWriter& w) {
  w.str(sc.name);
  w.str(sc.mapDescription);
  w.f64(sc.stepS);
  w.f64(sc.durationS);
  w.u64(sc.seed);
  w.str(sc.signalPolicy.name);
}

RecordingHeader decodeHeader(ByteReader& r, std::uint32_t version) {
  RecordingHeader h;
  h.formatVersion = version;
  h.scenarioName = r.str("scenario name bytes");
  h.mapDescription = r.str("map description bytes");
  h.stepS = r.f64();
  h.durationS = r.f64();
  h.seed = r.u64();
  h.policyName = r.str("policy name bytes");
  if (!r.atEnd()) throw DecodeError(std::to_string(r.remaining()) + " bytes follow the policy name");
  return h;
}

void encodeTrips(const Scenario& sc, ByteWriter& w) {
  w.varint(sc.vehicleTypes.size());
  for (const VehicleType& t : sc.vehicleTypes) {
    w.str(t.name);
    w.u8(static_cast<std::uint8_t>(t.vehicleClass));
    w.u8(static_cast<std::uint8_t>(t.signalPriority));
    w.f64(t.lengthM);
    w.f64(t.widthM);
    w.f64(t.maxSpeedMps);
  }
  w.varint(sc.demand.trips.size());
  for (const Trip& trip : sc.demand.trips) {
    w.str(trip.id);
    w.id(trip.type);
    w.f64(trip.departS);
    const std::span<const RoadId> route = sc.demand.routes.route(trip.route);
    w.varint(route.size());
    for (RoadId road : route) w.id(road);
  }
}

void decodeTrips(ByteReader& r, std::size_t roads, std::vector<RecordedVehicleType>& types,
                 std::vector<RecordedTrip>& trips) {
  types.resize(r.count(27, "vehicle types"));
  for (RecordedVehicleType& t : types) {
    t.name = r.str("vehicle type name bytes");
    const std::uint8_t cls = r.u8();
    if (cls >= kVehicleClassCount) throw DecodeError("vehicle class " + std::to_string(cls) + " does not exist");
    t.vehicleClass = static_cast<VehicleClass>(cls);
    const std::uint8_t priority = r.u8();
    if (priority > static_cast<std::uint8_t>(SignalPriority::Emergency))
      throw DecodeError("signal priority " + std::to_string(priority) + " does not exist");
    t.signalPriority = static_cast<SignalPriority>(priority);
    t.lengthM = r.f64();
    t.widthM = r.f64();
    t.maxSpeedMps = r.f64();
  }
  trips.resize(r.count(11, "trips"));
  for (RecordedTrip& trip : trips) {
    trip.id = r.str("trip id bytes");
    trip.type = r.index(types.size(), "vehicle type");
    trip.vehicleClass = types[trip.type].vehicleClass;
    trip.signalPriority = types[trip.type].signalPriority;
    trip.departS = r.f64();
    trip.route.resize(r.count(1, "roads in a route"));
    for (RoadId& road : trip.route) road = r.id<RoadId>(roads, "road");
  }
  if (!r.atEnd()) throw DecodeError(std::to_string(r.remaining()) + " bytes follow the last trip");
}

void encodeStops(const Scenario& sc, ByteWriter& w) {
  const Transit& transit = sc.transit;
  w.varint(transit.stops.size());
  for (const TransitStop& stop : transit.stops) {
    w.str(stop.id);
    w.id(stop.lane);
    w.f64(stop.positionM);
    w.u8(stop.bay ? 1 : 0);
  }
  w.varint(transit.lines.size());
  for (const TransitLine& line : transit.lines) {
    w.str(line.id);
    w.varint(line.stops.size());
    for (std::uint32_t stop : line.stops) w.varint(stop);
  }
}

void decodeStops(ByteReader& r, const RoadNetwork& net, std::vector<TransitStop>& stops,
                 std::vector<RecordedTransitLine>& lines) {
  // A stop takes at least 11 bytes (empty id, one-byte lane, position, bay flag).
  stops.resize(r.count(11, "transit stops"));
  std::set<std::string> ids;
  for (TransitStop& stop : stops) {
    stop.id = r.str("stop id bytes");
    if (!ids.insert(stop.id).second) throw DecodeError("two transit stops are named '" + stop.id + "'");
    stop.lane = r.id<LaneId>(net.lanes().size(), "lane");
    stop.positionM = r.f64();
    const double laneM = net.lane(stop.lane).lengthM;
    if (!(stop.positionM >= 0 && stop.positionM <= laneM))
      throw DecodeError("stop '" + stop.id + "' lies at " + numberText(stop.positionM) + " m on lane " +
                        std::to_string(stop.lane.value) + ", which is " + numberText(laneM) + " m long");
    const std::uint8_t bay = r.u8();
    if (bay > 1) throw DecodeError("stop '" + stop.id + "' has bay flag " + std::to_string(bay) + ", not 0 or 1");
    stop.bay = bay == 1;
  }
  lines.resize(r.count(2, "transit lines"));
  for (RecordedTransitLine& line : lines) {
    line.id = r.str("line id bytes");
    line.stops.resize(r.count(1, "stops of a line"));
    for (std::uint32_t& stop : line.stops) stop = r.index(stops.size(), "transit stop");
  }
  if (!r.atEnd()) throw DecodeError(std::to_string(r.remaining()) + " bytes follow the last transit line");
}

void appendSection(std::uint32_t tag, const ByteWriter& payload, ByteWriter& out) {
  out.u32(tag);
  out.u32(static_cast<std::uint32_t>(payload.bytes.size()));
  out.u32(crc32(payload.bytes));
  out.bytes.insert(out.bytes.end(), payload.bytes.begin(), payload.bytes.end());
}

std::string systemError() { return std::strerror(errno); }

}  // namespace traffic::recording_detail
