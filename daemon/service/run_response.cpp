#include "service/run_response.hpp"

namespace runbox::service {

api::RunResponse run_response(const std::string& id, const RunPlan& plan, job::JobOutcome&& o) {
  const api::RunRequest& req = *plan.request;
  const api::StageShaping shaping{req.strip_control, false};
  api::RunResponse r;
  r.id = id;
  r.runtime = plan.runtime->def.name;
  r.version = plan.runtime->version;
  r.backend = std::string(plan.backend.name());
  r.cached = o.from_result_cache;
  if (o.compile) {
    r.compile = api::stage_result(std::move(*o.compile), api::StageKind::compile, std::nullopt, shaping);
    r.compile->cached = o.compile_cached;
  }
  if (o.run) r.run = api::stage_result(std::move(*o.run), api::StageKind::run, std::nullopt, shaping);
  if (o.tests) {
    r.tests.emplace();
    r.tests->reserve(o.tests->size());
    for (std::size_t i = 0; i < o.tests->size(); ++i) {
      auto& t = (*o.tests)[i];
      const bool hidden = req.tests && i < req.tests->size() && (*req.tests)[i].hidden;
      r.tests->push_back(api::test_stage_result(std::move(t.result), {t.output_matched, t.checker_failed, std::move(t.checker_message)},
                                                {req.strip_control, hidden}));
    }
  }
  return r;
}

}  // namespace runbox::service
