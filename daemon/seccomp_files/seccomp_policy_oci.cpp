// Docker/OCI seccomp profiles (the JSON of moby's profiles/seccomp/default.json and
// containers-common's /usr/share/containers/seccomp.json), read with the semantics runc/Docker
// give them for a runbox sandbox: x86-64 only, no capabilities at all.
#include <sys/utsname.h>

#include <boost/json.hpp>

#include <array>
#include <cstdio>
#include <optional>

#include "runbox/sandbox/seccomp_names.hpp"
#include "seccomp_files/seccomp_files.hpp"

namespace json = boost::json;

namespace runbox::seccomp_files {
namespace {

using sandbox::PolicyError;
using sandbox::SeccompAction;
using sandbox::SeccompArgCmp;
using sandbox::SeccompPolicy;
using sandbox::SeccompRule;
using sandbox::seccomp_detail::max_errno;
using sandbox::seccomp_detail::x86_64_syscall_number;

// Kernel versions compared as (major, minor, patch).
using KernelVersion = std::array<unsigned, 3>;

std::optional<KernelVersion> parse_kernel_version(const std::string& s) {
  KernelVersion v{0, 0, 0};
  int n = std::sscanf(s.c_str(), "%u.%u.%u", &v[0], &v[1], &v[2]);
  if (n < 2) return std::nullopt;
  return v;
}

KernelVersion running_kernel() {
  utsname u{};
  uname(&u);
  auto v = parse_kernel_version(u.release);  // "6.1.0-18-amd64"
  return v ? *v : KernelVersion{0, 0, 0};
}

class OciReader {
 public:
  explicit OciReader(const std::string& origin) : origin_(origin), kernel_(running_kernel()) {}

  [[noreturn]] void fail(const std::string& field, const std::string& message) const {
    throw PolicyError(origin_, 0, field, message);  // Boost.JSON values carry no line numbers
  }

  const json::object& object(const json::value& v, const std::string& field) const {
    if (!v.is_object()) fail(field, "expected an object");
    return v.get_object();
  }
  const json::string& string(const json::value& v, const std::string& field) const {
    if (!v.is_string()) fail(field, "expected a string");
    return v.get_string();
  }
  std::uint64_t unsigned_int(const json::value& v, const std::string& field) const {
    if (v.is_uint64()) return v.get_uint64();
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
    fail(field, "expected a non-negative integer");
  }
  std::vector<std::string> strings(const json::value& v, const std::string& field) const {
    std::vector<std::string> out;
    if (v.is_null()) return out;
    if (!v.is_array()) fail(field, "expected an array of strings");
    const auto& a = v.get_array();
    for (std::size_t i = 0; i < a.size(); ++i)
      out.emplace_back(string(a[i], field + "[" + std::to_string(i) + "]"));
    return out;
  }

  int errno_ret(const json::object& o, std::string_view key, const std::string& field) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return EPERM;  // runc's default when errnoRet is absent
    std::uint64_t e = unsigned_int(*v, field);
    if (e > static_cast<std::uint64_t>(max_errno)) fail(field, "errno must be 0.." + std::to_string(max_errno));
    return static_cast<int>(e);
  }

  SeccompAction action(const json::value& v, const std::string& field, int errno_value) const {
    using K = SeccompAction::Kind;
    const std::string name(string(v, field));
    SeccompAction a;
    if (name == "SCMP_ACT_ALLOW") a.kind = K::allow;
    else if (name == "SCMP_ACT_ERRNO") a = {K::errno_ret, errno_value};
    // libseccomp's SCMP_ACT_KILL is SECCOMP_RET_KILL_THREAD.
    else if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") a.kind = K::kill_thread;
    else if (name == "SCMP_ACT_KILL_PROCESS") a.kind = K::kill_process;
    else if (name == "SCMP_ACT_TRAP") a.kind = K::trap;
    else if (name == "SCMP_ACT_LOG") a.kind = K::log;
    // runbox never attaches a tracer, and with none the kernel fails a TRACE'd call with ENOSYS:
    // the same answer, without depending on that.
    else if (name == "SCMP_ACT_TRACE") a = {K::errno_ret, ENOSYS};
    else fail(field, "unsupported action \"" + name + "\" (SCMP_ACT_NOTIFY needs a listener runbox does not have)");
    return a;
  }

