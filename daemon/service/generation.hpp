#pragma once
// Everything runboxd reads from files, as one immutable value: the configuration, the policies
// of every tier, the runtimes (with their probed versions) and the API keys. SIGHUP loads a new
// one beside the old; only a complete, valid set replaces it. A request holds the generation it
// started with to its end, so runs in flight finish under the policy they began with.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth/key_set.hpp"
#include "config/daemon_config.hpp"
#include "files/daemon_files.hpp"
#include "service/runtime_catalog.hpp"

namespace runbox::service {

// A policy a key's requests run under. "default" is the daemon's `policy`; any other tier name
// is policies/<tier>.toml. The tier as read from its files (name, policy, seccomp rules and
// program), plus what only the daemon makes of it.
struct Tier : files::TierFiles {
  std::string docker_seccomp_json;  // the same rules as an OCI/Docker seccomp profile
};

struct Generation {
  std::uint64_t number = 0;
  config::DaemonConfig config;
  std::map<std::string, Tier> tiers;  // always has "default"
  std::shared_ptr<const RuntimeCatalog> catalog;
  std::optional<auth::KeySet> keys;   // none: no authentication

  const Tier& default_tier() const { return tiers.at("default"); }
};

// Reads and checks every file and probes the runtimes. Throws config::ConfigError (or
// sandbox::PolicyError) naming file, line and field when anything is wrong; nothing is kept.
std::shared_ptr<const Generation> load_generation(const config::DaemonConfig& config, std::uint64_t number,
                                                  const ProbeOptions& probe);

// The generation in force; swapped whole.
class GenerationStore {
 public:
  explicit GenerationStore(std::shared_ptr<const Generation> first) : current_(std::move(first)) {}
  std::shared_ptr<const Generation> current() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void replace(std::shared_ptr<const Generation> next) {
    std::lock_guard lock(mu_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Generation> current_;
};

}  // namespace runbox::service
