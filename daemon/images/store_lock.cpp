#include "images/store_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "images/image_error.hpp"

namespace runbox::images {

StoreLock::StoreLock(const std::filesystem::path& root) {
  const std::filesystem::path file = root / ".lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) throw ImageError("cannot open " + file.string() + ": " + std::strerror(errno));
  int r;
  while ((r = ::flock(fd_, LOCK_EX)) != 0 && errno == EINTR) {
  }
  if (r != 0) {
    const int saved = errno;
    ::close(fd_);
    throw ImageError("cannot lock " + file.string() + ": " + std::strerror(saved));
  }
}

StoreLock::~StoreLock() { ::close(fd_); }  // closing releases the lock

}  // namespace runbox::images
