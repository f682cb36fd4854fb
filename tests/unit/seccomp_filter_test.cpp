// Compiled seccomp programs, loaded exactly as the sandbox child loads them
// (PR_SET_NO_NEW_PRIVS, then seccomp(SECCOMP_SET_MODE_FILTER)) in a forked child that tries one
// syscall and exits with the errno it got (0: the call worked).
#include <catch2/catch.hpp>

#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

#include "runbox/sandbox/seccomp.hpp"
#include "seccomp_files/seccomp_files.hpp"
#include "test_env.hpp"

using namespace runbox::sandbox;
using namespace runbox::seccomp_files;

namespace {

const SeccompProgram& default_program() {
  static const SeccompProgram p = SeccompProgram::compile(
      load_seccomp_policy(std::string(RUNBOX_SOURCE_DIR) + "/policies/seccomp/default.toml"));
  return p;
}

SeccompProgram compile_oci(const std::string& json) {
  return SeccompProgram::compile(parse_oci_seccomp_json(json, "inline.json"));
}

std::string exited(int code) {
  const char* name = code > 0 ? strerrorname_np(code) : nullptr;
  return "exit " + std::to_string(code) + (name ? std::string(" (") + name + ")" : "");
}
std::string killed(int sig) { return std::string("signal SIG") + sigabbrev_np(sig); }

// Forks; the child loads `program` (none: no filter) and exits with probe()'s result.
// Only async-signal-safe calls in the child. Not ASan-instrumented (the sanitizer tree): ASan
// precedes every call of a noreturn function such as _exit() with sigaltstack() and gettid(),
// which a filter allowing only a handful of syscalls refuses (ASan then fails the child).
template <class Probe>
__attribute__((no_sanitize("address"))) std::string run_child(const SeccompProgram* program, Probe probe) {
  sock_fprog prog{};
  if (program) {
    prog.len = static_cast<unsigned short>(program->instructions().size());
    prog.filter = const_cast<sock_filter*>(program->instructions().data());
  }
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);  // SIGSYS kills would otherwise dump core
    alarm(20);
    if (program) {
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(120);
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) _exit(121);
    }
    _exit(probe());
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) REQUIRE(errno == EINTR);
  if (WIFEXITED(status)) return exited(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return killed(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// The probes: each returns 0 when its syscall worked, else errno.
int result(long r) { return r < 0 ? errno : 0; }

// For fork-like calls: the new child exits at once and is reaped.
// Not ASan-instrumented either: its new child calls _exit() under the filter (see run_child).
__attribute__((no_sanitize("address"))) int forked(long r) {
  if (r == 0) _exit(0);
  if (r < 0) return errno;
  int status = 0;
  if (waitpid(static_cast<pid_t>(r), &status, 0) < 0) return 124;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 125;
}

// A path that does not exist: without the filter mount/umount fail with ENOENT, not EPERM, and
// never touch the host's mount table even if the filter let them through.
const char* const nowhere = "/nonexistent-runbox-seccomp-test";

int probe_getpid() { return result(syscall(SYS_getpid)); }
int probe_mount() { return result(mount("none", nowhere, "tmpfs", 0, nullptr)); }
int probe_umount() { return result(umount2(nowhere, 0)); }
int probe_unshare_ns() { return result(unshare(CLONE_NEWNS)); }
int probe_clone_newnet() { return forked(syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0)); }
int probe_clone_plain() { return forked(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)); }
int probe_clone3() {
  std::uint64_t args[11] = {};  // struct clone_args (v2): flags, pidfd, child_tid, parent_tid, exit_signal, ...
  args[4] = SIGCHLD;
  return forked(syscall(SYS_clone3, args, sizeof args));
}
int probe_fork() { return forked(fork()); }
int probe_thread() {  // glibc tries clone3 first and falls back to clone on ENOSYS
  pthread_t t;
  int rc = pthread_create(&t, nullptr, [](void*) -> void* { return nullptr; }, nullptr);
  if (rc != 0) return rc;
  return pthread_join(t, nullptr);
}
int probe_ptrace() { return result(ptrace(PTRACE_TRACEME, 0, nullptr, nullptr)); }
int probe_bpf() { return result(syscall(SYS_bpf, 0, nullptr, 0)); }
int probe_add_key() { return result(syscall(SYS_add_key, nullptr, nullptr, nullptr, 0, 0)); }
int probe_userfaultfd() {
  long fd = syscall(SYS_userfaultfd, 0);
  if (fd >= 0) close(static_cast<int>(fd));
  return result(fd);
}
int probe_socket(int family) {
  int fd = socket(family, SOCK_STREAM, 0);
  if (fd < 0 && errno == ESOCKTNOSUPPORT) fd = socket(family, SOCK_DGRAM, 0);
  if (fd >= 0) close(fd);
  return result(fd);
}
int probe_vsock() { return probe_socket(AF_VSOCK); }
int probe_inet() { return probe_socket(AF_INET); }
int probe_unix() { return probe_socket(AF_UNIX); }
int probe_socketpair_inet() {
  int sv[2];
  return result(socketpair(AF_INET, SOCK_STREAM, 0, sv));  // the kernel: EOPNOTSUPP
}
int probe_no_aslr() { return result(syscall(SYS_personality, 0x0040000UL)); }  // ADDR_NO_RANDOMIZE
int probe_persona_query() { return result(syscall(SYS_personality, 0xffffffffUL)); }
// Syscalls newer than libseccomp 2.5.4's table that this kernel has: mseal(0, 0, 0) succeeds
// unfiltered, open_tree_attr(0, NULL, ...) answers EFAULT.
int probe_mseal() { return result(syscall(462, 0, 0, 0)); }
int probe_open_tree_attr() { return result(syscall(467, 0, 0, 0, 0, 0)); }
// getpid through the i386 ABI (its number there is 20).
int probe_int80_getpid() {
  long ret = 20;
  asm volatile("int $0x80" : "+a"(ret) : : "memory", "r8", "r9", "r10", "r11");
  return ret > 0 ? 0 : static_cast<int>(-ret);
}
// getpid through the x32 ABI (x86-64 numbers with bit 30 set).
int probe_x32_getpid() { return result(syscall(0x40000000L | SYS_getpid)); }

