// Draws a network and a frame with SFML: the only place besides the HUD that issues draw calls.
//
// The static network is turned into vertex lists once (scene.h) and cut into square tiles, so a
// zoomed-in view draws only the tiles it can see; on GPUs with vertex buffers the tiles live in
// video memory. Vehicles are rebuilt every frame into one vertex array (one draw call for all of
// them), culled to the visible part of the world. Level of detail by scale: zoomed out, lane
// markings are skipped and vehicles become short lines; stop lines keep a minimum size on screen so
// the state of the signals stays readable from afar. Transit stops are white squares beside the
// kerb: close up with the number of people waiting written beside them (and the number of
// passengers on board written on each carrying vehicle), further out as squares that grow with the
// number waiting.
#pragma once

#include <SFML/Graphics.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "traffic/frame.h"
#include "traffic/render/camera.h"
#include "traffic/render/city_view.h"
#include "traffic/render/line_raster.h"
#include "traffic/render/palette.h"
#include "traffic/render/scene.h"
#include "traffic/road_network.h"
#include "traffic/transit.h"

namespace traffic::render {

inline sf::Color toSf(Rgba c) { return {c.r, c.g, c.b, c.a}; }

struct DrawOptions {
  ColourMode colourMode = ColourMode::ByClass;
  std::optional<std::uint32_t> selectedVehicle;
  std::optional<JunctionId> selectedJunction;
  std::optional<std::size_t> selectedStop;  ///< index into the renderer's stops
  std::vector<RoadId> highlightedRoute;  ///< roads to overlay (a followed vehicle's route)
  /// Where a followed transit or fleet vehicle will stop next, in order: marked on the map, the
  /// next one larger.
  std::vector<UpcomingStop> plannedStops;
  /// Draw vehicles as boxes whatever the scale (the costly case, for measuring).
  bool forceVehicleBoxes = false;
  /// The city layer (city_view.h) instead of the vehicles: roads coloured by `roadMeasure`, queues,
  /// signal dots and entry queues. The caller decides, with a LayerSwitch.
  bool cityLayer = false;
  RoadMeasure roadMeasure = RoadMeasure::Speed;
  /// Vehicles waiting to enter, per entry road, at the frame's instant (empty: none known).
  std::vector<EntryQueue> entryQueues;
};

class SceneRenderer {
 public:
  using LengthOf = std::function<double(std::uint32_t vehicleId)>;

  /// `net` must outlive the renderer. Builds the static geometry (needs no GL context). `stops`
  /// are the run's transit stops, in the order of Frame::stopWaiting.
  SceneRenderer(const RoadNetwork& net, LengthOf lengthOf, std::vector<TransitStop> stops = {});
  ~SceneRenderer();
  SceneRenderer(const SceneRenderer&) = delete;
  SceneRenderer& operator=(const SceneRenderer&) = delete;

  /// Draws the network and `frame` as `camera` sees it. Sets the target's view (to one unit a
  /// pixel of the camera's viewport, after the numbers on the map); the caller sets its own view
  /// before drawing screen-space overlays. The numbers need the HUD font and are left out when it
  /// is missing.
  void draw(sf::RenderTarget& target, const Frame& frame, const Camera& camera, const DrawOptions& options);

  /// Poses of the last drawn frame's vehicles, in frame order, and the id of each (for picking
  /// what is on screen).
  [[nodiscard]] std::span<const VehiclePose> poses() const { return m_poses; }
  [[nodiscard]] std::span<const std::uint32_t> poseIds() const { return m_poseIds; }
  [[nodiscard]] const Bounds& bounds() const { return m_bounds; }
  [[nodiscard]] const SceneFrame& sceneFrame() const { return m_scene; }
  [[nodiscard]] const TrackGeometry& tracks() const { return m_tracks; }
  [[nodiscard]] const std::vector<TransitStop>& stops() const { return m_stops; }
  [[nodiscard]] std::span<const StopPlacement> stopPlacements() const { return m_stopPlacements; }
  /// Side of each stop's marker in the last draw, in pixels (for picking what is on screen).
  [[nodiscard]] std::span<const double> stopSidesPx() const { return m_stopSidesPx; }
  /// Numbers written on the map in the last draw: people waiting at stops, passengers on board.
  [[nodiscard]] std::size_t lastStopLabels() const { return m_stopLabels; }
  [[nodiscard]] std::size_t lastLoadLabels() const { return m_loadLabels; }
  /// Vertices submitted for vehicles in the last draw (for the benchmark and tests).
  [[nodiscard]] std::size_t lastVehicleVertices() const { return m_vehicles.getVertexCount(); }
  /// Vertices submitted for the city layer in the last draw: road strips, then queues, signal dots
  /// and entry queues.
  [[nodiscard]] std::size_t lastCityVertices() const {
    return m_cityRoads.getVertexCount() + 2 * m_cityRoadLines.size() + m_cityMarks.getVertexCount() +
           2 * m_cityMarkLines.size();
  }
  /// Wall time the last draw spent on the CPU building its per-frame vertex lists (vehicles, stop
  /// lines, the city layer, stops and overlay), before submitting anything of the frame.
  [[nodiscard]] double lastBuildS() const { return m_lastBuildS; }
  /// Per lane, the load of the last frame drawn with the city layer (for tests and the legend).
  [[nodiscard]] std::span<const LaneLoad> lastLaneLoads() const { return m_laneLoads; }

