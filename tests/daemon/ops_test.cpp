// Operations on the real daemon: API keys (both header forms, 401 on every protected endpoint),
// the rate limit (429 + Retry-After, then recovery), refusing to expose itself without keys,
// SIGHUP reload (a changed limit takes effect, a broken file leaves the old set working, a run
// in flight keeps its policy), JSON-line logs with the request fields, and metrics that grow.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <thread>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "ops_support.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;

namespace {

const std::string kFrontend = "rb_frontend_8f3a1c9d2e7b4a60";
const std::string kSlow = "rb_slow_5d1e9c7a3b2f8e41";

Headers x_api_key(const std::string& key) { return {{"X-API-Key", key}, {"Content-Type", "application/json"}}; }

std::string hello_body(const std::string& marker) {
  return json::serialize(run_body("python3", "print('hello from " + marker + "')\n"));
}

void check_error_body(const HttpResponse& r, int status, const std::string& code) {
  INFO(r.status << " " << r.body);
  CHECK(r.status == status);
  CHECK(r.header("content-type") == "application/json");
  auto v = json::parse(r.body);
  CHECK(v.at("error").at("code") == code.c_str());
}

// A daemon with two keys: "frontend" (plenty of rate) and "slow" (1/s, burst 2).
struct KeyedDaemon {
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  KeyedDaemon() {
    require_images({"python"});
    write_keys_file(dir.path() / "keys.toml", {{"frontend", kFrontend}, {"slow", kSlow, "default", 1, 2}});
    write_file(dir.path() / "runboxd.toml", "keys = \"keys.toml\"\n" + images_root_config_line());
    DaemonOptions o;
    o.slots = 2;
    o.config = dir.path() / "runboxd.toml";
    daemon = std::make_unique<DaemonProcess>(o);
  }
};

KeyedDaemon& keyed() {
  static KeyedDaemon d;
  return d;
}

}  // namespace

TEST_CASE("keys: every protected endpoint answers 401 without a key or with a wrong one", "[ops]") {
  DaemonProcess& d = *keyed().daemon;
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/v1/run"}, {"GET", "/v1/runtimes"}, {"GET", "/no/such/endpoint"}, {"POST", "/api/v2/execute"},
           {"GET", "/api/v2/runtimes"}}) {
    INFO(method << " " << target);
    auto none = http_request(d.port(), method, target, method == "POST" ? hello_body("nobody") : "");
    check_error_body(none, 401, "unauthorized");
    CHECK(none.header("www-authenticate").find("Bearer") == 0);
    check_error_body(http_request(d.port(), method, target, "", bearer("wrong-key")), 401, "unauthorized");
    check_error_body(http_request(d.port(), method, target, "", x_api_key("wrong-key")), 401, "unauthorized");
    check_error_body(http_request(d.port(), method, target, "", {{"Authorization", "Basic " + kFrontend}}), 401,
                     "unauthorized");
  }
  // Health, readiness and metrics stay open: probes and scrapers carry no keys.
  CHECK(http_get(d.port(), "/healthz").status == 200);
  CHECK(http_get(d.port(), "/health").status == 200);
  CHECK(http_get(d.port(), "/readyz").status == 200);
  CHECK(http_get(d.port(), "/metrics").status == 200);
}

TEST_CASE("keys: Authorization: Bearer and X-API-Key are both accepted", "[ops]") {
  DaemonProcess& d = *keyed().daemon;
  CHECK(http_request(d.port(), "GET", "/v1/runtimes", "", bearer(kFrontend)).status == 200);
  CHECK(http_request(d.port(), "GET", "/v1/runtimes", "", x_api_key(kFrontend)).status == 200);
  for (const auto& headers : {bearer(kFrontend), x_api_key(kFrontend)}) {
    auto r = http_request(d.port(), "POST", "/v1/run", hello_body("keyed"), headers);
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto v = json::parse(r.body);
    CHECK(v.at("run").at("status") == "ok");
    CHECK(v.at("run").at("stdout") == "hello from keyed\n");
    CHECK(v.at("backend") == "native");
  }
}

