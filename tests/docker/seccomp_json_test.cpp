// Policy -> OCI profile JSON round-trips through the sandbox's own OCI parser.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "docker/seccomp_json.hpp"
#include "runbox/sandbox/seccomp.hpp"
#include "seccomp_files/seccomp_files.hpp"

using namespace runbox::sandbox;
using namespace runbox::seccomp_files;

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

TEST_CASE("seccomp JSON: a policy with every action and comparison round-trips as its allow list") {
  SeccompPolicy p;
  p.default_action = {SeccompAction::Kind::errno_ret, 1};
  p.rules.push_back({{"read", "write"}, {SeccompAction::Kind::allow, 1}, {}, "io"});
  p.rules.push_back({{"clone3"}, {SeccompAction::Kind::errno_ret, 38}, {}, "ENOSYS: fall back to clone"});
  p.rules.push_back({{"clone"},
                     {SeccompAction::Kind::allow, 1},
                     {{0, SeccompArgCmp::Op::masked_eq, 0x7E020000, 0}},
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
  const SeccompPolicy lowered = lower_seccomp_policy(p);
  check_same(lowered, parse_oci_seccomp_json(json, "generated"));
  // What Docker itself reads: the architectures and the errno fields.
  auto v = boost::json::parse(json).as_object();
  CHECK(v.at("defaultAction").as_string() == "SCMP_ACT_ERRNO");
  CHECK(v.at("defaultErrnoRet").as_int64() == 38);
  CHECK(v.at("architectures").as_array().at(0).as_string() == "SCMP_ARCH_X86_64");
  CHECK(v.at("syscalls").as_array().at(1).as_object().at("errnoRet").as_int64() == 38);
  CHECK(v.at("syscalls").as_array().at(2).as_object().at("args").as_array().at(0).as_object().at("op").as_string() ==
        "SCMP_CMP_MASKED_EQ");
  // The lowering's own rules: the known syscalls no rule names get the profile's default.
  const auto& last = v.at("syscalls").as_array().back().as_object();
  CHECK(last.at("action").as_string() == "SCMP_ACT_ERRNO");
  CHECK(last.at("errnoRet").as_int64() == 1);
  CHECK(last.at("names").as_array().size() > 300);
}

TEST_CASE("seccomp JSON: an ENOSYS allow list is written as it is") {
  SeccompPolicy p;
  p.default_action = {SeccompAction::Kind::errno_ret, 38};
  p.rules.push_back({{"read", "write"}, {SeccompAction::Kind::allow, 1}, {}, ""});
  check_same(p, parse_oci_seccomp_json(runbox::docker::seccomp_profile_json(p), "generated"));
}

TEST_CASE("seccomp JSON: the project's default policy is an ENOSYS allow list with argument rules for socket and personality") {
  SeccompPolicy p = load_seccomp_policy(RUNBOX_SOURCE_DIR "/policies/seccomp/default.toml");
  REQUIRE(p.rules.size() > 5);
  const std::string json = runbox::docker::seccomp_profile_json(p);
  const SeccompPolicy back = parse_oci_seccomp_json(json, "generated");
  check_same(lower_seccomp_policy(p), back);
  check_same(back, lower_seccomp_policy(back));  // lowering the lowered changes nothing
  auto v = boost::json::parse(json).as_object();
  CHECK(v.at("defaultAction").as_string() == "SCMP_ACT_ERRNO");
  CHECK(v.at("defaultErrnoRet").as_int64() == 38);
  bool read_allowed = false, socket_allowed_unix = false, personality_query = false, vsock_refused = false;
  for (const auto& e : v.at("syscalls").as_array()) {
    const auto& o = e.as_object();
    const auto& names = o.at("names").as_array();
    const auto& args = o.at("args").as_array();
    const bool allow = o.at("action").as_string() == "SCMP_ACT_ALLOW";
    auto names_call = [&](const char* n) {
      for (const auto& x : names)
        if (x.as_string() == n) return true;
      return false;
    };
    auto arg0 = [&](const char* op, std::uint64_t value) {
      return args.size() == 1 && args[0].at("index").to_number<std::uint64_t>() == 0 &&
             args[0].at("op").as_string() == op && args[0].at("value").to_number<std::uint64_t>() == value;
    };
    read_allowed = read_allowed || (allow && names_call("read") && args.empty());
    socket_allowed_unix = socket_allowed_unix || (allow && names_call("socket") && (arg0("SCMP_CMP_EQ", 1) || arg0("SCMP_CMP_LE", 2)));
    personality_query = personality_query || (allow && names_call("personality") && arg0("SCMP_CMP_EQ", 0xffffffff));
    // AF_VSOCK (40) is inside a refused block or range.
    if (names_call("socket") && !allow && o.at("errnoRet").as_int64() == 97 && args.size() == 1) {
      const auto& a = args[0].as_object();
      const std::uint64_t value = a.at("value").to_number<std::uint64_t>();
      const std::uint64_t two = a.at("valueTwo").to_number<std::uint64_t>();
      const std::string op(a.at("op").as_string());
      vsock_refused = vsock_refused || (op == "SCMP_CMP_MASKED_EQ" && (40 & value) == two) ||
                      (op == "SCMP_CMP_GE" && 40 >= value) || (op == "SCMP_CMP_EQ" && value == 40);
    }
  }
  CHECK(read_allowed);
  CHECK(socket_allowed_unix);
  CHECK(personality_query);
  CHECK(vsock_refused);
}
