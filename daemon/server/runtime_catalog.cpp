#include "server/runtime_catalog.hpp"

#include <future>

#include "config/effective_limits.hpp"
#include "runbox/sandbox/sandbox.hpp"

namespace runbox::server {
namespace {

std::optional<std::string> probe_version(RuntimeState& state, const config::Policy& policy,
                                         const std::shared_ptr<const sandbox::SeccompProgram>& seccomp) {
  auto bounds = config::stage_bounds(policy, state.def, config::Stage::run);
  sandbox::Spec spec;
  spec.rootfs = state.rootfs;
  spec.argv = config::expand_placeholders(state.def.version, bounds.defaults);
  spec.env = state.def.env;
  spec.limits = bounds.defaults;
  spec.limits.cpu_ms = std::max<std::uint64_t>(spec.limits.cpu_ms, 10000);
  spec.limits.wall_ms = std::max<std::uint64_t>(spec.limits.wall_ms, 20000);
  spec.seccomp = seccomp;
  spec.uid = policy.uid_first;
  spec.gid = policy.uid_first;
  sandbox::Result r = sandbox::run(spec);
  if (r.status != sandbox::Status::ok) {
    state.error = "version command failed (" + std::string(sandbox::to_string(r.status)) + "): " +
                  (r.error.empty() ? r.stderr_data.substr(0, 200) : r.error);
    return std::nullopt;
  }
  auto v = config::parse_version_output(r.stdout_data, r.stderr_data);
  if (!v) state.error = "version command printed nothing";
  return v;
}

}  // namespace

RuntimeCatalog::RuntimeCatalog(const config::RuntimeSet& runtimes, const std::filesystem::path& images_root,
                               const config::Policy& policy, std::shared_ptr<const sandbox::SeccompProgram> seccomp)
    : runtimes_(runtimes) {
  for (const auto& def : runtimes_.all()) {
    states_.push_back(RuntimeState{def, images_root / def.image, std::nullopt, std::nullopt});
    if (!std::filesystem::is_directory(states_.back().rootfs / "usr"))
      states_.back().error = "image '" + def.image + "' is not installed at " + states_.back().rootfs.string();
  }
  // The probes run at once: start-up waits for the slowest runtime (the JVM), not for the sum.
  std::vector<std::future<void>> probes;
  for (auto& state : states_)
    if (!state.error)
      probes.push_back(std::async(std::launch::async, [&state, &policy, &seccomp] {
        state.version = probe_version(state, policy, seccomp);
      }));
  for (auto& p : probes) p.get();
}

const RuntimeState* RuntimeCatalog::find(std::string_view name_or_alias) const {
  const config::RuntimeDef* def = runtimes_.find(name_or_alias);
  if (!def) return nullptr;
  for (const auto& s : states_)
    if (s.def.name == def->name) return &s;
  return nullptr;
}

std::size_t RuntimeCatalog::ready_count() const {
  std::size_t n = 0;
  for (const auto& s : states_) n += s.ready();
  return n;
}

}  // namespace runbox::server
