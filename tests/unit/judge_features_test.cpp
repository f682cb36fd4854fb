// The judge features' pure parts: the float and lines_unordered comparisons, strip_control, the
// new request fields, hidden tests and the answer's new members, and the result cache's rule.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "api/compare.hpp"
#include "api/parse_run_request.hpp"
#include "api/response_json.hpp"
#include "api/strip_control.hpp"
#include "service/result_cache.hpp"

using namespace runbox;
using api::Compare;
using api::compare_output;

namespace {

api::RunRequest parsed(std::string_view body) {
  auto r = api::parse_run_request(body, {});
  INFO("body: " << body);
  REQUIRE(std::holds_alternative<api::RunRequest>(r));
  return std::get<api::RunRequest>(r);
}

api::ApiError refused(std::string_view body) {
  auto r = api::parse_run_request(body, {});
  INFO("body: " << body);
  REQUIRE(std::holds_alternative<api::ApiError>(r));
  return std::get<api::ApiError>(r);
}

constexpr const char* kJudge = R"("runtime": "c", "code": "x", "tests": [{"expected_stdout": "1"}])";

}  // namespace

TEST_CASE("judge compare float: numbers within the absolute or relative tolerance", "[api]") {
  const api::FloatTolerance t{1e-6, 1e-6};
  CHECK(compare_output(Compare::float_tokens, "0.333333", "0.3333333333", t));
  CHECK(compare_output(Compare::float_tokens, "1000000", "1000000.5", t));  // relative
  CHECK_FALSE(compare_output(Compare::float_tokens, "1000000", "1000002", t));
  CHECK(compare_output(Compare::float_tokens, "x = 1.0\n2", "x  =  1\n2.0000001", t));
  CHECK_FALSE(compare_output(Compare::float_tokens, "x = 1", "y = 1", t));  // words exactly
  CHECK_FALSE(compare_output(Compare::float_tokens, "1 2", "1", t));
  CHECK(compare_output(Compare::float_tokens, "nan inf -inf", "NaN inf -inf", t));
  CHECK_FALSE(compare_output(Compare::float_tokens, "inf", "1e308", t));
  CHECK_FALSE(compare_output(Compare::float_tokens, "1", "nan", t));
  CHECK_FALSE(compare_output(Compare::float_tokens, "16", "0x10", t));  // hex is not a number here
  CHECK_FALSE(compare_output(Compare::float_tokens, "1", "1abc", t));
  CHECK(compare_output(Compare::float_tokens, "0.5", "0.6", {0.2, 0}));
  CHECK_FALSE(compare_output(Compare::float_tokens, "0.5", "0.6", {0, 0}));
}

TEST_CASE("judge compare lines_unordered: the same trimmed lines, any order, duplicates counted", "[api]") {
  CHECK(compare_output(Compare::lines_unordered, "a\nb\nc\n", "c\na\nb"));
  CHECK(compare_output(Compare::lines_unordered, "a b\nc\n", "c  \na b\n\n"));
  CHECK_FALSE(compare_output(Compare::lines_unordered, "a\nb\nb\n", "a\na\nb\n"));
  CHECK_FALSE(compare_output(Compare::lines_unordered, "a\nb\n", "a\nb\nc\n"));
  CHECK_FALSE(compare_output(Compare::lines_unordered, "a b\n", "b a\n"));  // within a line order counts
}

TEST_CASE("judge strip_control keeps newline and tab, drops C0, DEL and C1", "[api]") {
  std::string s = "a\tb\n\x1b[1m\r\x07\x7f" "c\xc2\x9b" "d\xc2\xa9";
  api::strip_control(s);
  CHECK(s == "a\tb\n[1mcd\xc2\xa9");  // U+00A9 is not a control character
  std::string tail = "x\xc2";
  api::strip_control(tail);
  CHECK(tail == "x\xc2");
}

TEST_CASE("judge request fields: hidden, strip_control, compare forms", "[api]") {
  auto r = parsed(R"({"runtime": "c", "code": "x", "strip_control": true,
                      "tests": [{"expected_stdout": "1", "hidden": true}, {"expected_stdout": "2"}]})");
  CHECK(r.strip_control);
  CHECK((*r.tests)[0].hidden);
  CHECK_FALSE((*r.tests)[1].hidden);
  CHECK(parsed(std::string("{") + kJudge + R"(, "compare": "float"})").compare == Compare::float_tokens);
  CHECK(parsed(std::string("{") + kJudge + R"(, "compare": "lines_unordered"})").compare == Compare::lines_unordered);
  auto f = parsed(std::string("{") + kJudge + R"(, "compare": {"float": {"abs": 0.001, "rel": 0}}})");
  CHECK(f.compare == Compare::float_tokens);
  CHECK(f.tolerance.abs == 0.001);
  CHECK(f.tolerance.rel == 0);
  auto c = parsed(std::string("{") + kJudge + R"(, "compare": {"checker": {"runtime": "python3", "code": "import sys"}}})");
  CHECK(c.compare == Compare::checker);
  REQUIRE(c.checker);
  CHECK(c.checker->runtime == "python3");
  CHECK(c.checker->files.size() == 1);
  auto n = parsed(std::string("{") + kJudge + R"(, "compare": {"checker": {"name": "wcmp"}}})");
  CHECK(n.checker->name == "wcmp");
  auto files = parsed(std::string("{") + kJudge +
                      R"(, "compare": {"checker": {"runtime": "cpp", "files": [{"name": "check.cpp", "content": "int main(){}"}]}}})");
  CHECK(files.checker->files.at(0).name == "check.cpp");
}

