#pragma once
// The child's setup steps, one file per mechanism. Each returns true, or false with the failing
// step and errno in `f`. Async-signal-safe only: system calls, no allocation.
#include <cerrno>

#include "child/child_plan.hpp"

namespace runbox::sandbox::child {

inline bool check(bool ok, Step step, ChildFailure& f) {
  if (!ok) f = ChildFailure{step, errno};
  return ok;
}

void close_inherited_fds(const ChildPlan& p);                    // inherited_fds.cpp
bool enter_cgroups(const ChildPlan& p, ChildFailure& f);         // cgroup_enter.cpp
bool build_filesystem(const ChildPlan& p, ChildFailure& f);      // filesystem.cpp
bool set_identity_and_network(const ChildPlan& p, ChildFailure& f);  // uts_net.cpp
bool bring_loopback_up();                                            // uts_net.cpp
bool apply_rlimits(const ChildPlan& p, ChildFailure& f);         // rlimits.cpp
bool drop_privileges(const ChildPlan& p, ChildFailure& f);       // credentials.cpp
bool install_stdio(const ChildPlan& p, ChildFailure& f);         // stdio_fds.cpp
bool load_seccomp(const ChildPlan& p, ChildFailure& f);          // seccomp_load.cpp
void exec_program(const ChildPlan& p, ChildFailure& f);          // exec_program.cpp; returns only on failure

}  // namespace runbox::sandbox::child
