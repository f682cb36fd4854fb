// The Engine API client against the real engine, and against engines that are not there.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "docker/containers.hpp"
#include "docker/engine_client.hpp"
#include "docker_env.hpp"
#include "test_env.hpp"

using namespace runbox;
using docker::EngineClient;
using docker::EngineError;

namespace {

// A unix socket that accepts and never answers (a hung engine), or is closed (a dead one).
struct FakeEngine {
  test::TempDir dir;
  std::string path = (dir.path() / "docker.sock").string();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  FakeEngine() {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 8) == 0);
  }
  ~FakeEngine() { ::close(fd); }
};

}  // namespace

TEST_CASE("client: a socket path that does not exist is a clear unreachable error") {
  EngineClient c("/nonexistent/runbox-test/docker.sock", std::chrono::seconds(2));
  try {
    c.ping();
    FAIL("ping succeeded");
  } catch (const EngineError& e) {
    CHECK(e.unreachable());
    CHECK_THAT(e.what(), Catch::Contains("Docker engine unreachable at /nonexistent/runbox-test/docker.sock"));
  }
}

TEST_CASE("client: a socket nobody listens on is connection refused") {
  std::string path;
  {
    FakeEngine dead;
    path = dead.path;
    ::close(dead.fd);
    dead.fd = -1;
    EngineClient c(path, std::chrono::seconds(2));
    CHECK_THROWS_WITH(c.ping(), Catch::Contains("connection refused"));
  }
}

TEST_CASE("client: an engine that never answers times out") {
  FakeEngine hung;
  EngineClient c(hung.path, std::chrono::milliseconds(300));
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(c.ping(), Catch::Contains("did not answer in time"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
}

TEST_CASE("client: an engine that closes the connection mid-request is an error") {
  FakeEngine rude;
  std::thread t([&] {
    int c = ::accept(rude.fd, nullptr, nullptr);
    char buf[256];
    (void)::read(c, buf, sizeof buf);
    ::close(c);
  });
  EngineClient c(rude.path, std::chrono::seconds(2));
  CHECK_THROWS_WITH(c.ping(), Catch::Contains("closed the connection"));
  t.join();
}

TEST_CASE("client: ping, version and runtimes from the engine") {
  test::require_engine();
  EngineClient c(test::docker_socket());
  c.ping();
  auto v = c.version();
  CHECK(v.as_object().contains("ApiVersion"));
  auto names = c.runtimes();
  CHECK(std::find(names.begin(), names.end(), "runc") != names.end());
}

TEST_CASE("client: the engine's error message becomes the exception text") {
  test::require_engine();
  EngineClient c(test::docker_socket());
  try {
    c.call("GET", "/containers/runbox-no-such-container-x/json", "inspect container");
    FAIL("no error");
  } catch (const EngineError& e) {
    CHECK(e.status() == 404);
    CHECK_THAT(e.what(), Catch::StartsWith("inspect container: ") && Catch::Contains("No such container"));
  }
  auto r = c.request("GET", "/containers/runbox-no-such-container-x/json");
  CHECK(r.status == 404);
}

TEST_CASE("client: archive upload and streamed download of a created container") {
  std::string image = test::python_image();
  EngineClient c(test::docker_socket());
  boost::json::object config{{"Image", image},
                             {"Cmd", boost::json::array{"true"}},
                             {"Labels", boost::json::object{{docker::kManagedLabel, "true"}}}};
  docker::ContainerGuard ctr(c, docker::create_container(c, config));
  // A one-file tar: "hello.txt" with "hi\n".
  std::string tar(512, '\0');
  auto put = [&](std::size_t off, const std::string& s) { tar.replace(off, s.size(), s); };
  put(0, "hello.txt");
  put(100, "0000644");
  put(108, "0000000");
  put(116, "0000000");
  put(124, "00000000003");
  put(136, "00000000000");
  put(148, "        ");
  put(156, "0");
  put(257, "ustar");
  put(263, "00");
  unsigned sum = 0;
  for (unsigned char ch : tar) sum += ch;
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  put(148, std::string(chk, 7));
  tar += std::string("hi\n") + std::string(509, '\0') + std::string(1024, '\0');
  c.put_archive(ctr.id(), "/tmp", tar);

  std::string got;
  std::size_t chunks = 0;
  auto n = c.get_stream("/containers/" + ctr.id() + "/archive?path=" + docker::url_encode("/tmp/hello.txt"),
                        [&](std::string_view piece) { got += piece, ++chunks; });
  CHECK(n == got.size());
  CHECK(chunks >= 1);
  CHECK(got.substr(0, 9) == "hello.txt");
  CHECK(got.substr(512, 3) == "hi\n");
  // An error status on a stream carries the engine's message.
  CHECK_THROWS_WITH(c.get_stream("/containers/" + ctr.id() + "/archive?path=/no/such/file", [](std::string_view) {}),
                    Catch::Contains("Could not find the file /no/such/file"));
  ctr.remove();
  CHECK(c.request("GET", "/containers/" + ctr.id() + "/json").status == 404);
}

TEST_CASE("client: remove_labelled_containers removes runbox's containers and nothing else") {
  std::string image = test::python_image();
  EngineClient c(test::docker_socket());
  auto make = [&](bool ours, const std::string& daemon) {
    boost::json::object labels{{"io.runbox.daemon", daemon}};
    if (ours) labels[docker::kManagedLabel] = "true";
    else labels["io.runbox.test.foreign"] = "true";
    return docker::create_container(c, {{"Image", image}, {"Cmd", boost::json::array{"true"}}, {"Labels", labels}});
  };
  std::string foreign = make(false, "sweep-test");
  docker::ContainerGuard keep_foreign_cleanup(c, foreign);
  std::string other_daemon = make(true, "sweep-other");
  docker::ContainerGuard cleanup_other(c, other_daemon);
  make(true, "sweep-test");
  make(true, "sweep-test");
  CHECK(docker::remove_labelled_containers(c, "io.runbox.daemon=sweep-test") == 2);
  CHECK(c.request("GET", "/containers/" + foreign + "/json").status == 200);
  CHECK(c.request("GET", "/containers/" + other_daemon + "/json").status == 200);
  CHECK(docker::remove_labelled_containers(c, "io.runbox.daemon=sweep-other") == 1);
  CHECK(c.request("GET", "/containers/" + foreign + "/json").status == 200);
}
