#include "private_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <stdexcept>
#include <vector>

#include "sys_error.hpp"

namespace runbox::sandbox {
namespace {

UniqueFd open_dir_nofollow(int parent, const char* name, const std::string& shown) {
  UniqueFd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    if (errno == ELOOP || errno == ENOTDIR)
      throw std::runtime_error(shown + " is a symlink or not a directory: refusing to keep runs there");
    throw_errno("open " + shown);
  }
  return fd;
}

struct stat stat_of(int fd, const std::string& shown) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno("stat " + shown);
  return st;
}

// A directory above runbox's own: never changed, only trusted when nobody but root can alter it.
void check_system_dir(int fd, const std::string& shown) {
  const struct stat st = stat_of(fd, shown);
  if (st.st_uid != 0)
    throw std::runtime_error(shown + " is owned by uid " + std::to_string(st.st_uid) +
                             ", not root: refusing to keep runs under it");
  if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))
    throw std::runtime_error(shown + " is writable by group or others: refusing to keep runs under it");
}

}  // namespace

UniqueFd open_private_dir(const std::filesystem::path& path, std::size_t owned, mode_t last_mode) {
  if (!path.is_absolute()) throw std::invalid_argument("open_private_dir: " + path.string() + " is not absolute");
  std::vector<std::string> parts;
  for (const auto& p : path.relative_path())
    if (!p.empty()) parts.push_back(p.string());
  if (owned == 0 || owned > parts.size()) throw std::invalid_argument("open_private_dir: bad component count");

  UniqueFd dir = open_dir_nofollow(AT_FDCWD, "/", "/");
  check_system_dir(dir.get(), "/");
  std::string shown;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    shown += "/" + parts[i];
    const bool ours = i >= parts.size() - owned;
    bool created = false;
    if (ours) {
      if (::mkdirat(dir.get(), parts[i].c_str(), 0700) == 0) created = true;
      else if (errno != EEXIST) throw_errno("mkdir " + shown);
    }
    dir = open_dir_nofollow(dir.get(), parts[i].c_str(), shown);
    if (!ours) {
      check_system_dir(dir.get(), shown);
      continue;
    }
    const bool last = i + 1 == parts.size();
    const struct stat st = stat_of(dir.get(), shown);
    const mode_t mode = last ? last_mode : created ? 0755 : (st.st_mode & 0755);
    // Through the fd: the directory checked is the one changed, whatever happens to its name.
    if (::fchown(dir.get(), 0, last ? 0 : static_cast<gid_t>(-1)) != 0) throw_errno("chown " + shown);
    if (::fchmod(dir.get(), mode) != 0) throw_errno("chmod " + shown);
  }
  return dir;
}

}  // namespace runbox::sandbox
