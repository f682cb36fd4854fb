// DockerBackend: options -> container settings, the runtime check, engine failures typed.
#include "backend/docker_backend.hpp"

#include <unistd.h>

#include <algorithm>

#include "docker/container_run.hpp"
#include "docker/containers.hpp"

namespace runbox::backend {
namespace {

sandbox::Result internal_error(const std::string& why) {
  sandbox::Result r;
  r.status = sandbox::Status::internal_error;
  r.error = "docker: " + why;
  r.failure = {sandbox::Failure::Source::engine, "docker", 0};
  return r;
}

}  // namespace

std::unique_ptr<Backend> docker_run_backend(const std::filesystem::path& socket, const std::string& image,
                                            const std::string& oci_runtime, const std::string& seccomp_json) {
  DockerOptions o;
  o.socket_path = socket;
  o.image = image;
  o.oci_runtime = oci_runtime;
  o.seccomp_json = seccomp_json;
  o.labels[docker::kDaemonLabel] = std::to_string(::getpid());
  return std::make_unique<DockerBackend>(std::move(o));
}

std::unique_ptr<Backend> docker_probe_backend(const std::filesystem::path& socket, const std::string& image) {
  DockerOptions o;
  o.socket_path = socket;
  o.image = image;
  o.engine_default_seccomp = true;  // the runtime's own version command, no submitted code
  o.labels[docker::kDaemonLabel] = std::to_string(::getpid());
  return std::make_unique<DockerBackend>(std::move(o));
}

DockerBackend::DockerBackend(DockerOptions options) : options_(std::move(options)), client_(options_.socket_path) {
  settings_.image = options_.image;
  settings_.oci_runtime = options_.oci_runtime;
  settings_.seccomp_json = options_.seccomp_json;
  settings_.engine_default_seccomp = options_.engine_default_seccomp;
  settings_.labels = options_.labels;
}

std::optional<std::string> DockerBackend::runtime_missing() {
  if (options_.oci_runtime.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  if (runtime_checked_) return std::nullopt;
  auto names = client_.runtimes();
  if (std::find(names.begin(), names.end(), options_.oci_runtime) == names.end())
    return "the policy asks for runtime " + options_.oci_runtime +
           ", which the Docker engine does not have registered (see daemon.json \"runtimes\")";
  runtime_checked_ = true;
  return std::nullopt;
}

sandbox::Result DockerBackend::run_stage(const sandbox::Spec& spec) {
  try {
    if (auto missing = runtime_missing()) return internal_error(*missing);
    sandbox::Result r = docker::run_container(client_, spec, settings_);
    if (r.status == sandbox::Status::internal_error) return internal_error(r.error);
    return r;
  } catch (const std::exception& e) {
    return internal_error(e.what());
  }
}

}  // namespace runbox::backend
