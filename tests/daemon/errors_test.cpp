// Every error code of the API over HTTP, with its status and the {"error":{code,message}} body;
// a 50 MB body refused early; overload (503 with Retry-After) and a missing image
// (runtime_unavailable) on a second daemon with one slot and no queue; SIGTERM drains and exits 0.
#include <sys/socket.h>
#include <sys/wait.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "test_env.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

DaemonProcess& daemon_for_errors() {
  require_images({"python", "go"});
  return shared_daemon();
}

RunReply as_reply(const HttpResponse& res) {
  RunReply r;
  r.http = res;
  boost::system::error_code ec;
  r.body = json::parse(res.body, ec);
  if (ec) r.body = nullptr;
  return r;
}

std::string error_message(const RunReply& r) {
  if (!r.body.is_object() || !r.body.get_object().contains("error")) return "";
  return as_str(r.body.at("error").at("message"));
}

}  // namespace

TEST_CASE("400 invalid_json", "[errors]") {
  DaemonProcess& d = daemon_for_errors();
  for (const std::string& body : {std::string("{"), std::string(""), std::string("{\"runtime\": \"python3\",}"),
                                 std::string("[1, 2"), std::string("{\"runtime\": NaN}")}) {
    INFO("body: " << body);
    check_error(post_raw(d.port(), body), 400, "invalid_json");
  }
}

TEST_CASE("400 invalid_request", "[errors]") {
  DaemonProcess& d = daemon_for_errors();
  const std::vector<std::string> bodies = {
      R"J({"runtime": "python3"})J",                                                   // no code or files
      R"("just a string")",                                                          // not an object
      R"J({"code": "print(1)"})J",                                                     // no runtime
      R"J({"runtime": 3, "code": "print(1)"})J",                                       // wrong type
      R"J({"runtime": "python3", "code": "x", "files": [{"name": "a.py", "content": ""}]})J",  // both
      R"J({"runtime": "python3", "code": "x", "limits": {"cpu_ms": -1}})J",            // negative limit
      R"J({"runtime": "python3", "code": "x", "limits": {"cpu_ms": 1.5}})J",           // not an integer
      R"J({"runtime": "python3", "code": "x", "encoding": "latin1"})J",
      R"J({"runtime": "python3", "code": "x", "stdin": "%%%", "encoding": "base64"})J",  // bad base64
      R"J({"runtime": "python3", "files": [{"name": "../etc/passwd", "content": "x"}]})J",
      R"J({"runtime": "python3", "files": [{"name": "main.py"}]})J",                  // content missing
      R"J({"runtime": "python3", "code": "x", "tests": []})J",
      R"J({"runtime": "python3", "code": "x", "tests": [{"stdin": "1"}]})J",          // no expected_stdout
      R"J({"runtime": "python3", "code": "x", "compare": "fuzzy"})J",
  };
  for (const auto& body : bodies) {
    INFO("body: " << body);
    check_error(post_raw(d.port(), body), 400, "invalid_request");
  }
}

TEST_CASE("400 unknown_field names the field, at any level", "[errors]") {
  DaemonProcess& d = daemon_for_errors();
  SECTION("top level") {
    auto r = post_raw(d.port(), R"J({"runtime": "python3", "code": "print(1)", "bogus_field": 1})J");
    check_error(r, 400, "unknown_field");
    CHECK_THAT(error_message(r), Catch::Contains("bogus_field"));
  }
  SECTION("in limits") {
    auto r = post_raw(d.port(), R"J({"runtime": "python3", "code": "print(1)", "limits": {"cpu_seconds": 1}})J");
    check_error(r, 400, "unknown_field");
    CHECK_THAT(error_message(r), Catch::Contains("limits.cpu_seconds"));
  }
  SECTION("in a test") {
    auto r = post_raw(d.port(),
                      R"J({"runtime": "python3", "code": "print(1)", "tests": [{"expected_stdout": "1", "expected": "1"}]})J");
    check_error(r, 400, "unknown_field");
    CHECK_THAT(error_message(r), Catch::Contains("tests[0].expected"));
  }
}

