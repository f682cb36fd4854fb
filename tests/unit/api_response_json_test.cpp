#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "api/response_json.hpp"

using runbox::api::Encoding;
using runbox::api::response_to_json;
using runbox::api::RunResponse;
using runbox::api::Stage;
using runbox::api::stage_to_json;
using runbox::api::test_to_json;

namespace {

std::set<std::string> keys_of(const boost::json::value& v) {
  std::set<std::string> keys;
  for (const auto& member : v.as_object()) keys.emplace(member.key());
  return keys;
}

const std::set<std::string> kStageKeys = {
    "status", "exit_code", "signal", "stdout", "stderr", "stdout_truncated",
    "stderr_truncated", "cpu_ms", "wall_ms", "memory_kb"};

Stage crashed() {
  Stage s;
  s.status = "runtime_error";
  s.signal = "SIGSEGV";
  s.stdout_data = "partial\xff";
  s.stderr_data = "";
  s.stdout_truncated = true;
  s.cpu_ms = 12;
  s.wall_ms = 30;
  s.memory_kb = 4096;
  return s;
}

}  // namespace

TEST_CASE("api response: a stage has exactly the contract's fields, with nulls", "[api]") {
  const boost::json::value v = stage_to_json(crashed(), Encoding::utf8);
  CHECK(keys_of(v) == kStageKeys);
  const auto& o = v.as_object();
  CHECK(o.at("status") == "runtime_error");
  CHECK(o.at("exit_code").is_null());
  CHECK(o.at("signal") == "SIGSEGV");
  CHECK(o.at("stdout") == "partial\xEF\xBF\xBD");  // utf8 mode: the bad byte is U+FFFD
  CHECK(o.at("stderr") == "");
  CHECK(o.at("stdout_truncated") == true);
  CHECK(o.at("stderr_truncated") == false);
  CHECK(o.at("cpu_ms").to_number<std::uint64_t>() == 12);
  CHECK(o.at("wall_ms").to_number<std::uint64_t>() == 30);
  CHECK(o.at("memory_kb").to_number<std::uint64_t>() == 4096);
}

TEST_CASE("api response: an exit code is a number and the signal null", "[api]") {
  Stage s;
  s.status = "ok";
  s.exit_code = 3;
  const boost::json::value v = stage_to_json(s, Encoding::utf8);
  const auto& o = v.as_object();
  CHECK(o.at("exit_code").is_int64());
  CHECK(o.at("exit_code").as_int64() == 3);
  CHECK(o.at("signal").is_null());
}

TEST_CASE("api response: base64 mode encodes stdout and stderr", "[api]") {
  Stage s = crashed();
  s.stderr_data = std::string("\0\xff", 2);
  const boost::json::value v = stage_to_json(s, Encoding::base64);
  const auto& o = v.as_object();
  CHECK(o.at("stdout") == "cGFydGlhbP8=");
  CHECK(o.at("stderr") == "AP8=");
}

TEST_CASE("api response: a compiled run has every top-level field, tests null", "[api]") {
  RunResponse r;
  r.id = "abc";
  r.runtime = "c";
  r.version = "gcc 12.2.0";
  r.backend = "native";
  r.compile = Stage{};
  r.compile->status = "ok";
  r.run = crashed();
  const boost::json::value v = response_to_json(r, Encoding::utf8);
  CHECK(keys_of(v) == std::set<std::string>{"id", "runtime", "version", "backend", "compile", "run", "tests"});
  const auto& o = v.as_object();
  CHECK(o.at("id") == "abc");
  CHECK(o.at("runtime") == "c");
  CHECK(o.at("version") == "gcc 12.2.0");
  CHECK(o.at("backend") == "native");
  CHECK(keys_of(o.at("compile")) == kStageKeys);
  CHECK(keys_of(o.at("run")) == kStageKeys);
  CHECK(o.at("run").at("signal") == "SIGSEGV");
  CHECK(o.at("tests").is_null());
}

TEST_CASE("api response: interpreted judge mode has null compile and run, tests with verdicts", "[api]") {
  RunResponse r;
  r.id = "x";
  r.runtime = "python3";
  r.backend = "docker";
  Stage passed;
  passed.status = "ok";
  passed.exit_code = 0;
  passed.stdout_data = "3\n";
  passed.verdict = "accepted";
  Stage no_verdict = crashed();  // falls back to the stage's status
  r.tests = std::vector<Stage>{passed, no_verdict};
  const boost::json::value v = response_to_json(r, Encoding::utf8);
  const auto& o = v.as_object();
  CHECK(o.at("version").is_null());
  CHECK(o.at("compile").is_null());
  CHECK(o.at("run").is_null());
  const auto& tests = o.at("tests").as_array();
  REQUIRE(tests.size() == 2);
  std::set<std::string> test_keys = kStageKeys;
  test_keys.insert("verdict");
  CHECK(keys_of(tests[0]) == test_keys);
  CHECK(tests[0].at("verdict") == "accepted");
  CHECK(tests[0].at("stdout") == "3\n");
  CHECK(tests[1].at("verdict") == "runtime_error");
}

TEST_CASE("api response: verdict appears only on test stages", "[api]") {
  Stage s;
  s.status = "ok";
  s.verdict = "accepted";
  CHECK(keys_of(stage_to_json(s, Encoding::utf8)) == kStageKeys);
  CHECK(test_to_json(s, Encoding::utf8).at("verdict") == "accepted");
  RunResponse r;
  r.run = s;
  CHECK_FALSE(response_to_json(r, Encoding::utf8).at("run").as_object().contains("verdict"));
}

TEST_CASE("api response: the serialized text is valid JSON that parses back", "[api]") {
  RunResponse r;
  r.id = "id";
  r.run = crashed();
  r.run->stderr_data = std::string("nul\0quote\"\x01", 12);
  const std::string text = boost::json::serialize(response_to_json(r, Encoding::utf8));
  const boost::json::value back = boost::json::parse(text);
  CHECK(back.at("run").at("stderr") == boost::json::string_view("nul\0quote\"\x01", 12));
}