TEST_CASE("keys: over the rate a key gets 429 rate_limited with Retry-After, and recovers", "[ops]") {
  DaemonProcess& d = *keyed().daemon;
  // Burst 2: two requests pass at once, the third is refused.
  int refused_at = 0;
  HttpResponse refused;
  for (int i = 1; i <= 3; ++i) {
    auto r = http_request(d.port(), "GET", "/v1/runtimes", "", x_api_key(kSlow));
    if (r.status == 429) {
      refused_at = i;
      refused = r;
      break;
    }
    CHECK(r.status == 200);
  }
  REQUIRE(refused_at == 3);
  check_error_body(refused, 429, "rate_limited");
  CHECK(refused.header("retry-after") == "1");
  // Another key is not affected.
  CHECK(http_request(d.port(), "GET", "/v1/runtimes", "", x_api_key(kFrontend)).status == 200);
  // 1 request/s: after the Retry-After the key works again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(http_request(d.port(), "GET", "/v1/runtimes", "", x_api_key(kSlow)).status == 200);

  auto metrics = http_get(d.port(), "/metrics");
  CHECK_THAT(metrics.body, Catch::Contains(R"(runbox_rate_limited_total{key="slow"} 1)"));
  CHECK(metrics.body.find(kSlow) == std::string::npos);
}

TEST_CASE("logs: every line is a JSON object; a run's line has its fields and neither code, output nor key", "[ops]") {
  DaemonProcess& d = *keyed().daemon;
  const std::string marker = "Marker_" + std::to_string(::getpid());
  auto r = http_request(d.port(), "POST", "/v1/run", hello_body(marker), bearer(kFrontend));
  REQUIRE(r.status == 200);
  const std::string id(json::parse(r.body).at("id").as_string());
  CHECK(r.header("x-request-id") == id);

  std::optional<json::object> line;
  REQUIRE(eventually([&] {
    for (auto& o : log_events(d, "request"))
      if (o.contains("id") && o.at("id") == id.c_str()) line = o;
    return line.has_value();
  }, std::chrono::seconds(5)));
  INFO(json::serialize(*line));
  CHECK(line->at("key") == "frontend");
  CHECK(line->at("runtime") == "python3");
  CHECK(line->at("backend") == "native");
  CHECK(line->at("status") == "ok");
  CHECK(line->at("http_status") == 200);
  CHECK(line->at("key_name") == "frontend");
  for (const char* f : {"cpu_ms", "wall_ms", "memory_kb", "queue_wait_ms", "ts", "level", "msg"}) {
    INFO(f);
    CHECK(line->contains(f));
  }
  CHECK(line->at("memory_kb").as_int64() > 0);

  std::string bad;
  const std::string log = d.stderr_log();
  auto all = log_objects(log, &bad);
  CHECK(bad.empty());
  CHECK(all.size() > 5);
  for (const auto& o : all)
    for (const char* f : {"ts", "level", "event", "msg"}) CHECK(o.contains(f));
  // The start-up line says what the daemon found.
  auto start = log_events(d, "start");
  REQUIRE(start.size() == 1);
  for (const char* f : {"version", "cgroup_mode", "backends", "runtimes"}) CHECK(start[0].contains(f));
  // Never the submitted code, its output, or a key.
  CHECK(log.find(marker) == std::string::npos);
  CHECK(log.find(kFrontend) == std::string::npos);
  CHECK(log.find(kSlow) == std::string::npos);
}

