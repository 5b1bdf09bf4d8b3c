// The road network: junctions, directed roads with lanes, and the paths through junctions.
//
//   road (directed, junction A -> junction B)
//     lane 0 (leftmost, next to the centre line) ... lane n-1 (rightmost, kerb side)
//   junction
//     movement: road -> road turn (left / straight / right / U-turn); what a signal controls
//       connector: one lane -> one lane path through the junction, with a shape and a length
//     conflicts between connectors (crossing or merging), precomputed when the network is built
//     right of way: who gives way at each conflict, when the map says (RightOfWay below)
//
// The network is immutable once built: the simulation reads it from worker threads without locks.
// Lengths are metres, speeds metres per second. Lane positions are measured from the lane's start
// (the stop line of the upstream junction) to its end (the stop line of the downstream junction).
// Roads are also edges of a Boost.Graph graph whose vertices are junctions, used for routing.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "traffic/geometry.h"
#include "traffic/ids.h"
#include "traffic/vehicle_type.h"

namespace traffic {

enum class TurnType : std::uint8_t { Straight, Right, Left, UTurn };
std::string_view toString(TurnType t);

struct Lane {
  RoadId road;
  std::uint16_t indexInRoad = 0;  ///< 0 = leftmost
  double lengthM = 0;
  double widthM = 3.5;
  double speedLimitMps = 13.89;
  ClassMask allowed = ClassMask::all();
  Polyline shape;                    ///< centre line, from start to end
  std::vector<ConnectorId> outgoing;  ///< connectors leaving this lane's end
  /// The lane's number in the map's own numbering where it has one (SUMO's index, from the right,
  /// counting lanes trafficsim leaves out such as sidewalks); -1 otherwise.
  int mapIndex = -1;
};

struct Road {
  std::string name;
  JunctionId from;
  JunctionId to;
  std::vector<LaneId> lanes;  ///< leftmost first
  double lengthM = 0;         ///< length of its lanes (stop line to stop line)
  std::vector<MovementId> movementsOut;  ///< turns available at the downstream junction
};

/// A point where two connectors of one junction cannot both be used at once.
struct Conflict {
  ConnectorId other;
  double atM = 0;       ///< distance along this connector to the conflict point
  double otherAtM = 0;  ///< distance along the other connector
  bool merging = false;  ///< both end on the same lane (the point is their common end)
  /// This connector gives way to `other` here: the map's right of way (junctions whose RightOfWay is
  /// not ByTurn). Set on one side, both sides (right before left of two equal roads, a zipper) or
  /// neither (the map lets both go and only the conflict point keeps them apart).
  bool yields = false;
};

struct Connector {
  JunctionId junction;
  MovementId movement;
  LaneId from;
  LaneId to;
  double lengthM = 0;
  double speedLimitMps = 13.89;
  /// The speed is the map's own for this path through the junction (SUMO's internal lane, whose
  /// speed netconvert already bounds by the curve): drivers take it as given, not bounded again by
  /// the connector's curvature. Otherwise the slower of the two lanes, which the engine bounds by
  /// the curve for each vehicle type (engine/network_view.h, curveRadiusOf).
  bool speedFromMap = false;
  Polyline shape;
  std::vector<Conflict> conflicts;  ///< sorted by atM
  /// A vehicle comes to a full stop at the line before entering (stop sign, all-way stop).
  bool stopFirst = false;
  /// The map's link waits for its gap inside the junction, at an internal stop line (SUMO's links
  /// through an internal junction, `cont="1"`: turns across the opposite stream).
  bool waitsInside = false;
};

struct Movement {
  JunctionId junction;
  RoadId fromRoad;
  RoadId toRoad;
  TurnType turn = TurnType::Straight;
  std::vector<ConnectorId> connectors;
  /// Rank used to decide who yields between two green movements that conflict: straight before
  /// right turn before left turn before U-turn. Only where the map gives no right of way
  /// (RightOfWay::ByTurn).
  [[nodiscard]] int priorityRank() const { return static_cast<int>(turn); }
};

/// One stage of a signal program: which movements may go and for how long.
struct SignalPhase {
  double durationS = 30;
  std::vector<MovementId> green;
  /// Green movements that give way to the conflicts marked `yields` (SUMO's minor green 'g'); read
  /// only at junctions whose right of way comes from the map, each one also listed in `green`.
  std::vector<MovementId> minor;
  /// The clearance the map gives after this stage (the yellow and the red-only phases of a SUMO
  /// program before the next green), in seconds; negative where the map gives none, and used only
  /// while SignalTiming::mapClearance holds.
  double yellowAfterS = -1;
  double allRedAfterS = -1;
  /// The range an actuated map program lets this stage run (SUMO's type="actuated" with phases'
  /// minDur < maxDur), ended between them by gap-out under the map_program policy; negative where
  /// the stage is fixed at durationS.
  double minDurS = -1;
  double maxDurS = -1;
  [[nodiscard]] bool actuated() const { return minDurS >= 0 && maxDurS > minDurS; }
};

/// A cyclic signal program. Clearance (yellow and all-red) is inserted by the controller between
/// phases, as [signals] yellow_s and all_red_s say or as the map gives it after each stage
/// (SignalPhase::yellowAfterS); programs list only the green stages.
struct SignalProgram {
  std::vector<SignalPhase> phases;
  double offsetS = 0;
};

/// Who goes first between conflicting movements that may go at the same time: on a green, or
/// always at a junction without signals. Maps that say nothing (CityFlow, City Brain, generated
/// grids) get ByTurn; the SUMO reader maps its junction types onto the others.
enum class RightOfWay : std::uint8_t {
  ByTurn,           ///< straight before right before left before U-turn (Movement::priorityRank)
  Priority,         ///< the map's yields (major and minor roads; at signals, minor greens give way)
  RightBeforeLeft,  ///< the map's yields between equal roads; a standing deadlock is broken
  AllWayStop,       ///< every connector stops first, then first come first served (yields unused)
  Unregulated,      ///< nobody gives way; only the conflict points keep vehicles apart
};
std::string_view toString(RightOfWay r);

struct Junction {
  std::string name;
  Vec2 position;
  /// Distance from the centre to the stop lines; roads are trimmed by it at this end.
  double widthM = 0;
  /// A boundary junction where vehicles enter or leave the network (CityFlow "virtual").
  bool boundary = false;
  std::vector<RoadId> incoming;
  std::vector<RoadId> outgoing;
  std::vector<MovementId> movements;
  std::vector<ConnectorId> connectors;
  std::optional<SignalProgram> program;
  RightOfWay rightOfWay = RightOfWay::ByTurn;
};

class RoadGraph;  // Boost.Graph view, defined in the private header sim/src/network/road_graph.h

struct BoxGeometry;

class RoadNetwork {
 public:
  RoadNetwork();
  ~RoadNetwork();
  RoadNetwork(RoadNetwork&&) noexcept;
  RoadNetwork& operator=(RoadNetwork&&) noexcept;

