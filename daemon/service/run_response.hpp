#pragma once
// A finished run in API v1's form (api/stage_result.hpp makes each stage), for every transport:
// HTTP serialises it as JSON, gRPC converts it to runbox.v1.RunResponse.
#include <string>

#include "api/stage_result.hpp"
#include "job/job.hpp"
#include "service/run_plan.hpp"

namespace runbox::service {

api::RunResponse run_response(const std::string& id, const RunPlan& plan, job::JobOutcome&& o);

}  // namespace runbox::service
