#include "images/atomic_publish.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "images/image_error.hpp"

namespace runbox::images {
namespace fs = std::filesystem;
namespace {

ImageError errno_error(const std::string& what) {
  return ImageError(what + ": " + std::strerror(errno));
}

// Runs `fn` on an O_RDONLY descriptor of `dir`.
template <typename Fn>
void with_dir_fd(const fs::path& dir, const char* what, Fn fn) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw errno_error(std::string(what) + " " + dir.string());
  const int r = fn(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (r != 0) throw errno_error(std::string(what) + " " + dir.string());
}

}  // namespace

bool publish_directory(const fs::path& staging, const fs::path& target) {
  struct stat st {};
  if (::lstat(target.c_str(), &st) != 0) {
    if (errno != ENOENT) throw errno_error("cannot inspect " + target.string());
    if (::rename(staging.c_str(), target.c_str()) != 0)
      throw errno_error("cannot move " + staging.string() + " to " + target.string());
    return false;
  }
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
    throw errno_error("cannot exchange " + staging.string() + " with " + target.string());
  return true;
}

void sync_filesystem(const fs::path& dir) {
  with_dir_fd(dir, "cannot sync the filesystem of", [](int fd) { return ::syncfs(fd); });
}

void fsync_directory(const fs::path& dir) {
  with_dir_fd(dir, "cannot fsync", [](int fd) { return ::fsync(fd); });
}

}  // namespace runbox::images
