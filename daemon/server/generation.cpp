#include "server/generation.hpp"

#include "docker/seccomp_json.hpp"
#include "files/daemon_files.hpp"

namespace runbox::server {

std::shared_ptr<const Generation> load_generation(const config::DaemonConfig& config, std::uint64_t number,
                                                  const ProbeOptions& probe) {
  files::DaemonFiles files = files::load_daemon_files(config);
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

}  // namespace runbox::server
