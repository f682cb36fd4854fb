#include "images/mount_points.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "images/image_error.hpp"

namespace runbox::images {
namespace {

struct MountPoint {
  const char* name;
  mode_t mode;
};
constexpr MountPoint kMountPoints[] = {{"box", 0755}, {"tmp", 01777}, {"proc", 0555}, {"dev", 0755}};

ImageError failure(const MountPoint& mp, const char* what) {
  return ImageError(std::string("mount point /") + mp.name + ": " + what);
}

}  // namespace

void ensure_mount_points(const std::filesystem::path& rootfs) {
  for (const MountPoint& mp : kMountPoints) {
    const std::string path = (rootfs / mp.name).string();
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode))
        throw failure(mp, S_ISLNK(st.st_mode) ? "is a symlink in the image, must be a directory"
                                              : "exists in the image but is not a directory");
      continue;
    }
    if (errno != ENOENT) throw failure(mp, std::strerror(errno));
    // chmod after mkdir: the umask must not strip the sticky bit or group/other bits.
    if (::mkdir(path.c_str(), 0700) != 0 || ::chmod(path.c_str(), mp.mode) != 0)
      throw failure(mp, std::strerror(errno));
  }
}

}  // namespace runbox::images
