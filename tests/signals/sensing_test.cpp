// Sensing models (traffic/sensing.h): what a scenario's [sensing] accepts, which policies each
// model can feed, and whole runs through each model: the oracle is today's observation, a model
// whose errors are switched off reads as the oracle does for a queue-based policy, and every model
// is deterministic per seed and independent of the thread count.
#include <gtest/gtest.h>

#include <string>

#include "common/temp_dir.h"
#include "traffic/errors.h"
#include "traffic/outputs.h"
#include "traffic/scenario.h"
#include "traffic/sensing.h"
#include "traffic/world.h"

namespace traffic {
namespace {

using testing::TempDir;

// A 2x2 grid crossed by an eastbound and a northbound Poisson flow: queues form at every
// junction, so the signal policy's readings matter.
std::string crossingGrid(const std::string& signals, const std::string& sensing) {
  return "[scenario]\nname = \"crossing\"\nduration_s = 900\nseed = 3\n\n[map.grid]\nrows = 2\ncolumns = 2\n\n"
         "[[demand.flow]]\nid = \"east\"\nfrom = \"road_j_0_-1_j_0_0\"\nto = \"road_j_0_1_j_0_2\"\n"
         "veh_per_hour = 700\npoisson = true\n\n"
         "[[demand.flow]]\nid = \"north\"\nfrom = \"road_j_-1_1_j_0_1\"\nto = \"road_j_1_1_j_2_1\"\n"
         "veh_per_hour = 500\npoisson = true\n\n" +
         signals + "\n" + sensing;
}

std::string summaryOf(const Scenario& sc, int threads) {
  World world(sc, WorldOptions{threads});
  world.run();
  Summary s = world.summary(0);
  s.threads = 0;
  return summaryJson(s);
}

Scenario load(const TempDir& dir, const std::string& signals, const std::string& sensing) {
  return loadScenario(dir.write("s.toml", crossingGrid(signals, sensing)));
}

std::string loadError(const TempDir& dir, const std::string& signals, const std::string& sensing) {
  try {
    (void)load(dir, signals, sensing);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

const std::string kMaxPressure = "[signals]\npolicy = \"max_pressure\"\n";

TEST(Sensing, ScenarioWithoutSensingIsTheOracle) {
  TempDir dir;
  const Scenario sc = load(dir, kMaxPressure, "");
  EXPECT_EQ(sc.sensing.model, SensingModel::Oracle);
  EXPECT_FALSE(sc.sensing.declared);
  EXPECT_EQ(describeSensing(sc.sensing), "oracle");
  const Scenario camera = load(dir, kMaxPressure, "[sensing]\nmodel = \"camera\"\nrange_m = 80\n");
  EXPECT_TRUE(camera.sensing.declared);
  EXPECT_EQ(describeSensing(camera.sensing), "camera (range_m=80, miss_probability=0.05, position_noise_m=1.5)");
}

TEST(Sensing, BadSectionsNameTheKeyAndTheFix) {
  TempDir dir;
  {
    const std::string e = loadError(dir, kMaxPressure, "[sensing]\nmodel = \"radar\"\n");
    EXPECT_NE(e.find("sensing.model"), std::string::npos) << e;
    EXPECT_NE(e.find("oracle, loops, camera, probe"), std::string::npos) << e;
  }
  const std::string other = loadError(dir, kMaxPressure, "[sensing]\nmodel = \"loops\"\nrange_m = 100\n");
  EXPECT_NE(other.find("sensing.range_m"), std::string::npos) << other;
  EXPECT_NE(other.find("not a parameter of sensing model 'loops'"), std::string::npos) << other;
  const std::string share = loadError(dir, kMaxPressure, "[sensing]\nmodel = \"probe\"\npenetration = 1.5\n");
  EXPECT_NE(share.find("sensing.penetration"), std::string::npos) << share;
  const std::string miss = loadError(dir, kMaxPressure, "[sensing]\nmodel = \"camera\"\nmiss_probability = 1\n");
  EXPECT_NE(miss.find("sensing.miss_probability"), std::string::npos) << miss;
}

// Each policy declares what it reads; a model that cannot deliver it is refused at load.
TEST(Sensing, APolicyIsRefusedAModelThatCannotFeedIt) {
  TempDir dir;
  for (const char* policy : {"actuated", "webster", "sotl"}) {
    const std::string e =
        loadError(dir, std::string("[signals]\npolicy = \"") + policy + "\"\n", "[sensing]\nmodel = \"probe\"\n");
    EXPECT_NE(e.find("sensing.model"), std::string::npos) << policy << ": " << e;
    EXPECT_NE(e.find("cannot deliver"), std::string::npos) << e;
    EXPECT_NE(e.find("(oracle, loops, camera)"), std::string::npos) << e;
  }
  // The camera's virtual loop must lie within its range.
  const std::string shortCamera = loadError(dir, "[signals]\npolicy = \"actuated\"\ndetector_distance_m = 40\n",
                                            "[sensing]\nmodel = \"camera\"\nrange_m = 30\n");
  EXPECT_NE(shortCamera.find("detector"), std::string::npos) << shortCamera;
  EXPECT_NE(shortCamera.find("raise sensing.range_m"), std::string::npos) << shortCamera;
  // Policies that read nothing, or only what probes give, take any model.
  EXPECT_EQ(loadError(dir, "[signals]\npolicy = \"fixed_time\"\n", "[sensing]\nmodel = \"probe\"\n"), "");
  EXPECT_EQ(loadError(dir, kMaxPressure, "[sensing]\nmodel = \"probe\"\n"), "");
  EXPECT_EQ(loadError(dir, "[signals]\npolicy = \"lookahead_pressure\"\n", "[sensing]\nmodel = \"probe\"\n"), "");
}

// Max pressure reads queues only: a camera that sees the whole lane without error, and probes in
// every vehicle, count them exactly as the oracle does, so the runs are identical. Loops (whose
// queue is an estimate) and a camera with errors see differently and do change the run.
TEST(Sensing, ErrorFreeModelsReadQueuesAsTheOracleDoes) {
  TempDir dir;
  const std::string oracle = summaryOf(load(dir, kMaxPressure, ""), 1);
  EXPECT_EQ(summaryOf(load(dir, kMaxPressure,
                           "[sensing]\nmodel = \"camera\"\nrange_m = 10000\nmiss_probability = 0\n"
                           "position_noise_m = 0\n"),
                      1),
            oracle);
  EXPECT_EQ(summaryOf(load(dir, kMaxPressure, "[sensing]\nmodel = \"probe\"\npenetration = 1\n"), 1), oracle);
  EXPECT_NE(summaryOf(load(dir, kMaxPressure, "[sensing]\nmodel = \"loops\"\n"), 1), oracle);
  EXPECT_NE(summaryOf(load(dir, kMaxPressure, "[sensing]\nmodel = \"camera\"\nmiss_probability = 0.3\n"), 1),
            oracle);
}

// Every model's randomness comes from the seed and the step, never from a thread's generator.
TEST(Sensing, EveryModelIsDeterministicAndIndependentOfThreads) {
  TempDir dir;
  for (const char* sensing : {"model = \"loops\"", "model = \"camera\"\nmiss_probability = 0.2\nposition_noise_m = 4",
                              "model = \"probe\"\npenetration = 0.3"}) {
    for (const char* signals : {"[signals]\npolicy = \"lookahead_pressure\"\n", "[signals]\npolicy = \"sotl\"\n"}) {
      if (std::string(sensing).find("probe") != std::string::npos && std::string(signals).find("sotl") != std::string::npos)
        continue;  // refused, see above
      const Scenario sc = load(dir, signals, std::string("[sensing]\n") + sensing + "\n");
      const std::string one = summaryOf(sc, 1);
      EXPECT_EQ(one, summaryOf(sc, 1)) << sensing;
      EXPECT_EQ(one, summaryOf(sc, 2)) << sensing << " with " << signals;
    }
  }
}

// summary.json names a model other than the oracle (and, as before, says nothing for the oracle).
TEST(Sensing, SummaryNamesTheModel) {
  TempDir dir;
  const Scenario sc = load(dir, kMaxPressure, "[sensing]\nmodel = \"probe\"\npenetration = 0.25\n");
  World world(sc, WorldOptions{1});
  world.run();
  const std::string json = summaryJson(world.summary(0), "", describeSensing(sc.sensing));
  EXPECT_NE(json.find("\"sensing\": \"probe (penetration=0.25)\""), std::string::npos) << json;
  EXPECT_EQ(summaryJson(world.summary(0)).find("\"sensing\""), std::string::npos);
}

}  // namespace
}  // namespace traffic
