#pragma once
#include <sys/types.h>

#include <cstdint>
#include <filesystem>

namespace runbox::sandbox {

// A run's writable /box on the host: a fresh size-limited tmpfs under /run/runbox/work, owned by
// the sandbox uid. It outlives single runs so a compile stage's output reaches the run stage.
// Destruction detaches the tmpfs and removes the empty mount point: nothing the sandbox wrote
// is ever walked or deleted by path on the host, so symlinks it planted lead nowhere.
class WorkDir {
 public:
  WorkDir(std::uint64_t size_mb, uid_t uid, gid_t gid);
  ~WorkDir();
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Copies regular files, directories and symlinks from a trusted host directory into the box,
  // owned by the sandbox uid.
  void copy_from(const std::filesystem::path& source) const;

  // Removes work directories left by a crashed runbox process (and only those).
  static void sweep_stale();

 private:
  std::filesystem::path path_;
  uid_t uid_;
  gid_t gid_;
};

}  // namespace runbox::sandbox