  /// The view that shows what `camera` sees, in scene coordinates.
  [[nodiscard]] sf::View viewFor(const Camera& camera) const;

 private:
  struct Tile;
  void drawTiles(sf::RenderTarget& target, const Bounds& visible, double pxPerM, bool city);
  void buildVehicles(const Frame& frame, const Camera& camera, const DrawOptions& options);
  void updateStopLines(const Frame& frame, const Camera& camera, bool city);
  void buildStops(const Frame& frame, const Camera& camera);
  void buildOverlay(const Camera& camera, const DrawOptions& options);
  void buildCityRoads(double pxPerM);
  void buildCityLayer(const Frame& frame, const Camera& camera, const DrawOptions& options);
  /// The city layer's lines, rasterised on the CPU and drawn as one texture.
  void drawCityLines(sf::RenderTarget& target, const Camera& camera);
  [[nodiscard]] double cityStripWidthM(RoadId road, double pxPerM) const;
  void drawLabels(sf::RenderTarget& target, const Frame& frame, const Camera& camera);

  const RoadNetwork* m_net;
  LengthOf m_lengthOf;
  Bounds m_bounds;
  SceneFrame m_scene;
  TrackGeometry m_tracks;
  std::vector<StopLineSegment> m_stopSegments;
  std::vector<std::unique_ptr<Tile>> m_tiles;
  std::vector<VehiclePose> m_poses;
  std::vector<std::uint32_t> m_poseIds;
  std::vector<TransitStop> m_stops;
  std::vector<StopPlacement> m_stopPlacements;
  std::vector<double> m_stopSidesPx;
  std::size_t m_stopLabels = 0;
  std::size_t m_loadLabels = 0;
  sf::VertexArray m_stopMarkers{sf::Triangles};
  sf::VertexArray m_vehicles;
  sf::VertexArray m_stopLines{sf::Triangles};
  sf::VertexArray m_overlay{sf::Triangles};
  double m_lastBuildS = 0;

  // The city layer. Each road is a strip along the inner edge of its lanes (the side towards the
  // middle of the street), widened towards the kerb to at least kCityStripMinPx, so the two
  // directions of a street lie side by side. The strips' positions are built once per scale, their
  // colours every frame.
  struct CityRoad {
    Polyline innerEdge;      // lane 0's left edge, start to end
    double edgeLengthM = 0;  // of innerEdge
    Vec2 startM, startHeading, endM, endHeading;  // innerEdge's ends and its direction there
    double widthM = 0;       // the road's lanes together
    double shapeScale = 1;   // innerEdge length over the road's modelled length
    // A straight road (innerEdge of two points, as every road of a grid): the left normal of its
    // direction, so that its strip and bars are placed without cutting or offsetting the polyline.
    bool straight = false;
    Vec2 normal;
    std::uint32_t firstVertex = 0;  // of its strip in m_cityRoads, or of its segments in m_cityRoadLines
    std::uint32_t vertexCount = 0;  // vertices of its strip, or segments of its line
    bool signalised = false;  // its end junction has a signal program
    bool asLine = false;      // narrower than kCityStripMinPx: a line that wide (in m_cityRoadLines)
  };
  std::vector<CityRoad> m_cityRoadGeometry;  // indexed by RoadId; empty until the layer is first drawn
  double m_cityBuiltPxPerM = -1;
  std::vector<LaneLoad> m_laneLoads;
  RoadLoadTable m_roadTable;                 // made with m_cityRoadGeometry
  std::vector<float> m_longestQueueM;        // per road, of the last frame drawn with the city layer
  sf::VertexArray m_cityRoads{sf::Triangles};
  sf::VertexArray m_cityMarks{sf::Triangles};
  // Far out most strips and bars are at their least width: there they are lines of that width down
  // the middle of where the strip would be, drawn on the CPU into m_lineRaster, which is drawn as
  // one texture (llvmpipe's time goes with the primitives, the raster's with the pixels: measured
  // in render_bench).
  std::vector<LineSegment> m_cityRoadLines;
  std::vector<LineSegment> m_cityMarkLines;
  LineRaster m_lineRaster;
  sf::Texture m_lineTexture;
};

}  // namespace traffic::render
