#pragma once
// The accounting of one run request, in one place for every transport: its id, the request's
// log line ("request": refused with its code, or finished with status and usage) and the run
// metrics (runs, latency, queue wait, stages, set-up failures with their typed cause).
#include <boost/json/object.hpp>
#include <chrono>
#include <string>

#include "job/job.hpp"
#include "service/backend_choice.hpp"
#include "service/caller.hpp"
#include "service/metrics.hpp"
#include "service/refusal.hpp"
#include "service/runtime_catalog.hpp"

namespace runbox::service {

struct RunPlan;

// What a slot hands back: the job's outcome and how long it waited for the slot.
struct RunOutcome {
  job::JobOutcome job;
  double queue_wait_s = 0;
};

// The run's status for logs and metrics: cancelled, the compile stage's status when it failed
// (compile_error, ...), the run's, or "judged".
std::string run_status(const job::JobOutcome& o);

class RunRecord {
 public:
  explicit RunRecord(const Caller& caller);  // a fresh random id; the clock starts
  const std::string& id() const { return id_; }

  // Known as planning goes: the log line names them even when the run is refused.
  void set_runtime(const RuntimeState& rt);
  void set_backend(const BackendChoice& choice);
  // The request's log line for a refusal (its code stands where a run's status would).
  void refused(const Refusal& r);
  // Metrics, the log lines of set-up failures and the request's log line of a finished run.
  void finished(const RunPlan& plan, const RunOutcome& outcome, Metrics& metrics);

 private:
  std::string id_;
  std::chrono::steady_clock::time_point started_;
  boost::json::object fields_;
};

}  // namespace runbox::service
