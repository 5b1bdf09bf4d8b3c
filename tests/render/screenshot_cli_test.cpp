// `trafficsim view ... --screenshot` and `trafficsim replay ... --screenshot` as a user runs them:
// PNG files of the requested size that show a network, the same picture from a live run and from
// its recording, and clear errors for bad usage.
#include <gtest/gtest.h>

#include <SFML/Graphics/Image.hpp>

#include <cstdlib>
#include <set>

#include "common/run_cli.h"
#include "render_test_support.h"
#include "traffic/render/city_view.h"
#include "traffic/render/palette.h"

namespace traffic::render {
namespace {

using traffic::testing::CliResult;
using traffic::testing::runCli;
using traffic::testing::shellQuoted;
using traffic::testing::shippedScenario;
using traffic::testing::TempDir;

std::string quoted(const std::filesystem::path& p) { return shellQuoted(p.string()); }

// Issue 14: outputs never replace a file the user did not ask to replace. Checked before the
// display is needed, so this runs without one.
TEST(ScreenshotCli, AnExistingFileIsNotReplacedWithoutForce) {
  TempDir dir;
  const auto png = dir.write("mine.png", "not a picture of ours");
  for (const std::string& command : {"view " + shippedScenario("hangzhou_real.toml"), std::string("replay x.tsrec")}) {
    SCOPED_TRACE(command);
    const CliResult r = runCli(command + " --screenshot " + quoted(png) + " --at 10");
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
    EXPECT_EQ(traffic::testing::readAll(png), "not a picture of ours");
  }
}

// Issue 14: NaN passed CLI11's NonNegativeNumber and Range checks, and --speed 0 meant "max".
// Refused at parse time, before a display is needed.
TEST(ScreenshotCli, NonFiniteViewOptionsAndASpeedOfZeroAreRefused) {
  TempDir dir;
  const std::string base = "view " + shippedScenario("hangzhou_real.toml") + " --screenshot " +
                           quoted(dir.path() / "x.png");
  for (const char* bad : {" --at nan", " --at 10 --centre nan,nan", " --at 10 --zoom inf", " --at inf",
                          " --at 10 --speed 0", " --at 10 --speed inf"}) {
    SCOPED_TRACE(bad);
    const CliResult r = runCli(base + bad);
    EXPECT_EQ(r.code, 2) << r.err;
    // Refused for the value itself, not for want of a display.
    EXPECT_TRUE(r.err.find("finite") != std::string::npos || r.err.find("--speed") != std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.png"));
  }
}

TEST(ScreenshotCli, ViewWritesAPngOfTheRequestedSizeThatShowsTheNetwork) {
  TRAFFIC_REQUIRE_DISPLAY();
  TempDir dir;
  const auto png = dir.path() / "shot.png";
  // The vehicle layer: at this size the whole network is far enough out for the city layer.
  const CliResult r = runCli("view " + shippedScenario("hangzhou_real.toml") + " --screenshot " + quoted(png) +
                             " --at 60 --size 640x400 --layer vehicles");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("0:01:00"), std::string::npos) << r.out;
  sf::Image img;
  ASSERT_TRUE(img.loadFromFile(png.string()));
  EXPECT_EQ(img.getSize().x, 640u);
  EXPECT_EQ(img.getSize().y, 400u);
  // Not blank: background, asphalt, text, signals and vehicles make many colours; the background
  // and the road colour are both there.
  std::set<std::uint32_t> colours;
  int background = 0, asphalt = 0;
  for (unsigned y = 0; y < 400; ++y)
    for (unsigned x = 0; x < 640; ++x) {
      const sf::Color c = img.getPixel(x, y);
      colours.insert(c.toInteger());
      background += testing::colourNear(palette::kBackground, c, 2) ? 1 : 0;
      asphalt += testing::colourNear(palette::kAsphalt, c, 2) ? 1 : 0;
    }
  EXPECT_GT(colours.size(), 50u);
  EXPECT_GT(background, 640 * 400 / 4);
  EXPECT_GT(asphalt, 500);
  // A screenshot writes no run outputs.
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "results"));
}

/// Pixels of `img` within `tolerance` of `colour` in each channel (plain comparisons: a failed
/// AssertionResult per pixel would build a message for each).
int countColour(const sf::Image& img, Rgba colour, int tolerance) {
  auto near = [tolerance](int a, int b) { return std::abs(a - b) <= tolerance; };
  int n = 0;
  for (unsigned y = 0; y < img.getSize().y; ++y)
    for (unsigned x = 0; x < img.getSize().x; ++x) {
      const sf::Color c = img.getPixel(x, y);
      n += near(c.r, colour.r) && near(c.g, colour.g) && near(c.b, colour.b) ? 1 : 0;
    }
  return n;
}

