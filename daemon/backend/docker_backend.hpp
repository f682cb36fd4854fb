#pragma once
// The Docker Engine as a backend: same Spec in, same Result out as the native sandbox, each stage
// in a fresh container (docs/docker.md). Engine failures are internal_error results with the
// Failure source `engine` (step "docker"), their message starting "docker: "; run_stage never
// throws.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
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
  sandbox::Result run_stage(const sandbox::Spec& spec) override;

 private:
  // nullopt when the engine has options_.oci_runtime; the error otherwise. Asked once.
  std::optional<std::string> runtime_missing();

  DockerOptions options_;
  docker::EngineClient client_;
  docker::ContainerSettings settings_;
  std::mutex mu_;
  bool runtime_checked_ = false;
};

// A run of submitted code in `image` by runboxd: labelled with this daemon's pid (the orphan
// sweeps know it by that), under the tier's seccomp profile (an empty one: internal_error).
std::unique_ptr<Backend> docker_run_backend(const std::filesystem::path& socket, const std::string& image,
                                            const std::string& oci_runtime, const std::string& seccomp_json);
// A runtime's version command in `image`, under the engine's default seccomp profile.
std::unique_ptr<Backend> docker_probe_backend(const std::filesystem::path& socket, const std::string& image);

}  // namespace runbox::backend
