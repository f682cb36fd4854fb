// The HTTP edge against hostile clients, on the real daemon: the key is checked on the request
// head (a keyless client never gets its body read), a bound on open connections, no spinning
// when descriptors run out, the open-file limit raised at start, browsers kept out (Origin) and
// DNS rebinding refused (Host), and a pipelined byte that no longer blinds the disconnect watch.
#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <thread>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "ops_support.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "rb_hardening_4c1d8e2f9a7b3605";

// A field of /proc/<pid>/status in kB (VmRSS, VmHWM).
long status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

// utime + stime of a process, in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

std::string limits_line(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name, 0) == 0) return line;
  return "";
}

std::string error_code(const HttpResponse& r) {
  try {
    return json::value_to<std::string>(json::parse(r.body).at("error").at("code"));
  } catch (const std::exception&) {
    return "<" + r.body + ">";
  }
}

std::string post_head(std::size_t content_length, const std::string& extra = "") {
  return "POST /v1/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extra +
         "Content-Length: " + std::to_string(content_length) + "\r\n\r\n";
}

// /healthz answers 200 within the timeout (connections refused or reset meanwhile are retried).
bool serves_again(const DaemonProcess& d, std::chrono::milliseconds timeout) {
  return eventually([&] {
    try {
      return http_get(d.port(), "/healthz").status == 200;
    } catch (const std::exception&) {
      return false;
    }
  }, timeout);
}

struct ConfiguredDaemon {
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  explicit ConfiguredDaemon(const std::string& config, DaemonOptions o = {}, bool keyed = false) {
    require_images({"python"});
    std::string text = config + images_root_config_line();
    if (keyed) {
      write_keys_file(dir.path() / "keys.toml", {{"judge", kKey}});
      text = "keys = \"keys.toml\"\n" + text;
    }
    write_file(dir.path() / "runboxd.toml", text);
    if (!o.slots) o.slots = 2;
    o.config = dir.path() / "runboxd.toml";
    daemon = std::make_unique<DaemonProcess>(o);
  }
  DaemonProcess& d() { return *daemon; }
};

}  // namespace

TEST_CASE("keys: a request without a valid key is refused on its head, before its body is read", "[hardening]") {
  ConfiguredDaemon c("", {}, true);
  DaemonProcess& d = c.d();
  SECTION("the 401 comes while the body is still unsent, and the connection closes") {
    RawConnection conn(d.port());
    REQUIRE(conn.send_all(post_head(10'000'000) + std::string(1000, 'x')));
    bool closed = false;
    auto r = conn.read_response(3s, &closed);
    REQUIRE(r);  // before: the daemon waited for the 10 MB body (and held it)
    CHECK(r->status == 401);
    CHECK(error_code(*r) == "unauthorized");
    CHECK(r->header("www-authenticate") == "Bearer realm=\"runbox\"");
  }
  SECTION("a wrong key too") {
    RawConnection conn(d.port());
    REQUIRE(conn.send_all(post_head(5'000'000, "Authorization: Bearer rb_wrong_key\r\n")));
    auto r = conn.read_response(3s);
    REQUIRE(r);
    CHECK(r->status == 401);
  }
  SECTION("with the key the body is awaited, and the run answers") {
    RawConnection conn(d.port());
    const std::string body = json::serialize(run_body("python3", "print('keyed')\n"));
    REQUIRE(conn.send_all(post_head(body.size(), "X-API-Key: " + kKey + "\r\n")));
    CHECK_FALSE(conn.read_response(500ms));  // nothing until the body is in
    REQUIRE(conn.send_all(body));
    auto r = conn.read_response(30s);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK_THAT(r->body, Catch::Contains("keyed"));
  }
  SECTION("many half-sent keyless bodies do not grow the daemon") {
    const long before = status_kb(d.pid(), "VmRSS");
    std::vector<std::unique_ptr<RawConnection>> conns;
    const std::string chunk(4'000'000, 'x');
    for (int i = 0; i < 40; ++i) {
      conns.push_back(std::make_unique<RawConnection>(d.port()));
      conns.back()->send_all(post_head(10'000'000) + chunk);  // refused midway: may fail, fine
    }
    const long after = status_kb(d.pid(), "VmRSS");
    INFO("VmRSS before " << before << " kB, after " << after << " kB");
    CHECK(after - before < 40 * 1024);  // before: ~40 x 4 MB = 160 MB held
    CHECK(http_get(d.port(), "/healthz").status == 200);
  }
}

