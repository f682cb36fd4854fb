#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "api/parse_run_request.hpp"

using runbox::api::ApiError;
using runbox::api::parse_run_request;
using runbox::api::ParseLimits;
using runbox::api::RunRequest;

namespace {

// The error a body gets; fails the test if the body is accepted.
ApiError error_of(std::string_view body, const ParseLimits& limits = {}) {
  auto result = parse_run_request(body, limits);
  INFO("body: " << body);
  REQUIRE(std::holds_alternative<ApiError>(result));
  return std::get<ApiError>(result);
}

void check_error(std::string_view body, std::string_view code, std::string_view in_message) {
  const ApiError e = error_of(body);
  INFO("body: " << body << "\nmessage: " << e.message);
  CHECK(e.status == 400);
  CHECK(e.code == code);
  CHECK(e.message.find(in_message) != std::string::npos);
}

void check_invalid(std::string_view body, std::string_view in_message) {
  check_error(body, "invalid_request", in_message);
}

// A valid body with `extra` spliced in as more top-level members.
std::string with(std::string_view extra) {
  return std::string(R"j({"runtime": "python3", "code": "print(1)", )j") + std::string(extra) + "}";
}

}  // namespace

TEST_CASE("api parse: the baseline body of these tests is valid", "[api]") {
  CHECK(std::holds_alternative<RunRequest>(parse_run_request(with(R"("stdin": "")"))));
}

TEST_CASE("api parse: bodies that are not JSON are invalid_json", "[api]") {
  check_error("", "invalid_json", "not valid JSON");
  check_error("{", "invalid_json", "not valid JSON");
  check_error("runtime=python3", "invalid_json", "not valid JSON");
  check_error(with(R"("stdin": "x")") + " {}", "invalid_json", "not valid JSON");  // trailing data
  check_error(with(R"("stdin": "x")") + " x", "invalid_json", "not valid JSON");
  check_error(with(R"("limits": {"cpu_ms": NaN})"), "invalid_json", "not valid JSON");
  check_error(with(R"("limits": {"cpu_ms": Infinity})"), "invalid_json", "not valid JSON");
  check_error(with(R"("limits": {"cpu_ms": -Infinity})"), "invalid_json", "not valid JSON");
  check_error(with(R"("stdin": "x",)"), "invalid_json", "not valid JSON");  // trailing comma
  check_error(with(R"("stdin": "x" /* c */)"), "invalid_json", "not valid JSON");
  check_error(with("\"stdin\": \"\xff\""), "invalid_json", "not valid JSON");  // not UTF-8
  check_error(with(R"("stdin": "\ud800")"), "invalid_json", "not valid JSON");  // lone surrogate
}

TEST_CASE("api parse: deep nesting is invalid_json, found before the rest is read", "[api]") {
  const auto nested = [](std::size_t levels) {
    return with("\"args\": " + std::string(levels, '[') + std::string(levels, ']'));
  };
  check_error(nested(1000), "invalid_json", "deep");
  // The depth limit is what refuses it: with a higher one the same body is merely a bad request.
  CHECK(error_of(nested(1000), ParseLimits{2000}).code == "invalid_request");

  // A million levels (2 MB) is answered without building anything.
  const std::string huge = nested(1'000'000);
  const auto start = std::chrono::steady_clock::now();
  const auto result = parse_run_request(huge);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(std::holds_alternative<ApiError>(result));
  CHECK(std::get<ApiError>(result).code == "invalid_json");
  // Generous for a loaded machine: it stops after 33 bytes, microseconds in practice.
  CHECK(elapsed < std::chrono::milliseconds(500));
}

TEST_CASE("api parse: a body that is not an object is invalid_request", "[api]") {
  check_invalid(R"([{"runtime": "python3", "code": "x"}])", "must be a JSON object");
  check_invalid(R"("python3")", "must be a JSON object");
  check_invalid("null", "must be a JSON object");
  check_invalid("42", "must be a JSON object");
}

