// Result folders that appear complete or not at all, the files written into them as a run goes
// (optionally gzip-compressed), and the CSV cell writers every output uses.
//
// Files are written into a hidden sibling folder (a StagingFolder) which is renamed into place
// once complete, so a crash, a full disk or Ctrl-C never leaves a half-written folder that an
// analysis would mistake for a finished one; a run streams its large files into it as it goes, a
// comparison renders its small ones in memory first (publishFolder). An existing folder is
// replaced whole, but only if it holds nothing except files of the same kind: pointing an output
// at a folder of other data fails instead of deleting it.
#pragma once

#include <filesystem>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/compression.h"

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
/// rename, so that a crash at any instant leaves the old or the new results under the name. It
/// also deletes staging folders (".NAME.partial-PID-N") whose writer no longer runs: a run killed
/// while streaming its files leaves one behind.
void recoverInterruptedPublish(const std::filesystem::path& dir);

/// Writes `files` into `dir` all at once, creating parent folders and replacing an earlier folder
/// whole. Throws std::runtime_error naming the path on I/O failure, leaving `dir` as it was.
/// Does not check what `dir` holds; call checkFolderReplaceable first.
void publishFolder(const std::filesystem::path& dir, const std::vector<OutputFile>& files);

/// A results folder being written: files go into a hidden sibling of `dir` (created, with `dir`'s
/// parent folders, by the constructor) until publish() renames it into place, replacing an earlier
/// folder whole. Destroyed unpublished (an error, Ctrl-C), it deletes what it wrote and `dir` is
/// as it was. Does not check what `dir` holds; call checkFolderReplaceable first.
class StagingFolder {
 public:
  explicit StagingFolder(const std::filesystem::path& dir);
  ~StagingFolder();
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;

  /// The hidden folder files are written into.
  [[nodiscard]] const std::filesystem::path& path() const { return m_staging; }
  /// The folder the files appear in once published.
  [[nodiscard]] const std::filesystem::path& dir() const { return m_dir; }
  /// Moves the files into place. Throws std::runtime_error naming the path on failure, leaving
  /// `dir` as it was and the staging folder deleted.
  void publish();

 private:
  std::filesystem::path m_dir;
  std::filesystem::path m_staging;
  bool m_published = false;
};

/// A file written piece by piece, through a buffer of about 1 MiB (compressed as it goes for
/// Compression::Gzip; the gzip header carries no time stamp, so the bytes depend on the content
/// only). close() must be called for a complete file: a file destroyed unclosed is left truncated
/// (it is in a staging folder that is deleted anyway). Errors throw std::runtime_error naming the
/// path.
class StreamedFile {
 public:
  StreamedFile(const std::filesystem::path& path, Compression compression);
  ~StreamedFile();
  StreamedFile(const StreamedFile&) = delete;
  StreamedFile& operator=(const StreamedFile&) = delete;

  /// The buffer the caller appends rows to; call flushIfFull() after each batch of rows.
  std::string& buffer() { return m_buffer; }
  void flushIfFull() {
    if (m_buffer.size() >= kFlushBytes) flush();
  }
  void close();
  /// Bytes of content appended so far (before compression).
  [[nodiscard]] std::uint64_t contentBytes() const { return m_contentBytes + m_buffer.size(); }

 private:
  static constexpr std::size_t kFlushBytes = std::size_t{1} << 20;
  void flush();
  void writeRaw(const char* data, std::size_t size);

  std::filesystem::path m_path;
  std::FILE* m_file = nullptr;
  struct Deflater;
  std::unique_ptr<Deflater> m_deflater;  ///< null: stored as is
  std::string m_buffer;
  std::uint64_t m_contentBytes = 0;
};

/// The name a file `name` gets under `compression` ("trips.csv" -> "trips.csv.gz").
std::string compressedName(const std::string& name, Compression compression);

namespace csv {
/// A number with fixed decimals (compact, stable across platforms); nothing for NaN or infinity,
/// which pandas reads back as NaN.
void appendFixed(std::string& out, double value, int decimals);
void appendInteger(std::string& out, std::uint64_t value);
/// Text, quoted when it holds a comma, a quote or a line break.
void appendText(std::string& out, const std::string& text);
}  // namespace csv

}  // namespace traffic