// Runs a probe on a second thread: a filter that killed only that thread would let the
// process go on to exit 0; the whole process must die.
template <int (*Probe)()>
int on_thread() {
  pthread_t t;
  int rc = pthread_create(&t, nullptr, [](void*) -> void* { return reinterpret_cast<void*>(static_cast<long>(Probe())); }, nullptr);
  if (rc != 0) return rc;
  void* ret = nullptr;
  pthread_join(t, &ret);
  return static_cast<int>(reinterpret_cast<long>(ret));
}

}  // namespace

TEST_CASE("seccomp compile: the default policy becomes a BPF program checking the arch first",
          "[seccomp][compile]") {
  const auto& bpf = default_program().instructions();
  REQUIRE(!bpf.empty());
  CHECK(bpf.size() <= BPF_MAXINSNS);
  CHECK(bpf[0].code == (BPF_LD | BPF_W | BPF_ABS));
  CHECK(bpf[0].k == offsetof(seccomp_data, arch));
}

TEST_CASE("seccomp compile: OCI profile compiles, rules repeating the default are skipped",
          "[seccomp][compile]") {
  SeccompProgram p = compile_oci(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["mount"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]})");
  CHECK(!p.instructions().empty());
  const char* containers = "/usr/share/containers/seccomp.json";
  if (std::filesystem::exists(containers))
    CHECK(!SeccompProgram::compile(load_seccomp_policy(containers)).instructions().empty());
}