TEST_CASE("connections: over max_connections a client gets 503 at once; a freed place serves again", "[hardening]") {
  ConfiguredDaemon c("max_connections = 4\n");
  DaemonProcess& d = c.d();
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 4; ++i) idle.push_back(std::make_unique<RawConnection>(d.port()));
  std::this_thread::sleep_for(200ms);  // all four accepted
  RawConnection over(d.port());
  over.send_all("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  bool closed = false;
  auto r = over.read_response(3s, &closed);
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(error_code(*r) == "overloaded");
  CHECK(r->header("retry-after") == "1");
  CHECK_THAT(r->body, Catch::Contains("max_connections = 4"));
  idle.pop_back();  // one place free again
  CHECK(serves_again(d, 5s));
}

TEST_CASE("descriptors: runboxd raises its soft open-file limit to the hard one at start", "[hardening]") {
  {
    DaemonOptions o;
    o.nofile = std::make_pair(rlim_t{256}, rlim_t{8192});
    ConfiguredDaemon c("", o);
    const std::string line = limits_line(c.d().pid(), "Max open files");
    INFO(line);
    std::istringstream in(line.substr(std::string("Max open files").size()));
    long soft = 0, hard = 0;
    in >> soft >> hard;
    CHECK(soft == 8192);
    CHECK(hard == 8192);
  }
}

// Its own group (daemon: hardening fds), which the sanitizer tree leaves out: there, after the
// EMFILE, UBSan's vptr check reports on asio's strand bookkeeping (shared_ptr_base.h) and aborts
// the daemon; not understood yet (docs/reliability.md).
TEST_CASE("descriptors: out of descriptors the accept loop pauses instead of spinning, and later connections are served",
          "[hardening_fds]") {
  {
    DaemonOptions o;
    o.nofile = std::make_pair(rlim_t{128}, rlim_t{128});
    ConfiguredDaemon c("", o);
    DaemonProcess& d = c.d();
    INFO("daemon fds at start: " << d.open_fds());
    std::vector<std::unique_ptr<RawConnection>> flood;
    for (int i = 0; i < 200; ++i) flood.push_back(std::make_unique<RawConnection>(d.port()));  // the backlog takes them
    std::this_thread::sleep_for(300ms);
    const long t0 = cpu_ticks(d.pid());
    std::this_thread::sleep_for(1500ms);
    const long used = cpu_ticks(d.pid()) - t0;
    INFO("daemon CPU over 1.5 s with its descriptors exhausted: " << used << " ticks");
    CHECK(used < 40);  // before: the accept loop spun on EMFILE, ~150 ticks (a whole core)
    CHECK(eventually([&] { return !log_events(d, "accept_backoff").empty(); }, 2s));
    flood.clear();
    CHECK(serves_again(d, 10s));
  }
}

TEST_CASE("browsers: a request with an Origin not allowed is refused 403; without Origin any content type works",
          "[hardening]") {
  ConfiguredDaemon c("allowed_origins = [\"https://judge.example\"]\n");
  DaemonProcess& d = c.d();
  const std::string body = json::serialize(run_body("python3", "print('from a page')\n"));
  SECTION("a text/plain POST from a foreign page (no preflight) is refused before it runs") {
    auto r = http_request(d.port(), "POST", "/v1/run", body,
                          {{"Content-Type", "text/plain;charset=UTF-8"}, {"Origin", "http://evil.example"}});
    CHECK(r.status == 403);
    CHECK(error_code(r) == "forbidden_origin");
    CHECK(r.header("access-control-allow-origin").empty());
    CHECK(http_request(d.port(), "GET", "/v1/runtimes", "", {{"Origin", "null"}}).status == 403);
  }
  SECTION("without Origin: text/plain (the npm piston client's) and no content type work") {
    auto r = http_request(d.port(), "POST", "/v1/run", body, {{"Content-Type", "text/plain;charset=UTF-8"}});
    CHECK(r.status == 200);
    CHECK_THAT(r.body, Catch::Contains("from a page"));
    CHECK(http_request(d.port(), "POST", "/v1/run", body).status == 200);
  }
  SECTION("an allowed origin is served with CORS headers, and its preflight answered") {
    auto r = http_request(d.port(), "POST", "/v1/run", body,
                          {{"Content-Type", "application/json"}, {"Origin", "https://judge.example"}});
    CHECK(r.status == 200);
    CHECK(r.header("access-control-allow-origin") == "https://judge.example");
    auto pre = http_request(d.port(), "OPTIONS", "/v1/run", "",
                            {{"Origin", "https://judge.example"}, {"Access-Control-Request-Method", "POST"},
                             {"Access-Control-Request-Headers", "content-type"}});
    CHECK(pre.status == 204);
    CHECK(pre.header("access-control-allow-origin") == "https://judge.example");
    CHECK_THAT(pre.header("access-control-allow-headers"), Catch::Contains("Content-Type"));
  }
}

