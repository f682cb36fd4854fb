#include "judge0/judge0_status.hpp"

#include <signal.h>
#include <string.h>

#include <array>

#include "api/compare.hpp"
#include "api/stage_result.hpp"

namespace runbox::judge0 {
namespace {

using sandbox::Status;

std::optional<std::string> non_empty(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }

// Judge0's status for a run-stage result that did not end ok (isolate's TO / SG / RE / XX).
int failed_run_status(const sandbox::Result& r, Verdict& v) {
  switch (r.status) {
    case Status::time_limit:
      v.message = "Time limit exceeded";
      return kTimeLimit;
    case Status::wall_time_limit:
      v.message = "Time limit exceeded (wall clock)";
      return kTimeLimit;
    case Status::memory_limit:  // the cgroup's OOM killer: a SIGKILL as Judge0 sees it
      v.exit_signal = SIGKILL;
      v.message = "Caught fatal signal 9";
      return kOtherSignal;
    case Status::output_limit:  // Judge0's stdout is a file under max_file_size: SIGXFSZ
      v.exit_signal = SIGXFSZ;
      v.message = "Caught fatal signal 25";
      return kSigxfsz;
    case Status::runtime_error:
      if (r.signal) {
        v.exit_signal = signal_number(*r.signal);
        v.message = "Caught fatal signal " + (v.exit_signal ? std::to_string(*v.exit_signal) : *r.signal);
        switch (v.exit_signal.value_or(0)) {
          case SIGSEGV: return kSigsegv;
          case SIGXFSZ: return kSigxfsz;
          case SIGFPE: return kSigfpe;
          case SIGABRT: return kSigabrt;
          default: return kOtherSignal;
        }
      }
      v.message = "Exited with error status " + std::to_string(r.exit_code.value_or(0));
      return kNzec;
    case Status::internal_error:
      v.message = "runbox: " + r.error;
      // The program could not be executed at all (isolate's execve failure).
      return r.failure.source == sandbox::Failure::Source::setup && r.failure.step == "exec" ? kExecFormatError
                                                                                             : kInternalError;
    case Status::ok: break;
  }
  return kInternalError;
}

}  // namespace

std::string_view status_description(int id) {
  static constexpr std::array<std::string_view, 15> names = {"",
                                                             "In Queue",
                                                             "Processing",
                                                             "Accepted",
                                                             "Wrong Answer",
                                                             "Time Limit Exceeded",
                                                             "Compilation Error",
                                                             "Runtime Error (SIGSEGV)",
                                                             "Runtime Error (SIGXFSZ)",
                                                             "Runtime Error (SIGFPE)",
                                                             "Runtime Error (SIGABRT)",
                                                             "Runtime Error (NZEC)",
                                                             "Runtime Error (Other)",
                                                             "Internal Error",
                                                             "Exec Format Error"};
  return id >= kFirstStatus && id <= kLastStatus ? names[static_cast<std::size_t>(id)] : std::string_view{};
}

bool outputs_match(std::string_view expected, std::string_view actual) {
  // API v1's "trim" is Judge0's rule: trailing whitespace of each line and blank lines at the
  // end ignored (Ruby's rstrip also drops trailing NUL bytes; runbox keeps them significant).
  return api::compare_output(api::Compare::trim, expected, actual);
}

std::optional<int> signal_number(std::string_view name) {
  for (int sig = 1; sig < NSIG; ++sig)
    if (const char* abbrev = ::sigabbrev_np(sig); abbrev && name == "SIG" + std::string(abbrev)) return sig;
  return std::nullopt;
}

Verdict judge(const job::JobOutcome& o, const std::optional<std::string>& expected_output, bool redirect_stderr) {
  Verdict v;
  if (o.compile_failed()) {
    const sandbox::Result& c = *o.compile;
    v.runbox_status = std::string(api::status_name(c, api::StageKind::compile));
    if (c.status == Status::internal_error) {
      v.status = kInternalError;
      v.message = "runbox: " + c.error;
      return v;
    }
    // Judge0: a compiler that ran out of time says so in compile_output; any other failure
    // to compile (a non-zero exit, a kill at a limit) is the compiler's own output.
    v.status = kCompileError;
    v.compile_output = c.status == Status::time_limit || c.status == Status::wall_time_limit
                           ? std::optional<std::string>("Compilation time limit exceeded.")
                           : non_empty(sandbox::interleaved_output(c));
    return v;
  }
  if (o.compile) v.compile_output = non_empty(sandbox::interleaved_output(*o.compile));
  // number_of_runs > 1 are judge tests of the same input: the first that did not end ok speaks
  // for all (else the last); time, wall time and memory are their averages, as Judge0's are.
  const sandbox::Result* r = o.run ? &*o.run : nullptr;
  double cpu = 0, wall = 0, memory = 0;
  std::size_t runs = 0;
  o.for_each_result([&](const sandbox::Result& x) {
    if (&x == (o.compile ? &*o.compile : nullptr)) return;
    cpu += static_cast<double>(x.cpu_ms);
    wall += static_cast<double>(x.wall_ms);
    memory += static_cast<double>(x.memory_kb);
    ++runs;
  });
  if (o.tests && !o.tests->empty()) {
    r = &o.tests->back().result;
    for (const auto& t : *o.tests)
      if (t.result.status != Status::ok) {
        r = &t.result;
        break;
      }
  }
  if (!r) return v;  // nothing ran (cannot happen for a planned job): Internal Error
  v.runbox_status = std::string(api::status_name(*r, api::StageKind::run));
  if (o.cancelled) {
    v.status = kInternalError;
    v.message = "runbox: the run was cancelled (runboxd is shutting down)";
    v.runbox_status = "cancelled";
    return v;
  }
  if (r->status == Status::internal_error) {
    v.status = failed_run_status(*r, v);
    return v;
  }
  const std::string merged = redirect_stderr ? sandbox::interleaved_output(*r) : std::string();
  const std::string& out = redirect_stderr ? merged : r->stdout_data;
  v.stdout_data = non_empty(out);
  if (!redirect_stderr) v.stderr_data = non_empty(r->stderr_data);
  v.time_s = cpu / static_cast<double>(runs) / 1000;
  v.wall_time_s = wall / static_cast<double>(runs) / 1000;
  v.memory_kb = static_cast<std::uint64_t>(memory / static_cast<double>(runs) + 0.5);
  v.exit_code = r->exit_code.value_or(0);  // Judge0: 0 when the program was killed
  if (r->status == Status::ok)
    v.status = !expected_output || outputs_match(*expected_output, out) ? kAccepted : kWrongAnswer;
  else
    v.status = failed_run_status(*r, v);
  return v;
}

}  // namespace runbox::judge0
