// DockerBackend: options -> container settings, the runtime check, Result -> Stage.
#include "backend/docker_backend.hpp"

#include <algorithm>

#include "docker/container_run.hpp"

namespace runbox::backend {
namespace {

api::Stage internal_error(const std::string& why) {
  api::Stage s;
  s.status = "internal_error";
  s.stderr_data = "runbox: docker: " + why;
  s.internal_cause = "docker";
  return s;
}

}  // namespace

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

api::Stage DockerBackend::run_stage(const sandbox::Spec& spec) {
  try {
    if (auto missing = runtime_missing()) return internal_error(*missing);
    sandbox::Result r = docker::run_container(client_, spec, settings_);
    if (r.status == sandbox::Status::internal_error) return internal_error(r.error);
    api::Stage s;
    s.status = std::string(sandbox::to_string(r.status));
    s.exit_code = r.exit_code;
    s.signal = r.signal;
    s.stdout_data = std::move(r.stdout_data);
    s.stderr_data = std::move(r.stderr_data);
    s.stdout_truncated = r.stdout_truncated;
    s.stderr_truncated = r.stderr_truncated;
    s.cpu_ms = r.cpu_ms;
    s.wall_ms = r.wall_ms;
    s.memory_kb = r.memory_kb;
    return s;
  } catch (const std::exception& e) {
    return internal_error(e.what());
  }
}

}  // namespace runbox::backend
