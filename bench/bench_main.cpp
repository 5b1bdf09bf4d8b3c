// Benchmark runner: runs shipped scenarios headless at several thread counts and reports
// vehicle-updates per second (the figure CityFlow and SUMO comparisons use), steps per second,
// memory per vehicle and the wall time of each phase of the step, as CSV. The best of `--repeats` runs is kept, as wall time on a shared
// machine only ever errs on the slow side.
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "traffic/errors.h"
#include "traffic/world.h"

namespace {

struct Result {
  std::string scene;
  int threads = 1;
  double simSeconds = 0;
  double wallSeconds = 0;
  std::uint64_t steps = 0;
  std::uint64_t vehicleUpdates = 0;
  std::uint64_t peakRunning = 0;
  std::uint64_t arrived = 0;
  double bytesPerVehicle = 0;
  long worldRssKb = 0;  // resident memory the world added at its peak (first repeat)
  // The process's peak resident memory over the scene's load and runs so far: the scenario (its
  // trips), the network and one world, all included.
  long processPeakKb = 0;
  traffic::StepProfile phases;  // wall time of each phase of the step, summed over the kept run
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// Resident memory of this process now, from /proc (the kernel's own count).
long residentKb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// The process's peak resident memory (VmHWM), from /proc.
long peakResidentKb() {
  long kb = 0;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) kb = std::atol(line.c_str() + 6);
  return kb;
}

// Starts the peak over from the present resident memory (Linux's clear_refs, value 5), so that
// each scene's peak is its own. Where the kernel does not allow it, the peak stays the process's.
void resetPeakResident() { std::ofstream("/proc/self/clear_refs") << "5"; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trafficsim benchmark: whole-scenario throughput at several thread counts, as CSV"};
  std::string scenes = "hangzhou_real,hangzhou_peak,jinan_real,grid_10x10,grid_30x30,singapore_av";
  std::string threadList = "1,2";
  int repeats = 3;
  double duration = 0;
  double renumberEvery = traffic::WorldOptions{}.renumberEveryS;
  std::string out;
  app.add_option("--scenes", scenes, "Comma-separated scenario names from scenarios/ (or paths to .toml files)")
      ->capture_default_str();
  app.add_option("--threads", threadList, "Comma-separated thread counts")->capture_default_str();
  app.add_option("--repeats", repeats, "Runs per scene and thread count; the fastest is reported")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--duration", duration, "Simulated seconds per run (default: the scenario's duration)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--renumber-every", renumberEvery,
                 "Simulated seconds between renumberings of the vehicle records junction by junction (0: never); "
                 "changes no result, only the speed")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--out", out, "CSV file to write (default: stdout only)");
  app.footer("Example: traffic_bench --scenes hangzhou_real,grid_30x30 --threads 1,2 --out bench/results/mine.csv");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::vector<Result> results;
  for (const std::string& name : split(scenes)) {
    std::filesystem::path file = name;
    if (file.extension() != ".toml") file = std::filesystem::path(TRAFFIC_SOURCE_DIR) / "scenarios" / (name + ".toml");
    std::vector<std::string> overrides;
    if (duration > 0) overrides.push_back("scenario.duration_s=" + std::to_string(duration));
    malloc_trim(0);  // what the previous scene freed is not this one's
    resetPeakResident();
    traffic::Scenario scenario;
    try {
      scenario = traffic::loadScenario(file, overrides);
    } catch (const traffic::LoadError& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 2;
    }
    for (const std::string& t : split(threadList)) {
      Result best;
      for (int r = 0; r < repeats; ++r) {
        traffic::WorldOptions opts;
        opts.threads = std::stoi(t);
        opts.renumberEveryS = renumberEvery;
        malloc_trim(0);  // hand back what the previous run freed, so the growth below is this run's
        const long rssBefore = residentKb();
        long rssPeak = rssBefore;
        traffic::World world(scenario, opts);
        std::uint64_t peak = 0;
        const auto t0 = std::chrono::steady_clock::now();
        while (!world.finished()) {
          world.step();
          peak = std::max(peak, world.counts().running);
          if (world.stepCount() % 256 == 0) rssPeak = std::max(rssPeak, residentKb());
        }
        rssPeak = std::max(rssPeak, residentKb());
        if (r == 0) best.worldRssKb = rssPeak - rssBefore;
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (r == 0 || wall < best.wallSeconds) {
          best.scene = scenario.name;
          best.threads = world.threads();
          best.simSeconds = world.timeS();
          best.wallSeconds = wall;
          best.steps = world.stepCount();
          best.vehicleUpdates = world.vehicleUpdates();
          best.peakRunning = peak;
          best.arrived = world.counts().arrived;
          best.bytesPerVehicle =
              peak ? static_cast<double>(world.vehicleStateBytes()) / static_cast<double>(peak) : 0.0;
          best.phases = world.profile();
        }
      }
      best.processPeakKb = peakResidentKb();
      std::fprintf(stderr, "%-16s threads=%d  %8.0f k veh-updates/s  %7.0f steps/s  peak %6llu veh  %5.0f B/veh state  %7ld kB world  %7ld kB process peak\n",
                   best.scene.c_str(), best.threads, best.vehicleUpdates / best.wallSeconds / 1e3,
                   best.steps / best.wallSeconds, static_cast<unsigned long long>(best.peakRunning), best.bytesPerVehicle,
                   best.worldRssKb, best.processPeakKb);
      const traffic::StepProfile& p = best.phases;
      std::fprintf(stderr, "%-16s phases, s: signals %.2f spawn %.2f arbitrate %.2f lane-change %.2f plan %.2f move %.2f stops %.2f transfer %.2f account %.2f\n",
                   "", p.signals, p.spawn, p.arbitrate, p.laneChange, p.plan, p.move, p.stops, p.transfer, p.account);
      results.push_back(best);
    }
  }

  std::ostringstream csv;
  csv << "scene,threads,sim_seconds,wall_seconds,steps,steps_per_second,vehicle_updates,"
         "vehicle_updates_per_second,peak_running,arrived,state_bytes_per_peak_vehicle,world_rss_kb,"
         "world_rss_bytes_per_peak_vehicle,process_peak_rss_kb,process_peak_bytes_per_peak_vehicle,"
         "signals_s,spawn_s,arbitrate_s,lane_change_s,plan_s,move_s,stops_s,transfer_s,account_s\n";
  for (const Result& r : results)
    csv << r.scene << ',' << r.threads << ',' << r.simSeconds << ',' << r.wallSeconds << ',' << r.steps << ','
        << r.steps / r.wallSeconds << ',' << r.vehicleUpdates << ',' << r.vehicleUpdates / r.wallSeconds << ','
        << r.peakRunning << ',' << r.arrived << ',' << r.bytesPerVehicle << ',' << r.worldRssKb << ','
        << (r.peakRunning ? r.worldRssKb * 1024.0 / static_cast<double>(r.peakRunning) : 0.0) << ',' << r.processPeakKb << ','
        << (r.peakRunning ? r.processPeakKb * 1024.0 / static_cast<double>(r.peakRunning) : 0.0) << ','
        << r.phases.signals << ',' << r.phases.spawn << ',' << r.phases.arbitrate << ',' << r.phases.laneChange << ','
        << r.phases.plan << ',' << r.phases.move << ',' << r.phases.stops << ',' << r.phases.transfer << ','
        << r.phases.account << '\n';
  std::cout << csv.str();
  if (!out.empty()) {
    std::filesystem::create_directories(std::filesystem::path(out).parent_path());
    std::ofstream(out) << csv.str();
  }
  return 0;
}
