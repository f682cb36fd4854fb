#include "service/generation.hpp"

#include "docker/seccomp_json.hpp"

namespace runbox::service {

std::shared_ptr<const Generation> load_generation(const config::DaemonConfig& config, std::uint64_t number,
                                                  const ProbeOptions& probe) {
  files::DaemonFiles files = files::load_daemon_files(config);
  auto g = std::make_shared<Generation>();
  g->number = number;
  g->config = files.config;
  g->keys = std::move(files.keys);
  for (auto& [name, t] : files.tiers) {
    std::string docker_json = docker::seccomp_profile_json(t.seccomp_rules);  // before t is moved
    g->tiers.emplace(name, Tier{std::move(t), std::move(docker_json)});
  }
  g->catalog = std::make_shared<const RuntimeCatalog>(files.runtimes, config.images_root, g->default_tier().policy,
                                                      g->default_tier().seccomp, probe);
  return g;
}

}  // namespace runbox::service
