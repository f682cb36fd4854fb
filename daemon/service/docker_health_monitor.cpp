#include "service/docker_health_monitor.hpp"

#include <unistd.h>

#include "docker/containers.hpp"
#include "docker/engine_client.hpp"

namespace runbox::service {
namespace {

constexpr auto kRecheck = std::chrono::seconds(1);
constexpr auto kPingTimeout = std::chrono::milliseconds(1500);

}  // namespace

DockerHealthMonitor::DockerHealthMonitor(std::filesystem::path socket) : socket_(std::move(socket)) {
  check();
  thread_ = std::thread([this] { monitor(); });
}

DockerHealthMonitor::~DockerHealthMonitor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DockerHealthMonitor::monitor() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, kRecheck, [this] { return stop_; });
    if (stop_) return;
    lock.unlock();
    check();  // without the lock: a hung engine delays only this thread
    lock.lock();
  }
}

void DockerHealthMonitor::check() {
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

void DockerHealthMonitor::check_now() { check(); }

std::optional<std::string> DockerHealthMonitor::unavailable() {
  std::lock_guard lock(mu_);
  return unavailable_;
}

std::optional<std::string> DockerHealthMonitor::missing_runtime(const std::string& oci_runtime) {
  if (oci_runtime.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  if (unavailable_ || runtimes_.count(oci_runtime)) return std::nullopt;
  return "the policy asks for the OCI runtime \"" + oci_runtime +
         "\", which the Docker engine does not have registered (daemon.json \"runtimes\")";
}

std::set<std::string> DockerHealthMonitor::oci_runtimes() {
  std::lock_guard lock(mu_);
  return runtimes_;
}

std::size_t DockerHealthMonitor::remove_leftovers() {
  try {
    docker::EngineClient client(socket_, kPingTimeout);
    client.ping();
    return docker::remove_orphaned_daemon_containers(client);
  } catch (const std::exception&) {
    return 0;  // no engine, no containers of ours
  }
}

std::size_t DockerHealthMonitor::remove_own_containers() {
  try {
    docker::EngineClient client(socket_, kPingTimeout);
    client.ping();
    return docker::remove_labelled_containers(client, std::string(docker::kDaemonLabel) + "=" + std::to_string(::getpid()));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace runbox::service