TEST_CASE("404 unknown_runtime", "[errors]") {
  DaemonProcess& d = daemon_for_errors();
  auto r = post_raw(d.port(), R"J({"runtime": "algol68", "code": "print((\"HI\"))"})J");
  check_error(r, 404, "unknown_runtime");
  CHECK_THAT(error_message(r), Catch::Contains("algol68"));
}

TEST_CASE("404 for an unknown path, 405 with Allow for a wrong method", "[errors]") {
  DaemonProcess& d = daemon_for_errors();
  SECTION("unknown paths") {
    // (GET / is the playground: tests/daemon/playground_test.cpp.)
    for (const char* target : {"/index.html", "/v1", "/v1/run/extra", "/v2/run", "/nope?x=1"}) {
      INFO(target);
      auto r = as_reply(http_get(d.port(), target));
      check_error(r, 404, "not_found");
    }
  }
  SECTION("wrong methods") {
    struct Case {
      const char* method;
      const char* target;
      const char* allow;
    };
    for (const Case& c : {Case{"GET", "/v1/run", "POST"}, Case{"PUT", "/v1/run", "POST"},
                          Case{"POST", "/v1/runtimes", "GET"}, Case{"DELETE", "/healthz", "GET"},
                          Case{"POST", "/readyz", "GET"}, Case{"POST", "/metrics", "GET"}}) {
      INFO(c.method << " " << c.target);
      auto r = as_reply(http_request(d.port(), c.method, c.target, c.method == std::string("GET") ? "" : "{}",
                                     {{"Content-Type", "application/json"}}));
      check_error(r, 405, "method_not_allowed");
      CHECK(r.http.header("allow") == c.allow);
    }
  }
}

TEST_CASE("422 limit_exceeds_policy names the field and the maximum", "[errors]") {
  DaemonProcess& d = daemon_for_errors();
  SECTION("run limit") {
    auto r = post_raw(d.port(), R"J({"runtime": "python3", "code": "print(1)", "limits": {"cpu_ms": 20001}})J");
    check_error(r, 422, "limit_exceeds_policy");
    CHECK_THAT(error_message(r), Catch::Contains("cpu_ms") && Catch::Contains("20000"));
  }
  SECTION("compile limit") {
    auto r = post_raw(d.port(),
                      R"J({"runtime": "go", "code": "package main", "compile_limits": {"memory_mb": 999999}})J");
    check_error(r, 422, "limit_exceeds_policy");
    // go's compile memory multiplier is 2: the maximum is 2 x 2048.
    CHECK_THAT(error_message(r), Catch::Contains("compile_limits.memory_mb") && Catch::Contains("4096"));
  }
  SECTION("the maximum itself is allowed") {
    auto r = post_raw(d.port(), R"J({"runtime": "python3", "code": "print(1)", "limits": {"cpu_ms": 20000}})J");
    INFO(r.describe());
    CHECK(r.http.status == 200);
  }
}

TEST_CASE("a 50 MB body is refused with 413 before it is read", "[errors]") {
  DaemonProcess& d = daemon_for_errors();
  const std::string head =
      "POST /v1/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 52428800\r\n\r\n";

  SECTION("announced by Content-Length, with only a little of the body sent") {
    RawConnection c(d.port());
    const auto t0 = Clock::now();
    REQUIRE(c.send_all(head + R"J({"runtime": "python3", "code": ")J"));
    bool closed = false;
    auto res = c.read_response(std::chrono::seconds(5), &closed);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    REQUIRE(res);
    INFO("HTTP " << res->status << " " << res->body << " after " << ms << " ms");
    check_error(as_reply(*res), 413, "payload_too_large");
    CHECK(ms < 2000);
    CHECK(closed);  // the connection is closed after the answer
  }

  SECTION("really sent: the daemon answers without reading 50 MB") {
    RawConnection c(d.port());
    timeval tv{10, 0};
    ::setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::atomic<std::size_t> sent{0};
    std::thread writer([&] {
      if (!c.send_all(head)) return;
      const std::string chunk(1 << 20, ' ');
      for (int i = 0; i < 50; ++i) {
        if (!c.send_all(chunk)) return;
        sent += chunk.size();
      }
    });
    auto res = c.read_response(std::chrono::seconds(20));
    ::shutdown(c.fd(), SHUT_RDWR);  // stops the writer if it is still blocked
    writer.join();
    REQUIRE(res);
    INFO("HTTP " << res->status << " " << res->body << "; " << sent.load() << " bytes sent");
    check_error(as_reply(*res), 413, "payload_too_large");
    CHECK(sent.load() < 50u * 1024 * 1024);
  }

  SECTION("the daemon still serves afterwards") {
    CHECK(http_get(d.port(), "/healthz").status == 200);
  }
}

TEST_CASE("a chunked body over the limit is refused with 413", "[errors]") {
  DaemonProcess& d = daemon_for_errors();
  RawConnection c(d.port());
  timeval tv{10, 0};
  ::setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::atomic<std::size_t> sent{0};
  std::thread writer([&] {
    if (!c.send_all("POST /v1/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n"))
      return;
    const std::string chunk = "100000\r\n" + std::string(0x100000, ' ') + "\r\n";
    for (int i = 0; i < 50; ++i) {
      if (!c.send_all(chunk)) return;
      sent += 0x100000;
    }
    c.send_all("0\r\n\r\n");
  });
  auto res = c.read_response(std::chrono::seconds(20));
  ::shutdown(c.fd(), SHUT_RDWR);
  writer.join();
  REQUIRE(res);
  INFO("HTTP " << res->status << " " << res->body << "; " << sent.load() << " bytes sent");
  check_error(as_reply(*res), 413, "payload_too_large");
  CHECK(sent.load() < 50u * 1024 * 1024);
}

namespace {

// A daemon with one slot and no queue, over the real runtimes (python3 and go: the policy
// names go) plus "ghost", whose image is not installed.
struct SmallDaemon {
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  SmallDaemon() {
    require_root();
    require_images({"python", "go"});
    const fs::path runtimes = dir.path() / "runtimes";
    fs::create_directory(runtimes);
    for (const char* name : {"python3", "go"})
      fs::copy_file(fs::path(RUNBOX_SOURCE_DIR) / "runtimes" / (std::string(name) + ".toml"),
                    runtimes / (std::string(name) + ".toml"));
    write_file(runtimes / "ghost.toml", R"(name = "ghost"
aliases = []
image = "no-such-image"
source_file = "main.py"
run = ["python3", "main.py"]
version = ["python3", "--version"]
env = []

[limits]
memory = 1.0
pids = 1.0
)");
    write_file(dir.path() / "runboxd.toml", "queue_size = 0\n" + images_root_config_line());
    DaemonOptions options;
    options.slots = 1;
    options.config = dir.path() / "runboxd.toml";
    options.runtimes_dir = runtimes;
    daemon = std::make_unique<DaemonProcess>(options);
  }
};

}  // namespace

TEST_CASE("one slot, no queue: 503 overloaded with Retry-After; a missing image: 503 runtime_unavailable; "
          "SIGTERM drains and exits 0",
          "[errors]") {
  SmallDaemon small;
  DaemonProcess& d = *small.daemon;

  SECTION("overloaded") {
    auto body = run_body("python3", "import time\ntime.sleep(3)\nprint('slept')\n");
    std::vector<json::value> bodies(3, body);
    auto replies = post_runs(d.port(), bodies, 3);
    int ok = 0, overloaded = 0;
    for (const auto& r : replies) {
      INFO(r.describe());
      REQUIRE(r.transport_error.empty());
      if (r.http.status == 200) {
        ++ok;
        CHECK(r.obj().at("run").at("stdout") == "slept\n");
      } else {
        ++overloaded;
        check_error(r, 503, "overloaded");
        CHECK_FALSE(r.http.header("retry-after").empty());
      }
    }
    CHECK(ok == 1);
    CHECK(overloaded == 2);
  }

  SECTION("runtime_unavailable") {
    auto r = post_run(d.port(), run_body("ghost", "print(1)\n"));
    check_error(r, 503, "runtime_unavailable");
    CHECK_FALSE(r.http.header("retry-after").empty());
    CHECK_THAT(error_message(r), Catch::Contains("ghost"));

    auto list = http_get(d.port(), "/v1/runtimes");
    REQUIRE(list.status == 200);
    bool found = false;
    const json::value listed = json::parse(list.body);
    for (const auto& item : listed.get_array()) {
      if (item.at("name") != "ghost") continue;
      found = true;
      INFO(json::serialize(item));
      CHECK(item.at("version").is_null());
      REQUIRE(item.get_object().contains("error"));
      CHECK_THAT(as_str(item.at("error")), Catch::Contains("no-such-image"));
    }
    CHECK(found);
    // The others are ready, so the daemon is; /health says degraded.
    CHECK(http_get(d.port(), "/readyz").status == 200);
    auto health = http_get(d.port(), "/health");
    CHECK(health.status == 200);
    CHECK(json::parse(health.body).at("status") == "degraded");
  }

  SECTION("SIGTERM lets the running job finish, then exits 0") {
    auto body = run_body("python3", "import time\ntime.sleep(1.5)\nprint('finished')\n");
    auto pending = std::async(std::launch::async, [&] { return post_run(d.port(), body); });
    REQUIRE(eventually([&] { return !d.children().empty(); }, std::chrono::seconds(10)));
    const auto t0 = Clock::now();
    const int status = d.stop();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    RunReply r = pending.get();
    INFO(r.describe());
    INFO("stopped after " << ms << " ms; stderr:\n" << d.stderr_log());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    REQUIRE(r.http.status == 200);
    CHECK(r.obj().at("run").at("status") == "ok");
    CHECK(r.obj().at("run").at("stdout") == "finished\n");
    CHECK(ms < 10000);
  }
}
