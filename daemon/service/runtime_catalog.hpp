#pragma once
// The runtimes this daemon serves: their definitions, whether their image is present, and the
// version each one reports — detected at start-up by running its version command in the
// sandbox, never written by hand. A runtime whose image is missing stays listed with an error.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "config/policy.hpp"
#include "config/runtime_def.hpp"
#include "runbox/sandbox/seccomp.hpp"

namespace runbox::service {

struct RuntimeState {
  config::RuntimeDef def;
  std::filesystem::path rootfs;
  std::optional<std::string> version;
  std::optional<std::string> error;  // why the native sandbox cannot run it (image missing, probe failed)
  std::string docker_image;          // what the docker backend runs for it
  // A docker-backend runtime whose version probe failed in its container (its image not pulled,
  // say): why. Such a runtime is listed unavailable and its runs are refused.
  std::optional<std::string> docker_error;
  bool ready() const { return !error.has_value(); }  // natively
};

// How versions are probed (service/runtime_probe.hpp, through a Backend). The native probe runs
// under a uid no slot uses, uid_first + slots of the policy (config::probe_uid; the constructor
// throws ConfigError when its range has no uid past the slots); a runtime the native sandbox
// cannot run is probed on the backend docker_backend gives for its image, when it gives one.
struct ProbeOptions {
  std::uint32_t slots = 1;
  // The docker image a runtime runs when its runtime file names none (e.g. the one `runbox image
  // pull` recorded for its rootfs); empty function or empty answer: "runbox/<image>:latest".
  std::function<std::string(const config::RuntimeDef&)> docker_image_for;
  // The backend native probes run on: the sandbox (a fake in the core's tests).
  std::function<std::unique_ptr<backend::Backend>()> native_backend = [] {
    return std::make_unique<backend::NativeBackend>();
  };
  // The docker backend for a probe in `image`; nullptr (or no function): no docker probe, e.g.
  // while the engine is unavailable.
  std::function<std::unique_ptr<backend::Backend>(const std::string& image)> docker_backend;
};

class RuntimeCatalog {
 public:
  RuntimeCatalog(const config::RuntimeSet& runtimes, const std::filesystem::path& images_root,
                 const config::Policy& policy, std::shared_ptr<const sandbox::SeccompProgram> seccomp,
                 const ProbeOptions& probe = {});
  const RuntimeState* find(std::string_view name_or_alias) const;
  const std::vector<RuntimeState>& all() const { return states_; }
  std::size_t ready_count() const;  // natively
  // Set when every native probe that ran failed in the sandbox's own set-up (not the program):
  // the native sandbox does not work on this host. nullopt: it ran a program to completion, or
  // there was nothing to probe with.
  const std::optional<std::string>& sandbox_error() const { return sandbox_error_; }

 private:
  config::RuntimeSet runtimes_;
  std::vector<RuntimeState> states_;
  std::optional<std::string> sandbox_error_;
};

}  // namespace runbox::service
