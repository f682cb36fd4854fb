// Result classification: one status per run, in a fixed precedence (classify.cpp).
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>

#include <catch2/catch.hpp>

#include "classify.hpp"

using namespace runbox::sandbox;

namespace {
int exited(int code) { return code << 8; }      // what waitpid reports for exit(code)
int killed(int sig) { return sig; }             // ... and for death by signal sig
Result classified(const Observation& o) {
  Result r;
  classify(o, r);
  return r;
}
Observation observed(std::optional<int> status, KillReason why = KillReason::none) {
  Observation o;
  o.wait_status = status;
  o.killed_for = why;
  o.cpu_limit_ns = 1'000'000'000;
  return o;
}
}  // namespace

TEST_CASE("classify: exit codes and signals of the program", "[classify]") {
  CHECK(exited(0) == W_EXITCODE(0, 0));
  auto ok = classified(observed(exited(0)));
  CHECK(ok.status == Status::ok);
  CHECK(ok.exit_code == 0);
  auto three = classified(observed(exited(3)));
  CHECK(three.status == Status::runtime_error);
  CHECK(three.exit_code == 3);
  CHECK_FALSE(three.signal.has_value());
  auto segv = classified(observed(killed(SIGSEGV)));
  CHECK(segv.status == Status::runtime_error);
  CHECK_FALSE(segv.exit_code.has_value());
  CHECK(segv.signal == "SIGSEGV");
}

TEST_CASE("classify: the limit runbox killed for wins over the exit status", "[classify]") {
  CHECK(classified(observed(std::nullopt, KillReason::time_limit)).status == Status::time_limit);
  CHECK(classified(observed(std::nullopt, KillReason::wall_time_limit)).status == Status::wall_time_limit);
  auto out = classified(observed(killed(SIGKILL), KillReason::output_limit));
  CHECK(out.status == Status::output_limit);
  CHECK(out.signal == "SIGKILL");
  auto cancelled = classified(observed(std::nullopt, KillReason::cancelled));
  CHECK(cancelled.status == Status::internal_error);
  CHECK(cancelled.error == "cancelled");
}

TEST_CASE("classify: the OOM killer means memory_limit even if the program exited", "[classify]") {
  auto o = observed(killed(SIGKILL));
  o.oom_kills = 1;
  CHECK(classified(o).status == Status::memory_limit);
  auto survived = observed(exited(0));
  survived.oom_kills = 2;  // a child was killed: the run still hit its memory limit
  CHECK(classified(survived).status == Status::memory_limit);
}

TEST_CASE("classify: CPU over the limit between polls and SIGXCPU are time_limit", "[classify]") {
  auto over = observed(exited(0));
  over.cpu_ns = 1'000'000'001;
  CHECK(classified(over).status == Status::time_limit);
  auto at = observed(exited(0));
  at.cpu_ns = 1'000'000'000;
  CHECK(classified(at).status == Status::ok);
  CHECK(classified(observed(killed(SIGXCPU))).status == Status::time_limit);
}

TEST_CASE("classify: a setup failure is an internal_error before anything else", "[classify]") {
  auto o = observed(std::nullopt, KillReason::time_limit);
  o.setup_failure = ChildFailure{Step::mount_proc, EPERM};
  auto r = classified(o);
  CHECK(r.status == Status::internal_error);
  CHECK(r.error.starts_with("sandbox setup failed: mount /proc: EPERM"));
  // Typed: the step and the errno, no message to parse.
  CHECK(r.failure.source == Failure::Source::setup);
  CHECK(r.failure.step == "mount_proc");
  CHECK(r.failure.err == EPERM);
  auto lost = classified(observed(std::nullopt));  // init lost
  CHECK(lost.status == Status::internal_error);
  CHECK(lost.failure.source == Failure::Source::host);
  CHECK(classified(observed(exited(0))).failure.source == Failure::Source::none);
}
