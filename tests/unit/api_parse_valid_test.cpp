#include <catch2/catch.hpp>

#include <string>

#include "api/parse_run_request.hpp"

using runbox::api::Compare;
using runbox::api::Encoding;
using runbox::api::parse_run_request;
using runbox::api::RunRequest;

namespace {

// The request a body becomes; fails the test if the body is refused.
RunRequest request_of(std::string_view body) {
  auto result = parse_run_request(body);
  INFO("body: " << body);
  if (const auto* e = std::get_if<runbox::api::ApiError>(&result)) INFO("error: " << e->code << ": " << e->message);
  REQUIRE(std::holds_alternative<RunRequest>(result));
  return std::get<RunRequest>(std::move(result));
}

}  // namespace

TEST_CASE("api parse: code becomes one file named by the runtime, with defaults", "[api]") {
  const RunRequest r = request_of(R"j({"runtime": "py", "code": "print(input())"})j");
  CHECK(r.runtime == "py");
  REQUIRE(r.files.size() == 1);
  CHECK(r.files[0].name.empty());
  CHECK(r.files[0].content == "print(input())");
  CHECK(r.stdin_data.empty());
  CHECK(r.args.empty());
  CHECK(r.encoding == Encoding::utf8);
  CHECK_FALSE(r.limits.cpu_ms);
  CHECK_FALSE(r.limits.file_size_kb);
  CHECK_FALSE(r.compile_limits.memory_mb);
  CHECK_FALSE(r.tests);
  CHECK(r.compare == Compare::trim);
}

TEST_CASE("api parse: every top-level field is read", "[api]") {
  const RunRequest r = request_of(R"({
    "runtime": "python3", "code": "x", "stdin": "hello\n", "args": ["a", "b c", ""],
    "limits": {"cpu_ms": 2000, "wall_ms": 5000, "memory_mb": 256, "pids": 64, "output_kb": 1024,
               "file_size_kb": 0},
    "compile_limits": {"cpu_ms": 0, "memory_mb": 18446744073709551615}})");
  CHECK(r.stdin_data == "hello\n");
  CHECK(r.args == std::vector<std::string>{"a", "b c", ""});
  CHECK(r.limits.cpu_ms == 2000u);
  CHECK(r.limits.wall_ms == 5000u);
  CHECK(r.limits.memory_mb == 256u);
  CHECK(r.limits.pids == 64u);
  CHECK(r.limits.output_kb == 1024u);
  CHECK(r.limits.file_size_kb == 0u);  // kept, not "unset": the policy step refuses it (422 limit_below_minimum)
  CHECK(r.compile_limits.cpu_ms == 0u);
  CHECK(r.compile_limits.memory_mb == 18446744073709551615u);
  CHECK_FALSE(r.compile_limits.wall_ms);
}

TEST_CASE("api parse: cpus is a number of cores, integer or fraction, read in thousandths", "[api]") {
  const RunRequest r = request_of(R"({"runtime": "python3", "code": "x", "limits": {"cpus": 0.5},
    "compile_limits": {"cpus": 2}})");
  CHECK(r.limits.cpus_milli == 500u);
  CHECK(r.compile_limits.cpus_milli == 2000u);
  CHECK_FALSE(r.limits.cpu_ms);
  CHECK(request_of(R"({"runtime": "c", "code": "x", "limits": {"cpus": 1.2345}})").limits.cpus_milli == 1235u);
  CHECK(request_of(R"({"runtime": "c", "code": "x", "limits": {"cpus": 0}})").limits.cpus_milli == 0u);  // refused later: 422
  CHECK(request_of(R"({"runtime": "c", "code": "x", "limits": {"cpus": 0.0001}})").limits.cpus_milli == 0u);
  CHECK(request_of(R"({"runtime": "c", "code": "x", "limits": {"cpus": 1e300}})").limits.cpus_milli == 1000000000000000u);
  CHECK_FALSE(request_of(R"({"runtime": "c", "code": "x"})").limits.cpus_milli);
}

