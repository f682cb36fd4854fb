// A policy (deny list or allow list, runbox TOML or OCI JSON) -> the allow list by construction
// that is compiled natively and sent to Docker: ENOSYS for the numbers libseccomp does not know,
// a rule for each number it does. See lower_seccomp_policy in seccomp.hpp.
#include <cerrno>
#include <map>
#include <set>

#include "runbox/sandbox/seccomp.hpp"
#include "runbox/sandbox/seccomp_names.hpp"
#include "runbox/sandbox/seccomp_values.hpp"

namespace runbox::sandbox {
namespace {

using seccomp_detail::complement;
using seccomp_detail::describe;
using seccomp_detail::same_action;
using seccomp_detail::x86_64_known_syscalls;
using seccomp_detail::x86_64_syscall_number;

const SeccompAction unknown_syscall{SeccompAction::Kind::errno_ret, ENOSYS};

}  // namespace

SeccompPolicy lower_seccomp_policy(const SeccompPolicy& policy) {
  const std::string origin = policy.origin.empty() ? "(policy)" : policy.origin;
  SeccompPolicy out;
  out.origin = policy.origin;
  out.default_action = unknown_syscall;
  out.rules = policy.rules;
  const SeccompAction& known_default = policy.default_action;
  // Already an allow list answering ENOSYS (an OCI profile like containers-common's): as it is.
  if (same_action(known_default, unknown_syscall)) return out;

  std::set<int> unconditional;
  std::map<int, std::vector<std::size_t>> conditional;  // rule indices
  auto where = [&](std::size_t i, const std::string& name) {
    const SeccompRule& r = policy.rules[i];
    return "rule " + std::to_string(i) + (r.why.empty() ? "" : " (" + r.why + ")") + ", syscall \"" + name + "\"";
  };
  for (std::size_t i = 0; i < policy.rules.size(); ++i)
    for (const auto& name : policy.rules[i].syscalls) {
      auto nr = x86_64_syscall_number(name);
      if (!nr) throw PolicyError(origin, 0, "", where(i, name) + ": not an x86-64 syscall libseccomp knows");
      if (policy.rules[i].args.empty()) unconditional.insert(*nr);
      else conditional[*nr].push_back(i);
    }

  SeccompRule rest{{}, known_default, {}, "named by no rule: the policy's default action"};
  for (const auto& [nr, name] : x86_64_known_syscalls()) {
    if (unconditional.count(nr)) continue;  // decided whatever its arguments
    auto it = conditional.find(nr);
    if (it == conditional.end()) {
      rest.syscalls.push_back(name);
      continue;
    }
    // Only argument rules: the values none of them matches get the default action, written as
    // rules for exactly those values (else they would fall to ENOSYS). Rules that repeat the
    // default action are covered by that and left out of the sum.
    std::vector<SeccompArgCmp> cmps;
    bool one_comparison_each = true;
    for (std::size_t i : it->second) {
      const SeccompRule& r = policy.rules[i];
      if (same_action(r.action, known_default)) continue;
      if (r.args.size() != 1) one_comparison_each = false;
      else cmps.push_back(r.args.front());
    }
    if (one_comparison_each && cmps.empty()) {
      rest.syscalls.push_back(name);
      continue;
    }
    auto rest_values = one_comparison_each ? complement(cmps) : std::nullopt;
    if (!rest_values) {
      // An errno default refuses those calls; ENOSYS refuses them too.
      if (known_default.kind == SeccompAction::Kind::errno_ret) continue;
      throw PolicyError(origin, 0, "",
                        where(it->second.front(), name) +
                            ": the calls its argument rules do not match cannot be given the default action (" +
                            describe(known_default) +
                            "): that needs rules of one comparison each, all on the same argument, either all ordered "
                            "(eq, ne, lt, le, gt, ge) or all masked_eq single-bit tests (or one masked_eq); add a rule "
                            "without args, or rules in that form");
    }
    for (const auto& cmp : *rest_values)
      out.rules.push_back({{name}, known_default, {cmp}, name + ": argument values no rule matches get the policy's default action"});
  }
  if (!rest.syscalls.empty()) out.rules.push_back(std::move(rest));
  return out;
}

}  // namespace runbox::sandbox
