#pragma once
// One token bucket per key name: `rate` tokens per second up to `burst`; a request takes one.
// Buckets survive a reload (a key keeps its name), so a reload is no way around the limit.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace runbox::auth {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // nullopt: allowed (a token was taken). Otherwise the whole seconds until a token is there
  // (at least 1), for Retry-After.
  std::optional<unsigned> take(const std::string& key_name, double rate, double burst, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace runbox::auth
