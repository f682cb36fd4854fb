#include "server/generation.hpp"

#include <set>

#include "config/config_error.hpp"
#include "config/effective_limits.hpp"
// #include "docker/seccomp_json.hpp"

namespace runbox::server {
namespace {

Tier load_tier(const std::string& name, const std::filesystem::path& file, const config::RuntimeSet& runtimes,
               std::uint32_t slots) {
  Tier t;
  t.name = name;
  t.policy = config::load_policy(file);
  config::check_policy_runtimes(t.policy, runtimes);
  sandbox::SeccompPolicy rules = config::load_policy_seccomp(t.policy);
  t.seccomp = std::make_shared<const sandbox::SeccompProgram>(sandbox::SeccompProgram::compile(rules));
  // t.docker_seccomp_json = docker::to_oci_seccomp_json(rules);
  if (t.policy.uid_count < slots)
    throw config::ConfigError(t.policy.origin, 0, "uids.count",
                              std::to_string(t.policy.uid_count) + " uids are fewer than the " + std::to_string(slots) +
                                  " slots (one uid per slot)");
  return t;
}

}  // namespace

std::shared_ptr<const Generation> load_generation(const config::DaemonConfig& config, std::uint64_t number,
                                                  const ProbeOptions& probe) {
  auto g = std::make_shared<Generation>();
  g->number = number;
  g->config = config;
  config::check_auth_exposure(config);
  auto runtimes = config::RuntimeSet::load_dir(config.runtimes_dir);
  g->tiers.emplace("default", load_tier("default", config.policy_file(), runtimes, config.slots));
  if (config.keys_file) {
    g->keys = auth::KeySet::load(*config.keys_file);
    for (const auto& k : g->keys->all()) {
      if (g->tiers.count(k.tier)) continue;
      std::filesystem::path file = config.policies_dir / (k.tier + ".toml");
      if (!std::filesystem::exists(file))
        throw config::ConfigError(g->keys->origin(), k.line, "tier",
                                  "key \"" + k.name + "\": tier \"" + k.tier + "\" has no policy file " + file.string());
      g->tiers.emplace(k.tier, load_tier(k.tier, file, runtimes, config.slots));
    }
  }
  g->catalog = std::make_shared<const RuntimeCatalog>(runtimes, config.images_root, g->default_tier().policy,
                                                      g->default_tier().seccomp, probe);
  return g;
}

}  // namespace runbox::server
