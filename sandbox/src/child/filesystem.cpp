// The sandbox's filesystem: the image rootfs read-only, nosuid, nodev; writable size-limited
// tmpfs at /box and /tmp; a fresh /proc for the new pid namespace; a minimal read-only /dev.
// Then pivot_root into it and detach the old root, so nothing of the host stays reachable.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child/child_steps.hpp"

namespace runbox::sandbox::child {
namespace {

bool mount_dev(const ChildPlan& p, ChildFailure& f) {
  if (!check(::mount("tmpfs", p.dev_target, "tmpfs", MS_NOSUID | MS_NOEXEC, p.dev_options) == 0,
             Step::mount_dev, f))
    return false;
  for (int i = 0; i < p.dev_node_count; ++i)
    if (!check(::mknod(p.dev_nodes[i].path, S_IFCHR | 0666, p.dev_nodes[i].dev) == 0, Step::make_dev_nodes, f))
      return false;
  for (const char* const* l = p.dev_links; *l; l += 2)
    if (!check(::symlink(l[1], l[0]) == 0, Step::make_dev_nodes, f)) return false;
  if (!check(::mkdir(p.dev_shm_target, 01777) == 0, Step::mount_dev_shm, f)) return false;
  if (!check(::mount("tmpfs", p.dev_shm_target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, p.dev_shm_options) == 0,
             Step::mount_dev_shm, f))
    return false;
  // The nodes exist now; a read-only /dev keeps the program from adding anything there.
  return check(::mount(nullptr, p.dev_target, nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
                       p.dev_options) == 0,
               Step::remount_dev_readonly, f);
}

}  // namespace

bool build_filesystem(const ChildPlan& p, ChildFailure& f) {
  ::umask(0);  // modes below are exact; the program gets 022 back before exec
  // Nothing we mount may propagate back to the host's mount namespace.
  if (!check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0, Step::make_mounts_private, f))
    return false;
  if (!check(::mount(p.rootfs, p.rootfs, nullptr, MS_BIND, nullptr) == 0, Step::bind_rootfs, f)) return false;
  if (!check(::mount(nullptr, p.rootfs, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) == 0,
             Step::remount_rootfs_readonly, f))
    return false;
  if (p.box_source) {
    if (!check(::mount(p.box_source, p.box_target, nullptr, MS_BIND, nullptr) == 0, Step::mount_box, f) ||
        !check(::mount(nullptr, p.box_target, nullptr, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, nullptr) == 0,
               Step::mount_box, f))
      return false;
  } else if (!check(::mount("tmpfs", p.box_target, "tmpfs", MS_NOSUID | MS_NODEV, p.box_tmpfs_options) == 0,
                    Step::mount_box, f)) {
    return false;
  }
  if (!check(::mount("tmpfs", p.tmp_target, "tmpfs", MS_NOSUID | MS_NODEV, p.tmp_options) == 0, Step::mount_tmp, f))
    return false;
  if (!check(::mount("proc", p.proc_target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0,
             Step::mount_proc, f))
    return false;
  if (!mount_dev(p, f)) return false;
  // pivot_root(".", ".") stacks the old root under the new one; detaching it drops every host mount.
  if (!check(::chdir(p.rootfs) == 0, Step::pivot_root, f)) return false;
  if (!check(::syscall(SYS_pivot_root, ".", ".") == 0, Step::pivot_root, f)) return false;
  if (!check(::umount2(".", MNT_DETACH) == 0, Step::detach_old_root, f)) return false;
  return check(::chdir("/") == 0, Step::detach_old_root, f);
}

}  // namespace runbox::sandbox::child
