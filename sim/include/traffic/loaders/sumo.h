// Loader for SUMO scenarios: networks (.net.xml), demand (.rou.xml) and configurations (.sumocfg).
//
// Network: normal edges become roads; their lanes keep SUMO's own shapes, speeds and vehicle-class
// permissions. SUMO numbers lanes from the right (index 0 at the kerb) while trafficsim's lane 0
// is the leftmost, so the order is reversed; lanes no trafficsim class may use (sidewalks, rail,
// bike-only) are left out, and so are edges left with no lane. Internal edges (function
// "internal") are not roads: their lane shapes become the connectors' shapes through the junction,
// following a connection's `via` chain. Connections from the same edge to the same edge form one
// movement. `dead_end` junctions and junctions with only one neighbour are boundary junctions.
// Traffic-light programs (the last one loaded for a light, as in SUMO) become signal programs at
// each junction they control: every phase whose links show green (G, g, s) and no yellow is a
// stage, and so is a phase showing its links nothing green for longer than 10 s (a ramp meter's
// red); yellow and shorter all-red phases are clearance, which trafficsim's controller inserts itself,
// timed by the map's typical yellow and all-red durations (see SumoNetwork::timing). The programs
// as written, yellow phases and minDur/maxDur included, are kept in SumoNetwork::trafficLights. Lanes of one SUMO edge may differ in length; the road takes
// their mean (trafficsim's lane changes keep the position, so lanes of a road share one length)
// and the lengths as written are kept in SumoNetwork::laneLengthsM.
//
// Demand: vTypes with SUMO's defaults per vehicle class, vehicles with inline or referenced
// routes, trips (routed on free-flow times with trafficsim's router) and flows (period,
// vehsPerHour, probability, number, period="exp(rate)") are expanded into trips, deterministically
// from the seed, from route files and from additional files alike. Departure times are shifted so
// that the configuration's begin time is t = 0. Bus stops (additional files) become transit stops
// and a vehicle that stops at them a transit line of its own (loadSumoRoutes).
//
// Everything read but not modelled is logged once per kind with a count. Errors throw LoadError
// naming the file, the line and the element ("edge \"e12\" lane 2: ...").
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/demand.h"
#include "traffic/limits.h"
#include "traffic/road_network.h"
#include "traffic/signal.h"
#include "traffic/transit.h"
#include "traffic/vehicle_type.h"

