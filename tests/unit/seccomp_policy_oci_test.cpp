// Docker/OCI seccomp profiles: the distribution's standard profile and the parts of the format
// whose meaning runbox decides (capabilities, arches, kernel versions, MASKED_EQ operands).
#include <catch2/catch.hpp>

#include <cerrno>
#include <filesystem>
#include <string>

#include "runbox/sandbox/seccomp.hpp"
#include "seccomp_files/seccomp_files.hpp"
#include "test_env.hpp"

using namespace runbox::sandbox;
using namespace runbox::seccomp_files;

namespace {

const char* const containers_profile = "/usr/share/containers/seccomp.json";

// The rules naming syscall `name`.
std::vector<const SeccompRule*> rules_for(const SeccompPolicy& p, const std::string& name) {
  std::vector<const SeccompRule*> out;
  for (const auto& r : p.rules)
    for (const auto& s : r.syscalls)
      if (s == name) out.push_back(&r);
  return out;
}

bool has_rule(const SeccompPolicy& p, const std::string& name, SeccompAction action) {
  for (const SeccompRule* r : rules_for(p, name))
    if (r->action == action) return true;
  return false;
}

const SeccompAction allow{SeccompAction::Kind::allow, 1};
const SeccompAction eperm{SeccompAction::Kind::errno_ret, EPERM};

PolicyError oci_error(const std::string& text) {
  try {
    parse_oci_seccomp_json(text, "profile.json");
  } catch (const PolicyError& e) {
    return e;
  }
  FAIL("the profile parsed but should not have:\n" << text);
  return PolicyError("", 0, "", "");  // not reached: FAIL throws
}

}  // namespace

TEST_CASE("seccomp oci: the containers-common OCI profile loads for a process without capabilities",
          "[seccomp][oci]") {
  if (!std::filesystem::exists(containers_profile))
    runbox::test::skip(std::string(containers_profile) + " is absent (Debian package golang-github-containers-common)");
  SeccompPolicy p = load_seccomp_policy(containers_profile);
  CHECK(p.origin == containers_profile);
  // defaultAction SCMP_ACT_ERRNO with defaultErrnoRet 38: unknown syscalls look unimplemented.
  CHECK(p.default_action == SeccompAction{SeccompAction::Kind::errno_ret, ENOSYS});
  // 35 entries; the 10 that need a capability and the 3 for other arches are dropped.
  CHECK(p.rules.size() >= 15);
  CHECK(p.rules.size() <= 35);
  CHECK(has_rule(p, "read", allow));
  CHECK(has_rule(p, "getpid", allow));
  // includes.caps: never granted, so only the excludes.caps (refusing) twin survives.
  for (const char* name : {"bpf", "perf_event_open", "chroot", "acct", "init_module", "iopl",
                           "clock_settime", "open_by_handle_at"}) {
    INFO("syscall " << name);
    CHECK(has_rule(p, name, eperm));
    CHECK_FALSE(has_rule(p, name, allow));
  }
  CHECK(has_rule(p, "arch_prctl", allow));         // includes.arches has amd64
  CHECK(rules_for(p, "breakpoint").empty());       // arm only
  CHECK(rules_for(p, "s390_runtime_instr").empty());
  CHECK(rules_for(p, "_llseek").empty());          // i386 name: not an x86-64 syscall
  for (const auto& r : p.rules) CHECK_FALSE(r.syscalls.empty());
}

