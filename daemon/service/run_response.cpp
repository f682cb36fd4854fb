#include "service/run_response.hpp"

namespace runbox::service {

api::RunResponse run_response(const std::string& id, const RunPlan& plan, job::JobOutcome&& o) {
  api::RunResponse r;
  r.id = id;
  r.runtime = plan.runtime->def.name;
  r.version = plan.runtime->version;
  r.backend = std::string(plan.backend.name());
  if (o.compile) r.compile = api::stage_result(std::move(*o.compile), api::StageKind::compile);
  if (o.run) r.run = api::stage_result(std::move(*o.run), api::StageKind::run);
  if (o.tests) {
    r.tests.emplace();
    r.tests->reserve(o.tests->size());
    for (auto& t : *o.tests) r.tests->push_back(api::stage_result(std::move(t.result), api::StageKind::test, t.output_matched));
  }
  return r;
}

}  // namespace runbox::service
