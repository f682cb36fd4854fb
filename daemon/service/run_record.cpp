#include "service/run_record.hpp"

#include <sys/random.h>

#include <algorithm>
#include <stdexcept>

#include "api/stage_result.hpp"
#include "log/logger.hpp"
#include "service/run_plan.hpp"
#include "stats/stats_writer.hpp"

namespace runbox::service {
namespace {

std::string new_run_id() {
  unsigned char bytes[16];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) throw std::runtime_error("getrandom");
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) id += {hex[b >> 4], hex[b & 15]};
  return id;
}

// For the statistics' success rate: the run ended ok, or every judge test passed (ran ok, its
// output matched, its checker answered).
bool run_succeeded(const job::JobOutcome& o) {
  if (o.cancelled || o.compile_failed()) return false;
  if (o.run) return o.run->status == sandbox::Status::ok;
  if (!o.tests || o.tests->empty()) return false;
  return std::all_of(o.tests->begin(), o.tests->end(), [](const job::TestOutcome& t) {
    return t.result.status == sandbox::Status::ok && t.output_matched && !t.checker_failed;
  });
}

}  // namespace

std::string run_status(const job::JobOutcome& o) {
  if (o.cancelled) return "cancelled";  // the client went away (or a drain gave up on it)
  if (o.compile_failed()) return std::string(api::status_name(*o.compile, api::StageKind::compile));
  if (o.run) return std::string(api::status_name(*o.run, api::StageKind::run));
  return "judged";
}

RunRecord::RunRecord(const Caller& caller)
    : id_(new_run_id()),
      started_(std::chrono::steady_clock::now()),
      fields_{{"id", id_}, {"key", caller.key}, {"key_name", caller.key}, {"tier", caller.tier}} {}

void RunRecord::set_runtime(const RuntimeState& rt) { fields_["runtime"] = rt.def.name; }

void RunRecord::set_backend(const BackendChoice& choice) { fields_["backend"] = choice.name(); }

void RunRecord::refused(const Refusal& r) {
  fields_["status"] = r.code;
  fields_["http_status"] = r.status;
  fields_["error"] = r.code;
  logging::info("request", "run " + id_ + " refused: " + std::to_string(r.status) + " " + r.code, fields_);
}

void RunRecord::finished(const RunPlan& plan, const RunOutcome& outcome, Metrics& metrics) {
  const job::JobOutcome& o = outcome.job;
  const std::string backend(plan.backend.name());
  const std::string& runtime = plan.runtime->def.name;
  const std::string status = run_status(o);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  metrics.count_run(runtime, backend, status, seconds, outcome.queue_wait_s);
  metrics.count_stages(backend, o.stages_run);
  std::uint64_t cpu_ms = 0, wall_ms = 0, memory_kb = 0;
  o.for_each_result([&](const sandbox::Result& r) {
    cpu_ms += r.cpu_ms;
    wall_ms += r.wall_ms;
    memory_kb = std::max(memory_kb, r.memory_kb);
    // A cancelled stage is no failure to build a sandbox: the run's status says "cancelled".
    if (r.status != sandbox::Status::internal_error || r.failure.source == sandbox::Failure::Source::cancelled) return;
    const std::string cause(api::failure_cause(r.failure));
    metrics.count_setup_failure(backend, cause);
    logging::error("run_failed", "run " + id_ + ": " + backend + " could not run it: " + ("runbox: " + r.error).substr(0, 500),
                   {{"id", id_}, {"runtime", runtime}, {"backend", backend}, {"cause", cause}});
  });
  fields_["status"] = status;  // the run's: ok, time_limit, ..., compile_error, judged
  fields_["http_status"] = 200;
  fields_["cpu_ms"] = cpu_ms;
  fields_["wall_ms"] = wall_ms;
  fields_["memory_kb"] = memory_kb;
  fields_["queue_wait_ms"] = static_cast<std::uint64_t>(outcome.queue_wait_s * 1000);
  fields_["duration_ms"] = static_cast<std::uint64_t>(seconds * 1000);
  if (plan.backend.why != BackendReason::runtime) fields_["backend_reason"] = plan.backend.reason();
  if (o.tests) fields_["tests"] = o.tests->size();
  fields_["stages_run"] = o.stages_run;
  logging::info("request", "run " + id_ + " " + runtime + " on " + backend + ": " + status, fields_);
  // The same figures as the log line, never the code or the output; queued for the writer
  // thread, so the answer never waits for the disk.
  if (plan.stats)
    plan.stats->submit({.time_ms = stats::unix_ms_now(),
                        .key = plan.caller.key,
                        .tier = plan.caller.tier,
                        .runtime = runtime,
                        .backend = backend,
                        .status = status,
                        .success = run_succeeded(o),
                        .cpu_ms = cpu_ms,
                        .wall_ms = wall_ms,
                        .memory_kb = memory_kb,
                        .queue_wait_ms = static_cast<std::uint64_t>(outcome.queue_wait_s * 1000)});
}

}  // namespace runbox::service
