// Merging a stage's limits: policy defaults x runtime multiplier <- per-runtime override <- request.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "config/effective_limits.hpp"
#include "config/policy.hpp"
#include "config/runtime_def.hpp"

using namespace runbox::config;
using runbox::sandbox::Limits;

namespace {

const std::string policy_text = R"(
seccomp = "seccomp/default.toml"
[uids]
first = 100000
count = 16
[sandbox]
box_mb = 64
tmp_mb = 32
nofile = 128
stack_mb = 16
[run.default]
cpu_ms = 1000
wall_ms = 3000
memory_mb = 100
pids = 10
output_kb = 64
file_size_kb = 1
[run.max]
cpu_ms = 5000
wall_ms = 10000
memory_mb = 400
pids = 40
output_kb = 256
file_size_kb = 1024
cpus = 2
[compile.default]
cpu_ms = 4000
wall_ms = 8000
memory_mb = 300
pids = 20
output_kb = 32
file_size_kb = 65536
cpus = 1.5
[compile.max]
cpu_ms = 8000
wall_ms = 16000
memory_mb = 600
pids = 40
output_kb = 64
file_size_kb = 131072
[runtime.heavy.run.default]
cpu_ms = 3000
[runtime.heavy.run.max]
pids = 50
[runtime.heavy.sandbox]
tmp_mb = 256
)";

Policy policy() { return parse_policy(policy_text, "p.toml", "/p"); }

RuntimeDef runtime(const std::string& name, const std::string& multipliers) {
  return parse_runtime_def("name = \"" + name + "\"\nimage = \"i\"\nsource_file = \"m\"\ncompile = [\"cc\"]\n"
                           "run = [\"./m\"]\nversion = [\"v\"]\n" + multipliers,
                           name + ".toml");
}

Limits ok(const std::variant<Limits, LimitRefusal>& r) {
  if (const auto* refusal = std::get_if<LimitRefusal>(&r)) FAIL("refused: " << refusal->message);
  return std::get<Limits>(r);
}

LimitRefusal refused(const std::variant<Limits, LimitRefusal>& r) {
  if (std::holds_alternative<Limits>(r)) FAIL("accepted, a refusal was expected");
  return std::get<LimitRefusal>(r);
}

}  // namespace

TEST_CASE("config limits: a request that sets nothing gets the policy's defaults and sizes", "[config][limits]") {
  Policy p = policy();
  RuntimeDef plain = runtime("plain", "");
  Limits run = ok(effective_limits(p, plain, StageKind::run, {}));
  CHECK(run.cpu_ms == 1000);
  CHECK(run.wall_ms == 3000);
  CHECK(run.memory_mb == 100);
  CHECK(run.pids == 10);
  CHECK(run.output_kb == 64);
  CHECK(run.file_size_kb == 1);
  CHECK(run.cpus_milli == 1000);  // no cpus in [run.default]: one core
  CHECK(run.box_mb == 64);
  CHECK(run.tmp_mb == 32);
  CHECK(run.nofile == 128);
  CHECK(run.stack_mb == 16);
  Limits compile = ok(effective_limits(p, plain, StageKind::compile, {}));
  CHECK(compile.cpu_ms == 4000);
  CHECK(compile.memory_mb == 300);
  CHECK(compile.file_size_kb == 65536);
  CHECK(compile.cpus_milli == 1500);
  CHECK(compile.box_mb == 64);
  // No cpus in [compile.max]: the default is the maximum.
  CHECK(stage_bounds(p, plain, StageKind::compile).maxima.cpus_milli == 1500);
  CHECK(stage_bounds(p, plain, StageKind::run).maxima.cpus_milli == 2000);
}

