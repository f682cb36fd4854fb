#pragma once
// The service core every transport calls (HTTP today; gRPC, Piston and Judge0 next): plan a run
// (run_plan.hpp), execute it on a slot with a fresh sandbox per stage, and account for it
// (run_record.hpp). Transports only convert: their wire request to an api::RunRequest and a
// Caller, the typed RunOutcome to their wire answer (api/stage_result.hpp). Readiness, draining
// and the runtimes' state, as every transport reports them, are answered here too.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "backend/backend.hpp"
#include "config/cache_config.hpp"
#include "job/compile_cache.hpp"
#include "service/admission.hpp"
#include "service/cancel_registry.hpp"
#include "service/engine_health.hpp"
#include "service/generation.hpp"
#include "service/metrics.hpp"
#include "service/result_cache.hpp"
#include "service/run_plan.hpp"
#include "service/run_record.hpp"
#include "service/slot_pool.hpp"
#include "stats/stats_writer.hpp"

namespace runbox::service {

// The backend a planned run goes to (a fake in the core's tests).
using BackendFactory = std::function<std::unique_ptr<backend::Backend>(const RunPlan&)>;
// The native sandbox, or a container of the Docker engine at docker_socket.
BackendFactory production_backends(std::filesystem::path docker_socket);

// A runtime as listings show it: its state, the backend its default tier picks, and why that
// backend cannot run it now.
struct RuntimeView {
  const RuntimeState* state;
  std::string backend;
  std::optional<std::string> problem;
  // The problem is only that a docker-backend runtime's image is not in the engine (an optional
  // runtime an operator has not pulled, like dart or swift): listed, but /health stays "ok".
  bool image_not_pulled = false;
};

class RunService {
 public:
  RunService(GenerationStore& generations, SlotPool& slots, Metrics& metrics, EngineHealth& docker,
             BackendFactory backends);

  std::shared_ptr<const Generation> generation() const { return generations_.current(); }
  Metrics& metrics() { return metrics_; }
  SlotPool& slots() { return slots_; }
  EngineHealth& docker() { return docker_; }
  // Keys and rate limits, one for every transport.
  Admission& admission() { return admission_; }
  // [cache]: the compile cache (on unless compile_mb = 0) and the result cache (off unless
  // results = true). Call before the first run.
  void configure_caches(const config::CacheConfig& cache);
  job::CompileCache* compile_cache() { return compile_cache_.get(); }
  // [stats]: at start and after each reload (the writer and its store outlive generations;
  // stats/stats_writer.hpp). Every planned run is recorded there when it finishes.
  void configure_stats(const config::StatsConfig& config);
  stats::StatsWriter& stats() { return *stats_; }

  // plan_run with this daemon's engine state and drain flag; the record learns the runtime and
  // backend as they are found.
  std::variant<RunPlan, Refusal> plan(std::shared_ptr<const Generation> g, const Caller& caller, api::RunRequest request,
                                      RunRecord& record);
  // Queues the plan on a slot; `done` gets the outcome on the slot thread, after the cancel fd
  // is no longer registered. False: all slots busy and the queue full (nothing ran; answer
  // overloaded()). cancel_fd: an eventfd the transport makes readable to cancel (< 0: none).
  // `started` (optional) runs on the slot thread when the run leaves the queue (Judge0's
  // "Processing"). `events` (optional): the stages as they run, for streaming transports
  // (job/job_events.hpp); it is kept alive until `done` has been called.
  bool execute(std::shared_ptr<const RunPlan> plan, int cancel_fd, std::function<void(RunOutcome)> done,
               std::function<void()> started = {}, std::shared_ptr<job::JobEvents> events = nullptr);
  static Refusal overloaded() { return {503, "overloaded", "all slots are busy and the queue is full; retry later"}; }

  std::vector<RuntimeView> runtimes(const Generation& g);
  // Ready: not draining, the native sandbox's self-check passed, and some runtime can run.
  bool ready();
  // SIGTERM: readiness turns false (leave_rotation: [drain] delay_s before the rest); then new
  // runs are refused; running ones finish or are cancelled.
  void leave_rotation() { leaving_ = true; }
  void start_draining() {
    leaving_ = true;
    draining_ = true;
  }
  bool draining() const { return leaving_; }
  void cancel_all_runs() { cancels_.cancel_all(); }

 private:
  std::optional<BackendProblem> runtime_problem(const Generation& g, const RuntimeState& rt);

  GenerationStore& generations_;
  SlotPool& slots_;
  Metrics& metrics_;
  EngineHealth& docker_;
  BackendFactory backends_;
  CancelRegistry cancels_;
  Admission admission_;
  std::shared_ptr<job::CompileCache> compile_cache_ = std::make_shared<job::CompileCache>(256ull << 20);
  std::unique_ptr<ResultCache> result_cache_;
  std::atomic<bool> leaving_{false};   // not ready (SIGTERM came)
  std::atomic<bool> draining_{false};  // and refusing runs
  std::shared_ptr<stats::StatsWriter> stats_;
  bool stats_started_ = false;
};

}  // namespace runbox::service
