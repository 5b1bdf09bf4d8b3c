#include "traffic/geometry.h"

#include <gtest/gtest.h>

#include <cmath>

namespace traffic {
namespace {

Polyline lShape() { return Polyline{{{0, 0}, {10, 0}, {10, 5}}}; }

TEST(Geometry, LengthAndNormalized) {
  EXPECT_DOUBLE_EQ(length(Vec2{3, 4}), 5.0);
  const Vec2 n = normalized({3, 4});
  EXPECT_DOUBLE_EQ(n.x, 0.6);
  EXPECT_DOUBLE_EQ(n.y, 0.8);
  const Vec2 zero = normalized({0, 0});
  EXPECT_EQ(zero.x, 0.0);
  EXPECT_EQ(zero.y, 0.0);
  EXPECT_DOUBLE_EQ(lShape().length(), 15.0);
}

TEST(Geometry, PointAtWalksSegmentsAndClamps) {
  const Polyline p = lShape();
  EXPECT_DOUBLE_EQ(p.pointAt(4).x, 4);
  EXPECT_DOUBLE_EQ(p.pointAt(12).x, 10);
  EXPECT_DOUBLE_EQ(p.pointAt(12).y, 2);
  EXPECT_DOUBLE_EQ(p.pointAt(-3).x, 0);
  EXPECT_DOUBLE_EQ(p.pointAt(100).y, 5);
}

TEST(Geometry, DirectionAtSkipsDegenerateSegments) {
  const Polyline p{{{0, 0}, {0, 0}, {10, 0}, {10, 0}, {10, 5}}};
  EXPECT_DOUBLE_EQ(p.directionAt(0).x, 1);
  EXPECT_DOUBLE_EQ(p.directionAt(11).y, 1);
  EXPECT_DOUBLE_EQ(p.directionAt(99).y, 1);  // beyond the end: last real segment
  const Polyline point{{{1, 1}, {1, 1}}};
  EXPECT_TRUE(std::isfinite(point.directionAt(0).x));
}

TEST(Geometry, OffsetKeepsDistanceOnBothSidesOfACorner) {
  const Polyline right = lShape().offset(-2);  // to the right of travel
  ASSERT_EQ(right.points.size(), 3u);
  EXPECT_DOUBLE_EQ(right.points[0].y, -2);
  // Miter corner: 2 m from both segments.
  EXPECT_NEAR(right.points[1].x, 12, 1e-12);
  EXPECT_NEAR(right.points[1].y, -2, 1e-12);
  EXPECT_NEAR(right.points[2].x, 12, 1e-12);
  const Polyline left = Polyline{{{0, 0}, {10, 0}}}.offset(1.5);
  EXPECT_DOUBLE_EQ(left.points[1].y, 1.5);
}

TEST(Geometry, SliceReturnsThePartBetweenArcLengths) {
  const Polyline s = lShape().slice(5, 12);
  EXPECT_NEAR(s.length(), 7, 1e-12);
  ASSERT_EQ(s.points.size(), 3u);  // keeps the interior corner
  EXPECT_DOUBLE_EQ(s.points.front().x, 5);
  EXPECT_DOUBLE_EQ(s.points.back().y, 2);
  const Polyline clamped = lShape().slice(-4, 40);
  EXPECT_DOUBLE_EQ(clamped.length(), 15);
}

TEST(Geometry, FirstCrossingReportsArcLengthsOnBothLines) {
  const Polyline a{{{0, 0}, {10, 0}}};
  const Polyline b{{{4, -3}, {4, 3}}};
  Crossing x{};
  ASSERT_TRUE(firstCrossing(a, b, x));
  EXPECT_NEAR(x.alongA, 4, 1e-12);
  EXPECT_NEAR(x.alongB, 3, 1e-12);
}

TEST(Geometry, FirstCrossingPicksTheEarliestAlongA) {
  // b zig-zags across a twice, at x = 2 and x = 8; listed in b's order the later one comes first.
  const Polyline a{{{0, 0}, {10, 0}}};
  const Polyline b{{{8, 1}, {8, -1}, {2, -1}, {2, 1}}};
  Crossing x{};
  ASSERT_TRUE(firstCrossing(a, b, x));
  EXPECT_NEAR(x.alongA, 2, 1e-12);
  EXPECT_NEAR(x.alongB, 2 + 6 + 1, 1e-12);
}

TEST(Geometry, ParallelAndDisjointLinesDoNotCross) {
  const Polyline a{{{0, 0}, {10, 0}}};
  Crossing x{};
  EXPECT_FALSE(firstCrossing(a, Polyline{{{0, 1}, {10, 1}}}, x));
  EXPECT_FALSE(firstCrossing(a, Polyline{{{0, 0}, {10, 0}}}, x));  // collinear overlap
  EXPECT_FALSE(firstCrossing(a, Polyline{{{11, -1}, {11, 1}}}, x));
  EXPECT_FALSE(firstCrossing(a, Polyline{{{5, 0.5}, {5, 3}}}, x));
}

}  // namespace
}  // namespace traffic
