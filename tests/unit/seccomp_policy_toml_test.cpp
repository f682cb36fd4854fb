// runbox's TOML seccomp format: the shipped default policy and the parser's error reports.
#include <catch2/catch.hpp>

#include <cerrno>
#include <set>
#include <string>

#include "runbox/sandbox/seccomp.hpp"
#include "seccomp_files/seccomp_files.hpp"
#include "test_env.hpp"

using namespace runbox::sandbox;
using namespace runbox::seccomp_files;

namespace {

const std::string default_policy_path = std::string(RUNBOX_SOURCE_DIR) + "/policies/seccomp/default.toml";

// The syscalls refused with `errno` by some rule without argument conditions.
std::set<std::string> refused_outright(const SeccompPolicy& p, int err) {
  std::set<std::string> out;
  for (const auto& r : p.rules)
    if (r.args.empty() && r.action == SeccompAction{SeccompAction::Kind::errno_ret, err})
      out.insert(r.syscalls.begin(), r.syscalls.end());
  return out;
}

// Parses text expected to be wrong; returns the error.
PolicyError toml_error(const std::string& text) {
  try {
    parse_seccomp_toml(text, "policies/seccomp/x.toml");
  } catch (const PolicyError& e) {
    return e;
  }
  FAIL("the policy parsed but should not have:\n" << text);
  return PolicyError("", 0, "", "");  // not reached: FAIL throws
}

const std::string rule_head = "default_action = \"allow\"\n[[rule]]\nwhy = \"test\"\n";

}  // namespace

TEST_CASE("seccomp toml: default.toml allows by default and refuses the dangerous syscalls with EPERM",
          "[seccomp][policy]") {
  SeccompPolicy p = load_seccomp_policy(default_policy_path);
  CHECK(p.origin == default_policy_path);
  CHECK(p.default_action.kind == SeccompAction::Kind::allow);
  const auto eperm = refused_outright(p, EPERM);
  for (const char* name :
       {"mount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
        "mount_setattr", "pivot_root", "ptrace", "process_vm_readv", "process_vm_writev",
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
        "swapon", "swapoff", "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
        "unshare", "setns", "userfaultfd", "open_by_handle_at", "name_to_handle_at", "iopl",
        "ioperm", "acct", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "syslog",
        "quotactl", "quotactl_fd", "lookup_dcookie"}) {
    INFO("syscall " << name);
    CHECK(eperm.count(name) == 1);
  }
  CHECK(refused_outright(p, ENOSYS) == std::set<std::string>{"clone3"});
  for (const auto& r : p.rules) {
    INFO("rule: " << r.why);
    CHECK(!r.why.empty());
  }
}

TEST_CASE("seccomp toml: default.toml refuses clone with each CLONE_NEW* flag, and only those",
          "[seccomp][policy]") {
  SeccompPolicy p = load_seccomp_policy(default_policy_path);
  std::set<std::uint64_t> masks;
  for (const auto& r : p.rules) {
    if (r.syscalls != std::vector<std::string>{"clone"}) continue;
    INFO("rule: " << r.why);
    CHECK(r.action == SeccompAction{SeccompAction::Kind::errno_ret, EPERM});
    REQUIRE(r.args.size() == 1);
    CHECK(r.args[0].index == 0);
    CHECK(r.args[0].op == SeccompArgCmp::Op::masked_eq);
    CHECK(r.args[0].value == r.args[0].value_two);  // (flags & FLAG) == FLAG
    masks.insert(r.args[0].value);
  }
  CHECK(masks == std::set<std::uint64_t>{0x00020000, 0x02000000, 0x04000000, 0x08000000,
                                         0x10000000, 0x20000000, 0x40000000});
}

TEST_CASE("seccomp toml: fields map onto the policy", "[seccomp][policy]") {
  SeccompPolicy p = parse_seccomp_toml(R"(
default_action = "errno"
default_errno = 38
[[rule]]
why = "allow reads"
syscalls = ["read", "write"]
action = "allow"
[[rule]]
why = "small fds only"
syscalls = ["close"]
action = "kill_process"
args = [{ index = 0, op = "gt", value = 1000 }, { index = 1, op = "masked_eq", mask = 0xff, value = 3 }]
)",
                                       "t.toml");
  CHECK(p.origin == "t.toml");
  CHECK(p.default_action == SeccompAction{SeccompAction::Kind::errno_ret, ENOSYS});
  REQUIRE(p.rules.size() == 2);
  CHECK(p.rules[0].syscalls == std::vector<std::string>{"read", "write"});
  CHECK(p.rules[0].action.kind == SeccompAction::Kind::allow);
  CHECK(p.rules[1].action.kind == SeccompAction::Kind::kill_process);
  REQUIRE(p.rules[1].args.size() == 2);
  CHECK(p.rules[1].args[0] == SeccompArgCmp{0, SeccompArgCmp::Op::gt, 1000, 0});
  CHECK(p.rules[1].args[1] == SeccompArgCmp{1, SeccompArgCmp::Op::masked_eq, 0xff, 3});
}

