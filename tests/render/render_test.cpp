// Drawing, checked by pixels: frames rendered offscreen on small hand-made networks, where the
// colour of a stop line, a vehicle or the background at a known point is known in advance.
#include <gtest/gtest.h>

#include <SFML/Graphics.hpp>

#include <cstdlib>

#include "common/test_networks.h"
#include "render_test_support.h"
#include "traffic/render/renderer.h"
#include "traffic/render/screenshot.h"
#include "traffic/world.h"

namespace traffic::render {
namespace {

using traffic::render::testing::colourNear;
using traffic::render::testing::share;
using traffic::testing::crossJunction;

constexpr unsigned kW = 800, kH = 800;

sf::Image draw(const RoadNetwork& net, const Frame& frame, const Camera& camera, ColourMode mode = ColourMode::ByClass) {
  ImageOptions o;
  o.widthPx = kW;
  o.heightPx = kH;
  o.camera = camera;
  o.colourMode = mode;
  return renderImage(net, nullptr, frame, o);
}

sf::Color pixelAt(const sf::Image& img, const Camera& cam, Vec2 worldM) {
  const Vec2 s = cam.toScreen(worldM);
  if (s.x < 0 || s.y < 0 || s.x >= img.getSize().x || s.y >= img.getSize().y) {
    ADD_FAILURE() << "(" << worldM.x << ", " << worldM.y << ") is outside the picture";
    return sf::Color::Transparent;
  }
  return img.getPixel(static_cast<unsigned>(s.x), static_cast<unsigned>(s.y));
}

/// Middle of a stop-line segment's painted strip (it extends upstream from the line).
Vec2 stripMiddle(const StopLineSegment& s) { return (s.leftM + s.rightM) * 0.5 + s.upstream * 0.25; }

// At 8 pixels per metre a stop-line stretch is 4 px deep and 9 px wide on a 3.5 m lane split three
// ways: its middle pixel is its own colour, untouched by anti-aliased edges.
Camera junctionCamera() { return Camera({0, 0}, 8, kW, kH); }

TEST(Render, StopLinesShowTheSignalStateOfTheirTurn) {
  TRAFFIC_REQUIRE_DISPLAY();
  auto net = share(crossJunction(100, 1, true));
  const Scenario sc = traffic::testing::makeScenario(net, {}, traffic::testing::standardCar());
  World world(sc);
  const std::vector<StopLineSegment> stops = buildStopLines(*net);
  const RoadId north = *net->findRoad("n_in"), east = *net->findRoad("e_in");
  auto straightFrom = [&](RoadId road) {
    for (const auto& s : stops)
      if (net->lane(s.lane).road == road && net->movement(s.movement).turn == TurnType::Straight) return s;
    throw std::logic_error("no straight stop line");
  };

  // Phase 0 (north-south) is green at 10 s; phase 1 (east-west) at 50 s, after 30 s of green and
  // the clearance.
  for (double t : {10.0, 50.0}) {
    while (world.timeS() < t) world.step();
    const Frame frame = world.frame();
    const bool northSouthGreen = t < 30;
    const auto stateOf = [&](const StopLineSegment& s) { return frame.movementStates[s.movement.index()]; };
    ASSERT_EQ(stateOf(straightFrom(north)), northSouthGreen ? SignalState::GreenProtected : SignalState::Red);
    ASSERT_EQ(stateOf(straightFrom(east)), northSouthGreen ? SignalState::Red : SignalState::GreenProtected);

    const Camera cam = junctionCamera();
    const sf::Image img = draw(*net, frame, cam);
    EXPECT_TRUE(colourNear(northSouthGreen ? palette::kSignalGreenProtected : palette::kSignalRed,
                           pixelAt(img, cam, stripMiddle(straightFrom(north)))))
        << "north approach at " << t << " s";
    EXPECT_TRUE(colourNear(northSouthGreen ? palette::kSignalRed : palette::kSignalGreenProtected,
                           pixelAt(img, cam, stripMiddle(straightFrom(east)))))
        << "east approach at " << t << " s";
    // Every stretch, turns included, in its own movement's colour.
    for (const StopLineSegment& s : stops)
      EXPECT_TRUE(colourNear(signalColour(stateOf(s)), pixelAt(img, cam, stripMiddle(s))))
          << net->road(net->lane(s.lane).road).name << " " << toString(net->movement(s.movement).turn) << " at " << t;
  }
}

TEST(Render, YellowDuringTheChange) {
  TRAFFIC_REQUIRE_DISPLAY();
  auto net = share(crossJunction(100, 1, true));
  const Scenario sc = traffic::testing::makeScenario(net, {}, traffic::testing::standardCar());
  World world(sc);
  while (world.timeS() < 31) world.step();  // green ends at 30 s; yellow lasts 3 s
  const Frame frame = world.frame();
  const Camera cam = junctionCamera();
  const sf::Image img = draw(*net, frame, cam);
  int yellow = 0;
  for (const StopLineSegment& s : buildStopLines(*net)) {
    const SignalState st = frame.movementStates[s.movement.index()];
    if (st == SignalState::Yellow) ++yellow;
    EXPECT_TRUE(colourNear(signalColour(st), pixelAt(img, cam, stripMiddle(s))));
  }
  EXPECT_EQ(yellow, 6) << "the north-south stretches show yellow";
}

/// A frame with three vehicles on the approaches of the cross junction, fronts 30 m from its centre.
Frame threeVehicles(const RoadNetwork& net) {
  Frame f;
  f.movementStates.assign(net.movements().size(), SignalState::Red);
  auto add = [&](const char* road, VehicleClass c, float speed, std::uint8_t flags) {
    FrameVehicle v;
    v.id = static_cast<std::uint32_t>(f.vehicles.size());
    v.track = net.road(*net.findRoad(road)).lanes[0].value;
    v.positionM = 85;  // lanes run 100 m from 115 m out to the box edge at 15 m
    v.speedMps = speed;
    v.vehicleClass = c;
    v.flags = flags;
    f.vehicles.push_back(v);
  };
  add("w_in", VehicleClass::Car, 0, FrameVehicle::kHalted);
  add("e_in", VehicleClass::Bus, 13.89f, 0);
  add("n_in", VehicleClass::Car, 7, FrameVehicle::kEmergency);
  return f;
}

TEST(Render, VehiclesInTheirModeColourWhereTheyStand) {
  TRAFFIC_REQUIRE_DISPLAY();
  const RoadNetwork net = crossJunction(100, 1, true);
  const Frame frame = threeVehicles(net);
  const Camera cam = junctionCamera();
  const sf::Image img = draw(net, frame, cam);
  const TrackGeometry tracks(net);
  const Rgba expected[3] = {palette::kCar, palette::kBus, palette::kEmergency};
  for (std::size_t i = 0; i < 3; ++i) {
    const FrameVehicle& v = frame.vehicles[i];
    const VehiclePose pose = tracks.place(v, classLengthM(v.vehicleClass));
    EXPECT_TRUE(colourNear(expected[i], pixelAt(img, cam, pose.centreM()))) << "vehicle " << i;
    // Just ahead of its front bumper is road, not vehicle.
    EXPECT_TRUE(colourNear(palette::kAsphalt, pixelAt(img, cam, pose.frontM + pose.heading * 1.0))) << "vehicle " << i;
  }
  // Off the roads, the background.
  EXPECT_TRUE(colourNear(palette::kBackground, pixelAt(img, cam, {30, 30})));
  EXPECT_TRUE(colourNear(palette::kJunctionBox, pixelAt(img, cam, {0, 0})));
}

TEST(Render, ColourBySpeed) {
  TRAFFIC_REQUIRE_DISPLAY();
  const RoadNetwork net = crossJunction(100, 1, true);
  const Frame frame = threeVehicles(net);
  const Camera cam = junctionCamera();
  const sf::Image img = draw(net, frame, cam, ColourMode::BySpeed);
  const TrackGeometry tracks(net);
  for (const FrameVehicle& v : frame.vehicles) {
    const VehiclePose pose = tracks.place(v, classLengthM(v.vehicleClass));
    EXPECT_TRUE(colourNear(speedColour(v.speedMps, tracks.speedLimitMps(v)), pixelAt(img, cam, pose.centreM())))
        << "vehicle " << v.id;
  }
  // The stopped car is red-ish, the bus at the limit green-ish.
  const sf::Color stopped = pixelAt(img, cam, tracks.place(frame.vehicles[0], 4.5).centreM());
  const sf::Color free = pixelAt(img, cam, tracks.place(frame.vehicles[1], 12).centreM());
  EXPECT_GT(stopped.r, 200);
  EXPECT_LT(stopped.g, 80);
  EXPECT_GT(free.g, 180);
  EXPECT_LT(free.r, 80);
}

TEST(Render, ZoomedOutVehiclesAreLinesZoomedInBoxes) {
  TRAFFIC_REQUIRE_DISPLAY();
  const RoadNetwork net = crossJunction(100, 1, true);
  const Frame frame = threeVehicles(net);
  sf::RenderTexture target;
  ASSERT_TRUE(target.create(kW, kH));
  SceneRenderer renderer(net, nullptr);
  renderer.draw(target, frame, Camera({0, 0}, 0.1, kW, kH), {});
  EXPECT_EQ(renderer.lastVehicleVertices(), 2u * 3) << "two vertices a vehicle far out";
  renderer.draw(target, frame, Camera({0, 0}, 8, kW, kH), {});
  EXPECT_EQ(renderer.lastVehicleVertices(), 6u * 3) << "two triangles a vehicle close up";
  // Vehicles outside the view are not sent to the GPU, but can still be picked once in view.
  renderer.draw(target, frame, Camera({500, 500}, 8, kW, kH), {});
  EXPECT_EQ(renderer.lastVehicleVertices(), 0u);
  EXPECT_EQ(renderer.poses().size(), 3u);
}

TEST(Render, TheSelectedVehicleIsFramed) {
  TRAFFIC_REQUIRE_DISPLAY();
  const RoadNetwork net = crossJunction(100, 1, true);
  const Frame frame = threeVehicles(net);
  const Camera cam = junctionCamera();
  sf::RenderTexture target;
  ASSERT_TRUE(target.create(kW, kH));
  SceneRenderer renderer(net, nullptr);
  DrawOptions draw;
  draw.selectedVehicle = 1;
  target.clear(toSf(palette::kBackground));
  renderer.draw(target, frame, cam, draw);
  target.display();
  const sf::Image img = target.getTexture().copyToImage();
  // The frame is a square around the bus (12 m long, at 8 px/m): half a side is 6 m + 2 px, drawn
  // 2 px wide. Its side behind the bus crosses the road there.
  const VehiclePose bus = renderer.poses()[1];
  const Vec2 onFrame = bus.centreM() - bus.heading * (6 + 2.0 / 8);
  EXPECT_TRUE(colourNear(palette::kSelection, pixelAt(img, cam, onFrame), 40));
}

// ---- transit stops and loads ----------------------------------------------------------------

/// A stop on the kerb side of the north approach, 40 m north of the junction's centre, in view of
/// junctionCamera(). Travelling south, the kerb is to the west: off the road.
TransitStop northStop(const RoadNetwork& net) {
  return {"north", net.road(*net.findRoad("n_in")).lanes.back(), 75, false};
}

Frame emptyFrame(const RoadNetwork& net) {
  Frame f;
  f.movementStates.assign(net.movements().size(), SignalState::Red);
  return f;
}

/// Pixels in the square of half-side `halfPx` around `centre` for which `match` holds.
template <class Match>
int countAround(const sf::Image& img, Vec2 centre, int halfPx, Match match) {
  int n = 0;
  for (int dy = -halfPx; dy <= halfPx; ++dy)
    for (int dx = -halfPx; dx <= halfPx; ++dx) {
      const int x = static_cast<int>(centre.x) + dx, y = static_cast<int>(centre.y) + dy;
      if (x < 0 || y < 0 || x >= static_cast<int>(img.getSize().x) || y >= static_cast<int>(img.getSize().y)) continue;
      n += match(img.getPixel(static_cast<unsigned>(x), static_cast<unsigned>(y))) ? 1 : 0;
    }
  return n;
}

bool isLabelText(sf::Color c) {
  // Light grey text (palette::kHudText and its anti-aliased edges), never a vehicle's colour.
  // Thin glyphs at 12 px are mostly anti-aliased edges, so anything clearly lighter than the road.
  return c.r > 100 && std::abs(c.r - c.g) < 12 && std::abs(c.g - c.b) < 12 && c.r < 250;
}

TEST(Render, AStopIsAWhiteMarkerBesideTheKerbWithThePeopleWaiting) {
  TRAFFIC_REQUIRE_DISPLAY();
  const RoadNetwork net = crossJunction(100, 1, true);
  const TransitStop stop = northStop(net);
  const StopPlacement place = placeStops(net, std::vector<TransitStop>{stop})[0];
  const Camera cam = junctionCamera();
  Frame frame = emptyFrame(net);
  frame.stopWaiting = {7};

  sf::RenderTexture target;
  ASSERT_TRUE(target.create(kW, kH));
  SceneRenderer renderer(net, nullptr, {stop});
  target.clear(toSf(palette::kBackground));
  renderer.draw(target, frame, cam, {});
  target.display();
  const sf::Image img = target.getTexture().copyToImage();
  // The marker, 2 m (16 px) across, in the stop colour where it stands, west of the lane.
  EXPECT_TRUE(colourNear(palette::kStop, pixelAt(img, cam, place.markerM), 2));
  EXPECT_TRUE(colourNear(palette::kStop, pixelAt(img, cam, place.markerM + Vec2{0.7, 0.7}), 2));
  EXPECT_LT(place.markerM.x, place.laneM.x - 3);
  // The lane itself is still asphalt, and further out than the marker and its number, background.
  EXPECT_TRUE(colourNear(palette::kAsphalt, pixelAt(img, cam, place.laneM)));
  EXPECT_TRUE(colourNear(palette::kBackground, pixelAt(img, cam, place.markerM + Vec2{-12, 0})));
  // The number waiting is written beside the marker, on the side away from the road.
  EXPECT_EQ(renderer.lastStopLabels(), 1u);
  const Vec2 beside = cam.toScreen(place.markerM) + Vec2{-8 - 3 - 10, 0};
  EXPECT_GT(countAround(img, beside, 10, isLabelText), 8);
  EXPECT_EQ(countAround(img, cam.toScreen(place.markerM), 6, isLabelText), 0) << "the number is not on the marker";

  // The same frame without stops: nothing there but the background.
  const Frame plain = emptyFrame(net);
  const sf::Image none = draw(net, plain, cam);
  EXPECT_TRUE(colourNear(palette::kBackground, pixelAt(none, cam, place.markerM)));
  const auto white = [](sf::Color c) { return static_cast<bool>(colourNear(palette::kStop, c, 2)); };
  EXPECT_EQ(countAround(none, cam.toScreen(place.markerM), 30, white), 0);
}

TEST(Render, FarOutAStopMarkerGrowsWithThePeopleWaiting) {
  TRAFFIC_REQUIRE_DISPLAY();
  const RoadNetwork net = crossJunction(100, 1, true);
  const TransitStop stop = northStop(net);
  const Vec2 at = placeStops(net, std::vector<TransitStop>{stop})[0].markerM;
  const Camera cam({0, 0}, 0.5, kW, kH);  // the whole junction in 115 px: no numbers
  auto whiteAt = [&](std::uint16_t waiting) {
    Frame frame = emptyFrame(net);
    frame.stopWaiting = {waiting};
    ImageOptions o;
    o.widthPx = kW;
    o.heightPx = kH;
    o.camera = cam;
    o.stops = {stop};
    const sf::Image img = renderImage(net, nullptr, frame, o);
    return countAround(img, cam.toScreen(at), 20, [](sf::Color c) { return colourNear(palette::kStop, c, 2); });
  };
  const int nobody = whiteAt(0), crowd = whiteAt(64);
  // 5 px square for nobody, 5 + 2 x 8 = 21 px for 64 (anti-aliased edges aside).
  EXPECT_GE(nobody, 9);
  EXPECT_LE(nobody, 36);
  EXPECT_GE(crowd, 300);
  EXPECT_LE(crowd, 21 * 21 + 10);
}

TEST(Render, PassengersOnBoardAreWrittenOnTheVehicleCloseUp) {
  TRAFFIC_REQUIRE_DISPLAY();
  const RoadNetwork net = crossJunction(100, 1, true);
  Frame frame = threeVehicles(net);  // vehicle 1 is a bus on the east approach
  const Camera cam = junctionCamera();
  sf::RenderTexture target;
  ASSERT_TRUE(target.create(kW, kH));
  SceneRenderer renderer(net, nullptr);
  auto render = [&](const Camera& c) {
    target.clear(toSf(palette::kBackground));
    renderer.draw(target, frame, c, {});
    target.display();
    return target.getTexture().copyToImage();
  };
  const sf::Image empty = render(cam);
  // The bus drives west: its left is south. The number stands there, beside the body (2.5 m wide,
  // 20 px at 8 px/m), so the bus's own colour stays in sight.
  const VehiclePose bus = renderer.poses()[1];
  ASSERT_NEAR(bus.heading.x, -1, 1e-9);
  const Vec2 busCentre = cam.toScreen(bus.centreM());
  const Vec2 besideBus = busCentre + Vec2{0, 10 + 2 + 8};
  EXPECT_EQ(renderer.lastLoadLabels(), 0u);
  EXPECT_EQ(countAround(empty, besideBus, 8, isLabelText), 0);

  frame.vehicles[1].load = 12;
  const sf::Image loaded = render(cam);
  EXPECT_EQ(renderer.lastLoadLabels(), 1u);
  EXPECT_GT(countAround(loaded, besideBus, 8, isLabelText), 8);
  EXPECT_TRUE(colourNear(palette::kBus, pixelAt(loaded, cam, bus.centreM())));
  // Away from the bus, nothing changed: the car ahead of the junction on the west approach.
  const Vec2 car = cam.toScreen(renderer.poses()[0].centreM());
  EXPECT_EQ(countAround(loaded, car, 6, isLabelText), 0);
  // Far out there are no numbers.
  (void)render(Camera({0, 0}, 1, kW, kH));
  EXPECT_EQ(renderer.lastLoadLabels(), 0u);
}

TEST(Render, TheHeadsUpDisplayIsDrawn) {
  TRAFFIC_REQUIRE_DISPLAY();
  const RoadNetwork net = crossJunction(100, 1, true);
  const Frame frame = threeVehicles(net);
  ImageOptions o;
  o.widthPx = kW;
  o.heightPx = kH;
  HudModel hud;
  hud.info = {"test", "fixed_time", 0, 3600, 1, true};
  o.hud = hud;
  o.chart = {{0, 1.0}, {600, 1.5}, {1200, 2.5}};
  const sf::Image with = renderImage(net, nullptr, frame, o);
  o.hud.reset();
  const sf::Image without = renderImage(net, nullptr, frame, o);
  // Text in the top-left panel: bright pixels that the plain picture does not have there.
  int bright = 0, brightWithout = 0;
  for (unsigned y = 10; y < 100; ++y)
    for (unsigned x = 10; x < 300; ++x) {
      const sf::Color a = with.getPixel(x, y), b = without.getPixel(x, y);
      bright += a.r > 200 && a.g > 200 && a.b > 200;
      brightWithout += b.r > 200 && b.g > 200 && b.b > 200;
    }
  EXPECT_GT(bright, 200);
  EXPECT_EQ(brightWithout, 0);
  // The chart's line, top right, in its colour.
  int chart = 0;
  for (unsigned y = 10; y < 120; ++y)
    for (unsigned x = kW - 310; x < kW - 10; ++x) chart += colourNear(palette::kChartLine, with.getPixel(x, y), 30) ? 1 : 0;
  EXPECT_GT(chart, 20);
}

}  // namespace
}  // namespace traffic::render
