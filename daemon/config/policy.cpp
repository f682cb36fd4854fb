#include "config/policy.hpp"

#include <climits>
#include <cmath>
#include <sstream>

#include "config/config_toml.hpp"
#include "config/effective_limits.hpp"
#include "config/runtime_def.hpp"
#include "seccomp_files/seccomp_files.hpp"

namespace runbox::config {
namespace {

using tomlfile::line_of;
using tomlfile::TomlReader;

constexpr std::uint64_t kMinUid = 1000;            // below: system accounts
constexpr std::uint64_t kMaxUid = 4294967294;      // (uid_t)-1 means "no change" to the kernel
constexpr std::uint64_t kMaxSandboxSize = 1 << 20;  // MB / files: 1 TiB of tmpfs is plenty
// [request]: an answer holds up to ~6 bytes per output byte (JSON escapes of control bytes), so
// 1024 MB of output could mean a 6 GB answer; beyond that a policy is surely a typo.
constexpr std::uint64_t kMaxTestsPerRequest = 65536;
constexpr std::uint64_t kMaxAnswerOutputMb = 1024;
constexpr std::uint64_t kDefaultCpusMilli = 1000;   // a stage's cpus when the policy has none

std::string factor_text(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

// A table's line; implicitly created tables ([runtime.java.run.default] creates runtime.java)
// have none, so the first line found inside is used.
int first_line(const toml::node& n) {
  int l = line_of(n);
  if (l > 0) return l;
  if (const auto* t = n.as_table()) {
    int best = 0;
    for (auto&& [k, v] : *t) {
      int c = first_line(v);
      if (c > 0 && (best == 0 || c < best)) best = c;
    }
    return best;
  }
  return 0;
}

class PolicyReader {
 public:
  PolicyReader(const std::string& origin, std::filesystem::path base_dir)
      : r_(origin, toml_errors), base_dir_(std::move(base_dir)) {}

  Policy read(const toml::table& root) const {
    r_.refuse_unknown_keys(root, "", {"seccomp", "uids", "sandbox", "run", "compile", "runtime", "backend", "request"});
    Policy p;
    p.origin = r_.origin();

    const toml::node& sn = r_.require(root, "seccomp", "seccomp");
    std::filesystem::path s = r_.string(sn, "seccomp");
    if (s.empty()) r_.fail(sn, "seccomp", "must name a seccomp profile (runbox TOML or OCI JSON)");
    if (s.extension() != ".toml" && s.extension() != ".json")
      r_.fail(sn, "seccomp", "must be a .toml (runbox format) or .json (OCI/Docker profile) file");
    p.seccomp = s.is_absolute() ? s : base_dir_ / s;
    p.seccomp_line = line_of(sn);

    const toml::table& ut = r_.table(r_.require(root, "uids", "uids"), "uids");
    r_.refuse_unknown_keys(ut, "uids.", {"first", "count"});
    const toml::node& fn = r_.require(ut, "first", "uids.first");
    std::uint64_t first = r_.unsigned_int(fn, "uids.first", kMaxUid);
    if (first < kMinUid) r_.fail(fn, "uids.first", "must be at least " + std::to_string(kMinUid) + " (lower uids belong to the system)");
    const toml::node& cn = r_.require(ut, "count", "uids.count");
    std::uint64_t count = r_.unsigned_int(cn, "uids.count", kMaxUid);
    if (count == 0) r_.fail(cn, "uids.count", "must be at least 1");
    if (first + count - 1 > kMaxUid)
      r_.fail(cn, "uids.count", "the range ends past uid " + std::to_string(kMaxUid));
    for (std::uint64_t reserved : {std::uint64_t{65534}, std::uint64_t{65535}})
      if (first <= reserved && reserved < first + count)
        r_.fail(cn, "uids.count", "the range " + std::to_string(first) + ".." + std::to_string(first + count - 1) +
                                      " includes " + std::to_string(reserved) + " (nobody / the 16-bit invalid uid)");
    p.uid_first = static_cast<std::uint32_t>(first);
    p.uid_count = static_cast<std::uint32_t>(count);
    p.uid_line = line_of(fn);

    if (const toml::node* bn = root.get("backend")) p.backend = backend(*bn);
    if (const toml::node* qn = root.get("request")) p.request = request_shape(*qn);
    p.sandbox = sandbox_sizes(r_.require(root, "sandbox", "sandbox"), "sandbox", true);
    p.run = stage(r_.require(root, "run", "run"), "run", true);
    p.compile = stage(r_.require(root, "compile", "compile"), "compile", true);

    if (const toml::node* rn = root.get("runtime")) {
      const toml::table& rt = r_.table(*rn, "runtime");
      for (auto&& [key, value] : rt) {
        const std::string name(key.str());
        const std::string prefix = "runtime." + name;
        const toml::table& t = r_.table(value, prefix);
        r_.refuse_unknown_keys(t, prefix + ".", {"run", "compile", "sandbox"});
        RuntimeOverride o;
        o.runtime = name;
        o.line = first_line(value);
        if (const toml::node* n = t.get("run")) o.run = stage(*n, prefix + ".run", false);
        if (const toml::node* n = t.get("compile")) o.compile = stage(*n, prefix + ".compile", false);
        if (const toml::node* n = t.get("sandbox")) o.sandbox = sandbox_sizes(*n, prefix + ".sandbox", false);
        p.overrides.push_back(std::move(o));
      }
    }
    return p;
  }

 private:
  BackendPolicy backend(const toml::node& n) const {
    const toml::table& t = r_.table(n, "backend");
    r_.refuse_unknown_keys(t, "backend.", {"force", "docker_runtime", "runtime", "fallback"});
    if (t.get("docker_runtime") && t.get("runtime"))
      r_.fail(*t.get("runtime"), "backend.runtime", "set docker_runtime or runtime (the same setting), not both");
    BackendPolicy b;
    if (const toml::node* f = t.get("force")) {
      b.force = r_.string(*f, "backend.force");
      if (*b.force != "native" && *b.force != "docker") r_.fail(*f, "backend.force", "must be \"native\" or \"docker\"");
    }
    const char* rt_key = t.get("runtime") ? "runtime" : "docker_runtime";
    if (const toml::node* rt = t.get(rt_key)) {
      b.docker_runtime = r_.string(*rt, std::string("backend.") + rt_key);
      if (b.docker_runtime.find_first_of(" \t\n/") != std::string::npos)
        r_.fail(*rt, std::string("backend.") + rt_key, "must be the name of an OCI runtime registered in the Docker engine (\"runsc\")");
    }
    if (const toml::node* fb = t.get("fallback")) {
      const std::string& v = r_.string(*fb, "backend.fallback");
      if (v != "refuse" && v != "docker") r_.fail(*fb, "backend.fallback", "must be \"refuse\" or \"docker\"");
      b.fallback_to_docker = v == "docker";
    }
    return b;
  }

  // [request]: optional, as is each key (RequestPolicy has the defaults).
  RequestPolicy request_shape(const toml::node& n) const {
    const toml::table& t = r_.table(n, "request");
    r_.refuse_unknown_keys(t, "request.", {"max_tests", "max_answer_output_mb", "max_parallel_tests", "checkers_dir"});
    RequestPolicy q;
    if (const toml::node* v = t.get("max_tests")) {
      q.max_tests = r_.unsigned_int(*v, "request.max_tests", kMaxTestsPerRequest);
      if (q.max_tests == 0) r_.fail(*v, "request.max_tests", "must be at least 1 (0 would refuse every judge request)");
    }
    if (const toml::node* v = t.get("max_answer_output_mb")) {
      // 0 is a real limit: every stage that prints anything ends output_limit.
      q.max_answer_output_mb = r_.unsigned_int(*v, "request.max_answer_output_mb", kMaxAnswerOutputMb);
    }
    if (const toml::node* v = t.get("max_parallel_tests")) {
      q.max_parallel_tests = r_.unsigned_int(*v, "request.max_parallel_tests", 256);
      if (q.max_parallel_tests == 0) r_.fail(*v, "request.max_parallel_tests", "must be at least 1 (1: tests one at a time)");
    }
    if (const toml::node* v = t.get("checkers_dir")) {
      const std::filesystem::path d = r_.string(*v, "request.checkers_dir");
      if (d.empty()) r_.fail(*v, "request.checkers_dir", "must not be empty (leave it out for no checkers)");
      q.checkers_dir = d.is_absolute() ? d : base_dir_ / d;
    }
    return q;
  }

  LimitTable limit_table(const toml::node& n, const std::string& prefix, bool complete) const {
    const toml::table& t = r_.table(n, prefix);
    r_.refuse_unknown_keys(t, prefix + ".", {"cpu_ms", "wall_ms", "memory_mb", "pids", "output_kb", "file_size_kb", "cpus"});
    LimitTable out;
    for (LimitField f : kLimitFields) {
      const std::string field = prefix + "." + std::string(field_name(f));
      const toml::node* v = t.get(field_name(f));
      if (!v) {
        // cpus is newer than the other fields: a policy without it keeps working (stage()).
        if (complete && f != LimitField::cpus) r_.fail(first_line(t), field, "missing");
        continue;
      }
      auto i = static_cast<std::size_t>(f);
      out.value[i] = f == LimitField::cpus ? cpus_milli(*v, field) : r_.unsigned_int(*v, field, kMaxLimitValue);
      out.line[i] = line_of(*v);
      if (*out.value[i] < field_minimum(f)) r_.fail(*v, field, below_minimum_text(f));
    }
    return out;
  }

  // cpus = 1 or cpus = 0.5: cores, kept in thousandths (rounded to the nearest).
  std::uint64_t cpus_milli(const toml::node& v, const std::string& field) const {
    double x = r_.number(v, field);
    if (x < 0) r_.fail(v, field, "must not be negative (got " + std::to_string(x) + ")");
    if (!(x <= kMaxCpus)) r_.fail(v, field, "must be at most " + std::to_string(static_cast<int>(kMaxCpus)) + " cores");
    return static_cast<std::uint64_t>(std::llround(x * 1000));
  }

  StagePolicy stage(const toml::node& n, const std::string& prefix, bool complete) const {
    const toml::table& t = r_.table(n, prefix);
    r_.refuse_unknown_keys(t, prefix + ".", {"default", "max"});
    StagePolicy s;
    const toml::node* dn = t.get("default");
    const toml::node* mn = t.get("max");
    if (complete && !dn) r_.fail(first_line(t), prefix + ".default", "missing");
    if (complete && !mn) r_.fail(first_line(t), prefix + ".max", "missing");
    if (dn) s.defaults = limit_table(*dn, prefix + ".default", complete);
    if (mn) s.maxima = limit_table(*mn, prefix + ".max", complete);
    if (complete) {
      // No cpus in the policy: one core, and no more on request (the maximum is the default).
      const auto c = static_cast<std::size_t>(LimitField::cpus);
      if (!s.defaults.value[c]) s.defaults.value[c] = kDefaultCpusMilli;
      if (!s.maxima.value[c]) {
        s.maxima.value[c] = s.defaults.value[c];
        s.maxima.line[c] = s.defaults.line[c];
      }
    }
    for (LimitField f : kLimitFields) {
      const auto& d = s.defaults.get(f);
      const auto& m = s.maxima.get(f);
      if (d && m && *d > *m)
        r_.fail(s.defaults.line_of(f) ? s.defaults.line_of(f) : s.maxima.line_of(f), prefix + ".default." + std::string(field_name(f)),
                format_limit(f, *d) + " is above the maximum " + prefix + ".max." + std::string(field_name(f)) +
                    " = " + format_limit(f, *m));
    }
    return s;
  }

  SandboxSizes sandbox_sizes(const toml::node& n, const std::string& prefix, bool complete) const {
    const toml::table& t = r_.table(n, prefix);
    r_.refuse_unknown_keys(t, prefix + ".",
                           {"box_mb", "tmp_mb", "nofile", "stack_mb", "box_inodes", "tmp_inodes", "shm_inodes"});
    SandboxSizes s;
    auto read = [&](std::string_view key, std::optional<std::uint64_t>& out, std::uint64_t min, const char* why,
                    bool required = true) {
      const std::string field = prefix + "." + std::string(key);
      const toml::node* v = t.get(key);
      if (!v) {
        if (complete && required) r_.fail(first_line(t), field, "missing");
        return;
      }
      out = r_.unsigned_int(*v, field, kMaxSandboxSize);
      if (*out < min) r_.fail(*v, field, std::string("must be at least ") + std::to_string(min) + why);
    };
    // A tmpfs of size 0 would be unlimited to the kernel: the smallest real size is 1 MB.
    read("box_mb", s.box_mb, 1, " (a tmpfs of size 0 has no limit at all)");
    read("tmp_mb", s.tmp_mb, 1, " (a tmpfs of size 0 has no limit at all)");
    read("nofile", s.nofile, 0, "");
    read("stack_mb", s.stack_mb, 0, "");
    // Inode counts (nr_inodes) of the tmpfs mounts; optional (sandbox::Limits has the defaults).
    // nr_inodes=0 is unlimited to tmpfs: at least 1 (the root itself takes one).
    const char* no_zero = " (tmpfs reads nr_inodes 0 as no limit at all)";
    read("box_inodes", s.box_inodes, 1, no_zero, false);
    read("tmp_inodes", s.tmp_inodes, 1, no_zero, false);
    read("shm_inodes", s.shm_inodes, 1, no_zero, false);
    return s;
  }

  TomlReader r_;
  std::filesystem::path base_dir_;
};

}  // namespace

const RuntimeOverride* Policy::override_for(std::string_view runtime) const {
  for (const auto& o : overrides)
    if (o.runtime == runtime) return &o;
  return nullptr;
}

Policy parse_policy(const std::string& text, const std::string& origin, const std::filesystem::path& base_dir) {
  toml::table root = tomlfile::parse_toml(text, origin, toml_errors);
  return PolicyReader(origin, base_dir).read(root);
}

Policy load_policy(const std::filesystem::path& file) {
  return parse_policy(tomlfile::read_text_file(file, toml_errors), file.string(), file.parent_path());
}

sandbox::SeccompPolicy load_policy_seccomp(const Policy& policy) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(policy.seccomp, ec))
    throw ConfigError(policy.origin, policy.seccomp_line, "seccomp",
                      "the seccomp profile " + policy.seccomp.string() + " does not exist");
  return seccomp_files::load_seccomp_policy(policy.seccomp);
}

