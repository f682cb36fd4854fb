// Socket activation end to end: runboxd started by systemd-socket-activate (the same LISTEN_FDS
// protocol as runboxd.socket) adopts the passed unix socket, serves on it, and leaves the
// socket file to its owner when it stops; a passed socket no `listen` address names stops the
// start with a message saying so.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include "notify_support.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
using namespace runbox::test;
using namespace std::chrono_literals;

namespace {

const char* kActivate = "/usr/bin/systemd-socket-activate";

// One HTTP/1.0 request over a unix socket; the whole answer ("" when nothing answers).
std::string unix_http(const fs::path& sock, const std::string& request) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
  timeval tv{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  (void)!::write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

std::vector<std::string> daemon_args(const fs::path& dir, const fs::path& listen_sock) {
  const char* images = std::getenv("RUNBOX_ROOTFS_DIR");
  write_file(dir / "runboxd.toml", "images_root = \"" + std::string(images && *images ? images : "/var/lib/runbox/rootfs") +
                                       "\"\nlog_format = \"text\"\n");
  return {RUNBOXD_PATH, "--config", (dir / "runboxd.toml").string(), "--listen", "unix:" + listen_sock.string(),
          "--runtimes-dir", (dir / "runtimes").string(), "--policies-dir", std::string(RUNBOX_SOURCE_DIR) + "/policies",
          "--slots", "1", "--docker-socket", (dir / "no-docker.sock").string()};
}

template <class Pred>
bool eventually_true(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// systemd-socket-activate (then runboxd in its place) with stderr to a file; SIGKILL at the end.
class Activated {
 public:
  Activated(const std::vector<std::string>& args, fs::path log) : log_(std::move(log)) {
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      ::dup2(fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Activated() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::string log() const { return read_file(log_); }
  void signal(int sig) { ::kill(pid_, sig); }
  std::optional<int> wait(std::chrono::seconds timeout) {
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(50ms);
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
  fs::path log_;
};

struct ActivationSetup {
  TempDir dir;
  ActivationSetup() {
    require_root();
    if (::access(kActivate, X_OK) != 0) skip(std::string(kActivate) + " is missing (Debian package systemd)");
    require_image("python");
    require_image("go");
    fs::create_directory(dir.path() / "runtimes");
    for (const char* rt : {"python3.toml", "go.toml"})
      fs::copy_file(fs::path(RUNBOX_SOURCE_DIR) / "runtimes" / rt, dir.path() / "runtimes" / rt);
  }
};

}  // namespace

TEST_CASE("socket activation: runboxd adopts the passed unix socket and leaves its file alone", "[notify]") {
  ActivationSetup s;
  const fs::path sock = s.dir.path() / "runboxd.sock";
  std::vector<std::string> args{kActivate, "-l", sock.string()};
  for (auto& a : daemon_args(s.dir.path(), sock)) args.push_back(a);
  Activated d(args, s.dir.path() / "stderr.log");
  REQUIRE(eventually_true([&] { return fs::exists(sock); }, 10s));

  // The first connection may wait for start-up (probing); the answer comes on the same socket.
  std::string ready;
  REQUIRE(eventually_true([&] {
    ready = unix_http(sock, "GET /readyz HTTP/1.0\r\n\r\n");
    return ready.find(" 200 ") != std::string::npos;
  }, 90s));
  const std::string body = R"j({"runtime":"python3","code":"print('activated')"})j";
  std::string run = unix_http(sock, "POST /v1/run HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: " +
                                        std::to_string(body.size()) + "\r\n\r\n" + body);
  INFO(run << "\nstderr:\n" << d.log());
  CHECK_THAT(run, Catch::Contains("activated\\n"));
  CHECK_THAT(d.log(), Catch::Contains("listening on unix:" + sock.string()));

  d.signal(SIGTERM);
  auto status = d.wait(60s);
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  CHECK(fs::exists(sock));  // the socket unit's file: runboxd did not unlink it
}

TEST_CASE("socket activation: a passed socket no listen address names stops the start", "[notify]") {
  ActivationSetup s;
  const fs::path passed = s.dir.path() / "passed.sock";
  std::vector<std::string> args{kActivate, "-l", passed.string()};
  for (auto& a : daemon_args(s.dir.path(), s.dir.path() / "other.sock")) args.push_back(a);
  Activated d(args, s.dir.path() / "stderr.log");
  REQUIRE(eventually_true([&] { return fs::exists(passed); }, 10s));
  (void)unix_http(passed, "GET /healthz HTTP/1.0\r\n\r\n");  // systemd-socket-activate starts it now
  auto status = d.wait(60s);
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 1);
  CHECK_THAT(d.log(), Catch::Contains("ListenStream"));
}
