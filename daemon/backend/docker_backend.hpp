#pragma once
// The Docker Engine as a backend: same Spec in, same Stage out as the native sandbox, each stage
// in a fresh container (docs/docker.md). Engine failures are internal_error stages whose stderr
// starts "runbox: docker: "; run_stage never throws.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "backend/backend.hpp"
#include "docker/container_config.hpp"
#include "docker/engine_client.hpp"

namespace runbox::backend {

struct DockerOptions {
  std::filesystem::path socket_path = docker::kDefaultSocket;
  std::string image;        // Docker image reference or id to run
  std::string oci_runtime;  // "" = the engine's default, "runsc" = gVisor
  std::string seccomp_json; // the policy's profile as OCI/Docker JSON (docker::seccomp_profile_json)
  // Explicit opt-in for runbox's own probes (version commands): with an empty seccomp_json, run
  // under the engine's default profile. Off: an empty profile is an internal_error, no run.
  bool engine_default_seccomp = false;
  std::map<std::string, std::string> labels;  // added to io.runbox.managed=true
};

class DockerBackend final : public Backend {
 public:
  explicit DockerBackend(DockerOptions options);
  std::string name() const override { return "docker"; }
  api::Stage run_stage(const sandbox::Spec& spec) override;

 private:
  // nullopt when the engine has options_.oci_runtime; the error otherwise. Asked once.
  std::optional<std::string> runtime_missing();

  DockerOptions options_;
  docker::EngineClient client_;
  docker::ContainerSettings settings_;
  std::mutex mu_;
  bool runtime_checked_ = false;
};

}  // namespace runbox::backend
