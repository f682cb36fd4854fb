// runbox's own seccomp policy format (policies/seccomp/default.toml documents it). Strict on
// purpose: an unknown key, a misspelt syscall or errno name is an error rather than a rule that
// silently protects nothing.
#include <limits>

#include "runbox/sandbox/seccomp_names.hpp"
#include "runbox/sandbox/seccomp_values.hpp"
#include "seccomp_files/seccomp_files.hpp"
#include "toml/toml_reader.hpp"

namespace runbox::seccomp_files {
namespace {

using sandbox::SeccompAction;
using sandbox::SeccompArgCmp;
using sandbox::SeccompPolicy;
using sandbox::SeccompRule;
using sandbox::seccomp_detail::errno_from_name;
using sandbox::seccomp_detail::max_errno;
using sandbox::seccomp_detail::outside_values;
using sandbox::seccomp_detail::x86_64_syscall_number;
using tomlfile::type_name;

// A seccomp profile is a sandbox policy: its errors are PolicyErrors, as the OCI format's are.
[[noreturn]] void raise_policy_error(const std::string& file, int line, const std::string& field,
                                     const std::string& message) {
  throw sandbox::PolicyError(file, line, field, message);
}

constexpr tomlfile::Errors policy_errors{&raise_policy_error, "invalid TOML"};

class SeccompTomlReader {
 public:
  explicit SeccompTomlReader(const std::string& origin) : r_(origin, policy_errors) {}

  // Any integer from 0 up (the field decides the range); "must not be negative" without the
  // value, as this format has always said it.
  std::uint64_t unsigned_int(const toml::node& n, const std::string& field) const {
    if (const auto* i = n.as_integer(); i && i->get() < 0) r_.fail(n, field, "must not be negative");
    return r_.unsigned_int(n, field, std::numeric_limits<std::uint64_t>::max());
  }

  // An errno given by name ("EPERM") or number.
  int errno_value(const toml::node& n, const std::string& field) const {
    if (const auto* s = n.as_string()) {
      auto e = errno_from_name(s->get());
      if (!e) r_.fail(n, field, "unknown errno name \"" + s->get() + "\"");
      return *e;
    }
    if (n.is_integer()) {
      std::uint64_t v = unsigned_int(n, field);
      if (v > static_cast<std::uint64_t>(max_errno))
        r_.fail(n, field, "errno must be 0.." + std::to_string(max_errno));
      return static_cast<int>(v);
    }
    r_.fail(n, field, "expected an errno name or number, got " + type_name(n));
  }

  // `action` (+ `errno` when the action is "errno") from table t; key names are parameters so
  // the top level can use default_action / default_errno.
  SeccompAction action(const toml::table& t, std::string_view action_key,
                       std::string_view errno_key, const std::string& prefix) const {
    using K = SeccompAction::Kind;
    const std::string action_field = prefix + std::string(action_key);
    const std::string errno_field = prefix + std::string(errno_key);
    const toml::node& an = r_.require(t, action_key, action_field);
    const std::string& name = r_.string(an, action_field);
    SeccompAction a;
    if (name == "allow") a.kind = K::allow;
    else if (name == "errno") a.kind = K::errno_ret;
    else if (name == "kill_process") a.kind = K::kill_process;
    else if (name == "kill_thread") a.kind = K::kill_thread;
    else if (name == "trap") a.kind = K::trap;
    else if (name == "log") a.kind = K::log;
    else
      r_.fail(an, action_field, "unknown action \"" + name +
                                 "\" (expected allow, errno, kill_process, kill_thread, trap or log)");
    const toml::node* en = t.get(errno_key);
    if (a.kind == K::errno_ret) {
      if (!en) r_.fail(t, errno_field, "missing (required when " + action_field + " = \"errno\")");
      a.errno_value = errno_value(*en, errno_field);
    } else if (en) {
      r_.fail(*en, errno_field, "only allowed when " + action_field + " = \"errno\"");
    }
    return a;
  }

