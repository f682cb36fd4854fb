#pragma once
// Answers of identical runs ([cache] results, off by default): a request whose key
// (cache_keys.hpp: everything that can change the answer) was answered before gets that outcome
// again without a sandbox (the answer's "cached": true). Only outcomes that look deterministic
// are kept: every stage ended ok or runtime_error (no limit hit, no wall-time verdict, no
// internal error), nothing was cancelled. Bounded in bytes, least recently used out first.
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "job/job.hpp"

namespace runbox::service {

class ResultCache {
 public:
  explicit ResultCache(std::uint64_t max_bytes) : max_bytes_(max_bytes) {}

  static bool cacheable(const job::JobOutcome& o);
  std::optional<job::JobOutcome> find(const std::string& key);
  void store(const std::string& key, const job::JobOutcome& o);

  std::uint64_t bytes() const;

 private:
  struct Entry {
    std::shared_ptr<const job::JobOutcome> outcome;
    std::uint64_t bytes;
    std::list<std::string>::iterator lru;
  };
  const std::uint64_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> map_;
  std::list<std::string> lru_;
  std::uint64_t bytes_ = 0;
};

}  // namespace runbox::service
