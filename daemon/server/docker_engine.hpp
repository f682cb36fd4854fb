#pragma once
// What runboxd knows of the Docker engine: whether it answers, which OCI runtimes it has, and a
// backend for one run. A monitor thread asks the engine every second (so a dead engine is
// noticed and a restarted one used again without a reload) and sweeps this daemon's orphaned
// containers; callers only read its last answer, so an engine that hangs never blocks an HTTP
// thread. A dead or absent engine makes only the docker-backed runtimes unavailable.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backend/backend.hpp"

namespace runbox::server {

class DockerEngine {
 public:
  // Asks the engine once before returning (the start-up log says what it found), then starts
  // the monitor; the destructor stops it.
  explicit DockerEngine(std::filesystem::path socket);
  ~DockerEngine();
  DockerEngine(const DockerEngine&) = delete;
  DockerEngine& operator=(const DockerEngine&) = delete;
  const std::filesystem::path& socket() const { return socket_; }

  // nullopt when the engine answers; otherwise why not ("Docker engine unreachable at ...").
  std::optional<std::string> unavailable();
  // A docker run just failed in the engine: ask it again now (blocking: call it from a slot
  // thread), so the next request already sees a dead engine as one.
  void check_now();
  // nullopt when the engine has the OCI runtime registered ("" is always there).
  std::optional<std::string> missing_runtime(const std::string& oci_runtime);
  // The docker backend for one run of `image`.
  // seccomp_json: the tier's profile as an OCI/Docker seccomp profile.
  std::unique_ptr<backend::Backend> backend(const std::string& image, const std::string& oci_runtime,
                                            const std::string& seccomp_json);
  // The version text of a docker-only runtime: argv run once in `image`; nullopt and *error.
  std::optional<std::string> probe_version(const std::string& image, const std::vector<std::string>& argv,
                                           const std::vector<std::string>& env, std::string* error);
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

}  // namespace runbox::server
