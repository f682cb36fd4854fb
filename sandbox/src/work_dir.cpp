#include "runbox/sandbox/work_dir.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include "box_copy.hpp"
#include "cleanup_queue.hpp"
#include "cgroup/cgroup_paths.hpp"
#include "cgroup/run_name.hpp"
#include "prepared_child.hpp"
#include "private_dir.hpp"
#include "sys_error.hpp"

namespace runbox::sandbox {
namespace {

const char* const kWorkRoot = "/run/runbox/work";

// /run/runbox and /run/runbox/work are runbox's; work becomes root:root 0700. A run directory
// needs no more: the sandbox reaches it through a bind mount at /box (the docker engine, as
// root, through its own), never by this host path, so the run uid needs no access to its parents.
UniqueFd open_work_root() { return open_private_dir(kWorkRoot, 2, 0700); }

void detach_and_remove(const std::filesystem::path& p) {
  // UMOUNT_NOFOLLOW: a symlink planted under that name (before the root was made private) must
  // not make us detach whatever it points to.
  ::umount2(p.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
  ::rmdir(p.c_str());
}

UniqueFd open_box_root(const std::filesystem::path& p) {
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open " + p.string());
  return fd;
}

}  // namespace

WorkDir::WorkDir(std::uint64_t size_mb, uid_t uid, gid_t gid, std::uint64_t inodes)
    : uid_(uid), gid_(gid), size_mb_(size_mb), inodes_(inodes) {
  const std::string opts = tmpfs_options("/box", size_mb, inodes, "0700", uid, gid);
  UniqueFd root = open_work_root();
  const std::string name = next_run_name();
  path_ = std::filesystem::path(kWorkRoot) / name;
  if (::mkdirat(root.get(), name.c_str(), 0700) != 0) throw_errno("mkdir " + path_.string());
  if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) != 0) {
    int err = errno;
    ::unlinkat(root.get(), name.c_str(), AT_REMOVEDIR);
    throw_errno("mount tmpfs on " + path_.string(), err);
  }
}

WorkDir::~WorkDir() {
  clean_up([path = path_] { detach_and_remove(path); });  // no sandbox holds it any more (cleanup.hpp)
}

void WorkDir::copy_from(const std::filesystem::path& source) const {
  // The source's own name is the caller's (a WorkDir, or `runbox exec --box DIR`): followed.
  // Nothing below it is.
  UniqueFd from(::open(source.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!from) {
    if (errno == ENOTDIR) throw std::runtime_error("box source " + source.string() + " is not a directory");
    throw_errno("open box source " + source.string());
  }
  UniqueFd to = open_box_root(path_);
  copy_box_tree(from.get(), to.get(), BoxCopyOwner{uid_, gid_}, BoxCopyBounds{mib(size_mb_), inodes_});
}

std::vector<std::filesystem::path> WorkDir::sweep_stale() {
  open_work_root();  // private before anything in it is trusted
  std::vector<std::filesystem::path> removed;
  for (const auto& name : subdirectories(kWorkRoot)) {
    if (!is_run_name(name) || !run_name_is_stale(name)) continue;
    const auto dir = std::filesystem::path(kWorkRoot) / name;
    detach_and_remove(dir);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) removed.push_back(dir);
  }
  return removed;
}

}  // namespace runbox::sandbox
