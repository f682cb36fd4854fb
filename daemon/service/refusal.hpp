#pragma once
// Why the core did not run a request, in the API's terms: a status (HTTP's numbers, which the
// other transports map from: 404 not found, 422 over a limit, 503 unavailable), the API's error
// code (docs/api.md) and a message for a human.
#include <cstdint>
#include <optional>
#include <string>

namespace runbox::service {

struct Refusal {
  Refusal(int status_, std::string code_, std::string message_, std::string field_ = {},
          std::optional<std::uint64_t> maximum_ = std::nullopt)
      : status(status_), code(std::move(code_)), message(std::move(message_)), field(std::move(field_)), maximum(maximum_) {}

  int status;
  std::string code;
  std::string message;
  // A limit refused (422): the request's field ("limits.memory_mb", "compile_limits.cpu_ms")
  // and, over a maximum, that maximum in the field's unit — so each facade can say it its way.
  std::string field;
  std::optional<std::uint64_t> maximum;
  // 429 and 503: when to retry, in whole seconds (HTTP's Retry-After, gRPC's RetryInfo).
  std::optional<unsigned> retry_after_s;
};

}  // namespace runbox::service
