// The Judge0 facade's pure pieces: runbox's typed outcome → Judge0's status ids (3..14), the
// comparison rule, signal numbers, language names.
#include <catch2/catch.hpp>

#include "judge0/judge0_status.hpp"
#include "judge0/languages.hpp"

using namespace runbox;
using namespace runbox::judge0;
using sandbox::Status;

namespace {

sandbox::Result result(Status s, std::optional<int> exit_code = 0, std::optional<std::string> signal = std::nullopt) {
  sandbox::Result r;
  r.status = s;
  r.exit_code = exit_code;
  r.signal = std::move(signal);
  r.stdout_data = "out\n";
  r.cpu_ms = 14;
  r.wall_ms = 30;
  r.memory_kb = 3000;
  return r;
}

job::JobOutcome ran(sandbox::Result r) {
  job::JobOutcome o;
  o.run = std::move(r);
  return o;
}

}  // namespace

TEST_CASE("judge0 status: ok is Accepted, or Wrong Answer against expected_output", "[judge0]") {
  auto v = judge(ran(result(Status::ok)), std::nullopt);
  CHECK(v.status == kAccepted);
  CHECK(v.stdout_data == "out\n");
  CHECK(v.time_s == Approx(0.014));
  CHECK(v.wall_time_s == Approx(0.030));
  CHECK(v.memory_kb == 3000u);
  CHECK(v.exit_code == 0);
  CHECK_FALSE(v.exit_signal);
  CHECK(judge(ran(result(Status::ok)), std::string("out")).status == kAccepted);
  CHECK(judge(ran(result(Status::ok)), std::string("out  \n\n")).status == kAccepted);
  CHECK(judge(ran(result(Status::ok)), std::string("other\n")).status == kWrongAnswer);
}

TEST_CASE("judge0 status: redirect_stderr_to_stdout interleaves stderr into stdout and judges them together", "[judge0]") {
  auto r = result(Status::ok);
  r.stdout_data = "a\nc\n";
  r.stderr_data = "b\n";
  r.output_order = {{1, 2}, {2, 2}, {1, 2}};
  auto v = judge(ran(r), std::string("a\nb\nc"), true);
  CHECK(v.stdout_data == "a\nb\nc\n");
  CHECK_FALSE(v.stderr_data);
  CHECK(v.status == kAccepted);
  auto apart = judge(ran(r), std::string("a\nb\nc"));
  CHECK(apart.stdout_data == "a\nc\n");
  CHECK(apart.stderr_data == "b\n");
  CHECK(apart.status == kWrongAnswer);
}

TEST_CASE("judge0 status: limits, exits and signals map as Judge0's isolate results do", "[judge0]") {
  CHECK(judge(ran(result(Status::time_limit, std::nullopt, "SIGKILL")), std::nullopt).status == kTimeLimit);
  CHECK(judge(ran(result(Status::wall_time_limit, std::nullopt, "SIGKILL")), std::nullopt).status == kTimeLimit);
  auto nzec = judge(ran(result(Status::runtime_error, 3)), std::string("out\n"));
  CHECK(nzec.status == kNzec);
  CHECK(nzec.exit_code == 3);
  CHECK(nzec.message == "Exited with error status 3");
  for (auto [sig, number, id] : {std::tuple{"SIGSEGV", 11, kSigsegv}, std::tuple{"SIGXFSZ", 25, kSigxfsz},
                                 std::tuple{"SIGFPE", 8, kSigfpe}, std::tuple{"SIGABRT", 6, kSigabrt},
                                 std::tuple{"SIGKILL", 9, kOtherSignal}, std::tuple{"SIGBUS", 7, kOtherSignal}}) {
    INFO(sig);
    auto v = judge(ran(result(Status::runtime_error, std::nullopt, sig)), std::nullopt);
    CHECK(v.status == id);
    CHECK(v.exit_signal == number);
    CHECK(v.exit_code == 0);  // Judge0 reports 0 for a killed program
  }
  // No memory or output status in Judge0: what its isolate would have seen.
  auto oom = judge(ran(result(Status::memory_limit, std::nullopt, "SIGKILL")), std::nullopt);
  CHECK(oom.status == kOtherSignal);
  CHECK(oom.exit_signal == 9);
  CHECK(oom.runbox_status == "memory_limit");
  auto output = judge(ran(result(Status::output_limit, std::nullopt, "SIGKILL")), std::nullopt);
  CHECK(output.status == kSigxfsz);
  CHECK(output.runbox_status == "output_limit");
}

