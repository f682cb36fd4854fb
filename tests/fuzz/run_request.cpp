// POST /v1/run bodies: parse_run_request must answer every input with a request or an ApiError
// (never throw, crash or read out of bounds), and a valid request's fields stay in their bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/parse_run_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = runbox::api::parse_run_request(body);
  if (auto* err = std::get_if<runbox::api::ApiError>(&parsed)) {
    // Every refusal of a body is the client's fault: 400 with a code and a message.
    if (err->status != 400 || err->code.empty() || err->message.empty()) std::abort();
  }
  return 0;
}