TEST_CASE("metrics: counters and histograms grow with runs; build info is there", "[ops]") {
  DaemonProcess& d = *keyed().daemon;
  auto before = http_get(d.port(), "/metrics").body;
  for (int i = 0; i < 2; ++i) REQUIRE(http_request(d.port(), "POST", "/v1/run", hello_body("m"), bearer(kFrontend)).status == 200);
  auto after = http_get(d.port(), "/metrics").body;
  INFO(after);
  CHECK(metric_sum(after, "runbox_runs_total") == metric_sum(before, "runbox_runs_total") + 2);
  CHECK(metric_sum(after, "runbox_queue_wait_seconds_count") == metric_sum(before, "runbox_queue_wait_seconds_count") + 2);
  CHECK(metric_sum(after, "runbox_run_duration_seconds_count") == metric_sum(before, "runbox_run_duration_seconds_count") + 2);
  CHECK_THAT(after, Catch::Contains(R"(runbox_runs_total{backend="native",runtime="python3",status="ok"})"));
  CHECK_THAT(after, Catch::Contains("runbox_build_info{version=\""));
  CHECK_THAT(after, Catch::Contains("runbox_slots_busy"));
  CHECK_THAT(after, Catch::Contains("runbox_queue_length"));
  CHECK(metric_sum(after, "runbox_http_requests_total") > metric_sum(before, "runbox_http_requests_total"));
}

TEST_CASE("keys: a keys file others can read stops the daemon at start-up", "[ops]") {
  require_images({"python"});
  TempDir dir;
  write_keys_file(dir.path() / "keys.toml", {{"frontend", kFrontend}}, 0644);
  DaemonOptions o;
  o.extra_args = {"--keys", (dir.path() / "keys.toml").string()};
  o.start_timeout = std::chrono::seconds(30);
  try {
    DaemonProcess d(o);
    FAIL("runboxd started with a world-readable keys file");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("chmod 600") && Catch::Contains("startup_failed"));
  }
}

TEST_CASE("keys: without keys, a non-loopback listener is refused unless --insecure-no-auth", "[ops]") {
  require_images({"python"});
  DaemonOptions o;
  o.extra_args = {"--listen", "0.0.0.0:0"};
  o.start_timeout = std::chrono::seconds(30);
  try {
    DaemonProcess d(o);
    FAIL("runboxd listened on 0.0.0.0 without keys");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("--insecure-no-auth"));
  }
  o.extra_args.push_back("--insecure-no-auth");
  DaemonProcess d(o);
  CHECK(http_get(d.port(), "/healthz").status == 200);
  CHECK_FALSE(log_events(d, "no_auth").empty());
}

TEST_CASE("reload: SIGHUP applies a changed limit, refuses a broken file whole, spares runs in flight", "[ops]") {
  require_images({"python"});
  TempDir dir;
  fs::path policies = copy_policies(dir.path());
  write_file(dir.path() / "runboxd.toml", images_root_config_line());
  DaemonOptions o;
  o.slots = 2;
  o.policies_dir = policies;
  o.config = dir.path() / "runboxd.toml";
  DaemonProcess d(o);

  // 3000 bytes of output: fine under the default 1024 KB, over 1 KB.
  const json::object print_3k = run_body("python3", "print('x' * 3000)\n");
  auto status_of = [&](const json::object& body) {
    auto r = post_run(d.port(), body);
    INFO(r.describe());
    REQUIRE(r.http.status == 200);
    return std::string(r.obj().at("run").at("status").as_string());
  };
  REQUIRE(status_of(print_3k) == "ok");

  auto reloads = [&](const char* event) { return log_events(d, event).size(); };
  auto edit_policy = [&](const std::string& from, const std::string& to) {
    std::ifstream in(policies / "default.toml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto pos = text.find(from);
    REQUIRE(pos != std::string::npos);
    text.replace(pos, from.size(), to);
    write_file(policies / "default.toml", text);
  };

  // A run in flight when the reload happens keeps the limits it started with.
  json::object slow = run_body("python3", "import time\ntime.sleep(1.5)\nprint('y' * 3000)\n");
  auto in_flight = std::async(std::launch::async, [&] { return post_run(d.port(), slow); });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));

  edit_policy("output_kb = 1024      # per stream", "output_kb = 1         # per stream");
  REQUIRE(::kill(d.pid(), SIGHUP) == 0);
  REQUIRE(eventually([&] { return reloads("reload") == 1; }, std::chrono::seconds(60)));
  CHECK(status_of(print_3k) == "output_limit");
  auto flown = in_flight.get();
  INFO(flown.describe());
  REQUIRE(flown.http.status == 200);
  CHECK(flown.obj().at("run").at("status") == "ok");

  // A broken file: refused whole, with file, line and field; the last good set stays.
  edit_policy("pids = 64             # processes", "pids = \"many\"         # processes");
  REQUIRE(::kill(d.pid(), SIGHUP) == 0);
  REQUIRE(eventually([&] { return reloads("reload_refused") == 1; }, std::chrono::seconds(60)));
  auto refused = log_events(d, "reload_refused").front();
  INFO(json::serialize(refused));
  CHECK(refused.at("level") == "error");
  CHECK(std::string(refused.at("file").as_string()).find("default.toml") != std::string::npos);
  CHECK(refused.at("field") == "run.default.pids");
  CHECK(refused.at("line").as_int64() > 0);
  CHECK(status_of(print_3k) == "output_limit");
  CHECK(status_of(run_body("python3", "print('short')\n")) == "ok");

  auto metrics = http_get(d.port(), "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains(R"(runbox_reloads_total{result="ok"} 1)"));
  CHECK_THAT(metrics, Catch::Contains(R"(runbox_reloads_total{result="refused"} 1)"));
  CHECK_THAT(metrics, Catch::Contains("runbox_config_generation 2"));
  CHECK(http_get(d.port(), "/readyz").status == 200);
}

