#pragma once
#include <boost/json/value.hpp>

#include "api/run_request.hpp"
#include "api/stage.hpp"

namespace runbox::api {

// A Stage of API v1: status, exit_code (int|null), signal (string|null), stdout, stderr,
// stdout_truncated, stderr_truncated, cpu_ms, wall_ms, memory_kb. Output travels in the request's
// encoding: utf8 (invalid bytes become U+FFFD) or base64. Never a "verdict".
boost::json::value stage_to_json(const Stage& stage, Encoding encoding);

// A judge test's result: a Stage plus "verdict" (the stage's status if none was set).
boost::json::value test_to_json(const Stage& stage, Encoding encoding);

// The 200 answer of POST /v1/run: id, runtime, version, backend, compile, run, tests
// (absent optionals are null).
boost::json::value response_to_json(const RunResponse& response, Encoding encoding);

}  // namespace runbox::api
