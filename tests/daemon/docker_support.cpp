#include "docker_support.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "test_env.hpp"

namespace runbox::test {
namespace {

int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One HTTP/1.0 request to the engine; the body ("" when it does not answer).
std::string engine_call(const std::string& method, const std::string& target, const std::string& body = "",
                        const std::string& socket = kDockerSocket, const std::string& content_type = "application/json") {
  int fd = connect_unix(socket);
  if (fd < 0) return "";
  std::string req = method + " " + target + " HTTP/1.0\r\nHost: docker\r\nContent-Type: " + content_type + "\r\n"
                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return "";
  }
  std::string resp;
  char buf[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    resp.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto start = resp.find("\r\n\r\n");
  return start == std::string::npos ? "" : resp.substr(start + 4);
}

std::string engine_get(const std::string& target, const std::string& socket = kDockerSocket) {
  return engine_call("GET", target, "", socket);
}

}  // namespace

std::string docker_engine_call(const std::string& method, const std::string& target, const std::string& body,
                               const std::string& content_type) {
  return engine_call(method, target, body, kDockerSocket, content_type);
}

bool docker_engine_answers(const std::string& socket) { return engine_get("/_ping", socket) == "OK"; }

void require_docker_engine() {
  if (docker_engine_answers()) return;
  const char* must = std::getenv("RUNBOX_REQUIRE_DOCKER");
  if (must && std::string(must) == "1")
    throw std::runtime_error("RUNBOX_REQUIRE_DOCKER=1 but no Docker engine answers at " + std::string(kDockerSocket));
  skip(std::string("no Docker engine answers at ") + kDockerSocket);
}

bool docker_has_runtime(const std::string& name) {
  boost::system::error_code ec;
  auto v = boost::json::parse(engine_get("/v1.41/info"), ec);
  return !ec && v.is_object() && v.as_object().contains("Runtimes") && v.at("Runtimes").as_object().contains(name);
}

std::vector<std::string> runbox_containers() {
  std::vector<std::string> ids;
  boost::system::error_code ec;
  auto v = boost::json::parse(engine_get("/v1.41/containers/json?all=1"), ec);
  if (ec || !v.is_array()) return ids;
  for (const auto& c : v.as_array()) {
    const auto& labels = c.at("Labels");
    if (labels.is_object())
      for (const auto& kv : labels.as_object())
        if (kv.key().starts_with("io.runbox")) {
          ids.emplace_back(c.at("Id").as_string());
          break;
        }
  }
  return ids;
}

std::string docker_create_container(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(engine_call("POST", "/v1.41/containers/create", body), ec);
  if (ec || !v.is_object() || !v.as_object().contains("Id")) return "";
  return std::string(v.at("Id").as_string());
}

void docker_remove_container(const std::string& id) { engine_call("DELETE", "/v1.41/containers/" + id + "?force=true"); }

EngineRelay::EngineRelay(std::filesystem::path path, std::string target) : path_(std::move(path)), target_(std::move(target)) {
  listen();
}

EngineRelay::~EngineRelay() {
  unhang();
  cut();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void EngineRelay::listen() {
  std::filesystem::remove(path_);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0)
    throw std::runtime_error("EngineRelay: cannot listen on " + path_.string());
  std::lock_guard lock(mu_);
  cut_ = false;
  listen_fd_ = fd;
  threads_.emplace_back([this, fd] { accept_loop(fd); });
}

void EngineRelay::accept_loop(int listen_fd) {
  for (;;) {
    int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;  // shut down by cut()
    if (hang_) {
      std::lock_guard lock(mu_);
      hung_fds_.push_back(client);  // read nothing, answer nothing
      continue;
    }
    int upstream = connect_unix(target_);
    std::lock_guard lock(mu_);
    if (upstream < 0 || cut_) {
      ::close(client);
      if (upstream >= 0) ::close(upstream);
      continue;
    }
    open_fds_.push_back(client);
    open_fds_.push_back(upstream);
    threads_.emplace_back([this, client, upstream] { relay(client, upstream); });
  }
}

void EngineRelay::relay(int client, int upstream) {
  char buf[65536];
  pollfd p[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  bool open[2] = {true, true};
  while (open[0] || open[1]) {
    if (::poll(p, 2, 200) < 0 || cut_) break;
    for (int i = 0; i < 2; ++i) {
      if (!open[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(p[i].fd, buf, sizeof buf);
      if (n <= 0) {
        open[i] = false;
        p[i].fd = -1;
        ::shutdown(i == 0 ? upstream : client, SHUT_WR);  // pass the half-close on
        continue;
      }
      int out = i == 0 ? upstream : client;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = ::send(out, buf + off, static_cast<std::size_t>(n - off), MSG_NOSIGNAL);
        if (w <= 0) {
          open[0] = open[1] = false;
          break;
        }
        off += w;
      }
    }
  }
  std::lock_guard lock(mu_);
  for (int fd : {client, upstream}) {
    auto it = std::find(open_fds_.begin(), open_fds_.end(), fd);
    if (it != open_fds_.end()) {
      open_fds_.erase(it);
      ::close(fd);
    }
  }
}

void EngineRelay::cut() {
  std::lock_guard lock(mu_);
  cut_ = true;
  if (listen_fd_ >= 0) {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  // A dead engine: every connection reset at once (SO_LINGER 0 sends RST).
  for (int fd : open_fds_) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::shutdown(fd, SHUT_RDWR);
  }
  std::filesystem::remove(path_);
}

void EngineRelay::resume() { listen(); }

void EngineRelay::hang() { hang_ = true; }

void EngineRelay::unhang() {
  hang_ = false;
  std::lock_guard lock(mu_);
  for (int fd : hung_fds_) ::close(fd);
  hung_fds_.clear();
}

}  // namespace runbox::test