TEST_CASE("config limits: runtime multipliers scale defaults and maxima of their own stage", "[config][limits]") {
  Policy p = policy();
  RuntimeDef big = runtime("big", "[limits]\nmemory = 2\npids = 1.25\n[compile_limits]\ncpu = 1.5\n");
  StageBounds run = stage_bounds(p, big, StageKind::run);
  CHECK(run.defaults.memory_mb == 200);
  CHECK(run.maxima.memory_mb == 800);
  CHECK(run.defaults.pids == 13);  // 12.5 rounds to the nearest, away from zero
  CHECK(run.maxima.pids == 50);
  CHECK(run.defaults.cpu_ms == 1000);  // not multiplied
  StageBounds compile = stage_bounds(p, big, StageKind::compile);
  CHECK(compile.defaults.cpu_ms == 6000);
  CHECK(compile.maxima.cpu_ms == 12000);
  CHECK(compile.defaults.memory_mb == 300);  // the run multiplier does not reach the compile stage
  // Above the policy's own maximum but within the multiplied one.
  LimitOverrides req;
  req.memory_mb = 700;
  CHECK(ok(effective_limits(p, big, StageKind::run, req)).memory_mb == 700);
}

TEST_CASE("config limits: a per-runtime override replaces the multiplied value", "[config][limits]") {
  Policy p = policy();
  RuntimeDef heavy = runtime("heavy", "[limits]\ncpu = 2\npids = 2\n");
  StageBounds b = stage_bounds(p, heavy, StageKind::run);
  CHECK(b.defaults.cpu_ms == 3000);   // override, not 1000 x 2 and not 3000 x 2
  CHECK(b.maxima.cpu_ms == 10000);    // multiplied policy maximum
  CHECK(b.defaults.pids == 20);       // multiplied policy default
  CHECK(b.maxima.pids == 50);         // override, not 80
  CHECK(b.defaults.tmp_mb == 256);    // [runtime.heavy.sandbox]
  CHECK(b.defaults.box_mb == 64);
  StageBounds other = stage_bounds(p, runtime("other", "[limits]\ncpu = 2\n"), StageKind::run);
  CHECK(other.defaults.cpu_ms == 2000);
  CHECK(other.defaults.tmp_mb == 32);
}

TEST_CASE("config limits: a request may lower any limit down to its minimum", "[config][limits]") {
  Policy p = policy();
  RuntimeDef plain = runtime("plain", "");
  LimitOverrides req;
  req.cpu_ms = 1;
  req.wall_ms = 1;
  req.memory_mb = 1;
  req.pids = 1;
  req.output_kb = 1;
  req.file_size_kb = 1;
  req.cpus_milli = 10;
  Limits l = ok(effective_limits(p, plain, StageKind::run, req));
  CHECK(l.cpu_ms == 1);
  CHECK(l.wall_ms == 1);
  CHECK(l.memory_mb == 1);
  CHECK(l.pids == 1);
  CHECK(l.output_kb == 1);
  CHECK(l.file_size_kb == 1);
  CHECK(l.cpus_milli == 10);
  CHECK(l.nofile == 128);
}

// One meaning of 0 for every limit and every backend: refused, never "unlimited" (Docker reads a
// 0 memory or pids limit as none at all).
TEST_CASE("config limits: a limit of 0 in a request is refused as below the minimum, naming the field", "[config][limits]") {
  Policy p = policy();
  RuntimeDef plain = runtime("plain", "");
  for (LimitField f : kLimitFields) {
    for (StageKind stage : {StageKind::run, StageKind::compile}) {
      LimitOverrides req;
      field_of(req, f) = 0;
      LimitRefusal r = refused(effective_limits(p, plain, stage, req));
      const std::string path = std::string(stage == StageKind::run ? "limits." : "compile_limits.") + std::string(field_name(f));
      INFO(r.message);
      CHECK(r.kind == LimitRefusal::Kind::below_minimum);
      CHECK(error_code(r.kind) == "limit_below_minimum");
      CHECK(r.field == path);
      CHECK(r.message.find(path) != std::string::npos);
      CHECK(r.message.find(f == LimitField::cpus ? "minimum 0.01" : "minimum 1") != std::string::npos);
    }
  }
  // cpus below 0.01 core (the kernel's smallest CFS quota) is below the minimum too.
  LimitOverrides tiny;
  tiny.cpus_milli = 9;
  LimitRefusal r = refused(effective_limits(p, plain, StageKind::run, tiny));
  CHECK(r.field == "limits.cpus");
  CHECK(r.message.find("limits.cpus = 0.009") != std::string::npos);
}