TEST_CASE("judge request fields: each wrong form is a 400 naming the field", "[api]") {
  const std::string j = std::string("{") + kJudge;
  for (const std::string& body : {j + R"(, "compare": "fuzzy"})", j + R"(, "compare": {"float": {"abs": 2}}})",
                                 j + R"(, "compare": {"float": {"tol": 1}}})", j + R"(, "compare": {"float": {}, "checker": {}}})",
                                 j + R"(, "compare": {}})", j + R"(, "compare": {"checker": {"name": "a/b"}}})",
                                 j + R"(, "compare": {"checker": {"name": "x", "runtime": "c"}}})",
                                 j + R"(, "compare": {"checker": {"runtime": "c"}}})", j + R"(, "strip_control": 1})",
                                 std::string(R"({"runtime": "c", "code": "x", "tests": [{"expected_stdout": "1", "hidden": "yes"}]})")}) {
    const auto e = refused(body);
    INFO(body << " -> " << e.message);
    CHECK(e.status == 400);
  }
  CHECK(refused(j + R"(, "compare": {"float": {"abs": 2}}})").message.find("compare.float.abs") != std::string::npos);
}

TEST_CASE("judge answer: a hidden test has no output members, while output, cached and checker_message appear", "[api]") {
  api::RunResponse r;
  r.id = "i";
  r.runtime = "c";
  r.backend = "native";
  sandbox::Result ok;
  ok.status = sandbox::Status::ok;
  ok.exit_code = 0;
  ok.stdout_data = "out";
  ok.stderr_data = "err";
  ok.output_order = {{2, 3}, {1, 3}};
  r.compile = api::stage_result(sandbox::Result(ok), api::StageKind::compile);
  r.compile->cached = true;
  r.tests.emplace();
  r.tests->push_back(api::test_stage_result(sandbox::Result(ok), {true, false, std::string("fine")}, {false, false}));
  r.tests->push_back(api::test_stage_result(sandbox::Result(ok), {false, false, std::string("expected 5")}, {false, true}));
  r.cached = true;
  const auto v = boost::json::parse(api::response_text(std::move(r), api::Encoding::utf8)).as_object();
  CHECK(v.at("cached") == true);
  CHECK(v.at("compile").at("cached") == true);
  CHECK(v.at("compile").at("output") == "errout");
  const auto& shown = v.at("tests").at(0).as_object();
  CHECK_FALSE(shown.contains("hidden"));
  CHECK(shown.at("checker_message") == "fine");
  CHECK(shown.at("output") == "errout");
  const auto& hidden = v.at("tests").at(1).as_object();
  CHECK(hidden.at("hidden") == true);
  CHECK(hidden.at("verdict") == "wrong_answer");
  CHECK_FALSE(hidden.contains("stdout"));
  CHECK_FALSE(hidden.contains("stderr"));
  CHECK_FALSE(hidden.contains("output"));
  CHECK_FALSE(hidden.contains("checker_message"));  // it may quote the expected output
}

TEST_CASE("judge result cache: only outcomes without a limit, a failure or a cancel are kept", "[api]") {
  job::JobOutcome o;
  sandbox::Result r;
  r.status = sandbox::Status::ok;
  o.run = r;
  CHECK(service::ResultCache::cacheable(o));
  o.run->status = sandbox::Status::runtime_error;
  CHECK(service::ResultCache::cacheable(o));
  for (auto s : {sandbox::Status::time_limit, sandbox::Status::wall_time_limit, sandbox::Status::memory_limit,
                 sandbox::Status::output_limit, sandbox::Status::internal_error}) {
    o.run->status = s;
    CHECK_FALSE(service::ResultCache::cacheable(o));
  }
  o.run->status = sandbox::Status::ok;
  o.cancelled = true;
  CHECK_FALSE(service::ResultCache::cacheable(o));

  service::ResultCache cache(4096);
  job::JobOutcome small;
  small.run = r;
  small.run->stdout_data = "hi";
  cache.store("k", small);
  auto hit = cache.find("k");
  REQUIRE(hit);
  CHECK(hit->from_result_cache);
  CHECK(hit->run->stdout_data == "hi");
  CHECK_FALSE(cache.find("other"));
  job::JobOutcome big = small;
  big.run->stdout_data.assign(8192, 'x');
  cache.store("big", big);  // larger than the bound: not kept
  CHECK_FALSE(cache.find("big"));
  for (int i = 0; i < 20; ++i) cache.store("k" + std::to_string(i), small);
  CHECK(cache.bytes() <= 4096);
  CHECK_FALSE(cache.find("k"));  // least recently used, evicted
}
