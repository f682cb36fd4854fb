#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runbox/sandbox/limits.hpp"

namespace runbox::sandbox {

// The cgroup of one run: created with its limits, entered by the child, read, killed, removed.
// The destructor kills whatever is left and removes the cgroup (every path, including errors).
class RunCgroup {
 public:
  virtual ~RunCgroup() = default;
  // A cgroup2 directory fd for clone3's CLONE_INTO_CGROUP, or -1 when there is none.
  virtual int clone_into_fd() const = 0;
  // v1 "tasks" fds the child writes "0" to, to enter the hierarchies clone3 did not.
  virtual std::vector<int> procs_fds() const = 0;
  virtual std::uint64_t cpu_usage_ns() = 0;
  virtual std::uint64_t memory_peak_bytes() = 0;
  virtual std::uint64_t oom_kills() = 0;
  virtual void kill_all() = 0;
};

// One per process, chosen by probing the host at first use: cgroup v2, or v1/hybrid.
class CgroupDriver {
 public:
  virtual ~CgroupDriver() = default;
  virtual std::string layout() const = 0;  // "v2", "hybrid" or "v1"
  // Throws std::runtime_error naming what is missing when a limit cannot be enforced here.
  virtual std::unique_ptr<RunCgroup> create(const std::string& name, const Limits& limits) = 0;
  // Removes run cgroups whose creating process is gone (a crash), and nothing else; returns
  // the directories removed.
  virtual std::vector<std::string> sweep_stale() = 0;
  // The directories run cgroups are made in (one per hierarchy on v1/hybrid).
  virtual std::vector<std::string> run_parents() const = 0;
};

// Probes once (thread-safe); throws std::runtime_error if no usable cgroup layout exists.
CgroupDriver& cgroup_driver();

std::unique_ptr<CgroupDriver> make_cgroup_v2_backend(const std::string& cgroup2_mount);
std::unique_ptr<CgroupDriver> make_cgroup_v1_backend(const std::string& unified_mount_or_empty);

}  // namespace runbox::sandbox
