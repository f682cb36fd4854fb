#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "api/base64.hpp"
#include "api/response_json.hpp"
#include "api/utf8_replace.hpp"

using runbox::api::Encoding;
using runbox::api::response_text;
using runbox::api::RunResponse;
using Stage = runbox::api::StageResult;

namespace {

// The answer's text, parsed back (so every check below also proves it is valid JSON).
boost::json::value response_to_json(RunResponse r, Encoding encoding) {
  return boost::json::parse(response_text(std::move(r), encoding));
}

// A stage as the answer's "run" (never a verdict there) or as its only test.
boost::json::value stage_to_json(const Stage& s, Encoding encoding) {
  RunResponse r;
  r.run = s;
  return response_to_json(std::move(r), encoding).at("run");
}
boost::json::value test_to_json(const Stage& s, Encoding encoding) {
  RunResponse r;
  r.tests = std::vector<Stage>{s};
  return response_to_json(std::move(r), encoding).at("tests").at(0);
}

std::set<std::string> keys_of(const boost::json::value& v) {
  std::set<std::string> keys;
  for (const auto& member : v.as_object()) keys.emplace(member.key());
  return keys;
}

const std::set<std::string> kStageKeys = {
    "status", "exit_code", "signal", "stdout", "stderr", "output", "stdout_truncated",
    "stderr_truncated", "cpu_ms", "wall_ms", "memory_kb"};
// The compile stage says whether it came from the compile cache.
std::set<std::string> compile_keys() {
  auto k = kStageKeys;
  k.insert("cached");
  return k;
}

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
  CHECK(keys_of(v) == std::set<std::string>{"id", "runtime", "version", "backend", "compile", "run", "tests", "cached"});
  const auto& o = v.as_object();
  CHECK(o.at("id") == "abc");
  CHECK(o.at("runtime") == "c");
  CHECK(o.at("version") == "gcc 12.2.0");
  CHECK(o.at("backend") == "native");
  CHECK(keys_of(o.at("compile")) == compile_keys());
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
  const std::string text = response_text(std::move(r), Encoding::utf8);
  const boost::json::value back = boost::json::parse(text);
  CHECK(back.at("run").at("stderr") == boost::json::string_view("nul\0quote\"\x01", 12));
}

TEST_CASE("api response: every byte 0..255 in utf8 mode escapes as Boost.JSON would, after U+FFFD", "[api]") {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  all += "\xe2\x82\xac\xf0\x9f\x98";  // a whole euro sign, then a cut-off emoji
  RunResponse r;
  r.id = "\x01\"";  // small strings are escaped the same way
  r.run = Stage{};
  r.run->status = "ok";
  r.run->stdout_data = all;
  const std::string text = response_text(std::move(r), Encoding::utf8);
  const boost::json::value back = boost::json::parse(text);
  const std::string expected = runbox::api::utf8_replace(all);
  CHECK(back.at("run").at("stdout") == boost::json::string_view(expected));
  CHECK(back.at("id") == "\x01\"");
  // Byte for byte what Boost.JSON's serializer writes for the same string.
  CHECK(text.find(boost::json::serialize(boost::json::string(expected))) != std::string::npos);
}

TEST_CASE("api response: base64 output longer than one encoding chunk round-trips", "[api]") {
  std::string bytes;
  for (int i = 0; i < 100000; ++i) bytes += static_cast<char>(i * 7 % 256);
  RunResponse r;
  r.tests = std::vector<Stage>(2);
  (*r.tests)[0].stdout_data = bytes;
  (*r.tests)[1].stderr_data = bytes.substr(1);
  const boost::json::value v = response_to_json(std::move(r), Encoding::base64);
  auto decoded = [&](const boost::json::value& s) {
    return runbox::api::base64_decode(std::string(s.as_string())).value_or("<not base64>");
  };
  CHECK(decoded(v.at("tests").at(0).at("stdout")) == bytes);
  CHECK(decoded(v.at("tests").at(1).at("stderr")) == bytes.substr(1));
}

TEST_CASE("api response: control bytes are 6 bytes each, and the text has exactly the size it was measured at", "[api]") {
  RunResponse r;
  r.run = Stage{};
  r.run->stdout_data = std::string(1 << 20, '\x01');
  const std::string text = response_text(std::move(r), Encoding::utf8);
  CHECK(text.size() > 6u << 20);
  CHECK(text.size() < (6u << 20) + 400);
  // Allocated once at its measured size: no slack left by growing.
  CHECK(text.capacity() == text.size());
}

TEST_CASE("api stage result: made once from the typed result (compile_error, verdicts, runbox's own message)", "[api]") {
  using runbox::api::StageKind;
  using runbox::sandbox::Result;
  using runbox::sandbox::Status;
  Result failed;
  failed.status = Status::runtime_error;
  failed.exit_code = 1;
  failed.stderr_data = "error: expected ';'";
  CHECK(runbox::api::stage_result(Result(failed), StageKind::compile).status == "compile_error");
  auto run = runbox::api::stage_result(Result(failed), StageKind::run);
  CHECK(run.status == "runtime_error");
  CHECK(run.stderr_data == "error: expected ';'");
  CHECK_FALSE(run.verdict);

  Result ok;
  ok.status = Status::ok;
  CHECK(*runbox::api::stage_result(Result(ok), StageKind::test, true).verdict == "accepted");
  CHECK(*runbox::api::stage_result(Result(ok), StageKind::test, false).verdict == "wrong_answer");
  CHECK(*runbox::api::stage_result(Result(failed), StageKind::test, true).verdict == "runtime_error");

  Result broken;
  broken.status = Status::internal_error;
  broken.stderr_data = "the program's own";
  broken.error = "sandbox setup failed: pivot_root: EPERM";
  broken.failure = {runbox::sandbox::Failure::Source::setup, "pivot_root", 1};
  CHECK(runbox::api::failure_cause(broken.failure) == "pivot_root");
  auto s = runbox::api::stage_result(Result(broken), StageKind::run);
  CHECK(s.status == "internal_error");
  CHECK(s.stderr_data == "runbox: sandbox setup failed: pivot_root: EPERM");
}
