// SeccompPolicy -> classic BPF, through libseccomp. Done in the parent: the child then loads the
// finished program with one seccomp() call, the last thing before execve.
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "runbox/sandbox/seccomp.hpp"
#include "runbox/sandbox/seccomp_names.hpp"

namespace runbox::sandbox {
namespace {

using seccomp_detail::describe;
using seccomp_detail::same_action;
using seccomp_detail::x86_64_syscall_number;

struct CtxRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxRelease>;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& what, int rc) {
  // libseccomp returns -errno.
  throw std::runtime_error("seccomp: " + what + ": " + std::strerror(-rc));
}

std::uint32_t to_scmp(const SeccompAction& a) {
  using K = SeccompAction::Kind;
  switch (a.kind) {
    case K::allow: return SCMP_ACT_ALLOW;
    case K::errno_ret: return SCMP_ACT_ERRNO(static_cast<std::uint32_t>(a.errno_value));
    case K::kill_process: return SCMP_ACT_KILL_PROCESS;
    case K::kill_thread: return SCMP_ACT_KILL_THREAD;
    case K::trap: return SCMP_ACT_TRAP;
    case K::log: return SCMP_ACT_LOG;
  }
  throw std::logic_error("seccomp: unhandled action kind");
}

scmp_compare to_scmp(SeccompArgCmp::Op op) {
  using Op = SeccompArgCmp::Op;
  switch (op) {
    case Op::ne: return SCMP_CMP_NE;
    case Op::lt: return SCMP_CMP_LT;
    case Op::le: return SCMP_CMP_LE;
    case Op::eq: return SCMP_CMP_EQ;
    case Op::ge: return SCMP_CMP_GE;
    case Op::gt: return SCMP_CMP_GT;
    case Op::masked_eq: return SCMP_CMP_MASKED_EQ;
  }
  throw std::logic_error("seccomp: unhandled comparison");
}

std::vector<sock_filter> export_bpf(scmp_filter_ctx ctx, const std::string& origin) {
  Fd fd(memfd_create("runbox-seccomp-bpf", MFD_CLOEXEC));
  if (fd.get() < 0) fail(origin + ": memfd_create", -errno);
  if (int rc = seccomp_export_bpf(ctx, fd.get()); rc < 0) fail(origin + ": export", rc);
  off_t size = lseek(fd.get(), 0, SEEK_END);
  if (size < 0) fail(origin + ": lseek", -errno);
  if (size == 0 || size % sizeof(sock_filter) != 0)
    throw std::runtime_error("seccomp: " + origin + ": libseccomp exported " + std::to_string(size) +
                             " bytes, not a whole BPF program");
  std::vector<sock_filter> bpf(static_cast<std::size_t>(size) / sizeof(sock_filter));
  auto* out = reinterpret_cast<char*>(bpf.data());
  for (off_t done = 0; done < size;) {
    ssize_t n = pread(fd.get(), out + done, static_cast<std::size_t>(size - done), done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(origin + ": reading the exported program", n < 0 ? -errno : -EIO);
    done += n;
  }
  // The kernel refuses longer programs with a bare EINVAL in the child; say it here instead.
  if (bpf.size() > BPF_MAXINSNS)
    throw std::runtime_error("seccomp: " + origin + ": program has " + std::to_string(bpf.size()) +
                             " instructions, the kernel allows " + std::to_string(BPF_MAXINSNS));
  return bpf;
}

}  // namespace

std::string SeccompProgram::compiler_tag() {
  const scmp_version* v = seccomp_version();
  // Revision 2: lowered to an allow list (ENOSYS for syscalls libseccomp does not know).
  return "runbox-seccomp-2 libseccomp-" + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->micro);
}

SeccompProgram SeccompProgram::compile(const SeccompPolicy& original) {
  const std::string origin = original.origin.empty() ? "(policy)" : original.origin;
  if (seccomp_arch_native() != SCMP_ARCH_X86_64)
    throw std::runtime_error("seccomp: runbox's filters are for x86-64 hosts only");
  const SeccompPolicy policy = lower_seccomp_policy(original);

  Ctx ctx(seccomp_init(to_scmp(policy.default_action)));
  if (!ctx) throw std::runtime_error("seccomp: " + origin + ": seccomp_init failed");

  // x86 compat ABI: the rules match x86-64 syscall numbers, but an x86-64 process can also enter
  // the kernel through the i386 ABI (int 0x80, sysenter: another audit arch, other numbers) or
  // the x32 ABI (same arch, numbers with bit 0x40000000). Either would walk past every rule, so
  // the filter admits only the native ABI and kills the whole process for anything else
  // (libseccomp checks both the arch and the x32 bit against this action).
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc < 0)
    fail(origin + ": setting the bad-arch action", rc);
  // A binary search over syscall numbers instead of a linear chain: the allow list names ~370.
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0)
    fail(origin + ": enabling the binary-tree optimisation", rc);

  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    const SeccompRule& rule = policy.rules[i];
    // libseccomp refuses rules that repeat the default action; they change nothing anyway.
    if (same_action(rule.action, policy.default_action)) continue;
    std::vector<scmp_arg_cmp> args;
    for (const auto& a : rule.args) args.push_back({a.index, to_scmp(a.op), a.value, a.value_two});
    for (const auto& name : rule.syscalls) {
      const std::string where = origin + ": rule " + std::to_string(i) +
                                (rule.why.empty() ? "" : " (" + rule.why + ")") + ", syscall \"" +
                                name + "\" -> " + describe(rule.action);
      auto nr = x86_64_syscall_number(name);
      if (!nr) throw std::runtime_error("seccomp: " + where + ": not an x86-64 syscall libseccomp knows");
      int rc = seccomp_rule_add_array(ctx.get(), to_scmp(rule.action), *nr,
                                      static_cast<unsigned>(args.size()), args.data());
      if (rc < 0) fail(where, rc);
    }
  }

  SeccompProgram program;
  program.bpf_ = export_bpf(ctx.get(), origin);
  return program;
}

}  // namespace runbox::sandbox
