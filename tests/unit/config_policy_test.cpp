// Policy files: the shipped default, and every kind of error with its file, line and field.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "config/policy.hpp"
#include "config/runtime_def.hpp"
#include "test_env.hpp"

using namespace runbox::config;

namespace {

const std::string source_dir = RUNBOX_SOURCE_DIR;

// Line numbers below refer to this text: keep it as it is.
const std::string base =
    "seccomp = \"seccomp/default.toml\"\n"  // 1
    "[uids]\n"                               // 2
    "first = 100000\n"                       // 3
    "count = 16\n"                           // 4
    "[sandbox]\n"                            // 5
    "box_mb = 64\n"                          // 6
    "tmp_mb = 32\n"                          // 7
    "nofile = 128\n"                         // 8
    "stack_mb = 16\n"                        // 9
    "[run.default]\n"                        // 10
    "cpu_ms = 1000\n"                        // 11
    "wall_ms = 3000\n"                       // 12
    "memory_mb = 100\n"                      // 13
    "pids = 10\n"                            // 14
    "output_kb = 64\n"                       // 15
    "file_size_kb = 1\n"                     // 16
    "[run.max]\n"                            // 17
    "cpu_ms = 5000\n"                        // 18
    "wall_ms = 10000\n"                      // 19
    "memory_mb = 400\n"                      // 20
    "pids = 40\n"                            // 21
    "output_kb = 256\n"                      // 22
    "file_size_kb = 1024\n"                  // 23
    "[compile.default]\n"                    // 24
    "cpu_ms = 4000\n"                        // 25
    "wall_ms = 8000\n"                       // 26
    "memory_mb = 300\n"                      // 27
    "pids = 20\n"                            // 28
    "output_kb = 32\n"                       // 29
    "file_size_kb = 65536\n"                 // 30
    "[compile.max]\n"                        // 31
    "cpu_ms = 8000\n"                        // 32
    "wall_ms = 16000\n"                      // 33
    "memory_mb = 600\n"                      // 34
    "pids = 40\n"                            // 35
    "output_kb = 64\n"                       // 36
    "file_size_kb = 131072\n";               // 37

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

ConfigError policy_error(const std::string& text) {
  try {
    parse_policy(text, "policies/p.toml", "/etc/runbox/policies");
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("the policy parsed but should not have:\n" << text);
  return ConfigError("", 0, "", "");
}

}  // namespace

TEST_CASE("config policy: a complete policy parses into defaults, maxima, sizes and uids", "[config][policy]") {
  Policy p = parse_policy(base, "policies/p.toml", "/etc/runbox/policies");
  CHECK(p.origin == "policies/p.toml");
  CHECK(p.seccomp == "/etc/runbox/policies/seccomp/default.toml");
  CHECK(p.seccomp_line == 1);
  CHECK(p.uid_first == 100000);
  CHECK(p.uid_count == 16);
  CHECK(p.sandbox.box_mb == 64u);
  CHECK(p.sandbox.tmp_mb == 32u);
  CHECK(p.sandbox.nofile == 128u);
  CHECK(p.sandbox.stack_mb == 16u);
  CHECK(p.run.defaults.get(LimitField::cpu_ms) == 1000u);
  CHECK(p.run.defaults.line_of(LimitField::cpu_ms) == 11);
  CHECK(p.run.defaults.get(LimitField::file_size_kb) == 1u);
  // No cpus anywhere (policies older than the field): one core, and the maximum is the default.
  CHECK(p.run.defaults.get(LimitField::cpus) == 1000u);
  CHECK(p.run.maxima.get(LimitField::cpus) == 1000u);
  CHECK(p.compile.maxima.get(LimitField::cpus) == 1000u);
  CHECK(p.run.maxima.get(LimitField::memory_mb) == 400u);
  CHECK(p.compile.defaults.get(LimitField::file_size_kb) == 65536u);
  CHECK(p.compile.maxima.get(LimitField::output_kb) == 64u);
  CHECK(p.overrides.empty());
  Policy abs = parse_policy(replace(base, "seccomp/default.toml", "/opt/profile.json"), "p.toml", "/x");
  CHECK(abs.seccomp == "/opt/profile.json");
}

TEST_CASE("config policy: per-runtime overrides are read partially with their lines", "[config][policy]") {
  Policy p = parse_policy(base +
                              "[runtime.java.run.default]\n"  // 38
                              "memory_mb = 700\n"             // 39
                              "[runtime.java.run.max]\n"      // 40
                              "memory_mb = 900\n"             // 41
                              "[runtime.go.sandbox]\n"        // 42
                              "tmp_mb = 256\n",               // 43
                          "policies/p.toml", "/p");
  REQUIRE(p.overrides.size() == 2);
  const RuntimeOverride* java = p.override_for("java");
  REQUIRE(java != nullptr);
  CHECK(java->line == 38);  // its first table's header
  CHECK(java->run.defaults.get(LimitField::memory_mb) == 700u);
  CHECK(java->run.defaults.line_of(LimitField::memory_mb) == 39);
  CHECK_FALSE(java->run.defaults.get(LimitField::cpu_ms));
  CHECK(java->run.maxima.get(LimitField::memory_mb) == 900u);
  const RuntimeOverride* go = p.override_for("go");
  REQUIRE(go != nullptr);
  CHECK(go->sandbox.tmp_mb == 256u);
  CHECK_FALSE(go->sandbox.box_mb);
  CHECK(p.override_for("python3") == nullptr);
}

TEST_CASE("config policy: errors name the file, the line and the field", "[config][policy]") {
  SECTION("unknown key") {
    ConfigError e = policy_error(replace(base, "memory_mb = 100\n", "memroy_mb = 100\n"));
    CHECK(e.file() == "policies/p.toml");
    CHECK(e.line() == 13);
    CHECK(e.field() == "run.default.memroy_mb");
    CHECK(std::string(e.what()).find("policies/p.toml:13: run.default.memroy_mb: unknown key") == 0);
  }
  SECTION("unknown top-level key") {
    ConfigError e = policy_error("verbose = true\n" + base);
    CHECK(e.line() == 1);
    CHECK(e.field() == "verbose");
  }
  SECTION("wrong type") {
    ConfigError e = policy_error(replace(base, "pids = 10\n", "pids = \"10\"\n"));
    CHECK(e.line() == 14);
    CHECK(e.field() == "run.default.pids");
    CHECK(std::string(e.what()).find("expected an integer") != std::string::npos);
  }
  SECTION("a float where an integer belongs") {
    CHECK(policy_error(replace(base, "wall_ms = 3000\n", "wall_ms = 3000.5\n")).field() == "run.default.wall_ms");
  }
  SECTION("negative") {
    ConfigError e = policy_error(replace(base, "cpu_ms = 8000\n", "cpu_ms = -1\n"));
    CHECK(e.line() == 32);
    CHECK(e.field() == "compile.max.cpu_ms");
    CHECK(std::string(e.what()).find("must not be negative") != std::string::npos);
  }
  SECTION("missing limit") {
    ConfigError e = policy_error(replace(base, "output_kb = 256\n", ""));
    CHECK(e.field() == "run.max.output_kb");
    CHECK(e.line() == 17);  // the table's header
    CHECK(std::string(e.what()).find("missing") != std::string::npos);
  }
  SECTION("missing table") {
    ConfigError e = policy_error(replace(base, "[uids]\nfirst = 100000\ncount = 16\n", ""));
    CHECK(e.field() == "uids");
  }
  SECTION("missing seccomp") {
    CHECK(policy_error(replace(base, "seccomp = \"seccomp/default.toml\"\n", "")).field() == "seccomp");
  }
  SECTION("a default above its maximum") {
    ConfigError e = policy_error(replace(base, "memory_mb = 100\n", "memory_mb = 401\n"));
    CHECK(e.line() == 13);
    CHECK(e.field() == "run.default.memory_mb");
    CHECK(std::string(e.what()).find("400") != std::string::npos);
  }
  SECTION("a value above the global bound") {
    CHECK(policy_error(replace(base, "cpu_ms = 5000\n", "cpu_ms = 4294967296\n")).field() == "run.max.cpu_ms");
  }
  SECTION("a zero-sized tmpfs") {
    ConfigError e = policy_error(replace(base, "tmp_mb = 32\n", "tmp_mb = 0\n"));
    CHECK(e.line() == 7);
    CHECK(e.field() == "sandbox.tmp_mb");
  }
  SECTION("root or nobody in the uid range") {
    CHECK(policy_error(replace(base, "first = 100000\n", "first = 0\n")).field() == "uids.first");
    CHECK(policy_error(replace(base, "first = 100000\n", "first = 65530\n")).field() == "uids.count");
    CHECK(policy_error(replace(base, "count = 16\n", "count = 0\n")).field() == "uids.count");
  }
  SECTION("a seccomp profile that is neither TOML nor JSON") {
    CHECK(policy_error(replace(base, "seccomp/default.toml", "seccomp/default.txt")).field() == "seccomp");
  }
  SECTION("an unknown key in a runtime override") {
    ConfigError e = policy_error(base + "[runtime.java.run.defaults]\nmemory_mb = 1\n");
    CHECK(e.line() == 38);
    CHECK(e.field() == "runtime.java.run.defaults");
  }
  SECTION("a TOML syntax error") {
    ConfigError e = policy_error(base + "[run\n");
    CHECK(e.line() == 38);
  }
}

TEST_CASE("config policy: cpus is read in cores, integer or fraction, kept in thousandths", "[config][policy]") {
  Policy p = parse_policy(replace(replace(base, "file_size_kb = 1\n", "file_size_kb = 1\ncpus = 0.5\n"),
                                  "file_size_kb = 1024\n", "file_size_kb = 1024\ncpus = 2\n"),
                          "p.toml", "/p");
  CHECK(p.run.defaults.get(LimitField::cpus) == 500u);
  CHECK(p.run.defaults.line_of(LimitField::cpus) == 17);
  CHECK(p.run.maxima.get(LimitField::cpus) == 2000u);
  CHECK(p.compile.defaults.get(LimitField::cpus) == 1000u);  // not given: one core
  Policy o = parse_policy(base + "[runtime.java.compile.max]\ncpus = 1.25\n", "p.toml", "/p");
  CHECK(o.override_for("java")->compile.maxima.get(LimitField::cpus) == 1250u);
  CHECK_FALSE(o.override_for("java")->compile.defaults.get(LimitField::cpus));  // overrides stay partial

  auto cpus_error = [&](const std::string& value) {
    return policy_error(replace(base, "file_size_kb = 1\n", "file_size_kb = 1\ncpus = " + value + "\n"));
  };
  ConfigError zero = cpus_error("0");
  CHECK(zero.line() == 17);
  CHECK(zero.field() == "run.default.cpus");
  CHECK(std::string(zero.what()).find("below its minimum 0.01") != std::string::npos);
  CHECK(cpus_error("0.004").field() == "run.default.cpus");
  CHECK(std::string(cpus_error("-1").what()).find("must not be negative") != std::string::npos);
  CHECK(std::string(cpus_error("\"1\"").what()).find("expected a number") != std::string::npos);
  CHECK(std::string(cpus_error("5000").what()).find("at most 4096") != std::string::npos);
  // A [run.max] without cpus takes the default's: a request may lower it, not raise it.
  Policy own_max = parse_policy(replace(base, "file_size_kb = 1\n", "file_size_kb = 1\ncpus = 1.5\n"), "p.toml", "/p");
  CHECK(own_max.run.maxima.get(LimitField::cpus) == 1500u);
  // A default above the maximum, given or not.
  ConfigError above = policy_error(replace(replace(base, "file_size_kb = 1\n", "file_size_kb = 1\ncpus = 1.5\n"),
                                           "file_size_kb = 1024\n", "file_size_kb = 1024\ncpus = 1\n"));
  CHECK(above.line() == 17);
  CHECK(above.field() == "run.default.cpus");
  CHECK(std::string(above.what()).find("1.5 is above the maximum run.max.cpus = 1") != std::string::npos);
  ConfigError implicit = policy_error(replace(base, "file_size_kb = 1024\n", "file_size_kb = 1024\ncpus = 0.5\n"));
  CHECK(implicit.line() == 24);  // no default line: the maximum's
  CHECK(std::string(implicit.what()).find("1 is above the maximum run.max.cpus = 0.5") != std::string::npos);
}

// One meaning of 0 for every limit: refused where it is written, naming file, line and field.
TEST_CASE("config policy: a limit of 0 is refused in every limit table", "[config][policy]") {
  struct Case {
    std::string from, to;
    int line;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{{"cpu_ms = 1000\n", "cpu_ms = 0\n", 11, "run.default.cpu_ms"},
                                          {"wall_ms = 3000\n", "wall_ms = 0\n", 12, "run.default.wall_ms"},
                                          {"memory_mb = 100\n", "memory_mb = 0\n", 13, "run.default.memory_mb"},
                                          {"pids = 10\n", "pids = 0\n", 14, "run.default.pids"},
                                          {"output_kb = 64\n", "output_kb = 0\n", 15, "run.default.output_kb"},
                                          {"file_size_kb = 1\n", "file_size_kb = 0\n", 16, "run.default.file_size_kb"},
                                          {"pids = 40\n", "pids = 0\n", 21, "run.max.pids"},
                                          {"memory_mb = 600\n", "memory_mb = 0\n", 34, "compile.max.memory_mb"}}) {
    ConfigError e = policy_error(replace(base, c.from, c.to));
    INFO(e.what());
    CHECK(e.file() == "policies/p.toml");
    CHECK(e.line() == c.line);
    CHECK(e.field() == c.field);
    CHECK(std::string(e.what()).find("below its minimum 1") != std::string::npos);
  }
  ConfigError o = policy_error(base + "[runtime.java.run.max]\npids = 0\n");  // 38, 39
  CHECK(o.line() == 39);
  CHECK(o.field() == "runtime.java.run.max.pids");
}

// A multiplier that rounds a policy value to 0 would hand a backend a 0: refused at load.
TEST_CASE("config policy: a runtime multiplier that rounds a limit to 0 is refused", "[config][policy]") {
  Policy p = parse_policy(replace(base, "pids = 10\n", "pids = 1\n"), "policies/p.toml", "/p");
  RuntimeSet runtimes;
  runtimes.add(parse_runtime_def("name = \"tiny\"\nimage = \"i\"\nsource_file = \"m\"\nrun = [\"./m\"]\n"
                                 "version = [\"v\"]\n[limits]\npids = 0.4\n",  // line 7: pids
                                 "runtimes/tiny.toml"));
  try {
    check_policy_runtimes(p, runtimes);
    FAIL("pids 1 x 0.4 = 0 was accepted");
  } catch (const ConfigError& e) {
    INFO(e.what());
    CHECK(e.file() == "runtimes/tiny.toml");
    CHECK(e.line() == 7);
    CHECK(e.field() == "limits.pids");
    CHECK(std::string(e.what()).find("tiny") != std::string::npos);
    CHECK(std::string(e.what()).find("run default pids would be 0") != std::string::npos);
    CHECK(std::string(e.what()).find("below its minimum 1") != std::string::npos);
  }
  // 0.5 rounds to 1 (nearest, away from zero): accepted.
  RuntimeSet half;
  half.add(parse_runtime_def("name = \"half\"\nimage = \"i\"\nsource_file = \"m\"\nrun = [\"./m\"]\n"
                             "version = [\"v\"]\n[limits]\npids = 0.5\n",
                             "runtimes/half.toml"));
  CHECK_NOTHROW(check_policy_runtimes(p, half));
}

TEST_CASE("config policy: the shipped default policy and its seccomp profile load", "[config][policy]") {
  Policy p = load_policy(source_dir + "/policies/default.toml");
  CHECK(p.seccomp == std::filesystem::path(source_dir + "/policies/seccomp/default.toml"));
  auto seccomp = load_policy_seccomp(p);
  CHECK_FALSE(seccomp.rules.empty());
  CHECK_NOTHROW(runbox::sandbox::SeccompProgram::compile(seccomp));
  RuntimeSet runtimes = RuntimeSet::load_dir(source_dir + "/runtimes");
  CHECK_NOTHROW(check_policy_runtimes(p, runtimes));
  // A compile stage needs room for multi-MB binaries.
  CHECK(*p.compile.defaults.get(LimitField::file_size_kb) >= 65536u);
  CHECK(p.run.defaults.get(LimitField::cpus) == 1000u);
  CHECK(p.run.maxima.get(LimitField::cpus) == 2000u);
  CHECK(p.compile.defaults.get(LimitField::cpus) == 2000u);
  CHECK(p.compile.maxima.get(LimitField::cpus) == 4000u);
}

TEST_CASE("config policy: a missing seccomp profile is an error at the policy's seccomp line", "[config][policy]") {
  Policy p = parse_policy("\n" + replace(base, "seccomp/default.toml", "seccomp/none.toml"), "p.toml", "/nonexistent");
  try {
    load_policy_seccomp(p);
    FAIL("a missing profile was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.file() == "p.toml");
    CHECK(e.line() == 2);
    CHECK(e.field() == "seccomp");
  }
}

TEST_CASE("config policy: overrides are checked against the runtimes", "[config][policy]") {
  RuntimeSet runtimes = RuntimeSet::load_dir(source_dir + "/runtimes");
  auto check_error = [&](const std::string& extra) {
    Policy p = parse_policy(base + extra, "p.toml", "/p");
    try {
      check_policy_runtimes(p, runtimes);
    } catch (const ConfigError& e) {
      return e;
    }
    FAIL("accepted: " << extra);
    return ConfigError("", 0, "", "");
  };
  SECTION("an unknown runtime") {
    ConfigError e = check_error("[runtime.algol68.run.default]\npids = 1\n");
    CHECK(e.line() == 38);
    CHECK(e.field() == "runtime.algol68");
  }
  SECTION("an alias instead of the name") {
    ConfigError e = check_error("[runtime.py.run.default]\npids = 1\n");
    CHECK(e.field() == "runtime.py");
    CHECK(std::string(e.what()).find("python3") != std::string::npos);
  }
  SECTION("compile limits for an interpreted runtime") {
    CHECK(check_error("[runtime.python3.compile.max]\npids = 1\n").field() == "runtime.python3.compile");
  }
  SECTION("an override default above the multiplied maximum") {
    // java's run memory multiplier is 2: the maximum is 800, so 801 is refused.
    ConfigError e = check_error("[runtime.java.run.default]\nmemory_mb = 801\n");
    CHECK(e.line() == 39);
    CHECK(e.field() == "runtime.java.run.default.memory_mb");
    CHECK_NOTHROW(check_policy_runtimes(parse_policy(base + "[runtime.java.run.default]\nmemory_mb = 800\n", "p", "/"), runtimes));
  }
  SECTION("an override maximum below the multiplied default") {
    ConfigError e = check_error("[runtime.c.run.max]\ncpu_ms = 999\n");
    CHECK(e.line() == 39);
    CHECK(e.field() == "runtime.c.run.max.cpu_ms");
  }
}

TEST_CASE("config policy: a table header that starts no key is an error, never toml++'s debug assertion",
          "[config][policy]") {
  // fuzz: policy_toml's first find once toml++ was compiled in: `[@` reached the assertion at the
  // top of parse_key() (an abort in a build without NDEBUG, such as the sanitizer tree's).
  for (const char* header : {"[@ompile.max]\n", "[run.max]\n[=x]\n", "[[@]]\n"}) {
    CAPTURE(header);
    CHECK_THROWS_AS(parse_policy(base + header, "policies/p.toml", "/etc/runbox/policies"), ConfigError);
  }
}

TEST_CASE("config policy: a non-ASCII character where TOML wants whitespace or a key is an error, never undefined",
          "[config][policy]") {
  // fuzz: policy_toml's second find: toml++ 3.3.0's Unicode tables reached TOML_UNREACHABLE for
  // U+0280 after `=` (UBSan: "execution reached an unreachable program point").
  for (const char* tail : {"x =\xca\x80\n", "\xcc\xaa\n", "[run.max]\n\xca\x80 = 1\n"}) {
    CAPTURE(tail);
    CHECK_THROWS_AS(parse_policy(base + tail, "policies/p.toml", "/etc/runbox/policies"), ConfigError);
  }
}
