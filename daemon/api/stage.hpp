#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace runbox::api {

// One stage of a response (API v1 "Stage"): compile, run, or one judge test.
struct Stage {
  std::string status;  // ok runtime_error time_limit wall_time_limit memory_limit output_limit compile_error internal_error
  std::optional<int> exit_code;
  std::optional<std::string> signal;
  std::string stdout_data;  // raw bytes; encoded for JSON by the serializer
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::uint64_t cpu_ms = 0;
  std::uint64_t wall_ms = 0;
  std::uint64_t memory_kb = 0;
  std::optional<std::string> verdict;  // judge mode: accepted, wrong_answer, or the stage's status
  // internal_error only, never serialised: a short, low-cardinality cause for metrics and logs
  // ("mount_rootfs", "cgroup", "docker").
  std::string internal_cause;
};

struct RunResponse {
  std::string id;
  std::string runtime;
  std::optional<std::string> version;
  std::string backend;  // "native" | "docker"
  std::optional<Stage> compile;
  std::optional<Stage> run;
  std::optional<std::vector<Stage>> tests;
};

}  // namespace runbox::api
