#pragma once
// A refusal of the core (service/refusal.hpp) as a gRPC status: the code from its HTTP-like
// status (400/413/422 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404
// NOT_FOUND, 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE), and in the details (the
// grpc-status-details-bin trailer) a google.rpc.Status holding a google.rpc.ErrorInfo (reason:
// runbox's error code, domain "runbox", metadata "field" and "maximum" for a refused limit)
// and, for 429 and 503, a google.rpc.RetryInfo.
#include <grpcpp/support/status.h>

#include "service/refusal.hpp"

namespace runbox::grpc_api {

grpc::StatusCode status_code(int http_status);
grpc::Status refusal_status(const service::Refusal& r);

}  // namespace runbox::grpc_api
