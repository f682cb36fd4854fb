#pragma once
// Judge0's statuses (1 In Queue .. 14 Exec Format Error) and how a runbox outcome becomes one.
// Judge0 has no memory- or output-limit status: they map to what Judge0 itself would observe
// (docs/compat.md, "Judge0 CE"): the cgroup's OOM kill is a SIGKILL (12 Runtime Error (Other)),
// output past the limit is a write past RLIMIT_FSIZE (8 Runtime Error (SIGXFSZ)).
#include <optional>
#include <string>
#include <string_view>

#include "job/job.hpp"

namespace runbox::judge0 {

enum StatusId {
  kInQueue = 1,
  kProcessing = 2,
  kAccepted = 3,
  kWrongAnswer = 4,
  kTimeLimit = 5,
  kCompileError = 6,
  kSigsegv = 7,
  kSigxfsz = 8,
  kSigfpe = 9,
  kSigabrt = 10,
  kNzec = 11,
  kOtherSignal = 12,
  kInternalError = 13,
  kExecFormatError = 14,
};
inline constexpr int kFirstStatus = 1, kLastStatus = 14;

std::string_view status_description(int id);  // "Accepted"; "" for an unknown id

// Judge0's comparison: trailing whitespace of every line and at the end ignored
// (text.split("\n").map(&:rstrip).join("\n").rstrip on both sides; api::Compare::trim).
bool outputs_match(std::string_view expected, std::string_view actual);

// The number Judge0 reports as exit_signal for runbox's "SIGSEGV"; nullopt for an unknown name.
std::optional<int> signal_number(std::string_view name);

// One finished submission as Judge0 reports it.
struct Verdict {
  int status = kInternalError;
  std::string runbox_status;  // the stage's own status (api/stage_result's names): "memory_limit", ...
  std::optional<std::string> stdout_data, stderr_data, compile_output;
  std::optional<std::string> message;
  std::optional<double> time_s, wall_time_s;  // CPU and wall seconds (averaged over the runs)
  std::optional<std::uint64_t> memory_kb;
  std::optional<int> exit_code, exit_signal;
};

// The job's outcome (compile, then the run or number_of_runs tests) judged against
// expected_output (nullopt: Accepted whenever the run ends ok). redirect_stderr: stderr is part
// of stdout, interleaved in the order it came (and judged with it), as Judge0's
// redirect_stderr_to_stdout makes it.
Verdict judge(const job::JobOutcome& outcome, const std::optional<std::string>& expected_output,
              bool redirect_stderr = false);

}  // namespace runbox::judge0
