#include "runbox/sandbox/seccomp_names.hpp"

#include <seccomp.h>

#include <cstdlib>
#include <cstring>

namespace runbox::sandbox::seccomp_detail {

std::optional<int> errno_from_name(std::string_view name) {
  // glibc names every errno it knows (strerrorname_np); the kernel's values stay below 200.
  for (int e = 1; e < 200; ++e) {
    const char* n = strerrorname_np(e);
    if (n && name == n) return e;
  }
  return std::nullopt;
}

std::string errno_name(int value) {
  const char* n = value > 0 ? strerrorname_np(value) : nullptr;
  return n ? n : std::to_string(value);
}

std::optional<int> x86_64_syscall_number(const std::string& name) {
  int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name.c_str());
  if (nr < 0) return std::nullopt;  // __NR_SCMP_ERROR (unknown) or a pseudo number (not x86-64)
  return nr;
}

const std::vector<KnownSyscall>& x86_64_known_syscalls() {
  static const std::vector<KnownSyscall> known = [] {
    // x86-64 numbers stay far below 1024 (x32 calls carry bit 0x40000000 and are killed as a
    // bad arch); libseccomp 2.5.4 as patched by Debian knows 0..334 and 424..456.
    std::vector<KnownSyscall> v;
    for (int nr = 0; nr < 1024; ++nr) {
      char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
      if (!name) continue;
      v.push_back({nr, name});
      std::free(name);
    }
    return v;
  }();
  return known;
}

bool same_action(const SeccompAction& a, const SeccompAction& b) {
  return a.kind == b.kind &&
         (a.kind != SeccompAction::Kind::errno_ret || a.errno_value == b.errno_value);
}

std::string describe(const SeccompAction& action) {
  using K = SeccompAction::Kind;
  switch (action.kind) {
    case K::allow: return "allow";
    case K::errno_ret: return "errno(" + errno_name(action.errno_value) + ")";
    case K::kill_process: return "kill_process";
    case K::kill_thread: return "kill_thread";
    case K::trap: return "trap";
    case K::log: return "log";
  }
  return "?";
}

}  // namespace runbox::sandbox::seccomp_detail
