#pragma once
// plan_run: a request and its caller become everything one run needs — the runtime, the tier,
// the backend and why, the job (commands with their placeholders expanded, effective limits,
// box size, output budget) — or a Refusal, before anything is queued. Written once for every
// transport; execute (run_service.hpp) only carries it out.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "api/parse_run_request.hpp"
#include "api/run_request.hpp"
#include "job/job.hpp"
#include "service/backend_choice.hpp"
#include "service/caller.hpp"
#include "service/engine_health.hpp"
#include "service/generation.hpp"
#include "service/refusal.hpp"

namespace runbox::stats {
class StatsWriter;
}

namespace runbox::service {

struct RunPlan {
  std::shared_ptr<const Generation> generation;  // held to the run's end: a reload never changes it midway
  Caller caller;
  const RuntimeState* runtime = nullptr;  // in generation's catalog
  const Tier* tier = nullptr;             // in generation's tiers
  BackendChoice backend;
  job::JobPlan job;  // uid and gid are the slot's, set when it runs
  std::shared_ptr<const api::RunRequest> request;
  std::shared_ptr<stats::StatsWriter> stats;  // where RunRecord::finished records the run (none: not kept)
};

// The parse bounds the caller's tier sets (its policy's [request] max_tests).
api::ParseLimits parse_limits(const Generation& g, const Caller& caller);

// Why a runtime's chosen backend cannot take runs now (the native sandbox's or the docker
// engine's state): one check for planning, /v1/runtimes and readiness, worded for each.
struct BackendProblem {
  std::string for_run;      // a run's 503 message: names the runtime
  std::string for_listing;  // /v1/runtimes and /readyz, beside the runtime's name
};
std::optional<BackendProblem> backend_problem(const BackendChoice& choice, const RuntimeState& rt, EngineHealth& docker);

// Refusals, in this order: 404 unknown_runtime, 503 runtime_unavailable (the backend cannot run
// it), 503 overloaded when draining, 422 limit_exceeds_policy / limit_below_minimum (run
// limits, then compile limits). `on_choice` sees the runtime's name and backend as soon as they
// are known (the request's log line names them even when refused).
std::variant<RunPlan, Refusal> plan_run(std::shared_ptr<const Generation> g, const Caller& caller,
                                        api::RunRequest request, EngineHealth& docker, bool draining,
                                        const std::function<void(const RuntimeState&, const BackendChoice*)>& on_choice = {});

}  // namespace runbox::service