  // One args entry: a comparison, or (op = "not_in") the comparisons whose union is every value
  // outside `values`, which the caller turns into one rule each.
  std::vector<SeccompArgCmp> arg(const toml::node& n, const std::string& prefix) const {
    using Op = SeccompArgCmp::Op;
    const auto* t = n.as_table();
    if (!t) r_.fail(n, prefix, "expected a table like { index = 0, op = \"eq\", value = 1 }");
    r_.refuse_unknown_keys(*t, prefix + ".", {"index", "op", "value", "mask", "values"});
    SeccompArgCmp c;
    const toml::node& in = r_.require(*t, "index", prefix + ".index");
    std::uint64_t index = unsigned_int(in, prefix + ".index");
    if (index > 5) r_.fail(in, prefix + ".index", "syscall arguments are numbered 0..5");
    c.index = static_cast<unsigned>(index);

    const toml::node& on = r_.require(*t, "op", prefix + ".op");
    const std::string& op = r_.string(on, prefix + ".op");
    const toml::node* values = t->get("values");
    if (op == "not_in") {
      if (const toml::node* v = t->get("value")) r_.fail(*v, prefix + ".value", "not allowed with op = \"not_in\" (use values = [...])");
      if (const toml::node* m = t->get("mask")) r_.fail(*m, prefix + ".mask", "only allowed with op = \"masked_eq\"");
      if (!values) r_.fail(*t, prefix + ".values", "missing (required by op = \"not_in\")");
      const auto* a = values->as_array();
      if (!a) r_.fail(*values, prefix + ".values", "expected an array of integers, got " + type_name(*values));
      if (a->empty()) r_.fail(*values, prefix + ".values", "must name at least one value");
      std::vector<std::uint64_t> set;
      for (std::size_t i = 0; i < a->size(); ++i)
        set.push_back(unsigned_int(*a->get(i), prefix + ".values[" + std::to_string(i) + "]"));
      return outside_values(std::move(set), c.index);
    }
    if (values) r_.fail(*values, prefix + ".values", "only allowed with op = \"not_in\"");
    if (op == "eq") c.op = Op::eq;
    else if (op == "ne") c.op = Op::ne;
    else if (op == "lt") c.op = Op::lt;
    else if (op == "le") c.op = Op::le;
    else if (op == "gt") c.op = Op::gt;
    else if (op == "ge") c.op = Op::ge;
    else if (op == "masked_eq") c.op = Op::masked_eq;
    else r_.fail(on, prefix + ".op", "unknown op \"" + op + "\" (expected eq, ne, lt, le, gt, ge, masked_eq or not_in)");

    std::uint64_t value = unsigned_int(r_.require(*t, "value", prefix + ".value"), prefix + ".value");
    const toml::node* mask = t->get("mask");
    if (c.op == Op::masked_eq) {
      // (arg & mask) == value; libseccomp's datum_a is the mask, datum_b the value.
      if (!mask) r_.fail(*t, prefix + ".mask", "missing (required by op = \"masked_eq\")");
      c.value = unsigned_int(*mask, prefix + ".mask");
      c.value_two = value;
    } else {
      if (mask) r_.fail(*mask, prefix + ".mask", "only allowed with op = \"masked_eq\"");
      c.value = value;
    }
    return {c};
  }

  // One [[rule]]; several when it has a not_in comparison (one per comparison that stands for it).
  std::vector<SeccompRule> rule(const toml::node& n, const std::string& prefix) const {
    const auto* t = n.as_table();
    if (!t) r_.fail(n, prefix, "expected a table ([[rule]])");
    r_.refuse_unknown_keys(*t, prefix + ".", {"why", "syscalls", "action", "errno", "args"});
    SeccompRule r;

    const toml::node& wn = r_.require(*t, "why", prefix + ".why");
    r.why = r_.string(wn, prefix + ".why");
    if (r.why.empty()) r_.fail(wn, prefix + ".why", "must say why the rule exists");

    const toml::node& sn = r_.require(*t, "syscalls", prefix + ".syscalls");
    const auto* names = sn.as_array();
    if (!names) r_.fail(sn, prefix + ".syscalls", "expected an array of syscall names, got " + type_name(sn));
    if (names->empty()) r_.fail(sn, prefix + ".syscalls", "must name at least one syscall");
    for (std::size_t i = 0; i < names->size(); ++i) {
      const std::string field = prefix + ".syscalls[" + std::to_string(i) + "]";
      const std::string& name = r_.string(*names->get(i), field);
      if (!x86_64_syscall_number(name))
        r_.fail(*names->get(i), field, "unknown syscall \"" + name + "\" (not an x86-64 syscall libseccomp knows)");
      r.syscalls.push_back(name);
    }

    r.action = action(*t, "action", "errno", prefix + ".");

    std::vector<SeccompArgCmp> alternatives;  // from a not_in: one rule each
    if (const toml::node* an = t->get("args")) {
      const auto* args = an->as_array();
      if (!args) r_.fail(*an, prefix + ".args", "expected an array of tables, got " + type_name(*an));
      for (std::size_t i = 0; i < args->size(); ++i) {
        const std::string field = prefix + ".args[" + std::to_string(i) + "]";
        std::vector<SeccompArgCmp> cmps = arg(*args->get(i), field);
        const auto* at = args->get(i)->as_table();
        if (at && at->get("values")) {
          if (!alternatives.empty()) r_.fail(*args->get(i), field, "one not_in per rule");
          alternatives = std::move(cmps);
        } else {
          r.args.push_back(cmps.front());
        }
      }
    }
    if (alternatives.empty()) return {r};
    std::vector<SeccompRule> out;
    for (const auto& cmp : alternatives) {
      SeccompRule one = r;
      one.args.push_back(cmp);
      out.push_back(std::move(one));
    }
    return out;
  }

  SeccompPolicy policy(const toml::table& root) const {
    r_.refuse_unknown_keys(root, "", {"default_action", "default_errno", "rule"});
    SeccompPolicy p;
    p.origin = r_.origin();
    p.default_action = action(root, "default_action", "default_errno", "");
    if (const toml::node* rn = root.get("rule")) {
      const auto* rules = rn->as_array();
      if (!rules) r_.fail(*rn, "rule", "expected [[rule]] tables, got " + type_name(*rn));
      for (std::size_t i = 0; i < rules->size(); ++i)
        for (auto& r : rule(*rules->get(i), "rule[" + std::to_string(i) + "]")) p.rules.push_back(std::move(r));
    }
    return p;
  }

 private:
  tomlfile::TomlReader r_;
};

}  // namespace

SeccompPolicy parse_seccomp_toml(const std::string& text, const std::string& origin) {
  toml::table root = tomlfile::parse_toml(text, origin, policy_errors);
  return SeccompTomlReader(origin).policy(root);
}

}  // namespace runbox::seccomp_files