TEST_CASE("seccomp compile: errors name the policy, the rule and the syscall", "[seccomp][compile]") {
  SeccompPolicy p;
  p.origin = "hand.toml";
  p.rules.push_back({{"getpid"}, {SeccompAction::Kind::errno_ret, EPERM}, {}, "fine"});
  p.rules.push_back({{"mount", "mountt"}, {SeccompAction::Kind::errno_ret, EPERM}, {}, "typo"});
  CHECK_THROWS_WITH(SeccompProgram::compile(p),
                    Catch::Contains("hand.toml") && Catch::Contains("rule 1 (typo)") &&
                        Catch::Contains("\"mountt\""));
  p.rules.pop_back();
  p.rules.push_back({{"clone"}, {SeccompAction::Kind::errno_ret, EPERM},
                     {{0, SeccompArgCmp::Op::eq, 1, 0}, {0, SeccompArgCmp::Op::eq, 2, 0}}, "same arg twice"});
  CHECK_THROWS_WITH(SeccompProgram::compile(p), Catch::Contains("rule 1") && Catch::Contains("\"clone\""));
}

TEST_CASE("seccomp filter: without a filter the probes reach the kernel (so the tests below can fail)",
          "[seccomp][behaviour]") {
  runbox::test::require_root();
  CHECK(run_child(nullptr, probe_mount) == exited(ENOENT));
  CHECK(run_child(nullptr, probe_unshare_ns) == exited(0));
  CHECK(run_child(nullptr, probe_clone3) == exited(0));
  CHECK(run_child(nullptr, probe_clone_newnet) == exited(0));
  CHECK(run_child(nullptr, probe_ptrace) == exited(0));
  CHECK(run_child(nullptr, probe_bpf) != exited(EPERM));
}

TEST_CASE("seccomp filter: without a filter vsock, personality and the newest syscalls work",
          "[seccomp][behaviour]") {
  runbox::test::require_root();
  CHECK(run_child(nullptr, probe_no_aslr) == exited(0));
  CHECK(run_child(nullptr, probe_mseal) == exited(0));
  CHECK(run_child(nullptr, probe_open_tree_attr) != exited(ENOSYS));
  if (run_child(nullptr, probe_vsock) != exited(0)) runbox::test::skip("no vsock in this kernel");
}

TEST_CASE("seccomp filter: default policy refuses non-local address families with EAFNOSUPPORT",
          "[seccomp][behaviour]") {
  const SeccompProgram* p = &default_program();
  CHECK(run_child(p, probe_vsock) == exited(EAFNOSUPPORT));
  CHECK(run_child(p, probe_inet) == exited(0));
  CHECK(run_child(p, probe_unix) == exited(0));
  CHECK(run_child(p, probe_socketpair_inet) == exited(EOPNOTSUPP));  // allowed; the kernel says no
}

TEST_CASE("seccomp filter: default policy refuses personality(ADDR_NO_RANDOMIZE), allows the query",
          "[seccomp][behaviour]") {
  const SeccompProgram* p = &default_program();
  CHECK(run_child(p, probe_no_aslr) == exited(EPERM));
  CHECK(run_child(p, probe_persona_query) == exited(0));
}

TEST_CASE("seccomp filter: syscalls libseccomp does not know answer ENOSYS, also under OCI profiles",
          "[seccomp][behaviour]") {
  const SeccompProgram* p = &default_program();
  CHECK(run_child(p, probe_mseal) == exited(ENOSYS));
  CHECK(run_child(p, probe_open_tree_attr) == exited(ENOSYS));
  CHECK(run_child(p, probe_getpid) == exited(0));
  // A Docker-shaped allow list with an EPERM default: known and unlisted is EPERM, unknown ENOSYS.
  SeccompProgram oci = compile_oci(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [
      {"names": ["getpid", "exit", "exit_group"], "action": "SCMP_ACT_ALLOW"}]})");
  CHECK(run_child(&oci, probe_getpid) == exited(0));
  CHECK(run_child(&oci, probe_mount) == exited(EPERM));
  CHECK(run_child(&oci, probe_mseal) == exited(ENOSYS));
  // A default-allow OCI profile: the same.
  SeccompProgram allow = compile_oci(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []})");
  CHECK(run_child(&allow, probe_getpid) == exited(0));
  CHECK(run_child(&allow, probe_mseal) == exited(ENOSYS));
}

TEST_CASE("seccomp filter: default policy refuses mounts and namespaces with EPERM", "[seccomp][behaviour]") {
  const SeccompProgram* p = &default_program();
  CHECK(run_child(p, probe_mount) == exited(EPERM));
  CHECK(run_child(p, probe_umount) == exited(EPERM));
  CHECK(run_child(p, probe_unshare_ns) == exited(EPERM));
  CHECK(run_child(p, probe_clone_newnet) == exited(EPERM));
}

