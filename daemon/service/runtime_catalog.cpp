#include "service/runtime_catalog.hpp"

#include <atomic>
#include <mutex>
#include <thread>

#include "config/effective_limits.hpp"
#include "config/uid_ranges.hpp"
#include "config/placeholders.hpp"
#include "runbox/sandbox/work_dir.hpp"
#include "service/runtime_probe.hpp"

namespace runbox::service {
namespace {

sandbox::Spec version_spec(const RuntimeState& state, const config::Policy& policy,
                           const std::shared_ptr<const sandbox::SeccompProgram>& seccomp, std::uint32_t uid) {
  auto bounds = config::stage_bounds(policy, state.def, config::StageKind::run);
  sandbox::Spec spec;
  spec.rootfs = state.rootfs;
  spec.argv = config::expand_placeholders(state.def.version, bounds.defaults);
  spec.env = state.def.env;
  spec.limits = bounds.defaults;
  spec.limits.cpu_ms = std::max<std::uint64_t>(spec.limits.cpu_ms, 10000);
  spec.limits.wall_ms = std::max<std::uint64_t>(spec.limits.wall_ms, 20000);
  spec.seccomp = seccomp;
  // Never a slot's uid: a reload probes while runs are going on (config/uid_ranges.hpp).
  spec.uid = spec.gid = uid;
  return spec;
}

// The same command in a container: the image's nobody, a box of its own (docker binds it).
ProbeOutcome docker_version(backend::Backend& docker, const RuntimeState& state, const sandbox::Spec& native) {
  sandbox::WorkDir box(16, 65534, 65534);
  sandbox::Spec spec;
  spec.argv = native.argv;
  spec.env = state.def.env;
  spec.box_dir = box.path();
  spec.limits.cpu_ms = 10000;
  spec.limits.wall_ms = 30000;
  spec.limits.memory_mb = 512;
  return probe_version(docker, spec);
}

}  // namespace

RuntimeCatalog::RuntimeCatalog(const config::RuntimeSet& runtimes, const std::filesystem::path& images_root,
                               const config::Policy& policy, std::shared_ptr<const sandbox::SeccompProgram> seccomp,
                               const ProbeOptions& probe)
    : runtimes_(runtimes) {
  // Here, not in the workers: a policy with no uid to spare throws before anything runs.
  const std::uint32_t uid = config::probe_uid(policy, probe.slots);
  for (const auto& def : runtimes_.all()) {
    std::string docker_image = def.docker_image;
    if (docker_image.empty() && probe.docker_image_for) docker_image = probe.docker_image_for(def);
    if (docker_image.empty()) docker_image = "runbox/" + def.image + ":latest";
    states_.push_back(RuntimeState{def, images_root / def.image, std::nullopt, std::nullopt, docker_image, std::nullopt});
    if (!std::filesystem::is_directory(states_.back().rootfs / "usr"))
      states_.back().error = "image '" + def.image + "' is not installed at " + states_.back().rootfs.string();
  }
  // Probes run a few at a time (one per CPU): start-up takes about the slowest runtime's time
  // (the JVM's) instead of the sum.
  std::atomic<std::size_t> next{0};
  std::atomic<unsigned> probed{0}, setup_failures{0};
  std::mutex first_failure_mu;
  // One backend for all workers: the native one keeps no state between runs.
  const std::shared_ptr<backend::Backend> native = probe.native_backend();
  auto worker = [&] {
    for (std::size_t i; (i = next++) < states_.size();) {
      RuntimeState& st = states_[i];
      const sandbox::Spec spec = version_spec(st, policy, seccomp, uid);
      if (!st.error) {
        ProbeOutcome o = probe_version(*native, spec);
        st.version = o.version;
        st.error = o.error;
        ++probed;
        if (o.setup_failed) {
          ++setup_failures;
          std::lock_guard lock(first_failure_mu);
          if (!sandbox_error_) sandbox_error_ = *st.error;
        }
      }
      // Not runnable natively (or docker-only): its version as the docker backend sees it.
      if (!st.version && probe.docker_backend && (st.def.backend == "docker" || st.error))
        if (auto docker = probe.docker_backend(st.docker_image)) {
          ProbeOutcome o = docker_version(*docker, st, spec);
          st.version = o.version;
          if (!o.version && st.def.backend == "docker") st.docker_error = o.error.value_or("its version probe failed");
        }
    }
  };
  std::vector<std::thread> workers;
  for (unsigned n = std::max(2u, std::thread::hardware_concurrency()); n > 0; --n) workers.emplace_back(worker);
  for (auto& w : workers) w.join();
  if (probed == 0 || setup_failures < probed) sandbox_error_.reset();
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

}  // namespace runbox::service
