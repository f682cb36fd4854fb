#include "spawn.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "sys_error.hpp"

namespace runbox::sandbox {
namespace {

struct Pipe {
  UniqueFd read, write;
};

// Pipe ends are kept >= 3 so the child's dup2 onto 0/1/2 never clobbers one of them.
UniqueFd above_stdio(int fd) {
  if (fd >= 3) return UniqueFd(fd);
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int err = errno;
  ::close(fd);
  if (moved < 0) throw_errno("fcntl F_DUPFD_CLOEXEC", err);
  return UniqueFd(moved);
}

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  Pipe p;
  p.read = above_stdio(fds[0]);
  p.write = above_stdio(fds[1]);
  return p;
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) throw_errno("fcntl O_NONBLOCK");
}

}  // namespace

SpawnedChild spawn_child(PreparedChild& prepared, int clone_into_fd) {
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe(), error = make_pipe(), status = make_pipe();
  ChildPlan& plan = prepared.plan();
  plan.stdin_fd = in.read.get();
  plan.stdout_fd = out.write.get();
  plan.stderr_fd = err.write.get();
  plan.error_fd = error.write.get();
  plan.status_fd = status.write.get();

  int pidfd = -1;
  struct clone_args args {};
  args.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD;
  if (plan.netns_fd < 0) args.flags |= CLONE_NEWNET;  // else the child enters the pool's fresh one
  args.pidfd = reinterpret_cast<std::uintptr_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  if (clone_into_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<std::uint64_t>(clone_into_fd);
  }
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) child_main(plan);  // never returns
  if (pid < 0) throw_errno("clone3");

  SpawnedChild s;
  s.pidfd.reset(pidfd);
  s.stdin_w = std::move(in.write);
  s.stdout_r = std::move(out.read);
  s.stderr_r = std::move(err.read);
  s.error_r = std::move(error.read);
  s.status_r = std::move(status.read);
  for (int fd : {s.stdin_w.get(), s.stdout_r.get(), s.stderr_r.get(), s.error_r.get()}) set_nonblocking(fd);
  return s;  // the child's ends close here, with the Pipe objects
}

}  // namespace runbox::sandbox
