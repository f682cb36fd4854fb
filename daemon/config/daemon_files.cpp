#include "config/daemon_files.hpp"

#include "config/config_error.hpp"

namespace runbox::config {
namespace {

TierFiles load_tier(const std::string& name, const std::filesystem::path& file, const RuntimeSet& runtimes,
                    std::uint32_t slots) {
  TierFiles t;
  t.name = name;
  t.policy = load_policy(file);
  check_policy_runtimes(t.policy, runtimes);
  t.seccomp_rules = load_policy_seccomp(t.policy);
  try {
    t.seccomp = std::make_shared<const sandbox::SeccompProgram>(sandbox::SeccompProgram::compile(t.seccomp_rules));
  } catch (const sandbox::PolicyError&) {
    throw;
  } catch (const std::exception& e) {
    throw ConfigError(t.policy.seccomp.string(), 0, "", std::string("cannot compile: ") + e.what());
  }
  if (t.policy.uid_count < slots)
    throw ConfigError(t.policy.origin, 0, "uids.count",
                      std::to_string(t.policy.uid_count) + " uids are fewer than the " + std::to_string(slots) +
                          " slots (one uid per slot)");
  return t;
}

}  // namespace

DaemonFiles load_daemon_files(const DaemonConfig& config) {
  check_auth_exposure(config);
  DaemonFiles f;
  f.config = config;
  f.runtimes = RuntimeSet::load_dir(config.runtimes_dir);
  f.tiers.emplace("default", load_tier("default", config.policy_file(), f.runtimes, config.slots));
  if (config.keys_file) {
    f.keys = auth::KeySet::load(*config.keys_file);
    for (const auto& k : f.keys->all()) {
      if (f.tiers.count(k.tier)) continue;
      std::filesystem::path file = config.policies_dir / (k.tier + ".toml");
      if (!std::filesystem::exists(file))
        throw ConfigError(f.keys->origin(), k.line, "tier",
                          "key \"" + k.name + "\": tier \"" + k.tier + "\" has no policy file " + file.string());
      f.tiers.emplace(k.tier, load_tier(k.tier, file, f.runtimes, config.slots));
    }
  }
  return f;
}

}  // namespace runbox::config
