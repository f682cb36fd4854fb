#pragma once
// runboxd.toml's [cache] table: the compile cache and the result cache (docs/configuration.md,
// "[cache]"). Both live in memory and start empty with the daemon.
#include <cstdint>

#include "runbox/toml.hpp"

namespace runbox::tomlfile {
class TomlReader;
}

namespace runbox::config {

struct CacheConfig {
  // Compiled boxes kept (tmpfs, so memory) for resubmissions; 0: no compile cache.
  std::uint64_t compile_mb = 256;
  // Answers of identical deterministic-looking requests (no limit hit, no wall-time verdict).
  bool results = false;
  std::uint64_t results_mb = 64;
};

void read_cache_config(const toml::table& root, const tomlfile::TomlReader& r, CacheConfig& out);

}  // namespace runbox::config
