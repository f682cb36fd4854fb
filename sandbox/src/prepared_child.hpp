#pragma once
// Builds the ChildPlan in the parent: every string, array and the capability state the child
// will need, owned here so the child only reads memory it inherited.
#include <deque>
#include <filesystem>
#include <string>
#include <vector>

#include "child/child_plan.hpp"
#include "runbox/sandbox/spec.hpp"

namespace runbox::sandbox {

class PreparedChild {
 public:
  // Throws std::runtime_error for a spec that cannot run (bad rootfs, empty argv, ...).
  PreparedChild(const Spec& spec, const sock_fprog* seccomp, std::vector<int> cgroup_procs_fds);
  ~PreparedChild();
  PreparedChild(const PreparedChild&) = delete;
  PreparedChild& operator=(const PreparedChild&) = delete;

  // The plumbing fds are known only after the pipes exist.
  ChildPlan& plan() { return plan_; }

 private:
  const char* keep(std::string s);  // stable c_str for the plan

  std::deque<std::string> strings_;  // deque: growth never moves existing strings
  std::vector<char*> argv_, envp_;
  std::vector<const char*> candidates_, dev_links_;
  std::vector<DevNode> dev_nodes_;
  std::vector<RlimitSetting> rlimits_;
  std::vector<int> cgroup_procs_;
  ChildPlan plan_{};
};

// Mount options of a sandbox tmpfs: size (MB) and nr_inodes, both bounded (0 throws: tmpfs
// would read it as unlimited), mode and owner. `what` names the mount in the error.
std::string tmpfs_options(const char* what, std::uint64_t size_mb, std::uint64_t inodes, const char* mode, uid_t uid,
                          gid_t gid);

// The candidates that can exist in the sandbox built from `rootfs`: those surely absent from the
// image (looked up inside it) are dropped; names under /box, /tmp, /dev, /proc, relative names and
// any doubt are kept; never empty (the last is kept when all are absent).
std::vector<std::string> present_in_image(const std::filesystem::path& rootfs, std::vector<std::string> candidates);

// argv[0] resolved against the PATH in env: the full paths execve should try, in order.
std::vector<std::string> exec_candidates(const std::string& program, const std::vector<std::string>& env);

}  // namespace runbox::sandbox