TEST_CASE("seccomp filter: default policy answers clone3 with ENOSYS, fork, clone and threads still work",
          "[seccomp][behaviour]") {
  const SeccompProgram* p = &default_program();
  CHECK(run_child(p, probe_clone3) == exited(ENOSYS));
  CHECK(run_child(p, probe_fork) == exited(0));
  CHECK(run_child(p, probe_clone_plain) == exited(0));
  CHECK(run_child(p, probe_thread) == exited(0));
  CHECK(run_child(p, probe_getpid) == exited(0));
}

TEST_CASE("seccomp filter: default policy refuses ptrace, bpf, keys and userfaultfd with EPERM",
          "[seccomp][behaviour]") {
  const SeccompProgram* p = &default_program();
  CHECK(run_child(p, probe_ptrace) == exited(EPERM));
  CHECK(run_child(p, probe_bpf) == exited(EPERM));
  CHECK(run_child(p, probe_add_key) == exited(EPERM));
  CHECK(run_child(p, probe_userfaultfd) == exited(EPERM));
}

TEST_CASE("seccomp filter: x86 compat ABIs kill the process instead of bypassing the rules",
          "[seccomp][behaviour]") {
  const SeccompProgram* p = &default_program();
  CHECK(run_child(p, on_thread<probe_x32_getpid>) == killed(SIGSYS));
  if (run_child(nullptr, on_thread<probe_int80_getpid>) != exited(0))
    runbox::test::skip("this kernel has no i386 emulation (int 0x80 does not work even unfiltered)");
  CHECK(run_child(p, on_thread<probe_int80_getpid>) == killed(SIGSYS));
}

TEST_CASE("seccomp filter: a Docker-style OCI profile: capability rules dropped, clone3 ENOSYS",
          "[seccomp][behaviour][oci]") {
  // The shape of moby's default.json: default EPERM, an allow list, and rules that depend on
  // capabilities runbox never grants.
  SeccompProgram p = compile_oci(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
    "syscalls": [
      {"names": ["getpid", "exit", "exit_group", "wait4", "rt_sigreturn"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
       "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
      {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
       "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["mount", "umount2", "unshare", "clone", "clone3"], "action": "SCMP_ACT_ALLOW",
       "includes": {"caps": ["CAP_SYS_ADMIN"]}}
    ]})");
  CHECK(run_child(&p, probe_getpid) == exited(0));
  CHECK(run_child(&p, probe_mount) == exited(EPERM));
  CHECK(run_child(&p, probe_unshare_ns) == exited(EPERM));
  CHECK(run_child(&p, probe_clone3) == exited(ENOSYS));
  CHECK(run_child(&p, probe_clone_plain) == exited(0));
  CHECK(run_child(&p, probe_clone_newnet) == exited(EPERM));
}

TEST_CASE("seccomp filter: the containers-common OCI profile, loaded in a child", "[seccomp][behaviour][oci]") {
  const char* path = "/usr/share/containers/seccomp.json";
  if (!std::filesystem::exists(path))
    runbox::test::skip(std::string(path) + " is absent (Debian package golang-github-containers-common)");
  SeccompProgram p = SeccompProgram::compile(load_seccomp_policy(path));
  CHECK(run_child(&p, probe_getpid) == exited(0));
  CHECK(run_child(&p, probe_fork) == exited(0));
  CHECK(run_child(&p, probe_bpf) == exited(EPERM));         // excludes CAP_SYS_ADMIN: kept
  CHECK(run_child(&p, probe_userfaultfd) == exited(EPERM));
  CHECK(run_child(&p, probe_add_key) == exited(ENOSYS));    // unlisted: defaultErrnoRet 38
  CHECK(run_child(&p, probe_x32_getpid) == killed(SIGSYS));
  // This profile allows mount, unshare and clone3 in the filter and relies on the dropped
  // CAP_SYS_ADMIN to refuse them, so they are not probed here.
}
