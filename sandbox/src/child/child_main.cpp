// The child side of a run, in one fixed order (nsjail's contain.cc, bubblewrap's main):
// cgroups → mounts → pivot_root → hostname/network → rlimits → ids and capabilities →
// fork the program → its stdio and fds → seccomp → execve.
// This process stays as pid 1 of the run's pid namespace: it reaps orphans and reports the
// program's wait status. When it exits the kernel kills everything left in the namespace, so
// the program's background and daemonized children never outlive the run. Keeping the program
// out of pid 1 also keeps normal signal semantics (abort() really raises SIGABRT).
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "child/child_steps.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define RUNBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RUNBOX_ASAN 1
#endif
#endif
#ifndef RUNBOX_ASAN
#define RUNBOX_ASAN 0
#endif

namespace runbox::sandbox {
namespace {

[[noreturn]] void report_and_exit(int error_fd, const ChildFailure& f) {
  ssize_t ignored = ::write(error_fd, &f, sizeof f);
  (void)ignored;
  ::_exit(125);
}

[[noreturn]] void run_program(const ChildPlan& p) {
  ChildFailure f{};
  if (child::install_stdio(p, f) && child::load_seccomp(p, f)) child::exec_program(p, f);
  // install_stdio moves the error pipe to fd 3; if it failed before that, the original is open.
  report_and_exit(f.step == Step::setup_stdio ? p.error_fd : 3, f);
}

// The program's stack until its execve. Static: every run's init is its own copy-on-write copy of
// the parent, so concurrent runs never share it, and nothing is allocated after clone3.
#if !RUNBOX_ASAN
alignas(64) char program_stack[128 * 1024];

int program_entry(void* plan) { run_program(*static_cast<const ChildPlan*>(plan)); }
#endif

// kRelaySignal from the supervisor: deliver its value to every process of the namespace but this
// one. The program could queue one too; it gains nothing by it, since it runs as the same uid and
// may kill(-1, sig) itself.
void relay(int, siginfo_t* info, void*) {
  if (info->si_code != SI_QUEUE) return;
  const int sig = info->si_value.sival_int;
  if (sig > 0 && sig < NSIG) ::kill(-1, sig);
}

[[noreturn]] void reap_until_program_exits(const ChildPlan& p, pid_t program) {
  // Not dumpable: the program runs as the same uid and must not ptrace or poke this process.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct sigaction sa{};
  sa.sa_sigaction = relay;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  ::sigaction(kRelaySignal, &sa, nullptr);
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0 && errno == EINTR) continue;
    if (pid == program || pid < 0) {
      if (pid == program) {
        ssize_t ignored = ::write(p.status_fd, &status, sizeof status);
        (void)ignored;
      }
      ::_exit(0);
    }
  }
}

}  // namespace

void child_main(const ChildPlan& p) {
  // If the supervising thread dies, so does the run (the whole pid namespace with us).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  child::close_inherited_fds(p);  // the daemon's other descriptors, before anything else
  ChildFailure f{};
  bool ok = child::enter_cgroups(p, f) && child::build_filesystem(p, f) &&
            child::set_identity_and_network(p, f) && child::apply_rlimits(p, f) &&
            child::drop_privileges(p, f);
  if (!ok) report_and_exit(p.error_fd, f);

  // The program shares this process's memory until its execve (CLONE_VM | CLONE_VFORK, as
  // posix_spawn does), so the kernel copies no page tables: this process is a copy of the whole
  // daemon, and a fork copied them a second time per run. We wait (VFORK) until it has exec'd or
  // exited; it runs on its own stack and touches nothing else of ours but errno. glibc's clone()
  // runs no atfork handlers.
#if RUNBOX_ASAN
  // ASan cannot follow a switch to a stack it did not allocate: its no-return hook warns, and the
  // warning's log file (log_path) cannot be opened inside the sandbox, which is fatal. Sanitized
  // builds fork as before (a raw fork: glibc's fork() runs atfork handlers).
  long pid = ::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid == 0) run_program(p);
#else
  long pid = ::clone(program_entry, program_stack + sizeof program_stack, CLONE_VM | CLONE_VFORK | SIGCHLD,
                     const_cast<ChildPlan*>(&p));
