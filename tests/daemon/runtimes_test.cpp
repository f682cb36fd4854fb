// Every runtime through the real daemon and its real image: hello world, stdin, args, an exit
// status, stderr, a crash, a compile error (compiled runtimes) and a two-test judge request.
#include <catch2/catch.hpp>
#include <chrono>
#include <set>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "runtime_programs.hpp"

using namespace runbox::test;

namespace {

// The daemon, after making sure every image the group needs is installed (a skip must come
// before the daemon starts).
DaemonProcess& daemon_for_runtimes() {
  require_images(runtime_images());
  return shared_daemon();
}

const std::string kStdin = "line one\nh\xc3\xa9llo w\xc3\xb6rld\n\n  spaced  \nno newline at the end";

// The parts every 200 answer shares; returns the answer's object.
const json::object& check_envelope(const RunReply& r, const RuntimeProgram& prog) {
  INFO(r.describe());
  REQUIRE(r.transport_error.empty());
  REQUIRE(r.http.status == 200);
  CHECK(r.http.header("content-type") == "application/json");
  const auto& o = r.obj();
  REQUIRE(o.contains("id"));
  CHECK(o.at("id").is_string());
  CHECK_FALSE(as_str(o.at("id")).empty());
  CHECK(o.at("runtime") == json::value(prog.name));
  REQUIRE(o.contains("version"));
  CHECK(o.at("version").is_string());
  CHECK_FALSE(as_str(o.at("version")).empty());
  CHECK(o.at("backend") == "native");
  REQUIRE(o.contains("compile"));
  REQUIRE(o.contains("run"));
  REQUIRE(o.contains("tests"));
  if (prog.compiled) {
    REQUIRE(o.at("compile").is_object());
    check_stage_shape(o.at("compile"));
  } else {
    CHECK(o.at("compile").is_null());
  }
  return o;
}

// A program that ran once (no tests): its run Stage, after checking the compile went fine.
const json::object& run_stage(const RunReply& r, const RuntimeProgram& prog) {
  const auto& o = check_envelope(r, prog);
  INFO(r.describe());
  if (prog.compiled) REQUIRE(o.at("compile").at("status") == "ok");
  CHECK(o.at("tests").is_null());
  REQUIRE(o.at("run").is_object());
  check_stage_shape(o.at("run"));
  return o.at("run").get_object();
}

void check_clean_exit(const RunReply& r, const RuntimeProgram& prog, const std::string& expected_stdout) {
  const auto& run = run_stage(r, prog);
  INFO(r.describe());
  CHECK(run.at("status") == "ok");
  CHECK(run.at("exit_code") == 0);
  CHECK(run.at("signal").is_null());
  CHECK(as_str(run.at("stdout")) == expected_stdout);
  CHECK(as_str(run.at("stderr")) == "");
  CHECK(run.at("stdout_truncated") == false);
  CHECK(run.at("stderr_truncated") == false);
}

void check_runtime(const std::string& name) {
  DaemonProcess& d = daemon_for_runtimes();
  const RuntimeProgram& prog = runtime_program(name);

  enum Kind { hello, echo, args, exit3, to_stderr, crash, judge, compile_error };
  std::vector<json::value> bodies;
  std::vector<Kind> kinds;
  auto add = [&](Kind k, json::object body) {
    kinds.push_back(k);
    bodies.emplace_back(std::move(body));
  };
  add(hello, run_body(name, prog.hello));
  {
    auto b = run_body(name, prog.echo_stdin);
    b["stdin"] = kStdin;
    add(echo, std::move(b));
  }
  {
    auto b = run_body(name, prog.print_args);
    b["args"] = json::array{"alpha", "two words", "--flag", "*"};
    add(args, std::move(b));
  }
  add(exit3, run_body(name, prog.exit3));
  add(to_stderr, run_body(name, prog.write_stderr));
  add(crash, run_body(name, prog.crash));
  {
    auto b = run_body(name, prog.a_plus_b);
    b["tests"] = json::array{json::object{{"stdin", "1 2\n"}, {"expected_stdout", "3\n"}},
                             json::object{{"stdin", "20 22\n"}, {"expected_stdout", "41\n"}}};
    add(judge, std::move(b));
  }
  if (prog.compiled) add(compile_error, run_body(name, prog.compile_error));

  // Two at a time: the daemon has two slots; the answers are checked here, in order.
  const auto started = std::chrono::steady_clock::now();
  std::vector<RunReply> replies = post_runs(d.port(), bodies, 2);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  WARN(name << ": " << bodies.size() << " requests in " << seconds << " s");

  for (std::size_t i = 0; i < replies.size(); ++i) {
    const RunReply& r = replies[i];
    INFO("runtime " << name << ", request " << json::serialize(bodies[i]));
    INFO("answer " << r.describe());
    switch (kinds[i]) {
      case hello:
        check_clean_exit(r, prog, "hello, world\n");
        break;
      case echo:
        check_clean_exit(r, prog, kStdin);
        break;
      case args:
        check_clean_exit(r, prog, "alpha two words --flag *\n");
        break;
      case exit3: {
        const auto& run = run_stage(r, prog);
        CHECK(run.at("status") == "runtime_error");
        CHECK(run.at("exit_code") == 3);
        CHECK(run.at("signal").is_null());
        CHECK(as_str(run.at("stdout")) == "");
        CHECK(as_str(run.at("stderr")) == "");
        break;
      }
      case to_stderr: {
        const auto& run = run_stage(r, prog);
        CHECK(run.at("status") == "ok");
        CHECK(run.at("exit_code") == 0);
        CHECK(as_str(run.at("stdout")) == "");
        CHECK(as_str(run.at("stderr")) == "err\n");
        break;
      }
      case crash: {
        const auto& run = run_stage(r, prog);
        const auto& expect = prog.crash_expect;
        CHECK(run.at("status") == "runtime_error");
        if (expect.exit_code)
          CHECK(run.at("exit_code") == *expect.exit_code);
        else
          CHECK(run.at("exit_code").is_null());
        if (expect.signal)
          CHECK(run.at("signal") == json::value(*expect.signal));
        else
          CHECK(run.at("signal").is_null());
        CHECK_THAT(as_str(run.at("stderr")), Catch::Contains(expect.stderr_contains));
        CHECK_THAT(as_str(run.at("stdout")), !Catch::Contains("not reached"));
        break;
      }
      case judge: {
        const auto& o = check_envelope(r, prog);
        if (prog.compiled) CHECK(o.at("compile").at("status") == "ok");
        CHECK(o.at("run").is_null());
        REQUIRE(o.at("tests").is_array());
        const auto& tests = o.at("tests").get_array();
        REQUIRE(tests.size() == 2);
        for (const auto& t : tests) {
          check_stage_shape(t);
          CHECK(t.at("status") == "ok");
          CHECK(t.at("exit_code") == 0);
          CHECK(as_str(t.at("stderr")) == "");
        }
        CHECK(tests[0].at("verdict") == "accepted");
        CHECK(as_str(tests[0].at("stdout")) == "3\n");
        CHECK(tests[1].at("verdict") == "wrong_answer");
        CHECK(as_str(tests[1].at("stdout")) == "42\n");
        break;
      }
      case compile_error: {
        const auto& o = check_envelope(r, prog);
        REQUIRE(o.at("compile").is_object());
        const auto& c = o.at("compile").get_object();
        CHECK(c.at("status") == "compile_error");
        CHECK(c.at("exit_code").is_int64());
        CHECK(c.at("exit_code") != 0);
        CHECK_THAT(as_str(c.at("stderr")) + as_str(c.at("stdout")), Catch::Contains(prog.compile_error_contains));
        CHECK(o.at("run").is_null());
        CHECK(o.at("tests").is_null());
        break;
      }
    }
  }
}

}  // namespace

