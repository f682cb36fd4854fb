#include <sched.h>
#include <unistd.h>

#include "child/child_steps.hpp"

namespace runbox::sandbox::child {

// clone3 placed us in the run's cgroup2 cgroup; v1 hierarchies are entered by writing "0" (this
// thread, our only one) to each v1 "tasks" file the parent opened: no global lock, no RCU wait
// (cgroup_v1.cpp, procs_fds). Then a cgroup namespace, so the program sees
// its own cgroup as the root.
bool enter_cgroups(const ChildPlan& p, ChildFailure& f) {
  for (int i = 0; i < p.cgroup_procs_count; ++i)
    if (!check(::write(p.cgroup_procs_fds[i], "0", 1) == 1, Step::enter_cgroup, f)) return false;
  return check(::unshare(CLONE_NEWCGROUP) == 0, Step::cgroup_namespace, f);
}

}  // namespace runbox::sandbox::child
