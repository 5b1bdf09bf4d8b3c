// The city layer's lines drawn on the CPU: which pixels a line covers, clipping, and order.
#include <gtest/gtest.h>

#include <vector>

#include "traffic/render/line_raster.h"

namespace traffic::render {
namespace {

constexpr Rgba kRed{200, 30, 30, 255};
constexpr Rgba kBlue{30, 30, 200, 255};
constexpr Rgba kNone{0, 0, 0, 0};

/// The pixels of `colour` in the picture.
int count(const LineRaster& r, Rgba colour) {
  int n = 0;
  for (unsigned y = 0; y < r.heightPx(); ++y)
    for (unsigned x = 0; x < r.widthPx(); ++x) n += r.at(x, y) == colour ? 1 : 0;
  return n;
}

TEST(LineRaster, StartsTransparent) {
  LineRaster r;
  r.reset(8, 5);
  EXPECT_EQ(r.widthPx(), 8u);
  EXPECT_EQ(r.heightPx(), 5u);
  EXPECT_EQ(count(r, kNone), 40);
}

TEST(LineRaster, AWideLineCoversThePixelsWhoseCentresItSpans) {
  LineRaster r;
  r.reset(32, 16);
  // Horizontal, 2 pixels wide: columns whose centre lies in [10.2, 20.2) (10 to 19), rows whose
  // centre lies within 1 of y = 5 (4 and 5).
  r.line({10.2, 5.0}, {20.2, 5.0}, 2, kRed);
  EXPECT_EQ(count(r, kRed), 20);
  for (unsigned x = 10; x < 20; ++x) {
    EXPECT_EQ(r.at(x, 4), kRed);
    EXPECT_EQ(r.at(x, 5), kRed);
    EXPECT_EQ(r.at(x, 3), kNone);
    EXPECT_EQ(r.at(x, 6), kNone);
  }
  EXPECT_EQ(r.at(9, 4), kNone);
  EXPECT_EQ(r.at(20, 4), kNone);
  // Drawn the other way round, the same pixels.
  LineRaster back;
  back.reset(32, 16);
  back.line({20.2, 5.0}, {10.2, 5.0}, 2, kRed);
  for (unsigned y = 0; y < 16; ++y)
    for (unsigned x = 0; x < 32; ++x) EXPECT_EQ(back.at(x, y), r.at(x, y)) << x << ", " << y;
}

TEST(LineRaster, SteepLinesFillAcrossRowsAndSlantedOnesKeepTheirWidthSquareToThem) {
  LineRaster r;
  r.reset(16, 16);
  // Vertical: rows 2 to 11, columns 7 and 8 (centres within 1 of x = 8).
  r.line({8.0, 2.0}, {8.0, 12.0}, 2, kBlue);
  EXPECT_EQ(count(r, kBlue), 20);
  EXPECT_EQ(r.at(7, 2), kBlue);
  EXPECT_EQ(r.at(8, 11), kBlue);
  EXPECT_EQ(r.at(8, 12), kNone);
  EXPECT_EQ(r.at(9, 5), kNone);
  // 45 degrees: 2 pixels square to the line are 2.83 down a column. In column x the line is at
  // y = x + 0.5, so the rows whose centres lie within 1.41 of it are x - 1, x and x + 1.
  r.reset(16, 16);
  r.line({2.0, 2.0}, {10.0, 10.0}, 2, kBlue);
  EXPECT_EQ(count(r, kBlue), 24);
  for (unsigned x = 2; x < 10; ++x) {
    EXPECT_EQ(r.at(x, x - 1), kBlue);
    EXPECT_EQ(r.at(x, x), kBlue);
    EXPECT_EQ(r.at(x, x + 1), kBlue);
    EXPECT_EQ(r.at(x, x + 2), kNone);
  }
}

TEST(LineRaster, LinesAreClippedAndALaterLineCoversAnEarlierOne) {
  LineRaster r;
  r.reset(10, 10);
  // Reaching far out on every side: only the pixels inside, no writes beyond the picture.
  r.line({-1000.0, 4.0}, {1000.0, 4.0}, 2, kRed);
  EXPECT_EQ(count(r, kRed), 20);
  r.line({5.0, -50.0}, {5.0, 50.0}, 2, kBlue);
  EXPECT_EQ(count(r, kBlue), 20);
  EXPECT_EQ(count(r, kRed), 16);  // the crossing is blue
  EXPECT_EQ(r.at(4, 3), kBlue);
  // Wholly outside, or without length: nothing.
  r.line({-30.0, -30.0}, {-20.0, -25.0}, 2, kRed);
  r.line({3.0, 3.0}, {3.0, 3.0}, 2, kRed);
  EXPECT_EQ(count(r, kRed), 16);
  EXPECT_EQ(count(r, kBlue), 20);
}

TEST(LineRaster, TheDrawnRectangleHoldsEveryPixelDrawnAndResetClearsThem) {
  LineRaster r;
  r.reset(64, 48);
  EXPECT_TRUE(r.drawn().empty());
  auto everyPixelInside = [&] {
    const LineRaster::Box box = r.drawn();
    for (unsigned y = 0; y < r.heightPx(); ++y)
      for (unsigned x = 0; x < r.widthPx(); ++x)
        if (!(r.at(x, y) == kNone)) {
          EXPECT_TRUE(x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1) << x << ", " << y;
        }
  };
  r.line({10.0, 20.0}, {30.0, 25.0}, 2, kRed);
  const std::vector<LineSegment> blue{{{40.f, 5.f}, {40.f, 15.f}, kBlue}};
  r.lines(blue, {32.f, 24.f}, 1.0, 2);  // the picture's middle on (32, 24): scene and pixels coincide
  everyPixelInside();
  EXPECT_GT(count(r, kBlue), 0);
  // At most a few pixels beyond what was drawn: columns 10 to 40, rows 5 to 25.
  const LineRaster::Box box = r.drawn();
  EXPECT_GE(box.x0 + 3, 10u);
  EXPECT_LE(box.x1, 41u + 3);
  EXPECT_GE(box.y0 + 3, 5u);
  EXPECT_LE(box.y1, 26u + 3);
  // A line off the picture draws nothing but may grow the rectangle; what was drawn stays inside.
  r.line({-100.0, 40.0}, {-90.0, 40.0}, 2, kRed);
  everyPixelInside();
  // Reset clears what was drawn, at the same size too.
  r.reset(64, 48);
  EXPECT_EQ(count(r, kNone), 64 * 48);
  EXPECT_TRUE(r.drawn().empty());
}

}  // namespace
}  // namespace traffic::render