TEST_CASE("runtime python3 through the API", "[runtimes]") { check_runtime("python3"); }
TEST_CASE("runtime bash through the API", "[runtimes]") { check_runtime("bash"); }
TEST_CASE("runtime c through the API", "[runtimes]") { check_runtime("c"); }
TEST_CASE("runtime cpp through the API", "[runtimes]") { check_runtime("cpp"); }
TEST_CASE("runtime javascript through the API", "[runtimes]") { check_runtime("javascript"); }
TEST_CASE("runtime java through the API", "[runtimes]") { check_runtime("java"); }
TEST_CASE("runtime go through the API", "[runtimes]") { check_runtime("go"); }
TEST_CASE("runtime rust through the API", "[runtimes]") { check_runtime("rust"); }
TEST_CASE("runtime ruby through the API", "[runtimes]") { check_runtime("ruby"); }
TEST_CASE("runtime php through the API", "[runtimes]") { check_runtime("php"); }
TEST_CASE("runtime perl through the API", "[runtimes]") { check_runtime("perl"); }
TEST_CASE("runtime lua through the API", "[runtimes]") { check_runtime("lua"); }

TEST_CASE("GET /v1/runtimes lists the 12 runtimes with their versions", "[runtimes]") {
  DaemonProcess& d = daemon_for_runtimes();
  auto res = http_get(d.port(), "/v1/runtimes");
  INFO(res.body);
  REQUIRE(res.status == 200);
  CHECK(res.header("content-type") == "application/json");
  json::value v = json::parse(res.body);
  REQUIRE(v.is_array());
  std::set<std::string> names;
  for (const auto& item : v.get_array()) {
    REQUIRE(item.is_object());
    const auto& o = item.get_object();
    const std::string name = as_str(o.at("name"));
    names.insert(name);
    INFO(name << ": " << json::serialize(o));
    CHECK(o.at("version").is_string());
    CHECK_FALSE(as_str(o.at("version")).empty());
    CHECK_FALSE(o.contains("error"));
    CHECK(o.at("backend") == "native");
    bool compiled = false;
    for (const auto& p : runtime_programs())
      if (p.name == name) compiled = p.compiled;
    CHECK(o.at("compiled") == compiled);
  }
  std::set<std::string> expected;
  for (const auto& p : runtime_programs()) expected.insert(p.name);
  CHECK(names == expected);
}
