#include "classify.hpp"

#include <sys/wait.h>

#include <csignal>

#include "sys_error.hpp"

namespace runbox::sandbox {

void classify(const Observation& o, Result& r) {
  r.exit_code.reset();
  r.signal.reset();
  if (o.wait_status) {
    if (WIFEXITED(*o.wait_status)) r.exit_code = WEXITSTATUS(*o.wait_status);
    else if (WIFSIGNALED(*o.wait_status)) r.signal = signal_name(WTERMSIG(*o.wait_status));
  } else if (o.killed_for != KillReason::none || o.oom_kills > 0) {
    r.signal = signal_name(SIGKILL);  // runbox or the OOM killer ended it, with its init
  }

  if (o.setup_failure) {
    r.status = Status::internal_error;
    r.error = std::string("sandbox setup failed: ") + step_name(o.setup_failure->step) + ": " +
              errno_text(o.setup_failure->err);
    r.failure = {Failure::Source::setup, step_id(o.setup_failure->step), o.setup_failure->err};
    return;
  }
  switch (o.killed_for) {
    case KillReason::output_limit: r.status = Status::output_limit; return;
    case KillReason::time_limit: r.status = Status::time_limit; return;
    case KillReason::wall_time_limit:
    case KillReason::idle_input: r.status = Status::wall_time_limit; return;
    case KillReason::cancelled:
      r.status = Status::internal_error;
      r.error = "cancelled";
      r.failure = {Failure::Source::cancelled, "cancelled", 0};
      return;
    case KillReason::none: break;
  }
  if (o.oom_kills > 0) {
    r.status = Status::memory_limit;
    return;
  }
  // Between two CPU polls, or killed by the RLIMIT_CPU backstop (SIGXCPU/SIGKILL).
  if (o.cpu_ns > o.cpu_limit_ns || r.signal == signal_name(SIGXCPU)) {
    r.status = Status::time_limit;
    return;
  }
  if (!o.wait_status) {
    r.status = Status::internal_error;
    r.error = "the sandbox's init process ended without reporting the program's status";
    r.failure = {Failure::Source::host, "supervise", 0};
    return;
  }
  r.status = (r.exit_code && *r.exit_code == 0) ? Status::ok : Status::runtime_error;
}

}  // namespace runbox::sandbox
