#include "service/result_cache.hpp"

namespace runbox::service {
namespace {

std::uint64_t size_of(const job::JobOutcome& o) {
  std::uint64_t n = 512;
  o.for_each_result([&](const sandbox::Result& r) {
    n += 256 + r.stdout_data.size() + r.stderr_data.size() + r.output_order.size() * sizeof(sandbox::OutputRun);
  });
  if (o.tests)
    for (const auto& t : *o.tests) n += t.checker_message ? t.checker_message->size() : 0;
  return n;
}

}  // namespace

bool ResultCache::cacheable(const job::JobOutcome& o) {
  if (o.cancelled || o.from_result_cache) return false;
  bool ok = true;
  o.for_each_result([&](const sandbox::Result& r) {
    ok &= r.status == sandbox::Status::ok || r.status == sandbox::Status::runtime_error;
    ok &= !r.stdout_truncated && !r.stderr_truncated;
  });
  if (o.tests)
    for (const auto& t : *o.tests) ok &= !t.checker_failed;
  return ok;
}

std::optional<job::JobOutcome> ResultCache::find(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  job::JobOutcome copy = *it->second.outcome;
  copy.from_result_cache = true;
  copy.stages_run = 0;
  return copy;
}

void ResultCache::store(const std::string& key, const job::JobOutcome& o) {
  const std::uint64_t bytes = size_of(o);
  if (bytes > max_bytes_) return;
  auto outcome = std::make_shared<const job::JobOutcome>(o);
  std::lock_guard lock(mu_);
  if (map_.count(key)) return;
  lru_.push_front(key);
  map_.emplace(key, Entry{std::move(outcome), bytes, lru_.begin()});
  bytes_ += bytes;
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    auto last = map_.find(lru_.back());
    bytes_ -= last->second.bytes;
    map_.erase(last);
    lru_.pop_back();
  }
}

std::uint64_t ResultCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace runbox::service