TEST_CASE("api parse: runtime is a required non-empty string", "[api]") {
  check_invalid(R"({"code": "x"})", "runtime is required");
  check_invalid(R"({"runtime": 3, "code": "x"})", "runtime must be a string");
  check_invalid(R"({"runtime": null, "code": "x"})", "runtime must be a string");
  check_invalid(R"({"runtime": "", "code": "x"})", "runtime must not be empty");
}

TEST_CASE("api parse: exactly one of code and files", "[api]") {
  check_invalid(R"({"runtime": "python3"})", "code or files is required");
  check_invalid(R"({"runtime": "python3", "code": "x", "files": [{"name": "a", "content": ""}]})",
                "not both");
  check_invalid(R"({"runtime": "python3", "code": ["x"]})", "code must be a string");
  check_invalid(R"({"runtime": "python3", "files": []})", "files must not be empty");
  check_invalid(R"({"runtime": "python3", "files": {"name": "a"}})", "files must be an array");
  check_invalid(R"({"runtime": "python3", "files": ["main.py"]})", "files[0] must be an object");
}

TEST_CASE("api parse: files need a name and a content of the right types", "[api]") {
  check_invalid(R"({"runtime": "python3", "files": [{"content": "x"}]})",
                "files[0].name is required");
  check_invalid(R"({"runtime": "python3", "files": [{"name": "a.py"}]})",
                "files[0].content is required");
  check_invalid(R"({"runtime": "python3", "files": [{"name": "a.py", "content": "x"},
                                                    {"name": 7, "content": "x"}]})",
                "files[1].name must be a string");
  check_invalid(R"({"runtime": "python3", "files": [{"name": "a.py", "content": 1}]})",
                "files[0].content must be a string");
  check_invalid(R"({"runtime": "python3", "files": [{"name": "a.py", "content": "", "encoding": "hex"}]})",
                "files[0].encoding must be");
}

TEST_CASE("api parse: each kind of bad file name is invalid_request", "[api]") {
  const auto body = [](std::string_view name_json) {
    return R"({"runtime": "python3", "files": [{"name": "main.py", "content": ""}, {"name": )" +
           std::string(name_json) + R"(, "content": ""}]})";
  };
  check_invalid(body(R"("/etc/passwd")"), "files[1].name must be a relative path");
  check_invalid(body(R"("")"), "files[1].name must not be empty");
  check_invalid(body(R"("pkg//util.py")"), "empty path component");
  check_invalid(body(R"("pkg/")"), "empty path component");
  check_invalid(body(R"("./util.py")"), "'.' or '..' component");
  check_invalid(body(R"("pkg/.")"), "'.' or '..' component");
  check_invalid(body(R"("..")"), "'.' or '..' component");
  check_invalid(body(R"("pkg/../../etc/x")"), "'.' or '..' component");
  check_invalid(body(R"("a\u0000b")"), "must not contain NUL");
  check_invalid(body('"' + std::string(256, 'x') + '"'), "longer than 255 bytes");
  check_invalid(body("\"pkg/" + std::string(256, 'x') + "/a\""), "longer than 255 bytes");
  check_invalid(body('"' + std::string(4096, 'x') + '"'), "longer than");
  check_invalid(body(R"("main.py")"), "files[1].name \"main.py\" repeats files[0].name");
  // One name both a file and a directory cannot be written either way round.
  check_invalid(body(R"("main.py/x")"), "needs directory \"main.py\"");
  check_invalid(R"({"runtime": "python3", "files": [{"name": "pkg/a.py", "content": ""},
                                                    {"name": "pkg", "content": ""}]})",
                "files[1].name \"pkg\" is a directory of files[0].name");
}

TEST_CASE("api parse: bad base64 in files, stdin or tests is invalid_request", "[api]") {
  const auto file = [](std::string_view content) {
    return R"({"runtime": "python3", "files": [{"name": "a.py", "encoding": "base64", "content": ")" +
           std::string(content) + R"("}]})";
  };
  check_invalid(file("aGVsbG8"), "files[0].content is not valid base64");   // no padding
  check_invalid(file("aGVs bG8="), "files[0].content is not valid base64");  // space
  check_invalid(file("aGVsbG8*"), "files[0].content is not valid base64");
  check_invalid(file("aG=sbG8="), "files[0].content is not valid base64");  // '=' inside
  check_invalid(with(R"("encoding": "base64", "stdin": "!!!!")"), "stdin is not valid base64");
  check_invalid(with(R"("encoding": "base64", "tests": [{"expected_stdout": "a"}])"),
                "tests[0].expected_stdout is not valid base64");
  check_invalid(with(R"("encoding": "base64", "tests": [{"expected_stdout": "", "stdin": "a==="}])"),
                "tests[0].stdin is not valid base64");
}