  SeccompArgCmp arg(const json::value& v, const std::string& field) const {
    using Op = SeccompArgCmp::Op;
    const json::object& o = object(v, field);
    SeccompArgCmp c;
    const json::value* index = o.if_contains("index");
    if (!index) fail(field + ".index", "missing");
    std::uint64_t i = unsigned_int(*index, field + ".index");
    if (i > 5) fail(field + ".index", "syscall arguments are numbered 0..5");
    c.index = static_cast<unsigned>(i);
    const json::value* value = o.if_contains("value");
    if (!value) fail(field + ".value", "missing");
    // value -> libseccomp datum_a, valueTwo -> datum_b, as runc passes them. For MASKED_EQ that
    // makes value the mask and valueTwo the datum: (arg & value) == valueTwo.
    c.value = unsigned_int(*value, field + ".value");
    if (const json::value* two = o.if_contains("valueTwo"))
      c.value_two = unsigned_int(*two, field + ".valueTwo");
    const json::value* op = o.if_contains("op");
    if (!op) fail(field + ".op", "missing");
    const std::string name(string(*op, field + ".op"));
    if (name == "SCMP_CMP_NE") c.op = Op::ne;
    else if (name == "SCMP_CMP_LT") c.op = Op::lt;
    else if (name == "SCMP_CMP_LE") c.op = Op::le;
    else if (name == "SCMP_CMP_EQ") c.op = Op::eq;
    else if (name == "SCMP_CMP_GE") c.op = Op::ge;
    else if (name == "SCMP_CMP_GT") c.op = Op::gt;
    else if (name == "SCMP_CMP_MASKED_EQ") c.op = Op::masked_eq;
    else fail(field + ".op", "unknown op \"" + name + "\"");
    return c;
  }

  // includes / excludes, each read whole (so a malformed one is always reported).
  struct Condition {
    std::vector<std::string> caps, arches;
    std::optional<KernelVersion> min_kernel;
  };
  Condition condition(const json::object& entry, std::string_view key, const std::string& field) const {
    Condition c;
    const json::value* v = entry.if_contains(key);
    if (!v || v->is_null()) return c;
    const json::object& o = object(*v, field);
    if (const json::value* caps = o.if_contains("caps")) c.caps = strings(*caps, field + ".caps");
    if (const json::value* arches = o.if_contains("arches")) c.arches = strings(*arches, field + ".arches");
    if (const json::value* mk = o.if_contains("minKernel"); mk && !mk->is_null()) {
      const std::string s(string(*mk, field + ".minKernel"));
      c.min_kernel = parse_kernel_version(s);
      if (!c.min_kernel) fail(field + ".minKernel", "expected a kernel version like \"5.8\", got \"" + s + "\"");
    }
    return c;
  }

  static bool names_our_arch(const std::vector<std::string>& arches) {
    for (const auto& a : arches)
      if (a == "amd64" || a == "x86_64" || a == "SCMP_ARCH_X86_64") return true;
    return false;
  }

  // Docker's meaning, for a process with no capabilities at all on x86-64: includes.caps never
  // hold and excludes.caps never match.
  bool applies(const json::object& entry, const std::string& field) const {
    const Condition inc = condition(entry, "includes", field + ".includes");
    const Condition exc = condition(entry, "excludes", field + ".excludes");
    if (!inc.caps.empty()) return false;
    if (!inc.arches.empty() && !names_our_arch(inc.arches)) return false;
    if (inc.min_kernel && kernel_ < *inc.min_kernel) return false;
    if (names_our_arch(exc.arches)) return false;
    if (exc.min_kernel && kernel_ >= *exc.min_kernel) return false;
    return true;
  }

