#include "images/remove_tree.hpp"

#include <ftw.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "images/image_error.hpp"

namespace runbox::images {
namespace {

// nftw's callback takes no user data; the walk runs on this thread only.
thread_local int t_errno = 0;
thread_local std::string t_failed;

int remove_entry(const char* path, const struct stat*, int flag, struct FTW*) {
  const int r = flag == FTW_DP ? ::rmdir(path) : ::unlink(path);
  if (r != 0 && t_errno == 0) {
    t_errno = errno;
    t_failed = path;
  }
  return 0;  // keep going: delete as much as possible
}

}  // namespace

void remove_tree(const std::filesystem::path& path) {
  t_errno = 0;
  t_failed.clear();
  constexpr int kOpenDirs = 32;
  if (::nftw(path.c_str(), remove_entry, kOpenDirs, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0) {
    if (errno == ENOENT) return;
    throw ImageError("cannot delete " + path.string() + ": " + std::strerror(errno));
  }
  if (t_errno != 0)
    throw ImageError("cannot delete " + t_failed + ": " + std::strerror(t_errno));
}

}  // namespace runbox::images
