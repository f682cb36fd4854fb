// Policy -> OCI profile, written from sandbox::lower_seccomp_policy (the allow list the native
// filter is compiled from too): defaultAction SCMP_ACT_ERRNO with defaultErrnoRet 38 (ENOSYS,
// Docker >= 20.10) answers only what runc's libseccomp does not know, and with an ENOSYS
// default runc adds no stub of its own. Parsing the result with
// seccomp_files::parse_oci_seccomp_json gives the lowered policy back (tests check the round
// trip): masked_eq is value = mask, valueTwo = datum, as runc hands them to libseccomp.
#include "docker/seccomp_json.hpp"

#include <boost/json.hpp>

namespace runbox::docker {
namespace {

namespace json = boost::json;
using sandbox::SeccompAction;
using sandbox::SeccompArgCmp;

const char* action_name(const SeccompAction& a) {
  switch (a.kind) {
    case SeccompAction::Kind::allow: return "SCMP_ACT_ALLOW";
    case SeccompAction::Kind::errno_ret: return "SCMP_ACT_ERRNO";
    case SeccompAction::Kind::kill_process: return "SCMP_ACT_KILL_PROCESS";
    case SeccompAction::Kind::kill_thread: return "SCMP_ACT_KILL_THREAD";
    case SeccompAction::Kind::trap: return "SCMP_ACT_TRAP";
    case SeccompAction::Kind::log: return "SCMP_ACT_LOG";
  }
  return "SCMP_ACT_KILL_PROCESS";  // unreachable; the strictest answer if it ever is reached
}

const char* op_name(SeccompArgCmp::Op op) {
  switch (op) {
    case SeccompArgCmp::Op::ne: return "SCMP_CMP_NE";
    case SeccompArgCmp::Op::lt: return "SCMP_CMP_LT";
    case SeccompArgCmp::Op::le: return "SCMP_CMP_LE";
    case SeccompArgCmp::Op::eq: return "SCMP_CMP_EQ";
    case SeccompArgCmp::Op::ge: return "SCMP_CMP_GE";
    case SeccompArgCmp::Op::gt: return "SCMP_CMP_GT";
    case SeccompArgCmp::Op::masked_eq: return "SCMP_CMP_MASKED_EQ";
  }
  return "SCMP_CMP_EQ";
}

}  // namespace

std::string seccomp_profile_json(const sandbox::SeccompPolicy& original) {
  const sandbox::SeccompPolicy policy = sandbox::lower_seccomp_policy(original);
  json::object root;
  root["defaultAction"] = action_name(policy.default_action);
  if (policy.default_action.kind == SeccompAction::Kind::errno_ret)
    root["defaultErrnoRet"] = policy.default_action.errno_value;
  root["architectures"] = json::array{"SCMP_ARCH_X86_64"};
  json::array calls;
  for (const auto& rule : policy.rules) {
    json::object entry;
    json::array names;
    for (const auto& n : rule.syscalls) names.emplace_back(n);
    entry["names"] = std::move(names);
    entry["action"] = action_name(rule.action);
    if (rule.action.kind == SeccompAction::Kind::errno_ret) entry["errnoRet"] = rule.action.errno_value;
    json::array args;
    for (const auto& a : rule.args) {
      json::object cmp;
      cmp["index"] = a.index;
      cmp["value"] = a.value;
      cmp["valueTwo"] = a.value_two;
      cmp["op"] = op_name(a.op);
      args.emplace_back(std::move(cmp));
    }
    entry["args"] = std::move(args);
    if (!rule.why.empty()) entry["comment"] = rule.why;
    calls.emplace_back(std::move(entry));
  }
  root["syscalls"] = std::move(calls);
  return json::serialize(root);
}

}  // namespace runbox::docker
