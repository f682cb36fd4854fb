#pragma once
// What the docker-backend tests need besides the daemon: whether a Docker engine answers (skip,
// or fail when RUNBOX_REQUIRE_DOCKER=1 says the host must have one), and a relay between runboxd
// and the engine that the test can cut, to play a dockerd that dies mid-run without killing
// the host's real engine (other tests use it).
#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace runbox::test {

inline constexpr const char* kDockerSocket = "/var/run/docker.sock";

// One request to the engine (HTTP/1.0, "/v1.41/..." targets); the body, "" when it does not answer.
std::string docker_engine_call(const std::string& method, const std::string& target, const std::string& body = "",
                               const std::string& content_type = "application/json");
// True when GET /_ping on the socket answers OK.
bool docker_engine_answers(const std::string& socket = kDockerSocket);
// Skips (exit 77) when no engine answers, unless RUNBOX_REQUIRE_DOCKER=1: then a failure.
void require_docker_engine();
// Whether the engine has an OCI runtime registered (GET /info .Runtimes).
bool docker_has_runtime(const std::string& name);
// runbox-labelled containers the engine has now (all states).
std::vector<std::string> runbox_containers();
// POST /containers/create with this JSON body; the new id ("" on failure). And its removal.
std::string docker_create_container(const std::string& body);
void docker_remove_container(const std::string& id);

// A unix socket at `path` relaying every connection to the real engine, byte for byte (the
// hijacked attach streams included). cut() drops every connection and stops listening: to
// runboxd the engine is dead (connections reset, then refused). resume() listens again.
class EngineRelay {
 public:
  explicit EngineRelay(std::filesystem::path path, std::string target = kDockerSocket);
  ~EngineRelay();
  EngineRelay(const EngineRelay&) = delete;
  EngineRelay& operator=(const EngineRelay&) = delete;
  const std::filesystem::path& path() const { return path_; }
  void cut();
  void resume();
  // A hung engine: new connections are accepted and then never answered (until unhang()).
  void hang();
  void unhang();

 private:
  void listen();
  void accept_loop(int listen_fd);
  void relay(int client, int upstream);

  std::filesystem::path path_;
  std::string target_;
  std::mutex mu_;
  int listen_fd_ = -1;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::atomic<bool> cut_{false};
  std::atomic<bool> hang_{false};
  std::vector<int> hung_fds_;
};

}  // namespace runbox::test
