#include "service/generation.hpp"

#include "config/daemon_files.hpp"
#include "docker/seccomp_json.hpp"

namespace runbox::service {

std::shared_ptr<const Generation> load_generation(const config::DaemonConfig& config, std::uint64_t number,
                                                  const ProbeOptions& probe) {
  config::DaemonFiles files = config::load_daemon_files(config);
  auto g = std::make_shared<Generation>();
  g->number = number;
  g->config = files.config;
  g->keys = std::move(files.keys);
  for (auto& [name, t] : files.tiers)
    g->tiers.emplace(name, Tier{name, std::move(t.policy), std::move(t.seccomp), docker::seccomp_profile_json(t.seccomp_rules)});
  g->catalog = std::make_shared<const RuntimeCatalog>(files.runtimes, config.images_root, g->default_tier().policy,
                                                      g->default_tier().seccomp, probe);
  return g;
}

}  // namespace runbox::service