TEST_CASE("seccomp toml: errors name the file, the line and the field", "[seccomp][policy]") {
  SECTION("bad errno name") {
    PolicyError e = toml_error(rule_head + "syscalls = [\"mount\"]\naction = \"errno\"\nerrno = \"EPRM\"\n");
    CHECK(e.file() == "policies/seccomp/x.toml");
    CHECK(e.line() == 6);
    CHECK(e.field() == "rule[0].errno");
    CHECK(std::string(e.what()) == "policies/seccomp/x.toml:6: rule[0].errno: unknown errno name \"EPRM\"");
  }
  SECTION("unknown key at the top and in a rule") {
    PolicyError top = toml_error("default_acton = \"allow\"\n");
    CHECK(top.line() == 1);
    CHECK(top.field() == "default_acton");
    PolicyError in_rule = toml_error(rule_head + "syscalls = [\"mount\"]\naction = \"allow\"\nsyscall = 1\n");
    CHECK(in_rule.line() == 6);
    CHECK(in_rule.field() == "rule[0].syscall");
    CHECK_THAT(in_rule.what(), Catch::Contains("unknown key"));
  }
  SECTION("unknown syscall, and one that is not an x86-64 syscall") {
    PolicyError e = toml_error(rule_head + "syscalls = [\"mount\",\n  \"mountt\"]\naction = \"allow\"\n");
    CHECK(e.line() == 5);
    CHECK(e.field() == "rule[0].syscalls[1]");
    CHECK_THAT(e.what(), Catch::Contains("unknown syscall \"mountt\""));
    CHECK(toml_error(rule_head + "syscalls = [\"umount\"]\naction = \"allow\"\n").field() == "rule[0].syscalls[0]");
  }
  SECTION("bad action") {
    PolicyError e = toml_error(rule_head + "syscalls = [\"mount\"]\naction = \"deny\"\n");
    CHECK(e.line() == 5);
    CHECK(e.field() == "rule[0].action");
    CHECK_THAT(e.what(), Catch::Contains("unknown action \"deny\""));
  }
  SECTION("wrong types") {
    PolicyError syscalls = toml_error(rule_head + "syscalls = \"mount\"\naction = \"allow\"\n");
    CHECK(syscalls.line() == 4);
    CHECK(syscalls.field() == "rule[0].syscalls");
    CHECK_THAT(syscalls.what(), Catch::Contains("expected an array"));
    PolicyError index = toml_error(rule_head +
                                   "syscalls = [\"clone\"]\naction = \"allow\"\nargs = [{ index = \"0\", op = \"eq\", value = 1 }]\n");
    CHECK(index.line() == 6);
    CHECK(index.field() == "rule[0].args[0].index");
    PolicyError why = toml_error("default_action = \"allow\"\n[[rule]]\nwhy = 3\nsyscalls = [\"mount\"]\naction = \"allow\"\n");
    CHECK(why.field() == "rule[0].why");
  }
  SECTION("missing fields use the line of their table") {
    PolicyError action = toml_error("default_action = \"allow\"\n\n[[rule]]\nwhy = \"x\"\nsyscalls = [\"mount\"]\n");
    CHECK(action.line() == 3);
    CHECK(action.field() == "rule[0].action");
    CHECK_THAT(action.what(), Catch::Contains("missing"));
    CHECK(toml_error(rule_head + "syscalls = [\"mount\"]\naction = \"errno\"\n").field() == "rule[0].errno");
    CHECK(toml_error("[[rule]]\nwhy = \"x\"\nsyscalls = [\"mount\"]\naction = \"allow\"\n").field() == "default_action");
    CHECK(toml_error(rule_head + "syscalls = [\"clone\"]\naction = \"allow\"\nargs = [{ index = 0, op = \"masked_eq\", value = 1 }]\n")
              .field() == "rule[0].args[0].mask");
  }
  SECTION("second rule is numbered 1, errno beside a non-errno action is refused") {
    PolicyError e = toml_error(rule_head + "syscalls = [\"mount\"]\naction = \"allow\"\n[[rule]]\nwhy = \"y\"\n" +
                               "syscalls = [\"mount\"]\naction = \"trap\"\nerrno = \"EPERM\"\n");
    CHECK(e.line() == 10);
    CHECK(e.field() == "rule[1].errno");
  }
  SECTION("TOML syntax error") {
    PolicyError e = toml_error("default_action = \"allow\"\n[[rule]\n");
    CHECK(e.line() == 2);
    CHECK(e.field().empty());
    CHECK_THAT(e.what(), Catch::StartsWith("policies/seccomp/x.toml:2: invalid TOML"));
  }
}

TEST_CASE("seccomp toml: load_seccomp_policy chooses the format by extension", "[seccomp][policy]") {
  runbox::test::TempDir dir;
  runbox::test::write_file(dir.path() / "p.toml", "default_action = \"log\"\n");
  CHECK(load_seccomp_policy(dir.path() / "p.toml").default_action.kind == SeccompAction::Kind::log);
  runbox::test::write_file(dir.path() / "p.json", R"({"defaultAction": "SCMP_ACT_TRAP"})");
  CHECK(load_seccomp_policy(dir.path() / "p.json").default_action.kind == SeccompAction::Kind::trap);
  runbox::test::write_file(dir.path() / "p.yaml", "");
  CHECK_THROWS_AS(load_seccomp_policy(dir.path() / "p.yaml"), PolicyError);
  try {
    load_seccomp_policy(dir.path() / "missing.toml");
    FAIL("a missing file loaded");
  } catch (const PolicyError& e) {
    CHECK(e.file() == (dir.path() / "missing.toml").string());
    CHECK_THAT(e.what(), Catch::Contains("cannot read"));
  }
}
