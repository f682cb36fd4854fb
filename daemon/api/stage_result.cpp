#include "api/stage_result.hpp"

#include "api/strip_control.hpp"

namespace runbox::api {

std::string_view status_name(const sandbox::Result& r, StageKind kind) {
  if (kind == StageKind::compile && r.status == sandbox::Status::runtime_error) return "compile_error";
  return sandbox::to_string(r.status);
}

std::string_view verdict_name(const sandbox::Result& r, bool output_matched) {
  if (r.status != sandbox::Status::ok) return sandbox::to_string(r.status);
  return output_matched ? "accepted" : "wrong_answer";
}

std::string_view failure_cause(const sandbox::Failure& f) {
  if (f.source == sandbox::Failure::Source::cancelled) return "cancelled";
  return f.step.empty() ? std::string_view("unknown") : std::string_view(f.step);
}

StageResult stage_result(sandbox::Result&& r, StageKind kind, std::optional<bool> output_matched, StageShaping shaping) {
  StageResult s;
  s.status = std::string(status_name(r, kind));
  s.exit_code = r.exit_code;
  s.signal = std::move(r.signal);
  if (r.status == sandbox::Status::internal_error) {
    r.stderr_data = "runbox: " + r.error;
    r.output_order.clear();
  }
  if (!shaping.hidden) {
    s.output_data = sandbox::interleaved_output(r);
    s.stdout_data = std::move(r.stdout_data);
    s.stderr_data = std::move(r.stderr_data);
    if (shaping.strip_control) {
      strip_control(s.stdout_data);
      strip_control(s.stderr_data);
      strip_control(s.output_data);
    }
  }
  s.hidden = shaping.hidden;
  s.stdout_truncated = r.stdout_truncated;
  s.stderr_truncated = r.stderr_truncated;
  s.cpu_ms = r.cpu_ms;
  s.wall_ms = r.wall_ms;
  s.memory_kb = r.memory_kb;
  if (kind == StageKind::test) s.verdict = std::string(verdict_name(r, output_matched.value_or(false)));
  return s;
}

StageResult test_stage_result(sandbox::Result&& r, const TestJudgement& judgement, StageShaping shaping) {
  const bool program_ok = r.status == sandbox::Status::ok;
  StageResult s = stage_result(std::move(r), StageKind::test, judgement.output_matched, shaping);
  if (program_ok && judgement.checker_failed) s.verdict = "internal_error";
  // A checker's message may quote the expected output: a hidden test shows none.
  if (!shaping.hidden) s.checker_message = judgement.checker_message;
  if (s.checker_message && shaping.strip_control) strip_control(*s.checker_message);
  return s;
}

}  // namespace runbox::api
