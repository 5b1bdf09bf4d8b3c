// The city layer: the switch between it and the vehicles, its colours, the queues it measures from a
// frame, and (with a display) the pixels it draws.
#include <gtest/gtest.h>

#include <SFML/Graphics.hpp>

#include "common/test_networks.h"
#include "render_test_support.h"
#include "traffic/render/city_view.h"
#include "traffic/render/renderer.h"
#include "traffic/render/screenshot.h"

namespace traffic::render {
namespace {

using traffic::render::testing::colourNear;
using traffic::testing::crossJunction;

// Adds a vehicle to `frame` on lane `lane` of road `road`, halted when slower than 0.1 m/s.
void addVehicle(Frame& frame, const RoadNetwork& net, const char* road, std::size_t lane, float positionM, float speedMps) {
  FrameVehicle v;
  v.id = static_cast<std::uint32_t>(frame.vehicles.size());
  v.track = net.road(*net.findRoad(road)).lanes[lane].value;
  v.positionM = positionM;
  v.speedMps = speedMps;
  v.flags = speedMps < 0.1f ? FrameVehicle::kHalted : 0;
  frame.vehicles.push_back(v);
}

TEST(CityLayer, SwitchesByScaleWithHysteresis) {
  LayerSwitch layer;
  EXPECT_FALSE(layer.update(1.0));
  // Zooming out: the vehicles stay until the scale falls below the lower threshold.
  EXPECT_FALSE(layer.update(0.5));
  EXPECT_FALSE(layer.update(kCityEnterPxPerM + 0.001));
  EXPECT_TRUE(layer.update(kCityEnterPxPerM - 0.001));
  // Zooming back in: the city layer stays until the scale passes the upper threshold.
  EXPECT_TRUE(layer.update(0.5));
  EXPECT_TRUE(layer.update(kCityLeavePxPerM));
  EXPECT_FALSE(layer.update(kCityLeavePxPerM + 0.001));
  EXPECT_FALSE(layer.update(0.5));
  EXPECT_FALSE(layer.city());
}

TEST(CityLayer, AForcedModeHoldsAtEveryScale) {
  LayerSwitch layer(LayerMode::City);
  EXPECT_TRUE(layer.update(50));
  EXPECT_TRUE(layer.city());
  layer.cycle();
  EXPECT_EQ(layer.mode(), LayerMode::Vehicles);
  EXPECT_FALSE(layer.update(0.01));
  layer.cycle();
  EXPECT_EQ(layer.mode(), LayerMode::Auto);
  // Back to auto far out: the scale decides again (the switch kept following it while forced).
  EXPECT_TRUE(layer.city());
  EXPECT_FALSE(layer.update(1.0));
}

TEST(CityLayer, RoadColoursFollowTheColorBrewerScale) {
  EXPECT_EQ(roadSpeedColour(0.0), (Rgba{215, 48, 39, 255}));
  EXPECT_EQ(roadSpeedColour(0.25), (Rgba{252, 141, 89, 255}));
  EXPECT_EQ(roadSpeedColour(0.5), (Rgba{254, 224, 144, 255}));
  EXPECT_EQ(roadSpeedColour(1.0), (Rgba{69, 117, 180, 255}));
  // Half way between the first two classes.
  EXPECT_EQ(roadSpeedColour(0.125), (Rgba{234, 95, 64, 255}));
  // Faster than the limit is drawn as at the limit.
  EXPECT_EQ(roadSpeedColour(1.4), roadSpeedColour(1.0));
  // Density: empty is the free end, the jam density and more the stopped end.
  EXPECT_EQ(roadDensityColour(0), roadSpeedColour(1.0));
  EXPECT_EQ(roadDensityColour(kJamDensityVehPerKm), roadSpeedColour(0.0));
  EXPECT_EQ(roadDensityColour(3 * kJamDensityVehPerKm), roadSpeedColour(0.0));
  EXPECT_EQ(roadDensityColour(kJamDensityVehPerKm / 2), roadSpeedColour(0.5));
}

/// A frame on the cross junction (approaches 100 m long, one lane) with `vehicles` on the east
/// approach, given front to back as (position, speed); speeds below 0.1 m/s are flagged halted.
Frame eastApproach(const RoadNetwork& net, std::vector<std::pair<float, float>> vehicles) {
  Frame f;
  f.movementStates.assign(net.movements().size(), SignalState::Red);
  for (const auto& [position, speed] : vehicles) {
    FrameVehicle v;
    v.id = static_cast<std::uint32_t>(f.vehicles.size());
    v.track = net.road(*net.findRoad("e_in")).lanes[0].value;
    v.positionM = position;
    v.speedMps = speed;
    v.flags = speed < 0.1f ? FrameVehicle::kHalted : 0;
    f.vehicles.push_back(v);
  }
  return f;
}

double laneQueue(const RoadNetwork& net, const Frame& frame) {
  const std::vector<LaneLoad> loads = laneLoads(net, frame, [](std::uint32_t) { return 5.0; });
  return loads[net.road(*net.findRoad("e_in")).lanes[0].index()].queueM;
}

TEST(CityLayer, AQueueReachesFromTheStopLineToTheRearOfItsLastHaltedVehicle) {
  const RoadNetwork net = crossJunction(100, 1, true);
  const double endM = net.lane(net.road(*net.findRoad("e_in")).lanes[0]).lengthM;
  ASSERT_NEAR(endM, 100, 1e-6);
  // Three halted cars of 5 m, 1 m from the stop line and 2 m apart: 1 + 3 x 5 + 2 x 2 = 20 m.
  // A moving car behind them ends the queue; the halted one behind it is not in it.
  const Frame frame = eastApproach(net, {{99, 0}, {92, 0}, {85, 0}, {60, 8}, {40, 0}});
  EXPECT_FLOAT_EQ(laneQueue(net, frame), 20);
  const std::vector<LaneLoad> loads = laneLoads(net, frame, [](std::uint32_t) { return 5.0; });
  const LaneLoad& east = loads[net.road(*net.findRoad("e_in")).lanes[0].index()];
  EXPECT_EQ(east.vehicles, 5u);
  EXPECT_EQ(east.halted, 4u);
  EXPECT_FLOAT_EQ(east.speedSumMps, 8);
}

TEST(CityLayer, CarsLeavingOnGreenDoNotEndTheQueueBehindThem) {
  const RoadNetwork net = crossJunction(100, 1, true);
  // The first car pulls away; the two behind it still stand, the first 8 m back from the line.
  EXPECT_FLOAT_EQ(laneQueue(net, eastApproach(net, {{99.5f, 2}, {92, 0}, {86, 0}})), 19);
  // Halted vehicles far back from the stop line are not queueing at it (nor a lone moving car).
  EXPECT_FLOAT_EQ(laneQueue(net, eastApproach(net, {{50, 0}, {44, 0}})), 0);
  EXPECT_FLOAT_EQ(laneQueue(net, eastApproach(net, {{99, 5}})), 0);
  // A gap of more than kQueueGapM ends it.
  EXPECT_FLOAT_EQ(laneQueue(net, eastApproach(net, {{100, 0}, {70, 0}})), 5);
}

TEST(CityLayer, RoadLoadIsTheSpaceMeanOfItsLanes) {
  const RoadNetwork net = crossJunction(100, 1, true);
  const double limit = net.lane(net.road(*net.findRoad("e_in")).lanes[0]).speedLimitMps;
  const auto half = static_cast<float>(limit / 2);
  const Frame frame = eastApproach(net, {{90, half * 0.5f}, {60, half * 1.5f}});
  const std::vector<LaneLoad> loads = laneLoads(net, frame, nullptr);
  const RoadLoad load = roadLoad(net, *net.findRoad("e_in"), loads);
  EXPECT_EQ(load.vehicles, 2u);
  EXPECT_NEAR(load.speedRatio, 0.5, 1e-6);
  EXPECT_NEAR(load.vehPerKmLane, 20, 1e-6);  // two vehicles on 100 m
  const RoadLoad empty = roadLoad(net, *net.findRoad("w_in"), loads);
  EXPECT_EQ(empty.vehicles, 0u);
  EXPECT_EQ(empty.speedRatio, 1);
}

TEST(CityLayer, TheRoadTableGivesRoadLoadForEveryRoadAndTheLongestQueue) {
  // Three lanes an approach, each with its own queue and speeds, on two approaches.
  const RoadNetwork net = crossJunction(200, 3, true);
  Frame frame;
  const double limit = net.lane(net.road(*net.findRoad("e_in")).lanes[0]).speedLimitMps;
  auto add = [&](const char* road, std::size_t lane, float position, float speed) {
    addVehicle(frame, net, road, lane, position, speed);
  };
  for (std::size_t lane = 0; lane < 3; ++lane) {
    for (std::size_t i = 0; i <= lane; ++i) add("e_in", lane, 200.f - 7.f * static_cast<float>(i), 0);
    add("e_in", lane, 120.f - 10.f * static_cast<float>(lane), static_cast<float>(limit * 0.3 * static_cast<double>(lane + 1)));
  }
  add("n_in", 1, 150, static_cast<float>(limit * 0.9));
  add("n_in", 2, 50, static_cast<float>(limit * 0.4));
  const std::vector<LaneLoad> loads = laneLoads(net, frame, [](std::uint32_t) { return 5.0; });
  const RoadLoadTable table(net);
  ASSERT_EQ(table.roads(), net.roads().size());
  for (std::size_t r = 0; r < net.roads().size(); ++r) {
    float longestM = -1;
    const RoadLoad fromTable = table.load(r, loads, longestM);
    const RoadLoad direct = roadLoad(net, RoadId(r), loads);
    EXPECT_EQ(fromTable.vehicles, direct.vehicles);
    EXPECT_EQ(fromTable.meanSpeedMps, direct.meanSpeedMps);
    EXPECT_EQ(fromTable.speedRatio, direct.speedRatio);
    EXPECT_EQ(fromTable.vehPerKmLane, direct.vehPerKmLane);
    float expectedM = 0;
    for (LaneId l : net.roads()[r].lanes) expectedM = std::max(expectedM, loads[l.index()].queueM);
    EXPECT_EQ(longestM, expectedM);
  }
  // The east approach's longest queue is its third lane's: three cars, 7 m apart, 5 m each.
  float eastM = 0;
  (void)table.load(net.findRoad("e_in")->index(), loads, eastM);
  EXPECT_FLOAT_EQ(eastM, 19);
}

// ---- pixels ----------------------------------------------------------------------------------

constexpr unsigned kW = 800, kH = 800;

sf::Color pixelAt(const sf::Image& img, const Camera& cam, Vec2 worldM) {
  const Vec2 s = cam.toScreen(worldM);
  if (s.x < 0 || s.y < 0 || s.x >= img.getSize().x || s.y >= img.getSize().y) {
    ADD_FAILURE() << "(" << worldM.x << ", " << worldM.y << ") is outside the picture";
    return sf::Color::Transparent;
  }
  return img.getPixel(static_cast<unsigned>(s.x), static_cast<unsigned>(s.y));
}

/// The middle of road `name`'s strip in the city layer at `pxPerM`, `fromEndM` back from its end.
Vec2 stripPoint(const RoadNetwork& net, const char* name, double pxPerM, double fromEndM) {
  const Road& road = net.road(*net.findRoad(name));
  const Lane& lane = net.lane(road.lanes.front());
  const Polyline inner = lane.shape.offset(lane.widthM / 2);
  const double widthM = std::max(lane.widthM * road.lanes.size(), kCityStripMinPx / pxPerM);
  const double s = inner.length() - fromEndM;
  return inner.pointAt(s) - leftNormal(inner.directionAt(s)) * (widthM / 2);
}

TEST(CityLayer, ZoomedOutRoadsShowTheirSpeedAndQueuesTheirLength) {
  TRAFFIC_REQUIRE_DISPLAY();
  // Three lanes an approach (10.5 m): at 0.3 pixels per metre a road's strip is 3 pixels wide, so
  // its middle pixels are its own colour, untouched by anti-aliased edges.
  const RoadNetwork net = crossJunction(1000, 3, true);
  // The east approach: on each lane a queue of 20 halted cars (5 m each, 2 m apart) from the stop
  // line back 138 m, and 20 cars at half the limit further back, which makes the road's mean a
  // quarter of the limit; the north approach: 30 cars at the limit.
  Frame frame;
  frame.movementStates.assign(net.movements().size(), SignalState::Red);
  const double limit = net.lane(net.road(*net.findRoad("e_in")).lanes[0]).speedLimitMps;
  auto add = [&](const char* road, std::size_t lane, float position, float speed) {
    addVehicle(frame, net, road, lane, position, speed);
  };
  for (int i = 0; i < 30; ++i) add("n_in", 0, 900.f - 25.f * i, static_cast<float>(limit));
  for (std::size_t lane = 0; lane < 3; ++lane) {
    for (int i = 0; i < 20; ++i) add("e_in", lane, 1000.f - 7.f * i, 0);
    for (int i = 0; i < 20; ++i) add("e_in", lane, 600.f - 25.f * i, static_cast<float>(limit / 2));
  }
  const SceneRenderer::LengthOf fiveMetres = [](std::uint32_t) { return 5.0; };
  const std::vector<LaneLoad> loads = laneLoads(net, frame, fiveMetres);
  ASSERT_FLOAT_EQ(loads[net.road(*net.findRoad("e_in")).lanes[0].index()].queueM, 138);

  // 0.3 pixels per metre: far enough out for the city layer in auto mode.
  const double pxPerM = 0.3;
  const Camera cam({0, 0}, pxPerM, kW, kH);
  ImageOptions o;
  o.widthPx = kW;
  o.heightPx = kH;
  o.camera = cam;
  o.layer = LayerMode::Auto;
  const sf::Image img = renderImage(net, fiveMetres, frame, o);
  // Count the pixels of each expected colour along the north approach's strip: the layer drew it.
  auto countColour = [&](const sf::Image& image, const Camera& c, const char* road, Rgba colour, double fromM, double toM) {
    int hits = 0, total = 0;
    for (double d = fromM; d <= toM; d += 10) {
      ++total;
      const Vec2 p = stripPoint(net, road, c.pxPerM(), d);
      const Vec2 s = c.toScreen(p);
      // Any pixel next to the sampled point.
      bool hit = false;
      for (int dx = -1; dx <= 1 && !hit; ++dx)
        for (int dy = -1; dy <= 1 && !hit; ++dy)
          hit = colourNear(colour, image.getPixel(static_cast<unsigned>(s.x + dx), static_cast<unsigned>(s.y + dy)), 10);
      hits += hit ? 1 : 0;
    }
    return std::pair{hits, total};
  };
  const auto [free, samples] = countColour(img, cam, "n_in", roadSpeedColour(1.0), 200, 900);
  EXPECT_GE(free, samples * 9 / 10) << "the north approach at the limit is blue";
  const auto [queued, queueSamples] = countColour(img, cam, "e_in", palette::kQueue, 40, 120);
  EXPECT_GE(queued, queueSamples * 9 / 10) << "the east approach's queue";
  const auto [slow, slowSamples] = countColour(img, cam, "e_in", roadSpeedColour(0.25), 300, 900);
  EXPECT_GE(slow, slowSamples * 9 / 10) << "the rest of the east approach, at a quarter of the limit";

  // Closer, with the layer forced: the strip is the road's width (21 px at 2 px/m); the queues'
  // bars cover it from the stop line back 138 m, and the road's colour shows behind them.
  const Camera close(stripPoint(net, "e_in", 2, 138), 2, kW, kH);
  o.camera = close;
  o.layer = LayerMode::City;
  const sf::Image closeImg = renderImage(net, fiveMetres, frame, o);
  EXPECT_TRUE(colourNear(palette::kQueue, pixelAt(closeImg, close, stripPoint(net, "e_in", 2, 130))));
  EXPECT_TRUE(colourNear(palette::kQueue, pixelAt(closeImg, close, stripPoint(net, "e_in", 2, 20))));
  EXPECT_TRUE(colourNear(roadSpeedColour(0.25), pixelAt(closeImg, close, stripPoint(net, "e_in", 2, 146))));
  // With the vehicles layer forced at the same scale, no road colour but asphalt.
  o.layer = LayerMode::Vehicles;
  const sf::Image vehiclesImg = renderImage(net, fiveMetres, frame, o);
  EXPECT_TRUE(colourNear(palette::kAsphalt, pixelAt(vehiclesImg, close, stripPoint(net, "e_in", 2, 146))));
}

TEST(CityLayer, SignalDotsAndEntryQueues) {
  TRAFFIC_REQUIRE_DISPLAY();
  const RoadNetwork net = crossJunction(1000, 1, true);
  Frame frame;
  frame.movementStates.assign(net.movements().size(), SignalState::Red);
  const RoadId north = *net.findRoad("n_in"), east = *net.findRoad("e_in");
  for (MovementId m : net.road(north).movementsOut) frame.movementStates[m.index()] = SignalState::GreenProtected;
  // On the east approach only the right turn may go (as where right turns are always permitted): its
  // dot shows the rest of the approach, red.
  for (MovementId m : net.road(east).movementsOut)
    if (net.movement(m).turn == TurnType::Right) frame.movementStates[m.index()] = SignalState::GreenPermissive;
  const double pxPerM = 0.25;
  const Camera cam({0, 0}, pxPerM, kW, kH);
  ImageOptions o;
  o.widthPx = kW;
  o.heightPx = kH;
  o.camera = cam;
  o.layer = LayerMode::City;
  o.entryQueues = {EntryQueue{east, 40}};
  const sf::Image img = renderImage(net, nullptr, frame, o);
  // The dot of an approach sits on its strip, one pixel and half a dot back from the stop line.
  auto dot = [&](RoadId road) {
    const Road& r = net.road(road);
    const Lane& lane = net.lane(r.lanes.front());
    const Polyline inner = lane.shape.offset(lane.widthM / 2);
    const double end = inner.length();
    const double stripM = std::max(lane.widthM, kCityStripMinPx / pxPerM);
    const Vec2 heading = inner.directionAt(end);
    return inner.pointAt(end) - leftNormal(heading) * (stripM / 2) - heading * ((signalDotPx(pxPerM) / 2 + 1) / pxPerM);
  };
  EXPECT_TRUE(colourNear(palette::kSignalGreenProtected, pixelAt(img, cam, dot(north))));
  EXPECT_TRUE(colourNear(palette::kSignalRed, pixelAt(img, cam, dot(east))));
  // 40 vehicles waiting to enter the east approach: a bar of 300 m before its start, out east.
  const Lane& eastLane = net.lane(net.road(east).lanes.front());
  const Polyline inner = eastLane.shape.offset(eastLane.widthM / 2);
  const Vec2 start = inner.pointAt(0), heading = inner.directionAt(0);
  const double stripM = std::max(eastLane.widthM, kCityStripMinPx / pxPerM);
  const Vec2 mid = start - leftNormal(heading) * (stripM / 2);
  int onBar = 0, beyond = 0;
  for (double d = 20; d <= 280; d += 20) {
    const Vec2 s = cam.toScreen(mid - heading * d);
    for (int dy = -1; dy <= 1; ++dy)
      if (colourNear(palette::kQueue, img.getPixel(static_cast<unsigned>(s.x), static_cast<unsigned>(s.y + dy)), 10)) {
        ++onBar;
        break;
      }
  }
  for (double d = 330; d <= 400; d += 20) {
    const Vec2 s = cam.toScreen(mid - heading * d);
    beyond += colourNear(palette::kQueue, img.getPixel(static_cast<unsigned>(s.x), static_cast<unsigned>(s.y)), 10) ? 1 : 0;
  }
  EXPECT_EQ(onBar, 14);
  EXPECT_EQ(beyond, 0);
}

}  // namespace
}  // namespace traffic::render
