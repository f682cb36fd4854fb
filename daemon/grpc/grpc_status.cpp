#include "grpc/grpc_status.hpp"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace runbox::grpc_api {

grpc::StatusCode status_code(int http_status) {
  switch (http_status) {
    case 400:
    case 413:
    case 422: return grpc::StatusCode::INVALID_ARGUMENT;
    case 401: return grpc::StatusCode::UNAUTHENTICATED;
    case 403: return grpc::StatusCode::PERMISSION_DENIED;
    case 404: return grpc::StatusCode::NOT_FOUND;
    case 429: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 503: return grpc::StatusCode::UNAVAILABLE;
    default: return grpc::StatusCode::INTERNAL;
  }
}

grpc::Status refusal_status(const service::Refusal& r) {
  const grpc::StatusCode code = status_code(r.status);
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(r.message);
  google::rpc::ErrorInfo info;
  info.set_reason(r.code);
  info.set_domain("runbox");
  if (!r.field.empty()) (*info.mutable_metadata())["field"] = r.field;
  if (r.maximum) (*info.mutable_metadata())["maximum"] = std::to_string(*r.maximum);
  details.add_details()->PackFrom(info);
  if (r.status == 429 || r.status == 503) {
    google::rpc::RetryInfo retry;
    retry.mutable_retry_delay()->set_seconds(r.retry_after_s.value_or(1));
    details.add_details()->PackFrom(retry);
  }
  return grpc::Status(code, r.message, details.SerializeAsString());
}

}  // namespace runbox::grpc_api
