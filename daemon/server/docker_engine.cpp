#include "server/docker_engine.hpp"

#include <unistd.h>

#include "api/stage.hpp"
#include "backend/docker_backend.hpp"
#include "config/runtime_def.hpp"
#include "docker/containers.hpp"
#include "docker/engine_client.hpp"
#include "runbox/sandbox/work_dir.hpp"

namespace runbox::server {
namespace {

constexpr auto kRecheck = std::chrono::seconds(1);
constexpr auto kPingTimeout = std::chrono::milliseconds(1500);

}  // namespace

DockerEngine::DockerEngine(std::filesystem::path socket) : socket_(std::move(socket)) {
  check();
  thread_ = std::thread([this] { monitor(); });
}

DockerEngine::~DockerEngine() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DockerEngine::monitor() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, kRecheck, [this] { return stop_; });
    if (stop_) return;
    lock.unlock();
    check();  // without the lock: a hung engine delays only this thread
    lock.lock();
  }
}

void DockerEngine::check() {
  std::optional<std::string> problem;
  std::set<std::string> names;
  try {
    docker::EngineClient client(socket_, kPingTimeout);
    client.ping();
    for (auto& n : client.runtimes()) names.insert(std::move(n));
    // Orphans of runs that lost the engine mid-way (their program may still run): gone once
    // past their deadline. Every 10 s at most; an error here is not the engine being down.
    const auto now = std::chrono::steady_clock::now();
    bool sweep = false;
    {
      std::lock_guard lock(mu_);
      if (now - swept_ >= std::chrono::seconds(10)) sweep = true, swept_ = now;
    }
    if (sweep) {
      try {
        docker::remove_expired_containers(client, std::string(docker::kDaemonLabel) + "=" + std::to_string(::getpid()),
                                          std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch()).count());
      } catch (const std::exception&) {
      }
    }
  } catch (const std::exception& e) {
    problem = e.what();
  }
  std::lock_guard lock(mu_);
  unavailable_ = std::move(problem);
  runtimes_ = std::move(names);
}

void DockerEngine::check_now() { check(); }

std::optional<std::string> DockerEngine::unavailable() {
  std::lock_guard lock(mu_);
  return unavailable_;
}

std::optional<std::string> DockerEngine::missing_runtime(const std::string& oci_runtime) {
  if (oci_runtime.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  if (unavailable_ || runtimes_.count(oci_runtime)) return std::nullopt;
  return "the policy asks for the OCI runtime \"" + oci_runtime +
         "\", which the Docker engine does not have registered (daemon.json \"runtimes\")";
}

std::unique_ptr<backend::Backend> DockerEngine::backend(const std::string& image, const std::string& oci_runtime,
                                                        const std::string& seccomp_json) {
  backend::DockerOptions o;
  o.socket_path = socket_;
  o.image = image;
  o.oci_runtime = oci_runtime;
  o.seccomp_json = seccomp_json;
  o.labels[docker::kDaemonLabel] = std::to_string(::getpid());
  return std::make_unique<backend::DockerBackend>(std::move(o));
}

std::optional<std::string> DockerEngine::probe_version(const std::string& image, const std::vector<std::string>& argv,
                                                       const std::vector<std::string>& env, std::string* error) {
  sandbox::WorkDir box(16, 65534, 65534);
  sandbox::Spec spec;
  spec.argv = argv;
  spec.env = env;
  spec.box_dir = box.path();
  spec.limits.cpu_ms = 10000;
  spec.limits.wall_ms = 30000;
  spec.limits.memory_mb = 512;
  // The runtime's own version command (no submitted code): Docker's default profile will do.
  backend::DockerOptions o;
  o.socket_path = socket_;
  o.image = image;
  o.engine_default_seccomp = true;
  o.labels[docker::kDaemonLabel] = std::to_string(::getpid());
  auto b = std::make_unique<backend::DockerBackend>(std::move(o));
  api::Stage s = b->run_stage(spec);
  if (s.status != "ok") {
    *error = "version command failed in docker (" + s.status + "): " + s.stderr_data.substr(0, 200);
    return std::nullopt;
  }
  auto v = config::parse_version_output(s.stdout_data, s.stderr_data);
  if (!v) *error = "version command printed nothing";
  return v;
}

std::size_t DockerEngine::remove_leftovers() {
  try {
    docker::EngineClient client(socket_, kPingTimeout);
    client.ping();
    return docker::remove_orphaned_daemon_containers(client);
  } catch (const std::exception&) {
    return 0;  // no engine, no containers of ours
  }
}

std::size_t DockerEngine::remove_own_containers() {
  try {
    docker::EngineClient client(socket_, kPingTimeout);
    client.ping();
    return docker::remove_labelled_containers(client, std::string(docker::kDaemonLabel) + "=" + std::to_string(::getpid()));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace runbox::server