TEST_CASE("readyz: 503 while draining, on a connection that was open before SIGTERM", "[ops]") {
  require_images({"python"});
  DaemonOptions o;
  o.slots = 1;
  DaemonProcess d(o);
  RawConnection keep(d.port());
  REQUIRE(keep.send_all("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  auto before = keep.read_response(std::chrono::seconds(10));
  REQUIRE(before);
  CHECK(before->status == 200);

  // A run in flight keeps the daemon draining (not gone) for a while after SIGTERM.
  auto slow = std::async(std::launch::async, [&] {
    return post_run(d.port(), run_body("python3", "import time\ntime.sleep(2)\nprint('finished')\n"));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(::kill(d.pid(), SIGTERM) == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  REQUIRE(keep.send_all("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  auto during = keep.read_response(std::chrono::seconds(10));
  REQUIRE(during);
  INFO(during->body);
  CHECK(during->status == 503);
  CHECK(json::parse(during->body).at("draining") == true);
  // The run accepted before SIGTERM finishes normally.
  auto r = slow.get();
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  CHECK(r.obj().at("run").at("stdout") == "finished\n");
}

TEST_CASE("readyz: 503 when the native sandbox self-check fails", "[ops]") {
  require_root();
  TempDir dir;
  // Two "images" that pass the quick presence check (a usr/ directory) but that no sandbox can
  // be built on: every version probe fails in the sandbox's own set-up.
  for (const char* image : {"python", "scripting"}) fs::create_directories(dir.path() / "images" / image / "usr");
  write_file(dir.path() / "runboxd.toml", "images_root = \"" + (dir.path() / "images").string() + "\"\n" +
                                               "docker_socket = \"" + (dir.path() / "no-docker.sock").string() + "\"\n");
  DaemonOptions o;
  o.slots = 1;
  o.config = dir.path() / "runboxd.toml";
  DaemonProcess d(o);
  auto ready = http_get(d.port(), "/readyz");
  INFO(ready.body);
  CHECK(ready.status == 503);
  auto v = json::parse(ready.body);
  CHECK(v.at("ready") == false);
  CHECK(v.at("sandbox") != "ok");
  CHECK_THAT(as_str(v.at("sandbox")), Catch::Contains("internal_error"));
  auto start = log_events(d, "start");
  REQUIRE(start.size() == 1);
  CHECK(start[0].at("backends").at("native") != "ok");
}
