#include "api/stage_result.hpp"

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

StageResult stage_result(sandbox::Result&& r, StageKind kind, std::optional<bool> output_matched) {
  StageResult s;
  s.status = std::string(status_name(r, kind));
  s.exit_code = r.exit_code;
  s.signal = std::move(r.signal);
  s.stdout_data = std::move(r.stdout_data);
  s.stderr_data = r.status == sandbox::Status::internal_error ? "runbox: " + r.error : std::move(r.stderr_data);
  s.stdout_truncated = r.stdout_truncated;
  s.stderr_truncated = r.stderr_truncated;
  s.cpu_ms = r.cpu_ms;
  s.wall_ms = r.wall_ms;
  s.memory_kb = r.memory_kb;
  if (kind == StageKind::test) s.verdict = std::string(verdict_name(r, output_matched.value_or(false)));
  return s;
}

}  // namespace runbox::api
