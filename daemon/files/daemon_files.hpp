#pragma once
// Every file runboxd reads, read and checked together: the configuration, the runtimes, the
// policy of every tier (the default one and each tier a key names) with its seccomp profile
// compiled, and the keys. runboxd loads this at start-up and on SIGHUP; `runbox policy check
// --config` runs the same checks without a daemon. Nothing is probed here. A layer of its own
// above config and auth: it puts the keys beside the policies their tiers name.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "auth/key_set.hpp"
#include "config/daemon_config.hpp"
#include "config/policy.hpp"
#include "config/runtime_def.hpp"
#include "config/uid_ranges.hpp"
#include "runbox/sandbox/seccomp.hpp"

namespace runbox::files {

struct TierFiles {
  std::string name;  // "default" or the tier a key names
  config::Policy policy;
  sandbox::SeccompPolicy seccomp_rules;
  std::shared_ptr<const sandbox::SeccompProgram> seccomp;  // compiled for the native sandbox
};

struct DaemonFiles {
  config::DaemonConfig config;
  config::RuntimeSet runtimes;
  std::map<std::string, TierFiles> tiers;  // always has "default"
  std::optional<auth::KeySet> keys;
};

// Throws config::ConfigError / sandbox::PolicyError naming file, line and field. The tiers' uid
// ranges are checked together (uid_ranges.hpp) against the host's accounts, read from `accounts`.
DaemonFiles load_daemon_files(const config::DaemonConfig& config, const config::HostAccountFiles& accounts = {});

}  // namespace runbox::files
