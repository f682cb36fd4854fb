// The allow list by construction (lower_seccomp_policy) and the not_in comparison, as data:
// what each (syscall, arguments) would get, decided the way libseccomp decides (a rule without
// arguments wins; otherwise the rule whose comparisons all match; otherwise the default).
// The filter tests (seccomp_filter_test.cpp) prove the same against the kernel.
#include <catch2/catch.hpp>
#include <seccomp.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "runbox/sandbox/seccomp.hpp"
#include "seccomp_files/seccomp_files.hpp"
#include "test_env.hpp"

using namespace runbox::sandbox;
using namespace runbox::seccomp_files;
using K = SeccompAction::Kind;
using Op = SeccompArgCmp::Op;

namespace {

using Args = std::array<std::uint64_t, 6>;

bool matches(const SeccompArgCmp& c, const Args& a) {
  const std::uint64_t x = a.at(c.index);
  switch (c.op) {
    case Op::eq: return x == c.value;
    case Op::ne: return x != c.value;
    case Op::lt: return x < c.value;
    case Op::le: return x <= c.value;
    case Op::gt: return x > c.value;
    case Op::ge: return x >= c.value;
    case Op::masked_eq: return (x & c.value) == c.value_two;
  }
  return false;
}

bool names(const SeccompRule& r, const std::string& syscall) {
  for (const auto& n : r.syscalls)
    if (n == syscall) return true;
  return false;
}

// What the policy answers; fails the test when two matching argument rules disagree (libseccomp
// would pick one of them by its own order).
SeccompAction decide(const SeccompPolicy& p, const std::string& syscall, Args args = {}) {
  for (const auto& r : p.rules)
    if (names(r, syscall) && r.args.empty()) return r.action;
  std::optional<SeccompAction> got;
  for (const auto& r : p.rules) {
    if (!names(r, syscall) || r.args.empty()) continue;
    bool all = true;
    for (const auto& c : r.args) all = all && matches(c, args);
    if (!all) continue;
    if (got) REQUIRE(*got == r.action);
    got = r.action;
  }
  return got ? *got : p.default_action;
}

const SeccompAction allow{K::allow, 1};
SeccompAction err(int e) { return {K::errno_ret, e}; }

const SeccompPolicy& lowered_default() {
  static const SeccompPolicy p =
      lower_seccomp_policy(load_seccomp_policy(std::string(RUNBOX_SOURCE_DIR) + "/policies/seccomp/default.toml"));
  return p;
}

}  // namespace

TEST_CASE("seccomp lower: default.toml becomes ENOSYS for unknown syscalls and a rule for every known one",
          "[seccomp][lower]") {
  const SeccompPolicy& p = lowered_default();
  CHECK(p.default_action == err(ENOSYS));
  std::size_t known = 0;
  for (int nr = 0; nr < 1024; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
    if (!name) continue;
    const std::string n = name;
    std::free(name);
    ++known;
    bool named = false;
    for (const auto& r : p.rules) named = named || names(r, n);
    INFO(n);
    CHECK(named);  // so ENOSYS (the default) answers only numbers libseccomp does not know
  }
  CHECK(known > 350);
  CHECK(decide(p, "read") == allow);
  CHECK(decide(p, "openat") == allow);
  CHECK(decide(p, "mount") == err(EPERM));
  CHECK(decide(p, "clone3") == err(ENOSYS));  // by its own rule
}

TEST_CASE("seccomp lower: clone's namespace-flag rules leave every other clone allowed", "[seccomp][lower]") {
  const SeccompPolicy& p = lowered_default();
  CHECK(decide(p, "clone", {SIGCHLD}) == allow);
  CHECK(decide(p, "clone", {0x003d0f00}) == allow);  // glibc's pthread_create flags
  CHECK(decide(p, "clone", {0x10000000 | SIGCHLD}) == err(EPERM));  // CLONE_NEWUSER
  CHECK(decide(p, "clone", {0x40000000}) == err(EPERM));           // CLONE_NEWNET
  CHECK(decide(p, "clone", {0x7E020000}) == err(EPERM));
}

