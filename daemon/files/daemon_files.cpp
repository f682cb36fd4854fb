#include "files/daemon_files.hpp"

#include "config/config_error.hpp"

namespace runbox::files {
namespace {

using config::ConfigError;
using config::DaemonConfig;
using config::HostAccountFiles;
using config::Policy;
using config::RuntimeSet;

TierFiles load_tier(const std::string& name, const std::filesystem::path& file, const RuntimeSet& runtimes,
                    std::uint32_t slots) {
  TierFiles t;
  t.name = name;
  t.policy = config::load_policy(file);
  config::check_policy_runtimes(t.policy, runtimes);
  t.seccomp_rules = config::load_policy_seccomp(t.policy);
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

void check_uids(const DaemonFiles& f, const HostAccountFiles& account_files) {
  (void)config::probe_uid(f.tiers.at("default").policy, f.config.slots);
  std::vector<std::pair<std::string, const Policy*>> ranges{{"default", &f.tiers.at("default").policy}};
  for (const auto& [name, t] : f.tiers)
    if (name != "default") ranges.emplace_back(name, &t.policy);
  config::check_uid_ranges_apart(ranges);
  const std::vector<config::HostAccount> accounts = config::read_host_accounts(account_files);
  for (const auto& [name, policy] : ranges) config::check_uid_range_unowned(*policy, accounts);
}

}  // namespace

DaemonFiles load_daemon_files(const DaemonConfig& config, const HostAccountFiles& accounts) {
  config::check_auth_exposure(config);
  DaemonFiles f;
  f.config = config;
  f.runtimes = RuntimeSet::load_dir(config.runtimes_dir);
  f.tiers.emplace("default", load_tier("default", config.policy_file(), f.runtimes, config.slots));
  if (config.keys_file) {
    f.keys = auth::KeySet::load(*config.keys_file);
    for (const auto& k : f.keys->all()) {
      if (f.tiers.count(k.tier)) continue;
      std::filesystem::path file = config.policies_dir / (k.tier + ".toml");
      if (k.tier == "admin" && !std::filesystem::exists(file)) continue;  // runs under "default"
      if (!std::filesystem::exists(file))
        throw ConfigError(f.keys->origin(), k.line, "tier",
                          "key \"" + k.name + "\": tier \"" + k.tier + "\" has no policy file " + file.string());
      f.tiers.emplace(k.tier, load_tier(k.tier, file, f.runtimes, config.slots));
    }
  }
  check_uids(f, accounts);
  return f;
}

}  // namespace runbox::files