#endif
  if (pid < 0) {
    f = ChildFailure{Step::fork_program, errno};
    report_and_exit(p.error_fd, f);
  }
  // Only the program keeps the pipes (their EOF then means the program's side is gone); this
  // process keeps nothing but the status pipe.
  ::syscall(SYS_close_range, 0U, static_cast<unsigned>(p.status_fd) - 1, 0U);
  ::syscall(SYS_close_range, static_cast<unsigned>(p.status_fd) + 1, ~0U, 0U);
  reap_until_program_exits(p, static_cast<pid_t>(pid));
}

const char* step_name(Step s) {
  switch (s) {
    case Step::enter_cgroup: return "enter the run's cgroups";
    case Step::cgroup_namespace: return "create the cgroup namespace";
    case Step::make_mounts_private: return "make mounts private";
    case Step::bind_rootfs: return "bind-mount the image rootfs";
    case Step::remount_rootfs_readonly: return "remount the rootfs read-only";
    case Step::mount_box: return "mount /box";
    case Step::mount_tmp: return "mount /tmp";
    case Step::mount_proc: return "mount /proc";
    case Step::mount_dev: return "mount /dev";
    case Step::make_dev_nodes: return "create /dev nodes";
    case Step::mount_dev_shm: return "mount /dev/shm";
    case Step::remount_dev_readonly: return "remount /dev read-only";
    case Step::pivot_root: return "pivot_root into the rootfs";
    case Step::detach_old_root: return "detach the old root";
    case Step::set_hostname: return "set the hostname";
    case Step::enter_network_namespace: return "enter the network namespace";
    case Step::bring_up_loopback: return "bring up loopback";
    case Step::set_rlimits: return "set rlimits";
    case Step::drop_bounding_set: return "drop the capability bounding set";
    case Step::set_groups: return "clear supplementary groups";
    case Step::set_gid: return "set gid";
    case Step::set_uid: return "set uid";
    case Step::clear_capabilities: return "clear capabilities";
    case Step::clear_ambient: return "clear ambient capabilities";
    case Step::no_new_privs: return "set no_new_privs";
    case Step::fork_program: return "fork the program";
    case Step::setup_stdio: return "set up stdin/stdout/stderr";
    case Step::close_fds: return "close inherited fds";
    case Step::change_dir: return "change to the working directory";
    case Step::load_seccomp: return "load the seccomp filter";
    case Step::exec: return "execute the program";
  }
  return "unknown step";
}

const char* step_id(Step s) {
  switch (s) {
    case Step::enter_cgroup: return "enter_cgroup";
    case Step::cgroup_namespace: return "cgroup_namespace";
    case Step::make_mounts_private: return "make_mounts_private";
    case Step::bind_rootfs: return "bind_rootfs";
    case Step::remount_rootfs_readonly: return "remount_rootfs_readonly";
    case Step::mount_box: return "mount_box";
    case Step::mount_tmp: return "mount_tmp";
    case Step::mount_proc: return "mount_proc";
    case Step::mount_dev: return "mount_dev";
    case Step::make_dev_nodes: return "make_dev_nodes";
    case Step::mount_dev_shm: return "mount_dev_shm";
    case Step::remount_dev_readonly: return "remount_dev_readonly";
    case Step::pivot_root: return "pivot_root";
    case Step::detach_old_root: return "detach_old_root";
    case Step::set_hostname: return "set_hostname";
    case Step::enter_network_namespace: return "enter_network_namespace";
    case Step::bring_up_loopback: return "bring_up_loopback";
    case Step::set_rlimits: return "set_rlimits";
    case Step::drop_bounding_set: return "drop_bounding_set";
    case Step::set_groups: return "set_groups";
    case Step::set_gid: return "set_gid";
    case Step::set_uid: return "set_uid";
    case Step::clear_capabilities: return "clear_capabilities";
    case Step::clear_ambient: return "clear_ambient";
    case Step::no_new_privs: return "no_new_privs";
    case Step::fork_program: return "fork_program";
    case Step::setup_stdio: return "setup_stdio";
    case Step::close_fds: return "close_fds";
    case Step::change_dir: return "change_dir";
    case Step::load_seccomp: return "load_seccomp";
    case Step::exec: return "exec";
  }
  return "unknown";
}

}  // namespace runbox::sandbox