TEST_CASE("seccomp oci: includes/excludes: no capabilities, x86-64, the running kernel", "[seccomp][oci]") {
  SeccompPolicy p = parse_oci_seccomp_json(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["umount2"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
      {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm64"]}},
      {"names": ["getppid"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
      {"names": ["gettid"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["s390x"]}},
      {"names": ["write"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "2.6"}},
      {"names": ["close"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.0"}},
      {"names": ["dup"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "2.6"}},
      {"names": ["dup2"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "99.0.1"}},
      {"names": ["not_a_syscall", "breakpoint", "openat"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["not_a_syscall"], "action": "SCMP_ACT_ALLOW"}
    ]})",
                                           "inline.json");
  CHECK(p.default_action == eperm);  // no defaultErrnoRet: EPERM, as runc
  auto kept = [&](const char* name) { return !rules_for(p, name).empty(); };
  CHECK(kept("read"));
  CHECK_FALSE(kept("mount"));    // needs a capability runbox never grants
  CHECK(kept("umount2"));        // excluded only for a capability runbox never grants
  CHECK(kept("arch_prctl"));
  CHECK_FALSE(kept("getpid"));
  CHECK_FALSE(kept("getppid"));
  CHECK(kept("gettid"));
  CHECK(kept("write"));
  CHECK_FALSE(kept("close"));
  CHECK_FALSE(kept("dup"));
  CHECK(kept("dup2"));
  // Unknown and non-x86-64 names are skipped, the rest of the entry stays; an entry left with
  // no syscall disappears.
  REQUIRE(rules_for(p, "openat").size() == 1);
  CHECK(rules_for(p, "openat")[0]->syscalls == std::vector<std::string>{"openat"});
  CHECK(p.rules.size() == 7);
}

TEST_CASE("seccomp oci: actions, errnoRet and argument comparisons", "[seccomp][oci]") {
  SeccompPolicy p = parse_oci_seccomp_json(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "defaultErrnoRet": 1,
    "syscalls": [
      {"names": ["clone"], "action": "SCMP_ACT_ERRNO",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"name": "clone3", "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "comment": "old single name"},
      {"names": ["ptrace"], "action": "SCMP_ACT_TRACE"},
      {"names": ["kill"], "action": "SCMP_ACT_KILL"},
      {"names": ["tkill"], "action": "SCMP_ACT_KILL_PROCESS", "args": null},
      {"names": ["personality"], "action": "SCMP_ACT_LOG",
       "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_NE"}, {"index": 0, "value": 8, "op": "SCMP_CMP_NE"}]}
    ]})",
                                           "inline.json");
  REQUIRE(p.rules.size() == 7);
  // Docker's MASKED_EQ: value is the mask, valueTwo the datum, like libseccomp's (mask, datum).
  CHECK(p.rules[0].action == eperm);
  REQUIRE(p.rules[0].args.size() == 1);
  CHECK(p.rules[0].args[0] == SeccompArgCmp{0, SeccompArgCmp::Op::masked_eq, 0x7E020000, 0});
  CHECK(p.rules[1].syscalls == std::vector<std::string>{"clone3"});
  CHECK(p.rules[1].action == SeccompAction{SeccompAction::Kind::errno_ret, ENOSYS});
  CHECK_THAT(p.rules[1].why, Catch::Contains("old single name"));
  CHECK(p.rules[2].action == SeccompAction{SeccompAction::Kind::errno_ret, ENOSYS});  // TRACE, no tracer
  CHECK(p.rules[3].action.kind == SeccompAction::Kind::kill_thread);
  CHECK(p.rules[4].action.kind == SeccompAction::Kind::kill_process);
  // Two comparisons of one argument: split into one rule each, as runc does.
  CHECK(p.rules[5].action.kind == SeccompAction::Kind::log);
  CHECK(p.rules[5].args == std::vector<SeccompArgCmp>{{0, SeccompArgCmp::Op::ne, 0, 0}});
  CHECK(p.rules[6].args == std::vector<SeccompArgCmp>{{0, SeccompArgCmp::Op::ne, 8, 0}});
}

TEST_CASE("seccomp oci: profile errors name the file and the field", "[seccomp][oci]") {
  PolicyError action = oci_error(
      R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
          {"names": ["mount"], "action": "SCMP_ACT_DENY"}]})");
  CHECK(action.file() == "profile.json");
  CHECK(action.line() == 0);
  CHECK(action.field() == "syscalls[1].action");
  CHECK(std::string(action.what()) == "profile.json: syscalls[1].action: unsupported action \"SCMP_ACT_DENY\" "
                                      "(SCMP_ACT_NOTIFY needs a listener runbox does not have)");
  CHECK(oci_error(R"({"syscalls": []})").field() == "defaultAction");
  CHECK(oci_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
        "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_SIMILAR"}]}]})")
            .field() == "syscalls[0].args[0].op");
  CHECK(oci_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
        "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})")
            .field() == "syscalls[0].args[0].index");
  CHECK(oci_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": "EPERM"})").field() == "defaultErrnoRet");
  CHECK(oci_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]})").field() ==
        "syscalls[0].names");
  // A malformed entry is an error even when it would not apply here.
  CHECK(oci_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
        "includes": {"caps": ["CAP_SYS_ADMIN"], "minKernel": "five"}}]})")
            .field() == "syscalls[0].includes.minKernel");
  PolicyError syntax = oci_error("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [,]\n}");
  CHECK(syntax.line() == 3);
  CHECK_THAT(syntax.what(), Catch::StartsWith("profile.json:3: invalid JSON"));
}