  [[nodiscard]] const std::vector<Junction>& junctions() const { return m_junctions; }
  [[nodiscard]] const std::vector<Road>& roads() const { return m_roads; }
  [[nodiscard]] const std::vector<Lane>& lanes() const { return m_lanes; }
  [[nodiscard]] const std::vector<Connector>& connectors() const { return m_connectors; }
  [[nodiscard]] const std::vector<Movement>& movements() const { return m_movements; }

  [[nodiscard]] const Junction& junction(JunctionId id) const { return m_junctions[id.index()]; }
  [[nodiscard]] const Road& road(RoadId id) const { return m_roads[id.index()]; }
  [[nodiscard]] const Lane& lane(LaneId id) const { return m_lanes[id.index()]; }
  [[nodiscard]] const Connector& connector(ConnectorId id) const { return m_connectors[id.index()]; }
  [[nodiscard]] const Movement& movement(MovementId id) const { return m_movements[id.index()]; }

  [[nodiscard]] std::optional<RoadId> findRoad(const std::string& name) const;
  [[nodiscard]] std::optional<JunctionId> findJunction(const std::string& name) const;
  /// The movement from `from` onto `to`, if the junction between them allows that turn.
  [[nodiscard]] std::optional<MovementId> movementBetween(RoadId from, RoadId to) const;

  [[nodiscard]] const RoadGraph& graph() const { return *m_graph; }

  /// Sum of lane lengths, in metres.
  [[nodiscard]] double totalLaneLengthM() const;

  /// Restrict which vehicle classes may use a lane (bus lanes, bike lanes). For loaders applying a
  /// scenario's lane-use rules, before the network is shared with a World.
  void setLaneAllowed(LaneId lane, ClassMask allowed) { m_lanes[lane.index()].allowed = allowed; }

 private:
  friend class RoadNetworkBuilder;
  friend struct NetworkCodec;  // recordings store and restore a built network (sim/src/io/recording/network_codec.cpp)
  /// Builds the routing graph from roads, lanes and movements; used by build() and on restore.
  void buildRoutingGraph();
  std::vector<Junction> m_junctions;
  std::vector<Road> m_roads;
  std::vector<Lane> m_lanes;
  std::vector<Connector> m_connectors;
  std::vector<Movement> m_movements;
  std::unordered_map<std::string, RoadId> m_roadByName;
  std::unordered_map<std::string, JunctionId> m_junctionByName;
  std::unique_ptr<RoadGraph> m_graph;
  // Where vehicles on two connectors can touch (network/box_geometry.h): a pure function of the
  // shapes, built by the first World on this network and shared by the later ones (resets,
  // compare's runs), so that a new World costs no geometry.
  friend const BoxGeometry& boxGeometryOf(const RoadNetwork& net);
  mutable std::shared_ptr<const BoxGeometry> m_box;
};

/// Assembles and validates a RoadNetwork. Loaders and generators describe junctions, roads and
/// turns; build() trims roads to the junction boxes, fills in missing connector shapes, computes
/// conflicts and the routing graph, and checks consistency. Errors throw LoadError naming `source`
/// (the file being loaded) and the entity.
class RoadNetworkBuilder {
 public:
  explicit RoadNetworkBuilder(std::string source);