  // One syscalls[] entry -> zero or more rules (none when it does not apply here).
  void add_rules(const json::value& v, const std::string& field, std::vector<SeccompRule>& out) const {
    const json::object& o = object(v, field);
    SeccompRule r;
    r.why = field;
    if (const json::value* c = o.if_contains("comment"); c && c->is_string() && !c->get_string().empty())
      r.why += ": " + std::string(c->get_string());

    std::vector<std::string> names;
    if (const json::value* n = o.if_contains("names")) names = strings(*n, field + ".names");
    if (const json::value* n = o.if_contains("name")) names.emplace_back(string(*n, field + ".name"));
    if (names.empty()) fail(field + ".names", "missing (no syscall named)");

    const json::value* act = o.if_contains("action");
    if (!act) fail(field + ".action", "missing");
    r.action = action(*act, field + ".action", errno_ret(o, "errnoRet", field + ".errnoRet"));

    if (const json::value* args = o.if_contains("args"); args && !args->is_null()) {
      if (!args->is_array()) fail(field + ".args", "expected an array");
      const auto& a = args->get_array();
      for (std::size_t i = 0; i < a.size(); ++i)
        r.args.push_back(arg(a[i], field + ".args[" + std::to_string(i) + "]"));
    }
    // Validate everything above before deciding the entry does not apply to us.
    if (!applies(o, field)) return;

    // Like Docker: names libseccomp does not know, or that are not x86-64 syscalls, are skipped
    // so one profile serves every architecture and libseccomp version.
    for (auto& n : names)
      if (x86_64_syscall_number(n)) r.syscalls.push_back(std::move(n));
    if (r.syscalls.empty()) return;

    // libseccomp refuses two comparisons of the same argument in one rule; runc then adds each
    // comparison as a rule of its own (OR instead of AND), and so do we to mean the same thing.
    bool repeated = false;
    for (std::size_t i = 0; i < r.args.size(); ++i)
      for (std::size_t j = i + 1; j < r.args.size(); ++j) repeated = repeated || r.args[i].index == r.args[j].index;
    if (!repeated) {
      out.push_back(std::move(r));
      return;
    }
    for (const auto& cmp : r.args) {
      SeccompRule one = r;
      one.args = {cmp};
      out.push_back(std::move(one));
    }
  }

  SeccompPolicy policy(const json::value& root) const {
    const json::object& o = object(root, "(top level)");
    SeccompPolicy p;
    p.origin = origin_;
    const json::value* def = o.if_contains("defaultAction");
    if (!def) fail("defaultAction", "missing");
    p.default_action = action(*def, "defaultAction", errno_ret(o, "defaultErrnoRet", "defaultErrnoRet"));
    // architectures/archMap are ignored on purpose: runbox filters x86-64 and kills other ABIs.
    if (const json::value* calls = o.if_contains("syscalls"); calls && !calls->is_null()) {
      if (!calls->is_array()) fail("syscalls", "expected an array");
      const auto& a = calls->get_array();
      for (std::size_t i = 0; i < a.size(); ++i) add_rules(a[i], "syscalls[" + std::to_string(i) + "]", p.rules);
    }
    return p;
  }

 private:
  const std::string& origin_;
  KernelVersion kernel_;
};

}  // namespace

SeccompPolicy parse_oci_seccomp_json(const std::string& text, const std::string& origin) {
  json::parser parser;
  json::error_code ec;
  std::size_t used = parser.write(text.data(), text.size(), ec);  // errors on trailing junk too
  if (ec) {
    // The parser stops at the error, so the bytes it took give the line.
    int line = 1;
    for (std::size_t i = 0; i < used && i < text.size(); ++i) line += text[i] == '\n';
    throw PolicyError(origin, line, "", "invalid JSON: " + ec.message());
  }
  return OciReader(origin).policy(parser.release());
}

}  // namespace runbox::seccomp_files
