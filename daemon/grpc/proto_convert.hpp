#pragma once
// runbox.v1 messages to and from the API's typed forms (api/run_request.hpp,
// api/stage_result.hpp): pure conversion, no validation (api/run_request_checks.hpp does that,
// the same for every transport).
#include "api/run_request.hpp"
#include "api/stage_result.hpp"
#include "job/job_events.hpp"
#include "runbox/v1/runbox.pb.h"

namespace runbox::grpc_api {

api::RunRequest from_proto(const runbox::v1::RunRequest& in);
void to_proto(api::StageResult&& in, runbox::v1::StageResult* out);
void to_proto(api::RunResponse&& in, runbox::v1::RunResponse* out);
void to_proto(const job::StageRef& in, runbox::v1::StageRef* out);

}  // namespace runbox::grpc_api
