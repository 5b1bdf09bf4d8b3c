// The library's logger. The library writes to the spdlog logger named "sim" and never creates
// sinks: each executable registers that logger with its own sinks once. Without one, messages go
// nowhere.
#pragma once

#include <spdlog/spdlog.h>

namespace traffic {
spdlog::logger& simLog();
}
