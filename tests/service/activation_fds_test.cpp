// inherited_listen_fds() (daemon/server/activation_fds.hpp) with the variables systemd sets
// for a socket-activated service: LISTEN_PID = this process, LISTEN_FDS = n, the sockets at
// fds 3, 4, ... Whatever this test process had at those fds is put back afterwards.
#include "server/activation_fds.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "test_env.hpp"

using runbox::server::inherited_listen_fds;

namespace {

// Saves what is at fd `n` (possibly nothing) and restores it on destruction.
class FdSlot {
 public:
  explicit FdSlot(int n) : n_(n), saved_(::fcntl(n, F_DUPFD_CLOEXEC, 100)) {}
  ~FdSlot() {
    if (saved_ >= 0) {
      ::dup2(saved_, n_);
      ::close(saved_);
    } else {
      ::close(n_);
    }
  }
  FdSlot(const FdSlot&) = delete;
  FdSlot& operator=(const FdSlot&) = delete;

 private:
  int n_, saved_;
};

// Puts `fd` at `at` as systemd would (inheritable: dup2 clears FD_CLOEXEC).
void place(int fd, int at) {
  REQUIRE(fd >= 0);
  if (fd == at) return;  // it got the free number itself (sockets are made inheritable here)
  REQUIRE(::dup2(fd, at) == at);
  ::close(fd);
}

int tcp_socket(bool listening) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  if (listening) REQUIRE(::listen(fd, 8) == 0);
  return fd;
}

int unix_listening(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  return fd;
}

void set_listen_env(pid_t pid, int count) {
  ::setenv("LISTEN_PID", std::to_string(pid).c_str(), 1);
  ::setenv("LISTEN_FDS", std::to_string(count).c_str(), 1);
}

bool env_cleared() { return !std::getenv("LISTEN_PID") && !std::getenv("LISTEN_FDS") && !std::getenv("LISTEN_FDNAMES"); }

bool cloexec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

std::string error_of(void (*f)()) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("no LISTEN_FDS: no inherited sockets", "[activation]") {
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  CHECK(inherited_listen_fds().empty());
}

TEST_CASE("one listening TCP socket at fd 3 is returned, close-on-exec, environment cleared", "[activation]") {
  FdSlot slot3(3);
  place(tcp_socket(true), 3);
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  REQUIRE(::getsockname(3, reinterpret_cast<sockaddr*>(&bound), &len) == 0);
  set_listen_env(::getpid(), 1);
  ::setenv("LISTEN_FDNAMES", "runboxd.socket", 1);

  CHECK(inherited_listen_fds() == std::vector<int>{3});
  CHECK(env_cleared());  // runs and helpers must not see them
  CHECK(cloexec(3));     // nor inherit the socket

  // It is the socket we passed: a connection to its address is accepted on fd 3.
  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&bound), sizeof bound) == 0);
  int conn = ::accept(3, nullptr, nullptr);
  CHECK(conn >= 0);
  ::close(conn);
  ::close(client);

  // Once only: the environment is gone.
  CHECK(inherited_listen_fds().empty());
}

TEST_CASE("a unix and a TCP listening socket: fds 3 and 4 in order", "[activation]") {
  runbox::test::TempDir dir;
  FdSlot slot3(3), slot4(4);
  place(unix_listening((dir.path() / "runboxd.sock").string()), 3);
  place(tcp_socket(true), 4);
  set_listen_env(::getpid(), 2);
  CHECK(inherited_listen_fds() == std::vector<int>{3, 4});
  CHECK(cloexec(3));
  CHECK(cloexec(4));
}

TEST_CASE("LISTEN_PID of another process: not ours, nothing returned, environment cleared", "[activation]") {
  FdSlot slot3(3);
  place(tcp_socket(true), 3);
  set_listen_env(::getpid() + 1, 1);
  CHECK(inherited_listen_fds().empty());
  CHECK(env_cleared());
}

TEST_CASE("a passed fd that is not a listening stream socket is refused, naming the fd", "[activation]") {
  FdSlot slot3(3);
  SECTION("a datagram socket (ListenDatagram=)") { place(::socket(AF_INET, SOCK_DGRAM, 0), 3); }
  SECTION("a stream socket that does not listen") { place(tcp_socket(false), 3); }
  SECTION("a pipe") {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    ::close(p[1]);
    place(p[0], 3);
  }
  set_listen_env(::getpid(), 1);
  const std::string error = error_of([] { (void)inherited_listen_fds(); });
  CHECK(error.find("fd 3") != std::string::npos);
  CHECK(env_cleared());
}

TEST_CASE("malformed LISTEN_FDS is refused", "[activation]") {
  ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
  ::setenv("LISTEN_FDS", "three", 1);
  CHECK(error_of([] { (void)inherited_listen_fds(); }).find("sd_listen_fds") != std::string::npos);
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
}

TEST_CASE("a passed unix socket is taken for the listen address of its path only, leftovers stop the start", "[activation]") {
  runbox::test::TempDir dir;
  const std::string path = (dir.path() / "runboxd.sock").string();
  const int fd = unix_listening(path);
  const int tcp = tcp_socket(true);
  std::vector<int> fds{tcp, fd};
  CHECK_FALSE(runbox::server::take_unix_listen_fd(fds, (dir.path() / "other.sock").string()));
  CHECK(fds.size() == 2);
  CHECK(runbox::server::take_unix_listen_fd(fds, path) == fd);
  CHECK(fds == std::vector<int>{tcp});
  // The TCP one no unix: address names: the error says what to make agree.
  std::string error;
  try {
    runbox::server::require_all_adopted(fds);
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  CHECK(error.find("1 listening socket(s)") != std::string::npos);
  CHECK(error.find("ListenStream=") != std::string::npos);
  CHECK_NOTHROW(runbox::server::require_all_adopted({}));
  ::close(fd);
  ::close(tcp);
}
