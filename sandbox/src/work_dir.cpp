#include "runbox/sandbox/work_dir.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include "cgroup/cgroup_paths.hpp"
#include "cgroup/run_name.hpp"
#include "sys_error.hpp"

namespace runbox::sandbox {
namespace {

const char* const kWorkRoot = "/run/runbox/work";

void detach_and_remove(const std::filesystem::path& p) {
  ::umount2(p.c_str(), MNT_DETACH);
  ::rmdir(p.c_str());
}

}  // namespace

WorkDir::WorkDir(std::uint64_t size_mb, uid_t uid, gid_t gid) : uid_(uid), gid_(gid) {
  make_cgroup_dirs(kWorkRoot);
  path_ = std::filesystem::path(kWorkRoot) / next_run_name();
  if (::mkdir(path_.c_str(), 0700) != 0) throw_errno("mkdir " + path_.string());
  std::string opts = "size=" + std::to_string(size_mb * 1024 * 1024) + ",mode=0755,uid=" + std::to_string(uid) +
                     ",gid=" + std::to_string(gid);
  if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) != 0) {
    int err = errno;
    ::rmdir(path_.c_str());
    throw_errno("mount tmpfs on " + path_.string(), err);
  }
}

WorkDir::~WorkDir() { detach_and_remove(path_); }

void WorkDir::copy_from(const std::filesystem::path& source) const {
  namespace fs = std::filesystem;
  if (!fs::is_directory(source)) throw std::runtime_error("box source " + source.string() + " is not a directory");
  for (auto it = fs::recursive_directory_iterator(source); it != fs::recursive_directory_iterator(); ++it) {
    fs::path target = path_ / fs::relative(it->path(), source);
    auto st = it->symlink_status();
    if (fs::is_symlink(st)) fs::copy_symlink(it->path(), target);
    else if (fs::is_directory(st)) fs::create_directory(target, it->path());
    else if (fs::is_regular_file(st)) fs::copy_file(it->path(), target);
    else continue;  // devices, fifos, sockets have no place in a box
    if (::lchown(target.c_str(), uid_, gid_) != 0) throw_errno("chown " + target.string());
  }
}

void WorkDir::sweep_stale() {
  for (const auto& name : subdirectories(kWorkRoot))
    if (is_run_name(name) && run_name_is_stale(name)) detach_and_remove(std::filesystem::path(kWorkRoot) / name);
}

}  // namespace runbox::sandbox
