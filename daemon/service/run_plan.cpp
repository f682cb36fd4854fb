#include "service/run_plan.hpp"

#include "config/effective_limits.hpp"
#include "config/placeholders.hpp"

namespace runbox::service {
namespace {

Refusal limit_refusal(const config::LimitRefusal& r) {
  Refusal refusal{422, std::string(config::error_code(r.kind)), r.message, r.field, std::nullopt};
  if (r.kind == config::LimitRefusal::Kind::exceeds_policy) refusal.maximum = r.maximum;
  return refusal;
}

}  // namespace

api::ParseLimits parse_limits(const Generation& g, const Caller& caller) {
  api::ParseLimits limits;
  limits.max_tests = g.tiers.at(caller.tier).policy.request.max_tests;
  return limits;
}

std::optional<BackendProblem> backend_problem(const BackendChoice& choice, const RuntimeState& rt, EngineHealth& docker) {
  if (choice.refusal) return BackendProblem{*choice.refusal, *choice.refusal};
  if (!choice.docker()) return std::nullopt;
  if (auto why = docker.unavailable())
    return BackendProblem{rt.def.name + " runs on the docker backend, which is unavailable: " + *why, "docker backend: " + *why};
  if (auto why = docker.missing_runtime(choice.oci_runtime)) return BackendProblem{*why, *why};
  return std::nullopt;
}

std::variant<RunPlan, Refusal> plan_run(std::shared_ptr<const Generation> g, const Caller& caller,
                                        api::RunRequest request, EngineHealth& docker, bool draining,
                                        const std::function<void(const RuntimeState&, const BackendChoice*)>& on_choice) {
  const Tier& tier = g->tiers.at(caller.tier);
  const RuntimeState* rt = g->catalog->find(request.runtime);
  if (!rt) return Refusal{404, "unknown_runtime", "no runtime named '" + request.runtime + "' (GET /v1/runtimes lists them)"};
  if (on_choice) on_choice(*rt, nullptr);
  BackendChoice choice = choose_backend(tier.policy, *rt, g->catalog->sandbox_error());
  if (on_choice) on_choice(*rt, &choice);
  if (auto why = backend_problem(choice, *rt, docker)) return Refusal{503, "runtime_unavailable", why->for_run};
  if (draining) return Refusal{503, "overloaded", "runboxd is shutting down"};

  RunPlan plan;
  job::JobPlan& job = plan.job;
  job.rootfs = rt->rootfs;
  job.env = rt->def.env;
  job.source_file = rt->def.source_file;
  job.seccomp = tier.seccomp;
  job.box_mb = config::stage_bounds(tier.policy, rt->def, config::StageKind::run).defaults.box_mb;
  job.output_budget_bytes = sandbox::mib(tier.policy.request.max_answer_output_mb);
  auto run_limits = config::effective_limits(tier.policy, rt->def, config::StageKind::run, request.limits);
  if (auto* refusal = std::get_if<config::LimitRefusal>(&run_limits)) return limit_refusal(*refusal);
  const auto& run = std::get<sandbox::Limits>(run_limits);
  job.run = {config::expand_placeholders(rt->def.run, run), run};
  if (rt->def.has_compile()) {
    auto compile_limits = config::effective_limits(tier.policy, rt->def, config::StageKind::compile, request.compile_limits);
    if (auto* refusal = std::get_if<config::LimitRefusal>(&compile_limits)) return limit_refusal(*refusal);
    const auto& compile = std::get<sandbox::Limits>(compile_limits);
    job.compile = job::StagePlan{config::expand_placeholders(*rt->def.compile, compile), compile};
  }
  plan.generation = std::move(g);
  plan.caller = caller;
  plan.runtime = rt;
  plan.tier = &tier;
  plan.backend = std::move(choice);
  plan.request = std::make_shared<const api::RunRequest>(std::move(request));
  return plan;
}

}  // namespace runbox::service