TEST_CASE("seccomp lower: socket and socketpair take AF_UNIX, AF_INET, AF_INET6, AF_NETLINK only", "[seccomp][lower]") {
  const SeccompPolicy& p = lowered_default();
  for (const char* call : {"socket", "socketpair"}) {
    INFO(call);
    for (std::uint64_t family : {1, 2, 10, 16}) CHECK(decide(p, call, {family, 1}) == allow);
    for (std::uint64_t family = 0; family < 100; ++family) {
      if (family == 1 || family == 2 || family == 10 || family == 16) continue;
      INFO("family " << family);
      CHECK(decide(p, call, {family, 1}) == err(EAFNOSUPPORT));
    }
    // The filter sees all 64 bits; the kernel reads an int: high bits are refused, not ignored.
    CHECK(decide(p, call, {0x100000002ULL, 1}) == err(EAFNOSUPPORT));
    CHECK(decide(p, call, {~std::uint64_t{0}, 1}) == err(EAFNOSUPPORT));
  }
}

TEST_CASE("seccomp lower: personality allows Docker's personas and the query only", "[seccomp][lower]") {
  const SeccompPolicy& p = lowered_default();
  for (std::uint64_t v : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) CHECK(decide(p, "personality", {v}) == allow);
  for (std::uint64_t v : {0x0040000ULL, 0x0400000ULL, 0x1ULL, 0x7ULL, 0x9ULL, 0x1ffffULL, 0x20001ULL, 0x20009ULL,
                          0xfffffffeULL, 0x100000000ULL, 0x1ffffffffULL, ~0ULL}) {
    INFO(std::hex << v);
    CHECK(decide(p, "personality", {v}) == err(EPERM));
  }
}

TEST_CASE("seccomp toml: not_in is every value outside the list, as one rule per range", "[seccomp][policy]") {
  SeccompPolicy p = parse_seccomp_toml(
      "default_action = \"allow\"\n[[rule]]\nwhy = \"w\"\nsyscalls = [\"socket\"]\naction = \"errno\"\n"
      "errno = \"EACCES\"\nargs = [{ index = 1, op = \"eq\", value = 3 }, { index = 0, op = \"not_in\", values = [7, 2, 0x10000, 2] }]\n",
      "t.toml");
  CHECK(p.rules.size() > 3);
  for (const auto& r : p.rules) {
    REQUIRE(r.args.size() == 2);
    CHECK(r.args[0] == SeccompArgCmp{1, Op::eq, 3, 0});  // the other comparison stays in every rule
    CHECK(r.why == "w");
  }
  auto refused = [&](std::uint64_t a0, std::uint64_t a1) { return decide(p, "socket", {a0, a1}) == err(EACCES); };
  for (std::uint64_t v = 0; v < 0x10100; ++v) {
    const bool listed = v == 2 || v == 7 || v == 0x10000;
    if (refused(v, 3) == listed) FAIL_CHECK("value " << v << (listed ? " is listed but refused" : " is not listed but allowed"));
  }
  CHECK(refused(~0ULL, 3));
  CHECK(refused(0x100000002ULL, 3));
  CHECK_FALSE(refused(0, 4));  // the eq on argument 1 still applies
}

TEST_CASE("seccomp toml: not_in errors name the field", "[seccomp][policy]") {
  auto error = [](const std::string& arg) {
    try {
      parse_seccomp_toml("default_action = \"allow\"\n[[rule]]\nwhy = \"w\"\nsyscalls = [\"socket\"]\naction = \"allow\"\nargs = [" +
                             arg + "]\n",
                         "t.toml");
    } catch (const PolicyError& e) {
      return std::string(e.what());
    }
    return std::string("(parsed)");
  };
  CHECK_THAT(error("{ index = 0, op = \"not_in\" }"), Catch::Contains("args[0].values: missing"));
  CHECK_THAT(error("{ index = 0, op = \"not_in\", values = [] }"), Catch::Contains("args[0].values: must name at least one"));
  CHECK_THAT(error("{ index = 0, op = \"not_in\", values = [-1] }"), Catch::Contains("args[0].values[0]: must not be negative"));
  CHECK_THAT(error("{ index = 0, op = \"not_in\", values = [1], value = 2 }"), Catch::Contains("args[0].value: not allowed"));
  CHECK_THAT(error("{ index = 0, op = \"eq\", value = 2, values = [1] }"), Catch::Contains("args[0].values: only allowed with op = \"not_in\""));
  CHECK_THAT(error("{ index = 0, op = \"not_in\", values = [1] }, { index = 1, op = \"not_in\", values = [1] }"),
             Catch::Contains("args[1]: one not_in per rule"));
}

