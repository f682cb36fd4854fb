#pragma once
#include <sys/types.h>

#include "prepared_child.hpp"
#include "runbox/sandbox/unique_fd.hpp"

namespace runbox::sandbox {

// The parent's ends of a started run.
struct SpawnedChild {
  UniqueFd pidfd;     // the run's init; readable when it (and so every process of the run) is gone
  UniqueFd stdin_w;   // non-blocking
  UniqueFd stdout_r;  // non-blocking
  UniqueFd stderr_r;  // non-blocking
  UniqueFd error_r;   // ChildFailure records from setup; EOF once the program exec'd
  UniqueFd status_r;  // the program's wait status, written by init
};

// clone3 into new mount, pid, ipc, uts and net namespaces (and straight into the run's cgroup2
// cgroup when clone_into_fd >= 0). Throws std::system_error when the kernel refuses.
SpawnedChild spawn_child(PreparedChild& prepared, int clone_into_fd);

}  // namespace runbox::sandbox
