// The clone3 child starts with a copy of every descriptor the daemon had open at that instant,
// on all its threads: a file another slot is writing (a judge copy of a compiled binary), a
// client socket, another run's pipes. Close-on-exec does not help, since the sandbox's init
// never execs. Such a descriptor held while another run execs that binary made its execve fail
// with ETXTBSY (1 judge test in ~5000 with 2 slots, bench/soak); it also kept other runs' pipes
// open. So the child closes everything but its own plumbing before any other step.
#include <sys/syscall.h>
#include <unistd.h>

#include "child/child_steps.hpp"

namespace runbox::sandbox::child {

void close_inherited_fds(const ChildPlan& p) {
  // The descriptors to keep, sorted (insertion sort: no allocation after clone3).
  constexpr int kMax = 32;
  int keep[kMax];
  int n = 0;
  auto add = [&](int fd) {
    if (fd < 0 || n == kMax) return;
    int i = n++;
    while (i > 0 && keep[i - 1] > fd) {
      keep[i] = keep[i - 1];
      --i;
    }
    keep[i] = fd;
  };
  add(p.stdin_fd);
  add(p.stdout_fd);
  add(p.stderr_fd);
  add(p.error_fd);
  add(p.status_fd);
  for (int i = 0; i < p.cgroup_procs_count; ++i) add(p.cgroup_procs_fds[i]);
  add(p.netns_fd);
  // 0, 1 and 2 stay: install_stdio replaces them in the program.
  unsigned from = 3;
  for (int i = 0; i < n; ++i) {
    const unsigned fd = static_cast<unsigned>(keep[i]);
    if (fd < from) continue;  // below 3, or a duplicate
    if (fd > from) ::syscall(SYS_close_range, from, fd - 1, 0U);
    from = fd + 1;
  }
  ::syscall(SYS_close_range, from, ~0U, 0U);
}

}  // namespace runbox::sandbox::child