  struct LaneSpec {
    double widthM = 3.5;
    double speedLimitMps = 13.89;
    ClassMask allowed = ClassMask::all();
    /// The lane's own centre line from stop line to stop line, for maps that draw every lane
    /// (SUMO). Used as given; when empty the lane is the road's centre line shifted sideways.
    std::vector<Vec2> shape;
    int mapIndex = -1;  ///< Lane::mapIndex
  };
  struct ConnectorSpec {
    int fromLane = 0;  ///< index in the incoming road
    int toLane = 0;    ///< index in the outgoing road
    std::vector<Vec2> points;  ///< optional shape; a smooth curve is generated when empty
  };

  JunctionId addJunction(std::string name, Vec2 position, double widthM, bool boundary);
  /// `points` is the centre line from the centre of `from` to the centre of `to` (>= 2 points).
  RoadId addRoad(std::string name, JunctionId from, JunctionId to, std::vector<Vec2> points,
                 std::vector<LaneSpec> lanes);
  MovementId addMovement(RoadId from, RoadId to, TurnType turn, std::vector<ConnectorSpec> connectors);
  void setSignalProgram(JunctionId junction, SignalProgram program);
  /// Right of way from the map (see RightOfWay). Connectors are named by their movement and their
  /// index in that movement's connector list. A yield between connectors that do not conflict
  /// (their shapes never cross or merge) has nothing to act on and is dropped.
  void setRightOfWay(JunctionId junction, RightOfWay rule);
  void setYield(MovementId movement, int connector, MovementId foeMovement, int foeConnector);
  /// Which connectors conflict, from the map (SUMO's foes matrix) instead of the shapes. Between two
  /// connectors both marked with setFoesKnown, a conflict exists only if setFoe names the pair, or
  /// if both end on the same lane (a merge always conflicts). Where it lies still comes from the
  /// shapes: their first crossing, the common end of a merge, or, for foes whose drawn paths
  /// neither cross nor merge, the points of their closest approach. Pairs with a connector not
  /// marked keep the geometric rule. Connectors leaving one lane never conflict (they share a queue).
  void setFoesKnown(MovementId movement, int connector);
  void setFoe(MovementId movement, int connector, MovementId foeMovement, int foeConnector);
  void setStopFirst(MovementId movement, int connector);
  /// The map's link waits for its gap inside the junction (Connector::waitsInside).
  void setWaitsInside(MovementId movement, int connector);
  /// The map's own speed through the junction for a connector (Connector::speedFromMap), instead
  /// of the slower of its two lanes' limits.
  void setMapSpeed(MovementId movement, int connector, double speedMps);
  /// Give a road the length the map states instead of its trimmed centre line's (SUMO lists a
  /// length per lane that need not match the drawn shape). All its lanes take this length.
  void setRoadLength(RoadId road, double lengthM);

  [[nodiscard]] std::optional<RoadId> findRoad(const std::string& name) const;
  [[nodiscard]] std::optional<JunctionId> findJunction(const std::string& name) const;
  [[nodiscard]] const std::string& source() const { return m_source; }

  /// Consumes the builder.
  RoadNetwork build();

 private:
  struct PendingRoad {
    std::vector<Vec2> points;
    std::vector<LaneSpec> lanes;
    std::optional<double> lengthM;
  };
  struct PendingMovement {
    std::vector<ConnectorSpec> connectors;
  };
  struct PendingYield {
    MovementId movement, foeMovement;
    int connector = 0, foeConnector = 0;
  };
  std::string m_source;
  RoadNetwork m_net;
  std::vector<PendingRoad> m_pendingRoads;
  std::vector<PendingMovement> m_pendingMovements;
  std::vector<PendingYield> m_pendingYields;
  std::vector<std::pair<MovementId, int>> m_pendingFoesKnown;
  std::vector<PendingYield> m_pendingFoes;  ///< pairs of foes (`yields` unused)
  std::vector<std::pair<MovementId, int>> m_pendingStops;
  std::vector<std::pair<MovementId, int>> m_pendingInside;
  struct PendingSpeed {
    MovementId movement;
    int connector = 0;
    double speedMps = 0;
  };
  std::vector<PendingSpeed> m_pendingSpeeds;
};

}  // namespace traffic
