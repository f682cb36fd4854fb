#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child/child_steps.hpp"

namespace runbox::sandbox::child {

// Order matters: the bounding set can only be emptied while CAP_SETPCAP is held, so it goes
// first; then groups, gid, uid (leaving uid 0 clears permitted and effective); then libcap clears
// every remaining set including inheritable and ambient; no_new_privs last so no later execve
// (a setuid binary in the image, say) can gain anything back.
bool drop_privileges(const ChildPlan& p, ChildFailure& f) {
  for (int cap = 0; cap <= p.cap_last; ++cap)
    if (!check(cap_drop_bound(static_cast<cap_value_t>(cap)) == 0, Step::drop_bounding_set, f)) return false;
  // Raw syscalls, not glibc's setgroups/setresgid/setresuid: in a multithreaded parent those
  // broadcast the change to every thread (__nptl_setxid) and wait for them, and this clone3
  // child inherited the parent's thread list without the threads; a thread that was being
  // created or exiting at clone time is waited for forever (a probe or run that hangs before
  // exec until its wall limit). This process is one thread: the raw call is all it needs.
  if (!check(::syscall(SYS_setgroups, 0, nullptr) == 0, Step::set_groups, f)) return false;
  if (!check(::syscall(SYS_setresgid, p.gid, p.gid, p.gid) == 0, Step::set_gid, f)) return false;
  if (!check(::syscall(SYS_setresuid, p.uid, p.uid, p.uid) == 0, Step::set_uid, f)) return false;
  if (!check(cap_set_proc(p.empty_caps) == 0, Step::clear_capabilities, f)) return false;
  if (!check(cap_reset_ambient() == 0, Step::clear_ambient, f)) return false;
  return check(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, Step::no_new_privs, f);
}

}  // namespace runbox::sandbox::child