TEST_CASE("api parse: NUL inside code and stdin is kept", "[api]") {
  const RunRequest r = request_of(R"({"runtime": "c", "code": "a\u0000b", "stdin": "\u0000"})");
  CHECK(r.files[0].content == std::string("a\0b", 3));
  CHECK(r.stdin_data == std::string(1, '\0'));
}

TEST_CASE("api parse: files keep their order, subdirectories and encodings", "[api]") {
  const RunRequest r = request_of(R"({"runtime": "python3", "files": [
    {"name": "main.py", "content": "import pkg.util"},
    {"name": "pkg/util.py", "content": "aGVsbG8=", "encoding": "base64"},
    {"name": "pkg/sub/data.bin", "content": "AP8=", "encoding": "base64"},
    {"name": "pkg/__init__.py", "content": "", "encoding": "utf8"},
    {"name": ".hidden", "content": "x"}]})");
  REQUIRE(r.files.size() == 5);
  CHECK(r.files[0].name == "main.py");  // the entry point
  CHECK(r.files[0].content == "import pkg.util");
  CHECK(r.files[1].name == "pkg/util.py");
  CHECK(r.files[1].content == "hello");
  CHECK(r.files[2].name == "pkg/sub/data.bin");
  CHECK(r.files[2].content == std::string("\x00\xff", 2));
  CHECK(r.files[3].content.empty());
  CHECK(r.files[4].name == ".hidden");
}

TEST_CASE("api parse: a name of exactly 255 bytes per component is accepted", "[api]") {
  const std::string name = std::string(255, 'a') + "/" + std::string(255, 'b');
  const RunRequest r = request_of(R"({"runtime": "python3", "files": [{"name": ")" + name +
                                  R"(", "content": ""}]})");
  CHECK(r.files[0].name == name);
}

TEST_CASE("api parse: base64 encoding decodes stdin and the tests, not code", "[api]") {
  const RunRequest r = request_of(R"({"runtime": "python3", "code": "aGk=", "encoding": "base64",
    "stdin": "/w==", "tests": [{"stdin": "MSAy", "expected_stdout": "Mwo="}]})");
  CHECK(r.encoding == Encoding::base64);
  CHECK(r.files[0].content == "aGk=");  // code is source text, always as given
  CHECK(r.stdin_data == "\xff");
  REQUIRE(r.tests);
  CHECK((*r.tests)[0].stdin_data == "1 2");
  CHECK((*r.tests)[0].expected_stdout == "3\n");
}

TEST_CASE("api parse: judge mode defaults to empty stdin, no args and trim", "[api]") {
  const RunRequest r = request_of(R"({"runtime": "python3", "code": "x", "args": ["top"],
    "tests": [{"expected_stdout": "3\n"}, {"stdin": "1 2\n", "expected_stdout": "", "args": ["-v"]}]})");
  REQUIRE(r.tests);
  REQUIRE(r.tests->size() == 2);
  CHECK((*r.tests)[0].stdin_data.empty());
  CHECK((*r.tests)[0].args.empty());  // each test is self-contained: top-level args do not leak
  CHECK((*r.tests)[0].expected_stdout == "3\n");
  CHECK((*r.tests)[1].stdin_data == "1 2\n");
  CHECK((*r.tests)[1].args == std::vector<std::string>{"-v"});
  CHECK(r.compare == Compare::trim);
}

TEST_CASE("api parse: compare is read, and allowed without tests", "[api]") {
  CHECK(request_of(R"({"runtime": "c", "code": "", "compare": "exact",
                       "tests": [{"expected_stdout": ""}]})").compare == Compare::exact);
  CHECK(request_of(R"({"runtime": "c", "code": "", "compare": "tokens",
                       "tests": [{"expected_stdout": ""}]})").compare == Compare::tokens);
  const RunRequest r = request_of(R"({"runtime": "c", "code": "", "compare": "exact"})");
  CHECK_FALSE(r.tests);
}

TEST_CASE("api parse: fields may come in any order, with surrounding whitespace", "[api]") {
  const RunRequest r = request_of(" \n{\"stdin\": \"s\", \"code\": \"c\", \"runtime\": \"go\"}\n ");
  CHECK(r.runtime == "go");
  CHECK(r.stdin_data == "s");
}
