// Builds a small generated grid through the public API, runs it and prints what a user checks:
// vehicles spawned and arrived, and that the counts add up.
#include <cstdio>

#include "traffic/scenario.h"
#include "traffic/world.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer SCENARIO.toml\n");
    return 2;
  }
  const traffic::Scenario scenario = traffic::loadScenario(argv[1], {"scenario.duration_s=600"});
  traffic::World world(scenario, traffic::WorldOptions{1});
  world.run();
  const traffic::VehicleCounts c = world.counts();
  std::printf("spawned %llu arrived %llu running %llu waiting %llu\n", static_cast<unsigned long long>(c.spawned),
              static_cast<unsigned long long>(c.arrived), static_cast<unsigned long long>(c.running),
              static_cast<unsigned long long>(c.waitingToEnter));
  return c.spawned == c.arrived + c.running + c.waitingToEnter && c.arrived > 0 ? 0 : 1;
}