TEST_CASE("seccomp lower: an OCI allow list keeps its errno default for what its argument rules leave",
          "[seccomp][lower][oci]") {
  // moby's shape: EPERM default, clone allowed without namespace flags, personality by value.
  SeccompPolicy p = lower_seccomp_policy(parse_oci_seccomp_json(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
      {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
       "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 9, "op": "SCMP_CMP_EQ"}]}]})",
                                                                "moby.json"));
  CHECK(p.default_action == err(ENOSYS));
  CHECK(decide(p, "read") == allow);
  CHECK(decide(p, "write") == err(EPERM));  // known, unlisted: the profile's default
  CHECK(decide(p, "clone", {SIGCHLD}) == allow);
  CHECK(decide(p, "clone", {0x40000000}) == err(EPERM));
  CHECK(decide(p, "personality", {0}) == allow);
  CHECK(decide(p, "personality", {0xffffffff}) == allow);
  CHECK(decide(p, "personality", {0x40000}) == err(EPERM));
  CHECK(decide(p, "socket", {16, 3, 9}) == err(EACCES));
  // Two arguments in one rule have no single-comparison complement: with an errno default
  // the rest falls to ENOSYS, a refusal too.
  CHECK(decide(p, "socket", {2, 1, 0}) == err(ENOSYS));
}

TEST_CASE("seccomp lower: a default that must allow what argument rules leave, and cannot, is an error",
          "[seccomp][lower]") {
  SeccompPolicy p;
  p.origin = "hand.toml";
  p.default_action = allow;
  p.rules.push_back({{"socket"}, err(EACCES), {{0, Op::eq, 16, 0}, {2, Op::eq, 9, 0}}, "audit"});
  CHECK_THROWS_WITH(lower_seccomp_policy(p), Catch::Contains("hand.toml") && Catch::Contains("rule 0 (audit)") &&
                                                 Catch::Contains("\"socket\"") && Catch::Contains("allow"));
  CHECK_THROWS_AS(SeccompProgram::compile(p), std::runtime_error);
  // Mixed masked and ordered comparisons on one syscall: the same.
  p.rules = {{{"clone"}, err(EPERM), {{0, Op::masked_eq, 0x10000000, 0x10000000}}, "a"},
             {{"clone"}, err(EPERM), {{0, Op::gt, 5, 0}}, "b"}};
  CHECK_THROWS_WITH(lower_seccomp_policy(p), Catch::Contains("rule 0 (a)"));
  // An unconditional rule beside them decides the syscall: nothing to write.
  p.rules.push_back({{"clone"}, err(EPERM), {}, "c"});
  CHECK_NOTHROW(lower_seccomp_policy(p));
}

TEST_CASE("seccomp lower: an allow list that already answers ENOSYS is kept as it is", "[seccomp][lower][oci]") {
  SeccompPolicy p;
  p.default_action = err(ENOSYS);
  p.rules.push_back({{"read"}, allow, {}, ""});
  SeccompPolicy l = lower_seccomp_policy(p);
  REQUIRE(l.rules.size() == 1);
  CHECK(decide(l, "write") == err(ENOSYS));
}

TEST_CASE("seccomp compile: the allow list stays well inside the kernel's program size", "[seccomp][compile]") {
  const auto n = SeccompProgram::compile(load_seccomp_policy(std::string(RUNBOX_SOURCE_DIR) + "/policies/seccomp/default.toml"))
                     .instructions()
                     .size();
  INFO(n << " instructions");
  CHECK(n <= BPF_MAXINSNS / 2);
  CHECK(SeccompProgram::compiler_tag().find("libseccomp-2.") != std::string::npos);
}
