#pragma once
// Who may run, decided once for every transport (HTTP, WebSocket upgrades, gRPC metadata): the
// key a request presents ("Authorization: Bearer <key>" or "X-API-Key: <key>") among the
// generation's keys, and that key's rate limit — one token bucket per key, shared by every
// transport, so a key cannot double its rate by switching protocols.
#include <string_view>
#include <optional>

#include "auth/rate_limiter.hpp"
#include "service/caller.hpp"
#include "service/generation.hpp"
#include "service/metrics.hpp"
#include "service/refusal.hpp"

namespace runbox::service {

class Admission {
 public:
  explicit Admission(Metrics& metrics) : metrics_(metrics) {}

  // nullopt: admitted as *caller. Without a keys file everyone is "anonymous" on the default
  // tier. 401 unauthorized (no key, or not a valid one); 429 rate_limited (retry_after_s set;
  // *caller names the key).
  std::optional<Refusal> admit(const Generation& g, std::string_view authorization, std::string_view x_api_key,
                               Caller& caller);
  // Only whether the key is valid (no token taken): the early check on a request's head.
  bool key_valid(const Generation& g, std::string_view authorization, std::string_view x_api_key,
                 bool* presented) const;
  static Refusal unauthorized(bool presented);

 private:
  Metrics& metrics_;
  auth::RateLimiter limiter_;
};

}  // namespace runbox::service
