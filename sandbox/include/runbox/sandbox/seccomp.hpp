#pragma once
#include <linux/filter.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace runbox::sandbox {

// A seccomp policy as data (daemon/seccomp_files reads it from runbox's TOML format or a
// Docker/OCI profile), compiled once with libseccomp, loaded in the child.
struct SeccompAction {
  enum class Kind { allow, errno_ret, kill_process, kill_thread, trap, log };
  Kind kind = Kind::allow;
  int errno_value = 1;  // EPERM; used by errno_ret
  bool operator==(const SeccompAction&) const = default;
};

struct SeccompArgCmp {
  enum class Op { ne, lt, le, eq, ge, gt, masked_eq };
  unsigned index = 0;  // syscall argument 0..5
  Op op = Op::eq;
  std::uint64_t value = 0;
  std::uint64_t value_two = 0;  // masked_eq: (arg & value) == value_two
  bool operator==(const SeccompArgCmp&) const = default;
};

struct SeccompRule {
  std::vector<std::string> syscalls;
  SeccompAction action;
  std::vector<SeccompArgCmp> args;  // all must match (AND)
  std::string why;
};

struct SeccompPolicy {
  SeccompAction default_action;
  std::vector<SeccompRule> rules;
  std::string origin;  // file it came from, for messages
};

// A policy that is wrong: names the file, the line (0 if unknown) and the field. The file
// formats throw it too, so one catch covers a profile that does not parse or lower.
class PolicyError : public std::runtime_error {
 public:
  PolicyError(std::string file, int line, std::string field, const std::string& what);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  std::string file_;
  int line_;
  std::string field_;
};

// The policy as an allow list by construction, the form both the native filter and the Docker
// profile are made from (so the two mean the same): the default action becomes ENOSYS, which
// then only answers syscall numbers libseccomp does not know for x86-64 (newer than its table:
// a program probing a new syscall sees "not implemented", as on an older kernel), and every
// syscall it does know gets a rule: its own rules, plus the policy's default action for the
// calls (or the argument values) no rule decides. Throws PolicyError when the default action
// cannot be written for the argument values a syscall's rules leave (see default.toml);
// with an errno default those values fall to ENOSYS instead, which refuses them too.
SeccompPolicy lower_seccomp_policy(const SeccompPolicy& policy);

// The BPF program for x86-64, compiled in the parent so the child only has to load it
// (loading is a single async-signal-safe syscall; compiling allocates).
class SeccompProgram {
 public:
  // Compiles lower_seccomp_policy(policy). Throws std::runtime_error (PolicyError included).
  static SeccompProgram compile(const SeccompPolicy& policy);
  // Changes whenever the same policy text would compile to another program (this compiler's
  // revision, libseccomp's version): part of any cache key for compiled programs.
  static std::string compiler_tag();
  // A program compiled earlier (a cache of compile()'s output).
  static SeccompProgram from_instructions(std::vector<sock_filter> bpf) {
    SeccompProgram p;
    p.bpf_ = std::move(bpf);
    return p;
  }
  const std::vector<sock_filter>& instructions() const { return bpf_; }

 private:
  std::vector<sock_filter> bpf_;
};

}  // namespace runbox::sandbox
