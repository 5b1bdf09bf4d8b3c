// Loader for CityFlow road networks and flow files (the format of the Hangzhou, Jinan and
// New York datasets).
//
// roadnet: intersections (virtual ones become boundary junctions), roads with lanes, roadLinks
// (movements) with laneLinks (connectors, with their shapes), and traffic-light phases. CityFlow
// lists a short clearance phase (only right turns) between green phases; we drop phases that give
// green to right turns only, because our controller inserts yellow and all-red itself, and keep
// the others as the map's program.
// flow: one entry per vehicle group; entries with startTime == endTime are single vehicles, others
// repeat every `interval` seconds. Each distinct set of vehicle parameters becomes a vehicle type.
#pragma once

#include <filesystem>
#include <vector>

#include "traffic/demand.h"
#include "traffic/limits.h"
#include "traffic/road_network.h"
#include "traffic/vehicle_type.h"

namespace traffic {

/// Throws LoadError naming the file and the intersection, road or link at fault. Reads only regular
/// files of at most limits.maxInputMb.
RoadNetwork loadCityflowRoadnet(const std::filesystem::path& file, const ResourceLimits& limits = {});

/// Appends the flow file's vehicle types to `types` (deduplicated by parameters) and its trips to
/// `demand` (trip ids "flow_<entry>_<k>"). Routes are checked for connectivity. Throws LoadError,
/// also when the file is larger than limits.maxInputMb or an entry would take `demand` past
/// limits.maxTrips (checked before the entry's trips are made).
void loadCityflowFlows(const std::filesystem::path& file, const RoadNetwork& net,
                       std::vector<VehicleType>& types, Demand& demand, const ResourceLimits& limits = {});

}  // namespace traffic
