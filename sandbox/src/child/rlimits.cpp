#include <sys/resource.h>

#include "child/child_steps.hpp"

namespace runbox::sandbox::child {

// Set while still privileged (raising a hard limit needs CAP_SYS_RESOURCE); soft = hard so the
// program cannot raise them back.
bool apply_rlimits(const ChildPlan& p, ChildFailure& f) {
  for (int i = 0; i < p.rlimit_count; ++i) {
    struct rlimit rl {p.rlimits[i].value, p.rlimits[i].value};
    if (p.rlimits[i].resource == RLIMIT_CPU) rl.rlim_max = rl.rlim_cur + 1;  // SIGXCPU, then SIGKILL
    if (!check(::setrlimit(p.rlimits[i].resource, &rl) == 0, Step::set_rlimits, f)) return false;
  }
  return true;
}

}  // namespace runbox::sandbox::child
