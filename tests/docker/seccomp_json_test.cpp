// Policy -> OCI profile JSON round-trips through the sandbox's own OCI parser.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "docker/seccomp_json.hpp"
#include "runbox/sandbox/seccomp.hpp"

using namespace runbox::sandbox;

namespace {

void check_same(const SeccompPolicy& a, const SeccompPolicy& b) {
  CHECK(a.default_action == b.default_action);
  REQUIRE(a.rules.size() == b.rules.size());
  for (std::size_t i = 0; i < a.rules.size(); ++i) {
    CHECK(a.rules[i].syscalls == b.rules[i].syscalls);
    CHECK(a.rules[i].action == b.rules[i].action);
    CHECK(a.rules[i].args == b.rules[i].args);
  }
}

}  // namespace

TEST_CASE("seccomp JSON: a policy with every action and comparison round-trips") {
  SeccompPolicy p;
  p.default_action = {SeccompAction::Kind::allow, 1};
  p.rules.push_back({{"mount", "umount2"}, {SeccompAction::Kind::errno_ret, 1}, {}, "no mounts"});
  p.rules.push_back({{"clone3"}, {SeccompAction::Kind::errno_ret, 38}, {}, "ENOSYS: fall back to clone"});
  p.rules.push_back({{"clone"},
                     {SeccompAction::Kind::errno_ret, 1},
                     {{0, SeccompArgCmp::Op::masked_eq, 0x7E020000, 0x10000000}},
                     "no new namespaces"});
  p.rules.push_back({{"kexec_load"}, {SeccompAction::Kind::kill_process, 1}, {}, "kill"});
  p.rules.push_back({{"reboot"}, {SeccompAction::Kind::kill_thread, 1}, {}, ""});
  p.rules.push_back({{"ptrace"}, {SeccompAction::Kind::trap, 1}, {}, ""});
  p.rules.push_back({{"acct"}, {SeccompAction::Kind::log, 1}, {}, ""});
  p.rules.push_back({{"personality"},
                     {SeccompAction::Kind::errno_ret, 22},
                     {{0, SeccompArgCmp::Op::ne, 0, 0}, {1, SeccompArgCmp::Op::lt, 5, 0}, {2, SeccompArgCmp::Op::le, 6, 0},
                      {3, SeccompArgCmp::Op::ge, 7, 0}, {4, SeccompArgCmp::Op::gt, 8, 0}, {5, SeccompArgCmp::Op::eq, 9, 0}},
                     ""});
  std::string json = runbox::docker::seccomp_profile_json(p);
  check_same(p, parse_oci_seccomp_json(json, "generated"));
  // What Docker itself reads: the architectures and the errno fields.
  auto v = boost::json::parse(json).as_object();
  CHECK(v.at("defaultAction").as_string() == "SCMP_ACT_ALLOW");
  CHECK(v.at("architectures").as_array().at(0).as_string() == "SCMP_ARCH_X86_64");
  CHECK(v.at("syscalls").as_array().at(1).as_object().at("errnoRet").as_int64() == 38);
  CHECK(v.at("syscalls").as_array().at(2).as_object().at("args").as_array().at(0).as_object().at("op").as_string() ==
        "SCMP_CMP_MASKED_EQ");
}

TEST_CASE("seccomp JSON: an errno default action keeps its errno") {
  SeccompPolicy p;
  p.default_action = {SeccompAction::Kind::errno_ret, 13};
  p.rules.push_back({{"read", "write"}, {SeccompAction::Kind::allow, 1}, {}, ""});
  check_same(p, parse_oci_seccomp_json(runbox::docker::seccomp_profile_json(p), "generated"));
}

TEST_CASE("seccomp JSON: the project's default policy round-trips") {
  SeccompPolicy p = load_seccomp_policy(RUNBOX_SOURCE_DIR "/policies/seccomp/default.toml");
  REQUIRE(p.rules.size() > 5);
  check_same(p, parse_oci_seccomp_json(runbox::docker::seccomp_profile_json(p), "generated"));
}
