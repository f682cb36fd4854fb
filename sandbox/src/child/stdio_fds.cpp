#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child/child_steps.hpp"

namespace runbox::sandbox::child {

// The program gets exactly fds 0, 1, 2 (the parent's pipes); the error pipe moves to fd 3 and
// closes itself on exec. Signal state is reset: ignored signals (the parent ignores SIGPIPE)
// and the parent thread's mask would otherwise survive execve.
bool install_stdio(const ChildPlan& p, ChildFailure& f) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // EINVAL for KILL/STOP: fine
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::umask(022);
  if (!check(::dup2(p.stdin_fd, 0) == 0 && ::dup2(p.stdout_fd, 1) == 1 && ::dup2(p.stderr_fd, 2) == 2,
             Step::setup_stdio, f))
    return false;
  if (p.error_fd != 3 && !check(::dup3(p.error_fd, 3, O_CLOEXEC) == 3, Step::setup_stdio, f)) return false;
  if (!check(::syscall(SYS_close_range, 4U, ~0U, 0U) == 0, Step::close_fds, f)) return false;
  return check(::chdir(p.cwd) == 0, Step::change_dir, f);
}

}  // namespace runbox::sandbox::child
