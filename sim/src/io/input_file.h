// Reading an input file whole, safely: only regular files, and only up to a size cap.
//
// Issue 14: /dev/zero as a map was read until bad_alloc, and /dev/urandom or a FIFO hung the
// loader. The file is opened without blocking (a FIFO with no writer would block open()), checked
// on the open descriptor to be a regular file (so a path swapped after a check cannot slip
// through), and refused when larger than the cap, before anything is read. Errors are LoadError
// naming the file, saying what is wrong and how to raise the cap.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace traffic {

/// The whole content of `file`. `what` names the kind of file for messages ("map file");
/// `raiseHint` says how to raise `maxBytes` (e.g. "raise [limits] max_input_mb"), empty when it
/// cannot be raised. Throws LoadError.
std::string readInputFile(const std::filesystem::path& file, std::uint64_t maxBytes, const std::string& what,
                          const std::string& raiseHint);

/// Opens `file` for reading as readInputFile does (regular files only, no blocking) and returns
/// the descriptor, for readers that do not read the whole file at once. Throws LoadError.
int openRegularFile(const std::filesystem::path& file, const std::string& what);

}  // namespace traffic