TEST(ScreenshotCli, ZoomedOutTheCityLayerReplacesTheVehicles) {
  TRAFFIC_REQUIRE_DISPLAY();
  TempDir dir;
  const std::string scenario = shippedScenario("hangzhou_real.toml");
  // The whole network in 640 x 400 pixels is under 0.4 pixels per metre: the city layer by default.
  const auto auto_ = dir.path() / "auto.png", vehicles = dir.path() / "vehicles.png";
  CliResult r = runCli("view " + scenario + " --screenshot " + quoted(auto_) + " --at 60 --size 640x400 --no-hud");
  ASSERT_EQ(r.code, 0) << r.err;
  r = runCli("view " + scenario + " --screenshot " + quoted(vehicles) + " --at 60 --size 640x400 --no-hud --layer vehicles");
  ASSERT_EQ(r.code, 0) << r.err;
  sf::Image city, plain;
  ASSERT_TRUE(city.loadFromFile(auto_.string()));
  ASSERT_TRUE(plain.loadFromFile(vehicles.string()));
  // Roads are strips in the city layer's colours (grey where empty, the scale's blue where free), and
  // signalised approaches have dots; the vehicle layer has neither, but lanes of asphalt.
  const int cityRoads = countColour(city, palette::kRoadEmpty, 2) + countColour(city, roadSpeedColour(1.0), 30);
  EXPECT_GT(cityRoads, 500);
  EXPECT_LT(countColour(city, palette::kAsphalt, 2), 50);
  EXPECT_EQ(countColour(plain, palette::kRoadEmpty, 2), 0);
  EXPECT_GT(countColour(plain, palette::kAsphalt, 2), 500);
  // A bad value is a usage error.
  r = runCli("view " + scenario + " --screenshot " + quoted(dir.path() / "x.png") + " --at 60 --layer town");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--layer"), std::string::npos) << r.err;
}

TEST(ScreenshotCli, TheSingaporeScenarioShowsItsStopsAndTheirLegend) {
  TRAFFIC_REQUIRE_DISPLAY();
  TempDir dir;
  const auto png = dir.path() / "sg.png";
  const std::string scenario = shippedScenario("singapore_av.toml");
  CliResult r = runCli("view " + scenario + " --screenshot " + quoted(png) + " --at 900 --size 800x500 --layer vehicles");
  ASSERT_EQ(r.code, 0) << r.err;
  sf::Image img;
  ASSERT_TRUE(img.loadFromFile(png.string()));
  ASSERT_EQ(img.getSize(), sf::Vector2u(800, 500));
  std::set<std::uint32_t> colours;
  for (unsigned y = 0; y < 500; ++y)
    for (unsigned x = 0; x < 800; ++x) colours.insert(img.getPixel(x, y).toInteger());
  EXPECT_GT(colours.size(), 50u);
  EXPECT_GT(countColour(img, palette::kBackground, 2), 800 * 500 / 4);
  EXPECT_GT(countColour(img, palette::kAsphalt, 2), 2000);
  // The legend has the transit row, with its white stop swatch (10 x 10 pixels).
  EXPECT_GE(countColour(img, palette::kStop, 2), 100);

  // Without the HUD the only white is the stop markers: 14 stops, each at least 5 x 5 pixels
  // seen from this far (anti-aliased edges aside), and none in a scenario without stops.
  const auto bare = dir.path() / "bare.png";
  r = runCli("view " + scenario + " --screenshot " + quoted(bare) + " --at 900 --size 800x500 --no-hud");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(img.loadFromFile(bare.string()));
  EXPECT_GE(countColour(img, palette::kStop, 2), 14 * 9);
  EXPECT_LE(countColour(img, palette::kStop, 2), 14 * 24 * 24);
  const auto hangzhou = dir.path() / "hz.png";
  r = runCli("view " + shippedScenario("hangzhou_real.toml") + " --screenshot " + quoted(hangzhou) +
             " --at 60 --size 800x500 --no-hud");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(img.loadFromFile(hangzhou.string()));
  EXPECT_EQ(countColour(img, palette::kStop, 2), 0);
}

