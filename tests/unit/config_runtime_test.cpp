// Runtime files: the twelve shipped ones, the format's errors, duplicates, placeholders.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "config/config_error.hpp"
#include "config/placeholders.hpp"
#include "config/runtime_def.hpp"
#include "test_env.hpp"

using namespace runbox::config;
using runbox::test::TempDir;
using runbox::test::write_file;

namespace {

const std::string runtimes_dir = std::string(RUNBOX_SOURCE_DIR) + "/runtimes";

const std::string minimal =
    "name = \"x\"\n"
    "image = \"img\"\n"
    "source_file = \"main.x\"\n"
    "run = [\"x\", \"main.x\"]\n"
    "version = [\"x\", \"--version\"]\n";

ConfigError runtime_error(const std::string& text) {
  try {
    parse_runtime_def(text, "runtimes/x.toml");
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("the runtime parsed but should not have:\n" << text);
  return ConfigError("", 0, "", "");
}

}  // namespace

TEST_CASE("config runtimes: the 32 shipped runtime files load with their names and images", "[config][runtime]") {
  RuntimeSet set = RuntimeSet::load_dir(runtimes_dir);
  std::set<std::string> names;
  for (const auto& d : set.all()) names.insert(d.name);
  CHECK(names == std::set<std::string>{"python3", "bash", "c", "cpp", "javascript", "java", "go", "rust", "ruby",
                                       "php", "perl", "lua", "typescript", "kotlin", "scala", "clojure", "groovy",
                                       "haskell", "ocaml", "r", "elixir", "erlang", "racket", "commonlisp", "csharp",
                                       "pascal", "fortran", "d", "nim", "cobol", "dart", "swift"});
  struct Want {
    const char* name;
    const char* image;
    const char* source;
    bool compiled;
  };
  for (const Want& w : {Want{"python3", "python", "main.py", false}, Want{"bash", "scripting", "main.sh", false},
                        Want{"c", "gcc", "main.c", true}, Want{"cpp", "gcc", "main.cpp", true},
                        Want{"javascript", "node", "main.js", false}, Want{"java", "java", "Main.java", true},
                        Want{"go", "go", "main.go", true}, Want{"rust", "rust", "main.rs", true},
                        Want{"ruby", "scripting", "main.rb", false}, Want{"php", "scripting", "main.php", false},
                        Want{"perl", "scripting", "main.pl", false}, Want{"lua", "scripting", "main.lua", false},
                        Want{"typescript", "node", "main.ts", true}, Want{"kotlin", "jvm", "main.kt", true},
                        Want{"scala", "jvm", "main.scala", true}, Want{"clojure", "jvm", "main.clj", false},
                        Want{"groovy", "jvm", "main.groovy", false}, Want{"haskell", "haskell", "main.hs", true},
                        Want{"ocaml", "functional", "main.ml", true}, Want{"r", "r", "main.R", false},
                        Want{"elixir", "functional", "main.exs", false}, Want{"erlang", "functional", "main.erl", false},
                        Want{"racket", "functional", "main.rkt", false},
                        Want{"commonlisp", "functional", "main.lisp", false}, Want{"csharp", "native", "main.cs", true},
                        Want{"pascal", "native", "main.pas", true}, Want{"fortran", "native", "main.f90", true},
                        Want{"d", "native", "main.d", true}, Want{"nim", "native", "main.nim", true},
                        Want{"cobol", "native", "main.cob", true}, Want{"dart", "dart", "main.dart", false},
                        Want{"swift", "swift", "main.swift", true}}) {
    INFO("runtime " << w.name);
    const RuntimeDef* d = set.find(w.name);
    REQUIRE(d != nullptr);
    CHECK(d->image == w.image);
    CHECK(d->source_file == w.source);
    CHECK(d->has_compile() == w.compiled);
    CHECK_FALSE(d->run.empty());
    CHECK_FALSE(d->version.empty());
    for (const auto& e : d->env) CHECK(e.rfind("JAVA_TOOL_OPTIONS=", 0) != 0);
    const bool docker = std::string(w.name) == "dart" || std::string(w.name) == "swift";
    CHECK(d->backend == (docker ? "docker" : "native"));
  }
  CHECK(set.find("dart")->docker_image == "dart:stable");
  CHECK(set.find("swift")->docker_image == "swift:5.10");
}

TEST_CASE("config runtimes: aliases resolve to their runtime and unknown names do not", "[config][runtime]") {
  RuntimeSet set = RuntimeSet::load_dir(runtimes_dir);
  const std::pair<const char*, const char*> aliases[] = {
      {"python", "python3"}, {"py", "python3"},      {"sh", "bash"},      {"gcc", "c"},    {"c++", "cpp"},
      {"g++", "cpp"},        {"js", "javascript"},   {"node", "javascript"}, {"golang", "go"}, {"rs", "rust"},
      {"rb", "ruby"},        {"pl", "perl"},         {"java", "java"},    {"php", "php"},  {"lua", "lua"},
      {"ts", "typescript"},  {"kt", "kotlin"},       {"clj", "clojure"},  {"hs", "haskell"}, {"ghc", "haskell"},
      {"ml", "ocaml"},       {"rscript", "r"},       {"exs", "elixir"},   {"erl", "erlang"}, {"rkt", "racket"},
      {"sbcl", "commonlisp"}, {"lisp", "commonlisp"}, {"cs", "csharp"},   {"mono", "csharp"}, {"fpc", "pascal"},
      {"f90", "fortran"},    {"gdc", "d"},           {"cob", "cobol"},    {"gvy", "groovy"}};
  for (auto [alias, name] : aliases) {
    INFO("alias " << alias);
    const RuntimeDef* d = set.find(alias);
    REQUIRE(d != nullptr);
    CHECK(d->name == name);
  }
  CHECK(set.find("algol68") == nullptr);
  CHECK(set.find("Python") == nullptr);
  CHECK(set.find("") == nullptr);
}

TEST_CASE("config runtimes: the shipped files set what the contract settles", "[config][runtime]") {
  RuntimeSet set = RuntimeSet::load_dir(runtimes_dir);
  const RuntimeDef& java = *set.find("java");
  // javac, through a few lines of sh that compile a public class of another name beside a Main
  // that calls it (the run stays `java Main`, exec'd directly).
  CHECK(java.compile->front() == "sh");
  CHECK_THAT(java.compile->at(2), Catch::Contains("exec javac"));
  CHECK(java.run.front() == "java");
  CHECK(java.run.back() == "Main");
  CHECK(java.run_multipliers.of(LimitField::memory_mb) > 1.0);
  CHECK(java.run_multipliers.of(LimitField::pids) > 1.0);
  const RuntimeDef& go = *set.find("go");
  CHECK(go.compile == std::vector<std::string>{"go", "build", "-o", "main", "main.go"});
  CHECK(go.run == std::vector<std::string>{"./main"});
  CHECK(go.run_multipliers.of(LimitField::pids) > 1.0);
  std::set<std::string> go_env(go.env.begin(), go.env.end());
  CHECK(go_env.count("GO111MODULE=off") == 1);
  CHECK(go_env.count("GOTOOLCHAIN=local") == 1);
  CHECK(go_env.count("GOCACHE=/tmp/go-cache") == 1);
  CHECK(set.find("python3")->run == std::vector<std::string>{"python3", "main.py"});
}

TEST_CASE("config runtimes: a minimal file loads with multipliers of 1 and no compile stage", "[config][runtime]") {
  RuntimeDef d = parse_runtime_def(minimal, "runtimes/x.toml");
  CHECK(d.name == "x");
  CHECK(d.aliases.empty());
  CHECK_FALSE(d.has_compile());
  CHECK(d.env.empty());
  CHECK(d.origin == "runtimes/x.toml");
  for (LimitField f : kLimitFields) {
    CHECK(d.run_multipliers.of(f) == 1.0);
    CHECK(d.compile_multipliers.of(f) == 1.0);
  }
  RuntimeDef m = parse_runtime_def(minimal + "compile = [\"xc\"]\n[limits]\nmemory = 2\npids = 1.5\n[compile_limits]\ncpu = 3\n",
                                   "runtimes/x.toml");
  CHECK(m.run_multipliers.of(LimitField::memory_mb) == 2.0);
  CHECK(m.run_multipliers.of(LimitField::pids) == 1.5);
  CHECK(m.run_multipliers.of(LimitField::cpu_ms) == 1.0);
  CHECK(m.compile_multipliers.of(LimitField::cpu_ms) == 3.0);
}

TEST_CASE("config runtimes: errors name the file, the line and the field", "[config][runtime]") {
  SECTION("unknown key") {
    ConfigError e = runtime_error(minimal + "colour = \"blue\"\n");
    CHECK(e.file() == "runtimes/x.toml");
    CHECK(e.line() == 6);
    CHECK(e.field() == "colour");
    CHECK(std::string(e.what()).find("runtimes/x.toml:6: colour: unknown key") == 0);
  }
  SECTION("unknown multiplier key") {
    ConfigError e = runtime_error(minimal + "[limits]\nmemory_mb = 2\n");
    CHECK(e.line() == 7);
    CHECK(e.field() == "limits.memory_mb");
  }
  SECTION("missing run") {
    ConfigError e = runtime_error("name = \"x\"\nimage = \"i\"\nsource_file = \"m\"\nversion = [\"v\"]\n");
    CHECK(e.field() == "run");
    CHECK(std::string(e.what()).find("missing") != std::string::npos);
  }
  SECTION("wrong type") {
    ConfigError e = runtime_error("name = \"x\"\nimage = \"i\"\nsource_file = \"m\"\nrun = \"x main\"\nversion = [\"v\"]\n");
    CHECK(e.line() == 4);
    CHECK(e.field() == "run");
    CHECK(std::string(e.what()).find("expected an array of strings") != std::string::npos);
  }
  SECTION("negative or zero multiplier") {
    CHECK(runtime_error(minimal + "[limits]\npids = -1\n").field() == "limits.pids");
    CHECK(runtime_error(minimal + "[limits]\nmemory = 0\n").field() == "limits.memory");
  }
  SECTION("compile_limits without a compile command") {
    CHECK(runtime_error(minimal + "[compile_limits]\nmemory = 2\n").field() == "compile_limits");
  }
  SECTION("a source file that is a path") {
    ConfigError e = runtime_error("name = \"x\"\nimage = \"i\"\nsource_file = \"../m\"\nrun = [\"x\"]\nversion = [\"v\"]\n");
    CHECK(e.line() == 3);
    CHECK(e.field() == "source_file");
  }
  SECTION("an upper-case name") {
    CHECK(runtime_error("name = \"Python\"\n").field() == "name");
  }
  SECTION("an env entry without =") {
    ConfigError e = runtime_error(minimal + "env = [\"A=1\", \"B\"]\n");
    CHECK(e.line() == 6);
    CHECK(e.field() == "env[1]");
  }
  SECTION("an unknown placeholder") {
    ConfigError e = runtime_error("name = \"x\"\nimage = \"i\"\nsource_file = \"m\"\nrun = [\"x\", \"-m{memroy_mb}\"]\nversion = [\"v\"]\n");
    CHECK(e.line() == 4);
    CHECK(e.field() == "run[1]");
  }
  SECTION("a TOML syntax error") {
    ConfigError e = runtime_error("name = \"x\"\nimage = [\n");
    CHECK(e.file() == "runtimes/x.toml");
    CHECK(e.line() >= 2);
  }
}

TEST_CASE("config runtimes: a name or alias used twice across files is refused at the second file", "[config][runtime]") {
  TempDir dir;
  write_file(dir.path() / "a.toml", minimal + "aliases = [\"xx\"]\n");
  SECTION("alias clashes with an alias") {
    write_file(dir.path() / "b.toml", "name = \"y\"\naliases = [\"yy\", \"xx\"]\nimage = \"i\"\nsource_file = \"m\"\nrun = [\"y\"]\nversion = [\"y\"]\n");
    try {
      RuntimeSet::load_dir(dir.path());
      FAIL("duplicate alias accepted");
    } catch (const ConfigError& e) {
      CHECK(e.file() == (dir.path() / "b.toml").string());
      CHECK(e.line() == 2);
      CHECK(e.field() == "aliases[1]");
      CHECK(std::string(e.what()).find("runtime x") != std::string::npos);
    }
  }
  SECTION("name clashes with a name") {
    write_file(dir.path() / "b.toml", minimal);
    try {
      RuntimeSet::load_dir(dir.path());
      FAIL("duplicate name accepted");
    } catch (const ConfigError& e) {
      CHECK(e.field() == "name");
      CHECK(e.line() == 1);
    }
  }
  SECTION("name clashes with an alias") {
    write_file(dir.path() / "b.toml", "name = \"xx\"\nimage = \"i\"\nsource_file = \"m\"\nrun = [\"y\"]\nversion = [\"y\"]\n");
    CHECK_THROWS_AS(RuntimeSet::load_dir(dir.path()), ConfigError);
  }
  SECTION("distinct names load, subdirectories and other files are ignored") {
    write_file(dir.path() / "b.toml", "name = \"y\"\nimage = \"i\"\nsource_file = \"m\"\nrun = [\"y\"]\nversion = [\"y\"]\n");
    write_file(dir.path() / "README", "not a runtime");
    std::filesystem::create_directory(dir.path() / "images");
    write_file(dir.path() / "images" / "c.toml", "garbage = [");
    RuntimeSet set = RuntimeSet::load_dir(dir.path());
    CHECK(set.all().size() == 2);
    CHECK(set.find("xx")->name == "x");
  }
}

TEST_CASE("config runtimes: placeholders expand to the stage's limits", "[config][runtime]") {
  runbox::sandbox::Limits l;
  l.memory_mb = 300;
  l.stack_mb = 32;
  CHECK(expand_placeholders("-Xmx{memory_mb}m", l) == "-Xmx300m");
  CHECK(expand_placeholders("-Xmx{memory_mb*2}m", l) == "-Xmx600m");
  CHECK(expand_placeholders("{stack_mb}/{memory_mb}", l) == "32/300");
  CHECK(expand_placeholders("{ not } {} {x", l) == "{ not } {} {x");
  l.memory_mb = 0;
  CHECK(expand_placeholders(std::vector<std::string>{"java", "-Xmx{memory_mb}m", "Main"}, l) ==
        std::vector<std::string>{"java", "-Xmx0m", "Main"});
}
