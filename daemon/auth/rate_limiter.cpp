#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace runbox::auth {

std::optional<unsigned> RateLimiter::take(const std::string& key_name, double rate, double burst, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(key_name, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst, b.tokens + std::max(0.0, elapsed) * rate);
    b.last = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return static_cast<unsigned>(std::max(1.0, std::ceil((1 - b.tokens) / rate)));
}

}  // namespace runbox::auth