void check_policy_runtimes(const Policy& policy, const RuntimeSet& runtimes) {
  for (const auto& o : policy.overrides) {
    const std::string field = "runtime." + o.runtime;
    const RuntimeDef* rt = runtimes.find(o.runtime);
    if (!rt) throw ConfigError(policy.origin, o.line, field, "no runtime is named \"" + o.runtime + "\"");
    if (rt->name != o.runtime)
      throw ConfigError(policy.origin, o.line, field,
                        "\"" + o.runtime + "\" is an alias of " + rt->name + "; use the runtime's name");
    if (!rt->has_compile()) {
      for (LimitField f : kLimitFields) {
        int line = o.compile.defaults.get(f) ? o.compile.defaults.line_of(f)
                   : o.compile.maxima.get(f) ? o.compile.maxima.line_of(f) : 0;
        if (line > 0)
          throw ConfigError(policy.origin, line, field + ".compile",
                            rt->name + " has no compile stage (" + rt->origin + ")");
      }
    }
  }
  for (const auto& rt : runtimes.all()) {
    for (StageKind stage : {StageKind::run, StageKind::compile}) {
      if (stage == StageKind::compile && !rt.has_compile()) continue;
      StageBounds b = stage_bounds(policy, rt, stage);
      const RuntimeOverride* o = policy.override_for(rt.name);
      const StagePolicy* os = o ? &(stage == StageKind::run ? o->run : o->compile) : nullptr;
      for (LimitField f : kLimitFields) {
        std::uint64_t d = field_of(b.defaults, f), m = field_of(b.maxima, f);
        std::string sn(stage_name(stage)), fn(field_name(f));
        // Overrides are absolute and checked when read: only a multiplier that rounds a policy
        // value down gets here (pids 1 x 0.4 = 0). Refused: 0 would never be "unlimited".
        for (auto [value, kind] : {std::pair{d, "default"}, std::pair{m, "max"}}) {
          if (value >= field_minimum(f)) continue;
          const LimitMultipliers& mult = rt.multipliers(stage);
          const std::string mfield = std::string(stage == StageKind::run ? "limits." : "compile_limits.") +
                                     std::string(multiplier_name(f));
          throw ConfigError(rt.origin, mult.line_of(f), mfield,
                            "for runtime " + rt.name + " the " + sn + " " + kind + " " + fn + " would be " +
                                format_limit(f, value) + " (" + policy.origin + " " + sn + "." + kind + "." + fn +
                                " x " + factor_text(mult.of(f)) + ", rounded), which " + below_minimum_text(f));
        }
        if (d <= m) continue;
        int line = policy.stage(stage).defaults.line_of(f);
        std::string field = sn + ".default." + fn;
        if (os && os->defaults.get(f)) {
          line = os->defaults.line_of(f);
          field = "runtime." + rt.name + "." + field;
        } else if (os && os->maxima.get(f)) {
          line = os->maxima.line_of(f);
          field = "runtime." + rt.name + "." + sn + ".max." + fn;
        }
        throw ConfigError(policy.origin, line, field,
                          "for runtime " + rt.name + " the " + sn + " default " + fn + " would be " +
                              format_limit(f, d) + ", above its maximum " + format_limit(f, m));
      }
    }
  }
}

}  // namespace runbox::config
