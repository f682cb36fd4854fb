// [sandbox] box_inodes, tmp_inodes, shm_inodes: optional, never 0, overridable per runtime, and
// in every stage's effective limits.
#include <catch2/catch.hpp>

#include <string>

#include "config/config_error.hpp"
#include "config/effective_limits.hpp"
#include "config/policy.hpp"
#include "config/runtime_def.hpp"
#include "test_env.hpp"

using namespace runbox::config;

namespace {

const std::string head =
    "seccomp = \"seccomp/default.toml\"\n"
    "[uids]\nfirst = 100000\ncount = 16\n"
    "[sandbox]\nbox_mb = 64\ntmp_mb = 32\nnofile = 128\nstack_mb = 16\n";  // [sandbox] ends on line 9
const std::string stages =
    "[run.default]\ncpu_ms = 1\nwall_ms = 1\nmemory_mb = 1\npids = 1\noutput_kb = 1\nfile_size_kb = 1\n"
    "[run.max]\ncpu_ms = 1\nwall_ms = 1\nmemory_mb = 1\npids = 1\noutput_kb = 1\nfile_size_kb = 1\n"
    "[compile.default]\ncpu_ms = 1\nwall_ms = 1\nmemory_mb = 1\npids = 1\noutput_kb = 1\nfile_size_kb = 1\n"
    "[compile.max]\ncpu_ms = 1\nwall_ms = 1\nmemory_mb = 1\npids = 1\noutput_kb = 1\nfile_size_kb = 1\n";

Policy parse(const std::string& sandbox_extra, const std::string& tail = "") {
  return parse_policy(head + sandbox_extra + stages + tail, "p.toml", "/etc/runbox/policies");
}

ConfigError error_of(const std::string& sandbox_extra, const std::string& tail = "") {
  try {
    parse(sandbox_extra, tail);
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("the policy parsed but should not have");
  return ConfigError("", 0, "", "");
}

RuntimeDef runtime(const std::string& name) {
  return parse_runtime_def("name = \"" + name + "\"\naliases = []\nimage = \"python\"\nsource_file = \"main.py\"\n"
                       "compile = [\"true\"]\nrun = [\"python3\", \"main.py\"]\nversion = [\"python3\"]\nenv = []\n"
                       "[limits]\nmemory = 1.0\npids = 1.0\n[compile_limits]\nmemory = 1.0\npids = 1.0\n",
                       name + ".toml");
}

}  // namespace

TEST_CASE("config inodes: unset, the sandbox defaults, set, every stage gets them", "[config][inodes]") {
  const runbox::sandbox::Limits builtin;
  StageBounds b = stage_bounds(parse(""), runtime("plain"), StageKind::run);
  CHECK(b.defaults.box_inodes == builtin.box_inodes);
  CHECK(b.defaults.tmp_inodes == builtin.tmp_inodes);
  CHECK(b.defaults.shm_inodes == builtin.shm_inodes);

  Policy p = parse("box_inodes = 100\ntmp_inodes = 200\nshm_inodes = 300\n",
                   "[runtime.heavy.sandbox]\ntmp_inodes = 9000\n");
  CHECK(p.sandbox.box_inodes == 100u);
  for (StageKind s : {StageKind::run, StageKind::compile}) {
    StageBounds plain = stage_bounds(p, runtime("plain"), s);
    CHECK(plain.defaults.box_inodes == 100);
    CHECK(plain.maxima.box_inodes == 100);
    CHECK(plain.defaults.tmp_inodes == 200);
    CHECK(plain.defaults.shm_inodes == 300);
    StageBounds heavy = stage_bounds(p, runtime("heavy"), s);
    CHECK(heavy.defaults.tmp_inodes == 9000);
    CHECK(heavy.defaults.box_inodes == 100);
  }
  auto limits = effective_limits(p, runtime("plain"), StageKind::run, {});
  REQUIRE(std::holds_alternative<runbox::sandbox::Limits>(limits));
  CHECK(std::get<runbox::sandbox::Limits>(limits).shm_inodes == 300);
}

TEST_CASE("config inodes: 0 is refused (tmpfs reads it as unlimited), so is a wrong type", "[config][inodes]") {
  for (const char* key : {"box_inodes", "tmp_inodes", "shm_inodes"}) {
    ConfigError e = error_of(std::string(key) + " = 0\n");
    INFO(e.what());
    CHECK(e.field() == std::string("sandbox.") + key);
    CHECK(e.line() == 10);
    CHECK_THAT(std::string(e.what()), Catch::Contains("no limit at all"));
  }
  CHECK(error_of("", "[runtime.x.sandbox]\nshm_inodes = 0\n").field() == "runtime.x.sandbox.shm_inodes");
  CHECK(error_of("box_inodes = -1\n").field() == "sandbox.box_inodes");
  CHECK(error_of("box_inodes = \"many\"\n").field() == "sandbox.box_inodes");
  CHECK(error_of("box_inode = 5\n").field() == "sandbox.box_inode");
}

TEST_CASE("config inodes: the shipped policies set them", "[config][inodes]") {
  Policy p = load_policy(std::string(RUNBOX_SOURCE_DIR) + "/policies/default.toml");
  CHECK(p.sandbox.box_inodes == 4096u);
  CHECK(p.sandbox.tmp_inodes == 4096u);
  CHECK(p.sandbox.shm_inodes == 1024u);
  Policy u = load_policy(std::string(RUNBOX_SOURCE_DIR) + "/policies/untrusted.toml");
  CHECK(u.sandbox.box_inodes.has_value());
}
