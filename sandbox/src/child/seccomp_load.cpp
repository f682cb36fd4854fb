#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child/child_steps.hpp"

namespace runbox::sandbox::child {

// The filter was compiled in the parent; loading it is one system call (no_new_privs is set).
bool load_seccomp(const ChildPlan& p, ChildFailure& f) {
  return check(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, p.seccomp) == 0, Step::load_seccomp, f);
}

}  // namespace runbox::sandbox::child
