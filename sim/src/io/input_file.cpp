#include "io/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "traffic/errors.h"

namespace traffic {
namespace {

std::string megabytes(std::uint64_t bytes) {
  // One decimal, as a user reads file sizes; no 20-digit byte counts.
  const std::uint64_t tenths = (bytes + 50'000) / 100'000;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " MB";
}

}  // namespace

int openRegularFile(const std::filesystem::path& file, const std::string& what) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    throw LoadError(file.string(), "",
                    "cannot open the " + what + ": " + std::strerror(error) +
                        (error == ENOENT ? "" : "; check that it is readable"));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool folder = S_ISDIR(st.st_mode);
    ::close(fd);
    throw LoadError(file.string(), "",
                    folder ? "is a folder; expected a " + what
                           : "is not a regular file (a device, a pipe or a socket); give the path of a " + what);
  }
  // Regular files never block; reads should not fail with EAGAIN.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

std::string readInputFile(const std::filesystem::path& file, std::uint64_t maxBytes, const std::string& what,
                          const std::string& raiseHint) {
  const int fd = openRegularFile(file, what);
  struct stat st {};
  ::fstat(fd, &st);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > maxBytes) {
    ::close(fd);
    throw LoadError(file.string(), "",
                    "the " + what + " is " + megabytes(size) + ", more than the limit of " + megabytes(maxBytes) +
                        (raiseHint.empty() ? std::string() : "; " + raiseHint));
  }
  std::string text;
  text.resize(static_cast<std::size_t>(size));
  std::size_t got = 0;
  // A file that grows while being read is cut at the size it had when opened, within the cap.
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw LoadError(file.string(), "", "cannot read the " + what + ": " + std::strerror(error));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  return text;
}

}  // namespace traffic
