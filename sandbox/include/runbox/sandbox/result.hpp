#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runbox::sandbox {

// How a run ended. Program outcomes are results; only internal_error means the sandbox failed.
enum class Status { ok, runtime_error, time_limit, wall_time_limit, memory_limit, output_limit, internal_error };

std::string_view to_string(Status s);

// Why a run ended internal_error, typed, so callers never parse the message: where it failed,
// the step, and the errno when a system call failed.
struct Failure {
  enum class Source {
    none,       // not an internal_error
    refused,    // the spec cannot be run as asked (no seccomp filter, a limit below its minimum)
    setup,      // a set-up step of the sandbox's child (step: "pivot_root", "mount_proc", ...)
    host,       // the parent's side (step: "cgroup", "prepare", "spawn", "supervise")
    cancelled,  // the caller cancelled the run (the cancel fd fired)
    engine,     // another engine (the Docker backend: step "docker")
    box,        // the job's /box could not be prepared (step "job")
  };
  Source source = Source::none;
  std::string step;  // low cardinality: fit for a metric label
  int err = 0;       // errno, 0 when none
};

// A run of bytes from one stream, in the order the streams' bytes were read.
struct OutputRun {
  std::uint8_t stream;  // 1 stdout, 2 stderr
  std::uint32_t bytes;
};

struct Result {
  Status status = Status::internal_error;
  std::optional<int> exit_code;        // null when killed by a signal
  std::optional<std::string> signal;   // "SIGSEGV", ... when killed by a signal
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::uint64_t cpu_ms = 0;
  std::uint64_t wall_ms = 0;
  std::uint64_t memory_kb = 0;         // peak
  std::string error;                   // internal_error: which step failed and why, for a human
  Failure failure;                     // internal_error: the same, typed
  // The order stdout's and stderr's kept bytes arrived in (adjacent runs of a stream merged; at
  // most kMaxOutputRuns, the rest counted in the last). Empty: not recorded (another backend).
  std::vector<OutputRun> output_order;
};

inline constexpr std::size_t kMaxOutputRuns = 1u << 16;

// stdout and stderr interleaved in arrival order, as far as output_order records it (bytes a
// later cut removed are skipped); what it does not cover follows, stdout first.
std::string interleaved_output(const Result& r);

// "SIGSEGV" for 11; "SIG<n>" for numbers without a name.
std::string signal_name(int sig);

}  // namespace runbox::sandbox
