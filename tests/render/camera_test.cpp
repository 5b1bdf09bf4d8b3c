// The camera: world metres to screen pixels and back, fit to the network, zoom about the cursor.
#include "traffic/render/camera.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/test_networks.h"

namespace traffic::render {
namespace {

void expectNear(Vec2 a, Vec2 b, double tol = 1e-9) {
  EXPECT_NEAR(a.x, b.x, tol);
  EXPECT_NEAR(a.y, b.y, tol);
}

TEST(Camera, FitShowsTheWholeBoxAsLargeAsTheMarginAllows) {
  Bounds b;
  b.add({100, 50});
  b.add({1100, 550});  // 1000 m x 500 m
  const Camera cam = Camera::fit(b, 800, 600, 20);
  // Width limits: (800 - 40) / 1000 px per metre.
  EXPECT_DOUBLE_EQ(cam.pxPerM(), 0.76);
  const Vec2 topLeft = cam.toScreen({100, 550});
  const Vec2 bottomRight = cam.toScreen({1100, 50});
  EXPECT_NEAR(topLeft.x, 20, 1e-9);
  EXPECT_NEAR(bottomRight.x, 780, 1e-9);
  // Centred vertically: equal free space above and below, more than the margin.
  EXPECT_NEAR(topLeft.y, 600 - bottomRight.y, 1e-9);
  EXPECT_GT(topLeft.y, 20);
}

TEST(Camera, NorthIsUpOnScreen) {
  const Camera cam({0, 0}, 2, 400, 300);
  EXPECT_LT(cam.toScreen({0, 10}).y, cam.toScreen({0, 0}).y);
  EXPECT_GT(cam.toScreen({10, 0}).x, cam.toScreen({0, 0}).x);
  expectNear(cam.toScreen({0, 0}), {200, 150});
}

TEST(Camera, ScreenAndWorldAreInverse) {
  const Camera cam({123.5, -42}, 3.7, 1280, 800);
  for (const Vec2 p : {Vec2{0, 0}, Vec2{500, 300}, Vec2{-1e5, 2e5}}) expectNear(cam.toWorld(cam.toScreen(p)), p, 1e-6);
}

TEST(Camera, ZoomKeepsThePointUnderTheCursor) {
  Camera cam({0, 0}, 1, 1000, 1000);
  const Vec2 cursor{800, 100};
  const Vec2 before = cam.toWorld(cursor);
  cam.zoomAt(cursor, 3);
  EXPECT_DOUBLE_EQ(cam.pxPerM(), 3);
  expectNear(cam.toWorld(cursor), before, 1e-9);
  cam.zoomAt(cursor, 1 / 3.0);
  expectNear(cam.toWorld(cursor), before, 1e-9);
}

TEST(Camera, ZoomIsBounded) {
  Camera cam({0, 0}, 1, 100, 100);
  cam.zoomAt({50, 50}, 1e9);
  EXPECT_DOUBLE_EQ(cam.pxPerM(), Camera::kMaxPxPerM);
  cam.zoomAt({50, 50}, 1e-12);
  EXPECT_DOUBLE_EQ(cam.pxPerM(), Camera::kMinPxPerM);
}

TEST(Camera, DraggingMovesThePictureWithTheMouse) {
  Camera cam({0, 0}, 2, 400, 400);
  const Vec2 world{10, 10};
  const Vec2 before = cam.toScreen(world);
  cam.panByPixels(30, -20);
  expectNear(cam.toScreen(world), before + Vec2{30, -20});
}

TEST(Camera, VisibleWorldIsTheViewport) {
  const Camera cam({100, 200}, 2, 400, 300);
  const Bounds v = cam.visibleWorld();
  EXPECT_DOUBLE_EQ(v.minX, 0);
  EXPECT_DOUBLE_EQ(v.maxX, 200);
  EXPECT_DOUBLE_EQ(v.minY, 125);
  EXPECT_DOUBLE_EQ(v.maxY, 275);
}

TEST(Camera, FitOfANetworkContainsEveryLane) {
  const RoadNetwork net = traffic::testing::crossJunction(100, 2, true);
  const Bounds b = networkBounds(net);
  const Camera cam = Camera::fit(b, 640, 480, 10);
  for (const Lane& lane : net.lanes())
    for (const Vec2& p : lane.shape.points) {
      const Vec2 s = cam.toScreen(p);
      EXPECT_GE(s.x, 10 - 1e-9);
      EXPECT_LE(s.x, 630 + 1e-9);
      EXPECT_GE(s.y, 10 - 1e-9);
      EXPECT_LE(s.y, 470 + 1e-9);
    }
}

TEST(Camera, FitOfNothingIsUsable) {
  const Camera cam = Camera::fit(Bounds{}, 640, 480);
  EXPECT_TRUE(std::isfinite(cam.pxPerM()));
  EXPECT_GT(cam.pxPerM(), 0);
}

TEST(SceneFrame, FlipsYAndSubtractsTheOrigin) {
  const SceneFrame f{{500000, 4000000}};
  const ScenePoint p = f.toScene({500010.25, 3999990.5});
  EXPECT_FLOAT_EQ(p.x, 10.25f);
  EXPECT_FLOAT_EQ(p.y, 9.5f);
  const Vec2 back = f.toWorld(p);
  EXPECT_NEAR(back.x, 500010.25, 1e-6);
  EXPECT_NEAR(back.y, 3999990.5, 1e-6);
}

}  // namespace
}  // namespace traffic::render
