#include "sys_error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "runbox/sandbox/unique_fd.hpp"

namespace runbox::sandbox {

std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  return std::string(name ? name : "E?") + " (" + std::strerror(err) + ")";
}

void throw_errno(const std::string& what, int err) {
  // system_error appends strerror itself: add only the errno name.
  const char* name = strerrorname_np(err);
  throw std::system_error(err, std::generic_category(), what + ": " + (name ? name : "E?"));
}

std::string pread_text(int fd) {
  std::string out;
  char buf[4096];
  off_t off = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    off += n;
  }
  return out;
}

std::string read_text(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path);
  try {
    return pread_text(fd.get());
  } catch (const std::system_error& e) {
    throw_errno("read " + path, e.code().value());
  }
}

void write_text(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path);
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n < 0) throw_errno("write '" + value + "' to " + path);
}

}  // namespace runbox::sandbox
