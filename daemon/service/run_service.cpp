#include "service/run_service.hpp"

#include <chrono>

#include "backend/docker_backend.hpp"
#include "service/cache_keys.hpp"

namespace runbox::service {
namespace {

// What the slot reports when the job itself threw (it reports its own failures in results).
job::JobOutcome job_failed(const RunPlan& plan, const std::string& why) {
  sandbox::Result r;
  r.status = sandbox::Status::internal_error;
  r.error = why;
  r.failure = {sandbox::Failure::Source::host, "job", 0};
  job::JobOutcome o;
  (plan.job.compile ? o.compile : o.run) = std::move(r);
  return o;
}

// The idle slots of the pool, lent to one job's tests (job/slot_lender.hpp).
class PoolLender final : public job::SlotLender {
 public:
  PoolLender(SlotPool& slots, std::shared_ptr<const RunPlan> plan, const BackendFactory& backends)
      : slots_(slots), plan_(std::move(plan)), backends_(backends) {}

  bool lend(std::function<void(const job::BorrowedSlot&)> work) override {
    return slots_.try_submit_idle([plan = plan_, &backends = backends_, work = std::move(work)](unsigned slot) {
      const bool docker = plan->backend.docker();
      const uid_t uid = docker ? 65534 : plan->tier->policy.uid_first + slot;
      try {
        auto backend = backends(*plan);
        work({uid, uid, *backend});
      } catch (const std::exception&) {
        // No backend: the slot takes no test; the job's own slot runs them.
      }
    });
  }
  bool others_waiting() const override { return slots_.queued() > 0; }

 private:
  SlotPool& slots_;
  std::shared_ptr<const RunPlan> plan_;
  const BackendFactory& backends_;
};

}  // namespace

BackendFactory production_backends(std::filesystem::path docker_socket) {
  return [socket = std::move(docker_socket)](const RunPlan& plan) -> std::unique_ptr<backend::Backend> {
    if (plan.backend.docker())
      return backend::docker_run_backend(socket, plan.runtime->docker_image, plan.backend.oci_runtime,
                                         plan.tier->docker_seccomp_json);
    return std::make_unique<backend::NativeBackend>();
  };
}

RunService::RunService(GenerationStore& generations, SlotPool& slots, Metrics& metrics, EngineHealth& docker,
                       BackendFactory backends)
    : generations_(generations), slots_(slots), metrics_(metrics), docker_(docker), backends_(std::move(backends)), admission_(metrics),
      stats_(std::make_shared<stats::StatsWriter>(stats::WriterCounters{[&metrics] { metrics.count_stats_dropped(); },
                                                                         [&metrics] { metrics.count_stats_write_error(); }})) {}

void RunService::configure_stats(const config::StatsConfig& config) {
  stats_->configure(config);
  if (!stats_started_) stats_->start();
  stats_started_ = true;
}

void RunService::configure_caches(const config::CacheConfig& cache) {
  compile_cache_ = cache.compile_mb ? std::make_shared<job::CompileCache>(cache.compile_mb << 20) : nullptr;
  result_cache_ = cache.results ? std::make_unique<ResultCache>(cache.results_mb << 20) : nullptr;
}

std::variant<RunPlan, Refusal> RunService::plan(std::shared_ptr<const Generation> g, const Caller& caller,
                                                api::RunRequest request, RunRecord& record) {
  auto planned = plan_run(std::move(g), caller, std::move(request), docker_, draining_,
                          [&record](const RuntimeState& rt, const BackendChoice* choice) {
                            if (choice) record.set_backend(*choice);
                            else record.set_runtime(rt);
                          });
  if (auto* p = std::get_if<RunPlan>(&planned)) {
    p->job.compile_cache = compile_cache_;
    p->stats = stats_;
  }
  return planned;
}

bool RunService::execute(std::shared_ptr<const RunPlan> plan, int cancel_fd, std::function<void(RunOutcome)> done,
                         std::function<void()> started, std::shared_ptr<job::JobEvents> events) {
  const auto submitted = std::chrono::steady_clock::now();
  auto registration = std::make_shared<CancelRegistry::Registration>(cancels_.add(cancel_fd));
  return slots_.try_submit([this, plan, cancel_fd, submitted, done, started, registration, events](unsigned slot) {
    if (started) started();
    RunOutcome out;
    out.queue_wait_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - submitted).count();
    job::JobPlan job = plan->job;
    // Containers are apart by their own namespaces (the image's nobody owns /box there); natively
    // one uid per slot: concurrent runs never share one.
    const bool docker = plan->backend.docker();
    job.uid = job.gid = docker ? 65534 : plan->tier->policy.uid_first + slot;
    // The result cache answers only whole answers (no stage stream).
    std::string result_key;
    if (result_cache_ && !events) {
      result_key = service::result_key(plan->generation->number, plan->caller.tier, plan->runtime->def.name, job, *plan->request);
      if (auto hit = result_cache_->find(result_key)) {
        out.job = std::move(*hit);
        registration->release();
        done(std::move(out));
        return;
      }
    }
    try {
      auto backend = backends_(*plan);
      PoolLender lender(slots_, plan, backends_);
      out.job = job::run_job(job, *plan->request, *backend, cancel_fd, events.get(), &lender);
    } catch (const std::exception& e) {
      out.job = job_failed(*plan, e.what());
    }
    if (!result_key.empty() && ResultCache::cacheable(out.job)) result_cache_->store(result_key, out.job);
    // The engine may be gone: ask it now, so the next request already gets 503, not a try.
    bool engine_failed = false;
    out.job.for_each_result([&](const sandbox::Result& r) {
      engine_failed |= r.failure.source == sandbox::Failure::Source::engine;
    });
    if (engine_failed) docker_.check_now();
    registration->release();
    done(std::move(out));
  });
}

std::optional<BackendProblem> RunService::runtime_problem(const Generation& g, const RuntimeState& rt) {
  return backend_problem(choose_backend(g.default_tier().policy, rt, g.catalog->sandbox_error()), rt, docker_);
}

std::vector<RuntimeView> RunService::runtimes(const Generation& g) {
  std::vector<RuntimeView> views;
  for (const auto& s : g.catalog->all()) {
    const BackendChoice choice = choose_backend(g.default_tier().policy, s, g.catalog->sandbox_error());
    auto problem = backend_problem(choice, s, docker_);
    RuntimeView view{&s, std::string(choice.name()), problem ? std::optional<std::string>(problem->for_listing) : std::nullopt};
    if (!problem && choice.docker() && s.docker_error) {
      view.problem = "docker image " + s.docker_image + " cannot run it: " + *s.docker_error;
      view.image_not_pulled = true;
    }
    views.push_back(std::move(view));
  }
  return views;
}

bool RunService::ready() {
  if (leaving_) return false;
  auto g = generations_.current();
  if (g->catalog->sandbox_error()) return false;
  for (const auto& s : g->catalog->all())
    if (!runtime_problem(*g, s)) return true;
  return false;
}

}  // namespace runbox::service
