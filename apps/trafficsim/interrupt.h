// Ctrl-C and SIGTERM during a run or a comparison. The handler only records the signal; the
// loops poll it between steps (or runs), so a step is never cut in half, nothing half-written is
// left behind and the terminal stays tidy.
#pragma once

namespace traffic::cli {

/// Installs the handlers for SIGINT and SIGTERM.
void armInterruptHandlers();
/// The number of the signal that asked to stop, 0 while none did.
int pendingInterrupt();

}  // namespace traffic::cli
