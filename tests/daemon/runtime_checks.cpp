// The runtime checks shared by the native and docker groups (see runtime_checks.hpp).
#include "runtime_checks.hpp"

#include <catch2/catch.hpp>
#include <chrono>

#include "api_helpers.hpp"
#include "runtime_programs.hpp"

namespace runbox::test {
namespace {


const std::string kStdin = "line one\nh\xc3\xa9llo w\xc3\xb6rld\n\n  spaced  \nno newline at the end";

// The parts every 200 answer shares; returns the answer's object.
const json::object& check_envelope(const RunReply& r, const RuntimeProgram& prog, const std::string& backend) {
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
  CHECK(o.at("backend") == json::value(backend));
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
const json::object& run_stage(const RunReply& r, const RuntimeProgram& prog, const std::string& backend) {
  const auto& o = check_envelope(r, prog, backend);
  INFO(r.describe());
  if (prog.compiled) REQUIRE(o.at("compile").at("status") == "ok");
  CHECK(o.at("tests").is_null());
  REQUIRE(o.at("run").is_object());
  check_stage_shape(o.at("run"));
  return o.at("run").get_object();
}

void check_clean_exit(const RunReply& r, const RuntimeProgram& prog, const std::string& expected_stdout,
                      const std::string& backend) {
  const auto& run = run_stage(r, prog, backend);
  INFO(r.describe());
  CHECK(run.at("status") == "ok");
  CHECK(run.at("exit_code") == 0);
  CHECK(run.at("signal").is_null());
  CHECK(as_str(run.at("stdout")) == expected_stdout);
  CHECK(as_str(run.at("stderr")) == "");
  CHECK(run.at("stdout_truncated") == false);
  CHECK(run.at("stderr_truncated") == false);
}

}  // namespace

void check_runtime_on(DaemonProcess& d, const std::string& name, const std::string& backend) {
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
        check_clean_exit(r, prog, "hello, world\n", backend);
        break;
      case echo:
        check_clean_exit(r, prog, kStdin, backend);
        break;
      case args:
        check_clean_exit(r, prog, "alpha two words --flag *\n", backend);
        break;
      case exit3: {
        const auto& run = run_stage(r, prog, backend);
        CHECK(run.at("status") == "runtime_error");
        CHECK(run.at("exit_code") == 3);
        CHECK(run.at("signal").is_null());
        CHECK(as_str(run.at("stdout")) == "");
        CHECK(as_str(run.at("stderr")) == "");
        break;
      }
      case to_stderr: {
        const auto& run = run_stage(r, prog, backend);
        CHECK(run.at("status") == "ok");
        CHECK(run.at("exit_code") == 0);
        CHECK(as_str(run.at("stdout")) == "");
        CHECK(as_str(run.at("stderr")) == "err\n");
        break;
      }
      case crash: {
        const auto& run = run_stage(r, prog, backend);
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
        const auto& o = check_envelope(r, prog, backend);
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
        const auto& o = check_envelope(r, prog, backend);
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


}  // namespace runbox::test
