// Draws a network and a frame with SFML: the only place besides the HUD that issues draw calls.
//
// The static network is turned into vertex lists once (scene.h) and cut into square tiles, so a
// zoomed-in view draws only the tiles it can see; on GPUs with vertex buffers the tiles live in
// video memory. Vehicles are rebuilt every frame into one vertex array (one draw call for all of
// them), culled to the visible part of the world. Level of detail by scale: zoomed out, lane
// markings are skipped and vehicles become short lines; stop lines keep a minimum size on screen so
// the state of the signals stays readable from afar.
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
#include "traffic/render/palette.h"
#include "traffic/render/scene.h"
#include "traffic/road_network.h"

namespace traffic::render {

inline sf::Color toSf(Rgba c) { return {c.r, c.g, c.b, c.a}; }

struct DrawOptions {
  ColourMode colourMode = ColourMode::ByClass;
  std::optional<std::uint32_t> selectedVehicle;
  std::optional<JunctionId> selectedJunction;
  std::vector<RoadId> highlightedRoute;  ///< roads to overlay (a followed vehicle's route)
  /// Draw vehicles as boxes whatever the scale (the costly case, for measuring).
  bool forceVehicleBoxes = false;
};

class SceneRenderer {
 public:
  using LengthOf = std::function<double(std::uint32_t vehicleId)>;

  /// `net` must outlive the renderer. Builds the static geometry (needs no GL context).
  SceneRenderer(const RoadNetwork& net, LengthOf lengthOf);
  ~SceneRenderer();
  SceneRenderer(const SceneRenderer&) = delete;
  SceneRenderer& operator=(const SceneRenderer&) = delete;

  /// Draws the network and `frame` as `camera` sees it. Sets the target's view; the caller
  /// restores the default view before drawing screen-space overlays.
  void draw(sf::RenderTarget& target, const Frame& frame, const Camera& camera, const DrawOptions& options);

  /// Poses of the last drawn frame's vehicles, in frame order, and the id of each (for picking
  /// what is on screen).
  [[nodiscard]] std::span<const VehiclePose> poses() const { return m_poses; }
  [[nodiscard]] std::span<const std::uint32_t> poseIds() const { return m_poseIds; }
  [[nodiscard]] const Bounds& bounds() const { return m_bounds; }
  [[nodiscard]] const SceneFrame& sceneFrame() const { return m_scene; }
  [[nodiscard]] const TrackGeometry& tracks() const { return m_tracks; }
  /// Vertices submitted for vehicles in the last draw (for the benchmark and tests).
  [[nodiscard]] std::size_t lastVehicleVertices() const { return m_vehicles.getVertexCount(); }

  /// The view that shows what `camera` sees, in scene coordinates.
  [[nodiscard]] sf::View viewFor(const Camera& camera) const;

 private:
  struct Tile;
  void drawTiles(sf::RenderTarget& target, const Bounds& visible, double pxPerM);
  void buildVehicles(const Frame& frame, const Camera& camera, const DrawOptions& options);
  void updateStopLines(const Frame& frame, const Camera& camera);
  void buildOverlay(const Camera& camera, const DrawOptions& options);

  const RoadNetwork* m_net;
  LengthOf m_lengthOf;
  Bounds m_bounds;
  SceneFrame m_scene;
  TrackGeometry m_tracks;
  std::vector<StopLineSegment> m_stopSegments;
  std::vector<std::unique_ptr<Tile>> m_tiles;
  std::vector<VehiclePose> m_poses;
  std::vector<std::uint32_t> m_poseIds;
  sf::VertexArray m_vehicles;
  sf::VertexArray m_stopLines{sf::Triangles};
  sf::VertexArray m_overlay{sf::Triangles};
};

}  // namespace traffic::render