TEST(ScreenshotCli, ReplayShowsExactlyWhatTheLiveRunShowed) {
  TRAFFIC_REQUIRE_DISPLAY();
  TempDir dir;
  const auto rec = dir.path() / "run.tsrec";
  CliResult r = runCli("run " + shippedScenario("hangzhou_real.toml") + " --duration 120 -q --record " + quoted(rec) +
                       " --out " + quoted(dir.path() / "out"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto live = dir.path() / "live.png", replayed = dir.path() / "replay.png";
  r = runCli("view " + shippedScenario("hangzhou_real.toml") + " --screenshot " + quoted(live) +
             " --at 90 --size 500x400 --no-hud --zoom 4");
  ASSERT_EQ(r.code, 0) << r.err;
  r = runCli("replay " + quoted(rec) + " --screenshot " + quoted(replayed) + " --at 90 --size 500x400 --no-hud --zoom 4");
  ASSERT_EQ(r.code, 0) << r.err;
  sf::Image a, b;
  ASSERT_TRUE(a.loadFromFile(live.string()));
  ASSERT_TRUE(b.loadFromFile(replayed.string()));
  ASSERT_EQ(a.getSize(), b.getSize());
  int differing = 0;
  for (unsigned y = 0; y < 400; ++y)
    for (unsigned x = 0; x < 500; ++x) differing += a.getPixel(x, y) != b.getPixel(x, y);
  EXPECT_EQ(differing, 0);
}

TEST(ScreenshotCli, AReplayShowsTheSameStopsWaitingCountsAndLoads) {
  // Close up on stop district_1 as a bus with passengers on board stands at it (seed 65, 1000 s
  // runs; passengers.csv has bus_east_1's riders alighting there from 975.5 s): the marker, its
  // number and the bus's load come from the recording alone, pixel for pixel.
  TRAFFIC_REQUIRE_DISPLAY();
  TempDir dir;
  const std::string scenario = shippedScenario("singapore_av.toml");
  const auto rec = dir.path() / "sg.tsrec";
  CliResult r =
      runCli("run " + scenario + " --duration 1000 -q --record " + quoted(rec) + " --out " + quoted(dir.path() / "out"));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string view = " --at 975 --size 600x400 --no-hud --centre 1560,390 --zoom 12";
  const auto live = dir.path() / "live.png", replayed = dir.path() / "replay.png";
  r = runCli("view " + scenario + " --duration 1000 --screenshot " + quoted(live) + view);
  ASSERT_EQ(r.code, 0) << r.err;
  r = runCli("replay " + quoted(rec) + " --screenshot " + quoted(replayed) + view);
  ASSERT_EQ(r.code, 0) << r.err;
  sf::Image a, b;
  ASSERT_TRUE(a.loadFromFile(live.string()));
  ASSERT_TRUE(b.loadFromFile(replayed.string()));
  ASSERT_EQ(a.getSize(), b.getSize());
  EXPECT_GE(countColour(a, palette::kStop, 2), 6 * 6) << "a stop marker in view";
  EXPECT_GT(countColour(a, palette::kBus, 2), 20) << "a bus in view";
  int differing = 0;
  for (unsigned y = 0; y < 400; ++y)
    for (unsigned x = 0; x < 600; ++x) differing += a.getPixel(x, y) != b.getPixel(x, y);
  EXPECT_EQ(differing, 0);
}

TEST(ScreenshotCli, BadUsageExitsWithCode2AndSaysWhatToFix) {
  TempDir dir;
  const std::string scenario = shippedScenario("hangzhou_real.toml");
  const std::string png = quoted(dir.path() / "x.png");
  CliResult r = runCli("view " + scenario + " --screenshot " + png);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--at"), std::string::npos) << r.err;
  r = runCli("view " + scenario + " --screenshot " + quoted(dir.path() / "x.jpg") + " --at 10");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(".png"), std::string::npos) << r.err;
  r = runCli("view " + scenario + " --screenshot " + png + " --at 99999");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("after the end"), std::string::npos) << r.err;
  r = runCli("view " + scenario + " --size 10x10 --screenshot " + png + " --at 10");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--size"), std::string::npos) << r.err;
  r = runCli("view " + scenario + " --speed fast");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--speed"), std::string::npos) << r.err;
  r = runCli("replay " + quoted(dir.write("not.tsrec", "hello")) + " --screenshot " + png + " --at 1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("not.tsrec"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.png"));
}

TEST(ScreenshotCli, WithoutADisplayItSaysHowToGetOne) {
  TempDir dir;
  const std::string command = "env -u DISPLAY " + shellQuoted(TRAFFIC_CLI_PATH) + " view " +
                              shippedScenario("hangzhou_real.toml") + " --screenshot " + quoted(dir.path() / "x.png") +
                              " --at 10 > /dev/null 2> " + quoted(dir.path() / "err");
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  const std::string err = traffic::testing::readAll(dir.path() / "err");
  EXPECT_NE(err.find("xvfb-run"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.png"));

  // A display that is set but cannot be opened: a clear message too, not SFML's abort.
  const std::string unreachable = "env DISPLAY=:4321 " + shellQuoted(TRAFFIC_CLI_PATH) + " view " +
                                  shippedScenario("hangzhou_real.toml") + " --screenshot " +
                                  quoted(dir.path() / "x.png") + " --at 10 > /dev/null 2> " + quoted(dir.path() / "err");
  const int status2 = std::system(unreachable.c_str());
  ASSERT_TRUE(WIFEXITED(status2));
  EXPECT_EQ(WEXITSTATUS(status2), 2);
  const std::string err2 = traffic::testing::readAll(dir.path() / "err");
  EXPECT_NE(err2.find(":4321"), std::string::npos) << err2;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.png"));
}

TEST(ScreenshotCli, HelpListsViewAndReplay) {
  const CliResult r = runCli("--help");
  ASSERT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("view"), std::string::npos);
  EXPECT_NE(r.out.find("replay"), std::string::npos);
  const CliResult v = runCli("view --help");
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("--screenshot"), std::string::npos);
  EXPECT_NE(v.out.find("--policy"), std::string::npos) << "view takes run's options";
}

}  // namespace
}  // namespace traffic::render
