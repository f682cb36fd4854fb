// The other endpoints and the request features around a run: /healthz, /readyz, /metrics,
// aliases, several files, base64, compare modes.
#include <catch2/catch.hpp>

#include "api_helpers.hpp"
#include "daemon_process.hpp"

using namespace runbox::test;

namespace {

DaemonProcess& daemon_for_api() {
  require_images({"python", "scripting"});
  return shared_daemon();
}

const json::object& ok_run(const RunReply& r) {
  INFO(r.describe());
  REQUIRE(r.transport_error.empty());
  REQUIRE(r.http.status == 200);
  REQUIRE(r.obj().at("run").is_object());
  return r.obj().at("run").get_object();
}

}  // namespace

TEST_CASE("/healthz and /readyz answer 200 with JSON", "[api]") {
  DaemonProcess& d = daemon_for_api();
  auto health = http_get(d.port(), "/healthz");
  CHECK(health.status == 200);
  CHECK(health.header("content-type") == "application/json");
  CHECK(json::parse(health.body).at("status") == "ok");

  auto ready = http_get(d.port(), "/readyz");
  INFO(ready.body);
  CHECK(ready.status == 200);
  CHECK(ready.header("content-type") == "application/json");
  auto v = json::parse(ready.body);
  CHECK(v.at("ready") == true);
  CHECK(v.at("draining") == false);

  // The seeds' /health: readiness as ok | degraded | unavailable, and the version.
  auto h = http_get(d.port(), "/health");
  INFO(h.body);
  CHECK(h.status == 200);
  CHECK(h.header("content-type") == "application/json");
  auto hv = json::parse(h.body);
  CHECK((hv.at("status") == "ok" || hv.at("status") == "degraded"));
  CHECK_FALSE(as_str(hv.at("version")).empty());
  // A docker-backend runtime whose image was never pulled (dart, swift here) does not degrade it.
  bool every_runtime_ready = true;
  auto listing = json::parse(http_get(d.port(), "/v1/runtimes").body);
  for (const auto& r : listing.as_array()) {
    const auto& o = r.as_object();
    const bool not_pulled = o.at("backend") == "docker" && o.contains("error") &&
                            as_str(o.at("error")).starts_with("docker image ");
    every_runtime_ready = every_runtime_ready && (!o.contains("error") || not_pulled);
  }
  CHECK(hv.at("status") == (every_runtime_ready ? "ok" : "degraded"));
}

TEST_CASE("/metrics is Prometheus text and runbox_runs_total grows with runs", "[api]") {
  DaemonProcess& d = daemon_for_api();
  auto before = http_get(d.port(), "/metrics");
  REQUIRE(before.status == 200);
  CHECK(before.header("content-type") == "text/plain; version=0.0.4");
  const double runs_before = metric_sum(before.body, "runbox_runs_total");

  ok_run(post_run(d.port(), run_body("python3", "print('counted')\n")));
  ok_run(post_run(d.port(), run_body("bash", "exit 4\n")));

  auto after = http_get(d.port(), "/metrics");
  INFO(after.body);
  REQUIRE(after.status == 200);
  CHECK_THAT(after.body, Catch::Contains("# TYPE runbox_runs_total counter"));
  CHECK(metric_sum(after.body, "runbox_runs_total") == runs_before + 2);
  CHECK_THAT(after.body, Catch::Contains(R"(runtime="python3")") && Catch::Contains(R"(status="ok")") &&
                             Catch::Contains(R"(status="runtime_error")"));
  CHECK(metric_sum(after.body, "runbox_http_requests_total") > metric_sum(before.body, "runbox_http_requests_total"));
}

TEST_CASE("an alias runs its runtime and answers with the runtime's name", "[api]") {
  DaemonProcess& d = daemon_for_api();
  RunReply r = post_run(d.port(), run_body("py", "print('via alias')\n"));
  const auto& run = ok_run(r);
  CHECK(r.obj().at("runtime") == "python3");
  CHECK(run.at("stdout") == "via alias\n");
}

TEST_CASE("files: the first is the entry point, the others sit next to it", "[api]") {
  DaemonProcess& d = daemon_for_api();
  json::object body;
  body["runtime"] = "python3";
  body["files"] = json::array{
      json::object{{"name", "main.py"}, {"content", "import helper\nfrom pkg import util\nhelper.hi()\nutil.there()\n"}},
      json::object{{"name", "helper.py"}, {"content", "def hi():\n    print('hi')\n"}},
      json::object{{"name", "pkg/util.py"}, {"content", "ZGVmIHRoZXJlKCk6CiAgICBwcmludCgndGhlcmUnKQo="},
                   {"encoding", "base64"}}};
  RunReply r = post_run(d.port(), body);
  const auto& run = ok_run(r);
  INFO(r.describe());
  CHECK(run.at("status") == "ok");
  CHECK(run.at("stdout") == "hi\nthere\n");
}

TEST_CASE("encoding base64: stdin decoded, output encoded; utf8: invalid bytes become U+FFFD", "[api]") {
  DaemonProcess& d = daemon_for_api();
  SECTION("base64") {
    auto body = run_body("python3", "import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read()[::-1])\n");
    body["encoding"] = "base64";
    body["stdin"] = "AAEC/w==";  // 00 01 02 ff
    RunReply r = post_run(d.port(), body);
    const auto& run = ok_run(r);
    CHECK(run.at("stdout") == "/wIBAA==");  // ff 02 01 00
    CHECK(run.at("stderr") == "");
  }
  SECTION("utf8 replacement") {
    RunReply r = post_run(d.port(), run_body("python3", "import sys\nsys.stdout.buffer.write(b'a\\xffb')\n"));
    const auto& run = ok_run(r);
    CHECK(as_str(run.at("stdout")) == "a\xef\xbf\xbd" "b");
  }
}

TEST_CASE("judge compare modes", "[api]") {
  DaemonProcess& d = daemon_for_api();
  auto judged = [&](const std::string& compare, const std::string& expected) {
    auto body = run_body("python3", "print('1  2')\nprint()\n");
    body["compare"] = compare;
    body["tests"] = json::array{json::object{{"expected_stdout", expected}}};
    RunReply r = post_run(d.port(), body);
    INFO(r.describe());
    REQUIRE(r.http.status == 200);
    return as_str(r.obj().at("tests").at(0).at("verdict"));
  };
  CHECK(judged("exact", "1  2\n\n") == "accepted");
  CHECK(judged("exact", "1  2\n") == "wrong_answer");
  CHECK(judged("trim", "1  2") == "accepted");
  CHECK(judged("trim", "1 2") == "wrong_answer");
  CHECK(judged("tokens", "1 2") == "accepted");
  CHECK(judged("tokens", "1 3") == "wrong_answer");
}

TEST_CASE("keep-alive: several requests on one connection", "[api]") {
  DaemonProcess& d = daemon_for_api();
  RawConnection c(d.port());
  const std::string body = json::serialize(run_body("python3", "print('again')\n"));
  for (int i = 0; i < 3; ++i) {
    INFO("request " << i);
    REQUIRE(c.send_all("POST /v1/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       "Content-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body));
    auto res = c.read_response(std::chrono::seconds(30));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(json::parse(res->body).at("run").at("stdout") == "again\n");
  }
}