namespace traffic {

/// One phase of a SUMO traffic-light program, as written.
struct SumoPhase {
  double durationS = 0;
  std::optional<double> minDurS;
  std::optional<double> maxDurS;
  std::string state;  ///< one of G g y r s u o O per link index
  std::string name;
};

/// A SUMO traffic-light program (`tlLogic`), as written, with the junctions it controls.
struct SumoTrafficLight {
  std::string id;
  std::string type;  ///< "static", "actuated", ...
  std::string programId;
  double offsetS = 0;
  std::vector<SumoPhase> phases;
  std::vector<JunctionId> junctions;
  /// The connector of each link index (invalid where the link's lanes were left out).
  std::vector<ConnectorId> links;
};

/// What SUMO says about a junction beyond trafficsim's road network: its type and the right-of-way
/// matrices. The engine does not use these yet (unsignalised junctions give way by turn rank).
struct SumoJunction {
  std::string type;  ///< "priority", "traffic_light", "right_before_left", "dead_end", ...
  /// Per junction link index (SUMO's `request index`): the links this one must yield to
  /// (`response`) and the links it conflicts with (`foes`), as bit strings whose last character
  /// is link 0.
  std::vector<std::string> response;
  std::vector<std::string> foes;
  /// The connector of each junction link index (invalid where the link's lanes were left out).
  std::vector<ConnectorId> links;
};

struct SumoNetwork {
  RoadNetwork network;
  std::vector<SumoJunction> junctions;  ///< by JunctionId
  std::vector<SumoTrafficLight> trafficLights;
  /// The length SUMO gives each lane (by LaneId); the road uses their mean.
  std::vector<double> laneLengthsM;
  /// Clearance as the map's programs time it: the most common yellow phase, the most common
  /// all-red phase after a yellow (0 when there is none), and a minimum green no longer than the
  /// shortest green stage, so that fixed_time runs the map's durations.
  SignalTiming timing;
  /// Edges left out because no lane admits a trafficsim class (footpaths, rail, cycleways).
  std::size_t skippedEdges = 0;
};

/// How the network is to be read beyond what its files say.
struct SumoNetworkOptions {
  /// Every traffic light switched off, as SUMO's `tls.all-off`: each signalised link is always
  /// open and gives way as its connection's off-state says ('O' has the right of way, 'o' and the
  /// other lower-case states give way to the foes the junction's response names).
  bool lightsOff = false;
};

/// Throws LoadError naming the file, the line and the edge, lane, junction or program at fault.
/// Traffic-light programs in `additionalFiles` (SUMO `<additional>` files) are loaded after the
/// network's and, as in SUMO, replace its programs of the same light; other additionals are
/// logged as not read. Reads only regular files of at most limits.maxInputMb each.
SumoNetwork loadSumoNetwork(const std::filesystem::path& file, std::span<const std::filesystem::path> additionalFiles = {},
                            const ResourceLimits& limits = {}, const SumoNetworkOptions& options = {});

/// The content of a file that is not read from disk, and the name messages give it.
struct SumoText {
  std::string name;
  std::string_view text;
};

/// The network in `text`, the content of a .net.xml called `name` in messages, with the programs
/// of `additional` as loadSumoNetwork reads those of additional files.
SumoNetwork loadSumoNetworkText(std::string_view text, const std::string& name, std::span<const SumoText> additional = {});

struct SumoDemandOptions {
  double beginS = 0;  ///< SUMO time that becomes t = 0; earlier departures are dropped (as SUMO does)
  double endS = std::numeric_limits<double>::infinity();  ///< departures from here on are not generated
  std::uint64_t seed = 1;  ///< for flows with `probability` or `period="exp(...)"`
};

/// Appends the file's vehicle types (a type whose name is already in `types` is reused as it
/// stands, so a scenario may override a vType) and its vehicles as trips. Routes are checked for
/// connectivity. Throws LoadError, also when the file is larger than limits.maxInputMb or its
/// vehicles would take `demand` past limits.maxTrips (checked before a flow's trips are made).
/// With `transit`, a vehicle, trip or flow with <stop>s at bus stops already in `transit` (read
/// from additional files) or at lane positions becomes a line of its own there, each vehicle one
/// run, standing at each stop for its `duration`; a trip with stops and no from/to is routed from
/// its first stop through each stop to its last. Without `transit` stops are reported and not run.
void loadSumoRoutes(const std::filesystem::path& file, const RoadNetwork& net, std::vector<VehicleType>& types,
                    Demand& demand, const SumoDemandOptions& options = {}, const ResourceLimits& limits = {},
                    Transit* transit = nullptr);

/// As loadSumoRoutes, from `text`, the content of a .rou.xml called `name` in messages.
void loadSumoRoutesText(std::string_view text, const std::string& name, const RoadNetwork& net,
                        std::vector<VehicleType>& types, Demand& demand, const SumoDemandOptions& options = {},
                        const ResourceLimits& limits = {}, Transit* transit = nullptr);

/// The demand of a SUMO additional file, which SUMO reads as it reads route files (SUMO loads the
/// additional files before the route files): vTypes, routes, vehicles, trips and flows as
/// loadSumoRoutes reads them, and <busStop>s as transit stops (a stop on a lane the network does
/// not have is a LoadError). The file may have any root element; its traffic-light programs are
/// read by loadSumoNetwork, which reports what neither reads. Returns how many vehicle, trip and
/// flow elements the file holds.
std::size_t loadSumoAdditionalDemand(const std::filesystem::path& file, const RoadNetwork& net,
                                     std::vector<VehicleType>& types, Demand& demand, Transit& transit,
                                     const SumoDemandOptions& options = {}, const ResourceLimits& limits = {});

/// As loadSumoAdditionalDemand, from `text`, the content of an additional file called `name`.
std::size_t loadSumoAdditionalDemandText(std::string_view text, const std::string& name, const RoadNetwork& net,
                                         std::vector<VehicleType>& types, Demand& demand, Transit& transit,
                                         const SumoDemandOptions& options = {}, const ResourceLimits& limits = {});

/// SUMO's default parameters for a vClass ("passenger", "bus", "bicycle", ...), mapped onto
/// trafficsim's vehicle type; nullopt for classes trafficsim cannot drive (pedestrian, rail, ship).
std::optional<VehicleType> sumoDefaultVehicleType(const std::string& vClass);

/// The parts of a .sumocfg trafficsim runs. Paths are resolved against the configuration's folder.
struct SumoConfig {
  std::filesystem::path netFile;
  std::vector<std::filesystem::path> routeFiles;
  std::vector<std::filesystem::path> additionalFiles;
  double beginS = 0;
  std::optional<double> endS;
  std::optional<double> stepS;
  std::optional<double> timeToTeleportS;
  std::optional<std::uint64_t> seed;
  bool tlsAllOff = false;  ///< `tls.all-off`: every light switched off (SumoNetworkOptions::lightsOff)
};

/// Reads a SUMO configuration (a regular file of at most kMaxScenarioFileBytes, as a scenario file);
/// options it does not use are logged. Throws LoadError.
SumoConfig readSumoConfig(const std::filesystem::path& file);

/// As readSumoConfig, from `text`, the content of a configuration called `name` whose paths are
/// resolved against `folder`.
SumoConfig readSumoConfigText(std::string_view text, const std::string& name, const std::filesystem::path& folder);

/// Whether `file` names a SUMO configuration (by its extension).
bool isSumoConfig(const std::filesystem::path& file);

}  // namespace traffic