TEST_CASE("api parse: encoding must be utf8 or base64", "[api]") {
  check_invalid(with(R"("encoding": "latin1")"), "encoding must be \"utf8\" or \"base64\"");
  check_invalid(with(R"("encoding": "UTF8")"), "encoding must be");
  check_invalid(with(R"("encoding": 1)"), "encoding must be a string");
}

TEST_CASE("api parse: stdin and args have the right types, args hold no NUL", "[api]") {
  check_invalid(with(R"("stdin": 5)"), "stdin must be a string");
  check_invalid(with(R"("stdin": null)"), "stdin must be a string");
  check_invalid(with(R"("args": "a b")"), "args must be an array");
  check_invalid(with(R"("args": ["a", 2])"), "args[1] must be a string");
  check_invalid(with(R"("args": ["a", "b\u0000c"])"), "args[1] must not contain NUL");
  check_invalid(with(R"("tests": [{"expected_stdout": "", "args": ["\u0000"]}])"),
                "tests[0].args[0] must not contain NUL");
}

TEST_CASE("api parse: limits must be non-negative integers", "[api]") {
  for (const char* group : {"limits", "compile_limits"}) {
    const auto body = [&](std::string_view value) {
      return with("\"" + std::string(group) + "\": {\"cpu_ms\": " + std::string(value) + "}");
    };
    const std::string message = std::string(group) + ".cpu_ms must be a non-negative integer";
    check_invalid(body("-1"), message);
    check_invalid(body("1.5"), message);
    check_invalid(body("2000.0"), message);  // any JSON double is refused
    check_invalid(body("2e3"), message);
    check_invalid(body("18446744073709551616"), message);  // over uint64: a double to JSON
    check_invalid(body("true"), message);
    check_invalid(body("\"2000\""), message);
    check_invalid(body("null"), message);
    check_invalid(with("\"" + std::string(group) + "\": [1]"), std::string(group) + " must be an object");
  }
  check_invalid(with(R"("limits": {"file_size_kb": -5})"), "limits.file_size_kb must be");
}

TEST_CASE("api parse: cpus must be a non-negative number", "[api]") {
  for (const char* group : {"limits", "compile_limits"}) {
    const auto body = [&](std::string_view value) {
      return with("\"" + std::string(group) + "\": {\"cpus\": " + std::string(value) + "}");
    };
    const std::string message = std::string(group) + ".cpus must be a non-negative number";
    check_invalid(body("-0.5"), message);
    check_invalid(body("-1"), message);
    check_invalid(body("true"), message);
    check_invalid(body("\"0.5\""), message);
    check_invalid(body("null"), message);
  }
}

TEST_CASE("api parse: tests need expected_stdout and the right types", "[api]") {
  check_invalid(with(R"("tests": [{"stdin": "1\n"}])"), "tests[0].expected_stdout is required");
  check_invalid(with(R"("tests": [])"), "tests must not be empty");
  check_invalid(with(R"("tests": {"expected_stdout": ""})"), "tests must be an array");
  check_invalid(with(R"("tests": ["3\n"])"), "tests[0] must be an object");
  check_invalid(with(R"("tests": [{"expected_stdout": 3}])"), "tests[0].expected_stdout must be a string");
  check_invalid(with(R"("tests": [{"expected_stdout": "", "stdin": []}])"), "tests[0].stdin must be a string");
  check_invalid(with(R"("tests": [{"expected_stdout": "", "args": "a"}])"), "tests[0].args must be an array");
}

TEST_CASE("api parse: compare must be one of its names or forms, with or without tests", "[api]") {
  check_invalid(with(R"("compare": "fuzzy")"), "compare must be");
  check_invalid(with(R"("compare": 1)"), "compare must be");
  check_invalid(with(R"("tests": [{"expected_stdout": ""}], "compare": "Exact")"), "compare must be");
}

