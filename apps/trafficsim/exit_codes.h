// Exit codes of the `trafficsim` command and the error for input the user can fix, shared by its
// subcommands (see the list at the top of main.cpp).
#pragma once

#include "traffic/errors.h"

namespace traffic::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;

/// Input the user can fix that is not a scenario error (defined with LoadError in the library).
using traffic::UsageError;

}  // namespace traffic::cli
