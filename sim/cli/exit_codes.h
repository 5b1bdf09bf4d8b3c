// Exit codes of the `trafficsim` command and the error for input the user can fix, shared by its
// subcommands (see the list at the top of main.cpp).
#pragma once

#include <stdexcept>

namespace traffic::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;

/// Input the user can fix that is not a scenario error (for example an unusable --out folder).
/// main() prints it after "error: " and exits with kExitBadInput.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace traffic::cli