TEST_CASE("judge0 status: compile errors, internal errors, exec failures", "[judge0]") {
  job::JobOutcome o;
  o.compile = result(Status::runtime_error, 1);
  o.compile->stdout_data = "";
  o.compile->stderr_data = "main.c:1: error\n";
  auto v = judge(o, std::nullopt);
  CHECK(v.status == kCompileError);
  CHECK(v.compile_output == "main.c:1: error\n");
  CHECK(v.runbox_status == "compile_error");
  CHECK_FALSE(v.time_s);
  o.compile = result(Status::time_limit, std::nullopt, "SIGKILL");
  CHECK(judge(o, std::nullopt).compile_output == "Compilation time limit exceeded.");
  o.compile->status = Status::internal_error;
  CHECK(judge(o, std::nullopt).status == kInternalError);

  auto internal = result(Status::internal_error);
  internal.error = "sandbox setup failed: mount /proc: EPERM";
  internal.failure = {sandbox::Failure::Source::setup, "mount_proc", 1};
  auto i = judge(ran(internal), std::nullopt);
  CHECK(i.status == kInternalError);
  CHECK(i.message == "runbox: sandbox setup failed: mount /proc: EPERM");
  internal.failure = {sandbox::Failure::Source::setup, "exec", 8};
  CHECK(judge(ran(internal), std::nullopt).status == kExecFormatError);

  auto cancelled = ran(result(Status::internal_error));
  cancelled.cancelled = true;
  CHECK(judge(cancelled, std::nullopt).status == kInternalError);
}

TEST_CASE("judge0 status: number_of_runs averages and the first failed run speaks", "[judge0]") {
  job::JobOutcome o;
  o.tests.emplace();
  auto a = result(Status::ok), b = result(Status::ok);
  b.cpu_ms = 30;
  b.memory_kb = 5000;
  o.tests->push_back({a, false, false, std::nullopt});
  o.tests->push_back({b, false, false, std::nullopt});
  auto v = judge(o, std::string("out\n"));
  CHECK(v.status == kAccepted);
  CHECK(v.time_s == Approx(0.022));
  CHECK(v.memory_kb == 4000u);
  o.tests->push_back({result(Status::runtime_error, 2), false, false, std::nullopt});
  CHECK(judge(o, std::nullopt).status == kNzec);
}

TEST_CASE("judge0 statuses and signals: the table and the numbers", "[judge0]") {
  CHECK(status_description(1) == "In Queue");
  CHECK(status_description(3) == "Accepted");
  CHECK(status_description(14) == "Exec Format Error");
  CHECK(status_description(0).empty());
  CHECK(status_description(15).empty());
  CHECK(signal_number("SIGSEGV") == 11);
  CHECK_FALSE(signal_number("SIGNOPE"));
}

TEST_CASE("judge0 languages: Judge0's ids, names with the probed version", "[judge0]") {
  const Language* py = language_by_id(71);
  REQUIRE(py);
  CHECK(py->runtime == "python3");
  CHECK(language_name(*py, std::string("Python 3.11.2")) == "Python (3.11.2)");
  CHECK(language_name(*py, std::nullopt) == "Python");
  CHECK(language_name(*language_by_id(50), std::string("gcc (Debian 12.2.0-14) 12.2.0\nCopyright")) == "C (GCC 12.2.0)");
  CHECK(language_name(*language_by_id(60), std::string("go version go1.19.8 linux/amd64")) == "Go (1.19.8)");
  CHECK(language_name(*language_by_id(63), std::string("v18.19.0")) == "JavaScript (Node.js 18.19.0)");
  for (auto [id, runtime] : {std::pair{71, "python3"}, {50, "c"}, {54, "cpp"}, {62, "java"}, {63, "javascript"},
                             {60, "go"}, {73, "rust"}, {72, "ruby"}, {68, "php"}, {46, "bash"}, {85, "perl"}, {64, "lua"}}) {
    INFO(id);
    REQUIRE(language_by_id(id));
    CHECK(language_by_id(id)->runtime == runtime);
  }
  CHECK_FALSE(language_by_id(9999));
}
