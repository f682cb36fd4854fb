#include "piston/piston_answer.hpp"

namespace runbox::piston {
namespace {

namespace json = boost::json;

json::value text_or_null(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }

}  // namespace

json::object piston_stage(sandbox::Result&& r) {
  using sandbox::Status;
  std::optional<std::string> status, message, signal = r.signal;
  // (A flag and a value, not std::optional<int>: GCC 12 misreads that one as uninitialised.)
  bool has_code = r.exit_code.has_value();
  const std::int64_t code = r.exit_code.value_or(0);
  switch (r.status) {
    case Status::ok: break;
    case Status::runtime_error:
      status = r.signal ? "SG" : "RE";
      message = r.signal ? "Caught fatal signal " + *r.signal
                         : "Exited with error status " + std::to_string(r.exit_code.value_or(0));
      break;
    case Status::time_limit: status = "TO", message = "Time limit exceeded"; break;
    case Status::wall_time_limit: status = "TO", message = "Time limit exceeded (wall clock)"; break;
    case Status::output_limit:
      status = r.stdout_truncated ? "OL" : "EL";
      message = r.stdout_truncated ? "stdout length exceeded" : "stderr length exceeded";
      break;
    case Status::memory_limit:  // Piston has no status of its own: its sandbox sees a kill
      status = "SG", message = "Memory limit exceeded", signal = "SIGKILL", has_code = false;
      break;
    case Status::internal_error: status = "XX", message = "runbox: " + r.error, signal.reset(), has_code = false; break;
  }
  // Piston's quirk: SIGKILL, no code, for its own kills (timeouts, output caps).
  if (status == "TO" || status == "OL" || status == "EL") signal = "SIGKILL", has_code = false;
  json::object o;
  o["output"] = sandbox::interleaved_output(r);
  o["stdout"] = std::move(r.stdout_data);
  o["stderr"] = std::move(r.stderr_data);
  o["code"] = has_code ? json::value(code) : json::value(nullptr);
  o["signal"] = text_or_null(signal);
  o["message"] = text_or_null(message);
  o["status"] = text_or_null(status);
  o["cpu_time"] = r.cpu_ms;
  o["wall_time"] = r.wall_ms;
  o["memory"] = r.memory_kb * 1000;  // Piston's unit: isolate's KB × 1000
  return o;
}

json::object piston_answer(const PistonRuntime& rt, job::JobOutcome&& outcome, bool compiled) {
  json::object o;
  o["language"] = rt.language;
  o["version"] = rt.version.text();
  if (compiled && outcome.compile) o["compile"] = piston_stage(std::move(*outcome.compile));
  if (outcome.run) {
    o["run"] = piston_stage(std::move(*outcome.run));
  } else if (o.contains("compile")) {
    o["run"] = o["compile"];  // Piston's quirk: a compile that failed stands in for the run
  }
  return o;
}

}  // namespace runbox::piston