TEST_CASE("config limits: cpus up to the maximum is accepted, above it refused in cores", "[config][limits]") {
  Policy p = policy();
  RuntimeDef plain = runtime("plain", "");
  LimitOverrides req;
  req.cpus_milli = 500;
  CHECK(ok(effective_limits(p, plain, StageKind::run, req)).cpus_milli == 500);
  req.cpus_milli = 2000;
  CHECK(ok(effective_limits(p, plain, StageKind::run, req)).cpus_milli == 2000);
  req.cpus_milli = 2001;
  LimitRefusal r = refused(effective_limits(p, plain, StageKind::run, req));
  CHECK(r.kind == LimitRefusal::Kind::exceeds_policy);
  CHECK(error_code(r.kind) == "limit_exceeds_policy");
  CHECK(r.field == "limits.cpus");
  CHECK(r.message == "limits.cpus = 2.001 is above the maximum 2 the policy allows for plain");
  // A runtime's cpus multiplier scales defaults and maxima like any other.
  RuntimeDef wide = runtime("wide", "[compile_limits]\ncpus = 2\n");
  StageBounds b = stage_bounds(p, wide, StageKind::compile);
  CHECK(b.defaults.cpus_milli == 3000);
  CHECK(b.maxima.cpus_milli == 3000);
}

TEST_CASE("config limits: format_limit writes cpus in cores and the rest as integers", "[config][limits]") {
  CHECK(format_limit(LimitField::cpus, 1000) == "1");
  CHECK(format_limit(LimitField::cpus, 500) == "0.5");
  CHECK(format_limit(LimitField::cpus, 1250) == "1.25");
  CHECK(format_limit(LimitField::cpus, 10) == "0.01");
  CHECK(format_limit(LimitField::cpus, 4096001) == "4096.001");
  CHECK(format_limit(LimitField::memory_mb, 1000) == "1000");
  CHECK(field_minimum(LimitField::cpus) == 10);
  CHECK(field_minimum(LimitField::pids) == 1);
  CHECK(field_name(LimitField::cpus) == "cpus");
  CHECK(multiplier_name(LimitField::cpus) == "cpus");
}

TEST_CASE("config limits: a request may raise a limit up to the maximum exactly", "[config][limits]") {
  Policy p = policy();
  RuntimeDef plain = runtime("plain", "");
  LimitOverrides req;
  req.cpu_ms = 5000;
  req.file_size_kb = 1024;
  Limits l = ok(effective_limits(p, plain, StageKind::run, req));
  CHECK(l.cpu_ms == 5000);
  CHECK(l.file_size_kb == 1024);
  CHECK(l.wall_ms == 3000);  // untouched fields keep the default
}

TEST_CASE("config limits: a request above a maximum is refused naming the field and the maximum", "[config][limits]") {
  Policy p = policy();
  RuntimeDef plain = runtime("plain", "");
  LimitOverrides req;
  req.memory_mb = 401;
  LimitRefusal r = refused(effective_limits(p, plain, StageKind::run, req));
  CHECK(r.field == "limits.memory_mb");
  CHECK(r.maximum == 400);
  CHECK(r.message.find("limits.memory_mb") != std::string::npos);
  CHECK(r.message.find("400") != std::string::npos);
  CHECK(r.message.find("401") != std::string::npos);

  LimitOverrides creq;
  creq.pids = 41;
  LimitRefusal c = refused(effective_limits(p, plain, StageKind::compile, creq));
  CHECK(c.field == "compile_limits.pids");
  CHECK(c.maximum == 40);

  // The maximum is the runtime's: multiplied, or overridden.
  RuntimeDef heavy = runtime("heavy", "[limits]\npids = 2\n");
  LimitOverrides hreq;
  hreq.pids = 51;
  LimitRefusal h = refused(effective_limits(p, heavy, StageKind::run, hreq));
  CHECK(h.field == "limits.pids");
  CHECK(h.maximum == 50);
  hreq.pids = 50;
  CHECK(ok(effective_limits(p, heavy, StageKind::run, hreq)).pids == 50);
}
