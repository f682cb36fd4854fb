#pragma once
// Everything the forked child needs, prepared by the parent beforehand: after clone3 the child
// of a multi-threaded process may only make async-signal-safe calls, so it never allocates,
// formats or throws — it reads this plan and makes system calls.
#include <linux/filter.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <csignal>
#include <cstdint>

namespace runbox::sandbox {

// The signal the supervisor sends the run's init to have it deliver another one (its
// sigqueue value) to every other process of the run. pid 1 of a namespace only gets signals it
// handles, and SIGKILL cannot be handled: init relays instead.
inline const int kRelaySignal = SIGRTMIN + 1;

// The setup steps in the order the child performs them; a failure names its step.
enum class Step : std::int32_t {
  enter_cgroup, cgroup_namespace, make_mounts_private, bind_rootfs, remount_rootfs_readonly,
  mount_box, mount_tmp, mount_proc, mount_dev, make_dev_nodes, mount_dev_shm, remount_dev_readonly,
  pivot_root, detach_old_root, set_hostname, enter_network_namespace, bring_up_loopback, set_rlimits, drop_bounding_set,
  set_groups, set_gid, set_uid, clear_capabilities, clear_ambient, no_new_privs, fork_program,
  setup_stdio, close_fds, change_dir, load_seccomp, exec,
};
const char* step_name(Step s);  // for people: "mount /proc"
const char* step_id(Step s);    // for metric labels and code: "mount_proc"

struct ChildFailure {
  Step step;
  std::int32_t err;
};

struct RlimitSetting {
  int resource;
  rlim_t value;
};

struct DevNode {
  const char* path;  // absolute host path under the rootfs, before pivot_root
  dev_t dev;
};

struct ChildPlan {
  // Filesystem (host paths, resolved before pivot_root).
  const char* rootfs;
  const char* box_source;  // host directory bind-mounted at /box, or nullptr for a fresh tmpfs
  const char* box_target;
  const char* box_tmpfs_options;
  const char* tmp_target;
  const char* tmp_options;
  const char* proc_target;
  const char* dev_target;
  const char* dev_options;
  const DevNode* dev_nodes;
  int dev_node_count;
  const char* const* dev_links;  // pairs: link path, target; nullptr-terminated
  const char* dev_shm_target;
  const char* dev_shm_options;
  // Identity and limits.
  const char* hostname;
  std::size_t hostname_len;
  const RlimitSetting* rlimits;
  int rlimit_count;
  uid_t uid;
  gid_t gid;
  int cap_last;         // highest capability number the kernel knows
  cap_t empty_caps;     // prepared with cap_init(): all sets clear
  const sock_fprog* seccomp;
  // Program.
  const char* cwd;
  char* const* argv;
  char* const* envp;
  const char* const* exec_candidates;  // argv[0] resolved against PATH, in order; nullptr-terminated
  // Plumbing (all >= 3 and close-on-exec in the parent).
  int stdin_fd, stdout_fd, stderr_fd;
  int error_fd;   // ChildFailure records; EOF without one means exec happened
  int status_fd;  // the init process writes the program's wait status here
  const int* cgroup_procs_fds;
  int cgroup_procs_count;
  // A fresh network namespace made ahead of time (loopback up), entered with setns; -1: clone3
  // made one (CLONE_NEWNET) and the child brings its loopback up.
  int netns_fd;
};

// Runs in the clone3 child (pid 1 of the new pid namespace). Never returns.
[[noreturn]] void child_main(const ChildPlan& plan);

}  // namespace runbox::sandbox
