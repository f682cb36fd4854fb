#pragma once
// The wire form of a stage (API v1 "Stage"): made here, once, from the typed sandbox::Result the
// backends return. Status, verdict and failure names exist as strings only from here on.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runbox/sandbox/result.hpp"

namespace runbox::api {

// Which stage a result is: a compile stage's runtime_error is "compile_error" on the wire; a
// judge test carries a verdict.
enum class StageKind { compile, run, test };

// One stage of a response: compile, run, or one judge test.
struct StageResult {
  std::string status;  // ok runtime_error time_limit wall_time_limit memory_limit output_limit compile_error internal_error
  std::optional<int> exit_code;
  std::optional<std::string> signal;
  std::string stdout_data;  // raw bytes; encoded for JSON by the serializer
  std::string stderr_data;
  std::string output_data;  // stdout and stderr interleaved in arrival order
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::uint64_t cpu_ms = 0;
  std::uint64_t wall_ms = 0;
  std::uint64_t memory_kb = 0;
  std::optional<std::string> verdict;  // judge mode: accepted, wrong_answer, or the stage's status
  bool hidden = false;                 // a hidden test: the answer carries no output for it
  bool cached = false;                 // a compile stage taken from the compile cache
  std::optional<std::string> checker_message;  // a test judged by a checker: what it said
};

// How a stage's output is shaped for the answer.
struct StageShaping {
  bool strip_control = false;  // the request's strip_control (strip_control.hpp)
  bool hidden = false;         // a hidden test: verdict, status and usage only
};

// A judge test's judgement: whether its output matched, or what its checker said.
struct TestJudgement {
  bool output_matched = false;
  bool checker_failed = false;  // the checker did not answer 0 or 1: verdict internal_error
  std::optional<std::string> checker_message;
};

// The stage's status as the API names it.
std::string_view status_name(const sandbox::Result& r, StageKind kind);
// A judge test's verdict: its status when it did not end ok, else accepted or wrong_answer.
std::string_view verdict_name(const sandbox::Result& r, bool output_matched);
// An internal_error's cause as a metric label ("pivot_root", "cgroup", "docker", "job").
std::string_view failure_cause(const sandbox::Failure& f);

// Moves r's output into the wire form. An internal_error's stderr is runbox's own message
// ("runbox: ..."): the caller sees why, and never the program's output in its place.
StageResult stage_result(sandbox::Result&& r, StageKind kind, std::optional<bool> output_matched = std::nullopt,
                         StageShaping shaping = {});
// A judge test's stage (kind test), its verdict from the judgement.
StageResult test_stage_result(sandbox::Result&& r, const TestJudgement& judgement, StageShaping shaping = {});

struct RunResponse {
  std::string id;
  std::string runtime;
  std::optional<std::string> version;
  std::string backend;  // "native" | "docker"
  std::optional<StageResult> compile;
  std::optional<StageResult> run;
  std::optional<std::vector<StageResult>> tests;
  bool cached = false;  // the whole answer came from the result cache
};

}  // namespace runbox::api
