#pragma once
// runboxd.toml's [stats] table: the usage statistics of finished runs, kept in SQLite so they
// survive restarts (daemon/stats/, docs/configuration.md "[stats]", docs/api.md "Statistics").
#include <cstdint>
#include <filesystem>

#include "runbox/toml.hpp"

namespace runbox::tomlfile {
class TomlReader;
}

namespace runbox::config {

struct StatsConfig {
  bool enabled = true;
  std::filesystem::path path = "/var/lib/runbox/stats.sqlite";
  std::uint32_t retention_days = 30;  // rows older than this are deleted
  std::uint64_t max_mb = 64;          // the rows' size bound: the oldest rows go beyond it
  std::uint32_t queue = 4096;         // records waiting for the writer; more are dropped, counted
  bool operator==(const StatsConfig&) const = default;
};

// Reads the [stats] table of root (when present) into out; ConfigError on a bad key or value.
// A relative path is taken from base_dir (the configuration file's directory).
void read_stats_config(const toml::table& root, const tomlfile::TomlReader& r, const std::filesystem::path& base_dir,
                       StatsConfig& out);

}  // namespace runbox::config
