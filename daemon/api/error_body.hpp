#pragma once
#include <string>

#include "api/run_request.hpp"

namespace runbox::api {

// {"error": {"code": "...", "message": "..."}}: the body of every error answer.
std::string error_body(const ApiError& e);

}  // namespace runbox::api
