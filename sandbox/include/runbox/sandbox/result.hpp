#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace runbox::sandbox {

// How a run ended. Program outcomes are results; only internal_error means the sandbox failed.
enum class Status { ok, runtime_error, time_limit, wall_time_limit, memory_limit, output_limit, internal_error };

std::string_view to_string(Status s);

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
  std::string error;                   // internal_error: which step failed and why
};

// "SIGSEGV" for 11; "SIG<n>" for numbers without a name.
std::string signal_name(int sig);

}  // namespace runbox::sandbox
