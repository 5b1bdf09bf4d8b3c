// Loader for the City Brain Challenge's road networks and flow files (KDD Cup 2021, CBEngine's
// plain-text format; the challenge's Nanchang network has 2,067 intersections).
//
// roadnet: intersections (latitude, longitude, id, signalised), two-way road segments (each
// direction a road with its own id, lane count and per-lane movement masks left/through/right,
// lane 0 the inner one as in trafficsim) and the signal table (per signalised intersection, its
// exiting roads at the north, east, south and west approaches). Positions are projected to metres
// around the map's centre; a road's length is the one the file states. Intersections with one
// segment are boundary junctions. Movements: every incoming road to every outgoing road except its
// own reverse direction, classified left/straight/right by the approaches of the signal table
// where it names both roads, by the angle between the roads otherwise; a movement exists when a
// lane of the incoming road permits its turn, and gets one connector per such lane (left turns
// onto the inner lane, right turns onto the kerb lane, straight on onto the same lane index).
// Signals: the challenge's phases 1 to 8 (1: north and south left turns, 2: north and south
// through, 3: east and west left turns, 4: east and west through, 5-8: left turn and through of
// one approach, north, east, south, west), right turns green in every phase; phases that give
// green to nothing are left out. Each phase is timed 15 s of green, which after the challenge's
// 5 s all-red is the starter kit's fixed-time agent (a new phase every 20 s, 1 to 8 in turn).
// Intersections without a signal table entry are unsignalised.
//
// flow: per flow a start time, an end time, an interval and an explicit route of road ids; a
// vehicle departs at start, start + interval, ... while before end (the half-open window, so a
// flow makes (end - start) / interval vehicles, the count the challenge's traffic generator
// assumes). All vehicles are of one type, "citybrain" (trafficsim's car, its top speed raised to
// the map's highest speed limit so that free flow is the speed limit, as the challenge's
// free-flow times assume).
//
// Errors throw LoadError naming the file, the line and the intersection, road, signal or flow.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "traffic/demand.h"
#include "traffic/limits.h"
#include "traffic/road_network.h"
#include "traffic/signal.h"
#include "traffic/vehicle_type.h"

namespace traffic {

/// The challenge's signal timing: no yellow, 5 s all-red on every phase change, and a minimum
/// green of 5 s (its agents act every 10 s, and the first 5 s after a change are all-red).
SignalTiming citybrainSignalTiming();

/// Throws LoadError naming the file, the line and the entity at fault. Reads only regular files of
/// at most limits.maxInputMb.
RoadNetwork loadCitybrainRoadnet(const std::filesystem::path& file, const ResourceLimits& limits = {});

/// Appends the "citybrain" vehicle type to `types` (once) and the flow file's vehicles to `demand`
/// (trip ids "flow_<flow>_<k>", flows numbered from 0 in file order). Routes are checked for
/// connectivity. Throws LoadError, also when a flow would take `demand` past limits.maxTrips.
void loadCitybrainFlows(const std::filesystem::path& file, const RoadNetwork& net, std::vector<VehicleType>& types,
                        Demand& demand, const ResourceLimits& limits = {});

/// The parts of a challenge simulator configuration (simulator.cfg) trafficsim runs.
struct CitybrainConfig {
  std::filesystem::path roadnetFile;
  std::filesystem::path flowFile;
  double startS = 0;
  double endS = 3600;
};

/// Whether `file` is a challenge configuration (by its extension, ".cfg").
bool isCitybrainConfig(const std::filesystem::path& file);
/// Reads `key : value` and `key = value` lines ('#' starts a comment). A file path is taken as
/// written (relative to the configuration's folder); when no file is there, the file of the same
/// name next to the configuration (the challenge's configurations name paths inside its Docker
/// image, /starter-kit/data/...). Throws LoadError naming the key.
CitybrainConfig readCitybrainConfig(const std::filesystem::path& file);

}  // namespace traffic
