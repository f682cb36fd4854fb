#pragma once
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "runbox/sandbox/limits.hpp"

namespace runbox::sandbox {

// A run's writable /box on the host: a fresh tmpfs of size_mb and `inodes` inodes under
// /run/runbox/work, owned by the sandbox uid, mode 0700. /run/runbox/work itself is made
// root:root 0700 (refusing a symlink) whoever created it, so no other host user reaches a box.
// It outlives single runs so a compile stage's output reaches the run stage. Destruction
// detaches the tmpfs and removes the empty mount point: nothing the sandbox wrote is ever walked
// or deleted by path on the host, so symlinks it planted lead nowhere.
class WorkDir {
 public:
  WorkDir(std::uint64_t size_mb, uid_t uid, gid_t gid, std::uint64_t inodes = Limits{}.box_inodes);
  ~WorkDir();
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` as the file `name` (a relative path: components joined by '/', none empty,
  // "." or ".."), creating its missing parent directories from the top down, all owned by the
  // sandbox uid. Never follows a symlink. Throws std::runtime_error naming the file when a
  // component exists as a non-directory, the file exists, or the box is full.
  void write_file(const std::string& name, std::string_view content) const;

  // Copies a directory tree into the box without following anything below `source` (which may
  // be a box a stage wrote): regular files, directories and symlinks (as symlinks, their text
  // verbatim), owned by the sandbox uid, modes kept without setuid/setgid; devices, fifos and
  // sockets are skipped. More bytes or entries than this box holds throws. See box_copy.hpp.
  void copy_from(const std::filesystem::path& source) const;

  // Removes work directories left by a crashed runbox process (and only those); returns the
  // directories removed.
  static std::vector<std::filesystem::path> sweep_stale();

 private:
  std::filesystem::path path_;
  uid_t uid_;
  gid_t gid_;
  std::uint64_t size_mb_;
  std::uint64_t inodes_;
};

}  // namespace runbox::sandbox