TEST_CASE("browsers: a refused origin is logged with the origin it claimed", "[hardening]") {
  ConfiguredDaemon c("");
  DaemonProcess& d = c.d();
  auto r = http_request(d.port(), "POST", "/v1/run", "{}", {{"Origin", "http://127.0.0.1:9999"}});
  CHECK(r.status == 403);
  auto lines = log_events(d, "forbidden_origin");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].at("origin") == "http://127.0.0.1:9999");
  CHECK(lines[0].at("http_status") == 403);
}

TEST_CASE("DNS rebinding: without keys, a Host that is not localhost, an IP or an allowed name is refused",
          "[hardening]") {
  ConfiguredDaemon c("allowed_hosts = [\"judge.internal\"]\n");
  DaemonProcess& d = c.d();
  auto get = [&](const std::string& host) {
    RawConnection conn(d.port());
    conn.send_all("GET /v1/runtimes HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    auto r = conn.read_response(5s);
    return r ? *r : HttpResponse{};
  };
  for (const char* ok : {"127.0.0.1", "localhost", "LOCALHOST:8080", "[::1]:8080", "judge.internal:80"}) {
    INFO(ok);
    CHECK(get(ok).status == 200);
  }
  for (const char* bad : {"evil.example", "evil.example:8080", "127.0.0.1.evil.example", "judge.internal.evil"}) {
    INFO(bad);
    auto r = get(bad);
    CHECK(r.status == 403);
    CHECK(error_code(r) == "forbidden_host");
  }
}

TEST_CASE("DNS rebinding: a keyed daemon does not check Host (the key is the defence)", "[hardening]") {
  ConfiguredDaemon c("", {}, true);
  auto r = http_request(c.d().port(), "GET", "/v1/runtimes", "", {{"Host", "runbox.example"}, {"X-API-Key", kKey}});
  CHECK(r.status == 200);
}

TEST_CASE("disconnect watch: a client that pipelines a byte and then hangs up still cancels its run", "[hardening]") {
  ConfiguredDaemon c("");
  DaemonProcess& d = c.d();
  json::object body = run_body("python3", "import time\ntime.sleep(8)\nprint('done')\n");
  body["limits"] = json::object{{"wall_ms", 20000}};
  const std::string text = json::serialize(body);
  auto busy = [&] {
    return metric_sum(http_get(d.port(), "/metrics").body, "runbox_slots_busy");
  };
  {
    RawConnection conn(d.port());
    REQUIRE(conn.send_all(post_head(text.size()) + text));
    REQUIRE(eventually([&] { return busy() == 1; }, 10s));
    REQUIRE(conn.send_all("G"));  // the first byte of a pipelined request
    std::this_thread::sleep_for(300ms);
  }  // hangs up
  const auto closed_at = std::chrono::steady_clock::now();
  CHECK(eventually([&] { return busy() == 0; }, 3s));  // before: the run went on for its 8 s
  INFO("slot freed after " << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - closed_at).count() << " ms");
  // And a pipelined request that stays is served after the first.
  RawConnection conn(d.port());
  const std::string quick = json::serialize(run_body("python3", "print('first')\n"));
  REQUIRE(conn.send_all(post_head(quick.size()) + quick + "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  auto first = conn.read_response(30s);
  REQUIRE(first);
  CHECK_THAT(first->body, Catch::Contains("first"));
  auto second = conn.read_response(10s);
  REQUIRE(second);
  CHECK(second->status == 200);
  CHECK_THAT(second->body, Catch::Contains("ok"));
}