TEST_CASE("api parse: an unknown field at any level is unknown_field naming its path", "[api]") {
  check_error(with(R"("stdn": "x")"), "unknown_field", "stdn");
  check_error(with(R"("limits": {"cpu_msx": 1})"), "unknown_field", "limits.cpu_msx");
  check_error(with(R"("compile_limits": {"memory": 1})"), "unknown_field", "compile_limits.memory");
  check_error(R"({"runtime": "python3", "files": [{"name": "a.py", "content": "", "mode": "0755"}]})",
              "unknown_field", "files[0].mode");
  check_error(with(R"("tests": [{"expected_stdout": "", "expected": ""}])"), "unknown_field",
              "tests[0].expected");
  check_error(with(R"("tests": [{"expected_stdout": ""}, {"expected_stdout": "", "stdin ": ""}])"),
              "unknown_field", "tests[1].stdin ");
}

TEST_CASE("api parse: unknown fields are checked before the other fields of an object", "[api]") {
  // The unknown field sits at the end; a reader that checked fields first would report them.
  check_error(R"({"code": 1, "runtime": "python3", "timeout": 5})", "unknown_field", "timeout");
  check_error(R"({"runtime": "python3", "code": "x", "limits": {"cpu_ms": -1, "cpu": 1}})",
              "unknown_field", "limits.cpu");
}

TEST_CASE("api parse: more tests than max_tests is 422 limit_exceeds_policy naming tests and the maximum", "[api]") {
  auto tests_body = [](int n) {
    std::string tests;
    for (int i = 0; i < n; ++i) tests += std::string(i ? "," : "") + R"({"expected_stdout": ""})";
    return with(R"("tests": [)" + tests + "]");
  };
  ParseLimits limits;
  limits.max_tests = 3;
  CHECK(std::holds_alternative<RunRequest>(parse_run_request(tests_body(3), limits)));
  const ApiError e = error_of(tests_body(4), limits);
  INFO(e.message);
  CHECK(e.status == 422);
  CHECK(e.code == "limit_exceeds_policy");
  CHECK(e.message.find("tests") != std::string::npos);
  CHECK(e.message.find("maximum 3") != std::string::npos);
  // The default is the default policy's: 256.
  CHECK(std::holds_alternative<RunRequest>(parse_run_request(tests_body(256))));
  CHECK(error_of(tests_body(257)).status == 422);
}

TEST_CASE("api parse: an args list of more than 4096 entries is invalid_request", "[api]") {
  auto args_body = [](std::size_t n, bool in_test) {
    std::string list;
    for (std::size_t i = 0; i < n; ++i) list += i ? ",\"\"" : "\"\"";
    return in_test ? with(R"("tests": [{"expected_stdout": "", "args": [)" + list + "]}]")
                   : with(R"("args": [)" + list + "]");
  };
  CHECK(std::holds_alternative<RunRequest>(parse_run_request(args_body(4096, false))));
  check_invalid(args_body(4097, false), "args has 4097 entries; at most 4096");
  check_invalid(args_body(4097, true), "tests[0].args has 4097 entries");
}

TEST_CASE("api parse: a body of more JSON values than max_values is refused before it is built", "[api]") {
  auto zeros = [](std::size_t n) {
    std::string list;
    for (std::size_t i = 0; i < n; ++i) list += i ? ",0" : "0";
    return with(R"("limits": {"x": [)" + list + "]}");
  };
  ParseLimits limits;
  limits.max_values = 1000;
  // 4 values besides the list: the body object, runtime, code, limits.
  CHECK(error_of(zeros(995), limits).code == "unknown_field");  // counted, then parsed and read
  const ApiError e = error_of(zeros(997), limits);
  CHECK(e.code == "invalid_request");
  CHECK(e.message.find("more than 1000 JSON values") != std::string::npos);
  // The default: 10 MB of "0," (3.5 million values) is refused.
  CHECK(error_of(zeros((10u << 20) / 2)).message.find("JSON values") != std::string::npos);
}
