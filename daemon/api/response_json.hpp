#pragma once
#include <string>

#include "api/run_request.hpp"
#include "api/stage_result.hpp"

namespace runbox::api {

// The 200 answer of POST /v1/run as JSON text: id, runtime, version, backend, compile, run,
// tests (absent optionals are null).
//
// A Stage of API v1: status, exit_code (int|null), signal (string|null), stdout, stderr, output
// (both interleaved), stdout_truncated, stderr_truncated, cpu_ms, wall_ms, memory_kb; a judge
// test's Stage adds "verdict" (the stage's status if none was set), "hidden": true for a
// hidden test (which has no stdout, stderr or output) and "checker_message" when a checker
// judged it (not for a hidden test); the
// compile Stage adds "cached". The answer ends with "cached" (the result cache). Output travels in
// the request's encoding: utf8 (invalid bytes become U+FFFD) or base64.
//
// Memory: the text is measured first and allocated once at its exact size (utf8 escapes can
// make one output byte six, so guessing and growing would copy it), and each stage's output is
// released as soon as it is written: at any moment the answer is the one full copy.
std::string response_text(RunResponse&& response, Encoding encoding);
// One Stage object alone, as in the answer (the interactive "result" message).
std::string stage_text(StageResult&& stage, Encoding encoding, bool is_test = false, bool is_compile = false);

}  // namespace runbox::api
