#pragma once
// What runboxd knows of the Docker engine: whether it answers and which OCI runtimes it has. A
// monitor thread asks the engine every second (so a dead engine is
// noticed and a restarted one used again without a reload) and sweeps this daemon's orphaned
// containers; callers only read its last answer, so an engine that hangs never blocks an HTTP
// thread. A dead or absent engine makes only the docker-backed runtimes unavailable.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "service/engine_health.hpp"

namespace runbox::service {

class DockerHealthMonitor final : public EngineHealth {
 public:
  // Asks the engine once before returning (the start-up log says what it found), then starts
  // the monitor; the destructor stops it.
  explicit DockerHealthMonitor(std::filesystem::path socket);
  ~DockerHealthMonitor() override;
  DockerHealthMonitor(const DockerHealthMonitor&) = delete;
  DockerHealthMonitor& operator=(const DockerHealthMonitor&) = delete;
  const std::filesystem::path& socket() const { return socket_; }

  // nullopt when the engine answers; otherwise why not ("Docker engine unreachable at ...").
  std::optional<std::string> unavailable() override;
  // A docker run just failed in the engine: ask it again now (blocking: call it from a slot
  // thread), so the next request already sees a dead engine as one.
  void check_now() override;
  // nullopt when the engine has the OCI runtime registered ("" is always there).
  std::optional<std::string> missing_runtime(const std::string& oci_runtime) override;
  // The OCI runtimes the engine had registered at its last answer (GET /v1/system).
  std::set<std::string> oci_runtimes();
  // Removes the containers a runboxd that is gone left (a crash); never anything else (not
  // the containers of a live daemon or of a `runbox image pull`). Returns how many; throws
  // nothing (an absent engine has none to remove).
  std::size_t remove_leftovers();
  // At shutdown, every run done: removes what this daemon's runs could not (an engine that was
  // away when they ended). Throws nothing.
  std::size_t remove_own_containers();

 private:
  void check();    // one ping (+ runtimes, + a sweep when due); updates the state
  void monitor();  // the thread: check() every second until stopped

  std::filesystem::path socket_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::chrono::steady_clock::time_point swept_{};
  std::optional<std::string> unavailable_ = std::string("not checked yet");
  std::set<std::string> runtimes_;
  std::thread thread_;
};

}  // namespace runbox::service
