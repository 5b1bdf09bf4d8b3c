// Result folders that appear complete or not at all, and the CSV cell writers every output uses.
//
// A run or a comparison renders its files in memory, then publishes them: they are written into a
// hidden sibling folder which is renamed into place, so a crash, a full disk or Ctrl-C never
// leaves a half-written folder that an analysis would mistake for a finished one. An existing
// folder is replaced whole, but only if it holds nothing except files of the same kind: pointing
// an output at a folder of other data fails instead of deleting it.
#pragma once

#include <filesystem>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace traffic {

struct OutputFile {
  std::string name;     ///< file name inside the folder
  std::string content;
};

/// "results/x/" and "results/x" name the same folder. Throws std::runtime_error for a path
/// that does not name a folder of its own ('.', '..', empty).
std::filesystem::path outputFolderPath(const std::filesystem::path& requested);

/// Throws std::runtime_error (naming the folder and the offending file) when `dir` exists and
/// is not a folder, or holds a file for which `replaceable(name)` is false, or when it does not
/// exist and cannot be created (the nearest existing folder on its path is a file or not
/// writable). Recovers an interrupted publish first (recoverInterruptedPublish). Cheap; call it
/// before a long run.
void checkFolderReplaceable(const std::filesystem::path& dir,
                            const std::function<bool(const std::string&)>& replaceable);

/// publishFolder moves an earlier folder aside (".NAME.previous-PID-N") before renaming the new one
/// into place. A process killed between the two renames leaves no folder under the requested name:
/// this puts the aside folder back, and deletes aside folders left by a kill after the second
/// rename, so that a crash at any instant leaves the old or the new results under the name.
void recoverInterruptedPublish(const std::filesystem::path& dir);

/// Writes `files` into `dir` all at once, creating parent folders and replacing an earlier folder
/// whole. Throws std::runtime_error naming the path on I/O failure, leaving `dir` as it was.
/// Does not check what `dir` holds; call checkFolderReplaceable first.
void publishFolder(const std::filesystem::path& dir, const std::vector<OutputFile>& files);

namespace csv {
/// A number with fixed decimals (compact, stable across platforms); nothing for NaN or infinity,
/// which pandas reads back as NaN.
void appendFixed(std::string& out, double value, int decimals);
void appendInteger(std::string& out, std::uint64_t value);
/// Text, quoted when it holds a comma, a quote or a line break.
void appendText(std::string& out, const std::string& text);
}  // namespace csv

}  // namespace traffic
