#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runbox/sandbox/seccomp.hpp"

// Name lookups shared by the compiler and the file formats (daemon/seccomp_files), which check
// names against the same tables.
namespace runbox::sandbox::seccomp_detail {

// Largest value an errno action can return (the kernel's MAX_ERRNO).
inline constexpr long max_errno = 4095;

// "EPERM" -> 1; nullopt for a name glibc does not know.
std::optional<int> errno_from_name(std::string_view name);
// 1 -> "EPERM"; the number as text when glibc has no name for it.
std::string errno_name(int value);

// The x86-64 syscall number, or nullopt when libseccomp does not know the name or the call does
// not exist on x86-64 (libseccomp gives those negative pseudo numbers that never match).
std::optional<int> x86_64_syscall_number(const std::string& name);

// Every x86-64 syscall libseccomp knows, by number (computed once).
struct KnownSyscall {
  int nr;
  std::string name;
};
const std::vector<KnownSyscall>& x86_64_known_syscalls();

bool same_action(const SeccompAction& a, const SeccompAction& b);

// "errno(EPERM)", "allow", ... for messages.
std::string describe(const SeccompAction& action);

}  // namespace runbox::sandbox::seccomp_detail
