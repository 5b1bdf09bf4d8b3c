#include "interrupt.h"

#include <csignal>

namespace traffic::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void onInterrupt(int signal) { g_interrupted = signal; }

}  // namespace

void armInterruptHandlers() {
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
}

int pendingInterrupt() { return static_cast<int>(g_interrupted); }

}  // namespace traffic::cli
