#pragma once
#include <cstddef>
#include <string_view>
#include <variant>

#include "api/run_request.hpp"

namespace runbox::api {

struct ParseLimits {
  // Deeper JSON is refused while parsing (400 invalid_json), before any of it is built. A valid
  // request nests 3 levels ({"files": [{...}]}); 32 leaves room and stops "[[[[..." at once.
  std::size_t max_depth = 32;
  // The policy's [request] max_tests: more entries in "tests" are refused (422
  // limit_exceeds_policy) before any of them is read.
  std::size_t max_tests = 256;
  // Values of any kind in the whole body, counted before any is built (400 invalid_request):
  // a parsed value costs ~16 bytes and more on the parser's stack. The largest valid requests
  // (256 tests of 4096 args) stay far below; 10 MB of "0," is 3.5 million.
  std::size_t max_values = 1u << 21;
};

// Parses and validates a POST /v1/run body (API v1). Errors, status 400:
//  invalid_json     not JSON: syntax, trailing data, NaN/Infinity, nesting over max_depth,
//                   invalid UTF-8 in a string
//  invalid_request  valid JSON that is not a valid request (types, missing or conflicting
//                   fields, limits that are not non-negative integers, bad base64 or file names)
//  unknown_field    a field this API does not have, at any level; the message names its path
// and, status 422:
//  limit_exceeds_policy  more tests than limits.max_tests; the message names tests and the maximum
// The runtime name is not resolved here (that is 404 unknown_runtime, later).
std::variant<RunRequest, ApiError> parse_run_request(std::string_view body,
                                                     const ParseLimits& limits = {});

}  // namespace runbox::api
