// How a phase runs its units: serially, or in parallel on the world's oneTBB arena when the world
// is large enough to gain from it. Every parallel body writes only what its unit owns, so the
// split of the range never changes a result (see docs/architecture.md, "The step").
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "traffic/world.h"

namespace traffic::engine {

struct Executor {
  WorldOptions options;
  int threads = 1;
  std::unique_ptr<tbb::task_arena> arena;
  bool parallel = false;  // decided at the start of each step from the number of vehicles

  /// Runs body(i) for i in [0, n), in parallel when the world is large enough to gain from it.
  template <class Body>
  void forEach(std::size_t n, std::size_t grain, const Body& body) const;
};

template <class Body>
void Executor::forEach(std::size_t n, std::size_t grain, const Body& body) const {
  if (!parallel || n <= grain) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
#if defined(TRAFFIC_TSAN_FORK_JOIN)
  // ThreadSanitizer cannot see the synchronisation inside an uninstrumented libtbb, so it reports
  // every hand-over between phases as a race. Under TSan each phase instead runs on plain threads
  // that are created and joined here, which TSan does understand: any report is then a real race
  // between two units of the same phase. Blocks are interleaved to mix neighbouring units.
  std::vector<std::thread> workers;
  const std::size_t blocks = (n + grain - 1) / grain;
  const auto count = static_cast<std::size_t>(std::max(2, threads));
  for (std::size_t w = 1; w < count; ++w)
    workers.emplace_back([&, w] {
      for (std::size_t b = w; b < blocks; b += count)
        for (std::size_t i = b * grain; i < std::min(n, (b + 1) * grain); ++i) body(i);
    });
  for (std::size_t b = 0; b < blocks; b += count)
    for (std::size_t i = b * grain; i < std::min(n, (b + 1) * grain); ++i) body(i);
  for (std::thread& t : workers) t.join();
  return;
#endif
  // simple_partitioner with a fixed grain: the split is the same every run, though nothing here
  // depends on it (each i writes only what it owns).
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t i = r.begin(); i != r.end(); ++i) body(i);
                    },
                    tbb::simple_partitioner());
}

}  // namespace traffic::engine
