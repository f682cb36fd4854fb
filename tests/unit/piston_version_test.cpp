// Piston's versions: derived from the probed text, selected as node-semver selects.
#include <catch2/catch.hpp>

#include "piston/piston_request.hpp"
#include "piston/piston_version.hpp"

using runbox::piston::satisfies;
using runbox::piston::Version;
using runbox::piston::version_from_probe;

TEST_CASE("piston version: the first N.N[.N] of the probed text", "[piston]") {
  CHECK(version_from_probe("Python 3.11.2").text() == "3.11.2");
  CHECK(version_from_probe("gcc (Debian 12.2.0-14) 12.2.0").text() == "12.2.0");
  CHECK(version_from_probe("go version go1.19.8 linux/amd64").text() == "1.19.8");
  CHECK(version_from_probe("openjdk version \"17.0.9\" 2023-10-17").text() == "17.0.9");
  CHECK(version_from_probe("This is perl 5, version 36, subversion 0 (v5.36.0)").text() == "5.36.0");
  CHECK(version_from_probe("GNU bash, version 5.2.15(1)-release").text() == "5.2.15");
  CHECK(version_from_probe("ruby 3.1.2p20").text() == "3.1.2");
  CHECK(version_from_probe("Lua 5.4").text() == "5.4.0");
  CHECK(version_from_probe("no digits here").text() == "0.0.0");
}

TEST_CASE("piston version: selectors as node-semver reads them", "[piston]") {
  const Version v{3, 11, 2};
  for (const char* yes : {"*", "", "x", "3", "3.x", "3.X", "3.11", "3.11.x", "3.11.2", "=3.11.2", "v3.11.2", ">=3.10 <3.12",
                          ">= 3.10", "^3.1", "~3.11", "~3.11.0", "3.10 - 3.12", "2.x || 3.x", ">3.11.1", "<=3.11", "<4"})
    CHECK(satisfies(v, yes) == true);
  for (const char* no : {"2", "3.10", "3.11.3", ">3.11", "<3.11.2", "~3.10", "^4", "4.x || 2.x", "3.12 - 4", ">3"})
    CHECK(satisfies(v, no) == false);
  CHECK(satisfies(Version{0, 2, 5}, "^0.2.3") == true);
  CHECK(satisfies(Version{0, 3, 0}, "^0.2.3") == false);
  for (const char* bad : {"three", "3.11.2.1", "3.11.2-alpha.1", ">=x.1"}) CHECK_FALSE(satisfies(v, bad).has_value());
}

TEST_CASE("piston request: Piston's fields into the core's request, its units, its errors", "[piston]") {
  using runbox::piston::ExecuteRequest;
  using runbox::piston::parse_execute;
  using runbox::piston::PistonError;
  auto ok = parse_execute(R"J({"language":"py","version":"3","files":[{"content":"B"},{"name":"a/b.txt","content":"aGk=","encoding":"base64"},
    {"content":"A"}],"run_timeout":1500,"run_cpu_time":700,"run_memory_limit":1000000,"compile_timeout":0,"compile_memory_limit":-1})J");
  REQUIRE(std::holds_alternative<ExecuteRequest>(ok));
  const auto& r = std::get<ExecuteRequest>(ok).core;
  REQUIRE(r.files.size() == 3);
  CHECK(r.files[0].name.empty());  // the first utf8 file is the main one
  CHECK(r.files[0].content == "B");
  CHECK(r.files[1].name == "a/b.txt");
  CHECK(r.files[1].content == "hi");
  CHECK(r.files[2].name == "file2.code");  // Piston's default name
  CHECK(r.stdin_data == "\n");              // Piston's final newline, even on an empty stdin
  CHECK(r.limits.wall_ms == 1500);
  CHECK(r.limits.cpu_ms == 700);
  CHECK(r.limits.memory_mb == 1);  // bytes, rounded up to a MiB
  CHECK_FALSE(r.compile_limits.wall_ms);
  CHECK_FALSE(r.compile_limits.memory_mb);
  auto escape = parse_execute(R"J({"language":"py","version":"3","files":[{"content":"x"},{"name":"../x","content":""}]})J");
  REQUIRE(std::holds_alternative<PistonError>(escape));
  CHECK(std::get<PistonError>(escape).status == 400);
  CHECK(runbox::piston::piston_limit("compile_limits.memory_mb", 2).name == "compile_memory_limit");
  CHECK(runbox::piston::piston_limit("compile_limits.memory_mb", 2).maximum == 2u << 20);
  CHECK(runbox::piston::piston_limit("limits.pids", 2).name.empty());
}
