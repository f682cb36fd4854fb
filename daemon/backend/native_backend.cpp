#include <cctype>
#include <string>

#include "backend/backend.hpp"
#include "runbox/sandbox/sandbox.hpp"

namespace runbox::backend {
namespace {

// "sandbox setup failed: pivot_root: ..." → "pivot_root"; other causes by their first words.
std::string cause_of(const std::string& error) {
  constexpr std::string_view setup = "sandbox setup failed: ";
  std::string_view e = error;
  if (e.starts_with(setup)) e.remove_prefix(setup.size());
  std::string cause(e.substr(0, std::min(e.find(':'), std::size_t{32})));
  for (char& c : cause) c = (std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_');
  return cause.empty() ? "unknown" : cause;
}

}  // namespace

api::Stage NativeBackend::run_stage(const sandbox::Spec& spec) {
  sandbox::Result r = sandbox::run(spec);
  api::Stage s;
  s.status = std::string(sandbox::to_string(r.status));
  s.exit_code = r.exit_code;
  s.signal = r.signal;
  s.stdout_data = std::move(r.stdout_data);
  // An internal error's cause goes to stderr: the caller sees why, nothing is hidden.
  s.stderr_data = r.status == sandbox::Status::internal_error ? "runbox: " + r.error : std::move(r.stderr_data);
  s.stdout_truncated = r.stdout_truncated;
  s.stderr_truncated = r.stderr_truncated;
  s.cpu_ms = r.cpu_ms;
  s.wall_ms = r.wall_ms;
  s.memory_kb = r.memory_kb;
  if (r.status == sandbox::Status::internal_error) s.internal_cause = cause_of(r.error);
  return s;
}

}  // namespace runbox::backend
