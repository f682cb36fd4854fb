#include "service/run_plan.hpp"

#include "config/checker_file.hpp"
#include "config/config_error.hpp"
#include "config/effective_limits.hpp"
#include "config/placeholders.hpp"
#include "service/cache_keys.hpp"

namespace runbox::service {
namespace {

Refusal limit_refusal(const config::LimitRefusal& r) {
  Refusal refusal{422, std::string(config::error_code(r.kind)), r.message, r.field, std::nullopt};
  if (r.kind == config::LimitRefusal::Kind::exceeds_policy) refusal.maximum = r.maximum;
  return refusal;
}

// The request's checker as a plan: its runtime (natively; the tier's default limits), its
// source from the request or the policy's checkers directory.
std::variant<job::CheckerPlan, Refusal> plan_checker(const Generation& g, const Tier& tier, const Caller& caller,
                                                     const api::CheckerRequest& req) {
  std::string runtime = req.runtime;
  std::vector<api::SourceFile> files = req.files;
  if (!req.name.empty()) {
    const auto& dir = tier.policy.request.checkers_dir;
    if (dir.empty()) return Refusal{404, "unknown_checker", "this tier's policy has no checkers directory (request.checkers_dir)"};
    if (!std::filesystem::exists(dir / (req.name + ".toml")))
      return Refusal{404, "unknown_checker", "no checker named '" + req.name + "' in the policy's checkers directory"};
    try {
      config::CheckerFile file = config::load_checker(dir, req.name);
      runtime = file.runtime;
      files = {api::SourceFile{"", std::move(file.source)}};
    } catch (const std::exception& e) {
      return Refusal{503, "checker_unavailable", std::string("checker '") + req.name + "' cannot be read: " + e.what()};
    }
  }
  const RuntimeState* rt = g.catalog->find(runtime);
  if (!rt) return Refusal{404, "unknown_runtime", "the checker's runtime '" + runtime + "' does not exist (GET /v1/runtimes lists them)"};
  const BackendChoice choice = choose_backend(tier.policy, *rt, g.catalog->sandbox_error());
  // A checker runs in the native sandbox; a tier or runtime that sends runs to docker cannot have one.
  if (choice.refusal || choice.docker())
    return Refusal{422, "checker_unavailable",
                   "the checker's runtime " + rt->def.name + " cannot run in the native sandbox for this tier" +
                       (choice.refusal ? ": " + *choice.refusal : std::string(" (its runs go to docker)"))};
  job::CheckerPlan c;
  c.name = rt->def.name;
  c.rootfs = rt->rootfs;
  c.env = rt->def.env;
  c.source_file = rt->def.source_file;
  c.files = std::move(files);
  auto run_limits = config::effective_limits(tier.policy, rt->def, config::StageKind::run, {});
  if (auto* refusal = std::get_if<config::LimitRefusal>(&run_limits)) return limit_refusal(*refusal);
  const auto& run = std::get<sandbox::Limits>(run_limits);
  c.run = {config::expand_placeholders(rt->def.run, run), run};
  c.box_mb = run.box_mb;
  c.box_inodes = run.box_inodes;
  if (rt->def.has_compile()) {
    auto compile_limits = config::effective_limits(tier.policy, rt->def, config::StageKind::compile, {});
    if (auto* refusal = std::get_if<config::LimitRefusal>(&compile_limits)) return limit_refusal(*refusal);
    const auto& compile = std::get<sandbox::Limits>(compile_limits);
    c.compile = job::StagePlan{config::expand_placeholders(*rt->def.compile, compile), compile};
    c.compile_key = compile_key(caller.tier, c.rootfs, c.source_file, c.env, *c.compile, c.files);
  }
  return c;
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
  if (choice.docker() && rt->docker_error)
    return Refusal{503, "runtime_unavailable", rt->def.name + " runs in the docker image " + rt->docker_image +
                                                   ", which cannot run it now: " + *rt->docker_error};
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
    job.compile_key = compile_key(caller.tier, job.rootfs, job.source_file, job.env, *job.compile, request.files);
  }
  job.max_parallel_tests = static_cast<unsigned>(tier.policy.request.max_parallel_tests);
  if (request.tests && request.compare == api::Compare::checker && request.checker) {
    auto checker = plan_checker(*g, tier, caller, *request.checker);
    if (auto* refusal = std::get_if<Refusal>(&checker)) return *refusal;
    job.checker = std::move(std::get<job::CheckerPlan>(checker));
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
