// Private to sim/ (and the tests and fuzzing harnesses, which see sim/src): the CityFlow readers in
// two steps, parsing a file and reading the parsed document. loadCityflowRoadnet and
// loadCityflowFlows (traffic/loaders/cityflow.h) are the two steps in one; the cityflow fuzzing
// harness reads each input as a map and as a flow file, and parses it once for both (parsing was
// two fifths of its time, done twice).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "traffic/demand.h"
#include "traffic/limits.h"
#include "traffic/road_network.h"
#include "traffic/vehicle_type.h"

namespace traffic {

/// The file as JSON: a regular file of at most `maxBytes` (`what` names it in messages: "map
/// file", "flow file"), well formed. Throws LoadError naming the file and, for a syntax error, the line.
nlohmann::json parseCityflowFile(const std::filesystem::path& file, std::uint64_t maxBytes, const char* what);

/// loadCityflowRoadnet on a parsed document; `path` names it in messages.
RoadNetwork cityflowRoadnetFromJson(const nlohmann::json& doc, const std::string& path);

/// loadCityflowFlows on a parsed document; `path` names it in messages.
void cityflowFlowsFromJson(const nlohmann::json& doc, const std::string& path, const RoadNetwork& net,
                           std::vector<VehicleType>& types, Demand& demand, const ResourceLimits& limits);

}  // namespace traffic
