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
file_size_kb = 0
[run.max]
cpu_ms = 5000
wall_ms = 10000
memory_mb = 400
pids = 40
output_kb = 256
file_size_kb = 1024
[compile.default]
cpu_ms = 4000
wall_ms = 8000
memory_mb = 300
pids = 20
output_kb = 32
file_size_kb = 65536
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
  Limits run = ok(effective_limits(p, plain, Stage::run, {}));
  CHECK(run.cpu_ms == 1000);
  CHECK(run.wall_ms == 3000);
  CHECK(run.memory_mb == 100);
  CHECK(run.pids == 10);
  CHECK(run.output_kb == 64);
  CHECK(run.file_size_kb == 0);  // zero stays zero: a real limit
  CHECK(run.box_mb == 64);
  CHECK(run.tmp_mb == 32);
  CHECK(run.nofile == 128);
  CHECK(run.stack_mb == 16);
  Limits compile = ok(effective_limits(p, plain, Stage::compile, {}));
  CHECK(compile.cpu_ms == 4000);
  CHECK(compile.memory_mb == 300);
  CHECK(compile.file_size_kb == 65536);
  CHECK(compile.box_mb == 64);
}

TEST_CASE("config limits: runtime multipliers scale defaults and maxima of their own stage", "[config][limits]") {
  Policy p = policy();
  RuntimeDef big = runtime("big", "[limits]\nmemory = 2\npids = 1.25\n[compile_limits]\ncpu = 1.5\n");
  StageBounds run = stage_bounds(p, big, Stage::run);
  CHECK(run.defaults.memory_mb == 200);
  CHECK(run.maxima.memory_mb == 800);
  CHECK(run.defaults.pids == 13);  // 12.5 rounds to the nearest, away from zero
  CHECK(run.maxima.pids == 50);
  CHECK(run.defaults.cpu_ms == 1000);  // not multiplied
  StageBounds compile = stage_bounds(p, big, Stage::compile);
  CHECK(compile.defaults.cpu_ms == 6000);
  CHECK(compile.maxima.cpu_ms == 12000);
  CHECK(compile.defaults.memory_mb == 300);  // the run multiplier does not reach the compile stage
  // Above the policy's own maximum but within the multiplied one.
  LimitOverrides req;
  req.memory_mb = 700;
  CHECK(ok(effective_limits(p, big, Stage::run, req)).memory_mb == 700);
}

TEST_CASE("config limits: a per-runtime override replaces the multiplied value", "[config][limits]") {
  Policy p = policy();
  RuntimeDef heavy = runtime("heavy", "[limits]\ncpu = 2\npids = 2\n");
  StageBounds b = stage_bounds(p, heavy, Stage::run);
  CHECK(b.defaults.cpu_ms == 3000);   // override, not 1000 x 2 and not 3000 x 2
  CHECK(b.maxima.cpu_ms == 10000);    // multiplied policy maximum
  CHECK(b.defaults.pids == 20);       // multiplied policy default
  CHECK(b.maxima.pids == 50);         // override, not 80
  CHECK(b.defaults.tmp_mb == 256);    // [runtime.heavy.sandbox]
  CHECK(b.defaults.box_mb == 64);
  StageBounds other = stage_bounds(p, runtime("other", "[limits]\ncpu = 2\n"), Stage::run);
  CHECK(other.defaults.cpu_ms == 2000);
  CHECK(other.defaults.tmp_mb == 32);
}

TEST_CASE("config limits: a request may lower any limit, zero included", "[config][limits]") {
  Policy p = policy();
  RuntimeDef plain = runtime("plain", "");
  LimitOverrides req;
  req.cpu_ms = 0;
  req.wall_ms = 1;
  req.memory_mb = 0;
  req.pids = 0;
  req.output_kb = 0;
  req.file_size_kb = 0;
  Limits l = ok(effective_limits(p, plain, Stage::run, req));
  CHECK(l.cpu_ms == 0);
  CHECK(l.wall_ms == 1);
  CHECK(l.memory_mb == 0);
  CHECK(l.pids == 0);
  CHECK(l.output_kb == 0);
  CHECK(l.file_size_kb == 0);
  CHECK(l.nofile == 128);
}

TEST_CASE("config limits: a request may raise a limit up to the maximum exactly", "[config][limits]") {
  Policy p = policy();
  RuntimeDef plain = runtime("plain", "");
  LimitOverrides req;
  req.cpu_ms = 5000;
  req.file_size_kb = 1024;
  Limits l = ok(effective_limits(p, plain, Stage::run, req));
  CHECK(l.cpu_ms == 5000);
  CHECK(l.file_size_kb == 1024);
  CHECK(l.wall_ms == 3000);  // untouched fields keep the default
}

TEST_CASE("config limits: a request above a maximum is refused naming the field and the maximum", "[config][limits]") {
  Policy p = policy();
  RuntimeDef plain = runtime("plain", "");
  LimitOverrides req;
  req.memory_mb = 401;
  LimitRefusal r = refused(effective_limits(p, plain, Stage::run, req));
  CHECK(r.field == "limits.memory_mb");
  CHECK(r.maximum == 400);
  CHECK(r.message.find("limits.memory_mb") != std::string::npos);
  CHECK(r.message.find("400") != std::string::npos);
  CHECK(r.message.find("401") != std::string::npos);

  LimitOverrides creq;
  creq.pids = 41;
  LimitRefusal c = refused(effective_limits(p, plain, Stage::compile, creq));
  CHECK(c.field == "compile_limits.pids");
  CHECK(c.maximum == 40);

  // The maximum is the runtime's: multiplied, or overridden.
  RuntimeDef heavy = runtime("heavy", "[limits]\npids = 2\n");
  LimitOverrides hreq;
  hreq.pids = 51;
  LimitRefusal h = refused(effective_limits(p, heavy, Stage::run, hreq));
  CHECK(h.field == "limits.pids");
  CHECK(h.maximum == 50);
  hreq.pids = 50;
  CHECK(ok(effective_limits(p, heavy, Stage::run, hreq)).pids == 50);
}
